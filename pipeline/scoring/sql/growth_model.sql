-- Growth: the expected-score model, one ordinary least-squares fit per school year x subject x grade
-- over every student in growth_students (the whole district in the file):
--     score = intercept + b_ela * prior_ela + b_math * prior_math + residual
-- The 3x3 normal equations are solved from centred sums: with the means taken out, the intercept
-- drops out and the slopes solve the 2x2 system of (co)variances
--     [S11 S12] [b_ela ]   [S1y]
--     [S12 S22] [b_math] = [S2y],      intercept = mean_y - b_ela * mean_ela - b_math * mean_math.
-- The sums are taken over deviations from the group means (two passes), so no large numbers cancel.
-- No fit (NULL coefficients, fitted = FALSE) when fewer than 3 students or the prior scores are
-- collinear (determinant below 1e-9 of S11 * S22): those students receive no growth score.
WITH means AS (
    SELECT school_year, subject, grade, count(*) AS n,
           avg(score) AS mean_score, avg(prior_ela) AS mean_ela, avg(prior_math) AS mean_math
    FROM growth_students
    GROUP BY ALL
),
sums AS (
    SELECT m.school_year, m.subject, m.grade, any_value(m.n) AS n,
           any_value(m.mean_score) AS mean_score, any_value(m.mean_ela) AS mean_ela,
           any_value(m.mean_math) AS mean_math,
           sum((s.prior_ela - m.mean_ela) * (s.prior_ela - m.mean_ela)) AS s11,
           sum((s.prior_math - m.mean_math) * (s.prior_math - m.mean_math)) AS s22,
           sum((s.prior_ela - m.mean_ela) * (s.prior_math - m.mean_math)) AS s12,
           sum((s.prior_ela - m.mean_ela) * (s.score - m.mean_score)) AS s1y,
           sum((s.prior_math - m.mean_math) * (s.score - m.mean_score)) AS s2y,
           sum((s.score - m.mean_score) * (s.score - m.mean_score)) AS syy
    FROM growth_students s
    JOIN means m USING (school_year, subject, grade)
    GROUP BY m.school_year, m.subject, m.grade
),
solved AS (
    SELECT *, s11 * s22 - s12 * s12 AS det,
           n >= 3 AND s11 * s22 - s12 * s12 > 1e-9 * s11 * s22 AS fitted
    FROM sums
),
slopes AS (
    SELECT *,
           CASE WHEN fitted THEN (s1y * s22 - s2y * s12) / det END AS b_ela,
           CASE WHEN fitted THEN (s2y * s11 - s1y * s12) / det END AS b_math
    FROM solved
)
SELECT school_year, subject, grade, n,
       mean_score - b_ela * mean_ela - b_math * mean_math AS intercept,
       b_ela, b_math,
       CASE WHEN fitted AND syy > 0 THEN (b_ela * s1y + b_math * s2y) / syy END AS r2,
       -- residual standard deviation (n - 3 degrees of freedom)
       CASE WHEN fitted AND n > 3
            THEN sqrt(greatest(syy - b_ela * s1y - b_math * s2y, 0) / (n - 3)) END AS residual_sd,
       mean_score, mean_ela AS mean_prior_ela, mean_math AS mean_prior_math,
       fitted
FROM slopes
ORDER BY school_year, subject, grade
