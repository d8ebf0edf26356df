"""Translations and per-language number formatting for the scorecards.

Catalogs are Babel/gettext catalogs under ``templates/locale/<lang>/LC_MESSAGES/messages.po``.
English (``en``) is the source language: msgids are the English text, so English needs no
catalog. Adding a language means adding a catalog (``python -m pipeline.render.i18n init vi``,
then translate): :data:`SUPPORTED_LANGUAGES` is discovered from the catalogs present.

A compiled ``messages.mo`` beside the ``.po`` is used when it is at least as new as the
``.po``; otherwise the ``.po`` is compiled in memory with ``babel.messages`` (a few
milliseconds, once per process), so no build step is needed. The ``.mo`` files are not kept
in git (their checkout times would say nothing about staleness).

Formatting helpers (:func:`format_decimal`, :func:`format_rate`, ...) round half-up with
decimal arithmetic, print a true minus sign (U+2212) and use the language's US locale
(``en`` -> ``en_US``, ``es`` -> ``es_US``: "23.4%", "1,234" as California families read them).
They return ``None`` for ``None`` so suppressed values stay ``None`` for the templates.

Command line (run from the repository root)::

    python -m pipeline.render.i18n extract      # templates + code -> templates/locale/messages.pot
    python -m pipeline.render.i18n update       # merge the .pot into every .po
    python -m pipeline.render.i18n init vi      # start a new language from the .pot
    python -m pipeline.render.i18n compile      # write every .mo
    python -m pipeline.render.i18n check        # list untranslated or fuzzy messages
"""

from __future__ import annotations

import datetime as _dt
import functools
import io
import os
import re
import sys
import tempfile
from decimal import ROUND_HALF_UP, Decimal
from gettext import NullTranslations
from pathlib import Path

import babel.numbers
from babel import Locale, UnknownLocaleError
from babel.dates import format_date as _babel_format_date
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import Translations

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
LOCALE_DIR = TEMPLATES_DIR / "locale"
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"
MINUS = "\u2212"

# Babel locale used for numbers and dates, per document language. Other languages try
# "<lang>_US" first, then "<lang>".
_NUMBER_LOCALES = {"en": "en_US", "es": "es_US"}


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message


# Labels a scorecard page translates with get_translations(lang).gettext (pipeline/render/present.py
# and the sample page). They live here so that `extract` puts them in the catalogs and `check` finds gaps.
MODEL_MESSAGES: tuple[str, ...] = (
    # indicators
    N_("Chronic absenteeism"), N_("Suspension rate"), N_("Graduation rate"),
    N_("English learner progress"), N_("English language arts"), N_("Mathematics"),
    N_("College/career"), N_("Science"),
    # student groups
    N_("All students"), N_("African American"), N_("American Indian or Alaska Native"),
    N_("Asian"), N_("Filipino"), N_("Hispanic or Latino"), N_("Pacific Islander"),
    N_("White"), N_("Two or more races"), N_("English learners"),
    N_("Long-term English learners"), N_("Reclassified fluent English proficient"),
    N_("English only"), N_("English learners only"), N_("Socioeconomically disadvantaged"),
    N_("Students with disabilities"), N_("Foster youth"), N_("Homeless youth"),
    N_("Smarter Balanced takers"), N_("Alternate assessment takers"),
    # Dashboard colours
    N_("Red"), N_("Orange"), N_("Yellow"), N_("Green"), N_("Blue"),
    # status levels
    N_("Very low"), N_("Low"), N_("Medium"), N_("High"), N_("Very high"),
    # change levels
    N_("Declined significantly"), N_("Declined"), N_("Maintained"), N_("Increased"),
    N_("Increased significantly"),
    # change sentences: value is a formatted number of points without a sign
    N_("Declined significantly by %(value)s points"), N_("Declined by %(value)s points"),
    N_("Maintained (%(value)s points)"), N_("Increased by %(value)s points"),
    N_("Increased significantly by %(value)s points"),
    N_("No prior-year result to compare"),
    # common document words
    N_("School Scorecard"), N_("%(school)s — School Scorecard %(year)s"),
    N_("Sample Unified School District"),
)


# School types share words with status levels ("High"), so they carry a gettext context:
# translate them with translate_school_type(), i.e. pgettext("school type", value).
SCHOOL_TYPE_CONTEXT = "school type"
SCHOOL_TYPES: tuple[str, ...] = ("Elementary", "Middle", "High", "TK–8 span", "TK–12 span")


# --------------------------------------------------------------------------- catalogs

def _discover_languages() -> tuple[str, ...]:
    found = []
    if LOCALE_DIR.is_dir():
        for child in sorted(LOCALE_DIR.iterdir()):
            if child.name != SOURCE_LANGUAGE and (child / "LC_MESSAGES" / f"{DOMAIN}.po").is_file():
                found.append(child.name)
    return (SOURCE_LANGUAGE, *found)


