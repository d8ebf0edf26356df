-- Status, change, levels, colour and box for every row of indicator_inputs, recomputed from
-- counts where counts exist, with CDE's rules as config/ states them (tables cut_scores,
-- color_grid and dashboard_rules, loaded by pipeline/dashboard_config.py), the n-size rules, and
-- CDE's published values kept beside ours.
--
-- Rounding is exact: percentages are ratios of integers, so status and change are rounded in
-- integer arithmetic, half away from zero to 0.1 (CDE's rounding, checked on the real 2024 ELPI
-- file: -19.75 -> -19.8). Change comes from the unrounded current and prior rates.
WITH base AS (
    SELECT i.*,
           coalesce(d.school_type, '') AS school_type,
           CASE WHEN i.rtype = 'S' THEN 'school' ELSE 'lea' END AS entity,
           -- which cut set: suspension's six by the file's type (a file without it: the school's type
           -- in the directory, K-12 schools with unified districts); ELA and math by hscutpoints, which
           -- CDE writes as Y or blank, blank meaning the grades 3-8 set (LEA rows too); a file without
           -- the flag at all (the 2018 subsets) or the district's own rows spanning grades 3-11: the
           -- directory's school type, else undecided
           -- a row CDE flags below 95 % participation where the configuration says its level follows
           -- counts the file does not hold (2022 ELPI): no cut set, so no level (reported as undecided)
           CASE WHEN r.below_95_participation = 'no_level' AND i.participation_flag = 'Y' THEN NULL
                WHEN i.indicator = 'susp' THEN coalesce(i.school_class, CASE WHEN i.rtype = 'S' THEN
                    CASE d.school_type WHEN 'ES' THEN 'ES' WHEN 'MS' THEN 'MS' WHEN 'HS' THEN 'HS'
                                       WHEN 'K12' THEN 'UD' END END)
                WHEN i.indicator NOT IN ('ela', 'math') THEN 'default'
                WHEN i.hscutpoints = 'Y' THEN 'hs'
                WHEN i.hscutpoints = 'N' THEN 'default'
                WHEN i.origin = 'cde' AND bool_or(i.hscutpoints IS NOT NULL)
                     OVER (PARTITION BY i.indicator, i.origin) THEN 'default'
                WHEN i.rtype = 'S' AND d.school_type = 'HS' THEN 'hs'
                WHEN i.rtype = 'S' AND d.school_type IN ('ES', 'MS', 'K8') THEN 'default'
                ELSE NULL END AS cut_set,
           CASE WHEN i.rtype <> 'S' AND i.student_group IN (SELECT unnest($lea_small_groups::VARCHAR[]))
                THEN $lea_small_group_min_n ELSE $color_min_n END AS color_n,
           coalesce(r.status_only, TRUE) AS status_only,
           -- the small-denominator rule (3x5 grid): CDE's flag where the file has it (smalldenom,
           -- safetynet in 2019), else a current denominator under the year's threshold
           CASE WHEN r.small_below IS NULL THEN FALSE
                WHEN i.smalldenom IN ('Y', 'N') THEN i.smalldenom = 'Y'
                ELSE coalesce(i.curr_denom < r.small_below, FALSE) END AS small,
           r.grid AS rule_grid, r.small_grid AS rule_small_grid,
           list_contains(coalesce(r.groups_without_color, []::VARCHAR[]), i.student_group) AS never_colored
    FROM indicator_inputs i
    LEFT JOIN validated_directory d ON d.school_year = $school_year AND d.cds = i.cds
    LEFT JOIN dashboard_rules r ON r.indicator = i.indicator
          AND $dashboard_year BETWEEN r.dashboard_year_from AND r.dashboard_year_to
),
rounded AS (
    -- status = scale x numer / denom (scale 100 for rates, 1 for a distance from standard summed
    -- over students), in tenths: sign(P) x floor((2|P| + Q) / 2Q) with P = 10 x scale x numer, Q = denom
    SELECT *,
        -- a published status with no denominator in the file (e.g. the 2018 subsets) was already
        -- cleared for publication by CDE
        -- the n-size counts real students: on the district's ELA and math, those added for CDE's 95 %
        -- participation rule (in the denominator) are not (curr_students: indicator_inputs.sql)
        CASE WHEN curr_denom IS NOT NULL THEN coalesce(curr_students, curr_denom) >= $min_n
             ELSE curr_status_given IS NOT NULL END AS curr_shown,
        CASE WHEN prior_denom IS NOT NULL THEN coalesce(prior_students, prior_denom) >= $min_n
             ELSE prior_status_given IS NOT NULL END AS prior_shown,
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
    SELECT r.*,
        CASE WHEN r.curr_shown THEN r.status_calc END AS status,
        CASE WHEN r.curr_shown AND r.prior_shown THEN r.change_calc END AS change,
        coalesce(r.curr_denom >= r.color_n AND r.prior_denom >= r.color_n, FALSE) AS color_allowed,
        -- the small-denominator change levels, where the configuration has them for this set
        r.small AND EXISTS (SELECT 1 FROM cut_scores c
                            WHERE c.indicator = r.indicator AND c.measure = 'change_small'
                              AND $dashboard_year BETWEEN c.dashboard_year_from AND c.dashboard_year_to
                              AND c.cut_set IN (coalesce(r.cut_set, 'default'), 'any')
                              AND c.entity IN (r.entity, 'any')) AS small_change_cuts
    FROM rounded r
),
candidate_levels AS (
    -- the status level under the row's cut set; for ELA/math rows whose set is undecided, under
    -- both: where the two agree the level is known all the same, where they differ the row is
    -- reported as undecided
    SELECT g.*,
        (SELECT max(c.level) FROM cut_scores c
          WHERE c.indicator = g.indicator AND c.measure = 'status'
            AND $dashboard_year BETWEEN c.dashboard_year_from AND c.dashboard_year_to
            AND c.cut_set IN (g.cut_set, 'any') AND c.entity IN (g.entity, 'any')
            AND g.status >= coalesce(c.min, -1e9) AND g.status <= coalesce(c.max, 1e9)) AS level_set,
        CASE WHEN g.cut_set IS NULL AND g.indicator IN ('ela', 'math') THEN
        (SELECT max(c.level) FROM cut_scores c
          WHERE c.indicator = g.indicator AND c.measure = 'status'
            AND $dashboard_year BETWEEN c.dashboard_year_from AND c.dashboard_year_to
            AND c.cut_set IN ('default', 'any') AND c.entity IN (g.entity, 'any')
            AND g.status >= coalesce(c.min, -1e9) AND g.status <= coalesce(c.max, 1e9)) END AS level_default,
        CASE WHEN g.cut_set IS NULL AND g.indicator IN ('ela', 'math') THEN
        (SELECT max(c.level) FROM cut_scores c
          WHERE c.indicator = g.indicator AND c.measure = 'status'
            AND $dashboard_year BETWEEN c.dashboard_year_from AND c.dashboard_year_to
            AND c.cut_set IN ('hs', 'any') AND c.entity IN (g.entity, 'any')
            AND g.status >= coalesce(c.min, -1e9) AND g.status <= coalesce(c.max, 1e9)) END AS level_hs,
        (SELECT max(c.level) FROM cut_scores c
          WHERE c.indicator = g.indicator
            AND c.measure = CASE WHEN g.small_change_cuts THEN 'change_small' ELSE 'change' END
            AND $dashboard_year BETWEEN c.dashboard_year_from AND c.dashboard_year_to
            AND c.cut_set IN (coalesce(g.cut_set, 'default'), 'any') AND c.entity IN (g.entity, 'any')
            AND g.change >= coalesce(c.min, -1e9) AND g.change <= coalesce(c.max, 1e9)) AS change_level_any
    FROM gated g
),
levelled AS (
    SELECT *,
        CASE WHEN cut_set IS NOT NULL THEN level_set
             WHEN level_default = level_hs THEN level_default END AS status_level,
        -- a status-only year (2022) reports no change level
        CASE WHEN NOT status_only THEN change_level_any END AS change_level,
        cut_set IS NULL AND status IS NOT NULL
            AND (indicator NOT IN ('ela', 'math') OR level_default IS DISTINCT FROM level_hs) AS undecided,
        CASE WHEN small THEN rule_small_grid ELSE rule_grid END AS grid
    FROM candidate_levels
),
coloured AS (
    -- a colour needs a year with colours, a grid, a group CDE colours, the n-size in both years
    -- and a known cell of the grid
    SELECT l.*,
        CASE WHEN l.color_allowed AND NOT l.status_only AND NOT l.never_colored THEN cg.color END AS color_cell,
        cg.box AS box_cell
    FROM levelled l
    LEFT JOIN color_grid cg ON cg.grid = l.grid AND cg.status_level = l.status_level
                           AND cg.change_level = l.change_level
)
SELECT
    $school_year AS school_year,
    cds, rtype, student_group, indicator, origin, school_type, cut_set,
    CASE WHEN curr_shown THEN curr_denom END AS n,
    coalesce(curr_students, curr_denom) AS n_raw,  -- internal: complementary suppression, dropped before storing
    CASE WHEN prior_shown THEN prior_denom END AS prior_n,
    status,
    CASE WHEN prior_shown THEN prior_status_calc END AS prior_status,
    change,
    coalesce(status_level, 0) AS status_level,
    coalesce(change_level, 0) AS change_level,
    coalesce(color_cell, 0) AS color,
    CASE WHEN coalesce(color_cell, 0) > 0 THEN box_cell ELSE 0 END AS box,
    CASE WHEN curr_denom IS NULL AND status_calc IS NULL THEN 'no_data'
         WHEN NOT coalesce(curr_shown, FALSE) THEN 'n_lt_11'
         WHEN coalesce(color_cell, 0) = 0 AND NOT color_allowed THEN 'no_color_lt_30'
         END AS note,
    NOT coalesce(curr_shown, FALSE) AS suppressed,
    undecided AS cut_set_undecided,
    published_status, published_change, published_status_level, published_change_level,
    published_color, published_box
FROM coloured
-- origin last: CDE's row and ours for the same group would otherwise come in any order
ORDER BY rtype DESC, cds, indicator, student_group, origin
