"""Every cut point of every cut set, on both sides, and every grid cell that differs between
indicators, through the scoring SQL: the expected levels, colours and boxes are written here by
hand from CDE's tables (docs/methodology.md gives each one's source), never read from config/.

All the cases of a school year are scored together, one row each (its own CDS code), in one
warehouse; each case is then a test of its own.
"""
from __future__ import annotations

from itertools import count

import pandas as pd
import pytest

from pipeline import warehouse
from pipeline.config import load_settings
from pipeline.scoring.indicators import score_indicators
from tests.empty_tables import empty_attendance

YEAR = "2023-24"  # the 2024 Dashboard
RATES = ("chronic", "susp", "grad", "cci", "elpi")

# (indicator, value, status level), grades 3-8 ELA/math and the one set of the others
STATUS = [
    ("elpi", 34.9, 1), ("elpi", 35.0, 2), ("elpi", 44.9, 2), ("elpi", 45.0, 3), ("elpi", 54.9, 3),
    ("elpi", 55.0, 4), ("elpi", 64.9, 4), ("elpi", 65.0, 5),
    ("chronic", 2.5, 5), ("chronic", 2.6, 4), ("chronic", 5.0, 4), ("chronic", 5.1, 3), ("chronic", 10.0, 3),
    ("chronic", 10.1, 2), ("chronic", 20.0, 2), ("chronic", 20.1, 1),
    ("ela", -70.1, 1), ("ela", -70.0, 2), ("ela", -5.1, 2), ("ela", -5.0, 3), ("ela", 9.9, 3), ("ela", 10.0, 4),
    ("ela", 44.9, 4), ("ela", 45.0, 5),
    ("math", -95.1, 1), ("math", -95.0, 2), ("math", -25.1, 2), ("math", -25.0, 3), ("math", -0.1, 3),
    ("math", 0.0, 4), ("math", 34.9, 4), ("math", 35.0, 5),
    ("grad", 67.9, 1), ("grad", 68.0, 2), ("grad", 79.9, 2), ("grad", 80.0, 3), ("grad", 90.4, 3),
    ("grad", 90.5, 4), ("grad", 94.9, 4), ("grad", 95.0, 5),
    ("cci", 9.9, 1), ("cci", 10.0, 2), ("cci", 34.9, 2), ("cci", 35.0, 3), ("cci", 54.9, 3), ("cci", 55.0, 4),
    ("cci", 69.9, 4), ("cci", 70.0, 5),
]
# (indicator, change, change level)
CHANGE = [
    ("elpi", -10.1, 1), ("elpi", -10.0, 2), ("elpi", -2.0, 2), ("elpi", -1.9, 3), ("elpi", 1.9, 3),
    ("elpi", 2.0, 4), ("elpi", 9.9, 4), ("elpi", 10.0, 5),
    ("chronic", -3.0, 5), ("chronic", -2.9, 4), ("chronic", -0.5, 4), ("chronic", -0.4, 3), ("chronic", 0.4, 3),
    ("chronic", 0.5, 2), ("chronic", 3.0, 2), ("chronic", 3.1, 1),
    ("ela", -15.1, 1), ("ela", -15.0, 2), ("ela", -3.0, 2), ("ela", -2.9, 3), ("ela", 2.9, 3), ("ela", 3.0, 4),
    ("ela", 14.9, 4), ("ela", 15.0, 5),
    ("math", -15.1, 1), ("math", -15.0, 2), ("math", -3.0, 2), ("math", -2.9, 3), ("math", 2.9, 3),
    ("math", 3.0, 4), ("math", 14.9, 4), ("math", 15.0, 5),
    ("grad", -5.1, 1), ("grad", -5.0, 2), ("grad", -1.0, 2), ("grad", -0.9, 3), ("grad", 0.9, 3),
    ("grad", 1.0, 4), ("grad", 4.9, 4), ("grad", 5.0, 5),
    ("cci", -9.1, 1), ("cci", -9.0, 2), ("cci", -2.0, 2), ("cci", -1.9, 3), ("cci", 1.9, 3), ("cci", 2.0, 4),
    ("cci", 8.9, 4), ("cci", 9.0, 5),
]
# grade-11 cut points (hscutpoints = Y): ELA -45 / 0 / 30 / 75, math -115 / -60 / 0 / 25
HS = [("ela", -45.1, 1), ("ela", -45.0, 2), ("ela", -0.1, 2), ("ela", 0.0, 3), ("ela", 29.9, 3),
      ("ela", 30.0, 4), ("ela", 74.9, 4), ("ela", 75.0, 5),
      ("math", -115.1, 1), ("math", -115.0, 2), ("math", -60.1, 2), ("math", -60.0, 3), ("math", -0.1, 3),
      ("math", 0.0, 4), ("math", 24.9, 4), ("math", 25.0, 5)]
