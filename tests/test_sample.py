"""Tests of the sample-data generator (the package pipeline/sample/)."""
from __future__ import annotations

import csv
import filecmp
import shutil
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipeline import sample
from pipeline.config import CONFIG_DIR, ConfigError
from pipeline.sample import codes, dashboard_rules, district_exports, parameters, survey, writers
from schemas import dashboard as dashboard_schemas
from schemas import district as district_schemas

YEARS = ("2021-22", "2022-23", "2023-24")
YEAR_FILES = {
    "enrollment.csv": district_exports.ENROLLMENT_COLS,
    "assessment.csv": district_exports.ASSESSMENT_COLS,
    "attendance.csv": district_exports.ATTENDANCE_COLS,
    "survey_responses.csv": ["school_year", "response_id", "cds", "respondent_group", "grade"]
    + [item[0] for item in survey.SURVEY_ITEMS],
    "survey_population.csv": survey.SURVEY_POP_COLS,
    "community.csv": district_exports.COMMUNITY_COLS,
}
GRID = {  # status level -> colours for change levels 1..5 (ca-dashboard.md)
    5: [3, 4, 5, 5, 5], 4: [2, 3, 4, 4, 5], 3: [2, 2, 3, 4, 4], 2: [1, 2, 2, 3, 3], 1: [1, 1, 1, 2, 3],
}


def spring(year: str) -> int:
    return int(year[:4]) + 1


def half_up_tenths(x: Fraction) -> Decimal:
    """x rounded half up to one decimal, exactly (x >= 0)."""
    tenths = (10 * x.numerator * 2 + x.denominator) // (2 * x.denominator)
    return Decimal(tenths) / 10


def read(path: Path, sep: str = ",") -> pd.DataFrame:
    return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("demo")
    return out, sample.generate(out, "demo", 2024)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("tiny")
    return out, sample.generate(out, "tiny", 7)


# ------------------------------------------------------------------------------------------
def test_scales_are_declared():
    assert {"tiny", "demo", "district", "state"} <= set(sample.SCALES)
    assert sample.SCALES["demo"].n_schools == 19
    assert sample.SCALES["tiny"].n_schools == 4


def test_deterministic_per_seed(tmp_path, tiny):
    first, counts = tiny
    again = tmp_path / "again"
    assert sample.generate(again, "tiny", 7) == counts
    for rel in counts:
        assert filecmp.cmp(first / rel, again / rel, shallow=False), rel
    other = tmp_path / "other"
    sample.generate(other, "tiny", 8)
    assert not filecmp.cmp(first / "2023-24/attendance.csv", other / "2023-24/attendance.csv", shallow=False)


def test_returned_counts_match_files(tiny):
    out, counts = tiny
    for rel, n in counts.items():
        with open(out / rel, encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh, delimiter="\t" if rel.endswith(".txt") else ","))
        assert len(rows) - 1 == n, rel


def test_demo_has_every_contract_file_with_exact_header(demo):
    out, counts = demo
    assert read(out / "directory.csv").columns.tolist() == district_exports.DIRECTORY_COLS
    assert read(out / "survey_codebook.csv").columns.tolist() == survey.CODEBOOK_COLS
    for year in YEARS:
        for name, cols in YEAR_FILES.items():
            path = out / year / name
            assert path.exists(), path
            assert read(path).columns.tolist() == cols, path
        for ind in sample.DASHBOARD_INDICATORS:
            path = out / year / "dashboard" / f"{ind}download{spring(year)}.txt"
            assert path.exists(), path
            header = path.read_text(encoding="utf-8").split("\n", 1)[0].split("\t")
            assert header == sample.dashboard_columns(ind, spring(year)), path
            assert f"{year}/dashboard/{path.name}" in counts
    # 2022 files are status-only
    assert "change" not in sample.dashboard_columns("chronic", 2022)
    assert "priorstatus" not in sample.dashboard_columns("ela", 2022)
    assert "hscutpoints" in sample.dashboard_columns("ela", 2024)


