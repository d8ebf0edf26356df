-- The overall rating from the scored measures (temp table measure_scores): the school's score and
-- level, the district average, the same-tier peer average and percentile, points to the next level.
WITH scored AS (
    SELECT cds, any_value(peer_tier) AS peer_tier,
           coalesce(any_value(weight_present), 0) AS weight_present,
           sum(coalesce(points, 0) * effective_weight) / 100.0 AS score_unrounded
    FROM measure_scores GROUP BY cds
),
rated AS (
    SELECT s.*,
        s.weight_present >= $min_weight_present AS rated,
        CASE WHEN s.weight_present >= $min_weight_present
             THEN round(s.score_unrounded::DECIMAL(18, 6), 1) END AS score
    FROM scored s
),
with_level AS (
    SELECT r.*,
        (SELECT max(level) FROM framework_levels l WHERE r.score >= l.min) AS level,
        (SELECT min(l.min) FROM framework_levels l WHERE l.min > r.score) AS next_level_min
    FROM rated r
)
SELECT
    $school_year AS school_year, w.cds, w.rated, w.score, w.score_unrounded, w.level,
    l.label AS level_label, w.weight_present,
    round(avg(w.score) OVER ()::DECIMAL(18, 6), 1) AS district_average,
    w.peer_tier,
    round(avg(w.score) OVER (PARTITION BY w.peer_tier)::DECIMAL(18, 6), 1) AS peer_average,
    count(w.score) OVER (PARTITION BY w.peer_tier) AS peer_schools,
    CASE WHEN w.score IS NOT NULL THEN round((100 * percent_rank() OVER (
        PARTITION BY w.peer_tier, w.score IS NULL ORDER BY w.score))::DECIMAL(18, 6), 1) END AS peer_percentile,
    CASE WHEN w.next_level_min IS NOT NULL THEN round((w.next_level_min - w.score)::DECIMAL(18, 6), 1) END
        AS points_to_next_level
FROM with_level w LEFT JOIN framework_levels l ON l.level = w.level
ORDER BY w.cds
