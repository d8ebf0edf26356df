-- Each school's framework measures, per school model it is rated under: value, band on the
-- measure's points scale, points (after deductions and rounding), and what reaching the next band
-- takes. A measure whose points are its value (points_from_value) has no bands: its points are the
-- value times points_scale, held between points_min and points_max when they are given.
-- Weights are settled afterwards (framework_weights.sql).
-- Inputs (temp tables): framework_schools (cds, model, share), framework_measures, framework_bands,
-- framework_values, framework_deducted.
WITH grid AS (
    SELECT s.cds, s.share, m.*
    FROM framework_schools s JOIN framework_measures m ON m.model = s.model
),
valued AS (
    SELECT g.*, v.student_group, v.value, v.n,
           CASE WHEN v.value IS NULL THEN 'no data'
                WHEN coalesce(v.n, 0) < g.min_n THEN 'fewer than ' || g.min_n || ' students'
                END AS missing_reason
    FROM grid g LEFT JOIN framework_values v ON v.model = g.model AND v.measure = g.measure AND v.cds = g.cds
),
cuts AS (
    SELECT model, measure, list(cut) AS cuts FROM framework_bands WHERE cut IS NOT NULL GROUP BY ALL
),
banded AS (
    -- the band: how many cut points the value reaches (0 below the first)
    SELECT v.*,
        CASE WHEN v.missing_reason IS NULL AND NOT v.points_from_value THEN len(list_filter(c.cuts, lambda cut:
            CASE WHEN v.higher_is_better THEN v.value >= cut ELSE v.value <= cut END)) END AS band
    FROM valued v LEFT JOIN cuts c USING (model, measure)
),
pointed AS (
    SELECT b.*,
           CASE WHEN b.points_from_value THEN least(greatest(b.value * b.points_scale, b.points_min), b.points_max)
                ELSE p.points END AS band_points, nxt.cut AS next_cut, nxt.points AS next_points,
           coalesce(d.deducted, 0) AS deducted, d.deduction_rule
    FROM banded b
    LEFT JOIN framework_bands p ON p.model = b.model AND p.measure = b.measure AND p.band = b.band
    LEFT JOIN framework_bands nxt ON nxt.model = b.model AND nxt.measure = b.measure AND nxt.band = b.band + 1
    LEFT JOIN framework_deducted d ON d.model = b.model AND d.measure = b.measure AND d.cds = b.cds
)
SELECT *,
    band + 1 AS index_level,
    CASE WHEN missing_reason IS NULL
         THEN fw_round(greatest(band_points - deducted, points_min), round_decimals, round_rule) END AS points,
    round((CASE WHEN higher_is_better THEN next_cut - value ELSE value - next_cut END)::DECIMAL(18, 6), 1)
        AS improvement_needed
FROM pointed
