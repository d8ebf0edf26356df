"""The catalogs, checked with Babel's own extraction (`pybabel extract -F babel.cfg`, as `make messages` runs it)."""
from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from pipeline.render import i18n

REPO = Path(__file__).resolve().parent.parent
PYBABEL = Path(sys.executable).parent / "pybabel"


def _messages(catalog) -> set[tuple[str | None, str]]:
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """What Babel extracts from the code and templates today, with the project's babel.cfg."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run([str(PYBABEL), "extract", "-F", "babel.cfg", "-o", str(pot), "."],
                   cwd=REPO, check=True, capture_output=True)
    with pot.open("rb") as fh:
        return read_po(fh)


def test_the_template_catalog_is_up_to_date(extracted):
    with (i18n.LOCALE_DIR / "messages.pot").open("rb") as fh:
        committed = read_po(fh)
    assert _messages(committed) == _messages(extracted), "run `make messages` and translate what it adds"


@pytest.mark.parametrize("lang", [lang for lang in i18n.SUPPORTED_LANGUAGES if lang != i18n.SOURCE_LANGUAGE])
def test_every_message_is_translated(extracted, lang):
    with (i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    problems = []
    for message in extracted:
        if not message.id:
            continue
        entry = catalog.get(message.id, context=message.context)
        if entry is None:
            problems.append(f"missing: {message.id!r}")
        elif entry.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        elif not (all(entry.string) if isinstance(entry.string, tuple) else entry.string):
            problems.append(f"untranslated: {message.id!r}")
    assert problems == []


def test_every_student_group_label_is_in_the_catalogs(extracted):
    """The model carries config/student_groups.csv's labels; the page translates them."""
    with (REPO / "config" / "student_groups.csv").open(encoding="utf-8", newline="") as fh:
        labels = {row["label"] for row in csv.DictReader(fh)}
    assert labels - {mid for _, mid in _messages(extracted)} == set()


def test_school_types_carry_their_context(extracted):
    assert (i18n.SCHOOL_TYPE_CONTEXT, "High") in _messages(extracted)
    assert i18n.translate_school_type("High", "es") == "Preparatoria"


def test_catalog_digest_ignores_locations_but_not_translations(tmp_path, monkeypatch):
    po = (i18n.LOCALE_DIR / "es" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    before = i18n.catalog_digest("es")
    folder = tmp_path / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    (folder / "messages.po").write_text(po.replace("#: templates/", "#: moved/templates/"), encoding="utf-8")
    assert i18n.catalog_digest("es") == before
    (folder / "messages.po").write_text(po.replace('msgstr "Matemáticas"', 'msgstr "Mates"'), encoding="utf-8")
    assert i18n.catalog_digest("es") != before


# Wordings a native reader found wrong in the Spanish pages (issue #17), with what replaced them:
# CDE's own change words say "significativamente"; "se preocupan" reads as "adults who worry";
# enrollment is "matrícula"; a 95 % interval is a "margen de confianza"; a family reads
# "estudiantes de inglés" naturally.
REJECTED_SPANISH = ("considerablemente", "se preocupan", "Inscripción", "Rango del", "pasa su peso",
                    "estudiantes del inglés", "Necesidad muy baja", "Más o menos lo esperado", "3 otras")


def test_spanish_wording_keeps_the_reviewed_terms():
    po = (i18n.LOCALE_DIR / "es" / "LC_MESSAGES" / "messages.po").open("rb")
    with po as fh:
        catalog = read_po(fh, locale="es")
    found = []
    for m in catalog:
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for text in strings:
            found += [f"{word!r} in {text!r}" for word in REJECTED_SPANISH if text and word.lower() in text.lower()]
    # the bundled codebook's Spanish domain names (its items may say "se preocupan por mi hijo",
    # which is right: "care about my child")
    with (REPO / "data" / "raw" / "survey_codebook.csv").open(encoding="utf-8", newline="") as fh:
        domains = {row["domain_es"] for row in csv.DictReader(fh)}
    found += [f"{word!r} in domain {name!r} of data/raw/survey_codebook.csv"
              for name in domains for word in REJECTED_SPANISH if word.lower() in name.lower()]
    assert found == []
