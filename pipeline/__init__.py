"""School scorecard pipeline: plain logic (readers, scoring, rendering) and the Dagster wiring."""
