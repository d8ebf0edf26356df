"""The codes every generated file shares: grades, ethnicity, language status, student groups.

Also the school calendar the simulation counts in (days of a 180-day year) and how a school year
is asked for (``2023-24``, whose spring year 2024 is the Dashboard year).
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np

GRADE_LABELS = ["TK", "K"] + [str(g) for g in range(1, 13)]  # index = grade + 1 (TK = -1)
ETH = ["AA", "AI", "AS", "FI", "HI", "PI", "WH", "MR"]
ETH_INDEX = {c: i for i, c in enumerate(ETH)}
EO, IFEP, EL, RFP = 0, 1, 2, 3  # language status
ENROLL_GROUPS = ["ALL", *ETH, "EL", "LTEL", "RFP", "EO", "SED", "SWD", "FOS", "HOM"]
RATE_GROUPS = ["ALL", *ETH, "EL", "LTEL", "SED", "SWD", "FOS", "HOM"]
ACAD_GROUPS = ["ALL", *ETH, "EL", "LTEL", "ELO", "RFP", "EO", "SED", "SWD", "FOS", "HOM"]
ELPI_GROUPS = ["EL", "LTEL"]
TESTED_GRADES = (3, 4, 5, 6, 7, 8, 11)
DAYS = 180
CENSUS_DAY = 20  # first Wednesday in October, as a school day
TEST_DAY = 150  # spring testing window
STATE_CDS = "00000000000000"
DASHBOARD_INDICATORS = ("chronic", "susp", "grad", "ela", "math", "elpi")  # as CDE names its files


def parse_year(label: str) -> int:
    """'2023-24' -> 2024 (the spring year, which is the Dashboard year)."""
    try:
        first, second = label.split("-")
        spring = int(first) + 1
        ok = len(first) == 4 and second == f"{spring % 100:02d}"
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"school year must look like '2023-24', got {label!r}")
    return spring


def group_masks(a: dict[str, np.ndarray], groups: list[str],
                academic: bool = False) -> Iterator[tuple[str, np.ndarray | None]]:
    """(code, membership mask) of each student group for records with these attributes; None is all.
    ``academic``: ELA and math, whose EL group is English learners and RFP (ELO + RFP; SBE January
    2017: ELs plus students reclassified for four years or less)."""
    for code in groups:
        if code == "ALL":
            yield code, None
        elif code in ETH_INDEX:
            yield code, a["eth"] == ETH_INDEX[code]
        elif code == "EL":
            yield code, (a["lang"] == EL) | ((a["lang"] == RFP) if academic else False)
        elif code == "ELO":
            yield code, a["lang"] == EL
        elif code == "LTEL":
            yield code, a["ltel"]
        elif code == "RFP":
            yield code, a["lang"] == RFP
        elif code == "EO":
            yield code, a["lang"] == EO
        elif code == "SED":
            yield code, a["sed"]
        elif code == "SWD":
            yield code, a["swd"]
        elif code == "FOS":
            yield code, a["foster"]
        elif code == "HOM":
            yield code, a["homeless"]
        else:  # pragma: no cover
            raise KeyError(code)

