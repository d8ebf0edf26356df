"""HTML rendering of scorecards and the index page (Jinja2, autoescaped, gettext-translated).

The web pages are self-contained: stylesheet, font (base64) and charts (SVG data URIs) are
inline, so opening a page makes no request. The PDF path renders the same template without
the inline stylesheet (``css_inline=False``) and lets :mod:`pipeline.render.pdf` apply the
stylesheet it parsed once per worker.
"""

from __future__ import annotations

import base64
import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path

import jinja2
from markupsafe import Markup

from pipeline.render.data_csv import data_file_name
from pipeline.render import raster
from pipeline.render.charts import color_gauge, interval_chart, level_meter, trend_chart
from pipeline.render.i18n import (
    SCHOOL_TYPE_CONTEXT,
    SUPPORTED_LANGUAGES,
    TEMPLATES_DIR,
    check_language,
    get_translations,
    language_name,
)

CSS_PATH = TEMPLATES_DIR / "scorecard.css"        # shared: web page and PDF
SCREEN_CSS_PATH = TEMPLATES_DIR / "screen.css"    # browsers only (responsive rules)
INDEX_CSS_PATH = TEMPLATES_DIR / "index.css"      # index page only

# Legend marks for the model's note codes: three marks, each explained in words in the one legend
# (every reason a figure is withheld for privacy shares "*"; screen readers hear the reason itself).
# "Does not apply" has no mark: the page says it in words.
NOTE_SYMBOLS = {"n_lt_11": "*", "complementary": "*", "n_lt_10": "*", "no_color_lt_30": "†", "no_data": "—"}
LEGEND_MARKS = (("*", "privacy"), ("†", "no_color_lt_30"), ("—", "no_data"))
NOTE_CODES = frozenset(NOTE_SYMBOLS) | {"not_applicable"}


def note_symbol(code: str | None) -> str:
    return NOTE_SYMBOLS.get(code or "no_data", NOTE_SYMBOLS["no_data"])


@functools.lru_cache(maxsize=None)
def get_environment(lang: str) -> jinja2.Environment:
    """The Jinja2 environment for one language (translations installed, autoescape on)."""
    check_language(lang)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(get_translations(lang), newstyle=True)
    env.globals.update(note_symbol=note_symbol, gauge_uri=color_gauge, meter_uri=level_meter,
                       legend_marks=LEGEND_MARKS)
    return env


_URL_RE = re.compile(r"""url\(\s*(['"]?)(fonts/[^'")]+)\1\s*\)""")
_MIME = {".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf", ".otf": "font/otf"}


@functools.lru_cache(maxsize=None)
def inline_css(path: Path = CSS_PATH) -> str:
    """A stylesheet with its ``url(fonts/...)`` references replaced by base64 data URIs."""
    text = path.read_text(encoding="utf-8")

    def embed(match: re.Match) -> str:
        font = path.parent / match.group(2)
        data = base64.b64encode(font.read_bytes()).decode("ascii")
        return f'url("data:{_MIME.get(font.suffix, "application/octet-stream")};base64,{data}")'

    # "</" cannot close the <style> element: no such sequence in our CSS, but be safe.
    return _URL_RE.sub(embed, text).replace("</", "<\\/")


def _require(mapping: Mapping, keys: Sequence[str], where: str) -> None:
    missing = [k for k in keys if k not in mapping]
    if missing:
        raise ValueError(f"scorecard model: {where} lacks {', '.join(missing)}")


def _check_note(note, where: str) -> None:
    if note is not None and note not in NOTE_CODES:
        raise ValueError(f"scorecard model: {where} has unknown note {note!r}")


