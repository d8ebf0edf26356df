"""Rendering: HTML (en/es), index page, PDFs through the worker pool, charts, translations."""
from __future__ import annotations

import copy
import getpass
import html as html_lib
import re
import shutil
import socket
import subprocess
import sys
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline.render import charts, i18n
from pipeline.render.html import CSS_PATH, render_index_html, render_scorecard_html
from pipeline.render.present import _group_matrix
from pipeline.render.sample import sample_model

REPO = Path(__file__).resolve().parent.parent
HOSTILE = "<script>alert(1)</script>"


# --------------------------------------------------------------------------- fixtures

def contract_page(lang: str = "en", name: str = "Dolores Huerta Elementary") -> dict:
    """A page (what present(model, lang) gives the template) written out literally, with
    suppressed rows: the renderer's contract, checked without the presenter."""
    es = lang == "es"
    return {
        "lang": lang,
        "title": f"{name} — {'Informe de resultados escolares' if es else 'School Scorecard'} 2023-24",
        "school_year": "2023-24",
        "school": {"cds": "19754160000001", "name": name,
                   "district": "Sample Unified School District", "county": "Los Angeles",
                   "principal": "Ana López", "grade_span": "TK–5",
                   "school_type": "Primaria" if es else "Elementary", "enrollment": "642",
                   "demographics": [{"label": "Hispanos o latinos" if es else "Hispanic or Latino",
                                     "value": "78.2%"}]},
        "indicators": [
            {"key": "chronic", "label": "Ausentismo crónico" if es else "Chronic absenteeism",
             "source": "District attendance export", "status": "23.4%", "change": "−2.1",
             "change_direction": "better",
             "change_words": "Disminuyó 2.1 puntos" if es else "Declined 2.1 points",
             "status_level": "Muy alto" if es else "Very high", "color": "Anaranjado" if es else "Orange",
             "color_code": 2, "n": "412", "note": None,
             "trend": [{"year": "2021-22", "value": 30.1, "label": "30.1%"},
                       {"year": "2022-23", "value": 25.5, "label": "25.5%"},
                       {"year": "2023-24", "value": 23.4, "label": "23.4%"}]},
            {"key": "elpi", "label": "Progreso de los estudiantes de inglés" if es else "English learner progress",
             "source": "California School Dashboard", "status": None, "change": None,
             "change_direction": None, "change_words": None, "status_level": None, "color": None,
             "color_code": 0, "n": None, "note": "n_lt_11", "trend": []},
        ],
        "groups": _group_matrix([{
            "key": "chronic", "indicator_label": "Ausentismo crónico" if es else "Chronic absenteeism",
            "colors": True, "origin": "district",
            "rows": [
                {"group": "Todos los estudiantes" if es else "All students", "status": "23.4%", "change": "−2.1",
                 "gap": None, "n": "412", "color": "Anaranjado" if es else "Orange", "color_code": 2, "note": None},
                {"group": "Filipinos" if es else "Filipino", "status": "12.0%", "change": None, "gap": "−11.4",
                 "n": "25", "color": None, "color_code": 0, "note": "no_color_lt_30"},
            ],
            "hidden_groups": [{"group": "Jóvenes de crianza temporal" if es else "Foster youth", "note": "n_lt_11"}],
            "hidden": None,
        }, {
            "key": "susp", "indicator_label": "Tasa de suspensión" if es else "Suspension rate",
            "colors": True, "origin": "cde",
            "rows": [
                {"group": "Todos los estudiantes" if es else "All students", "status": "3.1%", "change": "+0.2",
                 "gap": None, "n": "412", "color": "Amarillo" if es else "Yellow", "color_code": 3, "note": None},
                {"group": "Jóvenes de crianza temporal" if es else "Foster youth", "status": "4.0%", "change": None,
                 "gap": "+0.9", "n": "31", "color": "Amarillo" if es else "Yellow", "color_code": 3, "note": None},
            ],
            "hidden_groups": [{"group": "Filipinos" if es else "Filipino", "note": "complementary"},
                              {"group": "Jóvenes sin hogar" if es else "Homeless youth", "note": "n_lt_11"}],
            "hidden": None,
        }], lambda text: text),
        "legend": True,
        "methodology": ["Status is this year's result.", "Change compares it with last year."],
        "csv_href": "data.csv",
        "overall": {
            "rated": True, "level": 2, "levels": 5, "level_label": "Necesita apoyo" if es else "Needs support",
            "level_of": "Nivel 2 de 5" if es else "Level 2 of 5", "score": "47.6", "district_average": "45.8",
            "peer_tier": "Menor necesidad" if es else "Lowest need", "peer_average": "54.4",
            "peer_schools": "4", "peer_percentile": "67",
            "peer_sentence": "por encima de 2 de las 3 otras escuelas" if es else "higher than 2 of the 3 other schools",
            "next_level": "En desarrollo" if es else "Developing", "points_to_next": "2.4",
            "next_sentence": "Faltan 2.4 puntos" if es else "2.4 more points to reach “Developing”",
            "top_level": False,
            "ladder": [{"level": n, "label": label, "range": span, "current": n == 2} for n, label, span in (
                (1, "Needs intensive support", "below 35"), (2, "Needs support", "35 to 49.9"),
                (3, "Developing", "50 to 64.9"), (4, "Strong", "65 to 79.9"), (5, "Excelling", "80 or more"))],
            "equity": {"tier": "Menor necesidad" if es else "Lowest need", "tier_rank": 5,
                       "need_rank": "19", "schools": "19"},
        },
        "measures": {"domains": [
            {"key": "culture_climate", "label": "Culture and climate", "weight": "40%", "rows": [
                {"key": "chronic", "label": "Chronic absenteeism (%)", "higher_is_better": False, "value": "26.1%",
                 "level": "3", "level_code": 3, "weight": "15%", "improvement": "1.1 points lower", "top": False,
                 "missing": None, "note": None},
                {"key": "elpi", "label": "English learner progress (%)", "higher_is_better": True, "value": None,
                 "level": None, "level_code": None, "weight": None, "improvement": None, "top": False,
                 "missing": "No data", "note": "no_data"},
            ]},
        ]},
        "growth": {"subjects": [
            {"key": "ELA", "label": "Artes lingüísticas en inglés" if es else "English language arts",
             "n": "45", "mean": "−6.4", "ci_low": "−18.1", "ci_high": "+5.2", "interval": "−18.1 to +5.2",
             "estimate": "−2.7", "reading": "About as expected", "reading_code": "expected", "reading_note": None,
             "note": None, "chart": {"value": -6.4, "low": -18.1, "high": 5.2, "label": "−6.4",
                                     "low_label": "−18.1", "high_label": "+5.2"}},
            {"key": "MATH", "label": "Matemáticas" if es else "Mathematics", "n": None, "mean": None,
             "ci_low": None, "ci_high": None, "interval": None, "estimate": None, "reading": None,
             "reading_code": None, "reading_note": None, "note": "n_lt_11", "chart": None},
        ]},
        "climate": {"groups": [
            {"key": "student", "label": "Estudiantes" if es else "Students", "respondents": "58", "invited": "75",
             "response_rate": "77.3%", "response": "77.3% (58 of 75)", "note": None, "domains": [
                 {"label": "Seguridad" if es else "Safety", "school": "79.5%", "district": "69.2%", "note": None},
                 {"label": "Rigor académico" if es else "Academic rigor", "school": None, "district": "72.9%",
                  "note": "n_lt_10"}]},
            {"key": "staff", "label": "Personal" if es else "Staff", "respondents": None, "invited": None,
             "response_rate": None, "response": None, "note": "n_lt_10", "domains": [
                 {"label": "Colaboración" if es else "Collaboration", "school": None, "district": "51.6%",
                  "note": "n_lt_10"}]},
        ]},
    }


