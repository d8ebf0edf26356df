"""Equity-need index against hand-computed expectations, configuration errors, and a demo-data run.

The five-school example (weights poverty 50, asthma 25, ELA 25; min weight share 0.6; quintile tiers):

  school  poverty  pct   asthma  pct     ELA DFS  pct     composite                       percentile  tier
  S1      10         0   50      100     -10        0     (0*50 + 100*25 + 0*25)/100 = 25      0      Lowest
  S2      20        25   40       33.3   -50       66.7   (1250 + 833.3 + 1666.7)/100 = 37.5  25      Low
  S3      30        50   40       33.3   (none)           (2500 + 833.3)/75 = 44.4            50      Moderate
  S4      40        75   20        0     -80      100     (3750 + 0 + 2500)/100 = 62.5        75      High
  S5      50       100   (none)          -30       33.3   (5000 + 833.3)/75 = 77.8           100      Highest

Percentile = 100 x (rank - 1) / (schools with a value - 1), higher = more need (a lower DFS is
more need); S2 and S3 tie on asthma and share the lower rank.
"""
from __future__ import annotations

import math
import time

import pandas as pd
import pytest

from pipeline import warehouse
from pipeline.config import ConfigError, load_settings
from pipeline.scoring.attendance import score_attendance
from pipeline.scoring.equity import (
    COMPONENT_COLUMNS,
    INDEX_COLUMNS,
    equity_components,
    load_equity_config,
    score_equity,
    score_equity_tables,
)
from pipeline.scoring.indicators import score_indicators

YEAR = "2023-24"
S = {i: f"1975416000000{i}" for i in range(1, 6)}

CONFIG = """
components:
  - {name: poverty, source: deepest_poverty_pct, higher_is_more_need: true, weight: 50}
  - {name: asthma, source: asthma_rate, higher_is_more_need: true, weight: 25}
  - {name: ela, source: ela_dfs, higher_is_more_need: false, weight: 25}
missing:
  min_weight_share: 0.6
tiers:
  cut_points: [20, 40, 60, 80]
"""


def config(tmp_path, text=CONFIG):
    folder = tmp_path / "cfg"
    folder.mkdir(exist_ok=True)
    (folder / "equity_index.yaml").write_text(text)
    return load_equity_config(folder)


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    with warehouse.connect(tmp_path_factory.mktemp("equity") / "w.duckdb") as con:
        warehouse.replace_rows(con, "validated_directory", pd.DataFrame(
            {"cds": list(S.values()), "school_type": ["ES"] * 5}), {"school_year": YEAR})
        warehouse.replace_rows(con, "validated_community", pd.DataFrame({
            "cds": list(S.values()),
            "deepest_poverty_pct": [10.0, 20.0, 30.0, 40.0, 50.0],
            "asthma_rate": [50.0, 40.0, 40.0, 20.0, None],
            "gun_injury_rate": [1.0, 2.0, 3.0, 4.0, 5.0],
        }), {"school_year": YEAR})
        warehouse.replace_rows(con, "indicator_results", pd.DataFrame({
            "cds": [S[1], S[1], S[2], S[3], S[4], S[5], "19754160000000"],
            "rtype": ["S", "S", "S", "S", "S", "S", "D"],
            "student_group": ["ALL"] * 7,
            "indicator": ["ela"] * 7,
            "origin": ["cde", "district", "cde", "cde", "cde", "cde", "cde"],
            "status": [-10.0, -99.0, -50.0, None, -80.0, -30.0, -40.0],  # S3 suppressed; CDE's preferred
        }), {"school_year": YEAR})
        yield con


@pytest.fixture
def cfg(tmp_path):
    return config(tmp_path)


def test_hand_computed_example(con, cfg):
    index, parts = score_equity_tables(con, YEAR, load_settings(), cfg)
    assert list(index.columns) == INDEX_COLUMNS and list(parts.columns) == COMPONENT_COLUMNS
    got = index.set_index("cds")
    expected = {  # composite, percentile, tier, tier_rank, need_rank, components, weight share
        1: (25.0, 0.0, "Lowest", 5, 5, 3, 1.0),
        2: (37.5, 25.0, "Low", 4, 4, 3, 1.0),
        3: (2500 / 75 + 25 * (100 / 3) / 75, 50.0, "Moderate", 3, 3, 2, 0.75),
        4: (62.5, 75.0, "High", 2, 2, 3, 1.0),
        5: (5000 / 75 + 25 * (100 / 3) / 75, 100.0, "Highest", 1, 1, 2, 0.75),
    }
    for i, (composite, pct, tier, tier_rank, need_rank, present, share) in expected.items():
        r = got.loc[S[i]]
        assert math.isclose(r.composite, composite, abs_tol=1e-6), i
        assert math.isclose(r.composite_percentile, pct), i
        assert (r.tier, r.tier_rank, r.need_rank, r.components_present) == (tier, tier_rank, need_rank, present)
        assert math.isclose(r.weight_present, share)
    assert list(index.cds) == [S[5], S[4], S[3], S[2], S[1]]  # ordered by need rank


