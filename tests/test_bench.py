"""The benchmark harness's arithmetic and report (the timings themselves are not tested)."""
from pathlib import Path

import pytest

from benchmarks.measure import Row
from benchmarks.run import Bench
from benchmarks.stages import check_same


def bench_with(*rows: Row) -> Bench:
    bench = Bench("tiny", Path("/nonexistent"))
    bench.rows.extend(rows)
    return bench


def test_ratio_compares_time_per_unit_and_says_who_is_faster():
    ours = Row("render", "ours", [2.0, 1.0, 3.0], units=20, unit="PDFs")
    slow = Row("render", "naive", [8.0, 8.0, 9.0], units=20, unit="PDFs", baseline_of="ours")
    fast = Row("render", "browser", [0.5], units=10, unit="PDFs", baseline_of="ours")
    bench = bench_with(ours, slow, fast)
    assert ours.median == 2.0 and ours.spread == "1.00 s–3.00 s" and ours.rate == 10.0
    assert bench.ratio(slow) == "ours 4.0× faster"
    assert bench.ratio(fast) == "ours 2.0× slower"  # 0.05 s/PDF against our 0.1 s/PDF
    assert bench.ratio(ours) == ""


def test_markdown_table_has_every_row_median_and_ratio():
    ours = Row("scoring", "DuckDB", [1.0, 1.2, 1.1], units=1_000_000, peak_mib=512)
    pandas = Row("scoring", "pandas", [3.3, 3.5, 3.4], units=1_000_000, baseline_of="DuckDB")
    table = bench_with(ours, pandas).markdown().splitlines()
    assert table[0].startswith("| Stage | Method | Median | Spread |")
    assert len(table) == 4
    assert "| 1.10 s | 1.00 s–1.20 s | 909,091 rows/s | 512 MiB |" in table[2]
    assert table[3].endswith("| ours 3.1× faster |")


@pytest.fixture(scope="module")
def two_pdfs(tmp_path_factory):
    from pipeline.render.html import render_scorecard_html
    from pipeline.render.pdf import render_pdf_one
    from pipeline.render.sample import sample_model

    root = tmp_path_factory.mktemp("pdfs")
    model = sample_model("en")
    (root / "a").mkdir()
    (root / "b").mkdir()
    render_pdf_one(render_scorecard_html(model, css_inline=False), root / "a" / "x.pdf", model["title"], "en")
    return root, model


def test_check_same_accepts_the_same_rendering_and_catches_another(two_pdfs):
    from pipeline.render.html import render_scorecard_html
    from pipeline.render.pdf import render_pdf_one

    root, model = two_pdfs
    docs = [{"name": "x", "school": model["school"]["name"]}]
    assert check_same(docs, root / "a", root / "a") == []
    other = dict(model, school=dict(model["school"], enrollment="99,999"))
    render_pdf_one(render_scorecard_html(other, css_inline=False), root / "b" / "x.pdf", model["title"], "en")
    problems = check_same(docs, root / "a", root / "b")
    assert problems and "figures differ" in problems[0]