def _view(page: Mapping, charts: bool = True) -> dict:
    """Check the page's required keys and note codes and add the renderer's own fields (charts).

    A page made by ``present`` from a typed model always has its keys; the checks catch a page
    made by hand (tests, benchmarks) and a note code the legend does not explain.
    """
    _require(page, ("lang", "title", "school_year", "school", "indicators"), "model")
    _require(page["school"], ("cds", "name"), "model['school']")
    lang = check_language(page["lang"])
    view = dict(page)
    for key in ("groups", "overall", "growth", "climate", "measures", "csv_href", "xlsx_href", "links"):
        view.setdefault(key, None)
    view.setdefault("legend", True)
    if view["links"]:  # each language named in itself ("Español")
        view["links"] = {**view["links"], "languages": [{**o, "name": language_name(o["lang"])}
                                                        for o in view["links"]["languages"]]}
    view.setdefault("methodology", [])
    # the web page draws each indicator's years as a chart in its table row; the PDF prints them
    # as figures (charts=False), which keeps a typical school to two pages and WeasyPrint fast
    width, height = 165, 82
    indicators = []
    for i, ind in enumerate(page["indicators"]):
        _require(ind, ("label", "status"), f"indicators[{i}]")
        _check_note(ind.get("note"), f"indicators[{i}]")
        item = dict(ind)
        uri, alt = (trend_chart(ind.get("trend") or [], lang=lang, title=ind["label"], width=width, height=height)
                    if charts else (None, None))
        item["chart_uri"], item["chart_alt"] = uri, alt
        indicators.append(item)
    view["indicators"] = indicators
    groups = page.get("groups") or {}
    for t, table in enumerate(groups.get("tables") or []):
        _require(table, ("indicator_label", "rows"), f"groups.tables[{t}]")
        for i, row in enumerate(table["rows"]):
            _require(row, ("group", "status"), f"groups.tables[{t}].rows[{i}]")
            _check_note(row.get("note"), f"groups.tables[{t}].rows[{i}]")
    growth = page.get("growth")
    if growth:
        subjects = []
        for i, subject in enumerate(growth.get("subjects") or []):
            _require(subject, ("label", "mean"), f"growth.subjects[{i}]")
            _check_note(subject.get("note"), f"growth.subjects[{i}]")
            item = dict(subject)
            item["chart_uri"], item["chart_alt"] = None, None
            if subject.get("chart") and subject.get("mean") is not None:
                item["chart_uri"], item["chart_alt"] = interval_chart(subject["chart"], lang=lang,
                                                                      title=subject["label"], width=170, height=56)
            subjects.append(item)
        view["growth"] = {**growth, "subjects": subjects}
    topics: list[str] = []
    for i, group in enumerate((page.get("climate") or {}).get("groups") or []):
        _require(group, ("label", "domains"), f"climate.groups[{i}]")
        _check_note(group.get("note"), f"climate.groups[{i}]")
        for j, domain in enumerate(group["domains"]):
            _require(domain, ("label", "school"), f"climate.groups[{i}].domains[{j}]")
            _check_note(domain.get("note"), f"climate.groups[{i}].domains[{j}]")
            if domain["label"] not in topics:
                topics.append(domain["label"])
    if page.get("climate"):
        # one table: a row for every topic any group was asked about, in the order they come
        view["climate"] = {**page["climate"], "topics": topics}
    for i, domain in enumerate((page.get("measures") or {}).get("domains") or []):
        for j, row in enumerate(domain.get("rows") or []):
            _require(row, ("label", "value"), f"measures.domains[{i}].rows[{j}]")
            _check_note(row.get("note"), f"measures.domains[{i}].rows[{j}]")
    return view


def render_scorecard_html(page: Mapping, css_inline: bool = True) -> str:
    """Render one school's scorecard page to an HTML string.

    ``page`` is a scorecard model presented in one language,
    :func:`pipeline.render.present.present` ``(model, lang)``: nested dicts, every figure already
    formatted and every label translated. Required keys: ``lang``, ``title``, ``school_year``,
    ``school.cds``, ``school.name``, ``indicators[].label`` and ``indicators[].status``; note codes
    must be ``n_lt_11``, ``complementary``, ``no_color_lt_30``, ``n_lt_10`` (fewer than 10 survey
    respondents), ``no_data`` or ``None``. The page is not modified.

    ``css_inline=True`` gives the self-contained web page (stylesheet and font inline).
    ``css_inline=False`` leaves the stylesheet out: that is the HTML for
    :func:`pipeline.render.pdf.render_pdfs`, which applies its shared parsed stylesheet.

    Optional page fields the template uses beyond the contract: none required; missing
    optional keys (``overall``, ``measures``, ``growth``, ``climate``, ``groups``, ``legend``,
    ``methodology``, ``csv_href``, ``xlsx_href``, school details) are simply left out of the page. Growth
    subjects with a ``chart`` get an interval chart (:func:`pipeline.render.charts.interval_chart`).
    """
    view = _view(page, charts=css_inline)
    template = get_environment(view["lang"]).get_template("scorecard.html.j2")
    css = Markup(inline_css() + "\n" + inline_css(SCREEN_CSS_PATH)) if css_inline else None
    # print=True: the PDF travels alone (an e-mail attachment), so it carries no relative link
    # the PDF's gauges and meters are PNGs behind short URLs (pipeline/render/raster.py: WeasyPrint
    # draws SVG node by node); the web page keeps its self-contained SVGs
    images = {} if css_inline else {"gauge_uri": raster.gauge_url, "meter_uri": raster.meter_url}
    return template.render(m=view, css=css, print=not css_inline, **images)


