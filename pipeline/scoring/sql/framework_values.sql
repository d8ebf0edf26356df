-- One value per school, school model and framework measure, from the rows each source gave
-- (temp table framework_raw: source_key, cds, student_group, value, n, pick_rank).
-- Inputs: framework_sources (source_key, student_group, group_pick, group_list, aggregate),
-- framework_measures (model, measure, source_key, min_n, higher_is_better).
WITH per_group AS (
    -- one row per source, school and group: the preferred row (CDE's before the district's), or
    -- the rows' mean, lowest or highest value (climate: the mean of a respondent group's domains)
    SELECT r.source_key, r.cds, r.student_group,
           CASE any_value(s.aggregate) WHEN 'mean' THEN avg(r.value) WHEN 'min' THEN min(r.value)
                WHEN 'max' THEN max(r.value) ELSE arg_min({'v': r.value}, r.pick_rank).v END AS value,
           CASE WHEN any_value(s.aggregate) = 'first' THEN arg_min({'n': r.n}, r.pick_rank).n ELSE max(r.n) END AS n
    FROM framework_raw r JOIN framework_sources s USING (source_key)
    GROUP BY r.source_key, r.cds, r.student_group
),
candidates AS (
    SELECT m.model, m.measure, m.min_n, m.higher_is_better, s.group_pick, g.cds, g.student_group, g.value, g.n
    FROM framework_measures m
    JOIN framework_sources s ON s.source_key = m.source_key
    JOIN per_group g ON g.source_key = m.source_key
    WHERE (s.group_pick IS NULL AND (s.student_group IS NULL OR g.student_group = s.student_group))
       OR (s.group_pick IS NOT NULL AND list_contains(s.group_list, g.student_group))
)
-- worst_of / best_of: among the named groups with a value and at least min_n, the worst (best)
SELECT model, measure, cds,
       arg_min({'student_group': student_group, 'value': value, 'n': n}, {
           'eligible': CASE WHEN value IS NOT NULL AND coalesce(n, 0) >= min_n THEN 0 ELSE 1 END,
           'rank': CASE WHEN group_pick IS NULL THEN 0
                        WHEN (group_pick = 'worst_of') = higher_is_better THEN coalesce(value, 1e300)
                        ELSE -coalesce(value, -1e300) END,
           'group': student_group}) AS picked
FROM candidates
GROUP BY model, measure, cds
