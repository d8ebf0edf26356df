-- Each school's framework measures: value, index level 1..10, points, the weight it carries once
-- missing measures' weights are re-allocated, and the improvement needed for the next level.
-- Inputs (temp tables): framework_measures, framework_cuts, framework_values, schools (cds, peer_tier).
WITH grid AS (
    SELECT s.cds, s.peer_tier, m.*
    FROM schools s CROSS JOIN framework_measures m
),
valued AS (
    SELECT g.*, v.value, v.n,
           CASE WHEN v.value IS NULL THEN 'no data'
                WHEN coalesce(v.n, 0) < g.min_n THEN 'fewer than ' || g.min_n || ' students'
                END AS missing_reason
    FROM grid g LEFT JOIN framework_values v ON v.measure = g.measure AND v.cds = g.cds
),
levelled AS (
    SELECT v.*,
        CASE WHEN v.missing_reason IS NULL THEN 1 + (
            SELECT count(*) FROM framework_cuts c
            WHERE c.measure = v.measure
              AND CASE WHEN v.higher_is_better THEN v.value >= c.cut ELSE v.value <= c.cut END)
        END AS index_level
    FROM valued v
),
next_cut AS (
    SELECT l.*,
        (SELECT c.cut FROM framework_cuts c WHERE c.measure = l.measure AND c.position = l.index_level) AS next_cut
    FROM levelled l
),
weighted AS (
    SELECT n.*,
        sum(weight) FILTER (WHERE missing_reason IS NULL) OVER (PARTITION BY cds, domain) AS domain_present,
        sum(weight) FILTER (WHERE missing_reason IS NULL) OVER (PARTITION BY cds) AS weight_present
    FROM next_cut n
),
domain_share AS (
    -- a domain with no measure present gives its weight to the domains that have one
    SELECT cds, domain, any_value(domain_weight) AS domain_weight, max(domain_present) AS present
    FROM weighted GROUP BY cds, domain
),
domain_scaled AS (
    SELECT cds, domain,
           CASE WHEN present IS NULL THEN 0
                ELSE domain_weight * 100.0 / sum(domain_weight) FILTER (WHERE present IS NOT NULL) OVER (PARTITION BY cds)
           END AS domain_effective
    FROM domain_share
),
measures AS (
    SELECT w.*,
        10 * w.index_level AS points,
        CASE WHEN $missing_weight = 'zero' THEN w.weight
             WHEN w.missing_reason IS NULL THEN d.domain_effective * w.weight / w.domain_present
             ELSE 0 END AS effective_weight
    FROM weighted w JOIN domain_scaled d USING (cds, domain)
)
SELECT *,
    round((CASE WHEN higher_is_better THEN next_cut - value ELSE value - next_cut END)::DECIMAL(18, 6), 1)
        AS improvement_needed,
    coalesce(points, 0) * effective_weight / 100.0 AS contribution
FROM measures
