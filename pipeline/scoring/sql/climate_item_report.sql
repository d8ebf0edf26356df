-- What the climate scoring left out, for the validation report: one row per item and problem.
--   not_in_codebook  a response column holds answers this year but no codebook item has its name
--   wrong_group      answers to an item from respondents of another group than the item's
--   out_of_scale     answers above the item's scale_points (e.g. 5 on a 4-point item)
--   not_answered     a codebook item nobody answered this year (column absent or blank)
-- The "answers" placeholder is climate_answers.sql; {codebook} is validated_survey_codebook (or an empty stand-in);
-- pipeline/scoring/climate.py fills them in. The answers are counted by item, group and value
-- first: a few hundred rows, however many millions of answers.
WITH codebook AS (
    SELECT lower(item_id) AS item_key, item_id, respondent_group, scale_points
    FROM {codebook}
    WHERE school_year = $school_year
),
answer_counts AS (
    SELECT item_key, respondent_group, answer, count(*) AS n
    FROM ({answers}) GROUP BY ALL
),
checked AS (
    SELECT a.item_key, c.item_id, a.n,
           CASE WHEN c.item_key IS NULL THEN 'not_in_codebook'
                WHEN c.respondent_group <> a.respondent_group THEN 'wrong_group'
                WHEN a.answer > c.scale_points OR a.answer < 1 THEN 'out_of_scale' END AS problem
    FROM answer_counts a
    LEFT JOIN codebook c ON c.item_key = a.item_key
),
problems AS (
    SELECT coalesce(item_id, item_key) AS item_id, problem, sum(n)::BIGINT AS answers
    FROM checked WHERE problem IS NOT NULL GROUP BY ALL
    UNION ALL
    SELECT c.item_id, 'not_answered' AS problem, 0 AS answers
    FROM codebook c
    WHERE NOT EXISTS (SELECT 1 FROM answer_counts a
                      WHERE a.item_key = c.item_key AND a.respondent_group = c.respondent_group
                        AND a.answer BETWEEN 1 AND c.scale_points)
)
SELECT $school_year AS school_year, item_id, problem, answers
FROM problems
ORDER BY problem, item_id
