"""The Dashboard preview from the state's student files equals the sample's CDE Dashboard files,
which the sample computes from the same students by the Dashboard's rules (issue #15).

Compared: every school and LEA row (rtype S, D) that both origins have, for chronic absenteeism,
ELA, math and ELPI, on n, status, change, status level, change level and colour, before any
disclosure step; on ELA and math every student group CDE publishes (the language groups ELO, RFP
and EO among them) and the rows where CDE added students for the 95 % participation rule (the
rule measured on the real files, ``config/participation_rule.csv``). The tiny sample is generated
as a whole district (its LEA rows are then computed from its students, not synthetic). Not
compared, and why (said in the validation report's preview block): chronic absenteeism LEA rows:
CDE counts grades K-8 and STAS has no grade, so ours count more.
"""
from __future__ import annotations

import pandas as pd
import pytest

from pipeline.scoring.preview import side_by_side
from tests.preview_setup import YEARS, preview_results, real_student_n_size


@pytest.fixture(scope="module")
def preview(tmp_path_factory):
    from dataclasses import replace

    from pipeline.sample import scales

    root = tmp_path_factory.mktemp("preview")
    with pytest.MonkeyPatch.context() as mp:  # the tiny sample as a whole district: real LEA rows
        mp.setitem(scales.SCALES, "tiny-lea", replace(scales.SCALES["tiny"], name="tiny-lea", partial_district=False))
        results = preview_results(root, scale="tiny-lea")
    prloss = set()
    for year in YEARS:
        spring = int(year[:2] + year[-2:])
        for ind in ("ela", "math"):
            f = pd.read_csv(root / "raw" / year / "dashboard" / f"{ind}download{spring}.txt", sep="\t", dtype=str)
            added = pd.to_numeric(f["currnumprloss"], errors="coerce").fillna(0) > 0
            prloss |= {(c, g, ind) for c, g in zip(f.loc[added, "cds"], f.loc[added, "studentgroup"])}
    return side_by_side(results), prloss


@pytest.mark.slow
def test_preview_equals_the_samples_cde_files_on_every_school_and_lea_row(preview):
    sbs, prloss = preview
    both = sbs[sbs["compared"]]
    grades = both["indicator"].eq("chronic") & both["rtype"].eq("D")
    checked = both[~grades]
    compared = checked.groupby(["indicator", "rtype"]).size().to_dict()
    added = {(c, g, i) for c, g, i in zip(checked["cds"], checked["student_group"], checked["indicator"])} & prloss
    groups = set(checked.loc[checked["indicator"].eq("ela"), "student_group"])
    # every indicator of the preview is compared on rows of its own (tiny sample, seed 7): 12 chronic,
    # 49 ELA and 49 math school rows, 14 ELA and 14 math LEA rows, 4 ELPI school rows and 1 LEA row;
    # 13 of the ELA and math rows have students added for the 95 % participation rule. The 2024 files
    # publish no ELO, RFP or EO row (tests/test_preview_demo.py compares them on 2022 and 2023)
    assert compared == {("chronic", "S"): 12, ("ela", "S"): 49, ("ela", "D"): 14, ("math", "S"): 49,
                        ("math", "D"): 14, ("elpi", "S"): 4, ("elpi", "D"): 1}, compared
    assert len(added) == 13 and "EL" in groups and not groups & {"ELO", "RFP", "EO"}, len(added)
    # one math row's change is blank on our side: last year's HOM figure counts 11 with the students added
    # for participation, fewer real students, and our n-size counts real students only
    stricter = real_student_n_size(checked)
    assert stricter.sum() == 1, checked[stricter].to_string()
    wrong = checked[checked["differs"].ne("") & ~stricter]
    assert wrong.empty, wrong[["cds", "rtype", "student_group", "indicator", "differs"]].to_string()
    # the LEA's chronic absenteeism: ours counts every grade (STAS has none), CDE's K-8
    lea = both[grades]
    assert len(lea) and (lea["n_district"].astype(int) > lea["n_cde"].astype(int)).all()


@pytest.mark.slow
def test_the_elpi_preview_counts_every_english_learner_the_sample_counts(preview):
    sbs, _ = preview
    elpi = sbs[sbs["indicator"].eq("elpi") & sbs["rtype"].eq("S") & sbs["student_group"].eq("EL")]
    assert len(elpi) > 0 and elpi["compared"].all()
    assert (elpi["n_district"].astype(int) == elpi["n_cde"].astype(int)).all()
    assert (elpi["status_district"].astype(float) == elpi["status_cde"].astype(float)).all()


def _row(cds, group, ind, origin, n, status, change=None, note=None, rtype="S"):
    return {"cds": cds, "rtype": rtype, "student_group": group, "indicator": ind, "origin": origin, "n": n,
            "status": status, "change": change, "status_level": 3, "change_level": 3, "color": 0, "note": note}


