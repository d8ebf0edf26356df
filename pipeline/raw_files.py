"""Which file of the raw folder is which source, and which files are no source at all.

A source's file is found by name in its folder whatever the case of the name, and a Dashboard
file whichever of ``.txt`` and ``.csv`` it has (CDE publishes ``.txt``; a spreadsheet's re-export
is often saved as ``.csv``): :func:`locate`. Two files that could both be one source are an error
that names both, never a silent pick.

Every other file in the folders a school year reads (the raw folder itself, the year's folder and
its ``dashboard/``) is listed by :func:`unrecognised_files`, with a hint where one helps: a
Dashboard file of another year, a file in the wrong folder, a spreadsheet, a near-miss name. An
unrecognised file is reported, never read, and does not fail a run. Hidden files (a name starting
with ``.``, such as ``.DS_Store``) are left out, as the raw-folder sensor leaves them out.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path, PurePath

from pipeline.config import dashboard_year, school_year_of
from pipeline.readers import SourceFileError
from pipeline.sources import SOURCES, Source

# CDE's research-file names: ``{indicator}download{YYYY}``, whatever the extension
_DASHBOARD_NAME = re.compile(r"([a-z]+)download(20\d\d)")
_NEAR_MISS = 0.8  # difflib's similarity ratio from which a name is taken for a misspelling of another


def display(path: Path, raw_dir: Path) -> str:
    """``path`` as shown to users: relative to the raw folder's parent (``raw/2023-24/attendance.csv``)."""
    try:
        return str(Path(raw_dir).name / path.relative_to(raw_dir))
    except ValueError:
        return str(path)


def _files(folder: Path) -> list[Path]:
    """The files of ``folder`` (not its sub-folders), hidden files left out; none when it is absent."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def candidates(source: Source, raw_dir: Path | str, school_year: str) -> list[Path]:
    """Every file in ``source``'s folder whose name is the source's, whatever its case and accepted extension."""
    folder = source.folder(raw_dir, school_year)
    names = source.names(school_year)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.name.lower() in names)


def locate(source: Source, raw_dir: Path | str, school_year: str) -> Path | None:
    """The file of ``source`` for ``school_year``, or None when there is none.

    Two candidates (``elpidownload2024.txt`` and ``elpidownload2024.csv``) raise a
    :class:`SourceFileError` naming both: which one is meant is the analyst's to say.
    """
    found = candidates(source, raw_dir, school_year)
    for path in found:
        refuse_outside_link(path, Path(raw_dir))
    if len(found) > 1:
        raise SourceFileError(
            display(found[0], Path(raw_dir)),
            f"two files in one folder for the same source, {' and '.join(p.name for p in found)}: keep one of them",
        )
    return found[0] if found else None


def refuse_outside_link(path: Path, raw_dir: Path) -> None:
    """A file reached through a symbolic link that leaves the raw folder is refused, never read:
    another folder's content (someone's home, another district's exports) must not end up in the
    warehouse or the quarantine."""
    try:
        path.resolve().relative_to(Path(raw_dir).resolve())
    except ValueError:
        raise SourceFileError(display(path, Path(raw_dir)),
                              "a symbolic link to a file outside the raw folder: refused "
                              "(copy the file into the raw folder instead)") from None


@dataclass(frozen=True)
class Unrecognised:
    """A file in the raw folder that matches no source: shown as the users see paths, with a hint ("" when none helps)."""

    file: str
    hint: str


def unrecognised_files(raw_dir: Path | str, school_year: str) -> list[Unrecognised]:
    """The files a run of ``school_year`` sees but reads as no source, folder by folder (shared, year, dashboard)."""
    from pipeline.mapping import layout_files  # CDE's public files and mapped exports are sources' files too

    raw_dir = Path(raw_dir)
    recognised = {p for source in SOURCES.values() for p in candidates(source, raw_dir, school_year)}
    recognised |= layout_files(raw_dir, school_year)
    folders = [raw_dir, raw_dir / school_year, raw_dir / school_year / "dashboard"]
    return [Unrecognised(display(p, raw_dir), _hint(p, raw_dir, school_year))
            for folder in folders for p in _files(folder) if p not in recognised]


def _where(source: Source, raw_dir: Path, school_year: str) -> str:
    """The folder of ``source`` as users see paths, with a trailing slash."""
    return display(source.folder(raw_dir, school_year), raw_dir) + "/"


def _hint(path: Path, raw_dir: Path, school_year: str) -> str:
    """What the file most likely is, and where it belongs; "" when nothing useful can be said."""
    name = path.name.lower()
    stem, suffix = PurePath(name).stem, PurePath(name).suffix
    for source in SOURCES.values():
        if name in source.names(school_year):  # a source's name, in another folder
            where = _where(source, raw_dir, school_year)
            return f"belongs in {where}" + (" (shared by every school year)" if source.location == "shared" else "")
    dashboard = _DASHBOARD_NAME.fullmatch(stem)
    if dashboard:
        indicator, year = dashboard.group(1), int(dashboard.group(2))
        source = SOURCES.get(f"dashboard_{indicator}")
        if source is None:
            return "a Dashboard file of an indicator the scorecards do not use"
        if year != dashboard_year(school_year):
            return f"a file of the {year} Dashboard: belongs in {_where(source, raw_dir, school_year_of(year))}"
    for source in SOURCES.values():  # the right name, saved in another format (.xlsx)
        published = PurePath(source.filename.format(yyyy=dashboard_year(school_year)))
        if stem == published.stem.lower():
            if source.extensions:
                return f"save it as tab- or comma-delimited text: {published.name} (or .csv)"
            return f"save it as comma-delimited text: {published.name}"
    paths = {source.path(raw_dir, school_year).name.lower(): source for source in SOURCES.values()}
    close = difflib.get_close_matches(name, list(paths), n=1, cutoff=_NEAR_MISS)
    if close:
        return f"did you mean {display(paths[close[0]].path(raw_dir, school_year), raw_dir)}?"
    return ""
