-- One value per school and framework measure, from the scored tables (schools, all students).
-- Measures are listed in the temp table framework_measures (from config/framework.yaml).
WITH indicator_values AS (
    SELECT m.measure, r.cds, r.status::DOUBLE AS value, r.n, r.origin,
           row_number() OVER (PARTITION BY m.measure, r.cds
                              ORDER BY CASE r.origin WHEN 'cde' THEN 0 ELSE 1 END) AS pick
    FROM framework_measures m
    JOIN indicator_results r ON r.indicator = m.indicator
    WHERE m.source_table = 'indicator_results' AND r.school_year = $school_year
      AND r.rtype = 'S' AND r.student_group = 'ALL'
),
growth_values AS (
    SELECT m.measure, g.cds, coalesce(g.eb_estimate, g.mean)::DOUBLE AS value, g.n
    FROM framework_measures m
    JOIN growth g ON g.subject = m.subject
    WHERE m.source_table = 'growth' AND g.school_year = $school_year
      AND g.rtype = 'S' AND g.student_group = 'ALL'
),
climate_values AS (
    -- the mean of the respondent group's domain percentages (each domain counts once)
    SELECT m.measure, c.cds, avg(c.percent_favorable)::DOUBLE AS value, max(c.respondents) AS n
    FROM framework_measures m
    JOIN climate c ON c.respondent_group = m.respondent_group
    WHERE m.source_table = 'climate' AND c.school_year = $school_year
      AND c.rtype = 'S' AND c.level = 'domain' AND NOT c.suppressed
    GROUP BY ALL
)
SELECT measure, cds, value, n FROM indicator_values WHERE pick = 1
UNION ALL SELECT measure, cds, value, n FROM growth_values
UNION ALL SELECT measure, cds, value, n FROM climate_values