def test_each_difference_is_explained_or_said_not_to_be():
    from pipeline.preview_report import NOT_EXPLAINED, explained

    s = "19754160000001"
    rows = [
        _row(s, "ALL", "ela", "district", 95, -20.0), _row(s, "ALL", "ela", "cde", 100, -30.0),  # 5 added: 95 %
        _row(s, "SED", "ela", "district", 50, -20.0), _row(s, "SED", "ela", "cde", 100, -30.0),  # too many
        _row(s, "EL", "math", "district", 40, -20.0, 3.0), _row(s, "EL", "math", "cde", 40, -20.0, 5.0),
        _row(s, "HI", "chronic", "cde", 40, 12.0), _row(s, "RFP", "ela", "cde", 40, 1.0),
        _row(s, "ALL", "elpi", "district", 40, 50.0), _row(s, "ALL", "elpi", "cde", 40, 52.5),
        _row(s, "SWD", "math", "district", None, None, note="complementary"), _row(s, "SWD", "math", "cde", 30, -80.0),
        _row(s, "ALL", "chronic", "district", 40, 12.0), _row(s, "ALL", "chronic", "cde", 40, 12.0),  # equal
        _row(s, "AS", "math", "district", 21, -20.0), _row(s, "AS", "math", "cde", 21, -20.0, 0.0),  # ours hidden
    ]
    why = explained(pd.DataFrame(rows)).set_index(["student_group", "indicator"])["reason"]
    assert why[("ALL", "ela")].startswith("CDE's denominator has 5 more")
    assert why[("SED", "ela")] == NOT_EXPLAINED and why[("ALL", "elpi")] == NOT_EXPLAINED
    assert why[("EL", "math")].startswith("the prior year's figures differ")
    assert why[("HI", "chronic")].startswith("the files read give these students no ethnicity")
    assert why[("RFP", "ela")].startswith("the files read have no scored student of the group here")
    assert why[("SWD", "math")].startswith("one side's figure is hidden by disclosure control (complementary)")
    assert why[("AS", "math")].startswith("our change is blank where CDE's file publishes one")
    assert ("ALL", "chronic") not in why.index and len(why) == 8
    # in a year whose participation rule the preview applies, students added are no explanation
    applied = explained(pd.DataFrame(rows), rule_applied=True).set_index(["student_group", "indicator"])["reason"]
    assert applied[("ALL", "ela")] == applied[("RFP", "ela")] == NOT_EXPLAINED
    assert applied[("EL", "math")] == why[("EL", "math")]


def test_participation_and_an_lea_beyond_the_directory_are_explained_from_cdes_own_figures():
    """CDE's participation rate below 95 % explains a larger ELA/math denominator of any size, and a row
    only CDE has where the files read have no scored student; an LEA row counting many times the
    students of CDE's rows of the directory's schools is an LEA with schools outside the directory."""
    from pipeline.preview_report import NOT_EXPLAINED, explained

    s, t, d = "19754160000001", "19754160000002", "19754160000000"
    rows = [
        _row(s, "SED", "ela", "district", 13, -155.5), _row(s, "SED", "ela", "cde", 16, -186.3),  # 81 %: 3 added
        _row(t, "SED", "ela", "district", 13, -155.5), _row(t, "SED", "ela", "cde", 16, -186.3),  # 97 %: no rule
        _row(s, "AS", "math", "cde", None, None, note="n_lt_11"),  # ours: no scored student; CDE's rate hidden
        _row(s, "PI", "math", "cde", None, None, note="n_lt_11"),  # CDE: 100 % tested, so not participation
        _row(s, "ALL", "chronic", "district", 300, 20.0), _row(s, "ALL", "chronic", "cde", 300, 20.0),
        _row(t, "ALL", "chronic", "district", 100, 20.0), _row(t, "ALL", "chronic", "cde", 100, 20.0),
        _row(d, "ALL", "chronic", "district", 400, 20.0, rtype="D"), _row(d, "ALL", "chronic", "cde", 801, 25.0, rtype="D"),
        _row(d, "HI", "chronic", "district", 40, 20.0, rtype="D"), _row(d, "HI", "chronic", "cde", 42, 25.0, rtype="D"),
        _row(s, "ALL", "ela", "district", 300, -20.0), _row(s, "ALL", "ela", "cde", 300, -20.0),
        _row(d, "ALL", "ela", "district", 300, -20.0, rtype="D"), _row(d, "ALL", "ela", "cde", 599, -25.0, rtype="D"),
    ]
    participation = pd.DataFrame({"cds": [s, t, s, s], "student_group": ["SED", "SED", "AS", "PI"],
                                  "indicator": ["ela", "ela", "math", "math"], "prate": [81, 97, None, 100]})
    why = explained(pd.DataFrame(rows), participation).set_index(["cds", "student_group", "indicator"])["reason"]
    assert why[(s, "SED", "ela")] == ("CDE's denominator has 3 more: students added at the lowest score for the 95 % "
                                      "participation rule, which the preview does not apply in a year without a "
                                      "measured rule (CDE's participation rate: 81 %)")
    assert why[(t, "SED", "ela")] == NOT_EXPLAINED
    assert why[(s, "AS", "math")].endswith("(CDE's participation rate: not published)")
    assert why[(s, "PI", "math")] == NOT_EXPLAINED
    assert why[(d, "ALL", "chronic")] == ("CDE's LEA row of all students counts 801, its rows of the directory's "
                                          "schools 400 together: the LEA has schools outside the directory, whose "
                                          "students the files read do not hold")
    assert why[(d, "HI", "chronic")] == why[(d, "ALL", "chronic")]  # the LEA's every group
    assert why[(d, "ALL", "ela")] == NOT_EXPLAINED  # 599 students: not more than twice the schools' 300


