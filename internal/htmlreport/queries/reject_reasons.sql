-- Every reason of a rejects table's rows of the run date, with its count.
SELECT reject_reason AS name, COUNT(*) AS count
FROM rejects.{{.Table}}
WHERE run_date = {{.Date}}
GROUP BY reject_reason
ORDER BY count DESC, name
