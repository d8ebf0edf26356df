"""The whole Dagster layer of the pipeline (the role of recent Dagster projects' ``defs/`` folder).

- ``definitions.py``  the one ``Definitions`` (``defs``) that ``dagster dev`` and the daemon load
- ``ingest.py``, ``validate.py``, ``score.py``, ``render.py``, ``deliver.py``  one module per stage
- ``checks.py``  asset checks; ``metadata.py``  previews and column schemas for the UI
- ``resources.py``  the folders and warehouse, the mail server, the run lock
- ``partitions.py``, ``jobs.py``, ``schedules.py``, ``sensors.py``

Thin on purpose: each asset reads its inputs, makes one call into ``pipeline`` (plain Python,
no Dagster), and reports metadata. Nothing outside this package imports Dagster but the
``scorecards run`` command.
"""
