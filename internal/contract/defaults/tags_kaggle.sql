-- Real Meta Kaggle tags: the DatasetTags link table joined to Tags for the tag name.
-- A link to a missing tag keeps the row (tag NULL → a counted reject).
SELECT {{cols "s"}},
       LOWER(TRIM(t.tag_name)) AS tag,
       t.tag_name AS tag_original
FROM src s
LEFT JOIN lk_tags t ON t.lookup_tag_id = s.tag_id