SCHOOLS = [
    {"cds": "19754160000001", "name": "Dolores Huerta Learning Academy", "level": "TK–12 span",
     "level_rank": 4, "tier": "Tier 2", "tier_rank": 2, "grade_span": "TK–12"},
    {"cds": "19754160000002", "name": "Ánimo César Chávez Elementary", "level": "Elementary",
     "level_rank": 1, "tier": "Tier 1", "tier_rank": 1, "grade_span": "TK–5"},
    {"cds": "19754160000003", "name": HOSTILE, "level": "High", "grade_span": "9–12",
     "languages": ["en"]},
]

_URL_ATTR = re.compile(r"""(?:src|href|action|poster|srcset)\s*=\s*["']?([^"'\s>]*)""", re.I)
_CSS_URL = re.compile(r"""url\(\s*["']?([^"')]*)""", re.I)


def external_references(html: str) -> list[str]:
    """Every src/href/url() target that would make the browser leave the page."""
    targets = _URL_ATTR.findall(html) + _CSS_URL.findall(html)
    return [t for t in targets
            if re.match(r"^(?:[a-z][a-z0-9+.-]*:|//)", t, re.I) and not t.lower().startswith("data:")]


class _Rows(HTMLParser):
    """Text of each table row, cell by cell."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "span" and ("class", "visually-hidden") in attrs:
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self.rows:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "span" and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if self._cell is not None and not self._hidden:
            self._cell.append(data)


def table_rows(html: str) -> dict[str, list[str]]:
    parser = _Rows()
    parser.feed(html)
    return {row[0]: row[1:] for row in parser.rows if row}


# ------------------------------------------------------------------------ translations

def test_languages_are_discovered_from_catalogs():
    assert i18n.SUPPORTED_LANGUAGES[0] == "en"
    assert "es" in i18n.SUPPORTED_LANGUAGES
    with pytest.raises(ValueError, match="unsupported language"):
        i18n.get_translations("xx")


def test_spanish_labels_for_the_model_builder():
    _ = i18n.get_translations("es").gettext
    assert _("Chronic absenteeism") == "Ausentismo crónico"
    assert _("Foster youth") == "Jóvenes de crianza temporal"
    assert _("Orange") == "Anaranjado"
    assert _("Increased significantly") == "Aumentó significativamente"
    assert _("High") == "Alto"  # status level ...
    assert i18n.translate_school_type("High", "es") == "Preparatoria"  # ... school type
    assert _("") == ""  # not the catalog header
    assert i18n.get_translations("en").gettext("Chronic absenteeism") == "Chronic absenteeism"


def test_catalog_is_compiled_in_memory_when_mo_is_missing_or_stale(tmp_path, monkeypatch):
    po = i18n.LOCALE_DIR / "es" / "LC_MESSAGES" / "messages.po"
    folder = tmp_path / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    shutil.copy(po, folder / "messages.po")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.get_translations.cache_clear()
    try:
        assert i18n.get_translations("es").gettext("Mathematics") == "Matemáticas"
        assert not (folder / "messages.mo").exists()  # nothing written into the work tree
        (folder / "messages.mo").write_bytes(b"stale and broken")
        import os
        os.utime(folder / "messages.mo", (1, 1))  # older than the .po: ignored
        i18n.get_translations.cache_clear()
        assert i18n.get_translations("es").gettext("Mathematics") == "Matemáticas"
    finally:
        i18n.get_translations.cache_clear()


@pytest.mark.parametrize("call, expected", [
    (lambda: i18n.format_rate(23.45, "en"), "23.5%"),          # half-up, not banker's
    (lambda: i18n.format_rate(23.4, "es"), "23.4%"),           # es_US conventions
    (lambda: i18n.format_percent(0.2345, "en"), "23.5%"),
    (lambda: i18n.format_change(2.14, "en"), "+2.1"),
    (lambda: i18n.format_change(-2.1, "es"), "−2.1"),          # true minus sign
    (lambda: i18n.format_change(-0.04, "en"), "0.0"),          # no "-0.0"
    (lambda: i18n.format_integer(1642, "es"), "1,642"),
    (lambda: i18n.format_decimal(1234.25, "en", 1), "1,234.3"),
    (lambda: i18n.format_rate(None, "en"), None),
])
def test_number_formatting(call, expected):
    assert call() == expected


def test_date_formatting():
    import datetime
    assert i18n.format_date(datetime.date(2024, 6, 1), "es") == "1 de junio de 2024"
    assert i18n.format_date(datetime.date(2024, 6, 1), "en") == "June 1, 2024"


# -------------------------------------------------------------------------------- HTML

@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("build", [contract_page, sample_model])
def test_html_is_self_contained_and_has_its_language(lang, build):
    page = build(lang)
    html = render_scorecard_html(page)
    assert f'<html lang="{lang}">' in html
    assert external_references(html) == []
    assert "<link" not in html and "<script" not in html
    assert "@font-face" in html and "data:font/woff2;base64," in html
    assert 'src="data:image/svg+xml;base64,' in html
    assert f'href="{page["csv_href"]}"' in html
    if build is sample_model:  # the data file in the page's language
        assert page["csv_href"] == ("data.csv" if lang == "en" else f"data.{lang}.csv")


def test_spanish_page_is_in_spanish():
    html = render_scorecard_html(sample_model("es"))
    for words in ("Ausentismo crónico", "Grupos de estudiantes", "Cómo leer este informe",
                  "para proteger la privacidad: menos de 11 estudiantes", "Acerca de los datos", "Color del Tablero",
                  "Calificación general", "Mejora necesaria para llegar al siguiente nivel",
                  "Crecimiento en los resultados de las pruebas", "Encuesta sobre el ambiente escolar",
                  "Menos de 10 personas respondieron", "En desarrollo", "Por debajo de lo esperado",
                  "Tasa de respuesta", "Nivel de necesidad", "puntos menos", "Margen de confianza del 95 %"):
        assert words in html, words
    for english in ("How to read", "Student group", "Overall rating", "Improvement needed", "Growth in",
                    "School climate", "Response rate", "points lower", "Below expected"):
        assert english not in html, english


def test_hostile_school_name_is_escaped():
    for html in (render_scorecard_html(contract_page("en", name=HOSTILE)),
                 render_scorecard_html(sample_model("es", name=HOSTILE))):  # typed model, presented
        assert HOSTILE not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    index = render_index_html(SCHOOLS, "2023-24")
    assert HOSTILE not in index
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in index


@pytest.mark.parametrize("lang", ["en", "es"])
def test_suppressed_cells_show_no_number(lang):
    model = contract_page(lang)
    rows = table_rows(render_scorecard_html(model))
    # a hidden group's cell is the privacy mark alone, never a number
    foster = rows["Jóvenes de crianza temporal" if lang == "es" else "Foster youth"]
    assert foster[0] == "*" and foster[1].startswith("4.0%")
    filipino = rows["Filipinos" if lang == "es" else "Filipino"]
    assert filipino[0].startswith("12.0%") and "†" in filipino[0] and "−11.4" in filipino[0]
    assert filipino[1] == "*"
    # a group hidden in every column is named once, in words, not given a row of marks
    homeless = "Jóvenes sin hogar" if lang == "es" else "Homeless youth"
    assert homeless not in rows and homeless in model["groups"]["hidden_everywhere"]


def _visible(html: str) -> str:
    """Text a reader sees: tags and screen-reader-only text removed."""
    html = re.sub(r'<span class="visually-hidden">.*?</span>', "", html)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    return html[start:html.index("</section>", start)]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_new_sections_suppressed_cells_show_no_number(lang):
    model = contract_page(lang)
    html = render_scorecard_html(model)
    climate = _section(html, "h-climate")
    for group in model["climate"]["groups"]:
        # one table: a row per topic, the school's cell (marked with its group) then the district's
        for domain in group["domains"]:
            row = re.search(rf'<th scope="row" class="c-topic">{re.escape(domain["label"])}</th>(.*?)</tr>', climate)
            school, district = re.search(rf'<td class="c-num c-school" data-group="{re.escape(group["label"])}">(.*?)</td>'
                                         r'<td class="c-num c-district">(.*?)</td>', row.group(1)).groups()
            if domain["school"] is None:
                assert _visible(school) == "*", school  # the legend mark, never a number
            else:
                assert _visible(school) == domain["school"]
            assert _visible(district) == domain["district"]
        if group["note"] == "n_lt_10":
            start = climate.index(f'<span class="climate-who">{group["label"]}</span>')
            rate = climate[climate.index('class="climate-rate"', start):climate.index("</th>", start)]
            assert not re.search(r"\d", _visible(rate).replace("10", "")), rate
    growth = _section(html, "h-growth")
    start = growth.index('id="growth-2"')
    math_row = growth[start:growth.index("</tr>", start)]
    text = _visible(math_row[math_row.index(">") + 1:])
    assert text.startswith(("Mathematics *", "Matemáticas *"))
    assert not re.search(r"\d", text.replace("11", "")), text  # "fewer than 11" is the only figure
    measures = _section(html, "h-measures")
    assert "1.1 points lower" in measures and "26.1%" in measures
    missing = measures[measures.index('class="missing-row"'):]
    # a measure without data says so in words (no mark beside "no data": the words are the note)
    assert re.search(r"\((No data|Sin datos)\)", _visible(missing))
    assert not re.search(r"\d", _visible(missing[:missing.index("</tr>")]))
    legend = _section(html, "h-legend")
    assert "10 survey respondents" in legend or "10 personas encuestadas" in legend


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("page", ["contract", "sample"])
def test_one_legend_with_at_most_three_marks_each_explained_in_words(lang, page):
    """Issue #17: five missing-value symbols were too many to learn. The page uses at most three
    marks, and its one legend explains each of them, in words beside it."""
    html = render_scorecard_html(contract_page(lang) if page == "contract" else sample_model(lang))
    assert html.count('id="h-legend"') == 1
    legend = _section(html, "h-legend")
    items = re.findall(r'<li><span class="note-mark" aria-hidden="true">(.)</span>([^<]+)</li>', legend)
    marks = [mark for mark, _words in items]
    assert marks == ["*", "†", "—"]
    assert all(len(words.split()) >= 2 for _mark, words in items)  # words beside each mark
    used = set(re.findall(r'<span class="note-mark[^"]*"><span aria-hidden="true">(.)</span>', html))
    assert used and used <= set(marks), used


def test_overall_section_shows_level_comparisons_and_ladder():
    html = render_scorecard_html(contract_page("en"))
    overall = _visible(_section(html, "h-overall"))
    for words in ("Needs support", "47.6 out of 100", "Level 2 of 5", "2.4 more points to reach “Developing”",
                  "District average 45.8", "Average of same-need schools (4) 54.4",
                  "Percentile among same-need schools: 67, higher than 2 of the 3 other schools.",
                  "Equity need: Lowest need", "need rank 19 of 19"):
        assert words in overall, words
    assert overall.index("Excelling") < overall.index("Needs intensive support")  # highest first
    assert re.search(r'<li class="step step-current" aria-current="true"><span class="step-here">47.6</span>'
                     r'<span class="step-label">Needs support</span>', html)


def test_growth_chart_and_level_meter_are_described():
    import base64
    html = render_scorecard_html(contract_page("en"))
    alts = re.findall(r'<img class="interval" src="data:image/svg\+xml;base64,[^"]+" alt="([^"]*)"', html)
    assert alts == ["English language arts: −6.4 points, 95% range −18.1 to +5.2; 0 means growth as expected."]
    assert re.search(r'<img class="meter" src="data:image/svg\+xml;base64,[^"]+" alt="3 of 10">', html)
    uri, alt = charts.interval_chart({"value": 4.0, "low": 1.0, "high": 7.0, "label": "+4.0"}, lang="es",
                                     title="Matemáticas")
    svg = base64.b64decode(uri.split(",", 1)[1]).decode()
    assert ">+4.0<" in svg and ">lo esperado<" in svg and alt.startswith("Matemáticas: +4.0 puntos")
    assert len({charts.level_meter(n) for n in range(11)}) == 11
    with pytest.raises(ValueError):
        charts.level_meter(11)


def test_unknown_note_in_new_sections_is_a_clear_error():
    model = contract_page()
    model["climate"]["groups"][0]["domains"][0]["note"] = "bogus"
    with pytest.raises(ValueError, match=r"climate.groups\[0\].domains\[0\] has unknown note"):
        render_scorecard_html(model)
    model = contract_page()
    model["growth"]["subjects"][1]["note"] = "n_lt_12"
    with pytest.raises(ValueError, match="unknown note"):
        render_scorecard_html(model)


def test_pages_without_the_new_sections_still_render():
    model = contract_page("en")
    for key in ("overall", "measures", "growth", "climate"):
        del model[key]
    html = render_scorecard_html(model)
    assert 'id="h-ind"' in html and "h-overall" not in html and "h-climate" not in html


def test_accessibility_basics():
    html = render_scorecard_html(sample_model("en"))
    assert '<th scope="col"' in html and '<th scope="row"' in html
    alts = re.findall(r'<img class="trend" src="[^"]+" alt="([^"]*)"', html)
    assert len(alts) == 6 and all("2023-24" in alt for alt in alts)
    assert re.search(r'<img class="gauge-img" src="[^"]+" alt="2 of 5 segments"', html)
    assert not re.search(r'<img[^>]* alt=""', html)  # WeasyPrint's PDF/UA tags need every alt
    for name in ("Orange", "Yellow", "Green", "Red"):
        assert f'<span class="gauge-name">{name}</span>' in html


def test_pdf_html_has_no_inline_stylesheet():
    html = render_scorecard_html(sample_model("en"), css_inline=False)
    assert "<style" not in html and "@font-face" not in html


def test_model_missing_required_keys_is_a_clear_error():
    model = contract_page()
    del model["school"]["cds"]
    with pytest.raises(ValueError, match=r"school.*cds"):
        render_scorecard_html(model)
    model = contract_page()
    model["indicators"][0]["note"] = "bogus"
    with pytest.raises(ValueError, match="unknown note"):
        render_scorecard_html(model)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_index_lists_and_links_every_school(lang):
    html = render_index_html(SCHOOLS, "2023-24", lang=lang, district="Sample Unified School District")
    assert f'<html lang="{lang}">' in html
    assert external_references(html) == []
    assert "<script>" in html and "<script src" not in html
    for cds in ("19754160000001", "19754160000002"):
        for code in ("en", "es"):
            assert f'href="schools/{cds}/scorecard.{code}.html"' in html
            assert f'href="schools/{cds}/scorecard.{code}.pdf"' in html
        assert f'href="schools/{cds}/{"data.csv" if lang == "en" else f"data.{lang}.csv"}"' in html
    assert 'href="schools/19754160000003/scorecard.es.html"' not in html  # English only
    assert 'data-key="name"' in html and 'data-key="level"' in html and 'data-key="tier"' in html
    if lang == "es":
        assert "Primaria" in html and "Busque una escuela" in html


def test_index_shows_overall_level_and_equity_tier_in_spanish():
    rows = [{"cds": "19754160000001", "name": "Sunrise Elementary", "level": "Needs support", "level_rank": 2,
             "tier": "Lowest need", "tier_rank": 5, "grade_span": "K–5"},
            {"cds": "19754160000002", "name": "Ida B. Wells Middle", "tier": "Highest need", "tier_rank": 1}]
    html = render_index_html(rows, "2023-24", lang="es")
    assert "Necesita apoyo" in html and "Menor necesidad" in html and "Mayor necesidad" in html
    assert 'data-level="2" data-tier="5"' in html and 'data-level="" data-tier="1"' in html
    assert "Nivel general" in html and "Nivel de necesidad" in html


def test_index_rejects_a_bad_cds():
    with pytest.raises(ValueError, match="14 digits"):
        render_index_html([{"cds": "../../etc", "name": "x"}], "2023-24")


# ------------------------------------------------------------------------------ charts

def test_trend_chart_prints_values_and_describes_them():
    import base64
    uri, alt = charts.trend_chart(
        [{"year": "2021-22", "value": 30.1, "label": "30.1%"},
         {"year": "2022-23", "value": None, "label": None},
         {"year": "2023-24", "value": 23.4, "label": "23.4%"}], lang="en", title="Chronic absenteeism")
    svg = base64.b64decode(uri.split(",", 1)[1]).decode()
    assert uri.startswith("data:image/svg+xml;base64,")
    assert ">30.1%<" in svg and ">23.4%<" in svg and ">2022-23<" in svg and ">no data<" in svg
    assert alt == "Chronic absenteeism by school year: 2021-22: 30.1%; 2022-23: no data; 2023-24: 23.4%."
    assert charts.trend_chart([], lang="es") == (None, "Sin datos de varios años")
    _, alt_es = charts.trend_chart([{"year": "2023-24", "value": -12.3, "label": "−12.3"}], "es", "Matemáticas")
    assert alt_es.startswith("Matemáticas por año escolar")


def test_color_gauge():
    assert charts.color_gauge(3).startswith("data:image/svg+xml;base64,")
    assert len({charts.color_gauge(code) for code in range(6)}) == 6
    with pytest.raises(ValueError):
        charts.color_gauge(7)


def test_render_package_does_not_import_dagster():
    code = ("import sys; import pipeline.render.html, pipeline.render.pdf, pipeline.render.charts, "
            "pipeline.render.i18n; sys.exit(1 if 'dagster' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO).returncode == 0


# -------------------------------------------------------------------------------- PDFs

@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    """Render a batch through the pool (2 workers): full sample en/es, contract page, hostile name."""
    from pipeline.render.pdf import render_pdfs

    out = tmp_path_factory.mktemp("pdfs")
    models = {
        "sample-en": sample_model("en"),
        "sample-es": sample_model("es"),
        "contract-es": contract_page("es"),
        "hostile-en": sample_model("en", name=HOSTILE),
        "long-en": sample_model("en", name="Dr. Martin Luther King Jr. Academy of Science, "
                                            "Technology, Engineering, Arts and Mathematics"),
    }
    jobs = [(render_scorecard_html(m, css_inline=False), out / key / "scorecard.pdf", m["title"], m["lang"])
            for key, m in models.items()]
    paths = render_pdfs(jobs, workers=2)
    assert paths == [job[1] for job in jobs]
    return {key: (path, models[key]) for key, path in zip(models, paths)}


def test_trimmed_user_agent_stylesheet_changes_no_byte(pdfs, tmp_path, monkeypatch):
    """The workers' user-agent stylesheet drops rules a scorecard never uses (pipeline/render/pdf.py,
    scorecard_ua_css): every PDF must be the very bytes WeasyPrint's own stylesheet gives."""
    from weasyprint import HTML

    from pipeline.render import pdf

    assert scorecard_ua_trimmed(), "WeasyPrint's user-agent stylesheet changed: review scorecard_ua_css"
    monkeypatch.setattr(pdf, "ScorecardHTML", HTML)
    for key, (path, model) in pdfs.items():
        stock = pdf.render_pdf_one(render_scorecard_html(model, css_inline=False), tmp_path / f"{key}.pdf",
                                   model["title"], model["lang"])
        assert stock.read_bytes() == path.read_bytes(), key