def test_demo_size_and_mix(demo):
    out, _ = demo
    d = read(out / "directory.csv")
    assert len(d) == 19 and d["cds"].is_unique
    assert d["cds"].str.fullmatch(r"19\d{12}").all()
    assert not d["cds"].str[2:7].eq("64733").any()
    types = d["school_type"].value_counts()
    assert types["ES"] >= 10 and types["MS"] >= 2 and 2 <= types["HS"] <= 3 and types["K8"] == 1
    assert (d["principal_email"] == "").sum() == 1
    assert d["school_name"].str.contains("ñ|á|é|í|ó|ú").any()  # accented names exercise the encoding
    for year in YEARS:
        e = read(out / year / "enrollment.csv")
        total = e.loc[e["student_group"] == "ALL", "enrollment"].astype(int).sum()
        assert 14_000 * 0.85 <= total <= 14_000 * 1.15, (year, total)
        sizes = e.loc[e["student_group"] == "ALL", "enrollment"].astype(int)
        assert sizes.min() < 250 and sizes.max() > 1_400


def test_demo_under_ten_megabytes(demo):
    out, _ = demo
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    assert total < 10.5 * 2 ** 20


def test_enrollment_consistent_with_attendance(demo):
    out, _ = demo
    for year in YEARS:
        e = read(out / year / "enrollment.csv")
        a = read(out / year / "attendance.csv")
        allg = e[e["student_group"] == "ALL"].set_index("cds")["enrollment"].astype(int)
        att = a.groupby("cds").size()
        ratio = allg / att.reindex(allg.index)
        assert ratio.between(0.9, 1.0).all(), ratio
        groups = e.pivot(index="cds", columns="student_group", values="enrollment").astype(int)
        eth = groups[["AA", "AI", "AS", "FI", "HI", "PI", "WH", "MR"]].sum(axis=1)
        assert (eth == groups["ALL"]).all()
        assert (groups["LTEL"] <= groups["EL"]).all()
        share = groups.sum() / groups["ALL"].sum()
        assert 0.75 <= share["SED"] <= 0.92 and 0.18 <= share["EL"] <= 0.32 and 0.6 <= share["HI"] <= 0.9
        assert 0.10 <= share["SWD"] <= 0.16 and 0.005 <= share["FOS"] <= 0.02 and 0.02 <= share["HOM"] <= 0.07


def test_student_files_are_valid(demo):
    out, _ = demo
    for year in YEARS:
        a = read(out / year / "attendance.csv")
        assert a["ssid"].str.fullmatch(r"\d{10}").all()
        assert not a.duplicated(["ssid", "cds"]).any()
        de, da = a["days_enrolled"].astype(int), a["days_absent"].astype(int)
        assert ((0 <= da) & (da <= de) & (de <= 180) & (de >= 1)).all()
        assert (de < 31).sum() > 0 and (de >= 170).mean() > 0.85
        assert a.loc[a["ltel"] == "Y", "el"].eq("Y").all()
        assert a.loc[a["ltel"] == "Y", "grade"].isin([str(g) for g in range(6, 13)]).all()
        s = read(out / year / "assessment.csv")
        assert not s.duplicated(["ssid", "subject"]).any()
        assert s["grade"].isin(["3", "4", "5", "6", "7", "8", "11"]).all()
        scored = s["scale_score"] != ""
        assert s.loc[scored, "scale_score"].astype(int).between(2100, 2900).all()
        assert 0.003 < (s["test_type"] == "CAA").mean() < 0.03
        assert 0 < (~scored & (s["test_type"] == "SBA")).mean() < 0.05
        assert s["ssid"].isin(a["ssid"]).all()


def test_ssids_stable_across_years(demo):
    out, _ = demo
    order = codes.GRADE_LABELS
    prev = None
    for year in YEARS:
        a = read(out / year / "attendance.csv").drop_duplicates("ssid", keep="last").set_index("ssid")
        if prev is not None:
            both = a.index.intersection(prev.index)
            assert len(both) > 0.6 * len(a)
            g_now = a.loc[both, "grade"].map(order.index)
            g_before = prev.loc[both, "grade"].map(order.index)
            assert (g_now - g_before == 1).all()  # everyone moves up a grade
            assert (a.loc[both, "ethnicity"] == prev.loc[both, "ethnicity"]).all()
        prev = a


