"""Normalise what readers read, before validation: the drift seen in real exports, made uniform.

CDE research files and their re-exports differ in small ways: ``cds`` without leading zeros,
student-group labels instead of codes (``English Learner``), ``LT EL`` for ``LTEL``, ``*`` privacy
marks. District exports carry the school year in every row. Rules that depend on the run (the
school-year folder) become :class:`~pipeline.quarantine.RowRule` objects or file-level errors.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.config import Settings, dashboard_year
from pipeline.plain_text import plain_line
from pipeline.quarantine import RowRule, per_value
from pipeline.readers import LINE, RawTable, SourceFileError, normalise_name

PRIVACY_MARK = "*"


def pad_cds(values: pd.Series) -> pd.Series:
    """Restore leading zeros that spreadsheets strip from 14-digit CDS codes (``0`` is the state)."""
    def pad(values: pd.Series) -> pd.Series:
        digits = values.str.fullmatch(r"\d{1,14}").fillna(False)
        return values.where(~digits, values.str.zfill(14))

    return per_value(values, pad)


def map_groups(values: pd.Series, settings: Settings) -> pd.Series:
    """Student-group labels and spellings (``English Learner``, ``LT EL``) to CDE codes."""
    def to_code(values: pd.Series) -> pd.Series:
        mapped = values.str.strip().str.lower().map(settings.group_aliases)
        return mapped.where(mapped.notna(), values)

    return per_value(values, to_code)


def clear_privacy_marks(frame: pd.DataFrame) -> pd.DataFrame:
    """Turn ``*`` into blanks and list, per row, the columns that held one."""
    value_cols = [c for c in frame.columns if c != LINE]
    marks = frame[value_cols].eq(PRIVACY_MARK)
    if not marks.any().any():
        frame["suppressed_columns"] = ""
        return frame
    frame = frame.copy()
    marked = [c for c in value_cols if marks[c].any()]
    suppressed = np.full(len(frame), "", dtype=object)
    for c in marked:  # ";".join of the marked columns' names, row by row, in column order
        hit = np.asarray(marks[c], dtype=bool)
        frame[c] = frame[c].mask(hit, "")
        suppressed[hit] = [f"{s};{c}" if s else c for s in suppressed[hit]]
    frame["suppressed_columns"] = pd.Series(suppressed, index=frame.index, dtype=object)
    return frame


def normalise_dashboard(raw: RawTable, school_year: str, settings: Settings) -> RawTable:
    """Make a CDE research file (or a re-export of one) look as published, and check its year."""
    frame = raw.frame
    frame["cds"] = pad_cds(frame["cds"])
    frame["studentgroup"] = map_groups(frame["studentgroup"], settings)
    frame = clear_privacy_marks(frame)
    raw.frame = frame
    return raw


def year_rules(raw: RawTable, school_year: str) -> list[RowRule]:
    """Every row names its year (``school_year`` in district exports, ``reportingyear`` in CDE
    files). When no row matches the folder the file is misplaced: a file-level error. Otherwise the
    few rows of another year are quarantined."""
    frame = raw.frame
    if "reportingyear" in frame.columns:
        column, expected = "reportingyear", str(dashboard_year(school_year))
        what = f"the {school_year} folder, which expects the {expected} Dashboard"
    elif "school_year" in frame.columns:
        column, expected = "school_year", school_year
        what = f"the {school_year} folder"
    else:
        return []
    present = frame[column][frame[column].ne("")]
    if len(present) and not present.eq(expected).any():
        raise SourceFileError(
            raw.path,
            f"wrong year: the rows are for {column} {plain_line(present.astype(object).value_counts().index[0], 40)}, "
            f"but the file "
            f"sits in {what}; move it to the right school-year folder",
        )
    return [RowRule(
        column=column, check="year_matches_folder",
        reason=f"{column} differs from the folder's year ({expected})",
        failing=lambda f: f[column].notna() & f[column].ne(expected).fillna(True),
    )]


def survey_rules(raw: RawTable, codebook: pd.DataFrame | None) -> list[RowRule]:
    """Answers must fit their item's scale and come from the item's respondent group (codebook)."""
    if codebook is None or codebook.empty:
        return []
    rules = []
    groups = sorted(set(codebook["respondent_group"].dropna()))
    for item in codebook.itertuples():
        col = normalise_name(item.item_id)  # the reader lower-cases headers: ST01 is column st01
        if col not in raw.frame.columns:
            continue
        points, group = int(item.scale_points), item.respondent_group
        rules.append(RowRule(
            column=col, check="within_item_scale",
            reason=f"answer outside the item's {points}-point scale",
            failing=lambda f, c=col, p=points: per_value(f[c], lambda v: pd.to_numeric(v, errors="coerce").gt(p)),
        ))
        rules.append(RowRule(
            column=col, check="item_for_respondent_group",
            reason=f"answer to a {group} item from another respondent group",
            # only a known group can be the wrong one: a missing or invalid group is its own reason
            failing=lambda f, c=col, g=group: (f[c].notna() & f["respondent_group"].isin(groups)
                                               & f["respondent_group"].ne(g)).fillna(False).astype(bool),
        ))
    return rules


# --- the school directory ------------------------------------------------------------------------

DIRECTORY_NAMES = ("school_name", "district_name", "county_name", "principal_name", "address", "city")
SCHOOL_NAME_LIMIT = 120


def normalise_directory(raw: RawTable, shown: str) -> RawTable:
    """The directory as one row per school, its names safe for titles, subjects and metadata.

    - A CDS code listed twice is refused, both lines named: which principal is right is the
      district's to say, not ours to guess (:class:`SourceFileError`).
    - Names lose line breaks, control characters and bidi overrides (``plain_text.plain_line``).
    - A school name over 120 characters is cut to 120 (ending in "…"): a problem of that field,
      not of the school, which keeps its row and its scorecard; ``field_notes`` says so and the
      validation report lists it. The principal's e-mail is left as written: delivery and the
      report say why one is unusable (``directory_fields``).
    """
    frame = raw.frame
    codes = frame["cds"].astype("string").str.strip()
    twice = codes[codes.notna() & codes.duplicated(keep=False)]
    if len(twice):
        lines = frame.loc[twice.index, LINE]
        cds = twice.iloc[0]
        where = " and ".join(str(n) for n in lines[twice == cds])
        more = f" (and {twice.nunique() - 1} more CDS code(s) listed twice)" if twice.nunique() > 1 else ""
        raise SourceFileError(shown, f"CDS {cds} is listed twice, on lines {where}{more}: refusing to guess "
                                     "which row is right; keep one row per school")
    notes = pd.Series("", index=frame.index, dtype=object)
    for column in DIRECTORY_NAMES:
        if column not in frame.columns:
            continue
        values = frame[column]
        cleaned = per_value(values, lambda v: v.map(lambda x: x if x is None or x != x else plain_line(x)))
        if column == "school_name":
            long = cleaned.str.len().fillna(0) > SCHOOL_NAME_LIMIT
            if long.any():
                lengths = cleaned[long].str.len()
                cleaned = cleaned.where(~long, cleaned.str.slice(0, SCHOOL_NAME_LIMIT - 1).str.rstrip() + "…")
                notes[long] = [f"school_name was {n} characters: cut to {SCHOOL_NAME_LIMIT}" for n in lengths]
        frame[column] = cleaned.where(values.notna(), values)
    frame["field_notes"] = notes.where(notes != "", None)
    return raw


def directory_rules(raw: RawTable, directory_codes: set[str] | None) -> list[RowRule]:
    """A row for a CDS code the directory does not list belongs to no school we report on: it is
    quarantined with that reason, never scored (it would make a phantom school and change the
    district's totals). No rule when the directory cannot be read (the run stops on it anyway)."""
    if directory_codes is None or "cds" not in raw.frame.columns:
        return []
    codes = frozenset(directory_codes)
    return [RowRule(
        column="cds", check="cds_in_directory",
        reason="CDS code not in the school directory (directory.csv): the row is not scored",
        # a malformed code is its own reason (the contract's pattern)
        failing=lambda f: per_value(f["cds"], lambda v: v.notna() & v.str.fullmatch(r"\d{14}").fillna(False)
                                    & ~v.isin(codes)).fillna(False).astype(bool),
    )]
