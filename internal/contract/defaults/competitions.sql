-- A deadline before the enabled date is real (155 of 5,212 competitions in 2022): a flag.
SELECT {{cols "s"}},
       COALESCE(s.deadline_ts < s.enabled_ts, false) AS has_inverted_dates
FROM src s
