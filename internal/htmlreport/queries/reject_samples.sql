-- One page of a rejects table's rows of the run date (optionally of one reason), by source line.
SELECT *
FROM rejects.{{.Table}}
WHERE run_date = {{.Date}}{{if .Reason}} AND reject_reason = {{.Reason}}{{end}}
ORDER BY source_line NULLS LAST, reject_reason
LIMIT {{.Limit}} OFFSET {{.Offset}}
