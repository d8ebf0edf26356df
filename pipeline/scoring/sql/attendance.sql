-- Chronic absenteeism and attendance rate by school (rtype S), district (rtype D) and student group,
-- from the student-level attendance export, as the Dashboard defines it:
-- eligible when enrolled at least $min_days days; chronic when absent at least $threshold of the days enrolled.
-- eligible/chronic count every grade (the scorecard's attendance, the equity index);
-- dashboard_students/_eligible/_chronic only the Dashboard's grades ($dashboard_grades: TK-8), for the
-- district's own Dashboard chronic absenteeism indicator (indicator_inputs.sql).
-- District rows count each student once, adding up their days across schools.
-- Rates are in percent, rounded half away from zero to 0.1, and blank for fewer than $min_n
-- eligible students (the counts stay: indicator_results needs them and hides them itself).
--
-- Speed (state scale: 6 million students, 36 million student x group rows): every figure is a
-- count or a sum of whole days, so it can be added up in two steps with exactly the same result
-- (integer sums do not depend on the order or the grouping of the additions):
--   1. cells: the students of one school (or of the district) with the same ethnicity and flags;
--   2. each cell's totals, once per student group of those flags (student_groups), added up.
-- And only the few students enrolled at more than one school need adding up into one district
-- row; everybody else's district row is their one row as it is.
WITH students AS NOT MATERIALIZED (
    -- not materialized: a scan of the compressed table is cheaper than a copy of its rows
    SELECT cds, ssid, days_enrolled, days_absent,
           ethnicity, el, ltel, sed, swd, foster, homeless,
           -- the Dashboard's chronic absenteeism counts only its grades (TK-8); a grade not known counts
           grade IS NULL OR list_contains($dashboard_grades, grade) AS dashboard
    FROM validated_attendance
    WHERE school_year = $school_year
),
several_schools AS (
    SELECT ssid FROM students GROUP BY ssid HAVING count(*) > 1
),
district AS (
    -- a student with one row: the sums and max() of one row are that row (HUGEINT: sum's type)
    SELECT $district_cds AS cds, s.ssid,
           s.days_enrolled::HUGEINT AS days_enrolled, s.days_absent::HUGEINT AS days_absent,
           s.ethnicity, s.el, s.ltel, s.sed, s.swd, s.foster, s.homeless, s.dashboard
    FROM students s
    ANTI JOIN several_schools m ON m.ssid IS NOT DISTINCT FROM s.ssid
    UNION ALL
    SELECT $district_cds AS cds, s.ssid,
           sum(s.days_enrolled) AS days_enrolled, sum(s.days_absent) AS days_absent,
           any_value(s.ethnicity) AS ethnicity, max(s.el) AS el, max(s.ltel) AS ltel, max(s.sed) AS sed,
           max(s.swd) AS swd, max(s.foster) AS foster, max(s.homeless) AS homeless, bool_or(s.dashboard) AS dashboard
    FROM students s
    SEMI JOIN several_schools m ON m.ssid IS NOT DISTINCT FROM s.ssid
    GROUP BY s.ssid
),
both_levels AS (
    SELECT 'S' AS rtype, * FROM students
    UNION ALL BY NAME
    SELECT 'D' AS rtype, * FROM district
),
cells AS (
    -- step 1: one row per school (or district) and combination of ethnicity and flags
    SELECT rtype, cds, ethnicity, el, ltel, sed, swd, foster, homeless,
        count(*) FILTER (WHERE days_enrolled >= $min_days) AS eligible,
        count(*) FILTER (WHERE days_enrolled >= $min_days
                           AND days_absent::DECIMAL(18, 6) >= $threshold::DECIMAL(18, 6) * days_enrolled) AS chronic,
        sum(days_enrolled) AS days_enrolled,
        sum(days_enrolled - days_absent) AS days_attended,
        count(*) AS students,
        count(*) FILTER (WHERE dashboard) AS dashboard_students,
        count(*) FILTER (WHERE dashboard AND days_enrolled >= $min_days) AS dashboard_eligible,
        count(*) FILTER (WHERE dashboard AND days_enrolled >= $min_days
                           AND days_absent::DECIMAL(18, 6) >= $threshold::DECIMAL(18, 6) * days_enrolled)
            AS dashboard_chronic
    FROM both_levels
    GROUP BY ALL
),
grouped AS (
    -- step 2: each cell once for every group its students belong to
    SELECT rtype, cds, eligible, chronic, days_enrolled, days_attended, students, dashboard_students, dashboard_eligible,
           dashboard_chronic, unnest(student_groups(ethnicity, el, ltel, sed, swd, foster, homeless)) AS student_group
    FROM cells
)
SELECT *,
    CASE WHEN eligible >= $min_n THEN round((100 * chronic / eligible)::DECIMAL(18, 6), 1) END AS chronic_rate,
    CASE WHEN eligible >= $min_n THEN round((100 * days_attended / days_enrolled)::DECIMAL(18, 6), 1) END
        AS attendance_rate,
    eligible < $min_n AS suppressed
FROM (
SELECT
    rtype, cds, student_group,
    sum(eligible)::BIGINT AS eligible,  -- a sum of counts: BIGINT like the count it replaces
    sum(chronic)::BIGINT AS chronic,
    sum(days_enrolled) AS days_enrolled,
    sum(days_attended) AS days_attended,
    sum(students)::BIGINT AS students,
    sum(dashboard_students)::BIGINT AS dashboard_students,
    sum(dashboard_eligible)::BIGINT AS dashboard_eligible,
    sum(dashboard_chronic)::BIGINT AS dashboard_chronic
FROM grouped
GROUP BY ALL
)
ORDER BY rtype DESC, cds, student_group
