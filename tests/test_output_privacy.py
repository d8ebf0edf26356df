"""Privacy, checked on the published files themselves (issue #8).

The tiny sample runs once per session (``tiny_pipeline_run``, tests/conftest.py, shared with
tests/test_pipeline.py) and every file under ``out/`` is read back: each school's data.csv, the
HTML and PDF scorecards (text, Info and XMP metadata), the Parquet exports, the manifest, the
delivery ledger and the e-mails of the dry-run outbox. The size of every cell is computed here,
independently, from the raw input files, and cells are matched by school + student group +
measure: the rules are checked against what a reader of the outputs can see, not against the
pipeline's own flags.

- (a) no figure for a group of fewer than ``min_n`` (11) students, cell by cell;
- (b) no hidden cell follows by subtraction: within a family of groups that add up to all
  students (``complementary_families``), from the schools to their district, and from this
  year's prior-year figures and change back to a cell last year's outputs hid or coded;
- (c) rates of groups under ``color_min_n`` (30) students are top and bottom coded;
- (d) no student identifier in file names, PDF metadata (Info and XMP) or e-mails, and each
  principal's e-mail carries exactly their own school's PDFs. (The text of every output file and
  the Dagster event log are scanned by test_pipeline.py::test_no_student_identifier_in_any_output.)
"""
from __future__ import annotations

import csv
import email
import functools
import hashlib
import html as html_lib
import re
import subprocess
from collections import defaultdict
from email import policy
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
from babel.numbers import get_decimal_symbol, get_group_symbol
from pypdf import PdfReader

from disclosure_audit import school_data_files
from pipeline.config import config_path, load_settings, prior_school_year
from pipeline.render import i18n
from pipeline.render.data_csv import note_words
from pipeline.scoring.privacy import RATE_INDICATORS

pytestmark = pytest.mark.slow  # every output of the end-to-end run, cell by cell

S = load_settings()
P = S.privacy
YEARS = ("2022-23", "2023-24")
FAMILIES = [set(f) for f in P.complementary_families]
LANGS = tuple(S.languages)
BOUND_TEXT = re.compile(r"^[≤≥]")  # "≤ 5.0%" / "≥ 95.0%" as the scorecard writes a coded rate


# ----------------------------------------------------------------------------- the run and its files

@pytest.fixture(scope="module")
def root(tiny_pipeline_run) -> Path:
    root, codes = tiny_pipeline_run
    assert codes == [0, 0], "the tiny sample must run cleanly for its outputs to be checked"
    return root


def schools(root: Path, year: str) -> list[Path]:
    return sorted(p for p in (root / "out" / year / "schools").iterdir() if p.is_dir())


@functools.lru_cache(maxsize=None)
def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def read_data_csv(root: Path, year: str) -> dict[tuple, dict[str, tuple[str, str]]]:
    """Every school's data.csv of ``year``: (section, cds, item, group, origin) -> {figure: (value, note)}."""
    cells: dict[tuple, dict[str, tuple[str, str]]] = defaultdict(dict)
    for folder in schools(root, year):
        # every language's data.csv and .xlsx, which must agree (disclosure_audit.school_data_files)
        for key, figures in school_data_files(folder).items():
            assert key[1] == folder.name, key
            cells[key].update(figures)
    return cells


def parquet(root: Path, table: str, where: str = "TRUE") -> list[dict]:
    path = root / "out" / "parquet" / f"{table}.parquet"
    return duckdb.connect().execute(f"SELECT * FROM read_parquet('{path}') WHERE {where}").df() \
        .astype(object).where(lambda f: f.notna(), None).to_dict("records")


def shown(value) -> bool:
    return value is not None and value != ""


# ----------------------------------------------------------------------------- true cell sizes, from the raw files

GROUPS_SQL = """unnest(list_filter(['ALL', ethnicity,
    CASE WHEN el = 'Y' THEN 'EL' END, CASE WHEN ltel = 'Y' THEN 'LTEL' END, CASE WHEN sed = 'Y' THEN 'SED' END,
    CASE WHEN swd = 'Y' THEN 'SWD' END, CASE WHEN foster = 'Y' THEN 'FOS' END, CASE WHEN homeless = 'Y' THEN 'HOM' END],
    lambda g: g IS NOT NULL))"""


def _csv(path: Path, delim: str = ",") -> str:
    return f"read_csv('{path}', all_varchar = true, header = true, delim = '{delim}')"