def scorecard_ua_trimmed() -> bool:
    from pipeline.render.pdf import scorecard_ua_css

    css, trimmed = scorecard_ua_css()
    return trimmed and "li::marker" in css and "::footnote-call" not in css


def _text(path: Path) -> str:
    from pypdf import PdfReader
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.mark.parametrize("key", ["sample-en", "sample-es"])
def test_a_pdf_has_no_link_that_dies_when_it_travels_alone(pdfs, key):
    """An e-mailed PDF has no data.csv beside it: it names the file instead of linking to it."""
    from pypdf import PdfReader

    path, model = pdfs[key]
    uris = [a.get_object().get("/A", {}).get("/URI") for page in PdfReader(path).pages
            for a in (page.get("/Annots") or [])]
    assert [u for u in uris if u and "://" not in str(u)] == []
    # the files of the PDF's language, by name: a Spanish PDF names data.es.csv and data.es.xlsx
    from pipeline.render.data_csv import data_file_name

    text = " ".join(_text(path).split())
    assert data_file_name(model["lang"]) in text and data_file_name(model["lang"], "xlsx") in text
    if model["lang"] != "en":
        assert "data.csv" not in text and "data.xlsx" not in text


@pytest.mark.parametrize("key", ["sample-en", "sample-es", "contract-es", "hostile-en", "long-en"])
def test_pdf_pages_text_and_metadata(pdfs, key):
    from pypdf import PdfReader

    path, model = pdfs[key]
    reader = PdfReader(path)
    # issue #17: every indicator by student group in two Letter pages, the sample school (TK–12,
    # graduation rate included) too, whatever its name's length; the contract page is shorter
    assert len(reader.pages) == 2 if key.startswith(("sample", "long", "hostile")) else 1 <= len(reader.pages) <= 2
    text = _text(path)
    assert " ".join(model["school"]["name"].split()[:3]) in " ".join(text.split())
    assert "23.4%" in text
    assert reader.metadata.title == model["title"]
    assert reader.trailer["/Root"]["/Lang"] == model["lang"]
    assert set(reader.metadata) == {"/Title"}  # no dates, producer, creator or author
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert "pdfuaid:part>1<" in xmp and "WeasyPrint" not in xmp
    assert "CreateDate" not in xmp and "ModifyDate" not in xmp and "Producer" not in xmp


