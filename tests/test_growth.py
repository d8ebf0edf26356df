"""Student growth (residual gain): hand-computed cases, an independent numpy reference, n-size, EB.

The reference fits use numpy's ``lstsq`` on a design matrix [1, prior ELA, prior math]; the
students are selected again in pandas, independently of the SQL.
"""
from __future__ import annotations

import math

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipeline import warehouse
from pipeline.config import load_settings, prior_school_year
from pipeline.ingest import ingest, kept_table
from pipeline.sample import generate
from pipeline.scoring.growth import (
    GROWTH_COLUMNS,
    growth_model,
    growth_tables,
    score_growth,
)
from pipeline.sources import SOURCES

YEAR, PRIOR, PRIOR2 = "2023-24", "2022-23", "2021-22"
A, B, C = "19754160000001", "19754160000002", "19754160000003"
LEA = "19754160000000"
GROUPS = ["ALL", "AA", "AI", "AS", "FI", "HI", "PI", "WH", "MR", "EL", "LTEL", "SED", "SWD", "FOS", "HOM"]

SCHEMA = ("school_year VARCHAR, ssid VARCHAR, cds VARCHAR, grade BIGINT, subject VARCHAR, "
          "test_type VARCHAR, scale_score BIGINT, ethnicity VARCHAR, el VARCHAR, ltel VARCHAR, "
          "sed VARCHAR, swd VARCHAR, foster VARCHAR, homeless VARCHAR, source_line BIGINT")
FLAGS = {"ethnicity": "HI", "el": "N", "ltel": "N", "sed": "N", "swd": "N", "foster": "N", "homeless": "N"}


# ------------------------------------------------------------------------------------------------
# hand-made frames
# ------------------------------------------------------------------------------------------------
class Frame:
    """Assessment rows built by hand; source_line counts up in the order rows are added."""

    def __init__(self):
        self.rows: list[dict] = []
        self.next_ssid = 1_000_000_000

    def ssid(self) -> str:
        self.next_ssid += 1
        return str(self.next_ssid)

    def add(self, year, ssid, cds, grade, subject, score, test_type="SBA", **flags):
        self.rows.append({"school_year": year, "ssid": ssid, "cds": cds, "grade": grade, "subject": subject,
                          "test_type": test_type, "scale_score": score, **{**FLAGS, **flags},
                          "source_line": len(self.rows) + 2})

    def design(self, cds, offset, reps, flags=lambda i: {}):
        """A balanced 2x2 design of prior scores, replicated ``reps`` times, in grade 5.

        Current ELA = 100 + 0.5 ELA' + 0.25 math' + offset + 3 s, current math = 50 + 0.3 ELA'
        + 0.7 math' + offset + 3 s, with s = +1, -1, -1, +1 over the four design points: s and
        the school offsets are orthogonal to [1, ELA', math'], so the OLS fit recovers the
        coefficients exactly and the residual is (offset - overall mean offset) + 3 s.
        Returns the ssids.
        """
        ids = []
        for r in range(reps):
            for x1, x2, s in ((2400, 2400, 1), (2400, 2500, -1), (2500, 2400, -1), (2500, 2500, 1)):
                i = len(ids)
                ssid = self.ssid()
                ids.append(ssid)
                self.add(PRIOR, ssid, cds, 4, "ELA", x1)
                self.add(PRIOR, ssid, cds, 4, "MATH", x2)
                f = flags(i)
                self.add(YEAR, ssid, cds, 5, "ELA", int(100 + 0.5 * x1 + 0.25 * x2) + offset + 3 * s, **f)
                self.add(YEAR, ssid, cds, 5, "MATH", int(50 + 0.3 * x1 + 0.7 * x2) + offset + 3 * s, **f)
        return ids

    def con(self) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect()
        con.execute(f"CREATE TABLE validated_assessment ({SCHEMA})")
        frame = pd.DataFrame(self.rows)
        frame["scale_score"] = frame["scale_score"].astype("Int64")
        con.register("frame", frame)
        con.execute("INSERT INTO validated_assessment BY NAME SELECT * FROM frame")
        con.unregister("frame")
        return con


