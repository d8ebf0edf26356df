"""Headless Chromium through the DevTools protocol (benchmarks/chromium.py): the sample scorecard
prints to a two-page Letter PDF, and the index page (issue #5) searches, sorts and links in a real
browser without console errors or requests leaving the page. Skipped when Chromium is absent."""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import pytest

from benchmarks.chromium import ChromiumNotFoundError, ChromiumPrinter, chromium_available
from pipeline.outputs import school_dir, write_atomic
from pipeline.render.html import render_index_html, render_scorecard_html
from pipeline.render.sample import sample_model

needs_chromium = pytest.mark.skipif(not chromium_available(),
                                    reason="Chromium is not installed (apt-get install chromium)")

YEAR = "2023-24"
# Rows shaped as pipeline.scorecard.load's YearData.index_row gives them to render_index_html in
# pipeline.publish.publish_year. Name, level and tier orders all differ; one school is unrated
# (blank level: sorted last both ways) and one has English files only.
SCHOOLS = [
    {"cds": "19754160000001", "name": "Dolores Huerta Learning Academy", "grade_span": "TK–12",
     "level": "Developing", "level_rank": 3, "tier": "High need", "tier_rank": 2, "languages": ["en", "es"]},
    {"cds": "19754160000002", "name": "Ánimo César Chávez Elementary", "grade_span": "TK–5",
     "level": "Excelling", "level_rank": 5, "tier": "Lowest need", "tier_rank": 5, "languages": ["en", "es"]},
    {"cds": "19754160000003", "name": "Yuri Kochiyama High", "grade_span": "9–12",
     "level": "Needs support", "level_rank": 2, "tier": "Highest need", "tier_rank": 1, "languages": ["en"]},
    {"cds": "19754160000004", "name": "Benito Juárez Middle", "grade_span": "6–8",
     "tier": "Moderate need", "tier_rank": 3, "languages": ["en", "es"]},
]
DOLORES, ANIMO, YURI, BENITO = (school["name"] for school in SCHOOLS)

VISIBLE_ROWS = """Array.from(document.querySelectorAll("#school-table tbody tr"))
    .filter(r => r.getClientRects().length > 0).map(r => r.getAttribute("data-name"))"""


@pytest.fixture(scope="module")
def chrome():
    if not chromium_available():
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with ChromiumPrinter() as printer:
        yield printer


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader
    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())


def test_missing_chromium_says_how_to_install_it(tmp_path):
    with pytest.raises(ChromiumNotFoundError, match="apt-get install chromium"):
        ChromiumPrinter(executable=tmp_path / "no-such-chromium")


@needs_chromium
@pytest.mark.parametrize("lang", ["en", "es"])
def test_prints_the_sample_scorecard_to_two_letter_pages(chrome, tmp_path, lang):
    from pypdf import PdfReader

    model = sample_model(lang)
    out = chrome.print_pdf(render_scorecard_html(model), tmp_path / "out" / "scorecard.pdf")
    assert out == tmp_path / "out" / "scorecard.pdf"
    assert sorted(p.name for p in out.parent.iterdir()) == ["scorecard.pdf"]  # no temporary file left
    reader = PdfReader(out)
    # US Letter pages: two, as WeasyPrint lays it out (every indicator by student group, issue #17);
    # a browser sets the Spanish page a few lines longer, which may push its closing notes over
    sizes = [(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages]
    assert (len(sizes) == 2 if lang == "en" else 2 <= len(sizes) <= 3) and set(sizes) == {(612, 792)}
    text = _pdf_text(out)
    assert model["school"]["name"] in text
    assert "23.4%" in text and model["indicators"][0]["label"] in text


@needs_chromium
def test_close_ends_the_browser_and_removes_its_profile():
    printer = ChromiumPrinter()
    pid, root = printer.pid, printer._root
    assert os.path.isdir(os.path.join(root, "profile"))
    printer.close()
    printer.close()  # twice is fine
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)  # no process of the browser's group is left
    assert not os.path.exists(root)


# ------------------------------------------------------------------ issue #5: the index page

@pytest.fixture(scope="module")
def year_dir(chrome, tmp_path_factory) -> Path:
    """<out>/<year>/ as publish_year lays it out: index.html and each school's files."""
    year = tmp_path_factory.mktemp("out") / YEAR
    for school in SCHOOLS:
        folder = school_dir(year, school["cds"])
        write_atomic(folder / "data.csv", f"cds,indicator,status\n{school['cds']},chronic,23.4\n")
        for lang in school["languages"]:
            html = render_scorecard_html(sample_model(lang, name=school["name"], cds=school["cds"]))
            write_atomic(folder / f"scorecard.{lang}.html", html)
            chrome.print_pdf(html, folder / f"scorecard.{lang}.pdf")
    write_atomic(year / "index.html", render_index_html(SCHOOLS, YEAR, lang="en",
                                                        district="Sample Unified School District"))
    return year


