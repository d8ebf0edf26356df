"""One partition per school year (keys like ``2023-24``), shared by every stage's assets."""
import dagster as dg

from pipeline.config import load_settings

school_years = dg.StaticPartitionsDefinition(list(load_settings().school_years))