def test_component_percentiles_and_ties(con, cfg):
    parts = equity_components(con, YEAR, load_settings(), cfg)
    pct = parts.pivot(index="cds", columns="component", values="percentile")
    assert pct.loc[[S[i] for i in range(1, 6)], "poverty"].tolist() == [0, 25, 50, 75, 100]
    asthma = pct["asthma"]
    assert asthma[S[1]] == 100 and asthma[S[4]] == 0 and pd.isna(asthma[S[5]])
    assert math.isclose(asthma[S[2]], 100 / 3) and asthma[S[2]] == asthma[S[3]]  # tie: the lower rank
    ela = pct["ela"]  # lower DFS = more need; S1's district-origin -99 is not used
    assert [ela[S[1]], ela[S[4]]] == [0, 100] and pd.isna(ela[S[3]])
    assert math.isclose(ela[S[5]], 100 / 3) and math.isclose(ela[S[2]], 200 / 3)
    value = parts.set_index(["cds", "component"])["value"]
    assert value[(S[1], "ela")] == -10.0


def test_missing_components_are_reweighted(con, cfg):
    parts = equity_components(con, YEAR, load_settings(), cfg)
    s3 = parts[parts.cds == S[3]].set_index("component")
    assert math.isclose(s3.loc["poverty", "weight"], 50 / 75)
    assert math.isclose(s3.loc["asthma", "weight"], 25 / 75)
    assert s3.loc["ela", "weight"] == 0 and pd.isna(s3.loc["ela", "contribution"])
    assert math.isclose(s3.loc["poverty", "contribution"], 50 / 75 * 50)
    assert s3.loc["poverty", "configured_weight"] == 50
    sums = parts.groupby("cds").contribution.sum()
    index = score_equity(con, YEAR, load_settings(), cfg).set_index("cds")
    for cds in S.values():
        assert math.isclose(sums[cds], index.loc[cds, "composite"], abs_tol=1e-6)
    full = parts[parts.cds == S[1]]
    assert full.weight.tolist() == [0.5, 0.25, 0.25]


def test_too_little_weight_gives_no_index(con, tmp_path):
    strict = config(tmp_path, CONFIG.replace("min_weight_share: 0.6", "min_weight_share: 0.8"))
    index, parts = score_equity_tables(con, YEAR, load_settings(), strict)
    got = index.set_index("cds")
    for i in (3, 5):  # 75 % of the weight present
        r = got.loc[S[i]]
        assert pd.isna(r.composite) and pd.isna(r.tier) and pd.isna(r.need_rank) and pd.isna(r.composite_percentile)
        assert r.weight_present == 0.75
    # the three remaining schools are ranked among themselves
    assert [got.loc[S[i], "composite_percentile"] for i in (1, 2, 4)] == [0, 50, 100]
    assert [got.loc[S[i], "tier"] for i in (1, 2, 4)] == ["Lowest", "Moderate", "Highest"]
    s5 = parts[parts.cds == S[5]]
    assert s5.weight.isna().all() and s5.contribution.isna().all()
    assert s5.value.notna().sum() == 2  # values and percentiles stay, to explain


def test_cut_points_are_inclusive_lower_bounds(con, tmp_path):
    shifted = config(tmp_path, CONFIG.replace("[20, 40, 60, 80]", "[25, 50, 75, 100]"))
    got = score_equity(con, YEAR, load_settings(), shifted).set_index("cds")
    assert [got.loc[S[i], "tier"] for i in range(1, 6)] == ["Lowest", "Low", "Moderate", "High", "Highest"]


def test_source_values(tmp_path):
    """unduplicated (SED or EL or foster, once), chronic absence and SWD share, with the n-size of 11."""
    flags = {  # school 1: 12 students, 8 unduplicated; school 2: 10 students (too few)
        S[1]: [("Y", "N", "N")] * 6 + [("N", "Y", "N"), ("N", "Y", "Y"), ("N", "N", "N")] + [("N", "N", "N")] * 3,
        S[2]: [("Y", "N", "N")] * 10,
    }
    rows = [(cds, f"{k}{j:09d}", sed, el, fos) for k, (cds, fl) in enumerate(flags.items())
            for j, (sed, el, fos) in enumerate(fl)]
    students = pd.DataFrame(rows, columns=["cds", "ssid", "sed", "el", "foster"])
    cfg = config(tmp_path, """
components:
  - {source: unduplicated_pct, higher_is_more_need: true, weight: 1}
  - {source: chronic_absence_pct, higher_is_more_need: true, weight: 1}
  - {source: swd_pct, higher_is_more_need: true, weight: 1}
  - {source: homeless_pct, higher_is_more_need: true, weight: 1}
missing: {min_weight_share: 0.25}
tiers: {cut_points: [20, 40, 60, 80]}
""")
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        warehouse.replace_rows(con, "validated_attendance", students, {"school_year": YEAR})
        warehouse.replace_rows(con, "attendance", pd.DataFrame({
            "rtype": ["S", "S", "D"], "cds": [S[1], S[2], "19754160000000"], "student_group": ["ALL"] * 3,
            "eligible": [20, 10, 30], "chronic": [5, 1, 6]}), {"school_year": YEAR})
        warehouse.replace_rows(con, "validated_enrollment", pd.DataFrame({
            "cds": [S[1], S[1], S[2], S[2]], "student_group": ["ALL", "SWD", "ALL", "HOM"],
            "enrollment": [200, 30, 150, 6]}), {"school_year": YEAR})
        parts = equity_components(con, YEAR, load_settings(), cfg)
    value = parts.set_index(["cds", "component"])["value"]
    assert math.isclose(value[(S[1], "unduplicated_pct")], 100 * 8 / 12)
    assert pd.isna(value[(S[2], "unduplicated_pct")])  # 10 students
    assert value[(S[1], "chronic_absence_pct")] == 25.0
    assert pd.isna(value[(S[2], "chronic_absence_pct")])  # 10 eligible
    assert value[(S[1], "swd_pct")] == 15.0 and pd.isna(value[(S[2], "swd_pct")])  # no SWD row: no value
    assert value[(S[2], "homeless_pct")] == 4.0
    assert set(parts.cds) == {S[1], S[2]}  # no directory: the schools with a value