def test_scores_persist_and_correlate(demo):
    out, _ = demo
    cur = read(out / "2023-24" / "assessment.csv")
    pri = read(out / "2022-23" / "assessment.csv")
    cur, pri = cur[cur["scale_score"] != ""], pri[pri["scale_score"] != ""]
    m = cur.merge(pri, on=["ssid", "subject"], suffixes=("", "_p"))
    r = np.corrcoef(m["scale_score"].astype(int), m["scale_score_p"].astype(int))[0, 1]
    assert 0.7 < r < 0.92
    w = cur.pivot(index="ssid", columns="subject", values="scale_score").dropna().astype(int)
    assert 0.6 < np.corrcoef(w["ELA"], w["MATH"])[0, 1] < 0.9
    g3 = cur[(cur["grade"] == "3") & (cur["subject"] == "ELA")]["scale_score"].astype(int).mean()
    assert 2330 < g3 < 2440


def _dash(out: Path, year: str, ind: str) -> pd.DataFrame:
    return read(out / year / "dashboard" / f"{ind}download{spring(year)}.txt", sep="\t")


def test_dashboard_status_rounding_and_privacy(demo):
    out, _ = demo
    for year in YEARS:
        for ind in ("chronic", "susp", "grad", "elpi"):
            d = _dash(out, year, ind)
            assert d["cds"].str.fullmatch(r"\d{14}").all()
            assert set(d["rtype"]) == {"S", "D", "X"}
            assert not d.duplicated(["cds", "studentgroup"]).any()
            den = d["currdenom"].astype(int)
            small = den < 11
            assert (d.loc[small, "currstatus"] == "*").all() and (d.loc[small, "currnumer"] == "*").all()
            assert (d.loc[~small, "currstatus"] != "*").all() and (d.loc[~small, "currnumer"] != "*").all()
            assert (d.loc[small, "currnsizemet"] == "N").all() and (d.loc[small, "statuslevel"] == "0").all()
            for num, den_, status in d.loc[~small, ["currnumer", "currdenom", "currstatus"]].itertuples(index=False):
                assert Decimal(status) == half_up_tenths(Fraction(100 * int(num), int(den_))), (ind, num, den_, status)
        # the chronic file has small groups of both kinds at school level
        c = _dash(out, year, "chronic")
        s = c[c["rtype"] == "S"]["currdenom"].astype(int)
        assert (s < 11).any() and ((s >= 11) & (s < 30)).any()


def test_dashboard_change_levels_and_colour(demo):
    out, _ = demo
    for year in YEARS[1:]:
        for ind in sample.DASHBOARD_INDICATORS:
            d = _dash(out, year, ind)
            for row in d.itertuples(index=False):
                sl, cl, color, box = int(row.statuslevel), int(row.changelevel), int(row.color), int(row.box)
                cd = int(row.currdenom)
                pd_ = int(row.priordenom) if row.priordenom else 0
                if ind not in ("ela", "math") and cd >= 11 and pd_ >= 11:
                    exact = Fraction(100 * int(row.currnumer), cd) - Fraction(100 * int(row.priornumer), pd_)
                    assert Decimal(row.change) == half_up_tenths(abs(exact)) * (1 if exact >= 0 else -1)
                if row.change == "":
                    assert cl == 0
                nmin = 15 if row.rtype != "S" and row.studentgroup in ("LTEL", "FOS", "HOM") else 30
                met = cd >= nmin and pd_ >= nmin
                assert row.accountabilitymet == ("Y" if met else "N")
                standard = ind in ("chronic", "susp", "elpi") and getattr(row, "smalldenom", "N") != "Y"
                if met and sl and cl and standard:  # the standard five-by-five grid, by hand
                    assert color == GRID[sl][cl - 1], (ind, row)
                    assert box == ((5 - sl) * 5 + cl) * 10
                elif not (met and sl and cl):
                    assert color == 0 and box == 0, (ind, row)


