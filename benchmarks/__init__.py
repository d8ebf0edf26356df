"""Benchmarks of the pipeline, beside the alternatives it was measured against; not in the wheel.

``make bench`` (``python -m benchmarks --scale district|state``) runs :mod:`benchmarks.run`. The
pieces, each runnable alone from the repository root:

- :mod:`benchmarks.run`             every stage timed at a scale, the table (``measure``, ``stages``)
- :mod:`benchmarks.pandas_scoring`  a plain-pandas baseline of the DuckDB scoring, compared cell by cell
                                    (``python -m benchmarks.pandas_scoring WAREHOUSE YEAR``)
- :mod:`benchmarks.chromium`        one headless Chromium through the DevTools protocol (also used by
                                    ``tests/test_chromium.py``; ``python -m benchmarks.chromium``)
- :mod:`benchmarks.render_phases`   naive WeasyPrint against the pool, and one worker's time by phase
                                    (``python -m benchmarks.render_phases --phases``)
- :mod:`benchmarks.soak`            thousands of PDFs: time and memory per PDF must not grow
                                    (``python -m benchmarks.soak``)

The product (``pipeline``, ``assets``, ``schemas``) never imports this package.
"""
