"""The school directory from CDE's Public Schools and Districts file (``pubschls.txt``), with a small
local file of the district's own (``directory_overrides.csv``) for contacts and languages.

From ``pubschls.txt`` (read by :func:`pipeline.readers.cde_public.read_public_schools`, checked
against :class:`schemas.cde_public.PublicSchools`): the district's schools (``settings.yaml``
``public_files``), Closed, Merged and Pending schools left out (``public_files.statuses``), the
school type from ``EILCode`` (``config/public_files.yaml``), the grade span from ``GSserved``
(``GSoffered`` when it is blank: a school not yet certified in Fall 1), the principal from the
administrator's name and e-mail, the address. The overrides file, when present, replaces a school's
principal name, e-mail and languages where it has a value; a school without languages there gets
the ``languages`` of ``settings.yaml``. Every school's origin is noted for the validation report.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pipeline.config import Settings
from pipeline.mapping.choice import PublicFiles
from pipeline.mapping.translated import Translated, origin, read_district_rows, text_table
from pipeline.quarantine import validate
from pipeline.raw_files import display
from pipeline.readers import LINE, SourceFileError, read_delimited
from pipeline.readers.cde_public import read_public_schools
from schemas.cde_public import PublicSchools

FILENAME = "pubschls.txt"
OVERRIDES = "directory_overrides.csv"
OVERRIDE_COLUMNS = ["principal_name", "principal_email", "languages"]
_SPAN = re.compile(r"^(P|TK|K|\d{1,2}|Adult)(?:-(P|TK|K|\d{1,2}|Adult))?$")


def _grade(token: str) -> str:
    return str(int(token)) if token.isdigit() else token


def grade_span(span: str) -> tuple[str, str]:
    """``K-5`` -> (K, 5), ``09-12`` -> (9, 12), ``8`` -> (8, 8); anything else is kept whole on both
    sides (``Ungraded``), for the directory's contract to quarantine with its reason."""
    m = _SPAN.match(span or "")
    if not m:
        return span, span
    low = _grade(m.group(1))
    return low, _grade(m.group(2) or m.group(1))


def school_type(eil: str, high: str, choice: PublicFiles) -> str:
    """The directory's school type of an ``EILCode`` (its own code when the table has none)."""
    typ = choice.school_types.get(eil, eil)
    if eil == "ELEMHIGH" and high.isdigit() and int(high) <= 8:
        return choice.elemhigh_through_8
    return typ


def read_overrides(path: Path, raw_dir: Path) -> dict[str, dict]:
    """``cds`` -> {column: value, "line": n} of the overrides file, blank values left out."""
    table = read_delimited(path, required=["cds"], optional=OVERRIDE_COLUMNS)
    shown = display(path, raw_dir)
    if table.bad_records:
        b = table.bad_records[0]
        raise SourceFileError(shown, f"line {b.line}: {b.problem}")
    out: dict[str, dict] = {}
    for row in table.frame.astype(object).to_dict("records"):
        cds = str(row["cds"]).zfill(14) if str(row["cds"]).isdigit() else str(row["cds"])
        if cds in out:
            raise SourceFileError(shown, f"line {row[LINE]}: cds {cds} is also on line {out[cds]['line']}; "
                                         "keep one row per school")
        out[cds] = {c: row[c] for c in OVERRIDE_COLUMNS if c in row and row[c] not in (None, "")}
        out[cds]["line"] = int(row[LINE])
    return out


