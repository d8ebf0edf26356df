"""Dagster asset definitions, one module per stage: ingest, validate, score, render, deliver.

Thin on purpose: each asset reads its inputs, makes one call into ``pipeline``, and reports metadata.
"""