SUPPORTED_LANGUAGES: tuple[str, ...] = _discover_languages()


def _po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def _read_catalog(lang: str) -> Catalog:
    with _po_path(lang).open("rb") as fh:
        return read_po(fh, locale=lang, domain=DOMAIN)


def compile_catalog(lang: str) -> bytes:
    """Compile one language's ``.po`` to ``.mo`` bytes (fuzzy entries left out)."""
    buf = io.BytesIO()
    write_mo(buf, _read_catalog(lang), use_fuzzy=False)
    return buf.getvalue()


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_language(lang: str) -> str:
    """Return ``lang`` if a catalog exists for it, else raise ``ValueError``."""
    if lang not in SUPPORTED_LANGUAGES:
        raise ValueError(
            f"unsupported language {lang!r}: catalogs exist for {', '.join(SUPPORTED_LANGUAGES)} "
            f"(add {LOCALE_DIR}/{lang}/LC_MESSAGES/{DOMAIN}.po to add one)")
    return lang


class _Translations(Translations):
    """gettext("") returns "" (GNU gettext would return the catalog's header block)."""

    def gettext(self, message: str) -> str:
        return message if not message else super().gettext(message)

    def pgettext(self, context: str, message: str) -> str:
        return message if not message else super().pgettext(context, message)


@functools.lru_cache(maxsize=None)
def get_translations(lang: str) -> NullTranslations:
    """gettext translations for ``lang`` (``gettext``, ``ngettext``, ``pgettext``, ...).

    English returns a ``NullTranslations`` (msgids are English). Raises ``ValueError`` for a
    language without a catalog.
    """
    check_language(lang)
    if lang == SOURCE_LANGUAGE:
        return _Translations()  # no catalog: every msgid is returned unchanged
    po = _po_path(lang)
    mo = po.with_suffix(".mo")
    if mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as fh:
            return _Translations(fh, domain=DOMAIN)
    # Compiled in memory, not written: a .mo in the work tree could go stale in git (checkout
    # times say nothing about which file is newer). `python -m pipeline.render.i18n compile`
    # writes .mo files for deployments that want them.
    return _Translations(io.BytesIO(compile_catalog(lang)), domain=DOMAIN)


def gettext(message: str, lang: str) -> str:
    """Translate one message (shortcut for ``get_translations(lang).gettext``)."""
    return get_translations(lang).gettext(message)


def translate_school_type(value: str, lang: str) -> str:
    """``"High"`` -> ``"Preparatoria"``: school types use the ``"school type"`` context."""
    return get_translations(lang).pgettext(SCHOOL_TYPE_CONTEXT, value)


# ------------------------------------------------------------------------- formatting

@functools.lru_cache(maxsize=None)
def number_locale(lang: str) -> Locale:
    """The Babel locale used for numbers and dates in documents of language ``lang``."""
    for name in (_NUMBER_LOCALES.get(lang), f"{lang}_US", lang):
        if not name:
            continue
        try:
            return Locale.parse(name)
        except (UnknownLocaleError, ValueError):
            continue
    raise ValueError(f"no Babel locale for language {lang!r}")


def _half_up(value, digits: int) -> Decimal:
    quantum = Decimal(1).scaleb(-digits)
    result = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    return abs(result) if result == 0 else result  # no "-0.0"


def _pattern(digits: int) -> str:
    return "#,##0" + ("." + "0" * digits if digits > 0 else "")


def _true_minus(text: str, lang: str) -> str:
    sign = number_locale(lang).number_symbols.get("latn", {}).get("minusSign", "-")
    return text.replace(sign, MINUS, 1) if text.startswith(sign) else text


@functools.lru_cache(maxsize=1 << 18)  # a district's scorecards repeat the same few thousand figures
def format_decimal(value, lang: str, digits: int = 1) -> str | None:
    """``1234.56 -> "1,234.6"`` with exactly ``digits`` decimals, rounded half-up."""
    if value is None:
        return None
    number = _half_up(value, digits)
    return _true_minus(babel.numbers.format_decimal(
        number, format=_pattern(digits), locale=number_locale(lang)), lang)


def format_integer(value, lang: str) -> str | None:
    """``1234 -> "1,234"`` (counts, enrollment)."""
    return format_decimal(value, lang, digits=0)


def format_percent(fraction, lang: str, digits: int = 1) -> str | None:
    """A fraction as a percentage: ``0.2345 -> "23.5%"`` (``es``: ``"23.5%"``)."""
    if fraction is None:
        return None
    return format_rate(Decimal(str(fraction)) * 100, lang, digits)


@functools.lru_cache(maxsize=1 << 18)  # a district's scorecards repeat the same few thousand figures
def format_rate(percent, lang: str, digits: int = 1) -> str | None:
    """A value already in percent: ``23.4 -> "23.4%"`` (Dashboard statuses are in percent)."""
    if percent is None:
        return None
    loc = number_locale(lang)
    number = _half_up(percent, digits) / 100
    base = loc.percent_formats[None].pattern
    pattern = re.sub(r"0(?=[^0]*$)", "0" + ("." + "0" * digits if digits else ""), base, count=1)
    return _true_minus(babel.numbers.format_percent(
        number, format=pattern, locale=loc, decimal_quantization=False), lang)


