-- Growth: the students who receive a growth score, for $school_year and for $prior_year (the prior
-- year's scores feed the two-year estimate). One row per school year x student x subject.
--
-- A student's score in a year and subject is their Smarter Balanced result (test_type 'SBA' with a
-- scale score). Should a student have several such rows in one year and subject (not expected: the
-- export's key is ssid x subject), the first row of the file counts (lowest source_line, then
-- lowest cds, grade, score), so the choice is deterministic.
-- A student of year Y gets a growth score in a subject when their score of Y is in grade 4..8 and
-- they have an ELA score AND a math score in the year before Y (any grade, any school).
-- Grade 3 and 11, alternate-assessment (CAA) takers and untested students get no growth score.
-- {assessment} is the validated_assessment table, or an empty stand-in when it does not exist.
WITH scores AS (
    SELECT a.school_year, a.ssid, a.cds, a.grade, a.subject, a.scale_score,
           a.ethnicity, a.el, a.ltel, a.sed, a.swd, a.foster, a.homeless
    FROM {assessment} a
    WHERE a.school_year IN ($school_year, $prior_year, $prior2_year)
      AND a.test_type = 'SBA' AND a.scale_score IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY a.school_year, a.ssid, a.subject
                               ORDER BY a.source_line, a.cds, a.grade, a.scale_score) = 1
),
prior_scores AS (
    -- one row per student of a prior year, with both scores
    SELECT school_year, ssid,
           any_value(scale_score) FILTER (WHERE subject = 'ELA') AS prior_ela,
           any_value(scale_score) FILTER (WHERE subject = 'MATH') AS prior_math
    FROM scores
    WHERE school_year IN ($prior_year, $prior2_year)
    GROUP BY school_year, ssid
    HAVING prior_ela IS NOT NULL AND prior_math IS NOT NULL
)
SELECT c.school_year, c.ssid, c.cds, c.grade, c.subject, c.scale_score::DOUBLE AS score,
       p.prior_ela::DOUBLE AS prior_ela, p.prior_math::DOUBLE AS prior_math,
       c.ethnicity, c.el, c.ltel, c.sed, c.swd, c.foster, c.homeless
FROM scores c
JOIN prior_scores p
  ON p.ssid = c.ssid
 AND p.school_year = CASE c.school_year WHEN $school_year THEN $prior_year ELSE $prior2_year END
WHERE c.school_year IN ($school_year, $prior_year)
  AND c.grade BETWEEN 4 AND 8
