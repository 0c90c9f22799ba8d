-- Generic Type 1 merge of one run date's observation into a dimension: attributes are
-- overwritten in place, a key keeps its surrogate key forever. Relations: cur (committed rows,
-- Unknown member excluded), obs (silver of D, one row per key). The observation of the latest
-- processed run date wins whatever the processing order (last_observed_date), so a backfill
-- does not overwrite newer values with older ones.

{{define "merged"}}
SELECT c.{{.SK}} AS sk,
       COALESCE(c.{{.Key}}, o.{{.Key}}) AS k,
       {{range .Type1}}CASE WHEN o.{{$.Key}} IS NOT NULL AND (c.{{$.Key}} IS NULL OR c.last_observed_date IS NULL OR {{$.D}} >= c.last_observed_date)
            THEN o.{{.}} ELSE c.{{.}} END AS {{.}},
       c.{{.}} AS c_{{.}},
       {{end}}CASE WHEN o.{{.Key}} IS NULL THEN c.last_observed_date
            WHEN c.last_observed_date > {{.D}} THEN c.last_observed_date
            ELSE {{.D}} END AS last_observed_date,
       c.created_at AS c_created_at,
       c.updated_at AS c_updated_at,
       c.etl_run_date AS c_etl_run_date
FROM cur c
FULL OUTER JOIN obs o ON o.{{.Key}} = c.{{.Key}}
{{end}}

{{define "dim"}}
SELECT CASE WHEN m.sk IS NULL
            THEN {{.HW}} + ROW_NUMBER() OVER (PARTITION BY CASE WHEN m.sk IS NULL THEN 0 ELSE 1 END ORDER BY m.k)
            ELSE m.sk END AS {{.SK}},
       m.k AS {{.Key}},
       {{cols "m." .Type1}},
       m.last_observed_date,
       COALESCE(m.c_created_at, {{.Now}}) AS created_at,
       CASE WHEN m.sk IS NULL OR {{differ "m." "m.c_" .Type1}} THEN {{.Now}} ELSE m.c_updated_at END AS updated_at,
       CASE WHEN m.sk IS NULL OR {{differ "m." "m.c_" .Type1}} THEN {{.D}} ELSE m.c_etl_run_date END AS etl_run_date
FROM merged m
{{end}}
