-- Equity sources ela_dfs, math_dfs: Distance From Standard, all students (table indicator_results,
-- rtype S), CDE's published figure preferred over a district-computed one. A status withheld
-- under the n-size rule is missing. {indicator} ('ela' or 'math') is filled in by
-- pipeline/scoring/equity.py from its fixed list of sources.
SELECT cds, arg_min(status, CASE WHEN origin = 'cde' THEN 0 ELSE 1 END) AS value
FROM indicator_results
WHERE school_year = $school_year AND rtype = 'S' AND student_group = 'ALL'
  AND indicator = '{indicator}' AND status IS NOT NULL
GROUP BY cds