def test_pdf_has_the_new_sections(pdfs):
    text = " ".join(_text(pdfs["sample-es"][0]).split())
    for words in ("Calificación general", "Mejora necesaria para llegar al siguiente nivel",
                  "Crecimiento en los resultados de las pruebas", "Encuesta sobre el ambiente escolar",
                  "Grupos de estudiantes", "Cómo leer este informe", "Acerca de los datos"):
        assert words in text, words
    english = " ".join(_text(pdfs["sample-en"][0]).split())
    assert "3.4 points lower" in english and "Below expected" in english and "Highest level reached" in english


def test_pdf_leaks_nothing_about_the_machine(pdfs):
    path, _ = pdfs["sample-en"]
    raw = path.read_bytes()
    inflated = [raw]
    for match in re.finditer(rb"stream\r?\n", raw):
        end = raw.find(b"endstream", match.end())
        try:
            inflated.append(zlib.decompress(raw[match.end():end]))
        except zlib.error:
            pass
    blob = b"\n".join(inflated)
    for secret in {socket.gethostname(), getpass.getuser(), str(REPO), str(path.parent)}:
        if len(secret) >= 5:
            assert secret.encode() not in blob, secret
    for marker in (b"file:", b"/CreationDate", b"/ModDate", b"/Producer", b"WeasyPrint", b"http://",
                   b"https://"):
        text_only = blob.replace(b"http://www.w3.org/1999/02/22-rdf-syntax-ns#", b"") \
                        .replace(b"http://www.aiim.org/pdfua/ns/id/", b"") \
                        .replace(b"http://purl.org/dc/elements/1.1/", b"")
        assert marker not in text_only, marker


