"""Write a school year's scorecards: per school HTML, PDF and CSV per language, the index, the manifest.

Each school's model is built once and presented per language. Incremental: each document's content
hash (its presented page plus the templates, styles and catalogs) is kept in ``manifest.json``; a
school whose hash is unchanged and whose files are intact is not rendered again, so a nightly
refresh with unchanged data renders nothing.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb

from pipeline.config import PROJECT_ROOT, Settings
from pipeline.outputs import school_dir, sha256, write_atomic
from pipeline.render.data_csv import data_file_name, school_csv, school_table, school_xlsx
from pipeline.render.html import render_index_html, render_scorecard_html
from pipeline.render.i18n import catalog_digest
from pipeline.render.pdf import render_pdfs
from pipeline.render.present import present, present_date
from pipeline.scorecard import build_scorecard, load_year
from pipeline.scorecard.data_csv import school_records

MANIFEST = "manifest.json"


@dataclass
class PublishSummary:
    schools: int = 0
    documents: int = 0  # (school, language) pairs
    rendered: list[str] = field(default_factory=list)  # "<cds>/<lang>" rendered this time
    skipped: int = 0
    files: dict[str, str] = field(default_factory=dict)  # relative path -> sha256
    index: Path | None = None
    manifest: Path | None = None


# Folders of the year that are not the published scorecards: delivery's own records (the .eml
# outbox carries the time it was written, so listing it would change the manifest every run).
NOT_PUBLISHED = {"outbox", "delivery"}


def templates_fingerprint() -> str:
    """Hash of everything under templates/ that shapes a scorecard.

    Templates, styles and fonts count byte for byte; a catalog counts by what it says (its
    messages and translations, :func:`~pipeline.render.i18n.catalog_digest`), so refreshing a
    catalog's location comments with ``make messages`` does not re-render every scorecard.
    """
    h = hashlib.sha256()
    root = PROJECT_ROOT / "templates"
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        if path.suffix in {".j2", ".css", ".ttf", ".otf", ".woff", ".woff2"}:
            h.update(path.relative_to(root).as_posix().encode())
            h.update(path.read_bytes())
        elif path.suffix == ".po" and path.parent.name == "LC_MESSAGES":
            h.update(path.relative_to(root).as_posix().encode())
            h.update(catalog_digest(path.parent.parent.name).encode())
    return h.hexdigest()


def content_hash(page: dict, *extra: str) -> str:
    """Stable hash of a presented page (and e.g. template versions): same hash, same document.

    The page, not the model, is hashed: it holds every figure as formatted and every word as
    translated, so a change in formatting or wording changes the hash too.
    """
    payload = json.dumps(page, sort_keys=True, ensure_ascii=False, default=str) + "".join(extra)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def index_name(lang: str, languages: tuple[str, ...] | list[str]) -> str:
    """The index page of a language: ``index.html`` for the first language, ``index.<lang>.html``
    for the others."""
    return "index.html" if lang == languages[0] else f"index.{lang}.html"


def page_links(lang: str, languages: tuple[str, ...] | list[str]) -> dict:
    """The school page's way back to its index and to the same page in the other languages
    (relative links of the web version; the PDF carries none)."""
    return {"index": f"../../{index_name(lang, languages)}",
            "languages": [{"lang": code, "href": f"scorecard.{code}.html"} for code in languages if code != lang]}


def _read_manifest(year_dir: Path) -> dict:
    try:
        return json.loads((year_dir / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def publish_year(
    con: duckdb.DuckDBPyConnection,
    school_year: str,
    year_dir: Path,
    settings: Settings,
    only: list[str] | None = None,
    force: bool = False,
    workers: int | None = None,
    as_of: date | None = None,
) -> PublishSummary:
    """Render every school of ``school_year`` (or the CDS codes in ``only``) into ``year_dir``.

    Each page says "Data as of ``as_of``" (default: today, UTC). The date is left out of the
    content hash: a document whose data did not change is not rendered again and keeps the date
    its data were produced on."""
    as_of = as_of or datetime.now(timezone.utc).date()
    data = load_year(con, school_year)
    fingerprint = templates_fingerprint()
    previous = _read_manifest(year_dir)
    old_hashes = previous.get("documents", {})
    summary = PublishSummary()
    hashes: dict[str, str] = {}
    pdf_jobs = []
    index_rows = []
    for _, school in data.directory.sort_values("school_name").iterrows():
        cds = school["cds"]
        folder = school_dir(year_dir, cds)
        summary.schools += 1
        # overall level (level_rank 1..5) and equity-need tier (tier_rank 1 = highest need)
        index_rows.append(data.index_row(school, list(settings.languages)))
        wanted = only is None or cds in only
        model = build_scorecard(data, school, school_year, settings)
        if wanted:  # the school's numbers in each language: data.csv (English), data.<lang>.csv, and as .xlsx
            records = school_records(data, cds)
            for lang in settings.languages:
                table = school_table(records, model, settings.student_groups, lang)
                write_atomic(folder / data_file_name(lang), school_csv(table, lang))
                write_atomic(folder / data_file_name(lang, "xlsx"), school_xlsx(table, lang))
        for lang in settings.languages:
            summary.documents += 1
            doc = f"{cds}/{lang}"
            page = {**present(model, lang, district=settings.district_names.get(lang)),
                    "links": page_links(lang, settings.languages)}
            digest = content_hash(page, fingerprint)
            page["data_as_of"] = present_date(as_of, lang)
            hashes[doc] = digest
            html_path, pdf_path = folder / f"scorecard.{lang}.html", folder / f"scorecard.{lang}.pdf"
            unchanged = old_hashes.get(doc) == digest and html_path.exists() and pdf_path.exists()
            if not wanted or (unchanged and not force):
                summary.skipped += 1
                if not wanted and doc in old_hashes:
                    hashes[doc] = old_hashes[doc]
                continue
            write_atomic(html_path, render_scorecard_html(page, css_inline=True))
            pdf_jobs.append((render_scorecard_html(page, css_inline=False), pdf_path, page["title"], lang))
            summary.rendered.append(doc)
    render_pdfs(pdf_jobs, workers=workers)
    # one index per language, each with links to the others; the first language's is index.html
    languages = list(settings.languages)
    for lang in languages:
        path = write_atomic(year_dir / index_name(lang, languages), render_index_html(
            index_rows, school_year, lang=lang, district=settings.district_names.get(lang, settings.district_name),
            others=[{"lang": code, "href": index_name(code, languages)} for code in languages if code != lang],
            data_as_of=present_date(as_of, lang)))
        summary.index = summary.index or path
    for path in sorted(year_dir.rglob("*")):
        if path.is_file() and path.name != MANIFEST and not path.name.startswith(".") \
                and path.relative_to(year_dir).parts[0] not in NOT_PUBLISHED:
            summary.files[path.relative_to(year_dir).as_posix()] = sha256(path)
    manifest = {"school_year": school_year, "documents": hashes, "files": summary.files}
    summary.manifest = write_atomic(year_dir / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))
    return summary
