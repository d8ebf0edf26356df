-- Equity source chronic_absence_pct: % of eligible students chronically absent, all students,
-- from the district's own count (table attendance, rtype S). No value under $min_n eligible students.
-- Disclosure control (as for the indicator's rates): a school of fewer than $color_min_n eligible
-- students at or below $bottom_code_at % (at or above $top_code_at %) carries the bound itself, so
-- equity_components never shows a small school's 0 % or 100 % that data.csv codes.
SELECT cds,
    CASE WHEN eligible < $color_min_n AND 100.0 * chronic / eligible <= $bottom_code_at THEN $bottom_code_at
         WHEN eligible < $color_min_n AND 100.0 * chronic / eligible >= $top_code_at THEN $top_code_at
         ELSE 100.0 * chronic / eligible END AS value
FROM attendance
WHERE school_year = $school_year AND rtype = 'S' AND student_group = 'ALL' AND eligible >= $min_n
