-- Rounding as a framework declares it: to 0..4 decimals, half up (away from zero), half even,
-- down or up, computed in DECIMAL so that 2.45 is 2.5 half up, never 2.4 through binary error.
CREATE OR REPLACE TEMP MACRO fw_scale(d) AS CASE d WHEN 0 THEN 1::DECIMAL(18, 6) WHEN 1 THEN 10::DECIMAL(18, 6)
    WHEN 2 THEN 100::DECIMAL(18, 6) WHEN 3 THEN 1000::DECIMAL(18, 6) WHEN 4 THEN 10000::DECIMAL(18, 6) END;
CREATE OR REPLACE TEMP MACRO fw_round(x, d, rule) AS CASE
    WHEN x IS NULL OR d IS NULL THEN x::DOUBLE
    ELSE (CASE rule
        WHEN 'half_even' THEN round_even(x::DECIMAL(18, 6) * fw_scale(d), 0) / fw_scale(d)
        WHEN 'down' THEN floor(x::DECIMAL(18, 6) * fw_scale(d)) / fw_scale(d)
        WHEN 'up' THEN ceil(x::DECIMAL(18, 6) * fw_scale(d)) / fw_scale(d)
        ELSE sign(x::DECIMAL(18, 6)) * floor(abs(x::DECIMAL(18, 6)) * fw_scale(d) + 0.5) / fw_scale(d)
    END)::DOUBLE END;
