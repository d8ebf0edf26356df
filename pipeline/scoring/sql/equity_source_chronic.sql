-- Equity source chronic_absence_pct: % of eligible students chronically absent, all students,
-- from the district's own count (table attendance, rtype S). No value under $min_n eligible students.
SELECT cds, 100.0 * chronic / eligible AS value
FROM attendance
WHERE school_year = $school_year AND rtype = 'S' AND student_group = 'ALL' AND eligible >= $min_n
