-- Chronic absenteeism and attendance rate by school (rtype S), district (rtype D) and student group,
-- from the student-level attendance export, as the Dashboard defines it:
-- eligible when enrolled at least $min_days days; chronic when absent at least $threshold of the days enrolled.
-- District rows count each student once, adding up their days across schools.
-- Rates are in percent, rounded half away from zero to 0.1, and blank for fewer than $min_n
-- eligible students (the counts stay: indicator_results needs them and hides them itself).
WITH students AS (
    SELECT cds, ssid, days_enrolled, days_absent,
           ethnicity, el, ltel, sed, swd, foster, homeless
    FROM validated_attendance
    WHERE school_year = $school_year
),
district AS (
    SELECT $district_cds AS cds, ssid,
           sum(days_enrolled) AS days_enrolled, sum(days_absent) AS days_absent,
           any_value(ethnicity) AS ethnicity, max(el) AS el, max(ltel) AS ltel, max(sed) AS sed,
           max(swd) AS swd, max(foster) AS foster, max(homeless) AS homeless
    FROM students GROUP BY ssid
),
both_levels AS (
    SELECT 'S' AS rtype, * FROM students
    UNION ALL BY NAME
    SELECT 'D' AS rtype, * FROM district
),
grouped AS (
    -- one row per student and each group the student belongs to
    SELECT rtype, cds, days_enrolled, days_absent, unnest(student_groups(ethnicity, el, ltel, sed, swd, foster, homeless)) AS student_group
    FROM both_levels
)
SELECT *,
    CASE WHEN eligible >= $min_n THEN round((100 * chronic / eligible)::DECIMAL(18, 6), 1) END AS chronic_rate,
    CASE WHEN eligible >= $min_n THEN round((100 * days_attended / days_enrolled)::DECIMAL(18, 6), 1) END
        AS attendance_rate,
    eligible < $min_n AS suppressed
FROM (
SELECT
    rtype, cds, student_group,
    count(*) FILTER (WHERE days_enrolled >= $min_days) AS eligible,
    count(*) FILTER (WHERE days_enrolled >= $min_days
                       AND days_absent::DECIMAL(18, 6) >= $threshold::DECIMAL(18, 6) * days_enrolled) AS chronic,
    sum(days_enrolled) AS days_enrolled,
    sum(days_enrolled - days_absent) AS days_attended,
    count(*) AS students
FROM grouped
GROUP BY ALL
)
ORDER BY rtype DESC, cds, student_group
