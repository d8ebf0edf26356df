-- Every Dashboard-style figure to score, one row per school/LEA x student group x indicator:
-- CDE's rate files (counts), CDE's academic files (DFS, no counts), and the district's own
-- chronic absenteeism computed from student records (table `attendance`).
-- The two unions below are filled in by pipeline/scoring with table names from the source
-- registry (never from input values).
WITH rate AS (
    {rate_union}
),
academic AS (
    {academic_union}
),
district_chronic AS (
    SELECT c.cds, c.rtype, c.student_group, 'chronic' AS indicator, 'district' AS origin,
           c.chronic AS curr_numer, c.eligible AS curr_denom, NULL::DOUBLE AS curr_status_given,
           p.chronic AS prior_numer, p.eligible AS prior_denom, NULL::DOUBLE AS prior_status_given,
           NULL::DOUBLE AS change_given, NULL::VARCHAR AS hscutpoints
    FROM attendance c
    LEFT JOIN attendance p
           ON p.school_year = $prior_year AND p.cds = c.cds AND p.student_group = c.student_group
    WHERE c.school_year = $school_year
)
SELECT * FROM rate
UNION ALL BY NAME SELECT * FROM academic
UNION ALL BY NAME SELECT * FROM district_chronic
