-- Rules shared by several scoring queries, defined once per connection (pipeline.scoring.install_macros).

-- The student groups a student counts in, from the flag columns every student-level export
-- carries: all students, their race/ethnicity code, and EL, LTEL, SED, SWD, foster, homeless.
CREATE OR REPLACE TEMP MACRO student_groups(ethnicity, el, ltel, sed, swd, foster, homeless) AS list_filter([
    'ALL', ethnicity,
    CASE WHEN el = 'Y' THEN 'EL' END, CASE WHEN ltel = 'Y' THEN 'LTEL' END,
    CASE WHEN sed = 'Y' THEN 'SED' END, CASE WHEN swd = 'Y' THEN 'SWD' END,
    CASE WHEN foster = 'Y' THEN 'FOS' END, CASE WHEN homeless = 'Y' THEN 'HOM' END
], lambda g: g IS NOT NULL);