def test_pdf_suppressed_rows_show_no_number(pdfs):
    path, model = pdfs["contract-es"]
    lines = _text(path).splitlines()
    text = " ".join(_text(path).split())
    # a group hidden wherever it is reported: named in the sentence, and no row of its own
    assert model["groups"]["hidden_everywhere"] in text
    homeless = "Jóvenes sin hogar"
    assert text.count(homeless) == 1
    # a group hidden in one column: the mark there, its figure in the other
    row = next(line for line in lines if line.strip().startswith("Filipinos"))
    assert "12.0%" in row and not re.search(r"\d", row.replace("12.0%", ""))


def test_pdf_is_reproducible_and_written_atomically(tmp_path):
    from pipeline.render.pdf import render_pdf_one

    model = contract_page("en")
    html = render_scorecard_html(model, css_inline=False)
    first = render_pdf_one(html, tmp_path / "a.pdf", model["title"], "en").read_bytes()
    second = render_pdf_one(html, tmp_path / "a.pdf", model["title"], "en").read_bytes()
    assert first == second
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf"]  # no temp file left behind


def test_render_pdfs_reports_failures_after_rendering_the_rest(tmp_path):
    from pipeline.render.pdf import PdfRenderError, render_pdfs

    (tmp_path / "blocked").write_text("a file where a folder should be")
    model = contract_page("en")
    html = render_scorecard_html(model, css_inline=False)
    jobs = [(html, tmp_path / "blocked" / "x.pdf", model["title"], "en"),
            (html, tmp_path / "ok" / "y.pdf", model["title"], "en")]
    with pytest.raises(PdfRenderError) as info:
        render_pdfs(jobs, workers=1)
    assert list(info.value.failures) == [tmp_path / "blocked" / "x.pdf"]
    assert info.value.written == [tmp_path / "ok" / "y.pdf"]
    assert (tmp_path / "ok" / "y.pdf").stat().st_size > 1000


