-- One value per school, school model and framework measure, from the rows each source gave
-- (temp table framework_raw: source_key, cds, student_group, value, n, pick_rank).
-- Inputs: framework_sources (source_key, student_group, group_pick, group_list, aggregate),
-- framework_measures (model, measure, source_key, min_n, higher_is_better).
WITH ranked AS (
    SELECT r.*, s.aggregate,
           row_number() OVER (PARTITION BY r.source_key, r.cds, r.student_group ORDER BY r.pick_rank) AS pick
    FROM framework_raw r JOIN framework_sources s USING (source_key)
),
per_group AS (
    -- one row per source, school and group: the preferred row, or the rows' mean/min/max
    SELECT source_key, cds, student_group,
           CASE any_value(aggregate) WHEN 'mean' THEN avg(value) WHEN 'min' THEN min(value)
                WHEN 'max' THEN max(value) ELSE max(value) FILTER (WHERE pick = 1) END AS value,
           CASE WHEN any_value(aggregate) = 'first' THEN max(n) FILTER (WHERE pick = 1) ELSE max(n) END AS n
    FROM ranked GROUP BY source_key, cds, student_group
),
candidates AS (
    SELECT m.model, m.measure, m.min_n, m.higher_is_better, s.group_pick, g.cds, g.student_group, g.value, g.n
    FROM framework_measures m
    JOIN framework_sources s ON s.source_key = m.source_key
    JOIN per_group g ON g.source_key = m.source_key
    WHERE (s.group_pick IS NULL AND (s.student_group IS NULL OR g.student_group = s.student_group))
       OR (s.group_pick IS NOT NULL AND list_contains(s.group_list, g.student_group))
),
picked AS (
    -- worst_of / best_of: among the named groups with a value and at least min_n, the worst (best)
    SELECT *, row_number() OVER (
        PARTITION BY model, measure, cds
        ORDER BY CASE WHEN value IS NOT NULL AND coalesce(n, 0) >= min_n THEN 0 ELSE 1 END,
                 CASE WHEN (group_pick = 'worst_of') = higher_is_better THEN value END ASC NULLS LAST,
                 CASE WHEN (group_pick = 'worst_of') <> higher_is_better THEN value END DESC NULLS LAST,
                 student_group) AS r
    FROM candidates
)
SELECT model, measure, cds, student_group, value, n FROM picked WHERE r = 1