# suspension's six sets, by the row's type: (status, level) and (change, level) on both sides of each cut
SUSP_STATUS = {
    "ES": [(0.5, 5), (0.6, 4), (1.0, 4), (1.1, 3), (3.0, 3), (3.1, 2), (6.0, 2), (6.1, 1)],
    "MS": [(0.5, 5), (0.6, 4), (2.0, 4), (2.1, 3), (8.0, 3), (8.1, 2), (12.0, 2), (12.1, 1)],
    "HS": [(0.5, 5), (0.6, 4), (1.5, 4), (1.6, 3), (6.0, 3), (6.1, 2), (10.0, 2), (10.1, 1)],
    "ED": [(0.5, 5), (0.6, 4), (1.5, 4), (1.6, 3), (3.0, 3), (3.1, 2), (6.0, 2), (6.1, 1)],
    "HD": [(1.5, 5), (1.6, 4), (3.5, 4), (3.6, 3), (6.0, 3), (6.1, 2), (9.0, 2), (9.1, 1)],
    "UD": [(1.0, 5), (1.1, 4), (2.5, 4), (2.6, 3), (4.5, 3), (4.6, 2), (8.0, 2), (8.1, 1)],
}
_SUSP_CHANGE_2 = [(-2.0, 5), (-1.9, 4), (-0.3, 4), (-0.2, 3), (0.2, 3), (0.3, 2), (2.0, 2), (2.1, 1)]
_SUSP_CHANGE_3 = [(-2.0, 5), (-1.9, 4), (-0.3, 4), (-0.2, 3), (0.2, 3), (0.3, 2), (3.0, 2), (3.1, 1)]
SUSP_CHANGE = {
    "ES": [(-1.0, 5), (-0.9, 4), (-0.3, 4), (-0.2, 3), (0.2, 3), (0.3, 2), (2.0, 2), (2.1, 1)],
    "MS": _SUSP_CHANGE_3, "HS": _SUSP_CHANGE_3, "ED": _SUSP_CHANGE_2, "UD": _SUSP_CHANGE_2,
    "HD": [(-3.0, 5), (-2.9, 4), (-0.5, 4), (-0.4, 3), (0.4, 3), (0.5, 2), (3.0, 2), (3.1, 1)],
}
# fewer than 150 students (smalldenom = Y): the two 'significantly' change levels merge into the next
_SMALL_03 = [(-5.0, 4), (-0.3, 4), (-0.2, 3), (0.2, 3), (0.3, 2), (5.0, 2)]
SMALL_CHANGE = [
    *[("susp", t, c, lv) for t in ("ES", "MS", "HS", "ED", "UD") for c, lv in _SMALL_03],
    *[("susp", "HD", c, lv) for c, lv in [(-5.0, 4), (-0.5, 4), (-0.4, 3), (0.4, 3), (0.5, 2), (5.0, 2)]],
    *[("chronic", None, c, lv) for c, lv in [(-5.0, 4), (-0.5, 4), (-0.4, 3), (0.4, 3), (0.5, 2), (5.0, 2)]],
    *[("cci", None, c, lv) for c, lv in [(-20.0, 2), (-2.0, 2), (-1.9, 3), (1.9, 3), (2.0, 4), (20.0, 4)]],
]

# a value in each level, to place a row in a grid cell: status levels 1..5, change levels 1..5
ACADEMIC_AT = {"status": {1: -80.0, 2: -30.0, 3: 0.0, 4: 20.0, 5: 50.0},
               "change": {1: -20.0, 2: -5.0, 3: 0.0, 4: 5.0, 5: 20.0}}
MATH_AT = {"status": {1: -100.0, 2: -50.0, 3: -10.0, 4: 20.0, 5: 50.0}, "change": ACADEMIC_AT["change"]}
ELPI_AT = {"status": {1: 30.0, 2: 40.0, 3: 50.0, 4: 60.0, 5: 70.0},
           "change": {1: -12.0, 2: -5.0, 3: 0.0, 4: 5.0, 5: 12.0}}
GRAD_AT = {"status": {1: 60.0, 2: 75.0, 3: 85.0, 4: 92.0, 5: 97.0},
           "change": {1: -6.0, 2: -2.0, 3: 0.0, 4: 2.0, 5: 6.0}}
