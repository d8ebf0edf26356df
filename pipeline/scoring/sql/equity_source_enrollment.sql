-- Equity sources swd_pct, homeless_pct: % of census-day enrollment in one student group
-- (validated_enrollment). A school without a row for the group has no value (not zero), nor one
-- with fewer than $min_n students enrolled. {student_group} ('SWD' or 'HOM') is filled in by
-- pipeline/scoring/equity.py from its fixed list of sources.
SELECT cds,
       100.0 * sum(enrollment) FILTER (WHERE student_group = '{student_group}')
             / sum(enrollment) FILTER (WHERE student_group = 'ALL') AS value
FROM validated_enrollment
WHERE school_year = $school_year
GROUP BY cds
HAVING sum(enrollment) FILTER (WHERE student_group = 'ALL') >= $min_n
   AND count(*) FILTER (WHERE student_group = '{student_group}') > 0
