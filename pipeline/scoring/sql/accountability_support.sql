-- The schools, student groups and districts that meet the framework's support criteria, counted
-- from their colours (temp table acc_colors): for each school (district) and student
-- group the criteria that hold, the areas they fall in, and the designations met (at least
-- min_areas areas, and none of the designations listed in `unless` met by the same school).
-- Inputs: acc_colors, accountability_designations, accountability_criteria.
WITH units AS (
    SELECT rtype, cds, student_group, list(color) FILTER (WHERE color > 0) AS colors
    FROM acc_colors GROUP BY ALL
),
evaluated AS (
    SELECT u.rtype, u.cds, u.student_group, c.designation, c.criterion, c.area, c.kind, c.description,
           c.min_indicators, c.colors AS wanted, c.threshold,
           coalesce(len(u.colors), 0) AS n_ind,
           len(list_filter(coalesce(u.colors, []), lambda x: list_contains(c.colors, x))) AS n_in,
           k.color AS ind_color, k.status, k.prior_status
    FROM units u
    JOIN accountability_designations d ON d.rtype = u.rtype AND list_contains(d.groups, u.student_group)
    JOIN accountability_criteria c ON c.designation = d.designation
         AND (c.groups IS NULL OR list_contains(c.groups, u.student_group))
    LEFT JOIN acc_colors k ON k.rtype = u.rtype AND k.cds = u.cds
         AND k.student_group = u.student_group AND k.indicator = c.indicator
),
truth AS (
    SELECT *, CASE kind
        WHEN 'all_colors_in' THEN n_ind >= min_indicators AND n_in = n_ind
        WHEN 'all_but_one_in' THEN n_ind >= min_indicators AND n_in >= 1 AND n_in >= n_ind - 1
        WHEN 'majority_in' THEN n_ind >= min_indicators AND n_in * 2 > n_ind
        WHEN 'indicators' THEN coalesce(list_contains(wanted, ind_color), false)
        WHEN 'mean_status_below' THEN coalesce((status + coalesce(prior_status, status)) / 2 < threshold, false)
    END AS holds
    FROM evaluated
),
criteria AS (
    -- a criterion on several indicators holds when each of them does
    SELECT rtype, cds, student_group, designation, criterion, any_value(area) AS area,
           any_value(description) AS description, bool_and(holds) AS holds
    FROM truth GROUP BY rtype, cds, student_group, designation, criterion
),
met AS (
    SELECT c.rtype, c.cds, c.student_group, c.designation,
           count(DISTINCT c.area) FILTER (WHERE c.holds) AS areas_met,
           string_agg(DISTINCT c.area, ', ' ORDER BY c.area) FILTER (WHERE c.holds) AS areas,
           string_agg(c.description, '; ' ORDER BY c.criterion) FILTER (WHERE c.holds) AS criteria_met
    FROM criteria c GROUP BY ALL
),
designated AS (
    SELECT m.*, d.label, d.unless FROM met m JOIN accountability_designations d USING (designation)
    WHERE m.areas_met >= d.min_areas
)
SELECT $school_year AS school_year, d.rtype, d.cds, d.student_group, d.designation, d.label, d.areas_met, d.areas,
       d.criteria_met
FROM designated d
WHERE NOT EXISTS (SELECT 1 FROM designated o
                  WHERE o.rtype = d.rtype AND o.cds = d.cds AND list_contains(d.unless, o.designation))
ORDER BY d.rtype, d.cds, d.designation, d.student_group
