"""The specification's minimum for one fresh Kaggle-layout day, against the floor.

Usage: python3 docs/bench/spec_minimum.py RAW_DIR SCRATCH_DIR   (needs duckdb==1.5.6 from PyPI,
the engine's version; RAW_DIR is a lake's raw/ folder, e.g. a `metalake bench --keep` directory's,
with a 2025-07-01 snapshot). docs/BENCHMARKS.md, session 10, has the figures.

The floor is metalake bench's (internal/bench FloorSQL): every raw CSV file converted to Parquet
as text. The minimum is the least set of statements a pipeline meeting SPEC.md must run, as bare
DuckDB SQL with the engine's threads and memory limit, and nothing else: no counts, checks,
reports, DQ, enrichment, SCD2 comparison, monitor or catalog. For users: the raw records in a
table (DuckDB gives a streamed CSV record no ordinal, and the rejects and line numbers need
one), the typed valid rows written to bronze, the rejected rows written beside them, the keys
bronze repeats (deduplication), silver written, and the first dim_user written with its keys
numbered by user_id. The other tables: their floor plus two more Parquet copies (silver, gold);
the lookups (DatasetVersions, Tags) are only read.
"""
import duckdb, time, glob, os, sys, csv
D=sys.argv[1]
c=duckdb.connect(config={'threads':2,'memory_limit':'2200MB'})
out=sys.argv[2]; os.makedirs(out, exist_ok=True)
def t(q):
    s=time.time(); c.execute(q); return time.time()-s
def hdr(p):
    with open(p, newline='') as f: return next(csv.reader(f))
def floor_sql(p, dst):
    h=hdr(p); cols=', '.join(f"'{x}': 'VARCHAR'" for x in h)
    return f"""COPY (SELECT * FROM read_csv('{p}', header=true, auto_detect=false, columns={{{cols}}}, delim=',', quote='"', escape='"', ignore_errors=true)) TO '{dst}' (FORMAT parquet, COMPRESSION snappy)"""
files=sorted(glob.glob(D+'/*/ingestion_date=2025-07-01/*.csv'))
res={}
# the floor
F=0
for p in files:
    F+=t(floor_sql(p, out+'/floor_'+os.path.basename(p)+'.parquet'))
res['floor']=F
# users chain, minimal
u=[p for p in files if p.endswith('/users.csv')][0]
cols=', '.join(f"'c{i}': 'VARCHAR'" for i in range(7))
c.execute("CREATE TEMP TABLE countries AS SELECT * FROM (VALUES ('united states','US'),('india','IN'),('germany','DE')) v(name_key, code)")
chain={}
chain['bronze raw table']=t(f"""CREATE OR REPLACE TEMP TABLE raw AS SELECT * FROM read_csv('{u}', columns={{{cols}}}, header=true, auto_detect=false, delim=',', quote='"', escape='"', strict_mode=true, store_rejects=true, rejects_table='rj', rejects_scan='rs')""")
typed="""r.rowid AS ord, r.c0 AS user_id, r.c1 AS user_name, r.c2 AS display_name,
 COALESCE(TRY_STRPTIME(r.c3, '%m/%d/%Y'), TRY_STRPTIME(r.c3, '%m/%d/%Y %H:%M:%S')) AS signup_ts,
 TRY_CAST(r.c4 AS BIGINT) AS performance_tier, r.c5 AS country_name,
 CASE r.c6 WHEN 'True' THEN true WHEN 'False' THEN false END AS location_sharing_opt_out, k.code AS country_code"""
verdict="(r.c0 IS NULL OR r.c1 IS NULL OR TRIM(r.c1) = '')"
src=f"FROM raw r LEFT JOIN countries k ON k.name_key = LOWER(TRIM(r.c5))"
chain['bronze valid write']=t(f"""COPY (SELECT {typed}, DATE '2025-07-01' AS run_date, TIMESTAMP '2025-07-01 02:00:00' AS ingest_ts, 'raw/users/users.csv' AS source_file, 'kaggle' AS source_system, ord + 2 AS source_line {src} WHERE NOT {verdict}) TO '{out}/bu.parquet' (FORMAT parquet, COMPRESSION snappy)""")
chain['bronze rejects write']=t(f"""COPY (SELECT r.*, 'x' AS reason {src} WHERE {verdict}) TO '{out}/br.parquet' (FORMAT parquet, COMPRESSION snappy)""")
chain['silver repeated keys']=t(f"""CREATE OR REPLACE TEMP TABLE dk AS SELECT user_id FROM '{out}/bu.parquet' GROUP BY user_id HAVING COUNT(*) > 1""")
chain['silver write']=t(f"""COPY (SELECT b.user_id, user_name, display_name, performance_tier, COALESCE(NULLIF(UPPER(TRIM(country_code)),''),'XX') AS country_code,
  country_code IS NULL AS country_missing, country_name, COALESCE(signup_ts, TIMESTAMP '2025-07-01') AS signup_ts, signup_ts IS NULL AS signup_ts_imputed,
  DATE '2025-07-01' AS first_ingested_date, DATE '2025-07-01' AS last_ingested_date, run_date AS source_run_date, source_file, source_line,
  TIMESTAMP '2025-07-01 03:00:00' AS silver_processed_ts, DATE '2025-07-01' AS silver_run_date, DATE '2025-07-01' AS run_date
  FROM '{out}/bu.parquet' b WHERE b.user_id NOT IN (SELECT user_id FROM dk)) TO '{out}/su.parquet' (FORMAT parquet, COMPRESSION snappy)""")
chain['gold dim_user write (numbered)']=t(f"""COPY (SELECT n.sk AS user_sk, s.user_id, user_name, country_code, signup_ts,
  TIMESTAMP '2025-07-01' AS effective_start_ts, TIMESTAMP '9999-12-31' AS effective_end_ts, true AS is_current, DATE '2025-07-01' AS last_observed_date,
  TIMESTAMP '2025-07-01 04:00:00' AS created_at, TIMESTAMP '2025-07-01 04:00:00' AS updated_at, DATE '2025-07-01' AS etl_run_date
  FROM '{out}/su.parquet' s JOIN (SELECT user_id AS k, row_number() OVER (ORDER BY user_id) AS sk FROM '{out}/su.parquet') n ON n.k = s.user_id) TO '{out}/gu.parquet' (FORMAT parquet, COMPRESSION snappy)""")
res['users chain']=sum(chain.values())
# the other tables: CSV -> text parquet (their floor) and two more Parquet copies (silver, gold)
o=0
for p in files:
    if p.endswith('/users.csv'): continue
    if p.endswith('/dataset_versions.csv') or p.endswith('/tags.csv'):
        o+=t(floor_sql(p, out+'/o1.parquet').replace('COPY (','CREATE OR REPLACE TEMP TABLE lk AS ').split(') TO ')[0]); continue
    b=out+'/floor_'+os.path.basename(p)+'.parquet'
    o+=t(floor_sql(p, out+'/o1.parquet'))+t(f"COPY (SELECT * FROM '{b}') TO '{out}/o2.parquet' (FORMAT parquet, COMPRESSION snappy)")+t(f"COPY (SELECT * FROM '{b}') TO '{out}/o3.parquet' (FORMAT parquet, COMPRESSION snappy)")
res['other tables x3 layers']=o
for k,v in chain.items(): print(f"  {k:34s} {v:.3f}")
tot=res['users chain']+o
print({k: round(v,3) for k,v in res.items()}, 'total', round(tot,3), 'ratio', round(tot/F,2))
