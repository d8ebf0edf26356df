-- Equity-need index, one row per school x configured component: the value, its percentile among
-- the year's schools, the weight it carries in the school's composite and its contribution.
--
-- Reads two temp tables made by pipeline/scoring/equity.py: equity_config (component, source,
-- higher_is_more_need, weight, position; from config/equity_index.yaml) and equity_values
-- (source, cds, value; the equity_source_*.sql queries). {schools} is the year's schools: the
-- directory, or every school with a value when there is no directory.
--
-- Percentile: 100 x (rank - 1) / (schools with a value - 1), ordered so that a higher percentile
-- means more need; this is DuckDB's percent_rank, kept in exact form (one division) so that equal
-- shares give equal percentiles. Ties share the lower rank: a tied school's percentile is the
-- share of the other schools that have strictly less need. A component only one school has puts
-- that school at 0.
-- Weight: the configured weight divided by the sum of the configured weights of the components
-- the school has a value for (missing components are re-weighted away, weight 0); NULL for every
-- component when that sum is below $min_weight_share of the total (the school gets no index).
-- Contribution = weight x percentile; a school's contributions add up to its composite.
WITH schools AS (
    {schools}
),
long AS (
    SELECT s.cds, c.component, c.position, c.source, c.higher_is_more_need,
           c.weight AS configured_weight, v.value
    FROM schools s
    CROSS JOIN equity_config c
    LEFT JOIN equity_values v ON v.source = c.source AND v.cds = s.cds
),
ranked AS (
    SELECT *,
        CASE WHEN value IS NULL THEN NULL
             WHEN count(*) OVER present = 1 THEN 0.0
             ELSE 100.0 * (rank() OVER need - 1) / (count(*) OVER present - 1) END AS percentile
    FROM long
    WINDOW present AS (PARTITION BY component, value IS NULL),
           need AS (PARTITION BY component, value IS NULL
                    ORDER BY CASE WHEN higher_is_more_need THEN value ELSE -value END)
),
weighed AS (
    SELECT *,
        sum(configured_weight) FILTER (WHERE value IS NOT NULL) OVER school AS weight_present,
        sum(configured_weight) OVER school AS weight_total
    FROM ranked
    WINDOW school AS (PARTITION BY cds)
),
used AS (
    SELECT *,
        CASE WHEN weight_present >= $min_weight_share * weight_total - 1e-9
             THEN CASE WHEN value IS NOT NULL THEN configured_weight / weight_present ELSE 0.0 END
        END AS weight
    FROM weighed
)
SELECT
    $school_year AS school_year,
    cds, component, value, percentile, weight,
    weight * percentile AS contribution,
    source, higher_is_more_need, configured_weight
FROM used
ORDER BY cds, position