@pytest.fixture(scope="module")
def truth(root: Path) -> dict[str, dict[tuple, int]]:
    """How many students each cell is about, counted here from the raw exports (not the warehouse).

    ``indicator``: (year, rtype, cds, indicator, origin, group) -> n, for CDE's files (their
    ``currdenom``) and the district's own chronic absenteeism (eligible students) and ELA/math
    (Smarter Balanced takers); ``growth``: (year, rtype, cds, subject, group) -> students with a
    growth score; ``respondents``: (year, cds, respondent group) -> respondents with a counted
    answer; ``domain``: (year, cds, respondent group, domain) -> people who answered the domain.
    """
    raw = root / "raw"
    con = duckdb.connect()
    out: dict[str, dict[tuple, int]] = {"indicator": {}, "growth": {}, "respondents": {}, "domain": {}}
    con.execute(f"CREATE TABLE met AS SELECT subject, grade::INT AS grade FROM {_csv(config_path('sbac_standard_met.csv'))}")
    con.execute(f"CREATE TABLE book AS SELECT * FROM {_csv(raw / 'survey_codebook.csv')}")
    for year in YEARS:
        for path in sorted((raw / year / "dashboard").glob("*download*.txt")):
            indicator = path.name.split("download")[0]
            for rtype, cds, group, n in con.execute(
                    f"SELECT rtype, cds, studentgroup, TRY_CAST(currdenom AS INT) FROM {_csv(path, chr(9))}").fetchall():
                if n is not None:
                    out["indicator"][(year, rtype, cds, indicator, "cde", group)] = n
        att = _csv(raw / year / "attendance.csv")
        rows = con.execute(f"""
            WITH s AS (SELECT 'S' AS rtype, cds, ssid, days_enrolled::INT AS days, ethnicity, el, ltel, sed, swd,
                              foster, homeless FROM {att}),
                 d AS (SELECT 'D' AS rtype, substr(cds, 1, 7) || '0000000' AS cds, ssid, sum(days) AS days,
                              any_value(ethnicity) AS ethnicity, max(el) AS el, max(ltel) AS ltel, max(sed) AS sed,
                              max(swd) AS swd, max(foster) AS foster, max(homeless) AS homeless
                       FROM s GROUP BY 2, ssid),
                 g AS (SELECT rtype, cds, days, {GROUPS_SQL} AS grp FROM (SELECT * FROM s UNION ALL BY NAME SELECT * FROM d))
            SELECT rtype, cds, grp, count(*) FILTER (WHERE days >= {S.min_days_enrolled}) FROM g GROUP BY ALL""").fetchall()
        for rtype, cds, group, n in rows:
            out["indicator"][(year, rtype, cds, "chronic", "district", group)] = n
        ass = _csv(raw / year / "assessment.csv")
        rows = con.execute(f"""
            WITH a AS (SELECT a.* FROM {ass} a JOIN met m ON m.subject = a.subject AND m.grade = a.grade::INT
                       WHERE a.test_type = 'SBA' AND a.scale_score IS NOT NULL),
                 b AS (SELECT 'S' AS rtype, * FROM a UNION ALL BY NAME
                       SELECT 'D' AS rtype, * REPLACE (substr(cds, 1, 7) || '0000000' AS cds) FROM a)
            SELECT rtype, cds, lower(subject), grp, count(*)
            FROM (SELECT rtype, cds, subject, {GROUPS_SQL} AS grp FROM b) GROUP BY ALL""").fetchall()
        for rtype, cds, subject, group, n in rows:
            out["indicator"][(year, rtype, cds, subject, "district", group)] = n
        prior = raw / prior_school_year(year) / "assessment.csv"
        if prior.exists():
            # growth: an SBA score in grades 4-8 this year, and SBA scores in both subjects last year
            rows = con.execute(f"""
                WITH p AS (SELECT ssid FROM {_csv(prior)} WHERE test_type = 'SBA' AND scale_score IS NOT NULL
                           GROUP BY ssid HAVING count(DISTINCT subject) = 2),
                     a AS (SELECT a.* FROM {ass} a JOIN p USING (ssid)
                           WHERE a.test_type = 'SBA' AND a.scale_score IS NOT NULL AND a.grade::INT BETWEEN 4 AND 8),
                     b AS (SELECT 'S' AS rtype, * FROM a UNION ALL BY NAME
                           SELECT 'D' AS rtype, * REPLACE (substr(cds, 1, 7) || '0000000' AS cds) FROM a)
                SELECT rtype, cds, subject, grp, count(*)
                FROM (SELECT rtype, cds, subject, {GROUPS_SQL} AS grp FROM b) GROUP BY ALL""").fetchall()
            for rtype, cds, subject, group, n in rows:
                out["growth"][(year, rtype, cds, subject, group)] = n
        survey = raw / year / "survey_responses.csv"
        con.execute(f"CREATE OR REPLACE TABLE resp AS SELECT * FROM {_csv(survey)}")
        con.execute("""CREATE OR REPLACE TABLE answers AS
            SELECT u.response_id, u.cds, u.respondent_group, b.domain FROM (
                UNPIVOT resp ON COLUMNS(* EXCLUDE (school_year, response_id, cds, respondent_group, grade))
                INTO NAME item VALUE answer) u
            JOIN book b ON lower(b.item_id) = lower(u.item) AND b.respondent_group = u.respondent_group
            WHERE TRY_CAST(u.answer AS INT) BETWEEN 1 AND b.scale_points::INT""")
        for cds, group, n in con.execute(
                "SELECT cds, respondent_group, count(DISTINCT response_id) FROM answers GROUP BY ALL").fetchall():
            out["respondents"][(year, cds, group)] = n
        for cds, group, domain, n in con.execute(
                "SELECT cds, respondent_group, domain, count(DISTINCT response_id) FROM answers GROUP BY ALL").fetchall():
            out["domain"][(year, cds, group, domain)] = n
    return out


def test_true_sizes_match_the_figures_shown(root, truth):
    """The independent counts above are right: where an output shows n, it is the true n (else the
    cell matching of every test below would be checking the wrong cells)."""
    compared = 0
    for year in YEARS:
        for (section, cds, item, group, origin), fig in read_data_csv(root, year).items():
            if section == "indicator" and shown(fig.get("n", ("",))[0]):
                assert int(fig["n"][0]) == truth["indicator"][(year, "S", cds, item, origin, group)], (year, cds, item, group, origin)
                compared += 1
            elif section == "growth" and shown(fig.get("n", ("",))[0]):
                assert int(fig["n"][0]) == truth["growth"][(year, "S", cds, item, group)], (year, cds, item, group)
                compared += 1
            elif section == "climate" and shown(fig.get("respondents", ("",))[0]):
                assert int(fig["respondents"][0]) == truth["respondents"][(year, cds, group)], (year, cds, group)
                compared += 1
    assert compared > 300


# ----------------------------------------------------------------------------- every file is read

SCANNED = {".html", ".pdf", ".csv", ".xlsx", ".parquet", ".json", ".jsonl", ".eml"}  # .xlsx: read_data_csv


def test_every_output_file_is_one_this_module_reads(root):
    """A new kind of output file fails here until the scans below (and test_pipeline's) read it."""
    kinds = defaultdict(int)
    for path in (root / "out").rglob("*"):
        if not path.is_file():
            continue
        if path.name.startswith(".") and path.name.endswith(".lock"):
            continue  # lock files: empty
        if path.name in ("scorecards.duckdb", "scorecards.duckdb.wal"):
            continue  # the warehouse keeps the inputs for analysts; what leaves it is the Parquet copies
        assert path.suffix in SCANNED, f"output not scanned for privacy: {path.relative_to(root)}"
        kinds[path.suffix] += 1
    assert {".html", ".pdf", ".csv", ".xlsx", ".eml", ".parquet", ".json"} <= set(kinds), kinds
    assert kinds[".eml"] >= 4 and kinds[".pdf"] == 16 and kinds[".parquet"] >= 7


