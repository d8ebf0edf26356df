"""Each school's data files (``data.csv``, ``data.es.csv`` and the ``.xlsx`` beside each), from the
hand-made warehouse of test_scorecard_model.py: one row per school, section, measure, student group
and source, headers and words in the file's language, the CDS code kept as text for spreadsheets."""
from __future__ import annotations

import csv
import dataclasses
import io
import re
import zipfile

import pytest

from pipeline.render.data_csv import (
    COLUMNS,
    NOTES,
    data_file_name,
    headers,
    note_words,
    school_csv,
    school_table,
    school_xlsx,
)
from pipeline.render.xlsx import read_workbook, workbook
from pipeline.scorecard.data_csv import school_records
from test_scorecard_model import A, DISTRICT, models, settings, year  # noqa: F401 (fixtures)

CODE_COLUMNS = ("section_code", "measure_code", "group_code", "source_code")


def _rows(text: str) -> list[dict]:
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    return [dict(zip(COLUMNS, r)) for r in rows[1:]]


@pytest.fixture(scope="module")
def files(year, models, settings):  # noqa: F811
    records = school_records(year, A)
    return {lang: school_table(records, models[A], settings.student_groups, lang) for lang in ("en", "es")}


def _one(rows, section, measure, group="", source=""):
    hits = [r for r in rows if (r["section_code"], r["measure_code"], r["group_code"], r["source_code"])
            == (section, measure, group, source)]
    assert len(hits) == 1, (section, measure, group, source, len(hits))
    return hits[0]


def test_one_row_per_school_group_and_indicator_with_readable_headers(files):
    text = school_csv(files["en"], "en")
    header = next(csv.reader(io.StringIO(text[1:])))
    assert header[:7] == ["School year", "CDS code", "School", "Section", "Measure", "Student group", "Source"]
    assert all("_" not in h for h in header), header
    rows = _rows(text)
    keys = [tuple(r[c] for c in CODE_COLUMNS) for r in rows]
    assert len(keys) == len(set(keys))  # one row per section, measure, group and source
    assert {r["section_code"] for r in rows} == {"indicator", "rating", "equity", "rating_measure", "growth", "climate"}
    assert all(r["cds"] == A for r in rows) and not any(r["cds"] == DISTRICT for r in rows)

    chronic = _one(rows, "indicator", "chronic", "ALL", "cde")
    assert (chronic["measure"], chronic["group"], chronic["source"], chronic["unit"]) == \
        ("Chronic absenteeism", "All students", "CDE (California School Dashboard)", "percent")
    assert chronic["n"] and chronic["value"] and chronic["status_level"] and chronic["color"] in \
        ("Red", "Orange", "Yellow", "Green", "Blue")
    assert _one(rows, "rating", "overall")["value"] == "47.6"
    assert _one(rows, "rating_measure", "chronic")["improvement_needed"] == "1.1"
    assert _one(rows, "rating_measure", "elpi")["note"] == "No data"
    assert _one(rows, "growth", "ELA", "ALL")["value"] == "-6.4"
    assert _one(rows, "climate", "Safety", "student")["value"] == "79.5"
    # suppressed rows keep their figures empty, with the note in words
    hidden = _one(rows, "growth", "ELA", "AA")
    assert hidden["value"] == hidden["n"] == "" and hidden["note"] == "Not shown: fewer than 11 students"
    parent = _one(rows, "climate", "Safety", "parent")
    assert parent["value"] == "" and parent["note"] == "Not shown: fewer than 10 respondents answered these questions"
    pi = [r for r in rows if r["section_code"] == "indicator" and r["group_code"] == "PI"]
    assert pi and all(r["n"] == r["value"] == r["status_level"] == "" and r["note"].startswith("Not shown") for r in pi)
    # no code of the warehouse is left in a cell a person reads
    words = [v for r in rows for c, v in r.items() if c not in CODE_COLUMNS]
    assert not [v for v in words if re.search(r"_lt_|complementary|no_data|eb_|current_year", v)]


def test_the_spanish_file_has_spanish_words_and_the_same_numbers(files):
    en, es = _rows(school_csv(files["en"], "en")), _rows(school_csv(files["es"], "es"))
    header = next(csv.reader(io.StringIO(school_csv(files["es"], "es")[1:])))
    assert header[:7] == ["Año escolar", "Código CDS", "Escuela", "Sección", "Medida", "Grupo de estudiantes", "Fuente"]
    assert header == headers("es") and len(set(header)) == len(header)
    assert not set(header) & set(headers("en")) - {"Color"}, set(header) & set(headers("en"))
    chronic = _one(es, "indicator", "chronic", "ALL", "cde")
    assert (chronic["measure"], chronic["group"], chronic["unit"]) == ("Ausentismo crónico", "Todos los estudiantes",
                                                                        "porcentaje")
    assert _one(es, "growth", "ELA", "AA")["note"] == "No se muestra: menos de 11 estudiantes"
    assert _one(es, "rating_measure", "elpi")["note"] == "Sin datos"
    numeric = ("n", "value", "change", "ci_low", "ci_high", "points", "weight", "district_value", "response_rate")
    assert [[r[c] for c in numeric + CODE_COLUMNS] for r in es] == [[r[c] for c in numeric + CODE_COLUMNS] for r in en]
    assert data_file_name("en") == "data.csv" and data_file_name("es") == "data.es.csv" \
        and data_file_name("es", "xlsx") == "data.es.xlsx"


def test_the_cds_code_stays_text_in_the_workbook(files):
    """Excel opening the CSV would show 1.97542E+13 (and drop a county's leading zero): the .xlsx
    beside it stores the code as a text cell formatted as text, figures as numbers."""
    data = school_xlsx(files["en"], "en")
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert f'<c r="B2" s="2" t="inlineStr"><is><t xml:space="preserve">{A}</t></is></c>' in sheet
    rows = read_workbook(data)
    assert rows[0] == headers("en") and all(r[1] == A for r in rows[1:])
    n = list(COLUMNS).index("n")
    assert any(isinstance(r[n], int) for r in rows[1:])  # a count is a number cell
    # the CSV: the code as its 14 digits, quoted like every text cell; numbers bare
    text = school_csv(files["en"], "en")
    assert f',"{A}",' in text and re.search(r'"percent",\d+,\d+\.\d,', text)
    # a county with a leading zero keeps it
    book = read_workbook(workbook([["CDS code"], ["01611190130229"], [12.5]], text_columns=(0,)))
    assert book == [["CDS code"], ["01611190130229"], [12.5]]


def test_a_formula_in_the_data_does_not_run(files, models, year, settings):  # noqa: F811
    model = models[A]
    evil = dataclasses.replace(model, school=dataclasses.replace(model.school, name='=HYPERLINK("x","y")'))
    table = school_table(school_records(year, A), evil, settings.student_groups, "en")
    for cells in (_rows(school_csv(table, "en")), [dict(zip(COLUMNS, r)) for r in read_workbook(school_xlsx(table, "en"))[1:]]):
        assert {r["school"] for r in cells} == {"'=HYPERLINK(\"x\",\"y\")"}


@pytest.mark.parametrize("code", ["n_lt_11", "n_lt_10", "answered_lt_10", "no_color_lt_30", "complementary",
                                  "no_data", "no data", "fewer than 11 students"])
def test_every_note_code_has_words_in_each_language(code):
    assert len(NOTES) == 6
    for lang in ("en", "es"):
        words = note_words(code, lang)
        assert words != code and not re.search(r"_lt_|\{n\}", words), (code, lang, words)
