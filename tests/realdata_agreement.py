"""The real CDE files of ../shared/realdata through the pipeline's own ingest and scoring, and how
many rows give CDE's own status, change, levels, colour and box.

Used by ``tests/test_real_data.py``; run it directly for the per-file agreement table::

    SCORECARDS_REALDATA=../shared/realdata python -m tests.realdata_agreement

(``SCORECARDS_REALDATA`` names the ``realdata`` folder, as for the tests; unset, it is
``../shared/realdata`` beside the repository.)
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline import warehouse
from pipeline.config import load_settings, school_year_of
from pipeline.ingest import ingest, kept_table
from pipeline.scoring.indicators import COMPARED, disagreements, published_agreement, score_indicators
from pipeline.sources import SOURCES
from tests.empty_tables import empty_attendance

MONTEREY = "monterey"
ELPI_2024 = "elpidownload2024_via_gsheets.csv"
SUBSETS_2018 = {"ela": "ela_2018_academic_indicator_ALL_subset.csv",
                "math": "math_2018_academic_indicator_ALL_subset.csv"}
FIGURES = COMPARED  # ours -> CDE's


@dataclass(frozen=True)
class RealFile:
    label: str  # as shown in the table, e.g. monterey/2023/chronicdownload2023.txt
    path: Path
    indicator: str
    dashboard_year: int

    @property
    def school_year(self) -> str:
        return school_year_of(self.dashboard_year)


def real_files(realdata: Path) -> list[RealFile]:
    """Every Dashboard file of the real-data folder that the scoring reads, in a stable order."""
    files = []
    for path in sorted((realdata / MONTEREY).glob("*/*download*.txt")):
        indicator, year = path.stem.split("download")
        files.append(RealFile(f"{MONTEREY}/{path.parent.name}/{path.name}", path, indicator, int(year)))
    if (realdata / ELPI_2024).exists():
        files.append(RealFile(ELPI_2024, realdata / ELPI_2024, "elpi", 2024))
    for indicator, name in SUBSETS_2018.items():
        if (realdata / name).exists():
            files.append(RealFile(name, realdata / name, indicator, 2018))
    return files



def score_files(files: list[RealFile], work: Path) -> pd.DataFrame:
    """Each file ingested as the pipeline ingests it, in its own warehouse (the same indicator and
    year come from two files: Monterey's 2024 ELPI rows and the statewide file), and scored.

    One row per scored row, with the file's label in ``file``; the directory is empty, as it is for
    every school outside the district.
    """
    settings = load_settings()
    frames = []
    for i, f in enumerate(files):
        raw = work / f"raw{i}"
        folder = raw / f.school_year / "dashboard"
        folder.mkdir(parents=True)
        source = SOURCES[f"dashboard_{f.indicator}"]
        shutil.copy(f.path, source.path(raw, f.school_year))
        result = ingest(source, raw, f.school_year, settings)
        with warehouse.connect(raw / "w.duckdb") as con:
            warehouse.replace_rows(con, f"validated_{source.name}",
                                   kept_table(result), {"school_year": f.school_year})
            warehouse.replace_rows(con, "validated_directory",
                                   pd.DataFrame({"cds": ["-"], "school_type": ["ES"]}), {"school_year": f.school_year})
            warehouse.replace_rows(con, "attendance", empty_attendance(), {"school_year": f.school_year})
            scored = score_indicators(con, f.school_year, settings)
        scored.insert(0, "file", f.label)
        scored["rows_read"] = result.validated.rows_read
        frames.append(scored)
    return pd.concat(frames, ignore_index=True)


def agrees(scored: pd.DataFrame) -> pd.DataFrame:
    """Per row and figure, whether ours equals CDE's, as the ``matches_published`` check compares
    them (:func:`pipeline.scoring.indicators.published_agreement`; every real row is CDE's), and
    ``all`` of them."""
    out = published_agreement(scored)
    out["all"] = out.all(axis=1)
    return out


def agreement_table(scored: pd.DataFrame) -> pd.DataFrame:
    """One line per file: rows, the rows whose every figure (and each figure) equals CDE's, and the
    rows that differ because CDE's value cannot be reproduced from the file (``not_reproducible``,
    :func:`pipeline.scoring.indicators.disagreements`' ``reason``)."""
    ok = agrees(scored)
    ok["file"] = scored["file"]
    diffs = disagreements(scored)
    ok["not_reproducible"] = False
    ok.loc[diffs.index[diffs["reason"].notna()], "not_reproducible"] = True
    table = ok.groupby("file", sort=False).agg(rows=("all", "size"),
                                               **{c: (c, "sum") for c in [*FIGURES, "all", "not_reproducible"]})
    total = table.sum().to_frame("total").T
    return pd.concat([table, total])


def disagreement_classes(scored: pd.DataFrame) -> pd.DataFrame:
    """The disagreeing rows, with which figures differ and, where CDE's value cannot be reproduced
    from the file, why (``reason``; "-" for a true disagreement)."""
    ok = agrees(scored)
    bad = scored[~ok["all"]].copy()
    bad["differs"] = ok.loc[~ok["all"], list(FIGURES)].apply(
        lambda r: ",".join(c for c in FIGURES if not r[c]), axis=1)
    bad["reason"] = disagreements(scored)["reason"].reindex(bad.index).fillna("-")
    return bad


def main(argv: list[str] | None = None) -> int:
    from tests.conftest import REALDATA

    if not REALDATA.is_dir():
        print(f"real CDE files not present at {REALDATA}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        scored = score_files(real_files(REALDATA), Path(tmp))
    pd.set_option("display.width", 200)
    print(agreement_table(scored).to_string())
    bad = disagreement_classes(scored)
    if len(bad):
        print("\ndisagreements by indicator and figures that differ:")
        print(bad.groupby(["indicator", "differs", "reason"]).size().to_string())
        if argv and "--rows" in argv:
            cols = ["file", "cds", "rtype", "student_group", "school_type", "cut_set", "n", "prior_n", "differs",
                    "reason"]
            cols += [c for pair in FIGURES.items() for c in pair]
            print(bad[cols].to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
