-- The accountability framework's colour per school and district, indicator and student group.
-- By default the Dashboard colour of indicator_results (status level x change level, looked up in
-- config/color_grid.csv, for rows with enough students in both years); a framework that gives its
-- own grid re-colours the same rows from their levels ($use_grid). CDE's published row is preferred.
-- Inputs: indicator_results, accountability_indicators (indicator),
-- accountability_grid (indicator or NULL for every indicator, status_level, change_level, color).
WITH preferred AS (
    SELECT r.*, row_number() OVER (PARTITION BY r.rtype, r.cds, r.student_group, r.indicator
                                   ORDER BY CASE r.origin WHEN 'cde' THEN 0 ELSE 1 END) AS pick
    FROM indicator_results r JOIN accountability_indicators i ON i.indicator = r.indicator
    WHERE r.school_year = $school_year AND r.rtype IN ('S', 'D')
),
graded AS (
    SELECT p.*, g.color AS grid_color,
           row_number() OVER (PARTITION BY p.rtype, p.cds, p.student_group, p.indicator
                              ORDER BY g.indicator NULLS LAST) AS grid_pick
    FROM preferred p
    LEFT JOIN accountability_grid g ON (g.indicator IS NULL OR g.indicator = p.indicator)
        AND g.status_level = p.status_level AND g.change_level = p.change_level
    WHERE p.pick = 1
)
SELECT $school_year AS school_year, rtype, cds, student_group, indicator, origin, n, status, prior_status, change,
       status_level, change_level,
       CASE WHEN coalesce(color, 0) = 0 THEN 0 WHEN $use_grid THEN coalesce(grid_color, 0) ELSE color END AS color
FROM graded WHERE grid_pick = 1
ORDER BY rtype, cds, student_group, indicator