def row(result, cds, group="ALL", subject="ELA"):
    hit = result[(result.cds == cds) & (result.student_group == group) & (result.subject == subject)]
    assert len(hit) == 1, (cds, group, subject)
    return hit.iloc[0]


@pytest.fixture(scope="module")
def hand():
    f = Frame()
    # school A: residual +5 + 3 s (12 students; 11 SED, 10 SWD); school B: residual -5 + 3 s
    a_ids = f.design(A, 5, 3, flags=lambda i: {"sed": "Y" if i < 11 else "N", "swd": "Y" if i < 10 else "N"})
    f.design(B, -5, 3)
    # rows that must not count, each at school A with a wild score that would move the fit
    for grade, prior_grade in ((3, 3), (11, 8)):  # grade 3 (retained) and grade 11
        s = f.ssid()
        f.add(PRIOR, s, A, prior_grade, "ELA", 2450)
        f.add(PRIOR, s, A, prior_grade, "MATH", 2450)
        f.add(YEAR, s, A, grade, "ELA", 2990)
        f.add(YEAR, s, A, grade, "MATH", 2990)
    s = f.ssid()  # alternate assessment this year
    f.add(PRIOR, s, A, 4, "ELA", 2450)
    f.add(PRIOR, s, A, 4, "MATH", 2450)
    f.add(YEAR, s, A, 5, "ELA", 1500, test_type="CAA")
    f.add(YEAR, s, A, 5, "MATH", 1500, test_type="CAA")
    s = f.ssid()  # not tested this year
    f.add(PRIOR, s, A, 4, "ELA", 2450)
    f.add(PRIOR, s, A, 4, "MATH", 2450)
    f.add(YEAR, s, A, 5, "ELA", None)
    f.add(YEAR, s, A, 5, "MATH", None)
    s = f.ssid()  # no prior math row
    f.add(PRIOR, s, A, 4, "ELA", 2450)
    f.add(YEAR, s, A, 5, "ELA", 2990)
    f.add(YEAR, s, A, 5, "MATH", 2990)
    s = f.ssid()  # prior math was the alternate assessment
    f.add(PRIOR, s, A, 4, "ELA", 2450)
    f.add(PRIOR, s, A, 4, "MATH", 1500, test_type="CAA")
    f.add(YEAR, s, A, 5, "ELA", 2990)
    f.add(YEAR, s, A, 5, "MATH", 2990)
    s = f.ssid()  # prior ELA not tested
    f.add(PRIOR, s, A, 4, "ELA", None)
    f.add(PRIOR, s, A, 4, "MATH", 2450)
    f.add(YEAR, s, A, 5, "ELA", 2990)
    f.add(YEAR, s, A, 5, "MATH", 2990)
    # duplicates further down the file: the first row (lowest source_line) is kept
    f.add(YEAR, a_ids[0], C, 5, "ELA", 2990)
    f.add(PRIOR, a_ids[1], C, 4, "ELA", 1000)
    con = f.con()
    yield con, score_growth(con, YEAR, load_settings()), growth_model(con, YEAR)
    con.close()


# ------------------------------------------------------------------------------------------------
# hand-computed expectations
# ------------------------------------------------------------------------------------------------
def test_hand_fit_recovers_the_coefficients(hand):
    _, _, model = hand
    assert list(model.grade) == [5, 5]  # grade 3 and 11 have no model: their students are out
    m = model.set_index("subject")
    assert m.loc["ELA", "n"] == m.loc["MATH", "n"] == 24
    for subject, (b0, b1, b2) in {"ELA": (100, 0.5, 0.25), "MATH": (50, 0.3, 0.7)}.items():
        assert m.loc[subject, "intercept"] == pytest.approx(b0, abs=1e-9)
        assert m.loc[subject, "b_ela"] == pytest.approx(b1, abs=1e-12)
        assert m.loc[subject, "b_math"] == pytest.approx(b2, abs=1e-12)
    # ELA: explained variance 0.5^2 * 50^2 + 0.25^2 * 50^2 = 781.25; residual 5^2 + 3^2 = 34 (per student)
    assert m.loc["ELA", "r2"] == pytest.approx(781.25 / (781.25 + 34), abs=1e-12)
    assert m.loc["ELA", "residual_sd"] == pytest.approx(math.sqrt(24 * 34 / 21), abs=1e-9)


