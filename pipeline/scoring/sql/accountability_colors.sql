-- The accountability framework's colour per school and district, indicator and student group.
-- By default the Dashboard colour of indicator_results (status level x change level, looked up in
-- config/color_grid.csv, for rows with enough students in both years); a framework that gives its
-- own grid re-colours the same rows from their levels ($use_grid; a row of the grid naming the
-- indicator wins over one for every indicator). CDE's published row is preferred to the district's.
-- Inputs: indicator_results, accountability_indicators (indicator),
-- accountability_grid (indicator or NULL for every indicator, status_level, change_level, color).
WITH rows AS (
    SELECT r.rtype, r.cds, r.student_group, r.indicator, r.origin, r.n, r.status, r.prior_status, r.change,
           r.status_level, r.change_level, r.color
    FROM indicator_results r SEMI JOIN accountability_indicators i ON i.indicator = r.indicator
    WHERE r.school_year = $school_year AND r.rtype IN ('S', 'D')
),
preferred AS (
    SELECT * FROM rows WHERE origin = 'cde'
    UNION ALL
    SELECT d.* FROM rows d ANTI JOIN (SELECT * FROM rows WHERE origin = 'cde') c
        ON c.rtype = d.rtype AND c.cds = d.cds AND c.student_group = d.student_group AND c.indicator = d.indicator
    WHERE d.origin IS DISTINCT FROM 'cde'
)
SELECT $school_year AS school_year, p.rtype, p.cds, p.student_group, p.indicator, p.origin, p.n, p.status,
       p.prior_status, p.change, p.status_level, p.change_level,
       CASE WHEN coalesce(p.color, 0) = 0 THEN 0
            WHEN $use_grid THEN coalesce(own.color, every.color, 0) ELSE p.color END AS color
FROM preferred p
LEFT JOIN accountability_grid own ON own.indicator = p.indicator
    AND own.status_level = p.status_level AND own.change_level = p.change_level
LEFT JOIN accountability_grid every ON every.indicator IS NULL
    AND every.status_level = p.status_level AND every.change_level = p.change_level