# (indicator, small, status level, change level, colour, box): the cells where the grids differ
# (1 Red, 2 Orange, 3 Yellow, 4 Green, 5 Blue; 0 none)
CELLS = [
    # the standard grid (ELPI, chronic absenteeism, suspension, CCI)
    ("elpi", False, 5, 1, 3, 10), ("elpi", False, 4, 1, 2, 60), ("elpi", False, 4, 2, 3, 70),
    ("elpi", False, 3, 1, 2, 110), ("elpi", False, 3, 2, 2, 120), ("elpi", False, 2, 1, 1, 160),
    ("elpi", False, 1, 5, 3, 250), ("elpi", False, 1, 4, 2, 240), ("elpi", False, 5, 2, 4, 20),
    # ELA and mathematics: the same cells, other colours
    ("ela", False, 5, 1, 4, 10), ("ela", False, 4, 1, 4, 60), ("ela", False, 4, 2, 4, 70),
    ("ela", False, 3, 1, 3, 110), ("ela", False, 3, 2, 3, 120), ("ela", False, 2, 1, 2, 160),
    ("ela", False, 1, 5, 2, 250), ("math", False, 4, 1, 4, 60), ("math", False, 1, 5, 2, 250),
    # graduation: 1/4 Red and 5/2 Blue; cells no CDE table or real row shows get no colour
    ("grad", False, 1, 4, 1, 240), ("grad", False, 5, 2, 5, 20), ("grad", False, 3, 2, 2, 120),
    ("grad", False, 4, 1, 0, 0), ("grad", False, 2, 1, 0, 0), ("grad", False, 1, 5, 0, 0),
    ("grad", False, 5, 5, 0, 0),
    # graduation under 150 students (3x5): change levels 1 and 5 sit in columns 2 and 4, box included
    ("grad", True, 5, 5, 5, 40), ("grad", True, 4, 1, 3, 70), ("grad", True, 4, 5, 4, 90),
    ("grad", True, 3, 1, 2, 120), ("grad", True, 3, 5, 4, 140), ("grad", True, 2, 1, 2, 170),
    ("grad", True, 2, 5, 3, 190), ("grad", True, 1, 1, 1, 220), ("grad", True, 1, 5, 1, 240),
]

_codes = count(1)


def _case(indicator: str, expect: dict, year: str = YEAR, **fields) -> dict:
    """One row of a Dashboard file and what the scoring must make of it."""
    k = next(_codes)
    rtype = fields.pop("rtype", "S")
    cds = f"2710272{k:07d}" if rtype == "S" else f"27{k:05d}0000000"
    row = {"cds": cds, "rtype": rtype, "studentgroup": fields.pop("group", "ALL"),
           "reportingyear": int(year[:4]) + 1, "currdenom": 1000, "priordenom": 1000}
    curr, prior = fields.pop("curr"), fields.pop("prior", None)
    if prior is None:
        row["priordenom"] = None
    if indicator in ("ela", "math"):
        row |= {"currstatus": curr, "priorstatus": prior, "hscutpoints": fields.pop("hs", "N"),
                "change": None if prior is None else round(curr - prior, 1)}
    else:
        row |= {"currnumer": round(curr * 10), "priornumer": None if prior is None else round(prior * 10)}
    row |= fields
    return {"indicator": indicator, "year": year, "row": row, "expect": expect}


def _status(indicator, value, level, **kw):
    return _case(indicator, {"status": value, "status_level": level}, curr=value, **kw)


def _change(indicator, change, level, base, **kw):
    return _case(indicator, {"change": change, "change_level": level}, curr=round(base + change, 1), prior=base,
                 **kw)


def _cell(indicator, small, sl, cl, color, box):
    at = {"elpi": ELPI_AT, "grad": GRAD_AT, "math": MATH_AT}.get(indicator, ACADEMIC_AT)
    s, c = at["status"][sl], at["change"][cl]
    extra = {"smalldenom": "Y" if small else "N"} if indicator == "grad" else {}
    return _case(indicator, {"status_level": sl, "change_level": cl, "color": color, "box": box},
                 curr=s, prior=round(s - c, 1), group="EL" if indicator == "elpi" else "ALL", **extra)


def _rate_kw(indicator):
    return {"group": "EL"} if indicator == "elpi" else {}