# ----------------------------------------------------------------------------- (a) no figure under min_n

INDICATOR_FIGURES = ("n", "status", "status_bound", "change")
GROWTH_FIGURES = ("n", "mean", "ci_low", "ci_high", "two_year_mean", "eb_estimate")
CLIMATE_FIGURES = ("percent_favorable", "respondents", "response_rate")


def test_no_figure_for_fewer_than_11_students_in_data_csv(root, truth):
    """Every (school, group, measure) cell of fewer than 11 students is empty in data.csv, with its note."""
    small = {"indicator": 0, "growth": 0}
    for year in YEARS:
        for (section, cds, item, group, origin), fig in read_data_csv(root, year).items():
            cell = f"{year} {cds} {section} {item} {group} {origin}"
            if section == "indicator":
                n = truth["indicator"].get((year, "S", cds, item, origin, group))
                figures = INDICATOR_FIGURES
            elif section == "growth":
                n = truth["growth"].get((year, "S", cds, item, group))
                figures = GROWTH_FIGURES
            elif section == "climate":
                people = truth["respondents"].get((year, cds, group), 0)
                answered = truth["domain"].get((year, cds, group, item), 0)
                hidden = CLIMATE_FIGURES if people < P.survey_min_respondents else \
                    ("percent_favorable",) if answered < P.survey_min_respondents else ()
                for f in hidden:
                    assert not shown(fig.get(f, ("",))[0]), f"{cell}: {f} shown for {people} respondents, {answered} answered"
                continue
            elif section == "rating_measure":
                n = fig.get("n", ("",))[0]
                if shown(n) and int(n) < P.min_n:
                    assert not shown(fig.get("value", ("",))[0]), f"{cell}: value shown for {n} students"
                continue
            else:
                continue
            if n is None or n >= P.min_n:
                continue
            small[section] += 1
            for f in figures:
                value, note = fig.get(f, ("", ""))
                assert not shown(value), f"{cell}: {f} = {value} shown for a group of {n} students"
            assert fig["n"][1] == note_words("n_lt_11", "en"), f"{cell}: {n} students but note {fig['n'][1]!r}"
            for f in ("status_level", "change_level", "color"):
                assert fig.get(f, ("0",))[0] in ("", "0"), f"{cell}: {f} given for {n} students"
    assert small["indicator"] > 50 and small["growth"] > 10, small  # the sample has such cells


class Tables(HTMLParser):
    """The rows of every ``<table class="…{wanted}…">``: per cell its tag, attributes, visible text
    (screen-reader only text left out), the text of its ``gm-status`` part and the suppression notes
    marked in it (``note-n_lt_11`` -> ``n_lt_11``)."""

    def __init__(self, wanted: str):
        super().__init__()
        self.wanted, self.rows = wanted, []
        self._in, self._row, self._cell, self._spans = False, None, None, []

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "table" and self.wanted in classes:
            self._in = True
        if not self._in:
            return
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = {"tag": tag, "attrs": dict(attrs), "text": "", "status": "", "notes": set()}
        elif tag == "span":
            self._spans.append(("visually-hidden" in classes, "gm-status" in classes))
            if self._cell is not None:
                self._cell["notes"] |= {c[5:] for c in classes if c.startswith("note-") and c != "note-mark"}

    def handle_endtag(self, tag):
        if not self._in:
            return
        if tag == "span" and self._spans:
            self._spans.pop()
        elif tag in ("td", "th") and self._cell is not None:
            self._cell["text"] = " ".join(self._cell["text"].split())
            self._cell["status"] = " ".join(self._cell["status"].split())
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None
        elif tag == "table":
            self._in = False

    def handle_data(self, data):
        if self._cell is not None and not any(hidden for hidden, _ in self._spans):
            self._cell["text"] += data
            if any(status for _, status in self._spans):
                self._cell["status"] += data


def group_labels(lang: str) -> dict[str, str]:
    """Shown label -> student-group code, in ``lang``."""
    _ = i18n.get_translations(lang).gettext
    return {_(label): code for code, label in S.student_groups.items()}


def number(text: str, lang: str) -> float:
    """A figure as the scorecard writes it in ``lang`` ("1,234", "−14.9", "30.7%") as a number."""
    loc = i18n.number_locale(lang)
    text = text.replace(get_group_symbol(loc), "").replace(get_decimal_symbol(loc), ".").replace("−", "-")
    return float(re.sub(r"[^\d.\-]", "", text))


WORD = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">|'
                  r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


