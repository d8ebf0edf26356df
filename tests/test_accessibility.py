"""axe-core, in headless Chromium, on every kind of page a run publishes: the school pages in each
language, each language's index and the validation report (issue #17). Skipped, saying why, when
Chromium or axe-core is absent (`make browser-tools` installs both)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from benchmarks.chromium import ChromiumPrinter, chromium_available

REPO = Path(__file__).resolve().parent.parent
YEAR = "2023-24"


def axe_script() -> Path | None:
    """axe-core's browser build: $AXE_CORE_JS, or where `make browser-tools` installs it."""
    for candidate in (os.environ.get("AXE_CORE_JS"), REPO / ".tools" / "node_modules" / "axe-core" / "axe.min.js"):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not chromium_available(), reason="Chromium is not installed (make browser-tools)"),
    pytest.mark.skipif(axe_script() is None, reason="axe-core is not installed (make browser-tools, or set AXE_CORE_JS)"),
]


@pytest.fixture(scope="module")
def chrome():
    with ChromiumPrinter() as printer:
        yield printer


def _pages(out: Path) -> list[Path]:
    year = out / YEAR
    school = sorted((year / "schools").iterdir())[0]
    return [year / "index.html", year / "index.es.html", school / "scorecard.en.html",
            school / "scorecard.es.html", year / "validation" / "report.html"]


def violations(chrome, page: Path) -> list[str]:
    chrome.navigate(page.as_uri())
    chrome.evaluate(axe_script().read_text(encoding="utf-8"))
    found = chrome.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify(r.violations.map("
        "v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))))",
        await_promise=True)
    return [f"{v['id']} ({v['impact']}): {', '.join(v['nodes'])}" for v in json.loads(found)]


@pytest.mark.parametrize("which", ["index en", "index es", "school en", "school es", "validation report"])
def test_axe_finds_no_violation(tiny_pipeline_run, chrome, which):
    root, codes = tiny_pipeline_run
    assert codes == [0, 0]
    page = dict(zip(["index en", "index es", "school en", "school es", "validation report"],
                    _pages(root / "out")))[which]
    assert violations(chrome, page) == []
