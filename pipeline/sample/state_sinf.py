"""The sample's CALPADS Student Information (SINF) extract: caret-delimited, no header, fields by number
(``pipeline/readers/state.py`` says which layout documents give which numbers), CR LF.

One record per student, effective from the start of the school year (1 July), written from the
district's attendance export of the same year: its ``ethnicity`` becomes the SINF fields the test
files derive Reporting Ethnicity from. HI: 2.23 Hispanic = Y with a race drawn; one group: 2.23 = N
and one race code of that group (an Asian student gets one of the Asian codes 201-208, 299); MR:
2.23 = N and two race codes of different groups. Every record carries the student's fake legal
names (2.11-2.13), birth date (2.18) and gender (2.19) from :func:`pipeline.sample.state_files.people`,
so the reader's dropping of them is tested on a file that has them.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.sample import state_files
from pipeline.sample.state_files import _calpads_keys, _draws, _records, _write

SINF_FIELDS = 50  # to 2.50 (Parent Guardian Highest Education Level in the 2021-22 numbering); the sample fills none past 2.30
RACES = {"AI": ["100"], "AS": ["201", "202", "203", "204", "205", "206", "207", "208", "299"],
         "PI": ["301", "302", "303", "304", "399"], "FI": ["400"], "AA": ["600"], "WH": ["700"]}
ALL_RACES = [code for codes in RACES.values() for code in codes]


def _one_of(codes: list[str], draw: np.ndarray) -> np.ndarray:
    return np.array(codes)[draw % len(codes)]


def write_sinf(attendance: pd.DataFrame, spring: int, path: Path) -> int:
    """One SINF record per student of the year (at their last school), effective 1 July."""
    a = attendance.drop_duplicates("ssid", keep="last").reset_index(drop=True)
    ssid = a["ssid"].astype(str)
    group = a["ethnicity"].astype(str).to_numpy()
    draw = _draws(ssid, "race", 9 * 5 * 7)
    race1 = np.full(len(a), "", dtype=object)
    race2 = np.full(len(a), "", dtype=object)
    for g, codes in RACES.items():
        race1[group == g] = _one_of(codes, draw[group == g])
    hispanic = group == "HI"
    race1[hispanic] = _one_of(ALL_RACES, draw[hispanic])
    mixed = group == "MR"
    pairs = [("700", "600"), ("700", "201"), ("600", "100"), ("400", "700"), ("203", "700"), ("100", "700")]
    pick = draw[mixed] % len(pairs)
    race1[mixed] = [pairs[i][0] for i in pick]
    race2[mixed] = [pairs[i][1] for i in pick]
    keys = _calpads_keys(a, 2, "SINF", spring)  # numbered as STAS/SELA/SPRG: renumbered below for SINF
    who = state_files.people(ssid.reset_index(drop=True), spring, a["grade"].astype(str).reset_index(drop=True))
    n = len(a)
    cols = {
        1: keys[1], 4: pd.Series([f"{spring - 1}0701"] * n), 6: keys[4], 7: keys[5], 8: keys[6], 9: keys[7],
        10: keys[8], 11: who["first"].reset_index(drop=True), 12: who["middle"].reset_index(drop=True),
        13: who["last"].reset_index(drop=True), 18: keys[11], 19: keys[12],
        23: pd.Series(np.where(hispanic, "Y", "N")), 24: pd.Series(["N"] * n),
        25: pd.Series(race1), 26: pd.Series(race2), 30: pd.Series(["N"] * n),
    }
    return _write(path, _records(cols, SINF_FIELDS, n))