def test_dashboard_status_levels_follow_cut_scores(demo):
    out, _ = demo
    d = _dash(out, "2023-24", "chronic")
    d = d[d["currstatus"] != "*"]
    st = d["currstatus"].astype(float)
    expected = np.select([st <= 2.5, st <= 5.0, st <= 10.0, st <= 20.0], [5, 4, 3, 2], 1)
    assert (d["statuslevel"].astype(int).to_numpy() == expected).all()
    e = _dash(out, "2023-24", "ela")
    e = e[(e["currstatus"] != "*") & (e["hscutpoints"] == "N")]
    st = e["currstatus"].astype(float)
    expected = np.select([st <= -70.1, st <= -5.1, st <= 9.9, st <= 44.9], [1, 2, 3, 4], 5)
    assert (e["statuslevel"].astype(int).to_numpy() == expected).all()
    assert (_dash(out, "2023-24", "ela").query("rtype == 'S'")["hscutpoints"] == "Y").sum() >= 2


def config_rules(config_dir: Path) -> tuple[list[dict[str, str]], dict[tuple[str, int, int], tuple[int, int]],
                                             list[dict[str, str]]]:
    """The rows of cut_scores.csv, the colour grids and dashboard_rules.csv, read here without the
    generator's loader."""
    def rows(name: str) -> list[dict[str, str]]:
        with open(config_dir / name, encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))
    grid = {(r["grid"], int(r["status_level"]), int(r["change_level"])): (int(r["color"]), int(r["box"]))
            for r in rows("color_grid.csv") if r["color"]}
    return rows("cut_scores.csv"), grid, rows("dashboard_rules.csv")


def config_level(cuts: list[dict[str, str]], ind: str, measure: str, cut_set: str, year: int, value: str,
                 entity: str = "school") -> int:
    """The level the scoring SQL gives a value: the highest whose inclusive bounds hold it (0: none)."""
    v = Decimal(value)
    return max((int(c["level"]) for c in cuts
                if c["indicator"] == ind and c["measure"] == measure and c["cut_set"] in (cut_set, "any")
                and c["entity"] in (entity, "any")
                and int(c["dashboard_year_from"]) <= year <= int(c["dashboard_year_to"])
                and (c["min"] == "" or v >= Decimal(c["min"])) and (c["max"] == "" or v <= Decimal(c["max"]))),
               default=0)


def assert_levels_follow(out: Path, config_dir: Path) -> int:
    """Every level and colour in the Dashboard files is the configuration's; return how many rows have a colour."""
    cuts, grid, rules = config_rules(config_dir)
    coloured = 0
    for year in YEARS:
        y = spring(year)
        for ind in sample.DASHBOARD_INDICATORS:
            rule = next(r for r in rules if r["indicator"] == ind
                        and int(r["dashboard_year_from"]) <= y <= int(r["dashboard_year_to"]))
            d = _dash(out, year, ind)
            for row in d.itertuples(index=False):
                if ind in ("ela", "math"):
                    cut_set = "hs" if row.hscutpoints == "Y" else "default"
                else:
                    cut_set = (row.type or "none") if ind == "susp" else "default"
                entity = "school" if row.rtype == "S" else "lea"
                small = getattr(row, "smalldenom", "N") == "Y" and rule["small_below"] != ""
                sl = config_level(cuts, ind, "status", cut_set, y, row.currstatus, entity) \
                    if row.currstatus != "*" else 0
                assert int(row.statuslevel) == sl, (year, ind, row)
                if "change" in d.columns:
                    measure = "change"
                    if small and any(c["indicator"] == ind and c["measure"] == "change_small"
                                     and c["cut_set"] in (cut_set, "any") for c in cuts):
                        measure = "change_small"
                    cl = config_level(cuts, ind, measure, cut_set, y, row.change, entity) if row.change else 0
                    assert int(row.changelevel) == cl, (year, ind, row)
                    name = rule["small_grid"] if small else rule["grid"]
                    colored = (row.accountabilitymet == "Y" and sl and cl and rule["status_only"] == "N"
                               and row.studentgroup not in rule["groups_without_color"].split("|"))
                    color, box = grid.get((name, sl, cl), (0, 0)) if colored else (0, 0)
                    assert (int(row.color), int(row.box)) == (color, box if color else 0), (year, ind, row)
                    coloured += color > 0
    return coloured


def test_dashboard_levels_and_colours_are_the_configurations(demo):
    out, _ = demo
    assert assert_levels_follow(out, CONFIG_DIR) > 1_000


def copy_config(tmp_path: Path) -> Path:
    cfg = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, cfg)
    return cfg


