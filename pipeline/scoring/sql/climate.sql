-- Climate survey: percent favourable by school (rtype S) and district (rtype D) x respondent group
-- x domain and x item, with respondents, response rate and the district's figure beside each row.
--
-- The answers (the "answers" placeholder) are climate_answers.sql: the wide export unpivoted, one row per answer;
-- {codebook} and {population} are validated_survey_codebook and validated_survey_population, or
-- empty tables of the same columns when a file was never provided. pipeline/scoring/climate.py
-- fills them in.
--
-- Favourable: answers 4-5 on a 5-point scale, 3-4 on a 4-point scale (answer >= scale_points - 1);
-- 1-2 on reverse-coded items. Answers outside 1..scale_points, and answers to an item by a
-- respondent of another group, are not counted (climate_item_report.sql lists them).
-- A domain's percent pools the answers of its items: favourable answers / answers.
-- Percents are rounded half away from zero to 0.1 exactly: the ratio is truncated to six decimals
-- in integer arithmetic (truncation never moves a value across a .x5 boundary) and rounded as a
-- DECIMAL, which DuckDB rounds half away from zero.
-- Privacy: a group with fewer than $min_respondents respondents shows nothing (note n_lt_10, counts
-- NULL too); a figure answered by fewer than $min_respondents respondents in a group that is shown
-- hides its percent and counts (note answered_lt_10).
--
-- Counting at state scale (tens of millions of answers) stays fast and small because answers are
-- counted once, per school: a response belongs to one school (response_id is unique in a year's
-- export), so a district's answers and respondents are the sums of its schools', and a response
-- answers an item at most once (one column per item), so an item's answers are its respondents.
-- Only the respondents of a domain and of a group need the responses themselves.
WITH codebook AS (
    SELECT lower(item_id) AS item_key, item_id, respondent_group, domain, reverse_coded, scale_points
    FROM {codebook}
    WHERE school_year = $school_year
),
-- one bit per domain, so that the domains a response answered fit in one number (at most 64
-- domains: pipeline/scoring/climate.py refuses a codebook with more)
domain_bits AS (
    SELECT domain, 1::UBIGINT << (row_number() OVER (ORDER BY domain) - 1)::UBIGINT AS domain_bit
    FROM (SELECT DISTINCT domain FROM codebook)
),
-- the answers that count, each with its domain's bit
scored AS (
    SELECT a.cds, a.respondent_group, a.response_id, b.domain_bit
    FROM ({answers}) a
    JOIN codebook c ON c.item_key = a.item_key AND c.respondent_group = a.respondent_group
    JOIN domain_bits b ON b.domain = c.domain
    WHERE a.answer BETWEEN 1 AND c.scale_points
),
-- answers counted by school, group, item and value first (a few per item), then scored
answer_counts AS (
    SELECT cds, respondent_group, item_key, answer, count(*) AS answers
    FROM ({answers}) GROUP BY ALL
),
school_items AS (
    SELECT a.cds, a.respondent_group, c.domain, c.item_id,
           sum(a.answers)::BIGINT AS answered,
           coalesce(sum(a.answers) FILTER (WHERE CASE WHEN c.reverse_coded = 'Y' THEN a.answer <= 2
                                                      ELSE a.answer >= c.scale_points - 1 END), 0)::BIGINT
               AS favorable
    FROM answer_counts a
    JOIN codebook c ON c.item_key = a.item_key AND c.respondent_group = a.respondent_group
    WHERE a.answer BETWEEN 1 AND c.scale_points
    GROUP BY ALL
),
-- the domains each response answered, then how many responses answered each set of domains:
-- millions of responses become a few rows per school and group
response_domains AS (
    SELECT cds, respondent_group, response_id, bit_or(domain_bit) AS domains
    FROM scored GROUP BY ALL
),
domain_sets AS (
    SELECT cds, respondent_group, domains, count(*) AS responses
    FROM response_domains GROUP BY ALL
),
school_domains AS (
    SELECT s.cds, s.respondent_group, b.domain, sum(s.responses)::BIGINT AS figure_respondents
    FROM domain_sets s JOIN domain_bits b ON s.domains & b.domain_bit <> 0
    GROUP BY ALL
),
school_respondents AS (
    SELECT cds, respondent_group, sum(responses)::BIGINT AS respondents
    FROM domain_sets GROUP BY ALL
),
school_stats AS (
    SELECT cds, respondent_group, 'domain' AS level, domain, NULL::VARCHAR AS item_id,
           sum(answered)::BIGINT AS answered, sum(favorable)::BIGINT AS favorable,
           any_value(d.figure_respondents) AS figure_respondents
    FROM school_items i JOIN school_domains d USING (cds, respondent_group, domain)
    GROUP BY ALL
    UNION ALL
    SELECT cds, respondent_group, 'item' AS level, domain, item_id, answered, favorable,
           answered AS figure_respondents
    FROM school_items
),
figure_stats AS (
    SELECT 'S' AS rtype, * FROM school_stats
    UNION ALL
    SELECT 'D' AS rtype, substr(cds, 1, 7) || '0000000' AS cds, respondent_group, level, domain, item_id,
           sum(answered)::BIGINT AS answered, sum(favorable)::BIGINT AS favorable,
           sum(figure_respondents)::BIGINT AS figure_respondents
    FROM school_stats GROUP BY ALL
),
group_respondents AS (
    SELECT 'S' AS rtype, * FROM school_respondents
    UNION ALL
    SELECT 'D' AS rtype, substr(cds, 1, 7) || '0000000' AS cds, respondent_group,
           sum(respondents)::BIGINT AS respondents
    FROM school_respondents GROUP BY ALL
),
invitations AS (
    SELECT cds, respondent_group, sum(invited)::BIGINT AS invited
    FROM {population}
    WHERE school_year = $school_year
    GROUP BY ALL
),
population AS (
    SELECT 'S' AS rtype, cds, respondent_group, invited FROM invitations
    UNION ALL
    SELECT 'D' AS rtype, substr(cds, 1, 7) || '0000000' AS cds, respondent_group, sum(invited)::BIGINT AS invited
    FROM invitations GROUP BY ALL
),
-- every school (and district) x group that was invited or answered
groups AS (
    SELECT coalesce(p.rtype, r.rtype) AS rtype, coalesce(p.cds, r.cds) AS cds,
           coalesce(p.respondent_group, r.respondent_group) AS respondent_group,
           p.invited, coalesce(r.respondents, 0) AS respondents
    FROM (SELECT * FROM population WHERE invited > 0) p
    FULL JOIN group_respondents r
           ON r.rtype = p.rtype AND r.cds = p.cds AND r.respondent_group = p.respondent_group
),
-- the domains and items reported: those answered somewhere in the district this year
figures AS (
    SELECT DISTINCT respondent_group, level, domain, item_id FROM figure_stats WHERE rtype = 'D'
),
grid AS (
    SELECT g.*, f.level, f.domain, f.item_id,
           coalesce(s.answered, 0) AS answered, coalesce(s.favorable, 0) AS favorable,
           coalesce(s.figure_respondents, 0) AS figure_respondents
    FROM groups g
    JOIN figures f ON f.respondent_group = g.respondent_group
    LEFT JOIN figure_stats s
           ON s.rtype = g.rtype AND s.cds = g.cds AND s.respondent_group = g.respondent_group
          AND s.level = f.level AND s.domain = f.domain AND s.item_id IS NOT DISTINCT FROM f.item_id
),
computed AS (
    SELECT *,
        CASE WHEN respondents < $min_respondents THEN 'n_lt_10'
             WHEN figure_respondents < $min_respondents THEN 'answered_lt_10' END AS note,
        CASE WHEN answered > 0 THEN 100.0 * favorable / answered END AS pct_raw,
        CASE WHEN answered > 0
             THEN round(((100000000::HUGEINT * favorable) // answered)::DECIMAL(38, 0)
                        * 0.000001::DECIMAL(7, 6), 1)::DECIMAL(4, 1) END AS pct,
        CASE WHEN invited > 0 THEN 100.0 * respondents / invited END AS rate_raw,
        CASE WHEN invited > 0
             THEN least(round(((100000000::HUGEINT * respondents) // invited)::DECIMAL(38, 0)
                              * 0.000001::DECIMAL(7, 6), 1), 100)::DECIMAL(4, 1) END AS rate
    FROM grid
),
shown AS (
    SELECT *,
        note IS NOT NULL AS suppressed,
        CASE WHEN note IS NULL THEN pct END AS percent_favorable
    FROM computed
)
SELECT
    $school_year AS school_year,
    s.rtype, s.cds, s.respondent_group, s.level, s.domain, s.item_id,
    CASE WHEN NOT s.suppressed THEN s.answered END AS answered,
    CASE WHEN NOT s.suppressed THEN s.favorable END AS favorable,
    s.percent_favorable,
    CASE WHEN NOT s.suppressed THEN s.pct_raw END AS percent_favorable_unrounded,
    CASE WHEN s.note IS DISTINCT FROM 'n_lt_10' THEN s.respondents END AS respondents,
    s.invited,
    CASE WHEN s.note IS DISTINCT FROM 'n_lt_10' THEN s.rate END AS response_rate,
    CASE WHEN s.note IS DISTINCT FROM 'n_lt_10' THEN s.rate_raw END AS response_rate_unrounded,
    d.percent_favorable AS district_percent_favorable,
    s.note,
    s.suppressed,
    s.answered AS answered_raw,  -- internal: for disclosure control (pipeline/scoring/privacy.py), dropped before storing
    s.figure_respondents AS figure_n_raw  -- internal, likewise
FROM shown s
LEFT JOIN shown d
       ON d.rtype = 'D' AND d.cds = substr(s.cds, 1, 7) || '0000000'
      AND d.respondent_group = s.respondent_group AND d.level = s.level
      AND d.domain = s.domain AND d.item_id IS NOT DISTINCT FROM s.item_id
ORDER BY s.rtype DESC, s.cds, s.respondent_group, s.level, s.domain, s.item_id NULLS FIRST
