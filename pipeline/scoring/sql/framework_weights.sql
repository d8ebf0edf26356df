-- The weight each measure carries once missing measures' weights are placed, and the rule that
-- placed it. A missing measure's weight goes where the framework says: to a named measure
-- ({to: m}), split evenly among named measures ({split: [a, b]}), following the chain when that
-- measure is missing too; otherwise it is shared within its domain in proportion to the present
-- measures' weights, and a domain with nothing present gives its weight to the other domains in
-- proportion to theirs. A measure with 'zero' keeps its weight and scores no points.
-- Inputs (temp tables): measure_points (framework_measures.sql), framework_targets.
WITH RECURSIVE flow(cds, model, origin, holder, w, depth) AS (
    SELECT cds, model, measure, measure, weight, 0
    FROM measure_points WHERE missing_reason IS NOT NULL AND missing_rule IN ('to', 'split')
    UNION ALL
    SELECT f.cds, f.model, f.origin, t.target, f.w * t.share, f.depth + 1
    FROM flow f
    JOIN measure_points h ON h.cds = f.cds AND h.model = f.model AND h.measure = f.holder
    JOIN framework_targets t ON t.model = f.model AND t.measure = f.holder
    WHERE h.missing_reason IS NOT NULL AND h.missing_rule IN ('to', 'split') AND f.depth < 50
),
resting AS (
    -- where the weight stops: a present measure, or a missing one whose rule is not a named one
    SELECT f.cds, f.model, f.holder AS measure, sum(f.w) AS received,
           string_agg(DISTINCT f.origin, ', ' ORDER BY f.origin) AS received_from
    FROM flow f JOIN measure_points h ON h.cds = f.cds AND h.model = f.model AND h.measure = f.holder
    WHERE f.depth > 0 AND NOT (h.missing_reason IS NOT NULL AND h.missing_rule IN ('to', 'split'))
    GROUP BY ALL
),
held AS (
    SELECT m.*, coalesce(r.received, 0) AS received, r.received_from,
           m.missing_reason IS NULL OR m.missing_rule = 'zero' AS counted,
           CASE WHEN m.missing_reason IS NOT NULL AND m.missing_rule IN ('to', 'split') THEN 0
                ELSE m.weight + coalesce(r.received, 0) END AS holding
    FROM measure_points m LEFT JOIN resting r USING (cds, model, measure)
),
domains AS (
    SELECT cds, model, domain,
           sum(holding) AS domain_total,
           sum(holding) FILTER (WHERE counted) AS domain_present,
           coalesce(sum(weight) FILTER (WHERE missing_reason IS NULL), 0) AS domain_weight_present
    FROM held GROUP BY ALL
),
scaled AS (
    SELECT d.*, sum(domain_total) FILTER (WHERE domain_present > 0) OVER (PARTITION BY cds, model) AS present_total,
           sum(domain_weight_present) OVER (PARTITION BY cds, model) AS model_weight_present
    FROM domains d
),
weighted AS (
    SELECT h.*,
        CASE WHEN h.counted AND s.domain_present > 0
             THEN h.holding * s.domain_total / s.domain_present * 100.0 / s.present_total ELSE 0 END AS effective_weight,
        nullif(s.model_weight_present, 0) AS weight_present,
        CASE
            WHEN h.missing_reason IS NOT NULL AND h.required THEN 'required'
            WHEN h.missing_reason IS NOT NULL AND h.missing_rule IN ('zero', 'to', 'split') THEN h.missing_rule
            WHEN h.missing_reason IS NOT NULL AND coalesce(s.domain_present, 0) = 0 THEN 'other_domains'
            WHEN h.missing_reason IS NOT NULL THEN 'within_domain'
            WHEN h.received_from IS NOT NULL THEN 'received'
        END AS reallocation,
        CASE WHEN h.missing_reason IS NOT NULL AND h.missing_rule IN ('to', 'split') THEN t.targets
             WHEN h.missing_reason IS NULL THEN h.received_from END AS related
    FROM held h JOIN scaled s USING (cds, model, domain)
    LEFT JOIN (SELECT model, measure, string_agg(target, ', ' ORDER BY target) AS targets
               FROM framework_targets GROUP BY ALL) t USING (model, measure)
)
-- contribution: points x weight / 100 (a weighted mean of points), or as a percent of the measure's
-- maximum points ($percent_of_max)
SELECT *,
    coalesce(points, 0) * effective_weight / 100.0
        / CASE WHEN $percent_of_max THEN points_max / 100.0 ELSE 1.0 END AS contribution,
    CASE reallocation
        WHEN 'required' THEN 'required: no rating without it'
        WHEN 'zero' THEN 'missing: counts as zero points'
        WHEN 'to' THEN 'missing: weight to ' || related
        WHEN 'split' THEN 'missing: weight split among ' || related
        WHEN 'other_domains' THEN 'missing: weight shared among the other domains'
        WHEN 'within_domain' THEN 'missing: weight shared within its domain'
        WHEN 'received' THEN 'counted, with the weight of ' || related
        ELSE 'counted'
    END AS rule
FROM weighted