@functools.lru_cache(maxsize=1 << 18)  # a district's scorecards repeat the same few thousand figures
def format_change(value, lang: str, digits: int = 1) -> str | None:
    """A signed difference: ``2.14 -> "+2.1"``, ``-2.1 -> "−2.1"``, ``0.04 -> "0.0"``."""
    if value is None:
        return None
    number = _half_up(value, digits)
    text = format_decimal(number, lang, digits)
    return f"+{text}" if number > 0 else text


def format_date(value: _dt.date, lang: str, style: str = "long") -> str:
    """``date(2024, 6, 1) -> "June 1, 2024"`` / ``"1 de junio de 2024"``."""
    return _babel_format_date(value, format=style, locale=number_locale(lang))


def language_name(lang: str) -> str:
    """The language's own name, capitalised: ``"English"``, ``"Español"``."""
    name = Locale.parse(lang).get_display_name(lang) or lang
    return name[:1].upper() + name[1:]


# ------------------------------------------------------------------------ maintenance

def extract_catalog() -> Catalog:
    """Collect every translatable message: templates, render code and MODEL_MESSAGES."""
    from babel.messages.extract import extract_from_dir

    catalog = Catalog(project="school-scorecards", domain=DOMAIN, fuzzy=False)
    sources = [
        (TEMPLATES_DIR, [("**.j2", "jinja2.ext:babel_extract")],
         {"**.j2": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true",
                    "trimmed": "true", "silent": "false"}}),
        # the whole pipeline package: the model's English words (pipeline/scorecard/labels.py) are
        # marked with N_(), the presenter's sentences (pipeline/render/present.py) with _()
        (Path(__file__).resolve().parents[1], [("**.py", "python")], {}),
    ]
    keywords = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2),
                "pgettext": ((1, "c"), 2)}
    for folder, method_map, options_map in sources:
        for filename, lineno, message, comments, context in extract_from_dir(
                folder, method_map, options_map, keywords=keywords, comment_tags=("TRANSLATORS:",)):
            catalog.add(message, None, [(filename, lineno)], auto_comments=comments,
                        context=context)
    for message in MODEL_MESSAGES:
        if catalog.get(message) is None:
            catalog.add(message, None, [("pipeline/render/i18n.py", 0)])
    for message in SCHOOL_TYPES:
        if catalog.get(message, context=SCHOOL_TYPE_CONTEXT) is None:
            catalog.add(message, None, [("pipeline/render/i18n.py", 0)],
                        context=SCHOOL_TYPE_CONTEXT)
    return catalog


def catalog_problems(lang: str) -> list[str]:
    """Messages in the code/templates that ``lang``'s catalog lacks, leaves empty or fuzzy."""
    if lang == SOURCE_LANGUAGE:
        return []
    wanted = extract_catalog()
    have = _read_catalog(lang)
    problems = []
    for message in wanted:
        if not message.id:
            continue
        entry = have.get(message.id, context=message.context)
        if entry is None:
            problems.append(f"missing: {message.id!r}")
        elif entry.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        elif not (all(entry.string) if isinstance(entry.string, tuple) else entry.string):
            problems.append(f"untranslated: {message.id!r}")
    return problems


def _write_po(catalog: Catalog, path: Path) -> None:
    buf = io.BytesIO()
    write_po(buf, catalog, width=100, omit_header=False, sort_output=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(path, buf.getvalue())


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else "check"
    pot = LOCALE_DIR / f"{DOMAIN}.pot"
    if command == "extract":
        _write_po(extract_catalog(), pot)
        print(f"wrote {pot}")
    elif command == "update":
        template = extract_catalog()
        for lang in SUPPORTED_LANGUAGES[1:]:
            catalog = _read_catalog(lang)
            catalog.update(template, no_fuzzy_matching=True)
            _write_po(catalog, _po_path(lang))
            print(f"updated {_po_path(lang)}")
    elif command == "init":
        lang = args[1]
        catalog = extract_catalog()
        catalog.locale = Locale.parse(lang)
        _write_po(catalog, _po_path(lang))
        print(f"wrote {_po_path(lang)}: translate it, then run `compile`")
    elif command == "compile":
        for lang in SUPPORTED_LANGUAGES[1:]:
            _atomic_write(_po_path(lang).with_suffix(".mo"), compile_catalog(lang))
            print(f"compiled {lang}")
    elif command == "check":
        bad = 0
        for lang in SUPPORTED_LANGUAGES[1:]:
            for problem in catalog_problems(lang):
                print(f"{lang}: {problem}")
                bad += 1
        return 1 if bad else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