def _state(chrome) -> dict:
    return chrome.evaluate(f"""({{
        rows: {VISIBLE_ROWS},
        count: document.getElementById("school-count").textContent,
        noMatch: !document.getElementById("no-match").hidden,
        sort: Array.from(document.querySelectorAll("#school-table thead th"))
            .filter(th => th.hasAttribute("aria-sort"))
            .map(th => th.querySelector("button").dataset.key + " " + th.getAttribute("aria-sort")),
    }})""")


@needs_chromium
def test_index_page_searches_sorts_and_links_in_chromium(chrome, year_dir):
    index = year_dir / "index.html"
    chrome.events.clear()
    chrome.monitor()
    chrome.navigate(index.as_uri())
    every = [ANIMO, BENITO, DOLORES, YURI]
    assert _state(chrome) == {"rows": every, "count": "4", "noMatch": False, "sort": ["name ascending"]}

    # search: accents and case do not matter; the CDS code finds its school; nothing found says so
    for query, expected in (("cesar", [ANIMO]), ("JUÁREZ", [BENITO]), ("19754160000003", [YURI]),
                            ("  huerta ", [DOLORES]), ("learning", [DOLORES]), ("zzz", [])):
        chrome.fill("#school-search", query)
        state = _state(chrome)
        assert state["rows"] == expected, query
        assert state["count"] == str(len(expected)) and state["noMatch"] == (not expected), (query, state)
    chrome.fill("#school-search", "")
    assert _state(chrome)["rows"] == every and _state(chrome)["count"] == "4"

    # sorting with the mouse: name (starts ascending), level (blank last both ways), tier
    steps = [
        ("name", "descending", [YURI, DOLORES, BENITO, ANIMO]),
        ("name", "ascending", every),
        ("level", "ascending", [YURI, DOLORES, ANIMO, BENITO]),      # ranks 2, 3, 5, unrated
        ("level", "descending", [ANIMO, DOLORES, YURI, BENITO]),
        ("tier", "ascending", [YURI, DOLORES, BENITO, ANIMO]),       # tier ranks 1, 2, 3, 5
        ("tier", "descending", [ANIMO, BENITO, DOLORES, YURI]),
    ]
    for key, direction, expected in steps:
        chrome.click(f'#school-table thead button[data-key="{key}"]')
        assert _state(chrome) == {"rows": expected, "count": "4", "noMatch": False,
                                  "sort": [f"{key} {direction}"]}, (key, direction)

    # a search keeps the chosen order, and clearing it brings every row back in that order
    chrome.fill("#school-search", "ch")  # Chávez, Kochiyama
    assert _state(chrome)["rows"] == [ANIMO, YURI]  # still by tier, descending
    chrome.fill("#school-search", "")
    assert _state(chrome)["rows"] == [ANIMO, BENITO, DOLORES, YURI]

    # every link of every school points to a file that exists in the year's folder
    links = chrome.evaluate("""Array.from(document.querySelectorAll("#school-table tbody tr")).map(r => ({
        cds: r.querySelector(".cds").textContent.replace(/\\D/g, ""),
        hrefs: Array.from(r.querySelectorAll("a[href]")).map(a => [a.getAttribute("href"), a.href])}))""")
    assert sorted(row["cds"] for row in links) == sorted(s["cds"] for s in SCHOOLS)
    for row in links:
        school = next(s for s in SCHOOLS if s["cds"] == row["cds"])
        base = f"schools/{school['cds']}/"
        expected = {f"{base}scorecard.{lang}.{ext}" for lang in school["languages"] for ext in ("html", "pdf")}
        assert {href for href, _ in row["hrefs"]} == expected | {f"{base}data.csv"}, row
        for href, absolute in row["hrefs"]:
            assert absolute.startswith("file://"), absolute
            path = Path(url2pathname(urlparse(absolute).path))
            assert path.is_file() and path.is_relative_to(year_dir), (href, path)

    # the school's name opens its scorecard (a real click on the link, in the page's language)
    chrome.fill("#school-search", "kochiyama")
    chrome.click("#school-table tbody tr:not([hidden]) a.school-link", navigates=True)
    assert chrome.evaluate("location.href") == (school_dir(year_dir, "19754160000003") / "scorecard.en.html").as_uri()
    assert chrome.evaluate('document.querySelector("h1").textContent') == YURI

    # no console error, no uncaught exception, no request beyond file: and data: URLs
    chrome.drain_events(0.3)
    requested = chrome.requested_urls()
    assert index.as_uri() in requested
    leaving = [url for url in requested if not url.startswith(("file:", "data:"))]
    assert {"console": chrome.console_problems(), "requests leaving the page": leaving} \
        == {"console": [], "requests leaving the page": []}
