-- The schools a year's rating covers: the directory's columns (one may choose the school model)
-- and the equity-need tier, the group of same-need schools each is compared with.
SELECT d.*, coalesce(e.tier, 'Unranked') AS peer_tier
FROM validated_directory d
LEFT JOIN equity_index e ON e.school_year = d.school_year AND e.cds = d.cds
WHERE d.school_year = ?
ORDER BY d.cds
