-- The English Learner Progress Indicator from the Summative ELPAC Student Score Data File (the
-- district's own calculation, origin 'district'), per school (rtype S) and LEA (rtype D), for the
-- year and the year before (the prior year's figure gives the change), by CDE's rules
-- (/work/shared/reference/state-files.md 4.1, each point confirmed there unless said):
--   * included: a student tested as a current English learner (ELASforTesting = EL) in grades 1-12
--     with a valid score this year (IncludeIndicator Y, an overall scale score) and a score the
--     year before: the record's own Minus1 fields (OverallScaleScoreMinus1 at GradeAssessedMinus1),
--     else the student's record in last year's file (same SSID, IncludeIndicator Y);
--     kindergarten has no prior year; a student RFEP at testing is out;
--   * levels from config/elpi_levels.csv (table elpi_levels): six ELPI levels of a Summative ELPAC
--     score (the 2L/2H and 3L/3H split points are unconfirmed), three of a Summative Alternate
--     ELPAC score (record type 23: that code is unconfirmed);
--   * Summative: progressed = up at least one ELPI level; maintained level 4 = level 4 both years;
--     declined = down at least one level; otherwise maintained (another level);
--   * Alternate: progressed = up at least one level or 10 scale-score points or more (the scores
--     compared as published, also across grade bands: how CDE compares scores of two bands is
--     unconfirmed); maintained level 3 = level 3 both years; otherwise neither;
--   * status = (progressed + maintained level 4 + Alternate progressed + Alternate maintained
--     level 3) / every included student. The 95 % participation rule is not applied: how many
--     students it adds is unconfirmed (the validation report lists where CDE flags it).
-- Student groups: every included student is an English learner (group EL); those whose CALPADS
-- Provisional LTEL Start Date (Cumulative Enrollment Extract field 45, relation {ltel}) is on or
-- before the record's year's LTEL as-of day ($ltel_day, $prior_ltel_day: config/state_codes.yaml) are also
-- long-term English learners (group LTEL). The ELPAC fields the reader keeps carry no other group.
-- One record per student and year: the first in the file (as the CAASPP rows).
WITH records AS (
    SELECT school_year, ssid, calpadsschoolcode AS cds, recordtype, elasfortesting, includeindicator,
           CASE WHEN upper(gradeassessed) IN ('KN', 'K') THEN 0 ELSE try_cast(gradeassessed AS INTEGER) END AS grade,
           CASE WHEN upper(gradeassessedminus1) IN ('KN', 'K') THEN 0
                ELSE try_cast(gradeassessedminus1 AS INTEGER) END AS prior_grade,
           overallscalescore AS score, overallscalescoreminus1 AS prior_score,
           -- the school year before this record's: '2023-24' -> '2022-23'
           (left(school_year, 4)::INTEGER - 1)::VARCHAR || '-' || substr(school_year, 3, 2) AS year_before
    FROM {elpac}
    WHERE school_year IN ($school_year, $prior_year, $year_before_prior)
    QUALIFY row_number() OVER (PARTITION BY school_year, ssid ORDER BY source_line) = 1
),
two_years AS (
    -- last year's score from the record's own Minus1 fields, else from last year's file (same SSID,
    -- same test family)
    SELECT c.school_year, c.ssid, c.cds, c.recordtype, c.elasfortesting, c.includeindicator, c.grade, c.score,
           CASE WHEN c.prior_score IS NOT NULL THEN c.prior_grade ELSE p.grade END AS prior_grade,
           coalesce(c.prior_score, CASE WHEN p.includeindicator = 'Y' THEN p.score END) AS prior_score
    FROM records c
    LEFT JOIN records p ON p.school_year = c.year_before AND p.ssid = c.ssid
                       AND (p.recordtype = '23') = (c.recordtype = '23')
    WHERE c.school_year IN ($school_year, $prior_year)
),
included AS (
    SELECT r.*, CASE r.recordtype WHEN '23' THEN 'alternate' ELSE 'summative' END AS test
    FROM two_years r
    WHERE r.elasfortesting = 'EL' AND r.grade BETWEEN 1 AND 12 AND r.includeindicator = 'Y'
      AND r.score IS NOT NULL AND r.prior_score IS NOT NULL AND r.prior_grade BETWEEN 0 AND 12
      AND r.cds IS NOT NULL
),
levelled AS (
    SELECT i.*,
        (SELECT max(l.rank) FROM elpi_levels l WHERE l.test = i.test AND i.grade BETWEEN l.grade_from AND l.grade_to
           AND i.score BETWEEN l.min AND l.max) AS level,
        (SELECT max(l.rank) FROM elpi_levels l WHERE l.test = i.test
           AND i.prior_grade BETWEEN l.grade_from AND l.grade_to
           AND i.prior_score BETWEEN l.min AND l.max) AS prior_level,
        (SELECT max(l.rank) FROM elpi_levels l WHERE l.test = i.test) AS top
    FROM included i
),
long_term AS (
    SELECT DISTINCT school_year, ssid FROM {ltel}
    WHERE (school_year = $school_year AND provisional_ltel_start <= $ltel_day)
       OR (school_year = $prior_year AND provisional_ltel_start <= $prior_ltel_day)
),
categorised AS (
    SELECT school_year, cds, ssid,
        CASE WHEN level IS NULL OR prior_level IS NULL THEN NULL
             WHEN test = 'summative' THEN
                 CASE WHEN level = top AND prior_level = top THEN 'maintainPL4'
                      WHEN level > prior_level THEN 'progressed'
                      WHEN level < prior_level THEN 'declined'
                      ELSE 'maintainOth' END
             ELSE CASE WHEN level > prior_level OR score - prior_score >= 10 THEN 'progressed_Alternate'
                       WHEN level = top AND prior_level = top THEN 'maintainPL3_Alternate'
                       ELSE 'notprognotmain_Alternate' END END AS category
    FROM levelled
),
grouped AS (
    SELECT school_year, cds, category, 'EL' AS student_group FROM categorised
    UNION ALL
    SELECT c.school_year, c.cds, c.category, 'LTEL' AS student_group
    FROM categorised c JOIN long_term l ON l.school_year = c.school_year AND l.ssid = c.ssid
),
counted AS (
    SELECT school_year, cds, student_group, category, count(*) AS students FROM grouped
    WHERE category IS NOT NULL GROUP BY ALL
),
both_levels AS (
    SELECT 'S' AS rtype, * FROM counted
    UNION ALL BY NAME
    SELECT 'D' AS rtype, * REPLACE (substr(cds, 1, 7) || '0000000' AS cds) FROM counted
)
SELECT school_year, rtype, cds, student_group,
    coalesce(sum(students) FILTER (WHERE category IN ('progressed', 'maintainPL4', 'progressed_Alternate',
                                                      'maintainPL3_Alternate')), 0)::BIGINT AS numer,
    sum(students)::BIGINT AS denom,
    coalesce(sum(students) FILTER (WHERE category = 'progressed'), 0)::BIGINT AS progressed,
    coalesce(sum(students) FILTER (WHERE category = 'maintainPL4'), 0)::BIGINT AS maintain_pl4,
    coalesce(sum(students) FILTER (WHERE category = 'maintainOth'), 0)::BIGINT AS maintain_other,
    coalesce(sum(students) FILTER (WHERE category = 'declined'), 0)::BIGINT AS declined,
    coalesce(sum(students) FILTER (WHERE category = 'progressed_Alternate'), 0)::BIGINT AS progressed_alternate,
    coalesce(sum(students) FILTER (WHERE category = 'maintainPL3_Alternate'), 0)::BIGINT AS maintain_pl3_alternate,
    coalesce(sum(students) FILTER (WHERE category = 'notprognotmain_Alternate'), 0)::BIGINT AS neither_alternate
FROM both_levels
GROUP BY ALL