def test_pdf_page_renders_to_png(pdfs, tmp_path):
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    path, _ = pdfs["sample-es"]
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", str(path),
                    str(tmp_path / "page")], check=True, timeout=60)
    pngs = list(tmp_path.glob("page*.png"))
    assert len(pngs) == 1
    assert pngs[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and pngs[0].stat().st_size > 10_000


def test_models_are_not_mutated():
    model = sample_model("en")
    before = copy.deepcopy(model)
    render_scorecard_html(model)
    assert model == before


def test_pdf_fetcher_refuses_anything_but_data_and_templates():
    from pipeline.render.pdf import LocalOnlyFetcher

    fetcher = LocalOnlyFetcher()
    for url in ("https://example.org/logo.png", "http://127.0.0.1/x", "ftp://x/y",
                "file:///etc/passwd", f"file://{i18n.TEMPLATES_DIR}/../pyproject.toml"):
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)
    font = i18n.TEMPLATES_DIR / "fonts" / "OpenSans-Regular.subset.woff2"
    assert fetcher.fetch(font.as_uri()).read(4) == b"wOF2"


@pytest.mark.parametrize("key", ["sample-en", "sample-es", "contract-es", "hostile-en", "long-en"])
def test_pdf_passes_pdf_ua_1_validation(pdfs, key):
    """PDF/UA-1 (ISO 14289-1) as an independent validator checks it: identification, tags,
    structure (lists hold list items, tables have headers), alt texts, title and language."""
    import page

    path, _ = pdfs[key]
    report = page.validate_pdf(path, profile="ua1")
    assert report.is_compliant, [(f.rule_id, f.message) for f in report.failures]
    assert report.rules.total > 100


