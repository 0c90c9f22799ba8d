-- Silver tags, before deduplication: the key is the normalised tag, lower(trim) with everything
-- but [a-z0-9-] removed. A tag that normalises to '' is dropped here: the predicate is on the
-- key alone, so dropping before deduplication gives the same rows as after.
SELECT n.*,
       CASE WHEN n.tag = '' THEN 'empty_after_normalisation' END AS __drop
FROM (
  SELECT b.dataset_id,
         {{regexp_remove "LOWER(TRIM(b.tag_original))" "[^a-z0-9-]"}} AS tag,
         b.tag_original,
         b.tag_id,
         b.source_run_date,
         b.source_file,
         b.source_line
  FROM bronze_in b
) n