def public_directory(path: Path, raw_dir: Path, settings: Settings, choice: PublicFiles, *,
                     reference: bool = False) -> Translated:
    """The directory's rows from ``pubschls.txt`` (and ``directory_overrides.csv`` beside it, if any)."""
    shown = display(path, raw_dir)
    raw, others = read_district_rows(read_public_schools, path, shown, choice, reference)
    status = raw.frame["statustype"].astype(object)
    left = status.isin([s for s in ("Active", "Closed", "Merged", "Pending") if s not in choice.statuses])
    left_out = status[left].value_counts().sort_index()
    raw.frame = raw.frame[~left.to_numpy()].reset_index(drop=True)
    if raw.frame.empty and not raw.bad_records:
        raise SourceFileError(shown, f"no school of {choice.chosen} with status {', '.join(choice.statuses)}")
    earlier = validate(raw, PublicSchools, "directory", display_path=shown,
                       engine="reference" if reference else "auto")
    s = earlier.kept.astype(object).where(earlier.kept.notna(), "")
    served = s["gsserved"].where(s["gsserved"].ne(""), s["gsoffered"])
    spans = [grade_span(v) for v in served]
    frame = pd.DataFrame({
        "cds": s["cdscode"], "school_name": s["school"], "district_name": s["district"], "county_name": s["county"],
        "school_type": [school_type(e, hi, choice) for e, (_, hi) in zip(s["eilcode"], spans)],
        "low_grade": [lo for lo, _ in spans], "high_grade": [hi for _, hi in spans],
        "charter": s["charter"].replace({"1": "Y", "0": "N", "": "N"}),
        "principal_name": (s["admfname"].str.strip() + " " + s["admlname"].str.strip()).str.strip(),
        "principal_email": s["admemail"], "languages": ";".join(settings.languages),
        "address": s["street"], "city": s["city"], "zip": s["zip"], LINE: s[LINE],
    })
    overrides_path = find_file(raw_dir, OVERRIDES, raw_dir)
    overrides = read_overrides(overrides_path, raw_dir) if overrides_path else {}
    notes = _apply(frame, overrides, shown, display(overrides_path, raw_dir) if overrides_path else "")
    summary = (f"{len(frame)} schools of {choice.chosen} from CDE's Public Schools file"
               + (", contacts and languages from " + display(overrides_path, raw_dir) if overrides_path else "")
               + f"; left out: {others} rows of other districts, district records or schools not chosen"
               + "".join(f", {n} {st}" for st, n in left_out.items()))
    notes.insert(0, origin("directory", shown, summary, len(frame)))
    return Translated(path, "CDE's Public Schools file", text_table(raw, frame), earlier, notes)


def _apply(frame: pd.DataFrame, overrides: dict[str, dict], shown: str, overrides_shown: str) -> list[dict]:
    """Apply the overrides in place; one origin note per school, and one per override not used."""
    notes = []
    index = {cds: i for i, cds in enumerate(frame["cds"])}
    for cds, values in overrides.items():
        if cds not in index:
            notes.append(origin("directory", overrides_shown, f"line {values['line']}: cds {cds} is not one of the "
                                                              "district's schools in the Public Schools file: not used"))
            continue
        for column in OVERRIDE_COLUMNS:
            if column in values:
                frame.loc[index[cds], column] = values[column]
    for cds, name, line in zip(frame["cds"], frame["school_name"], frame[LINE]):
        used = [c.replace("_", " ") for c in OVERRIDE_COLUMNS if c in overrides.get(cds, {})]
        where = f"{shown} line {line}"
        if used:
            where += f"; {', '.join(used)} from {overrides_shown} line {overrides[cds]['line']}"
        if "languages" not in overrides.get(cds, {}):
            where += "; languages from settings.yaml"
        notes.append(origin("directory", shown, f"{cds} {name}: {where}"))
    return notes


def find_file(folder: Path, name: str, raw_dir: Path) -> Path | None:
    """The file named ``name`` in ``folder``, whatever the case of its name (two: an error naming both)."""
    if not folder.is_dir():
        return None
    found = sorted(p for p in folder.iterdir() if p.is_file() and p.name.lower() == name.lower())
    if len(found) > 1:
        raise SourceFileError(display(found[0], raw_dir),
                              f"two files for one source, {' and '.join(p.name for p in found)}: keep one of them")
    return found[0] if found else None
