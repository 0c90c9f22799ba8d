-- Real Meta Kaggle datasets: the title and subtitle live in DatasetVersions (the current
-- version); the owner is OwnerUserId, else CreatorUserId. A missing version keeps the row
-- (dataset_title NULL → a counted reject). Meta Kaggle publishes public datasets only, so
-- is_private is the constant false, not an imputation.
SELECT {{cols "s" "owner_user_id_source"}},
       v.title AS dataset_title,
       v.subtitle AS dataset_subtitle,
       COALESCE(s.owner_user_id_source, s.creator_user_id) AS owner_user_id,
       CAST(false AS BOOLEAN) AS is_private
FROM src s
LEFT JOIN lk_dataset_versions v ON v.version_id = s.current_dataset_version_id
