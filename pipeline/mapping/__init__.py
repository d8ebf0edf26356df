"""A source's rows from a file in another layout than the pipeline's own: CDE's public files, and any
export a district points at a source with a YAML mapping.

When a source's own file (``directory.csv``, ``<year>/attendance.csv``, ...) is absent,
:func:`translate` looks for, in order:

- for ``directory``: CDE's Public Schools file ``<raw>/pubschls.txt``
  (:mod:`~pipeline.mapping.public_directory`, with ``<raw>/directory_overrides.csv``);
- for ``enrollment``: CDE's Census Day Enrollment file ``<raw>/<year>/cdenroll<yy><yy>.txt``
  (also ``-v2`` and ``.csv``; :mod:`~pipeline.mapping.public_enrollment`);
- for any district source: an export named by a mapping in ``config/mappings/*.yaml``
  (:mod:`~pipeline.mapping.configured`; the folder is ``SCORECARDS_MAPPINGS_DIR`` when set).

The rows are then validated against the source's contract as any file's are; the file's own
contract (for CDE's files) quarantines first, and the run notes where every row came from
(``ingest_notes``, kind ``origin``, shown in the validation report). Two files that could both be
the source (the own file and a mapped one, or two mapped ones) are an error naming both.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

from pipeline.config import CONFIG_DIR, Settings
from pipeline.mapping.choice import PublicFiles, load_public_files
from pipeline.mapping.configured import Mapping, load_mapping, read_mapped
from pipeline.mapping.public_directory import FILENAME as PUBSCHLS
from pipeline.mapping.public_directory import OVERRIDES, find_file, public_directory
from pipeline.mapping.public_enrollment import census_name, public_enrollment
from pipeline.mapping.translated import Translated
from pipeline.raw_files import display
from pipeline.readers import SourceFileError
from pipeline.sources import SOURCES, Source

__all__ = ["Mapping", "PublicFiles", "Translated", "layout_files", "load_mapping", "load_public_files",
           "mappings_dir", "translate"]


def mappings_dir() -> Path:
    """The folder of the mapping files: ``SCORECARDS_MAPPINGS_DIR``, else ``config/mappings/``."""
    return Path(os.environ.get("SCORECARDS_MAPPINGS_DIR") or CONFIG_DIR / "mappings")


def _mappings_of(source: Source) -> list[Mapping]:
    """The mappings of ``source``; a mapping file that cannot be read stops the source it names (or
    every source, when it names no source that exists)."""
    folder = mappings_dir()
    out = []
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        try:
            out.append(load_mapping(path))
        except SourceFileError:
            try:
                declared = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("source")
            except Exception:  # not YAML, or not a mapping: the source cannot be told
                declared = None
            if declared in (None, source.name) or declared not in SOURCES:
                raise  # its own source's, or a source that does not exist: no source can be trusted
    return out


def _census_files(folder: Path, school_year: str) -> list[Path]:
    if not folder.is_dir():
        return []
    name = re.compile(re.escape(census_name(school_year)) + r"(-v\d+)?\.(txt|csv)")
    return sorted(p for p in folder.iterdir() if p.is_file() and name.fullmatch(p.name.lower()))


def _one(found: list[tuple[Path, object]], raw_dir: Path, what: str):
    if len(found) > 1:
        names = " and ".join(display(p, raw_dir) for p, _ in found)
        raise SourceFileError(display(found[0][0], raw_dir), f"two files for {what}, {names}: keep one of them")
    return found[0] if found else None


def translate(source: Source, raw_dir: Path | str, school_year: str, settings: Settings, *,
              reference: bool = False, own_file: Path | None = None) -> Translated | None:
    """``source``'s rows from a file in another layout, or None when there is none.

    ``own_file``: the source's own file when there is one; a file in another layout beside it is
    then an error naming both (None is returned when there is neither conflict nor other file).
    """
    raw_dir = Path(raw_dir)
    found: list[tuple[Path, object]] = []
    if source.name == "directory":
        path = find_file(raw_dir, PUBSCHLS, raw_dir)
        if path is not None:
            found.append((path, "public"))
    if source.name == "enrollment":
        found += [(p, "public") for p in _census_files(raw_dir / school_year, school_year)]
    folder = source.folder(raw_dir, school_year)
    for mapping in _mappings_of(source):
        if mapping.source.name == source.name:
            path = find_file(folder, mapping.file, raw_dir)
            if path is not None:
                found.append((path, mapping))
    if own_file is not None:
        if found:
            names = " and ".join([display(own_file, raw_dir)] + [display(p, raw_dir) for p, _ in found])
            raise SourceFileError(display(own_file, raw_dir), f"two files for {source.name}, {names}: keep one of them")
        return None
    chosen = _one(found, raw_dir, source.name)
    if chosen is None:
        return None
    path, how = chosen
    if how == "public":
        choice = load_public_files()
        if source.name == "directory":
            return public_directory(path, raw_dir, settings, choice, reference=reference)
        return public_enrollment(path, raw_dir, choice, reference=reference)
    return read_mapped(how, path, raw_dir, school_year, reference=reference)


def layout_files(raw_dir: Path | str, school_year: str) -> set[Path]:
    """The files of the raw folder that are a source's in another layout (for the list of unrecognised
    files). A mapping file that cannot be read names no file here: reading its source says what is wrong."""
    raw_dir = Path(raw_dir)
    files = {p for name in (PUBSCHLS, OVERRIDES) for p in [_quiet(find_file, raw_dir, name, raw_dir)] if p}
    files |= set(_census_files(raw_dir / school_year, school_year))
    folder = mappings_dir()
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        mapping = _quiet(load_mapping, path)
        if mapping is not None:
            found = _quiet(find_file, mapping.source.folder(raw_dir, school_year), mapping.file, raw_dir)
            if found:
                files.add(found)
    return files


def _quiet(function, *args):
    try:
        return function(*args)
    except SourceFileError:
        return None
