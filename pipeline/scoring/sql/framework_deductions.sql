-- Points taken off a measure by a second input (e.g. a participation rate below 95 %): one row per
-- school, model and measure with the points deducted and the deductions that applied.
-- Inputs: framework_deductions (model, measure, deduction, source_key, below, points),
-- framework_raw and framework_sources (the deduction's own source, all students unless it says).
WITH per_source AS (
    SELECT r.source_key, r.cds,
           CASE any_value(s.aggregate) WHEN 'mean' THEN avg(r.value) WHEN 'min' THEN min(r.value)
                WHEN 'max' THEN max(r.value) ELSE arg_min(r.value, r.pick_rank) END AS value
    FROM framework_raw r JOIN framework_sources s USING (source_key)
    WHERE s.student_group IS NULL OR r.student_group = s.student_group
    GROUP BY r.source_key, r.cds
)
SELECT d.model, d.measure, v.cds, sum(d.points) AS deducted,
       string_agg(format('{} below {}', d.points, d.below), '; ' ORDER BY d.deduction) AS deduction_rule
FROM framework_deductions d JOIN per_source v USING (source_key)
WHERE v.value < d.below
GROUP BY ALL