def test_hand_school_and_lea_aggregates(hand):
    _, g, _ = hand
    a = row(g, A)
    # residuals 8, 2, 2, 8 (x3): mean 5, sd = sqrt(12 * 9 / 11), se = 3 / sqrt(11) = 0.9045
    assert (a.n, a["mean"], a.sd, a.se, a.ci_low, a.ci_high) == (12, 5.0, 3.1, 0.9, 3.2, 6.8)
    assert a.mean_unrounded == pytest.approx(5, abs=1e-9)
    assert a.se_unrounded == pytest.approx(3 / math.sqrt(11), abs=1e-9)
    b = row(g, B, subject="MATH")
    assert (b.n, b["mean"], b.ci_low, b.ci_high) == (12, -5.0, -6.8, -3.2)
    lea = row(g, LEA)
    # 12 residuals of +-8 and 12 of +-2: sd = sqrt(816 / 23) = 5.956, se = 1.2158, 1.96 se = 2.383
    assert lea.rtype == "D"
    assert (lea.n, lea["mean"], lea.sd, lea.se, lea.ci_low, lea.ci_high) == (24, 0.0, 6.0, 1.2, -2.4, 2.4)
    assert not a.category_allowed and not lea.category_allowed  # a category needs 30
    assert set(g.cds) == {A, B, LEA}  # the duplicate row at school C was not kept
    assert set(g.columns) == set(GROWTH_COLUMNS)


def test_hand_empirical_bayes_without_prior_year(hand):
    _, g, _ = hand
    a = row(g, A)
    # no 2021-22 data: no prior-year growth, the two-year mean is this year's mean
    assert pd.isna(a.prior_n) and pd.isna(a.prior_mean) and a.estimate == "eb_current_year"
    assert a.two_year_mean == 5.0
    # tau2 = var(5, -5) - mean(9/11, 9/11); B = tau2 / (tau2 + 9/11) = 1 - (9/11) / 50
    assert a.tau2 == pytest.approx(50 - 9 / 11, abs=1e-9)
    assert a.shrink_weight == pytest.approx(1 - 9 / 11 / 50, abs=1e-12)
    assert a.shrink_target_unrounded == pytest.approx(0, abs=1e-9)
    assert a.eb_estimate_unrounded == pytest.approx(5 * (1 - 9 / 11 / 50), abs=1e-9)
    assert a.eb_estimate == 4.9 and row(g, B).eb_estimate == -4.9
    lea = row(g, LEA)  # the LEA is not shrunk
    assert pd.isna(lea.shrink_weight) and lea.estimate == "current_year_mean"


def test_hand_suppression_10_versus_11(hand):
    _, g, _ = hand
    sed = row(g, A, "SED")  # 11 growth scores: residuals of 12 minus one +8 -> 52 / 11
    assert sed.n == 11 and not sed.suppressed and pd.isna(sed.note)
    assert sed["mean"] == 4.7 and sed.mean_unrounded == pytest.approx(52 / 11, abs=1e-9)
    for cds in (A, LEA):
        swd = row(g, cds, "SWD")  # 10 growth scores: no figure at all
        assert swd.suppressed and swd.note == "n_lt_11" and not swd.category_allowed
        figures = ["n", "mean", "sd", "se", "ci_low", "ci_high", "prior_n", "prior_mean", "two_year_mean",
                   "shrink_weight", "eb_estimate", "mean_unrounded", "se_unrounded", "eb_estimate_unrounded"]
        assert swd[figures].isna().all(), swd[figures]
    assert row(g, LEA, "SED").n == 11


def test_growth_tables_gives_both_frames_and_leaves_no_student_table(hand):
    con, g, model = hand
    g2, model2 = growth_tables(con, YEAR, load_settings())
    pd.testing.assert_frame_equal(g, g2)
    pd.testing.assert_frame_equal(model, model2)
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0] == 0
    assert "ssid" not in g.columns


