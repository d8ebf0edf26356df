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
--
-- Speed: taken literally, "the first row counts" is a row_number() window over every SBA row of
-- the three years; at state scale that sorts 18 million wide rows, spills past the memory limit
-- and took most of the growth run time (10 s of 15 s). Yet it only matters for a student with
-- a repeated year and subject. So every rule here works per student (the window partitions by
-- student, the prior scores join on the student), and the students are split in two:
--   * per_student: one pass grouping the rows by student gives their scores of the two prior years and
--     whether they are `plain`: ELA and math rows only, at most one per year and subject. A
--     plain student's rows all have row_number() = 1, so they are taken as they are (plain_rows).
--   * every other student (normally none) gets the literal rule, window and all, on their rows
--     only (repeated_rows).
-- The two parts hold disjoint students and together exactly the rows of the literal rule.
WITH sba AS NOT MATERIALIZED (
    -- not materialized: a scan of the compressed table is cheaper than a copy of its rows
    SELECT a.school_year, a.ssid, a.cds, a.grade, a.subject, a.scale_score,
           a.ethnicity, a.el, a.ltel, a.sed, a.swd, a.foster, a.homeless, a.source_line
    FROM {assessment} a
    WHERE a.school_year IN ($school_year, $prior_year, $prior2_year)
      AND a.test_type = 'SBA' AND a.scale_score IS NOT NULL
),
per_student AS MATERIALIZED (
    SELECT ssid,
           any_value(scale_score) FILTER (WHERE school_year = $prior_year AND subject = 'ELA') AS ela_y1,
           any_value(scale_score) FILTER (WHERE school_year = $prior_year AND subject = 'MATH') AS math_y1,
           any_value(scale_score) FILTER (WHERE school_year = $prior2_year AND subject = 'ELA') AS ela_y2,
           any_value(scale_score) FILTER (WHERE school_year = $prior2_year AND subject = 'MATH') AS math_y2,
           -- plain: ELA and math rows only, and no year and subject twice. Each row sets the bit
           -- of its year and subject (1, 2, 4, ..., 32); the bits add up to their OR exactly when
           -- no bit is set twice (two aggregates instead of six counts: the group-by is the cost)
           count(*) = count(*) FILTER (WHERE subject IN ('ELA', 'MATH'))
           AND sum(year_subject_bit) = bit_or(year_subject_bit) AS plain
    FROM (
        SELECT ssid, school_year, subject, scale_score,
               CASE school_year WHEN $school_year THEN 1 WHEN $prior_year THEN 4 ELSE 16 END
               * CASE subject WHEN 'ELA' THEN 1 ELSE 2 END AS year_subject_bit
        FROM sba
    )
    GROUP BY ssid
),
plain_rows AS (
    SELECT school_year, ssid, cds, grade, subject, score, prior_ela, prior_math,
           ethnicity, el, ltel, sed, swd, foster, homeless
    FROM (
        -- the prior year's scores: ela_y1/math_y1 for $school_year, ela_y2/math_y2 for $prior_year
        SELECT c.school_year, c.ssid, c.cds, c.grade, c.subject, c.scale_score::DOUBLE AS score,
               (CASE c.school_year WHEN $school_year THEN p.ela_y1 ELSE p.ela_y2 END)::DOUBLE AS prior_ela,
               (CASE c.school_year WHEN $school_year THEN p.math_y1 ELSE p.math_y2 END)::DOUBLE AS prior_math,
               c.ethnicity, c.el, c.ltel, c.sed, c.swd, c.foster, c.homeless
        FROM sba c
        JOIN per_student p ON p.ssid = c.ssid
        WHERE p.plain
          AND c.school_year IN ($school_year, $prior_year)
          AND c.grade BETWEEN 4 AND 8
    )
    WHERE prior_ela IS NOT NULL AND prior_math IS NOT NULL
),
-- the literal rule, for the students who are not plain
scores AS (
    SELECT a.school_year, a.ssid, a.cds, a.grade, a.subject, a.scale_score,
           a.ethnicity, a.el, a.ltel, a.sed, a.swd, a.foster, a.homeless
    FROM sba a
    SEMI JOIN per_student p ON p.ssid = a.ssid AND NOT p.plain
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
),
repeated_rows AS (
    SELECT c.school_year, c.ssid, c.cds, c.grade, c.subject, c.scale_score::DOUBLE AS score,
           p.prior_ela::DOUBLE AS prior_ela, p.prior_math::DOUBLE AS prior_math,
           c.ethnicity, c.el, c.ltel, c.sed, c.swd, c.foster, c.homeless
    FROM scores c
    JOIN prior_scores p
      ON p.ssid = c.ssid
     AND p.school_year = CASE c.school_year WHEN $school_year THEN $prior_year ELSE $prior2_year END
    WHERE c.school_year IN ($school_year, $prior_year)
      AND c.grade BETWEEN 4 AND 8
)
SELECT * FROM plain_rows
UNION ALL
SELECT * FROM repeated_rows