def test_changing_the_configuration_changes_the_dashboard_files(tmp_path, tiny):
    """Cut scores and colour grid come from the configuration folder: the generator has no copy of its own."""
    base, counts = tiny
    cfg = copy_config(tmp_path)
    cut_file = cfg / "cut_scores.csv"
    cuts = cut_file.read_text(encoding="utf-8")
    # chronic absenteeism: level 3 (Medium) up to 15 % instead of 10 %
    for old, new in ((",status,3,5.1,10.0,", ",status,3,5.1,15.0,"), (",status,2,10.1,20.0,", ",status,2,15.1,20.0,")):
        row = f"chronic,2019,2099,any,default{old}"
        assert row in cuts
        cuts = cuts.replace(row, f"chronic,2019,2099,any,default{new}")
    cut_file.write_text(cuts, encoding="utf-8")
    grid_file = cfg / "color_grid.csv"
    with open(grid_file, encoding="utf-8", newline="") as fh:
        grid = list(csv.DictReader(fh))
    with open(grid_file, "w", encoding="utf-8", newline="") as fh:  # Blue for Red, Green for Orange, ...
        writer = csv.DictWriter(fh, fieldnames=list(grid[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows({**r, "color": 6 - int(r["color"]) if r["color"] else ""} for r in grid)
    out = tmp_path / "out"
    assert sample.generate(out, "tiny", 7, config_dir=cfg) == counts
    changed = {rel for rel in counts if not filecmp.cmp(base / rel, out / rel, shallow=False)}
    assert changed and all("/dashboard/" in rel for rel in changed)
    assert assert_levels_follow(out, cfg) > 0
    moved = 0
    for year in YEARS:
        before, after = _dash(base, year, "chronic"), _dash(out, year, "chronic")
        moved += (before["statuslevel"] != after["statuslevel"]).sum()
        assert (before.drop(columns=["statuslevel", "color", "box"], errors="ignore")
                .equals(after.drop(columns=["statuslevel", "color", "box"], errors="ignore")))
    assert moved > 0


def test_configuration_errors_name_the_file_and_line(tmp_path):
    cfg = copy_config(tmp_path)
    cut_file = cfg / "cut_scores.csv"
    cuts = cut_file.read_text(encoding="utf-8")
    assert "\nchronic,2019,2099,any,default,status,5,,2.5," in cuts  # line 2
    cut_file.write_text(cuts.replace(",status,5,,2.5,", ",status,5,,2.55,", 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^cut_scores\.csv line 2: 'max' must be a number with at most one decimal, "
                                          r"got '2\.55'$"):
        sample.generate(tmp_path / "out", "tiny", 7, config_dir=cfg)
    cut_file.write_text(cuts.replace("chronic,2019,", "chronic,2024,"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^cut_scores\.csv has no status cut scores for chronic \(cut set default\) "
                                          r"in Dashboard year 2023$"):
        sample.generate(tmp_path / "out", "tiny", 7, years=("2022-23", "2023-24"), config_dir=cfg)
    assert not (tmp_path / "out").exists()  # checked before anything is written
    cut_file.write_text(cuts, encoding="utf-8")
    grid_file = cfg / "color_grid.csv"
    grid = grid_file.read_text(encoding="utf-8")
    assert grid.endswith("\ngrad_small,1,5,1,240,Y,\n")
    grid_file.write_text(grid.replace("\ngrad_small,1,5,1,240,", "\ngrad_small,1,5,7,240,"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^color_grid\.csv line 101: 'color' must be 0 to 5, got '7'$"):
        sample.generate(tmp_path / "out", "tiny", 7, config_dir=cfg)
    (cfg / "color_grid.csv").unlink()
    with pytest.raises(ConfigError, match=r"color_grid\.csv is missing"):
        sample.generate(tmp_path / "out", "tiny", 7, config_dir=cfg)


def test_dfs_recomputes_from_assessment(demo):
    out, _ = demo
    cuts = {s: {g: v[2] for g, v in tab.items()} for s, tab in parameters.SBAC.items()}
    for year in YEARS:
        a = read(out / year / "assessment.csv")
        a = a[(a["test_type"] == "SBA") & (a["scale_score"] != "")]
        for subj in ("ELA", "MATH"):
            s = a[a["subject"] == subj]
            diff = s["scale_score"].astype(int) - s["grade"].astype(int).map(cuts[subj])
            sums = diff.groupby(s["cds"]).agg(["sum", "count"])
            d = _dash(out, year, subj.lower())
            d = d[(d["rtype"] == "S") & (d["studentgroup"] == "ALL")].set_index("cds")
            for cds, (tot, n) in sums.iterrows():
                assert int(d.loc[cds, "currdenom_withoutprloss"]) == n
                assert Decimal(d.loc[cds, "currstatus_withoutprloss"]) == (
                    half_up_tenths(abs(Fraction(int(tot), int(n)))) * (1 if tot >= 0 else -1))


def test_chronic_recomputes_from_attendance(demo):
    out, _ = demo
    a = read(out / "2023-24" / "attendance.csv")
    de, da = a["days_enrolled"].astype(int), a["days_absent"].astype(int)
    elig = (de >= 31) & a["grade"].isin(codes.GRADE_LABELS[:10])
    chronic = elig & (10 * da >= de)
    tab = pd.DataFrame({"n": chronic, "d": elig}).groupby(a["cds"]).sum()
    d = _dash(out, "2023-24", "chronic")
    d = d[(d["rtype"] == "S") & (d["studentgroup"] == "ALL")].set_index("cds")
    tab = tab[tab["d"] > 0]
    assert (d.loc[tab.index, "currnumer"].astype(int) == tab["n"]).all()
    assert (d.loc[tab.index, "currdenom"].astype(int) == tab["d"]).all()
    rates = tab["n"] / tab["d"]
    assert rates.between(0.05, 0.5).all()


def test_survey_files(demo):
    out, _ = demo
    book = read(out / "survey_codebook.csv")
    assert set(book["respondent_group"]) == {"student", "parent", "staff"}
    assert (book["reverse_coded"] == "Y").sum() >= 3
    points = book.set_index("item_id")["scale_points"].astype(int)
    for year in YEARS:
        r = read(out / year / "survey_responses.csv")
        assert r["response_id"].is_unique
        pop = read(out / year / "survey_population.csv")
        got = r.groupby(["cds", "respondent_group"]).size()
        inv = pop.set_index(["cds", "respondent_group"])["invited"].astype(int)
        assert (got <= inv.reindex(got.index)).all()
        rate = got / inv.reindex(got.index)
        assert rate.xs("student", level=1).between(0.45, 0.95).all()
        assert rate.xs("parent", level=1).between(0.1, 0.6).all()
        assert rate.xs("staff", level=1).between(0.5, 1.0).all()
        assert r.loc[r["respondent_group"] == "student", "grade"].astype(int).between(3, 12).all()
        assert (r.loc[r["respondent_group"] != "student", "grade"] == "").all()
        for item, group in book[["item_id", "respondent_group"]].itertuples(index=False):
            own = r["respondent_group"] == group
            assert (r.loc[~own, item] == "").all()
            answers = r.loc[own & (r[item] != ""), item].astype(int)
            assert answers.between(1, points[item]).all()
            assert 0 < (r.loc[own, item] == "").mean() < 0.1  # some skipped answers


def test_community_and_directory_values(demo):
    out, _ = demo
    d = read(out / "directory.csv")
    assert d["languages"].str.fullmatch(r"[a-z]{2}(;[a-z]{2})*").all()
    assert d["zip"].str.fullmatch(r"\d{5}").all()
    blanks = 0
    for year in YEARS:
        c = read(out / year / "community.csv")
        assert (c["cds"].sort_values().to_numpy() == d["cds"].sort_values().to_numpy()).all()
        blanks += (c[["asthma_rate", "gun_injury_rate", "deepest_poverty_pct"]] == "").sum().sum()
        v = c["deepest_poverty_pct"].astype(float)
        assert v.between(0, 100).all()
    assert 1 <= blanks <= 3


def test_tiny_scale(tiny):
    out, counts = tiny
    d = read(out / "directory.csv")
    assert len(d) == 4 and {"ES", "HS"} <= set(d["school_type"])
    e = read(out / "2023-24" / "enrollment.csv")
    total = e.loc[e["student_group"] == "ALL", "enrollment"].astype(int).sum()
    assert 1_000 <= total <= 1_400
    for ind in ("chronic", "ela"):
        s = _dash(out, "2023-24", ind).query("rtype == 'S'")["currdenom"].astype(int)
        assert (s < 11).any() and ((s >= 11) & (s < 30)).any()


def test_other_years_and_unknown_scale(tmp_path):
    counts = sample.generate(tmp_path, "tiny", 3, years=("2022-23", "2023-24"))
    assert "2022-23/dashboard/chronicdownload2023.txt" in counts and not (tmp_path / "2021-22").exists()
    d = _dash(tmp_path, "2022-23", "chronic")  # first written year, full layout: prior from the burn-in year
    assert (d.loc[d["studentgroup"] == "ALL", "priordenom"] != "").all()
    assert (d["priordenom"] != "").mean() > 0.9
    with pytest.raises(ValueError):
        sample.generate(tmp_path, "galaxy")
    with pytest.raises(ValueError):
        sample.generate(tmp_path, "tiny", years=("2023/24",))


def test_half_up_rounding_matches_decimal():
    rng = np.random.default_rng(0)
    num = rng.integers(-10_000, 10_000, 5_000)
    den = rng.integers(1, 400, 5_000)
    num[:50] = np.arange(-25, 25) * 5  # ties: x.5
    den[:50] = 10
    got = dashboard_rules.half_up_div(num, den)
    want = [int((Decimal(int(n)) / Decimal(int(d))).quantize(Decimal(1), rounding=ROUND_HALF_UP)) for n, d in zip(num, den)]
    assert got.tolist() == want
    assert writers.fmt_tenths(np.array([-25, -5, 0, 5, 204])).tolist() == ["-2.5", "-0.5", "0.0", "0.5", "20.4"]


def test_fast_writer_gives_pandas_bytes(tmp_path):
    assert writers._duckdb() is duckdb  # the fast path is taken
    n = 1_000
    rng = np.random.default_rng(1)
    df = pd.DataFrame(dict(
        school_year=writers.constant_column("2023-24", n), ssid=rng.integers(10**9, 9 * 10**9, n),
        grade=pd.Categorical.from_codes(rng.integers(0, 14, n), codes.GRADE_LABELS),
        score=pd.arrays.IntegerArray(rng.integers(2100, 2900, n).astype(np.int16), rng.random(n) < 0.1),
        flag=writers.yn_column(rng.random(n) < 0.5)))
    writers.write_csv(df, tmp_path / "fast.csv", fast=True)
    writers.write_csv(df, tmp_path / "slow.csv", fast=False)
    assert filecmp.cmp(tmp_path / "fast.csv", tmp_path / "slow.csv", shallow=False)


def test_files_match_the_pipeline_schemas(tiny):
    """The generated files pass the district contracts in schemas/district.py."""
    out, _ = tiny
    d = district_schemas
    models = {
        "directory.csv": d.Directory, "survey_codebook.csv": d.SurveyCodebook,
        "enrollment.csv": d.Enrollment, "assessment.csv": d.Assessment,
        "attendance.csv": d.Attendance, "survey_responses.csv": d.SurveyResponses,
        "survey_population.csv": d.SurveyPopulation, "community.csv": d.Community,
    }
    for name, model in models.items():
        paths = [out / name] if (out / name).exists() else [out / "2023-24" / name]
        for path in paths:
            df = pd.read_csv(path, dtype=str, keep_default_na=False).replace("", None)
            model.validate(df, lazy=True)


def test_dashboard_files_match_the_pipeline_schemas(tiny):
    """Dashboard files pass schemas/dashboard.py once '*' marks are read as blanks (as the reader does)."""
    out, _ = tiny
    d = dashboard_schemas
    models = {"chronic": d.RateIndicator, "susp": d.RateIndicator, "grad": d.RateIndicator,
              "ela": d.AcademicIndicator, "math": d.AcademicIndicator, "elpi": d.ElpiIndicator}
    for year in YEARS:
        for ind, model in models.items():
            df = _dash(out, year, ind)
            df.columns = [c.lower() for c in df.columns]
            model.validate(df.replace({"*": None, "": None}), lazy=True)
