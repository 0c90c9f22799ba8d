-- Kaggle users carry a full English country name; map it to ISO alpha-2 with the embedded
-- country table. An unmapped name keeps country_code NULL (counted as unmapped_countries).
SELECT {{cols "s"}}, c.code AS country_code
FROM src s
LEFT JOIN countries c ON c.name_key = LOWER(TRIM(s.country_name))
