-- Equity-need index, one row per school: composite, its percentile, tier and need rank.
-- Reads the temp table equity_components_scored (equity_components.sql).
--
-- Composite = sum over present components of configured weight x percentile / sum of those
-- weights (= the sum of the contributions), rounded to 6 decimals so that equal composites reached
-- by different sums rank as ties; NULL when too little weight is present.
-- Composite percentile: as for the components (rank - 1) / (schools with a composite - 1) x 100,
-- ties sharing the lower rank. Tier from the four cut points on the composite percentile: at or
-- above $cut_highest Highest (tier_rank 1), $cut_high High, $cut_moderate Moderate, $cut_low Low,
-- below Lowest (5). need_rank 1 is the highest composite; equal composites share a rank.
WITH per_school AS (
    SELECT cds,
        count(value) AS components_present,
        sum(configured_weight) FILTER (WHERE value IS NOT NULL) / sum(configured_weight) AS weight_present,
        CASE WHEN count(weight) > 0
             THEN round(sum(configured_weight * percentile) FILTER (WHERE value IS NOT NULL)
                        / sum(configured_weight) FILTER (WHERE value IS NOT NULL), 6) END AS composite
    FROM equity_components_scored
    GROUP BY cds
),
ranked AS (
    SELECT *,
        CASE WHEN composite IS NULL THEN NULL
             WHEN count(*) OVER scored = 1 THEN 0.0
             ELSE 100.0 * (rank() OVER low_to_high - 1) / (count(*) OVER scored - 1) END AS composite_percentile,
        CASE WHEN composite IS NOT NULL THEN rank() OVER high_to_low END AS need_rank
    FROM per_school
    WINDOW scored AS (PARTITION BY composite IS NULL),
           low_to_high AS (PARTITION BY composite IS NULL ORDER BY composite),
           high_to_low AS (PARTITION BY composite IS NULL ORDER BY composite DESC)
),
tiered AS (
    SELECT *,
        CASE WHEN composite_percentile IS NULL THEN NULL
             WHEN composite_percentile >= $cut_highest THEN 1
             WHEN composite_percentile >= $cut_high THEN 2
             WHEN composite_percentile >= $cut_moderate THEN 3
             WHEN composite_percentile >= $cut_low THEN 4
             ELSE 5 END AS tier_rank
    FROM ranked
)
SELECT
    $school_year AS school_year,
    cds, composite, composite_percentile,
    ['Highest', 'High', 'Moderate', 'Low', 'Lowest'][tier_rank] AS tier,
    tier_rank, need_rank, components_present, weight_present
FROM tiered
ORDER BY need_rank NULLS LAST, cds