def _search_key(*parts: object) -> str:
    text = " ".join(str(p) for p in parts if p)
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


_CDS_RE = re.compile(r"^\d{14}$")


def render_index_html(schools: Sequence[Mapping], school_year: str, lang: str = "en",
                      title: str | None = None, district: str | None = None,
                      others: Sequence[Mapping] = (), data_as_of: str | None = None) -> str:
    """Render the index page listing every school, with client-side search and sorting.

    Each item of ``schools`` is a mapping:

    ``cds`` (str, required)
        14-digit CDS code; the school's files are linked as
        ``schools/<cds>/scorecard.<lang>.html``, ``schools/<cds>/scorecard.<lang>.pdf`` and
        ``schools/<cds>/data.csv`` (``data.<lang>.csv`` in another language; relative to the index page).
    ``name`` (str, required)
        School name.
    ``level`` (str, optional)
        Overall rating level (e.g. ``"Developing"``) or school type (``"Elementary"``). English
        source labels are translated (school types with gettext context ``"school type"``);
        other text is shown as given.
    ``level_rank`` (int, optional)
        Sort key for the level column (e.g. 1 elementary, 2 middle, 3 high); default: text order.
    ``tier`` (str, optional)
        Tier label as shown, e.g. ``"Tier 2"`` or ``"High need"`` (translated if it is a
        catalog message, otherwise shown as given).
    ``tier_rank`` (int or float, optional)
        Sort key for the tier column; default: text order.
    ``grade_span`` (str, optional)
        e.g. ``"TK–5"``.
    ``languages`` (list of str, optional)
        Languages whose scorecard files exist; default :data:`SUPPORTED_LANGUAGES`.

    ``district`` is shown above the title when given; ``title`` defaults to
    "School scorecards <school_year>". ``others`` lists this index in the other languages
    (``lang``, ``href``): the page offers a switch to each. Each language's files are named in
    that language ("página web" for the Spanish page, whatever the index's language).
    ``data_as_of`` ("Data as of December 6, 2026", from
    :func:`pipeline.render.present.present_date`) is shown under the title when given.
    """
    check_language(lang)
    translations = get_translations(lang)
    rows = []
    for i, school in enumerate(schools):
        _require(school, ("cds", "name"), f"schools[{i}]")
        cds = str(school["cds"])
        if not _CDS_RE.match(cds):
            raise ValueError(f"schools[{i}]: cds must be 14 digits, got {cds!r}")
        level = school.get("level") or ""
        level_shown = translations.pgettext(SCHOOL_TYPE_CONTEXT, level) if level else ""
        if level_shown == level:  # not a school type: e.g. an overall rating level
            level_shown = translations.gettext(level)
        tier = school.get("tier") or ""
        tier_shown = translations.gettext(tier) if tier else ""
        languages = [check_language(code) for code in (school.get("languages") or SUPPORTED_LANGUAGES)]
        base = f"schools/{cds}/"
        rows.append({
            "cds": cds,
            "name": school["name"],
            "level": level_shown,
            "level_rank": school.get("level_rank", ""),
            "tier": tier_shown,
            "tier_rank": school.get("tier_rank", ""),
            "grade_span": school.get("grade_span") or "",
            "search": _search_key(school["name"], cds, level_shown, tier_shown,
                                  school.get("grade_span")),
            "files": [{"lang": code, "name": language_name(code),
                       "web_page": get_translations(code).gettext("web page"),
                       "html": f"{base}scorecard.{code}.html",
                       "pdf": f"{base}scorecard.{code}.pdf"} for code in languages],
            "csv": f"{base}{data_file_name(lang)}",
        })
    rows.sort(key=lambda r: _search_key(r["name"]))
    template = get_environment(lang).get_template("index.html.j2")
    css = Markup("\n".join(inline_css(path) for path in (CSS_PATH, SCREEN_CSS_PATH, INDEX_CSS_PATH)))
    return template.render(lang=lang, rows=rows, school_year=school_year, css=css,
                           title=title, district=district, data_as_of=data_as_of,
                           others=[{**o, "name": language_name(o["lang"])} for o in others])