def test_elpi_levels_configuration_is_checked(tmp_path):
    import shutil

    from pipeline.config import CONFIG_DIR, ConfigError
    from pipeline.elpi_levels import level_rank, load_elpi_levels

    levels = load_elpi_levels()
    # grade 3: 1150-1447 level 1, 1448-1467 2L (rank 2), ..., 1535-1800 level 4 (rank 6)
    assert level_rank(levels, "summative", [3, 3, 3, 3], [1447, 1448, 1535, 1801]).tolist() == [1, 2, 6, pd.NA]
    assert level_rank(levels, "alternate", [0, 4, 12], [243, 560, 899]).tolist() == [1, 3, 3]
    shutil.copy(CONFIG_DIR / "elpi_levels.csv", tmp_path / "elpi_levels.csv")
    text = (tmp_path / "elpi_levels.csv").read_text().replace("summative,3,3,2L,2,1448,1467", "summative,3,3,2L,2,1449,1467")
    (tmp_path / "elpi_levels.csv").write_text(text)
    with pytest.raises(ConfigError, match=r"elpi_levels.csv: summative grades 3-3: ranks must run 1..n over contiguous"):
        load_elpi_levels(tmp_path)


def test_elpi_from_two_years_of_elpac_files(tmp_path):
    """A student's prior score comes from the record's own Minus1 fields, else from last year's file
    (same SSID); kindergarten, a student not tested as EL and a student with no prior score are out."""
    from pipeline import warehouse
    from pipeline.scoring.elpi import load_elpi_preview

    s = "19754160000001"

    def rec(year, ssid, grade, score, prior_grade=None, prior=None, elas="EL", include="Y", line=1):
        return {"school_year": year, "ssid": ssid, "calpadsschoolcode": s, "recordtype": "21", "elasfortesting": elas,
                "includeindicator": include, "gradeassessed": grade, "gradeassessedminus1": prior_grade,
                "overallscalescore": score, "overallscalescoreminus1": prior, "source_line": line}

    last, this = "2022-23", "2023-24"
    rows = [
        rec(last, "0000000001", "03", 1470),                  # grade 3 level 2H (rank 3)
        rec(this, "0000000001", "04", 1530),                  # grade 4 level 3H (rank 5): progressed, prior from file
        rec(this, "0000000002", "05", 1460, "04", 1470),      # grade 5 level 1 from grade 4 2L: declined (Minus1)
        rec(last, "0000000003", "05", 1600),                  # grade 5 level 4 ...
        rec(this, "0000000003", "06", 1600),                  # ... grade 6 level 4: maintained level 4
        rec(this, "0000000004", "KN", 1500),                  # kindergarten: out
        rec(last, "0000000005", "02", 1450), rec(this, "0000000005", "03", 1520, elas="RFEP"),  # RFEP: out
        rec(this, "0000000006", "07", 1500),                  # no prior score: out
    ]
    frame = pd.DataFrame(rows).astype({"overallscalescore": "Int64", "overallscalescoreminus1": "Int64"})
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        for year in (last, this):
            warehouse.replace_rows(con, "validated_elpac", frame[frame.school_year == year].drop(columns="school_year"),
                                   {"school_year": year})
        load_elpi_preview(con, this)
        got = con.execute("SELECT * FROM elpi_preview WHERE school_year = ? AND rtype = 'S'", [this]).df().iloc[0]
    assert (got["denom"], got["numer"]) == (3, 2)
    assert (got["progressed"], got["declined"], got["maintain_pl4"], got["maintain_other"]) == (1, 1, 1, 0)


def test_a_school_where_nobody_progressed_has_a_status_of_zero(tmp_path):
    from pipeline import warehouse
    from pipeline.scoring.elpi import load_elpi_preview

    rows = [{"ssid": f"{i:010d}", "calpadsschoolcode": "19754160000001", "recordtype": "21", "elasfortesting": "EL",
             "includeindicator": "Y", "gradeassessed": "05", "gradeassessedminus1": "04", "overallscalescore": 1460,
             "overallscalescoreminus1": 1470, "source_line": i + 2} for i in range(12)]  # all declined
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        warehouse.replace_rows(con, "validated_elpac", pd.DataFrame(rows), {"school_year": "2023-24"})
        load_elpi_preview(con, "2023-24")
        got = con.execute("SELECT numer, denom FROM elpi_preview WHERE rtype = 'S'").fetchall()
    assert got == [(0, 12)]
