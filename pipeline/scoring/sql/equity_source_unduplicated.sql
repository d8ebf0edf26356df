-- Equity source unduplicated_pct: % of a school's students in the attendance export who are
-- socio-economically disadvantaged, English learners or foster youth (LCFF's "unduplicated
-- pupils": each student counted once however many of the three they are). No value under $min_n students.
SELECT cds,
       100.0 * count(DISTINCT ssid) FILTER (WHERE sed = 'Y' OR el = 'Y' OR foster = 'Y')
             / count(DISTINCT ssid) AS value
FROM validated_attendance
WHERE school_year = $school_year
GROUP BY cds
HAVING count(DISTINCT ssid) >= $min_n
