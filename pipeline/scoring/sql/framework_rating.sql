-- The overall rating from the weighted measures (temp table measure_scores): each program's
-- score, the school's (programs combined by enrollment share, or the higher or lower), its level
-- from the score on its model's level scale (a model's own levels or the framework's), then the framework's rules in order (attainment paths and floors raise the level,
-- caps lower it; conditions on measures, the score or earlier years' levels), the district
-- average, the same-tier peer average and percentile, and the points to the next level.
-- Inputs: measure_scores, framework_schools (cds, model, share, peer_tier), framework_levels (model, level, label, min),
-- framework_rules, framework_conditions, framework_history (cds, school_year, level).
WITH programs AS (
    SELECT cds, model, any_value(share) AS share,
           coalesce(any_value(weight_present), 0) AS weight_present,
           sum(contribution) AS program_score,
           bool_or(required AND missing_reason IS NOT NULL) AS gated,
           string_agg(measure, ', ' ORDER BY measure) FILTER (WHERE required AND missing_reason IS NOT NULL) AS gate
    FROM measure_scores GROUP BY cds, model
),
program_rated AS (
    SELECT *, weight_present >= $min_weight_present AND NOT gated AS rated FROM programs
),
schools AS (
    SELECT s.cds, any_value(s.peer_tier) AS peer_tier,
           bool_or(p.rated) AS rated,
           CASE $combine
               WHEN 'higher' THEN max(p.program_score) FILTER (WHERE p.rated)
               WHEN 'lower' THEN min(p.program_score) FILTER (WHERE p.rated)
               ELSE sum(p.program_score * p.share) FILTER (WHERE p.rated) / sum(p.share) FILTER (WHERE p.rated)
           END AS score_unrounded,
           sum(p.weight_present * p.share) / sum(p.share) AS weight_present,
           string_agg(p.model, ', ' ORDER BY p.model) AS model,
           -- the programs of a school share one level scale (checked when the programs are read)
           min(s.model) AS level_model,
           CASE WHEN bool_and(NOT p.rated OR p.rated IS NULL) THEN coalesce(
               'required measure missing: ' || string_agg(p.gate, ', ') FILTER (WHERE p.gated),
               CASE WHEN bool_or(p.cds IS NULL) THEN 'no school model for this school' END,
               'too little of the weight present') END AS not_rated_reason
    FROM framework_schools s LEFT JOIN program_rated p ON p.cds = s.cds AND p.model = s.model
    GROUP BY s.cds
),
scored AS (
    SELECT s.* REPLACE (coalesce(s.rated, false) AS rated),
        CASE WHEN s.rated THEN fw_round(s.score_unrounded, $decimals, $rounding) END AS score
    FROM schools s
),
levelled AS (
    SELECT s.*, (SELECT max(l.level) FROM framework_levels l WHERE l.model = s.level_model AND s.score >= l.min)
        AS score_level
    FROM scored s
),
history AS (
    SELECT cds, level, row_number() OVER (PARTITION BY cds ORDER BY school_year DESC) AS back FROM framework_history
),
truth AS (
    -- each condition of each rule, per rated school
    SELECT l.cds, c.rule_order, c.condition,
           coalesce(CASE c.test WHEN 'score_at_least' THEN l.score >= c.threshold ELSE l.score <= c.threshold END,
                    false) AS holds
    FROM levelled l CROSS JOIN framework_conditions c WHERE c.kind = 'score' AND l.score_level IS NOT NULL
    UNION ALL
    SELECT l.cds, c.rule_order, c.condition, coalesce(bool_or(CASE c.test
            WHEN 'points_at_least' THEN m.points >= c.threshold WHEN 'points_at_most' THEN m.points <= c.threshold
            WHEN 'value_at_least' THEN m.value >= c.threshold ELSE m.value <= c.threshold END), false)
    FROM levelled l CROSS JOIN framework_conditions c
    LEFT JOIN measure_scores m ON m.cds = l.cds AND m.measure = c.measure AND m.missing_reason IS NULL
    WHERE c.kind = 'measure' AND l.score_level IS NOT NULL
    GROUP BY l.cds, c.rule_order, c.condition
    UNION ALL
    -- earlier years: the last `years` years before this one all have a level, and each passes
    SELECT l.cds, c.rule_order, c.condition, count(h.level) = any_value(c.years) AND coalesce(bool_and(
            CASE c.test WHEN 'previous_levels_at_most' THEN h.level <= c.threshold ELSE h.level >= c.threshold END),
            false)
    FROM levelled l CROSS JOIN framework_conditions c
    LEFT JOIN history h ON h.cds = l.cds AND h.back <= c.years
    WHERE c.kind = 'history' AND l.score_level IS NOT NULL
    GROUP BY l.cds, c.rule_order, c.condition
),
held AS (
    SELECT t.cds, r.rule_order, r.rule, r.action, r.level, bool_and(t.holds) AS holds
    FROM truth t JOIN framework_rules r USING (rule_order)
    GROUP BY ALL
),
applied AS (
    -- the rules in order: each may raise (at_least) or lower (at_most) the level left by the previous
    SELECT l.cds, (SELECT list({'order': h.rule_order, 'rule': h.rule, 'action': h.action, 'level': h.level}
                               ORDER BY h.rule_order)
                   FROM held h WHERE h.cds = l.cds AND h.holds) AS fired
    FROM levelled l
),
folded AS (
    SELECT l.*,
        list_reduce(list_prepend({'order': -1, 'rule': '', 'action': 'start', 'level': l.score_level},
                                 coalesce(a.fired, [])),
                    lambda acc, x: {'order': x.order, 'rule': CASE
                        WHEN x.action = 'at_least' AND x.level > acc.level OR x.action = 'at_most' AND x.level < acc.level
                        THEN concat_ws(', ', nullif(acc.rule, ''), x.rule) ELSE acc.rule END,
                        'action': x.action,
                        'level': CASE x.action WHEN 'at_least' THEN greatest(acc.level, x.level)
                                               WHEN 'at_most' THEN least(acc.level, x.level) ELSE acc.level END}
        ) AS result
    FROM levelled l LEFT JOIN applied a USING (cds)
),
final AS (
    SELECT f.* EXCLUDE (result),
        CASE WHEN f.score_level IS NOT NULL THEN f.result.level END AS level,
        nullif(f.result.rule, '') AS rules_applied,
        (SELECT min(l.min) FROM framework_levels l WHERE l.model = f.level_model AND l.min > f.score) AS next_level_min
    FROM folded f
)
SELECT
    $school_year AS school_year, w.cds, w.model, w.rated, w.score, w.score_unrounded, w.score_level, w.level,
    l.label AS level_label, w.rules_applied, w.not_rated_reason, w.weight_present,
    fw_round(avg(w.score) OVER (), coalesce($decimals, 1), 'half_up') AS district_average,
    w.peer_tier,
    fw_round(avg(w.score) OVER (PARTITION BY w.peer_tier), coalesce($decimals, 1), 'half_up') AS peer_average,
    count(w.score) OVER (PARTITION BY w.peer_tier) AS peer_schools,
    CASE WHEN w.score IS NOT NULL THEN round((100 * percent_rank() OVER (
        PARTITION BY w.peer_tier, w.score IS NULL ORDER BY w.score))::DECIMAL(18, 6), 1) END AS peer_percentile,
    CASE WHEN w.next_level_min IS NOT NULL THEN fw_round(w.next_level_min - w.score, coalesce($decimals, 1), 'half_up') END
        AS points_to_next_level
FROM final w LEFT JOIN framework_levels l ON l.model = w.level_model AND l.level = w.level
ORDER BY w.cds
