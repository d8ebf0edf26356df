-- Status, change, levels, colour and box for every row of indicator_inputs, recomputed from
-- counts where counts exist, with the n-size rules, and CDE's published values kept beside ours.
--
-- Rounding is exact: percentages are ratios of integers, so status and change are rounded in
-- integer arithmetic, half away from zero to 0.1 (CDE's rounding, checked on the real 2024 ELPI
-- file: -19.75 -> -19.8). Change comes from the unrounded current and prior rates.
WITH base AS (
    SELECT i.*,
           coalesce(d.school_type, '') AS school_type,
           CASE WHEN i.hscutpoints = 'Y' THEN 'hs'
                WHEN i.hscutpoints = 'N' THEN 'default'
                WHEN i.indicator NOT IN ('ela', 'math') THEN 'default'
                WHEN i.rtype = 'S' AND d.school_type = 'HS' THEN 'hs'
                WHEN i.rtype = 'S' AND d.school_type IN ('ES', 'MS', 'K8') THEN 'default'
                ELSE NULL END AS cut_set,
           CASE WHEN i.rtype <> 'S' AND i.student_group IN (SELECT unnest($lea_small_groups::VARCHAR[]))
                THEN $lea_small_group_min_n ELSE $color_min_n END AS color_n
    FROM indicator_inputs i
    LEFT JOIN validated_directory d ON d.school_year = $school_year AND d.cds = i.cds
),
rounded AS (
    -- status = scale x numer / denom (scale 100 for rates, 1 for a distance from standard summed
    -- over students), in tenths: sign(P) x floor((2|P| + Q) / 2Q) with P = 10 x scale x numer, Q = denom
    SELECT *,
        -- a published status with no denominator in the file (e.g. the 2018 subsets) was already
        -- cleared for publication by CDE
        CASE WHEN curr_denom IS NOT NULL THEN curr_denom >= $min_n ELSE curr_status_given IS NOT NULL END AS curr_shown,
        CASE WHEN prior_denom IS NOT NULL THEN prior_denom >= $min_n ELSE prior_status_given IS NOT NULL END AS prior_shown,
        CASE WHEN curr_denom > 0 AND curr_numer IS NOT NULL
             THEN (sign(curr_numer) * ((2 * abs(10 * scale * curr_numer::HUGEINT) + curr_denom)
                   // (2 * curr_denom::HUGEINT)))::DECIMAL(18, 0) / 10
             ELSE curr_status_given::DECIMAL(9, 1) END AS status_calc,
        CASE WHEN prior_denom > 0 AND prior_numer IS NOT NULL
             THEN (sign(prior_numer) * ((2 * abs(10 * scale * prior_numer::HUGEINT) + prior_denom)
                   // (2 * prior_denom::HUGEINT)))::DECIMAL(18, 0) / 10
             ELSE prior_status_given::DECIMAL(9, 1) END AS prior_status_calc,
        CASE WHEN curr_denom > 0 AND prior_denom > 0 AND curr_numer IS NOT NULL AND prior_numer IS NOT NULL
             THEN (sign(curr_numer::HUGEINT * prior_denom - prior_numer::HUGEINT * curr_denom)
                  * ((2 * abs(10 * scale * (curr_numer::HUGEINT * prior_denom - prior_numer::HUGEINT * curr_denom))
                      + curr_denom::HUGEINT * prior_denom) // (2 * curr_denom::HUGEINT * prior_denom)))
                  ::DECIMAL(18, 0) / 10
             ELSE change_given::DECIMAL(9, 1) END AS change_calc
    FROM base
),
gated AS (
    SELECT *,
        CASE WHEN curr_shown THEN status_calc END AS status,
        CASE WHEN curr_shown AND prior_shown THEN change_calc END AS change,
        coalesce(curr_denom >= color_n AND prior_denom >= color_n, FALSE) AS color_allowed
    FROM rounded
),
candidate_levels AS (
    -- ELA/math status levels under both cut sets: where the cut set is unknown (2018 files carry
    -- no hscutpoints flag and the directory may not know the school) and the two agree, the level
    -- is known all the same; where they differ the row is reported as undecided.
    SELECT g.*,
        (SELECT max(c.level) FROM cut_scores c
          WHERE c.indicator = g.indicator AND c.measure = 'status'
            AND $dashboard_year BETWEEN c.dashboard_year_from AND c.dashboard_year_to
            AND c.cut_set IN ('default', 'any')
            AND g.status >= coalesce(c.min, -1e9) AND g.status <= coalesce(c.max, 1e9)) AS level_default,
        (SELECT max(c.level) FROM cut_scores c
          WHERE c.indicator = g.indicator AND c.measure = 'status'
            AND $dashboard_year BETWEEN c.dashboard_year_from AND c.dashboard_year_to
            AND c.cut_set IN ('hs', 'any')
            AND g.status >= coalesce(c.min, -1e9) AND g.status <= coalesce(c.max, 1e9)) AS level_hs,
        (SELECT max(c.level) FROM cut_scores c
          WHERE c.indicator = g.indicator AND c.measure = 'change'
            AND $dashboard_year BETWEEN c.dashboard_year_from AND c.dashboard_year_to
            AND c.cut_set IN (coalesce(g.cut_set, 'default'), 'any')
            AND g.change >= coalesce(c.min, -1e9) AND g.change <= coalesce(c.max, 1e9)) AS change_level
    FROM gated g
),
levelled AS (
    SELECT *,
        CASE WHEN cut_set = 'hs' THEN level_hs
             WHEN cut_set = 'default' THEN level_default
             WHEN level_default = level_hs THEN level_default END AS status_level,
        cut_set IS NULL AND status IS NOT NULL AND level_default IS DISTINCT FROM level_hs AS undecided
    FROM candidate_levels
),
coloured AS (
    SELECT l.*,
        CASE WHEN l.color_allowed THEN cg.color ELSE 0 END AS color
    FROM levelled l
    LEFT JOIN color_grid cg ON cg.status_level = l.status_level AND cg.change_level = l.change_level
)
SELECT
    $school_year AS school_year,
    cds, rtype, student_group, indicator, origin, school_type, cut_set,
    CASE WHEN curr_shown THEN curr_denom END AS n,
    curr_denom AS n_raw,  -- internal: used for complementary suppression, dropped before storing
    CASE WHEN prior_shown THEN prior_denom END AS prior_n,
    status,
    CASE WHEN prior_shown THEN prior_status_calc END AS prior_status,
    change,
    coalesce(status_level, 0) AS status_level,
    coalesce(change_level, 0) AS change_level,
    coalesce(color, 0) AS color,
    CASE WHEN coalesce(color, 0) > 0 THEN ((5 - status_level) * 5 + change_level) * 10 ELSE 0 END AS box,
    CASE WHEN curr_denom IS NULL AND status_calc IS NULL THEN 'no_data'
         WHEN NOT coalesce(curr_shown, FALSE) THEN 'n_lt_11'
         WHEN coalesce(color, 0) = 0 AND NOT color_allowed THEN 'no_color_lt_30'
         END AS note,
    NOT coalesce(curr_shown, FALSE) AS suppressed,
    undecided AS cut_set_undecided,
    published_status, published_change, published_status_level, published_change_level,
    published_color, published_box
FROM coloured
-- origin last: CDE's row and ours for the same group would otherwise come in any order
ORDER BY rtype DESC, cds, indicator, student_group, origin
