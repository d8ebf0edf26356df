-- The rows of one framework source for a school year (schools only). {table}, {value}, {n},
-- {group}, {rank} and {filters} are column names the driver checked against the table and quoted;
-- every filter value is a bound parameter. {rank} puts CDE's published row before the district's.
SELECT $source_key AS source_key, cds, {group} AS student_group, {value}::DOUBLE AS value, {n}::DOUBLE AS n,
       {rank} AS pick_rank
FROM {table}
WHERE school_year = $school_year {schools_only} {filters}
