-- The statements that move a run date's staged gold into the warehouse tables. They are the
-- same for PostgreSQL and Redshift (no ON CONFLICT, no IS DISTINCT FROM, no MERGE): the
-- PostgreSQL tests run exactly what Redshift is sent. Staging tables hold the lake's rows.

{{/* A fact's (the bridge's) rows of the run date go first: they may reference dimension
     versions this load removes. */}}
{{define "fact_delete"}}
DELETE FROM {{.Table}} WHERE "run_date" = CAST({{lit .RunDate}} AS DATE)
{{end}}

{{define "fact_insert"}}
INSERT INTO {{.Table}} ({{cols "" .Columns}})
SELECT {{cols "" .Columns}} FROM {{.Stage}}
{{end}}

{{/* Versions the lake no longer has: counted first (usually none, and then the delete is
     skipped), then deleted — except one that facts of another run date still reference, which
     is kept (the foreign key holds) until those dates are exported again. */}}
{{define "dim_missing"}}
SELECT COUNT(*) FROM {{.Table}}
WHERE NOT EXISTS (SELECT 1 FROM {{.Stage}} s WHERE s.{{.SK}} = {{.Table}}.{{.SK}})
{{end}}

{{define "dim_delete"}}
DELETE FROM {{.Table}}
WHERE NOT EXISTS (SELECT 1 FROM {{.Stage}} s WHERE s.{{.SK}} = {{.Table}}.{{.SK}})
{{- range .Refs}}
  AND NOT EXISTS (SELECT 1 FROM {{.}} f WHERE f.{{$.SK}} = {{$.Table}}.{{$.SK}})
{{- end}}
{{end}}

{{/* Rows whose values changed, compared NULL-safely, updated in place: a row keeps its
     surrogate key, so foreign keys to it are untouched. */}}
{{define "dim_update"}}
UPDATE {{.Table}}
SET {{set "s." .Columns}}
FROM {{.Stage}} s
WHERE {{.Table}}.{{.SK}} = s.{{.SK}}
  AND NOT ({{same .Table "s" .Columns}})
{{end}}

{{define "dim_insert"}}
INSERT INTO {{.Table}} ({{cols "" .Columns}})
SELECT {{cols "s." .Columns}} FROM {{.Stage}} s
WHERE NOT EXISTS (SELECT 1 FROM {{.Table}} t WHERE t.{{.SK}} = s.{{.SK}})
{{end}}