def test_default_config_is_valid():
    cfg = load_equity_config()
    weights = {c.name: c.weight for c in cfg.components}
    assert sum(weights.values()) == 100 and weights["unduplicated"] == 30
    assert cfg.cut_points == (20, 40, 60, 80) and cfg.min_weight_share == 0.6


@pytest.mark.parametrize("old, new, key", [
    ("source: asthma_rate", "source: asthma", "source"),
    ("weight: 25}\n  - {name: ela", "weight: 0}\n  - {name: ela", "weight"),
    ("weight: 50", "weight: -5", "weight"),
    ("weight: 50", "weight: true", "weight"),
    ("weight: 50", "wieght: 50", "wieght"),
    ("higher_is_more_need: false", "higher_is_more_need: no_thanks", "higher_is_more_need"),
    ("name: asthma", "name: poverty", "name"),
    ("[20, 40, 60, 80]", "[20, 60, 40, 80]", "cut_points"),
    ("[20, 40, 60, 80]", "[20, 40, 60]", "cut_points"),
    ("[20, 40, 60, 80]", "[0, 40, 60, 80]", "cut_points"),
    ("min_weight_share: 0.6", "min_weight_share: 1.5", "min_weight_share"),
    ("missing:\n  min_weight_share: 0.6\n", "", "missing"),
    ("tiers:", "tier:", "tier"),
])
def test_config_errors_name_file_and_key(tmp_path, old, new, key):
    assert old in CONFIG
    with pytest.raises(ConfigError) as err:
        config(tmp_path, CONFIG.replace(old, new, 1))
    assert "equity_index.yaml" in str(err.value) and key in str(err.value)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="equity_index.yaml is missing"):
        load_equity_config(tmp_path)


def test_demo_data(tmp_path):
    from pipeline.ingest import ingest, kept_table
    from pipeline.sample import generate
    from pipeline.sources import SOURCES

    generate(tmp_path / "raw", "demo", 2024, years=(YEAR,))
    settings = load_settings()
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        for name in ("directory", "attendance", "enrollment", "community", "dashboard_ela", "dashboard_math"):
            result = ingest(SOURCES[name], tmp_path / "raw", YEAR, settings)
            warehouse.replace_rows(con, f"validated_{name}", kept_table(result), {"school_year": YEAR})
        warehouse.replace_rows(con, "attendance", score_attendance(con, YEAR, settings), {"school_year": YEAR})
        warehouse.replace_rows(con, "indicator_results", score_indicators(con, YEAR, settings),
                               {"school_year": YEAR})
        schools = con.execute("SELECT count(*) FROM validated_directory").fetchall()[0][0]
        started = time.perf_counter()
        index, parts = score_equity_tables(con, YEAR, settings)
        elapsed = time.perf_counter() - started
        con.execute("DROP TABLE validated_community")  # optional source absent: 40 % of the weight
        without = score_equity(con, YEAR, settings)
    assert elapsed < 5
    n_components = len(load_equity_config().components)
    assert len(index) == schools and len(parts) == schools * n_components
    assert index.composite.notna().all()
    assert set(index.tier) == {"Highest", "High", "Moderate", "Low", "Lowest"}
    higher = [(index.composite > c).sum() + 1 for c in index.composite]
    assert index.need_rank.tolist() == higher  # 1 = highest need; equal composites share a rank
    assert index.composite.between(0, 100).all() and index.composite_percentile.between(0, 100).all()
    assert (index.sort_values("need_rank").tier_rank.diff().dropna() >= 0).all()  # tiers follow the rank
    assert parts.percentile.between(0, 100).all()
    assert without.weight_present.eq(0.6).all() and without.composite.notna().all()
