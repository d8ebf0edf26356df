"""Translations and per-language number formatting for the scorecards.

Catalogs are gettext catalogs under ``templates/locale/<lang>/LC_MESSAGES/messages.po``, kept with
Babel's own tools (``babel.cfg`` says where the messages are; ``make messages`` runs
``pybabel extract`` and ``pybabel update``; ``pybabel init`` starts a language; see the README).
English (``en``) is the source language: msgids are the English text, so English needs no
catalog. :data:`SUPPORTED_LANGUAGES` is discovered from the catalogs present.

A compiled ``messages.mo`` beside the ``.po`` (``pybabel compile``) is used when it is at least
as new as the ``.po``; otherwise the ``.po`` is compiled in memory with ``babel.messages`` (a few
milliseconds, once per process), so no build step is needed. The ``.mo`` files are not kept
in git (their checkout times would say nothing about staleness).

Formatting helpers (:func:`format_decimal`, :func:`format_rate`, ...) round half-up with
decimal arithmetic, print a true minus sign (U+2212) and use the language's US locale
(``en`` -> ``en_US``, ``es`` -> ``es_US``: "23.4%", "1,234" as California families read them).
They return ``None`` for ``None`` so suppressed values stay ``None`` for the templates.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import io
import re
from decimal import ROUND_HALF_UP, Decimal
from gettext import NullTranslations
from pathlib import Path

import babel.numbers
from babel import Locale, UnknownLocaleError
from babel.dates import format_date as _babel_format_date
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
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


# School types share words with status levels ("High"), so they carry a gettext context
# (marked in pipeline/scorecard/labels.py): translate them with translate_school_type().
SCHOOL_TYPE_CONTEXT = "school type"


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
    # times say nothing about which file is newer). `pybabel compile -d templates/locale`
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


# ------------------------------------------------------------------------ fingerprint

def catalog_digest(lang: str) -> str:
    """SHA-256 of what ``lang``'s catalog says: every message with its context, translation and
    fuzzy flag, in a stable order. Location comments and the header are left out, so refreshing
    the catalog with ``make messages`` changes the digest only when a translation changed."""
    entries = sorted(
        (repr(m.context), repr(m.id), repr(m.string), m.fuzzy)
        for m in _read_catalog(lang) if m.id
    )
    return hashlib.sha256(repr(entries).encode("utf-8")).hexdigest()
