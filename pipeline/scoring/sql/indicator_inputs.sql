-- Every Dashboard-style figure to score, one row per school/LEA x student group x indicator:
-- CDE's rate files (counts), CDE's academic files (DFS, no counts), and the district's own
-- figures from student records: chronic absenteeism (table `attendance`, the Dashboard's grades) and ELA and math
-- Distance From Standard (validated_assessment; numerator = the sum of each Smarter Balanced
-- taker's score minus the grade's "standard met" score, so status rounds exactly like a rate;
-- from the state's CAASPP file also CDE's language groups and its 95 % participation rule, temp
-- tables participation_rule and language_groups_until: pipeline/scoring/indicators.py),
-- and ELPI from the ELPAC file (elpi_preview). The long-term English learner group (LTEL) has a
-- row only when $ltel_published (the Dashboard year is ltel_from or later: config/state_codes.yaml):
-- earlier years' LTEL figures stay computed, for the change of the first year that publishes it.
-- The two unions below are filled in by pipeline/scoring/indicators.py with table names from the source
-- registry (never from input values).
WITH rate AS (
    {rate_union}
),
academic AS (
    {academic_union}
),
district_chronic AS (
    SELECT c.cds, c.rtype, c.student_group, 'chronic' AS indicator, 'district' AS origin, 100 AS scale,
           c.dashboard_chronic AS curr_numer, c.dashboard_eligible AS curr_denom, NULL::DOUBLE AS curr_status_given,
           p.dashboard_chronic AS prior_numer, p.dashboard_eligible AS prior_denom, NULL::DOUBLE AS prior_status_given,
           NULL::DOUBLE AS change_given, NULL::VARCHAR AS hscutpoints
    FROM attendance c
    LEFT JOIN attendance p
           ON p.school_year = $prior_year AND p.cds = c.cds AND p.student_group = c.student_group
    WHERE c.school_year = $school_year
      AND c.dashboard_students > 0  -- as CDE: no row for a school or group without students in its grades
      AND (c.student_group <> 'LTEL' OR $ltel_published)
),
-- Every record of the year's ELA and math files: a Smarter Balanced score counts in the status
-- (distance = score minus the grade's "standard met" score); every record in the participation base
-- (participated Y or N, from the state's CAASPP file only) counts for CDE's 95 % participation rule.
assessed AS (
    SELECT a.school_year, a.cds, lower(a.subject) AS indicator, a.grade,
           CASE WHEN a.test_type = 'SBA' THEN a.scale_score - m.standard_met END AS distance,
           a.participated,
           -- on ELA and math the EL group is English learners plus those reclassified within
           -- config/state_codes.yaml's reclassified_years (ELO + RFP); without a language group
           -- (the district's own assessment.csv) the el flag says
           CASE WHEN a.language_group IN ('ELO', 'RFP') THEN 'Y' ELSE a.el END AS el,
           a.language_group, a.ethnicity, a.ltel, a.sed, a.swd, a.foster, a.homeless
    FROM {assessment} a
    LEFT JOIN standard_met m ON m.subject = a.subject AND m.grade = a.grade
    WHERE a.school_year IN ($school_year, $prior_year)
      AND ((a.test_type = 'SBA' AND a.scale_score IS NOT NULL) OR a.participated IS NOT NULL)
),
-- The figures below are sums and counts of whole numbers and the lowest and highest grade, so they
-- are added up in two steps with exactly the same result (whatever the order or grouping of the
-- additions). Step 1, assessed_cells: the records of one school, year and subject with the same
-- ethnicity and flags (12 million takers at state scale, 5 times as many taker x group rows,
-- become about a million cells). Step 2, dfs: each cell at its school and in the LEA, once per
-- student group of its flags, added up.
assessed_cells AS (
    SELECT school_year, cds, indicator, ethnicity, el, ltel, sed, swd, foster, homeless, language_group,
           sum(distance) AS numer, count(distance) AS denom,
           count(participated) AS enrolled, count(*) FILTER (WHERE participated = 'Y') AS tested,
           min(grade) FILTER (WHERE distance IS NOT NULL) AS min_grade,
           max(grade) FILTER (WHERE distance IS NOT NULL) AS max_grade
    FROM assessed
    GROUP BY ALL
),
assessed_levels AS (
    SELECT 'S' AS rtype, * FROM assessed_cells
    UNION ALL BY NAME
    SELECT 'D' AS rtype, * REPLACE (substr(cds, 1, 7) || '0000000' AS cds) FROM assessed_cells
),
assessed_groups AS (
    SELECT school_year, rtype, cds, indicator, numer, denom, enrolled, tested, min_grade, max_grade,
           unnest(list_filter(list_append(student_groups(ethnicity, el, ltel, sed, swd, foster, homeless),
                                          CASE WHEN CAST(substr(school_year, 1, 4) AS BIGINT) + 1 <= u.dashboard_year
                                               THEN language_group END), lambda g: g IS NOT NULL)) AS student_group
    FROM assessed_levels, language_groups_until u  -- the years CDE's files publish ELO, RFP and EO
),
dfs_scored AS (
    SELECT school_year, rtype, cds, indicator, student_group,
           coalesce(sum(numer), 0) AS numer,
           sum(denom)::BIGINT AS denom,  -- a sum of counts: BIGINT like a count
           sum(enrolled)::BIGINT AS enrolled, sum(tested)::BIGINT AS tested,
           -- CDE's LEA rows leave hscutpoints blank (the grades 3-8 set) unless only grade 11 is tested
           CASE WHEN min(min_grade) = 11 THEN 'Y' WHEN max(max_grade) <= 8 OR max(rtype) = 'D' THEN 'N' END AS hscutpoints
    FROM assessed_groups GROUP BY ALL
),
-- CDE's 95 % participation rule (config/participation_rule.csv, measured on the real files): the
-- students missing to reach the target share of those enrolled count at one distance per Dashboard
-- year and subject. A year without a rule adds no one.
dfs AS (
    SELECT d.school_year, d.rtype, d.cds, d.indicator, d.student_group, d.hscutpoints, d.enrolled,
           d.denom AS students,  -- real students (the privacy rules count these, not those added)
           coalesce(greatest((r.target_per_mille * d.enrolled + 999) // 1000 - d.tested, 0), 0) AS added,
           d.numer + added * coalesce(r.imputed_distance, 0) AS numer,
           d.denom + added AS denom
    FROM dfs_scored d
    LEFT JOIN participation_rule r
           ON r.subject = upper(d.indicator) AND r.dashboard_year = CAST(substr(d.school_year, 1, 4) AS BIGINT) + 1
),
district_dfs AS (
    SELECT c.cds, c.rtype, c.student_group, c.indicator, 'district' AS origin, 1 AS scale,
           c.numer AS curr_numer, c.denom AS curr_denom, NULL::DOUBLE AS curr_status_given,
           p.numer AS prior_numer, p.denom AS prior_denom, NULL::DOUBLE AS prior_status_given,
           NULL::DOUBLE AS change_given, c.hscutpoints, c.students AS curr_students, p.students AS prior_students
    FROM dfs c
    LEFT JOIN dfs p ON p.school_year = $prior_year AND p.rtype = c.rtype AND p.cds = c.cds
                   AND p.indicator = c.indicator AND p.student_group = c.student_group AND p.denom > 0
    -- a group with students enrolled and none in the status (e.g. CAA takers only) has a row, as CDE's
    WHERE c.school_year = $school_year AND (c.denom > 0 OR c.enrolled > 0)
      AND (c.student_group <> 'LTEL' OR $ltel_published)
),
-- ELPI from the Summative ELPAC file (temp table elpi_preview: sql/elpi_preview.sql, this year
-- and the year before)
district_elpi AS (
    SELECT c.cds, c.rtype, c.student_group, 'elpi' AS indicator, 'district' AS origin, 100 AS scale,
           c.numer AS curr_numer, c.denom AS curr_denom, NULL::DOUBLE AS curr_status_given,
           p.numer AS prior_numer, p.denom AS prior_denom, NULL::DOUBLE AS prior_status_given,
           NULL::DOUBLE AS change_given, NULL::VARCHAR AS hscutpoints
    FROM elpi_preview c
    LEFT JOIN elpi_preview p ON p.school_year = $prior_year AND p.rtype = c.rtype AND p.cds = c.cds
                            AND p.student_group = c.student_group
    WHERE c.school_year = $school_year
      AND (c.student_group <> 'LTEL' OR $ltel_published)
)
SELECT * FROM rate
UNION ALL BY NAME SELECT * FROM academic
UNION ALL BY NAME SELECT * FROM district_chronic
UNION ALL BY NAME SELECT * FROM district_dfs
UNION ALL BY NAME SELECT * FROM district_elpi