@pytest.mark.slow
def test_pool_replaces_each_worker_after_its_quota_so_memory_cannot_grow(tmp_path):
    """WeasyPrint keeps a little memory per document; the pool swaps a worker for a fresh one
    after ``recycle_after`` PDFs, so 20,000 scorecards render as fast and as small as the first."""
    from pypdf import PdfReader

    from pipeline.render.html import render_scorecard_html
    from pipeline.render.pdf import PdfPool
    from pipeline.render.sample import sample_model

    model = sample_model("en")
    html = render_scorecard_html(model, css_inline=False)
    seen = set()
    with PdfPool(2, recycle_after=2) as pool:
        pool.warm_up()
        # one call with every job queued at once: Python 3.11's max_tasks_per_child hung here
        jobs = [(html, tmp_path / f"{i}.pdf", model["title"], "en") for i in range(10)]
        for path in pool.render(jobs):
            assert len(PdfReader(path).pages) == 2
        seen.update(pid for pid, _ in pool.last_workers)
        assert all(rss > 0 for _, rss in pool.last_workers)
    assert len(seen) > 2


@pytest.mark.parametrize("lang, words", [("en", "Data as of December 6, 2026"),
                                         ("es", "Datos al 6 de diciembre de 2026")])
def test_every_page_says_when_its_data_were_produced(tmp_path, lang, words):
    """Issue #17: no page said when its data were produced. The web page says it under the title,
    the PDF on every page (its footer), in the page's language."""
    import datetime

    from pypdf import PdfReader

    from pipeline.render.pdf import render_pdf_one
    from pipeline.render.present import present
    from pipeline.render.sample import sample_scorecard

    page = present(sample_scorecard(), lang, as_of=datetime.date(2026, 12, 6))
    assert page["data_as_of"] == words
    assert words in render_scorecard_html(page)
    pdf = render_pdf_one(render_scorecard_html(page, css_inline=False), tmp_path / "a.pdf", page["title"], lang)
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(pdf).pages]
    assert len(pages) >= 2 and all(words in text for text in pages)


def _footer_lines(path) -> list[list[str]]:
    """Per page, the footer's lines (words grouped by their baseline), from poppler's word boxes
    below the page's last 0.45 inch."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed: make browser-tools")
    xml = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for page in re.findall(r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>', xml, re.S):
        height, body = float(page[0]), page[1]
        lines: dict[float, list[str]] = {}
        for y0, w in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">([^<]*)</word>', body):
            if float(y0) > height - 0.45 * 72:
                lines.setdefault(round(float(y0)), []).append(html_lib.unescape(w))
        pages.append([lines[y] for y in sorted(lines)])
    return pages


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("as_of", [False, True])
def test_the_footer_is_one_line(tmp_path, lang, as_of):
    """The footer (the district, when the data were produced, the page number) is one line on
    every page, with or without the date: "district " followed by an empty string() made
    WeasyPrint break the district's name after its first word."""
    import datetime

    from pipeline.render.pdf import render_pdf_one
    from pipeline.render.present import present
    from pipeline.render.sample import sample_scorecard

    district = {"en": "Sample Unified School District", "es": "Distrito Escolar Unificado de Muestra"}[lang]
    page = present(sample_scorecard(), lang, district=district,
                   as_of=datetime.date(2026, 12, 6) if as_of else None)
    pdf = render_pdf_one(render_scorecard_html(page, css_inline=False), tmp_path / "a.pdf", page["title"], lang)
    pages = _footer_lines(pdf)
    assert len(pages) >= 2
    for lines in pages:
        assert len(lines) == 1, lines
        assert " ".join(lines[0]).startswith(district), lines


