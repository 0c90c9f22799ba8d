-- fact_competitions_yearly (grain: competition_year = year of enabled_ts). Each run date's
-- partition holds every year. Competitions are bucketed by host segment: the plan's four named
-- types plus other_competitions (every other segment, NULL included), so the buckets always sum
-- to the total. Rewards count only RewardType = USD (Knowledge, Swag, EUR … are not dollars).
-- Averages per competition are over the competitions where the count is known (the plan's AVG).

{{define "build"}}
WITH c AS (
  SELECT CAST(EXTRACT(YEAR FROM enabled_ts) AS BIGINT) AS competition_year,
         host_segment_title,
         total_teams,
         total_competitors,
         total_submissions,
         CASE WHEN UPPER(TRIM(reward_type)) = 'USD' THEN reward_quantity END AS reward_usd
  FROM silver_competitions
  WHERE enabled_ts IS NOT NULL
),
yearly AS (
  SELECT competition_year,
         COUNT(*) AS total_competitions,
         SUM(CASE WHEN host_segment_title = 'Featured' THEN 1 ELSE 0 END) AS featured_competitions,
         SUM(CASE WHEN host_segment_title = 'Research' THEN 1 ELSE 0 END) AS research_competitions,
         SUM(CASE WHEN host_segment_title = 'Getting Started' THEN 1 ELSE 0 END) AS getting_started_competitions,
         SUM(CASE WHEN host_segment_title = 'Playground' THEN 1 ELSE 0 END) AS playground_competitions,
         SUM(CASE WHEN host_segment_title IN ('Featured', 'Research', 'Getting Started', 'Playground')
                  THEN 0 ELSE 1 END) AS other_competitions,
         COALESCE(SUM(total_teams), 0) AS total_teams_participated,
         COALESCE(SUM(total_competitors), 0) AS total_competitors_participated,
         COALESCE(SUM(total_submissions), 0) AS total_submissions_made,
         AVG(CAST(total_teams AS DOUBLE)) AS avg_teams_per_competition,
         AVG(CAST(total_competitors AS DOUBLE)) AS avg_competitors_per_competition,
         AVG(CAST(total_submissions AS DOUBLE)) AS avg_submissions_per_competition,
         CAST(SUM(total_submissions) AS DOUBLE) / NULLIF(SUM(total_teams), 0) AS avg_submissions_per_team,
         CAST(SUM(total_competitors) AS DOUBLE) / NULLIF(SUM(total_teams), 0) AS avg_competitors_per_team,
         COALESCE(SUM(reward_usd), 0) AS total_rewards_usd,
         AVG(reward_usd) AS avg_reward_usd_per_competition,
         COUNT(DISTINCT host_segment_title) AS competition_type_diversity
  FROM c
  GROUP BY competition_year
)
SELECT y.*,
       CASE WHEN p.total_competitions IS NOT NULL
            THEN (CAST(y.total_competitions AS DOUBLE) - p.total_competitions) * 100.0 / p.total_competitions
       END AS yoy_growth_competitions,
       {{.D}} AS run_date,
       {{.RunID}} AS pipeline_run_id,
       {{.Now}} AS created_at_ts
FROM yearly y
LEFT JOIN yearly p ON p.competition_year = y.competition_year - 1
{{end}}

{{define "metrics"}}
SELECT CAST(COUNT(*) AS BIGINT) AS total_years,
       MIN(competition_year) AS min_year,
       MAX(competition_year) AS max_year,
       CAST(COALESCE(SUM(total_competitions), 0) AS BIGINT) AS total_competitions_all_years,
       CAST(COALESCE(SUM(other_competitions), 0) AS BIGINT) AS other_competitions_all_years,
       AVG(yoy_growth_competitions) AS avg_yoy_growth,
       COALESCE(SUM(total_rewards_usd), 0) AS total_rewards_usd_all_years,
       (SELECT CAST(COUNT(*) AS BIGINT) FROM silver_competitions WHERE enabled_ts IS NULL) AS competitions_without_year
FROM fact
{{end}}

{{define "check competition_type_sum_integrity"}}
SELECT COUNT(*) FROM fact
WHERE total_competitions IS DISTINCT FROM featured_competitions + research_competitions
      + getting_started_competitions + playground_competitions + other_competitions
{{end}}

{{define "check no_negative_counts"}}
SELECT COUNT(*) FROM fact
WHERE total_competitions < 0 OR featured_competitions < 0 OR research_competitions < 0
   OR getting_started_competitions < 0 OR playground_competitions < 0 OR other_competitions < 0
   OR total_teams_participated < 0 OR total_competitors_participated < 0 OR total_submissions_made < 0
   OR competition_type_diversity < 0
{{end}}

{{define "check logical_constraints"}}
SELECT COUNT(*) FROM fact
WHERE avg_teams_per_competition > avg_competitors_per_competition
   OR total_competitions < 0 OR total_teams_participated < 0 OR total_competitors_participated < 0
   OR total_submissions_made < 0 OR total_rewards_usd < 0
{{end}}
