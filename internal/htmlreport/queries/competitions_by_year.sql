-- Competitions per year of EnabledDate by type, with the USD rewards (RewardType = USD only).
SELECT competition_year AS year,
       featured_competitions AS featured,
       research_competitions AS research,
       getting_started_competitions AS getting_started,
       playground_competitions AS playground,
       other_competitions AS other,
       COALESCE(total_rewards_usd, 0) AS rewards_usd
FROM gold.fact_competitions_yearly
WHERE run_date = {{.Date}} AND competition_year IS NOT NULL
ORDER BY competition_year