@functools.lru_cache(maxsize=None)
def pdf_words(path: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """Every word of every page, as poppler places it: (xMin, yMin, xMax, yMax, text) per page."""
    xml = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages: list[list] = []
    for m in WORD.finditer(xml):
        if m.group(1):
            pages.append([])
        else:
            pages[-1].append((*map(float, m.group(3, 4, 5, 6)), html_lib.unescape(m.group(7))))
    return pages


def _lines(words: list) -> list[list]:
    """Words grouped into lines (same top within 1 pt), top to bottom, each left to right."""
    lines: list[list] = []
    for w in sorted(words, key=lambda w: (w[1], w[0])):
        if lines and abs(lines[-1][0][1] - w[1]) < 1:
            lines[-1].append(w)
        else:
            lines.append([w])
    return [sorted(line) for line in lines]


def pdf_grid(path: Path, lang: str, labels: list[str], ncols: int) -> dict[str, list[str]]:
    """The student-group matrix as the PDF places it: row label -> the text of each indicator
    column. The columns are found by their "change · gap" sub-headings (the cells are right-aligned
    under them; the heading repeats on each page the matrix runs onto), the rows by the groups'
    labels (in the HTML's order, a label may wrap over two lines) in the column left of them."""
    _ = i18n.get_translations(lang).gettext
    sub = _("change · gap").split()
    rows: dict[str, list[str]] = {}
    todo = list(labels)
    for words in pdf_words(path):
        ends = []  # the sub-headings' last words ("gap"), on the line of "change ·" or under it
        for line in _lines(words):
            for k, w in enumerate(line):
                before = line[k - 1] if k and w[0] - line[k - 1][2] < 4 else None
                if w[4] == sub[-1] and (before is None or before[4] == sub[-2]):
                    ends.append(w)
        heads, run = [], []
        for w in sorted(ends, key=lambda w: w[1]):
            if run and w[1] - run[-1][1] > 14:
                heads.append(run)
                run = []
            run.append(w)
        heads = [sorted(h) for h in heads + [run] if len(h) == ncols]
        for head in heads:  # each run of the matrix on this page, under its heading
            right = [w[2] for w in head]
            width = right[1] - right[0] if ncols > 1 else right[0] / 5
            left_of_cells = right[0] - width
            top = max(w[3] for w in head)
            # the rows are set close: a word's box (the font's ascent) may rise 1 pt above the
            # heading's bottom
            below = [w for w in words if w[1] > top - 2]
            label_lines = [line for line in _lines([w for w in below if (w[0] + w[2]) / 2 < left_of_cells])]
            starts: list[tuple[str, float]] = []
            i = 0
            while todo and i < len(label_lines):
                text, first = "", i
                while i < len(label_lines) and len(text) < len(todo[0]):
                    text = (text + " " + " ".join(w[4] for w in label_lines[i])).strip()
                    i += 1
                if text != todo[0]:
                    i = first
                    break
                starts.append((todo.pop(0), label_lines[first][0][1]))
            after = label_lines[i][0][1] if i < len(label_lines) else None
            for k, (label, y0) in enumerate(starts):
                y1 = starts[k + 1][1] if k + 1 < len(starts) else min(after or 1e9, y0 + 48)
                cells = [[] for _c in range(ncols)]
                for w in sorted(below, key=lambda w: (w[1], w[0])):
                    x = (w[0] + w[2]) / 2
                    if y0 - 1 <= w[1] < y1 - 1 and x >= left_of_cells:
                        col = next((c for c in range(ncols) if x <= right[c] + 1), None)
                        assert col is not None, f"{path.name}: {w} right of the matrix"
                        cells[col].append(w[4])
                rows[label] = [re.sub(r"([≤≥])\s+", r"\1", " ".join(c)) for c in cells]
    assert not todo, f"{path.name}: rows {todo} not found in the PDF's matrix"
    return rows


def group_grid(root: Path, year: str, cds: str, lang: str) -> dict:
    """The scorecard's student-group matrix (every indicator by group) from the HTML and the PDF:
    {"columns": [(indicator, origin)], "rows": code -> {"html": [cell per column, None where the
    indicator does not report the group], "pdf": [text per column]}}. Growth columns are
    ``growth_ela`` / ``growth_math``."""
    folder = root / "out" / year / "schools" / cds
    parser = Tables("group-matrix")
    parser.feed((folder / f"scorecard.{lang}.html").read_text(encoding="utf-8"))
    if not parser.rows:
        return {"columns": [], "rows": {}}
    labels = group_labels(lang)
    head, body = parser.rows[0], parser.rows[1:]
    columns = [(c["attrs"]["data-indicator"], c["attrs"]["data-origin"]) for c in head[1:]]
    rows = {}
    for row in body:
        assert len(row) == len(columns) + 1, f"{cds} {lang}: row {row}"
        rows[labels[row[0]["text"]]] = {"label": row[0]["text"],
                                        "html": [c if c["text"] or c["notes"] else None for c in row[1:]]}
    pdf = pdf_grid(folder / f"scorecard.{lang}.pdf", lang, [r["label"] for r in rows.values()], len(columns))
    for code, r in rows.items():
        r["pdf"] = pdf[r["label"]]
        html = ["" if c is None else c["text"] for c in r["html"]]
        assert ["".join(t.split()) for t in r["pdf"]] == ["".join(t.split()) for t in html], \
            f"{year} {cds} {lang} {code}: PDF {r['pdf']} but HTML {html}"
    return {"columns": columns, "rows": rows}


def true_n(truth, year: str, cds: str, indicator: str, origin: str, group: str) -> int | None:
    """The true size of a matrix cell: an indicator's (by origin), or a growth subject's."""
    if indicator.startswith("growth_"):
        subject = indicator.removeprefix("growth_")
        return next((n for (y, t, c, s, g), n in truth["growth"].items()
                     if (y, t, c, g) == (year, "S", cds, group) and s.lower() == subject), None)
    return truth["indicator"].get((year, "S", cds, indicator, origin, group))


def true_groups(truth, year: str, cds: str, indicator: str, origin: str) -> dict[str, int]:
    """Every group with students in a matrix column, and its true size."""
    if indicator.startswith("growth_"):
        subject = indicator.removeprefix("growth_")
        return {g: n for (y, t, c, s, g), n in truth["growth"].items()
                if (y, t, c) == (year, "S", cds) and s.lower() == subject}
    return {g: n for (y, t, c, i, o, g), n in truth["indicator"].items() if (y, t, c, i, o) == (year, "S", cds, indicator, origin)}


def test_no_figure_for_fewer_than_11_students_on_the_scorecards(root, truth):
    """In the HTML and the PDF, in every language, every indicator's cell of a group of fewer than
    11 students (its true size, from the raw files) shows the suppression mark, never a number."""
    small, cells = 0, 0
    for year in YEARS:
        for folder in schools(root, year):
            cds = folder.name
            for lang in LANGS:
                grid = group_grid(root, year, cds, lang)
                for code, row in grid["rows"].items():
                    for (indicator, origin), html, pdf in zip(grid["columns"], row["html"], row["pdf"]):
                        if html is None:
                            continue
                        cells += 1
                        n = true_n(truth, year, cds, indicator, origin, code)
                        assert n is not None, f"{year} {cds} {indicator} {origin} {code}: shown, but no students"
                        if n < P.min_n:
                            small += 1
                            cell = f"{year} {cds} {lang} {indicator} {origin} {code} ({n} students)"
                            assert not re.search(r"\d", html["text"]) and "n_lt_11" in html["notes"], f"{cell}: HTML {html}"
                            assert not re.search(r"\d", pdf) and "*" in pdf, f"{cell}: PDF {pdf!r}"
    assert small > 40 and cells > 500, (small, cells)


def test_no_figure_for_fewer_than_11_students_in_parquet(root, truth):
    """The Parquet copies of the scored tables: no count or figure for a cell of fewer than 11."""
    checked = 0
    for r in parquet(root, "indicator_results"):
        n = truth["indicator"].get((r["school_year"], r["rtype"], r["cds"], r["indicator"], r["origin"], r["student_group"]))
        if n is not None and n < P.min_n:
            checked += 1
            for f in ("n", "status", "change", "status_bound", "published_status", "published_change"):
                assert r[f] is None, f"indicator_results {r['school_year']} {r['cds']} {r['indicator']} " \
                                     f"{r['student_group']} {r['origin']}: {f} = {r[f]} for {n} students"
    for r in parquet(root, "growth"):
        n = truth["growth"].get((r["school_year"], r["rtype"], r["cds"], r["subject"], r["student_group"]))
        if n is not None and n < P.min_n:
            checked += 1
            for f in ("n",) + tuple(c for c in r if c.startswith(("mean", "se", "sd", "ci_", "two_year", "eb_"))):
                assert r[f] is None, f"growth {r['cds']} {r['subject']} {r['student_group']}: {f} = {r[f]} for {n} students"
    assert checked > 100


def test_no_count_for_fewer_than_11_students_in_attendance_parquet(root, truth):
    """The internal attendance counts are not published at all (indicator_results carries the
    protected chronic absenteeism figures); if they ever are again, no small group may show."""
    if not (root / "out" / "parquet" / "attendance.parquet").exists():
        return
    for r in parquet(root, "attendance"):
        n = truth["indicator"][(r["school_year"], r["rtype"], r["cds"], "chronic", "district", r["student_group"])]
        if n < P.min_n:
            for f in ("eligible", "chronic", "students", "days_enrolled", "days_attended", "chronic_rate"):
                assert r[f] is None, f"attendance {r['school_year']} {r['cds']} {r['student_group']}: {f} = {r[f]} " \
                                     f"for {n} students"


# ----------------------------------------------------------------------------- (b) nothing follows by subtraction

def residual_problems(where: str, counts: dict[str, float | None], cde: dict[str, float] | None = None) -> list[str]:
    """``counts``: group -> n as published (None: hidden). In each configured family, if a group is
    hidden, what subtraction gives (all students' n minus the groups shown) must be >= min_n.
    ``cde``: group -> n of the figures CDE's own file published for this table (issue #19: public
    already, left as CDE publishes them): a subtraction CDE's file allows by itself is CDE's."""
    problems = []
    total = counts.get("ALL")
    if total is None:
        return problems
    for family in FAMILIES:
        members = {g: n for g, n in counts.items() if g in family}
        hidden = [g for g, n in members.items() if n is None]
        if hidden:
            residual = total - sum(n for n in members.values() if n is not None)
            if cde and "ALL" in cde and cde["ALL"] - sum(n for g, n in cde.items() if g in family) < P.min_n:
                continue  # CDE's own file gives as much
            if residual < P.min_n:
                problems.append(f"{where}: {', '.join(sorted(hidden))} hidden but all students minus the groups "
                                f"shown leaves {residual:g}")
    return problems


@functools.lru_cache(maxsize=None)
def cde_published(raw: Path) -> dict[tuple, dict[str, float]]:
    """(year, rtype, cds, indicator) -> group -> n of every row whose status CDE's file publishes."""
    out: dict[tuple, dict[str, float]] = defaultdict(dict)
    con = duckdb.connect()
    for year in YEARS:
        for path in sorted((raw / year / "dashboard").glob("*download*.txt")):
            indicator = path.name.split("download")[0]
            con.execute(f"CREATE OR REPLACE TABLE f AS SELECT * FROM {_csv(path, chr(9))}")
            for rtype, cds, group, n in con.execute(
                    "SELECT rtype, cds, studentgroup, TRY_CAST(currdenom AS INT) FROM f "
                    "WHERE TRY_CAST(currstatus AS DOUBLE) IS NOT NULL").fetchall():
                out[(year, rtype, cds, indicator)][group] = n
    return out


def data_csv_tables(root: Path, year: str) -> dict[tuple, dict[str, float | None]]:
    """(section, cds, item, origin) -> group -> n as data.csv publishes it (None when hidden)."""
    tables: dict[tuple, dict[str, float | None]] = defaultdict(dict)
    for (section, cds, item, group, origin), fig in read_data_csv(root, year).items():
        if section in ("indicator", "growth") and "n" in fig:
            tables[(section, cds, item, origin)][group] = float(fig["n"][0]) if shown(fig["n"][0]) else None
    return tables


def _own(cde: dict[str, float] | None, origin: str, true_n) -> dict[str, float] | None:
    """CDE's published figures of a table; for our own recomputation (origin district), those of
    its groups with the same n: the same figures, as public."""
    if not cde or origin == "cde":
        return cde
    return {g: n for g, n in cde.items() if true_n(g) == n}


def test_no_hidden_group_follows_by_subtraction_in_data_csv(root, truth):
    """Within each configured family (groups adding up to all students), per school, indicator and
    origin, and per growth subject: hidden groups leave at least 11 students to subtraction."""
    problems, families_with_hidden = [], 0
    cde = cde_published(root / "raw")
    for year in YEARS:
        for key, counts in data_csv_tables(root, year).items():
            section, cds, item, origin = key
            own = _own(cde.get((year, "S", cds, item)) if section == "indicator" else None, origin,
                       lambda g: truth["indicator"].get((year, "S", cds, item, origin, g)))
            problems += residual_problems(f"{year} data.csv {' '.join(key)}", counts, own)
            families_with_hidden += any(g in f and n is None for f in FAMILIES for g, n in counts.items())
    assert not problems, "\n".join(problems)
    assert families_with_hidden > 20


def test_no_hidden_group_follows_by_subtraction_on_the_scorecards(root, truth):
    """The same on every indicator's column of the student-group matrix of every HTML and PDF
    scorecard: a reader who takes the size of each group shown from data.csv (here: its true size)
    and knows every group with students (here: from the raw files) must not work out a hidden one."""
    problems, hidden_cells = [], 0
    cde = cde_published(root / "raw")
    for year in YEARS:
        for folder in schools(root, year):
            cds = folder.name
            for lang in LANGS:
                grid = group_grid(root, year, cds, lang)
                for k, (indicator, origin) in enumerate(grid["columns"]):
                    sizes = true_groups(truth, year, cds, indicator, origin)
                    own = None if indicator.startswith("growth_") else \
                        _own(cde.get((year, "S", cds, indicator)), origin, sizes.get)
                    for medium in ("html", "pdf"):
                        counts = {}
                        for g, n in sizes.items():
                            row = grid["rows"].get(g)
                            cell = row[medium][k] if row else None
                            text = (cell or {}).get("text", "") if medium == "html" else cell or ""
                            counts[g] = float(n) if re.search(r"\d", text) else None
                        hidden_cells += sum(v is None for v in counts.values())
                        problems += residual_problems(f"{year} {cds} {lang} {medium} {indicator} {origin}", counts, own)
    assert not problems, "\n".join(problems)
    assert hidden_cells > 100


def _parquet_tables(rows: list[dict], cell: tuple[str, ...]) -> dict[tuple, dict[str, float | None]]:
    tables: dict[tuple, dict[str, float | None]] = defaultdict(dict)
    for r in rows:
        tables[tuple(r[c] for c in cell)][r["student_group"]] = None if r["n"] is None else float(r["n"])
    return tables


def test_no_hidden_cell_follows_by_subtraction_in_indicator_parquet(root, truth):
    """indicator_results.parquet, schools and district: within each family, and from the district
    row minus its schools (a hidden school's group must not follow from the district's)."""
    rows = parquet(root, "indicator_results", "rtype IN ('S', 'D')")
    problems = []
    cde = cde_published(root / "raw")
    for key, counts in _parquet_tables(rows, ("school_year", "rtype", "cds", "indicator", "origin")).items():
        year, rtype, cds, indicator, origin = key
        own = _own(cde.get(key[:4]), origin, lambda g: truth["indicator"].get((year, rtype, cds, indicator, origin, g)))
        problems += residual_problems(f"indicator_results {' '.join(map(str, key))}", counts, own)
    district: dict[tuple, dict] = defaultdict(lambda: {"total": None, "shown": 0.0, "hidden": []})
    for r in rows:
        d = district[(r["school_year"], r["cds"][:7], r["indicator"], r["origin"], r["student_group"])]
        if r["rtype"] == "D":
            d["total"] = r["n"]
        elif r["n"] is None:
            d["hidden"].append(r["cds"])
        else:
            d["shown"] += float(r["n"])
    hierarchy = 0
    for key, d in district.items():
        if d["hidden"] and d["total"] is not None:
            hierarchy += 1
            if float(d["total"]) - d["shown"] < P.min_n:
                problems.append(f"indicator_results {' '.join(key)}: district n {d['total']} minus the schools shown "
                                f"leaves {float(d['total']) - d['shown']:g} for hidden school(s) {d['hidden']}")
    assert not problems, "\n".join(problems)
    assert hierarchy > 5


def test_no_hidden_group_follows_by_subtraction_in_growth_parquet(root):
    rows = parquet(root, "growth")
    problems = []
    for key, counts in _parquet_tables(rows, ("school_year", "rtype", "cds", "subject")).items():
        problems += residual_problems(f"growth {' '.join(map(str, key))}", counts)
    assert not problems, "\n".join(problems)


def test_last_years_hidden_or_coded_figures_do_not_come_back_through_this_year(root):
    """This year's change (status minus change is last year's status) and prior-year columns never
    show a cell that last year's outputs hid or coded: in data.csv and in the Parquet copy."""
    year, prior = YEARS[1], YEARS[0]
    then = read_data_csv(root, prior)
    problems, compared = [], 0
    for (section, cds, item, group, origin), fig in read_data_csv(root, year).items():
        if section != "indicator" or not shown(fig.get("change", ("",))[0]):
            continue
        compared += 1
        old = then.get((section, cds, item, group, origin))
        if old is None:
            continue  # no such row last year (e.g. LTEL before the 2024 Dashboard): nothing was withheld
        if not shown(old.get("status", ("",))[0]) or shown(old.get("status_bound", ("",))[0]):
            problems.append(f"data.csv {year} {cds} {item} {group} {origin}: change {fig['change'][0]} shown, "
                            f"but {prior} showed {old}")
    key = ("cds", "rtype", "indicator", "origin", "student_group")
    last = {tuple(r[c] for c in key): r for r in parquet(root, "indicator_results", f"school_year = '{prior}'")}
    for r in parquet(root, "indicator_results", f"school_year = '{year}'"):
        old = last.get(tuple(r[c] for c in key))
        where = f"indicator_results {year} {' '.join(r[c] for c in key)}"
        if old is None:
            continue  # no such row last year: nothing was withheld
        hidden_then, coded_then = old["n"] is None, old["status_bound"] is not None
        if r["prior_n"] is not None and hidden_then:
            problems.append(f"{where}: prior_n {r['prior_n']} shown, hidden in {prior}")
        for f in ("prior_status", "change", "published_change"):
            if r[f] is not None and (hidden_then or coded_then):
                problems.append(f"{where}: {f} {r[f]} shown, but {prior} showed n={old['n']} "
                                f"status={old['status']} bound={old['status_bound']}")
    assert not problems, "\n".join(problems)
    assert compared > 50


def test_hidden_and_coded_rows_carry_no_published_cde_value(root):
    """CDE's own figures kept beside ours (published_*) would undo the suppression and the coding."""
    problems = [f"{r['school_year']} {r['cds']} {r['indicator']} {r['student_group']} {r['origin']}: {f} = {r[f]}"
                for r in parquet(root, "indicator_results", "suppressed OR status_bound IS NOT NULL")
                for f in ("published_status", "published_change", "published_status_level", "published_change_level",
                          "published_color", "published_box")
                if r[f] not in (None, 0)]
    assert not problems, "\n".join(problems)


# ----------------------------------------------------------------------------- (c) small groups' rates are coded

def rate_shown_ok(value: float) -> bool:
    return P.bottom_code_at < value < P.top_code_at


def test_small_groups_rates_are_top_and_bottom_coded(root, truth):
    """No rate of a group under 30 students is shown at or below 5.0 % or at or above 95.0 %: in
    data.csv, every rate indicator's column of the HTML and PDF student-group matrix, and the Parquet
    copy (this year's and prior-year rates), except a rate CDE's own file publishes (public already:
    it stays as CDE publishes it, issue #19)."""
    problems, coded, kept = [], 0, []
    cde = cde_published(root / "raw")

    def public(year, rtype, cds, item, group, origin, n) -> bool:
        published = cde.get((year, rtype, cds, item), {}).get(group)
        if published is not None and (origin == "cde" or published == n):
            kept.append((year, cds, item, group, origin))
            return True
        return False

    for year in YEARS:
        for (section, cds, item, group, origin), fig in read_data_csv(root, year).items():
            n = truth["indicator"].get((year, "S", cds, item, origin, group))
            if section != "indicator" or item not in RATE_INDICATORS or n is None or not P.min_n <= n < P.color_min_n:
                continue
            if public(year, "S", cds, item, group, origin, n):
                continue
            status, bound = fig.get("status", ("",))[0], fig.get("status_bound", ("",))[0]
            if shown(bound):
                coded += 1
                if bound not in (f"<={P.bottom_code_at:.1f}", f">={P.top_code_at:.1f}") or shown(status) \
                        or shown(fig.get("change", ("",))[0]):
                    problems.append(f"{year} {cds} {item} {group} {origin}: coded {bound} with status {status!r}")
            elif shown(status) and not rate_shown_ok(float(status)):
                problems.append(f"data.csv {year} {cds} {item} {group} {origin}: {status} % for {n} students")
        for folder in schools(root, year):
            for lang in LANGS:
                grid = group_grid(root, year, folder.name, lang)
                for code, row in grid["rows"].items():
                    for (indicator, origin), html, pdf in zip(grid["columns"], row["html"], row["pdf"]):
                        n = true_n(truth, year, folder.name, indicator, origin, code)
                        if html is None or indicator not in RATE_INDICATORS or not P.min_n <= n < P.color_min_n:
                            continue
                        if public(year, "S", folder.name, indicator, code, origin, n):
                            continue
                        text = html["status"]
                        where = f"{year} {folder.name} {lang} {indicator} {origin} {code}"
                        if re.search(r"\d", text) and not BOUND_TEXT.match(text) and not rate_shown_ok(number(text, lang)):
                            problems.append(f"{where}: {text} for {n} students")
                        if not pdf.startswith(re.sub(r"([≤≥])\s+", r"\1", text)):
                            problems.append(f"{where}: PDF {pdf!r}, HTML {text}")
    for r in parquet(root, "indicator_results", "rtype IN ('S', 'D')"):
        if r["indicator"] not in RATE_INDICATORS:
            continue
        prior_year = YEARS[YEARS.index(r["school_year"]) - 1] if YEARS.index(r["school_year"]) else None
        for n, value, f, year in ((r["n"], r["status"], "status", r["school_year"]),
                                  (r["prior_n"], r["prior_status"], "prior_status", prior_year)):
            if year and public(year, r["rtype"], r["cds"], r["indicator"], r["student_group"], r["origin"], n):
                continue
            if f == "prior_status" and r["origin"] == "cde" and r.get("published_change") is not None:
                continue  # CDE's file publishes this year's change, and so last year's status
            if value is not None and n is not None and n < P.color_min_n and not rate_shown_ok(float(value)):
                problems.append(f"parquet {r['school_year']} {r['cds']} {r['indicator']} {r['student_group']} "
                                f"{r['origin']}: {f} {value} for {n} students")
    assert not problems, "\n".join(problems)
    # every small-group rate of the tiny run is CDE's own (kept as published) or coded
    assert coded + len(set(kept)) >= 3


# ----------------------------------------------------------------------------- (d) identifiers; the right principal

@pytest.fixture(scope="module")
def student_ids(root) -> re.Pattern:
    from conftest import student_id_pattern

    return student_id_pattern(root / "raw")


def test_no_student_identifier_in_file_names_or_pdf_metadata(root, student_ids):
    names = 0
    for path in (root / "out").rglob("*"):
        assert not student_ids.search(str(path.relative_to(root))), f"student identifier in the name {path}"
        names += 1
        if path.suffix == ".pdf":
            reader = PdfReader(path)
            info = {str(k): str(v) for k, v in (reader.metadata or {}).items()}
            xmp = reader.xmp_metadata.stream.get_data().decode("utf-8") if reader.xmp_metadata else ""
            assert info.get("/Title") and xmp, f"{path.name}: expected a title and an XMP packet"
            assert not student_ids.search(repr(info) + xmp), f"student identifier in the metadata of {path}"
    assert names > 60


def test_each_principal_gets_only_their_schools_pdfs_and_no_identifier(root, student_ids):
    """Every e-mail of the dry-run outbox: headers, text and attachment names free of student ids;
    its attachments are byte for byte the PDFs of the school it is addressed for, and no other."""
    messages = 0
    for year in YEARS:
        outbox = root / "out" / year / "outbox"
        directory = {r["cds"]: r for r in csv.DictReader((root / "raw" / "directory.csv").open(encoding="utf-8"))}
        for path in sorted(outbox.glob("*.eml")):
            cds = path.stem
            msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            text = "\n".join(f"{k}: {v}" for k, v in msg.items())
            attached = {}
            for part in msg.walk():
                if part.get_content_maintype() == "multipart":
                    continue
                if part.get_filename():
                    attached[part.get_filename()] = hashlib.sha256(part.get_payload(decode=True)).hexdigest()
                    text += "\n" + part.get_filename()
                else:
                    text += "\n" + part.get_content()
            assert not student_ids.search(text), f"student identifier in {path.relative_to(root)}"
            assert directory[cds]["principal_email"] in msg["To"], f"{path.name} is not addressed to {cds}'s principal"
            folder = root / "out" / year / "schools" / cds
            # attached as <school>_<year>_<lang>.pdf: compared with scorecard.<lang>.pdf by language
            own = {f"{p.name.split('.')[1]}": hashlib.sha256(p.read_bytes()).hexdigest()
                   for p in folder.glob("scorecard.*.pdf")}
            attached = {name.rsplit("_", 1)[1].removesuffix(".pdf"): digest for name, digest in attached.items()
                        if name.endswith(f"_{year}_" + name.rsplit("_", 1)[1])}
            assert attached and set(attached) <= set(own), f"{path.name}: attachments {sorted(attached)}"
            assert all(attached[name] == own[name] for name in attached), f"{path.name}: not {cds}'s own PDFs"
            messages += 1
    assert messages >= 6


# ----------------------------------------------------------------------------- the added rules, on hand-worked cases

def _results(rows, indicator="chronic"):
    """indicator_results rows: (rtype, cds, group, n_raw, status, prior_n, prior_status, change)."""
    import pandas as pd

    df = pd.DataFrame(rows, columns=["rtype", "cds", "student_group", "n_raw", "status", "prior_n", "prior_status",
                                     "change"])
    df["indicator"], df["origin"] = indicator, "district"
    df["suppressed"] = df["n_raw"] < P.min_n
    df["note"] = df["suppressed"].map({True: "n_lt_11", False: None})
    df["n"] = df["n_raw"].where(~df["suppressed"])
    df["status"] = df["status"].where(~df["suppressed"])
    for c in ("status_level", "change_level", "color", "box"):
        df[c] = 3
    df["published_status"], df["published_change"] = df["status"], df["change"]
    return df


def test_rule_district_row_hidden_when_its_schools_give_a_hidden_school_away():
    from pipeline.scoring.privacy import protect_results

    school_a, school_b, lea = "19754160000001", "19754160000002", "19754160000000"
    out = protect_results(_results([("S", school_a, "HOM", 4, 50.0, None, None, None),
                                    ("S", school_b, "HOM", 30, 20.0, None, None, None),
                                    ("D", lea, "HOM", 34, 23.5, None, None, None)]), P).set_index("cds")
    # 34 - 30 = 4 students of school A would follow from the district row: it is hidden
    assert out.loc[lea, "note"] == "complementary" and pd_isna(out.loc[lea, "status"]) and pd_isna(out.loc[lea, "n"])
    assert out.loc[school_b, "status"] == 20.0


def test_rule_prior_year_hidden_or_coded_last_year_stays_hidden():
    from pipeline.scoring.privacy import protect_results

    cds = "19754160000001"
    out = protect_results(_results([
        ("S", cds, "ALL", 200, 20.0, 200, 22.0, -2.0),
        ("S", cds, "HI", 150, 20.0, 150, 21.0, -1.0),
        ("S", cds, "WH", 40, 25.0, 45, 30.0, -5.0),   # last year: 45 WH, 5 AS -> WH hidden with AS
        ("S", cds, "AS", 12, 10.0, None, None, None),  # last year 5 AS: prior_n not there
        ("S", cds, "SWD", 25, 8.0, 20, 0.0, 8.0),      # last year 0.0 % of 20: coded "<= 5.0"
    ]), P).set_index("student_group")
    assert pd_isna(out.loc["WH", "prior_status"]) and pd_isna(out.loc["WH", "change"]) and pd_isna(out.loc["WH", "prior_n"])
    assert pd_isna(out.loc["WH", "published_change"]) and out.loc["WH", "status"] == 25.0
    assert pd_isna(out.loc["SWD", "prior_status"]) and pd_isna(out.loc["SWD", "change"]) and out.loc["SWD", "prior_n"] == 20
    assert out.loc["HI", "change"] == -1.0 and out.loc["ALL", "change"] == -2.0


def test_rule_growth_groups_hidden_until_eleven_students_are_hidden():
    import pandas as pd

    from pipeline.scoring.privacy import protect_growth

    rows = [("ALL", 60, 1.0), ("HI", 40, 2.0), ("AA", 12, -1.0), ("WH", 3, None), ("AS", 5, None), ("EL", 20, 0.5)]
    df = pd.DataFrame(rows, columns=["student_group", "n_raw", "mean"])
    df["cds"], df["rtype"], df["subject"] = "19754160000001", "S", "ELA"
    df["suppressed"] = df["n_raw"] < P.min_n
    df["note"] = df["suppressed"].map({True: "n_lt_11", False: None})
    df["n"] = df["n_raw"].where(~df["suppressed"])
    df["category_allowed"] = df["n_raw"] >= P.color_min_n
    out = protect_growth(df.drop(columns="n_raw"), P).set_index("student_group")
    # 60 - 40 - 12 = 8 hidden: AA (12) is hidden too
    assert out.loc["AA", "note"] == "complementary" and pd.isna(out.loc["AA", "mean"]) and pd.isna(out.loc["AA", "n"])
    assert out.loc["HI", "mean"] == 2.0 and out.loc["EL", "mean"] == 0.5
    assert protect_growth(out.reset_index(), P).equals(out.reset_index())  # twice changes nothing


def pd_isna(value) -> bool:
    import pandas as pd

    return value is None or bool(pd.isna(value))