def _word_sizes(path) -> list[tuple[str, float]]:
    """Every word of a PDF with its font size in points, from poppler's word boxes: a box is the
    font's ascent to descent high (the embedded Open Sans: 1.362 em), charts' SVG text included."""
    import shutil
    import subprocess

    from fontTools.ttLib import TTFont

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed: make browser-tools")
    font = TTFont(str(CSS_PATH.parent / "fonts" / "OpenSans-Regular.subset.woff2"))
    em = (font["hhea"].ascent - font["hhea"].descent) / font["head"].unitsPerEm
    xml = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [(html_lib.unescape(w), (float(y1) - float(y0)) / em)
            for y0, y1, w in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', xml)]


@pytest.mark.parametrize("key", ["sample-en", "sample-es"])
def test_pdf_text_is_legible(pdfs, key):
    """Issue #17: body text was about 8 pt, chart labels 5.5 pt, table headers 6 pt. In the PDF
    now: nothing under 7 pt (chart labels, table headers, footers), body text 9 pt or more."""
    path, model = pdfs[key]
    words = _word_sizes(path)
    assert len(words) > 500
    small = sorted({(w, round(s, 2)) for w, s in words if s < 6.95})
    assert not small, small[:20]
    # the earlier years (figures in the indicators table) and table headers are among them, at 7 pt or more
    years = [s for w, s in words if w.rstrip(":") == "2022-23"]
    assert years and min(years) >= 6.95
    # the body: most words, and every word of the notes on the data, at 9 pt or more
    assert sum(s >= 8.95 for _, s in words) / len(words) > 0.75
    texts = [w for w, _ in words]
    for paragraph in model["methodology"]:
        head = paragraph.split()[:8]
        start = next(i for i in range(len(texts)) if texts[i:i + len(head)] == head)
        assert min(s for _, s in words[start:start + len(head)]) >= 8.95, paragraph


def _reader_text(html: str) -> str:
    """What a reader meets on a page: its text, and the alt texts and labels a screen reader says;
    not what is marked as another language on purpose (the English files' "web page" link)."""
    from html.parser import HTMLParser

    class Reader(HTMLParser):
        def __init__(self):
            super().__init__()
            self.parts, self.stack = [], []

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            other = (bool(self.stack) and self.stack[-1]) or attrs.get("lang") == "en" or tag in ("script", "style")
            if tag not in ("meta", "img", "input", "br", "link"):
                self.stack.append(other)
            if not other:
                self.parts += [attrs[k] for k in ("alt", "aria-label", "data-label") if attrs.get(k)]

        def handle_endtag(self, tag):
            if tag not in ("meta", "img", "input", "br", "link") and self.stack:
                self.stack.pop()

        def handle_data(self, data):
            if not (self.stack and self.stack[-1]):
                self.parts.append(data)

    reader = Reader()
    reader.feed(html)
    return " ".join(" ".join(reader.parts).split())


def test_no_english_message_is_left_on_spanish_pages():
    """Issue #17, Spanish all the way: no sentence or label of the catalog stays in English on a
    Spanish page (the web page, the PDF's HTML, the index), whatever list of words a test names."""
    from babel.messages.pofile import read_po

    with open(REPO / "templates" / "locale" / "es" / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f)
    pages = {"web page": render_scorecard_html(sample_model("es")),
             "PDF": render_scorecard_html(sample_model("es"), css_inline=False),
             "index": render_index_html(SCHOOLS, "2023-24", lang="es", data_as_of="Datos al 6 de diciembre de 2026")}
    texts = {where: _reader_text(html) for where, html in pages.items()}
    found = []
    for message in catalog:
        if not message.id or isinstance(message.id, tuple) or not message.string or message.id == message.string:
            continue
        for fragment in re.split(r"%\(\w+\)s|%%|\n", message.id):
            fragment = fragment.strip(" .,:;·()“”")
            if len(fragment.split()) >= 2 and fragment not in message.string:
                found += [f"{where}: {fragment!r}" for where, text in texts.items() if fragment in text]
    assert not found, found


def test_the_pdf_draws_gauges_and_meters_as_pngs_the_worker_serves():
    """WeasyPrint draws an SVG node by node each time it appears (some 80 gauges a scorecard): the
    PDF's HTML names PNGs of the same shapes by short URLs that only the local fetcher serves."""
    import struct

    from pipeline.render import raster
    from pipeline.render.pdf import LocalOnlyFetcher

    pdf_html = render_scorecard_html(sample_model("es"), css_inline=False)
    web_html = render_scorecard_html(sample_model("es"))
    assert pdf_html.count("scorecard:gauge/") > 40 and "scorecard:meter/" in pdf_html
    assert "scorecard:gauge" not in web_html and "scorecard:meter" not in web_html  # self-contained
    svg_ratio = {"gauge": 61 / 14, "meter": 55.5 / 11}
    for kind, pngs in (("gauge", [raster.gauge_png(c) for c in range(6)]),
                       ("meter", [raster.meter_png(n) for n in range(11)])):
        assert len(set(pngs)) == len(pngs)
        for png in pngs:
            assert png.startswith(b"\x89PNG\r\n\x1a\n")
            width, height = struct.unpack(">II", png[16:24])
            assert abs(width / height - svg_ratio[kind]) < 0.01
    fetcher = LocalOnlyFetcher()
    assert fetcher.fetch("scorecard:gauge/3.png").read() == raster.gauge_png(3)
    assert fetcher.fetch("scorecard:meter/7-10.png").read() == raster.meter_png(7)
    for bad in ("scorecard:gauge/9.png", "scorecard:meter/11-10.png", "scorecard:../../etc/passwd"):
        with pytest.raises(ValueError):
            fetcher.fetch(bad)
    with pytest.raises(ValueError):
        raster.gauge_url(6)


def largest_spanish_page() -> dict:
    """The Spanish sample scorecard with a matrix like the demo's largest (Frida Kahlo K-8: 14 groups,
    seven indicators, the district's two growth columns among them, whose Spanish headers take four
    lines) and a middle school's five indicators. With 15 groups the sample (taller than the demo's
    pages above the matrix) takes a third page."""
    page = copy.deepcopy(sample_model("es"))
    groups = page["groups"]
    page["indicators"] = [i for i in page["indicators"] if i.get("key") != "grad"]
    page["school"]["grade_span"] = "6–8"
    drop = [c["key"] for c in groups["columns"]].index("grad")
    del groups["columns"][drop]
    for row in groups["rows"]:
        del row["cells"][drop]
    like = groups["columns"][-1]  # math: a CDE column with colours
    for key, label in (("growth_ela", "Crecimiento en ELA"), ("growth_math", "Crecimiento en matemáticas")):
        groups["columns"].append({**like, "key": key, "indicator_label": label, "short_label": label,
                                  "origin": "district", "colors": False})
    for row in groups["rows"]:
        row["cells"] += [{**row["cells"][-1], "status": "−123.4", "change": "+12.9", "gap": "−69.5",
                          "colors": False, "color": None, "color_code": None} for _ in range(2)]
    groups["rows"].append({**copy.deepcopy(groups["rows"][1]), "group": "Jóvenes de crianza temporal"})
    return page


def test_the_widest_spanish_matrix_still_fits_two_pages(tmp_path):
    """Issue #17: two Spanish demo scorecards took a third page for the legend alone (25-40 pt
    short); the matrix rows are set closer and two Spanish notes are shorter."""
    from pypdf import PdfReader

    from pipeline.render.pdf import render_pdf_one

    page = largest_spanish_page()
    assert len(page["groups"]["rows"]) == 14 and len(page["groups"]["columns"]) == 7
    path = render_pdf_one(render_scorecard_html(page, css_inline=False), tmp_path / "es.pdf", page["title"], "es")
    reader = PdfReader(path)
    assert len(reader.pages) == 2
    assert "Cómo leer este informe" in reader.pages[1].extract_text()