def test_rounding_is_half_away_from_zero():
    f = Frame()
    f.design(A, 1, 3)  # 12 students, 4 students at offset 0: residuals +0.25 and -0.75
    f.design(B, 0, 1)
    f.add(YEAR, f.ssid(), B, 5, "ELA", None)
    con = f.con()
    g = score_growth(con, YEAR, load_settings())
    a = row(g, A)
    assert a.mean_unrounded == pytest.approx(0.25, abs=1e-9)
    assert a["mean"] == 0.3  # not 0.2 (half to even)
    f2 = Frame()
    f2.design(A, 0, 3)  # residual -0.25
    f2.design(B, 1, 1)
    g2 = score_growth(f2.con(), YEAR, load_settings())
    assert row(g2, A)["mean"] == -0.3
    assert row(g2, B).suppressed  # 4 students


def test_no_assessment_table_gives_an_empty_frame():
    con = duckdb.connect()
    g = score_growth(con, YEAR, load_settings())
    assert g.empty and list(g.columns) == GROWTH_COLUMNS
    assert growth_model(con, YEAR).empty
    con.execute("CREATE TABLE validated_assessment (school_year VARCHAR)")  # never provided
    assert score_growth(con, YEAR, load_settings()).empty


# ------------------------------------------------------------------------------------------------
# independent reference: pandas selection + numpy lstsq
# ------------------------------------------------------------------------------------------------
def reference(assessment: pd.DataFrame, year: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(coefficients per subject and grade, per-student residual gains) for ``year``."""
    a = assessment.sort_values(["source_line", "cds", "grade", "scale_score"])
    sba = a[(a.test_type == "SBA") & a.scale_score.notna()].drop_duplicates(["school_year", "ssid", "subject"])
    cur = sba[(sba.school_year == year) & sba.grade.between(4, 8)]
    prior = sba[sba.school_year == prior_school_year(year)]
    wide = prior.pivot(index="ssid", columns="subject", values="scale_score").dropna()
    wide.columns = ["prior_" + c.lower() for c in wide.columns]
    cur = cur.merge(wide, left_on="ssid", right_index=True)
    coefs, parts = [], []
    for (subject, grade), d in cur.groupby(["subject", "grade"]):
        X = np.column_stack([np.ones(len(d)), d.prior_ela.astype(float), d.prior_math.astype(float)])
        y = d.scale_score.astype(float).to_numpy()
        beta, *_ = np.linalg.lstsq(X, y, rcond=None)
        resid = y - X @ beta
        coefs.append({"subject": subject, "grade": grade, "n": len(d), "intercept": beta[0], "b_ela": beta[1],
                      "b_math": beta[2], "r2": 1 - resid @ resid / ((y - y.mean()) @ (y - y.mean()))})
        parts.append(d.assign(gain=resid))
    return pd.DataFrame(coefs), pd.concat(parts)


def reference_aggregates(students: pd.DataFrame) -> pd.DataFrame:
    masks = {"ALL": pd.Series(True, index=students.index), "EL": students.el == "Y", "LTEL": students.ltel == "Y",
             "SED": students.sed == "Y", "SWD": students.swd == "Y", "FOS": students.foster == "Y",
             "HOM": students.homeless == "Y"}
    for eth in GROUPS[1:9]:
        masks[eth] = students.ethnicity == eth
    out = []
    for group, mask in masks.items():
        d = students[mask]
        for rtype, by in (("S", d.cds), ("D", pd.Series(LEA, index=d.index))):
            agg = d.groupby([by.rename("cds"), d.subject]).gain.agg(["count", "mean", "std"]).reset_index()
            out.append(agg.assign(rtype=rtype, student_group=group))
    ref = pd.concat(out).rename(columns={"count": "ref_n", "mean": "ref_mean", "std": "ref_sd"})
    ref["ref_se"] = ref["ref_sd"] / np.sqrt(ref["ref_n"])
    return ref


def compare_with_reference(con, assessment, year):
    model = growth_model(con, year)
    coefs, students = reference(assessment, year)
    both = model.merge(coefs, on=["subject", "grade"], suffixes=("", "_ref"))
    assert len(both) == len(model) == len(coefs) == 10  # 2 subjects x grades 4..8
    assert (both.n == both.n_ref).all()
    for col in ("intercept", "b_ela", "b_math", "r2"):
        assert np.abs(both[col] - both[col + "_ref"]).max() < 1e-6, col
    g = score_growth(con, year, load_settings())
    ref = reference_aggregates(students)
    merged = g.merge(ref, on=["rtype", "cds", "subject", "student_group"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all()  # the same groups
    shown = merged.ref_n >= 11
    assert merged.loc[~shown, "suppressed"].all() and merged.loc[~shown, "n"].isna().all()
    s = merged[shown]
    assert (s.n == s.ref_n).all() and not s.suppressed.any()
    assert np.abs(s.mean_unrounded - s.ref_mean).max() < 1e-6
    assert np.abs(s.se_unrounded - s.ref_se).max() < 1e-6
    # displayed figures are the reference rounded to 0.1
    assert np.abs(s["mean"] - s.ref_mean).max() <= 0.05 + 1e-9
    assert np.abs(s.sd - s.ref_sd).max() <= 0.05 + 1e-9
    assert (g.category_allowed == (g.n >= 30).fillna(False)).all()
    return g


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw")
    generate(raw, "demo", 11, years=(PRIOR2, PRIOR, YEAR))
    con = duckdb.connect()
    for year in (PRIOR2, PRIOR, YEAR):
        result = ingest(SOURCES["assessment"], raw, year, load_settings())
        warehouse.replace_rows(con, "validated_assessment", kept_table(result), {"school_year": year})
    yield con, con.execute("SELECT * FROM validated_assessment").df()
    con.close()


def test_demo_data_matches_numpy_lstsq(demo):
    con, assessment = demo
    g = compare_with_reference(con, assessment, YEAR)
    assert (g.rtype == "S").sum() > 100 and g.suppressed.any() and (~g.suppressed).any()
    # the excluded grades really are in the data
    assert {3, 11} <= set(assessment.grade) and (assessment.test_type == "CAA").any()


# ------------------------------------------------------------------------------------------------
# a numpy-simulated district: one large school, ten middling ones, one very small one
# ------------------------------------------------------------------------------------------------
def simulate(seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    per_grade = [160] + [25] * 10 + [3]  # students per grade and school
    effects = rng.normal(0, 6, len(per_grade))
    effects[0] = 10.0
    years = (PRIOR2, PRIOR, YEAR)
    frames, next_id = [], 1_000_000_000
    for school, size in enumerate(per_grade):
        cds = f"1975416{school + 1:07d}"
        for first_grade in range(1, 9):
            ids = np.arange(next_id, next_id + size).astype(str)
            next_id += size
            ability, spec = rng.normal(size=size), rng.normal(size=size)
            flags = {"ethnicity": rng.choice(["HI", "WH", "AS", "AA"], size, p=[0.6, 0.2, 0.1, 0.1]),
                     "el": np.where(rng.random(size) < 0.2, "Y", "N"), "ltel": "N",
                     "sed": np.where(rng.random(size) < 0.6, "Y", "N"), "swd": "N", "foster": "N", "homeless": "N"}
            for t, year in enumerate(years):
                grade = first_grade + t
                if not 3 <= grade <= 8:
                    continue
                for subject, z in (("ELA", ability), ("MATH", 0.8 * ability + 0.6 * spec)):
                    score = (2300 + 40 * grade + 70 * z + effects[school] * (grade - 3)
                             + rng.normal(0, 45, size))
                    frames.append(pd.DataFrame({"school_year": year, "ssid": ids, "cds": cds, "grade": grade,
                                                "subject": subject, "test_type": "SBA",
                                                "scale_score": np.clip(np.rint(score), 1000, 3000).astype(np.int64),
                                                **flags}))
    out = pd.concat(frames, ignore_index=True)
    out["source_line"] = np.arange(len(out)) + 2
    return out


@pytest.fixture(scope="module")
def sim():
    assessment = simulate()
    con = duckdb.connect()
    con.execute(f"CREATE TABLE validated_assessment ({SCHEMA})")
    con.register("frame", assessment)
    con.execute("INSERT INTO validated_assessment BY NAME SELECT * FROM frame")
    con.unregister("frame")
    current = compare_with_reference(con, assessment, YEAR)
    prior = compare_with_reference(con, assessment, PRIOR)
    yield current, prior
    con.close()


def test_simulated_data_matches_numpy_lstsq(sim):
    current, prior = sim
    assert row(current, "19754160000001").n == 800 and row(current, "19754160000012").n == 15
    every = current[current.student_group == "ALL"]
    assert (every.estimate == every.rtype.map({"S": "eb_two_year", "D": "two_year_mean"})).all()
    assert set(current.estimate.dropna()) == {"eb_two_year", "eb_current_year", "two_year_mean"}
    assert (prior.estimate.dropna().isin(["eb_current_year", "current_year_mean"])).all()  # no 2020-21 data


def test_two_year_mean_combines_this_and_last_years_growth(sim):
    current, prior = sim
    keys = ["rtype", "cds", "subject", "student_group"]
    m = current[~current.suppressed].merge(prior[~prior.suppressed], on=keys, suffixes=("", "_p"))
    assert len(m) > 50
    assert np.abs(m.prior_mean_unrounded - m.mean_unrounded_p).max() < 1e-9
    assert (m.prior_n == m.n_p).all()
    w1, w0 = 1 / m.se_unrounded ** 2, 1 / m.se_unrounded_p ** 2
    expected = (w1 * m.mean_unrounded + w0 * m.mean_unrounded_p) / (w1 + w0)
    assert np.abs(m.two_year_mean_unrounded - expected).max() < 1e-9
    # shrinkage weight B = tau2 / (tau2 + v), v = 1 / (w1 + w0) the two-year mean's sampling variance
    s = m[m.rtype == "S"]
    v = 1 / (w1 + w0)[s.index]
    assert np.abs(s.shrink_weight - s.tau2 / (s.tau2 + v)).max() < 1e-9
    assert s.groupby("subject").tau2.nunique().eq(1).all()  # one between-school variance per subject
    # tau2: variance of the schools' two-year means minus their mean sampling variance (all students)
    for subject, d in s[s.student_group == "ALL"].assign(v=v).groupby("subject"):
        assert d.tau2.iloc[0] == pytest.approx(d.two_year_mean_unrounded.var(ddof=1) - d.v.mean(), abs=1e-9)


def test_eb_estimate_lies_between_own_two_year_mean_and_lea_mean(sim):
    current, _ = sim
    s = current[(current.rtype == "S") & ~current.suppressed]
    lo = np.minimum(s.two_year_mean_unrounded, s.shrink_target_unrounded)
    hi = np.maximum(s.two_year_mean_unrounded, s.shrink_target_unrounded)
    assert ((s.eb_estimate_unrounded >= lo - 1e-9) & (s.eb_estimate_unrounded <= hi + 1e-9)).all()
    assert ((s.shrink_weight > 0) & (s.shrink_weight < 1)).all()
    explained = s.shrink_target_unrounded + s.shrink_weight * (s.two_year_mean_unrounded - s.shrink_target_unrounded)
    assert np.abs(s.eb_estimate_unrounded - explained).max() < 1e-9
    # the target is the LEA's two-year mean of the subject (0 by construction of the fit)
    for subject in ("ELA", "MATH"):
        lea = row(current, LEA, subject=subject)
        assert (s[s.subject == subject].shrink_target_unrounded == lea.two_year_mean_unrounded).all()
        assert abs(lea.two_year_mean_unrounded) < 1e-9


def test_large_group_keeps_its_mean_small_group_moves_to_the_lea_mean(sim):
    current, _ = sim
    for subject in ("ELA", "MATH"):
        big = row(current, "19754160000001", subject=subject)  # 800 growth scores a year
        small = row(current, "19754160000012", subject=subject)  # 15
        assert big.shrink_weight > 0.9 > 0.5 > small.shrink_weight
        assert abs(big.eb_estimate_unrounded - big.two_year_mean_unrounded) < \
            abs(big.eb_estimate_unrounded - big.shrink_target_unrounded)
        assert abs(small.eb_estimate_unrounded - small.shrink_target_unrounded) < \
            abs(small.eb_estimate_unrounded - small.two_year_mean_unrounded)
