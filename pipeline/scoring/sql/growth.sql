-- Growth: residual gains aggregated by school (rtype S), LEA (rtype D), subject and student group,
-- with a two-year empirical-Bayes estimate. Reads growth_students and growth_fit (temp tables made
-- from growth_students.sql and growth_model.sql for $school_year and $prior_year).
--
-- residual gain = actual score - expected score (the grade and subject's fit on prior ELA and math).
-- n, mean, sd (n - 1), se = sd / sqrt(n), 95 % interval mean +- $z * se (normal approximation).
-- Two-year mean: the current and the prior year's mean of the same school and group, weighted by
-- precision (1 / se^2); the prior year is used only when it has at least $min_n growth scores.
-- Empirical-Bayes estimate (school rows): the two-year mean shrunk toward the LEA's two-year mean
-- of the subject (shrink_target), with weight B = tau2 / (tau2 + v): v the two-year mean's sampling
-- variance, tau2 the between-school variance of the schools' two-year means (all-students rows with
-- at least $min_n scores; method of moments: variance of the means minus their average sampling
-- variance, floored at $tau2_floor). LEA rows are not shrunk: their estimate is the two-year mean.
-- This is a documented stand-in for CDE's EBLP, whose exact weights are not confirmed.
-- Privacy: under $min_n growth scores no figure at all (n too is NULL), note 'n_lt_11'.
-- Rounding: displayed figures are rounded to 0.1 half away from zero by DuckDB's round() on a
-- DECIMAL (the double is first cast to DECIMAL(18, 10), i.e. rounded to 10 decimals);
-- *_unrounded columns keep the doubles for later computations.
WITH scored AS (
    SELECT s.school_year, s.cds, s.subject,
           s.score - (f.intercept + f.b_ela * s.prior_ela + f.b_math * s.prior_math) AS gain,
           s.ethnicity, s.el, s.ltel, s.sed, s.swd, s.foster, s.homeless
    FROM growth_students s
    JOIN growth_fit f USING (school_year, subject, grade)
    WHERE f.fitted
),
lea AS (
    SELECT coalesce(min(substr(cds, 1, 7)), '0000000') || '0000000' AS cds
    FROM scored WHERE school_year = $school_year
),
both_levels AS (
    -- each student once at their school and once in the LEA (one row per student and subject)
    SELECT 'S' AS rtype, * FROM scored
    UNION ALL
    SELECT 'D' AS rtype, * REPLACE ((SELECT cds FROM lea) AS cds) FROM scored
),
grouped AS (
    SELECT school_year, rtype, cds, subject, gain, unnest(student_groups(ethnicity, el, ltel, sed, swd, foster, homeless)) AS student_group
    FROM both_levels
),
agg AS (
    SELECT school_year, rtype, cds, subject, student_group,
           count(*) AS n, avg(gain) AS mean, coalesce(var_samp(gain), 0) AS var
    FROM grouped
    GROUP BY ALL
),
joined AS (
    SELECT c.rtype, c.cds, c.subject, c.student_group,
           c.n, c.mean, sqrt(c.var) AS sd, sqrt(c.var / c.n) AS se,
           c.n >= $min_n AS shown,
           coalesce(p.n >= $min_n, FALSE) AS prior_used,
           p.n AS prior_n, p.mean AS prior_mean, sqrt(p.var / p.n) AS prior_se,
           -- precision weights (a zero variance is floored so that the weights stay finite)
           c.n / greatest(c.var, 1e-6) AS w1,
           CASE WHEN p.n >= $min_n THEN p.n / greatest(p.var, 1e-6) ELSE 0 END AS w0
    FROM agg c
    LEFT JOIN agg p
           ON p.school_year = $prior_year AND p.rtype = c.rtype AND p.cds = c.cds
          AND p.subject = c.subject AND p.student_group = c.student_group
    WHERE c.school_year = $school_year
      -- the long-term English learner group from the Dashboard year that has it (config/state_codes.yaml
      -- ltel_from), as the Dashboard indicators
      AND (c.student_group <> 'LTEL' OR $ltel_published)
),
combined AS (
    SELECT *,
           (w1 * mean + w0 * coalesce(prior_mean, 0)) / (w1 + w0) AS two_year_mean,
           1 / (w1 + w0) AS two_year_var
    FROM joined
),
subject_params AS (
    SELECT subject,
           any_value(two_year_mean) FILTER (WHERE rtype = 'D' AND student_group = 'ALL') AS shrink_target,
           greatest(coalesce(
               var_samp(two_year_mean) FILTER (WHERE rtype = 'S' AND student_group = 'ALL' AND shown)
               - avg(two_year_var) FILTER (WHERE rtype = 'S' AND student_group = 'ALL' AND shown),
               $tau2_floor), $tau2_floor) AS tau2
    FROM combined
    GROUP BY subject
),
estimated AS (
    SELECT c.*, sp.shrink_target, sp.tau2,
           CASE WHEN c.rtype = 'S' THEN sp.tau2 / (sp.tau2 + c.two_year_var) END AS shrink_weight,
           CASE WHEN c.rtype = 'S'
                THEN sp.shrink_target + sp.tau2 / (sp.tau2 + c.two_year_var) * (c.two_year_mean - sp.shrink_target)
                ELSE c.two_year_mean END AS eb
    FROM combined c
    JOIN subject_params sp USING (subject)
)
SELECT
    $school_year AS school_year, rtype, cds, subject, student_group,
    CASE WHEN shown THEN n END AS n,
    CASE WHEN shown THEN round(mean::DECIMAL(18, 10), 1) END AS mean,
    CASE WHEN shown THEN round(sd::DECIMAL(18, 10), 1) END AS sd,
    CASE WHEN shown THEN round(se::DECIMAL(18, 10), 1) END AS se,
    CASE WHEN shown THEN round((mean - $z * se)::DECIMAL(18, 10), 1) END AS ci_low,
    CASE WHEN shown THEN round((mean + $z * se)::DECIMAL(18, 10), 1) END AS ci_high,
    CASE WHEN shown AND prior_used THEN prior_n END AS prior_n,
    CASE WHEN shown AND prior_used THEN round(prior_mean::DECIMAL(18, 10), 1) END AS prior_mean,
    CASE WHEN shown AND prior_used THEN round(prior_se::DECIMAL(18, 10), 1) END AS prior_se,
    CASE WHEN shown THEN round(two_year_mean::DECIMAL(18, 10), 1) END AS two_year_mean,
    CASE WHEN shown THEN round(sqrt(two_year_var)::DECIMAL(18, 10), 1) END AS two_year_se,
    CASE WHEN shown AND rtype = 'S' THEN round(shrink_target::DECIMAL(18, 10), 1) END AS shrink_target,
    CASE WHEN shown AND rtype = 'S' THEN tau2 END AS tau2,
    CASE WHEN shown THEN shrink_weight END AS shrink_weight,
    CASE WHEN shown THEN round(eb::DECIMAL(18, 10), 1) END AS eb_estimate,
    CASE WHEN NOT shown THEN NULL
         WHEN rtype = 'S' AND prior_used THEN 'eb_two_year'
         WHEN rtype = 'S' THEN 'eb_current_year'
         WHEN prior_used THEN 'two_year_mean'
         ELSE 'current_year_mean' END AS estimate,
    coalesce(n >= $color_min_n, FALSE) AS category_allowed,
    CASE WHEN NOT shown THEN 'n_lt_11' END AS note,
    NOT shown AS suppressed,
    CASE WHEN shown THEN mean END AS mean_unrounded,
    CASE WHEN shown THEN se END AS se_unrounded,
    CASE WHEN shown AND prior_used THEN prior_mean END AS prior_mean_unrounded,
    CASE WHEN shown THEN two_year_mean END AS two_year_mean_unrounded,
    CASE WHEN shown AND rtype = 'S' THEN shrink_target END AS shrink_target_unrounded,
    CASE WHEN shown THEN eb END AS eb_estimate_unrounded
FROM estimated
ORDER BY rtype DESC, cds, subject, student_group
