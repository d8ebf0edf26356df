-- Every answer given in the climate survey of one school year, long: one row per respondent and item.
-- The wide export (one column per item_id) is unpivoted; blank answers are dropped by UNPIVOT.
-- {item_columns} is filled in by pipeline/scoring/climate.py with the quoted names of the item
-- columns the warehouse holds answers in this year (names come from information_schema, never
-- from input values). Columns not in the codebook are kept here so they can be reported.
SELECT response_id, cds, respondent_group, lower(item_column) AS item_key, answer
FROM (
    UNPIVOT (
        SELECT response_id, cds, respondent_group, {item_columns}
        FROM validated_survey_responses
        WHERE school_year = $school_year
    )
    ON COLUMNS(* EXCLUDE (response_id, cds, respondent_group))
    INTO NAME item_column VALUE answer
)