CASES = {
    **{f"status-{i}-{v}": _status(i, v, lv, **_rate_kw(i)) for i, v, lv in STATUS},
    **{f"change-{i}-{c}": _change(i, c, lv, 50.0 if i in ("elpi", "ela", "math", "grad", "cci") else 20.0,
                                  **_rate_kw(i)) for i, c, lv in CHANGE},
    **{f"grade11-{i}-{v}": _status(i, v, lv, hs="Y") for i, v, lv in HS},
    **{f"susp-{t}-status-{v}": _status("susp", v, lv, type=t, rtype="S" if t[1] == "S" else "D")
       for t, cases in SUSP_STATUS.items() for v, lv in cases},
    **{f"susp-{t}-change-{c}": _change("susp", c, lv, 20.0, type=t, rtype="S" if t[1] == "S" else "D")
       for t, cases in SUSP_CHANGE.items() for c, lv in cases},
    **{f"small-{i}-{t}-change-{c}": _change(i, c, lv, 20.0 if i != "cci" else 50.0, smalldenom="Y",
                                            **({"type": t} if t else {})) for i, t, c, lv in SMALL_CHANGE},
    **{f"cell-{i}-{'small' if sm else 'full'}-{sl}/{cl}": _cell(i, sm, sl, cl, col, box)
       for i, sm, sl, cl, col, box in CELLS},
    # the example: chronic, fewer than 150 students, 25.0 % after 29.6 %: declined (4), not
    # declined significantly (5): Orange, box 240 (Yellow, box 250 on the 5x5 grid)
    "issue-chronic-small": _case("chronic", {"change_level": 4, "color": 2, "box": 240}, curr=25.0, prior=29.6,
                                 smalldenom="Y"),
    "issue-chronic-full": _case("chronic", {"change_level": 5, "color": 3, "box": 250}, curr=25.0, prior=29.6,
                                smalldenom="N"),
    # hscutpoints is Y or blank: blank is the grades 3-8 set, for LEA rows too (14.4 is level 4
    # there, 3 under the grade-11 set)
    "ela-lea-blank-hscutpoints": _case("ela", {"cut_set": "default", "status_level": 4}, curr=14.4,
                                       rtype="D", hs=None),
    "ela-school-blank-hscutpoints": _case("ela", {"cut_set": "default", "status_level": 4}, curr=14.4,
                                          hs=None),
    # groups CDE never colours (2024: EO, ELO, RFP), and a group it does (SBA, from 2024)
    **{f"uncoloured-{g}": _case("math", {"status_level": 4, "change_level": 3, "color": 0, "box": 0},
                                curr=20.0, prior=20.0, group=g) for g in ("EO", "ELO", "RFP")},
    "coloured-SBA": _case("math", {"status_level": 4, "change_level": 3, "color": 4, "box": 80},
                          curr=20.0, prior=20.0, group="SBA"),
    # 2023: Smarter Balanced and CAA takers not coloured either
    **{f"uncoloured-2023-{g}": _case("math", {"status_level": 4, "change_level": 3, "color": 0, "box": 0},
                                     curr=20.0, prior=20.0, group=g, year="2022-23") for g in ("SBA", "CAA")},
    "coloured-2023-ALL": _case("math", {"status_level": 4, "change_level": 3, "color": 4, "box": 80},
                               curr=20.0, prior=20.0, year="2022-23"),
    # 2022 is a status-only year: levels of status, no change level, no colour
    "status-only-2022-chronic": _case("chronic", {"status_level": 3, "change_level": 0, "color": 0, "box": 0},
                                      curr=8.0, prior=9.0, year="2021-22"),
    "status-only-2022-elpi-lea": _case("elpi", {"status_level": 4, "change_level": 0, "color": 0},
                                       curr=58.8, rtype="D", group="EL", year="2021-22"),
}



@pytest.fixture(scope="module")
def scored(tmp_path_factory) -> dict[str, pd.Series]:
    """Every case scored: one warehouse, each school year's rows scored together."""
    out: dict[str, pd.Series] = {}
    with warehouse.connect(tmp_path_factory.mktemp("cuts") / "w.duckdb") as con:
        for year in sorted({c["year"] for c in CASES.values()}):
            ours = {k: c for k, c in CASES.items() if c["year"] == year}
            warehouse.replace_rows(con, "validated_directory", pd.DataFrame({"cds": ["-"], "school_type": ["ES"]}),
                                   {"school_year": year})
            warehouse.replace_rows(con, "attendance", empty_attendance(), {"school_year": year})
            for ind in {c["indicator"] for c in ours.values()}:
                rows = pd.DataFrame([c["row"] for c in ours.values() if c["indicator"] == ind])
                warehouse.replace_rows(con, f"validated_dashboard_{ind}", rows, {"school_year": year})
            result = score_indicators(con, year, load_settings()).set_index(["cds", "indicator"])
            for key, c in ours.items():
                out[key] = result.loc[(c["row"]["cds"], c["indicator"])]
    return out


@pytest.mark.parametrize("key", list(CASES))
def test_rule(scored, key):
    row, expect = scored[key], CASES[key]["expect"]
    got = {k: (float(row[k]) if k in ("status", "change") else row[k]) for k in expect}
    assert got == expect, CASES[key]["row"]
