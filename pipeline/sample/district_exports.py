"""The district's own exports: directory, enrollment, assessment, attendance and community files.

Student-level files (assessment, attendance) hold one row per student record with the student's
group flags; enrollment counts the students on census day per school and group. Survey files are
in :mod:`pipeline.sample.survey`. The columns are those ``schemas/district.py`` checks.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.sample.codes import EL, ENROLL_GROUPS, ETH, GRADE_LABELS, TESTED_GRADES, group_masks
from pipeline.sample.outcomes import YearData, census, group_attrs
from pipeline.sample.parameters import keyed_rng
from pipeline.sample.world import World
from pipeline.sample.writers import constant_column, write_csv, yn_column

DIRECTORY_COLS = ["cds", "school_name", "district_name", "county_name", "school_type", "low_grade", "high_grade",
                  "charter", "principal_name", "principal_email", "languages", "address", "city", "zip"]
ENROLLMENT_COLS = ["school_year", "cds", "student_group", "enrollment"]
FLAG_COLS = ["ethnicity", "el", "ltel", "sed", "swd", "foster", "homeless"]
ASSESSMENT_COLS = ["school_year", "ssid", "cds", "grade", "subject", "test_type", "scale_score", *FLAG_COLS]
ATTENDANCE_COLS = ["school_year", "ssid", "cds", "grade", "days_enrolled", "days_absent", *FLAG_COLS]
COMMUNITY_COLS = ["school_year", "cds", "asthma_rate", "gun_injury_rate", "deepest_poverty_pct"]


def write_directory(w: World, path: Path) -> int:
    s = w.schools
    d = w.districts
    dist_of = s["district"].to_numpy()
    df = pd.DataFrame(dict(
        cds=s["cds"], school_name=s["school_name"], district_name=d["name"].to_numpy()[dist_of],
        county_name=d["county_name"].to_numpy()[dist_of], school_type=s["school_type"], low_grade=s["low_grade"],
        high_grade=s["high_grade"], charter=s["charter"], principal_name=s["principal_name"],
        principal_email=s["principal_email"], languages=s["languages"], address=s["address"], city=s["city"],
        zip=s["zip"]))
    return write_csv(df[DIRECTORY_COLS], path)


def write_enrollment(yd: YearData, w: World, path: Path) -> int:
    idx, school = census(yd)
    a = group_attrs(yd.pop, idx)
    n = w.n
    counts = np.zeros((n, len(ENROLL_GROUPS)), dtype=np.int64)
    for j, (code, m) in enumerate(group_masks(a, ENROLL_GROUPS)):
        counts[:, j] = np.bincount(school if m is None else school[m], minlength=n)
    df = pd.DataFrame(dict(
        school_year=yd.label, cds=np.repeat(w.schools["cds"].to_numpy(), len(ENROLL_GROUPS)),
        student_group=np.tile(ENROLL_GROUPS, n), enrollment=counts.ravel()))
    return write_csv(df, path)


def _flag_frame(a: dict[str, np.ndarray]) -> dict[str, object]:
    return dict(ethnicity=pd.Categorical.from_codes(a["eth"], ETH), el=yn_column(a["lang"] == EL),
                ltel=yn_column(a["ltel"]), sed=yn_column(a["sed"]), swd=yn_column(a["swd"]),
                foster=yn_column(a["foster"]), homeless=yn_column(a["homeless"]))


def write_assessment(yd: YearData, w: World, path: Path) -> int:
    p = yd.pop
    t = yd.tested
    idx = t["idx"]
    n = len(idx)
    rows = np.repeat(np.arange(n), 2)
    subj = np.tile(np.array([0, 1], dtype=np.int8), n)
    score = np.where(subj == 0, t["ELA_score"][rows], t["MATH_score"][rows])
    blank = np.where(subj == 0, t["ELA_blank"][rows], t["MATH_blank"][rows])
    caa = np.where(subj == 0, t["ELA_caa"][rows], t["MATH_caa"][rows])
    pi = idx[rows]
    gl = [str(g) for g in TESTED_GRADES]
    gcode = np.searchsorted(np.array(TESTED_GRADES), p["grade"][pi])
    df = pd.DataFrame(dict(
        school_year=constant_column(yd.label, len(pi)), ssid=p["ssid"][pi],
        cds=pd.Categorical.from_codes(p["school"][pi], w.schools["cds"].tolist()),
        grade=pd.Categorical.from_codes(gcode, gl),
        subject=pd.Categorical.from_codes(subj, ["ELA", "MATH"]),
        test_type=pd.Categorical.from_codes(caa.astype(np.int8), ["SBA", "CAA"]),
        scale_score=pd.arrays.IntegerArray(score.astype(np.int16), blank),
        **_flag_frame(group_attrs(p, pi))))
    return write_csv(df[ASSESSMENT_COLS], path)


def write_attendance(yd: YearData, w: World, path: Path) -> int:
    p = yd.pop
    sec = yd.sec
    idx = np.concatenate([np.arange(len(p["ssid"])), sec["idx"]])
    school = np.concatenate([p["school"], sec["school"]])
    days = np.concatenate([yd.exit - yd.entry, sec["days"]])
    absent = np.concatenate([yd.absent, sec["absent"]])
    order = np.lexsort((p["ssid"][idx], p["grade"][idx], school))
    idx, school, days, absent = idx[order], school[order], days[order], absent[order]
    df = pd.DataFrame(dict(
        school_year=constant_column(yd.label, len(idx)), ssid=p["ssid"][idx],
        cds=pd.Categorical.from_codes(school, w.schools["cds"].tolist()),
        grade=pd.Categorical.from_codes(p["grade"][idx] + 1, GRADE_LABELS),
        days_enrolled=days.astype(np.int16), days_absent=absent.astype(np.int16), **_flag_frame(group_attrs(p, idx))))
    return write_csv(df[ATTENDANCE_COLS], path)


def write_community(yd: YearData, w: World, seed: int, path: Path) -> int:
    r = keyed_rng(seed, "community", yd.spring)
    s = w.schools
    n = w.n
    t = yd.spring - 2024
    asthma = np.clip(s["asthma0"].to_numpy() * (1 - 0.02 * t) + r.normal(0, 3, n), 1, 400)
    gun = np.clip(s["gun0"].to_numpy() * np.exp(r.normal(0, 0.12, n)), 0, 300)
    deep = np.clip(s["deep0"].to_numpy() + r.normal(0, 1.5, n), 0, 100)
    df = pd.DataFrame(dict(school_year=yd.label, cds=s["cds"].to_numpy(),
                           asthma_rate=np.floor(asthma * 10 + 0.5) / 10, gun_injury_rate=np.floor(gun * 10 + 0.5) / 10,
                           deepest_poverty_pct=np.floor(deep * 10 + 0.5) / 10))
    if yd.spring == 2022:
        # a realistic gap: the county had not released gun-injury data for a few neighbourhoods
        gaps = keyed_rng(seed, "community-gap").choice(n, size=max(1, n // 200), replace=False)
        df.loc[np.sort(gaps), "gun_injury_rate"] = np.nan
    return write_csv(df, path, float_format="%.1f")
