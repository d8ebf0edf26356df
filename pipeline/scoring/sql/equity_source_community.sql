-- Equity sources deepest_poverty_pct, asthma_rate, gun_injury_rate: the community file's figure
-- for the school's neighbourhood as given. {column} is filled in by pipeline/scoring/equity.py
-- from its fixed list of sources.
SELECT cds, {column} AS value
FROM validated_community
WHERE school_year = $school_year AND {column} IS NOT NULL
