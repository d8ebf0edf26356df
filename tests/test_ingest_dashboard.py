"""CDE research files as published and as re-exported: drift is normalised, problems are named."""
from __future__ import annotations

import pytest

from pipeline.config import load_settings
from pipeline.ingest import ingest
from pipeline.readers import SourceFileError
from pipeline.sources import SOURCES

YEAR = "2023-24"
COLS = ["cds", "rtype", "schoolname", "districtname", "countyname", "charter_flag", "coe_flag", "dass_flag",
        "studentgroup", "currnumer", "currdenom", "currstatus", "priornumer", "priordenom", "priorstatus",
        "change", "statuslevel", "changelevel", "color", "box", "smalldenom", "currnsizemet",
        "priornsizemet", "accountabilitymet", "indicator", "reportingyear"]
ROW = {"cds": "19754160000001", "rtype": "S", "schoolname": "Escuela Niños del Valle",
       "districtname": "Sample Unified", "countyname": "Los Angeles", "charter_flag": "N", "coe_flag": "N",
       "dass_flag": "N", "studentgroup": "ALL", "currnumer": "40", "currdenom": "200", "currstatus": "20.0",
       "priornumer": "50", "priordenom": "200", "priorstatus": "25.0", "change": "-5.0", "statuslevel": "2",
       "changelevel": "5", "color": "3", "box": "200", "smalldenom": "N", "currnsizemet": "Y",
       "priornsizemet": "Y", "accountabilitymet": "Y", "indicator": "CHRONIC", "reportingyear": "2024"}


def write(raw, rows, cols=COLS, sep="\t", encoding="utf-8", newline="\n", year=YEAR, name="chronicdownload2024.txt"):
    folder = raw / year / "dashboard"
    folder.mkdir(parents=True, exist_ok=True)
    lines = [sep.join(cols)] + [sep.join(str({**ROW, **r}.get(c, "")) for c in cols) for r in rows]
    (folder / name).write_bytes((newline.join(lines) + newline).encode(encoding))


def run(raw, year=YEAR, source="dashboard_chronic"):
    return ingest(SOURCES[source], raw, year, load_settings())


def test_published_layout_reads_cleanly(tmp_path):
    write(tmp_path, [{}, {"studentgroup": "EL"}])
    v = run(tmp_path).validated
    assert (v.rows_read, v.rows_kept, v.rows_quarantined) == (2, 2, 0)
    assert v.kept.loc[0, "schoolname"] == "Escuela Niños del Valle"


@pytest.mark.parametrize("encoding, newline", [("utf-8-sig", "\n"), ("cp1252", "\r\n"), ("utf-8", "\r\n")])
def test_encodings_and_line_ends(tmp_path, encoding, newline):
    write(tmp_path, [{}], encoding=encoding, newline=newline)
    result = run(tmp_path)
    assert result.validated.kept.loc[0, "schoolname"] == "Escuela Niños del Valle"
    assert result.validated.kept.loc[0, "reportingyear"] == 2024


def test_re_export_comma_short_cds_labels_extra_columns_other_order(tmp_path):
    cols = ["ImageURL"] + list(reversed(COLS))
    write(tmp_path, [{"cds": "1975416000000", "studentgroup": "Long-Term English Learner", "ImageURL": "https://x"},
                     {"cds": "0", "rtype": "X", "studentgroup": "LT EL"},
                     {"studentgroup": "English Learner"}], cols=cols, sep=",")
    result = run(tmp_path)
    kept = result.validated.kept
    assert result.raw.delimiter == "," and result.raw.ignored_columns == ["ImageURL"]
    assert kept["cds"].tolist() == ["01975416000000", "00000000000000", "19754160000001"]
    assert kept["studentgroup"].tolist() == ["LTEL", "LTEL", "EL"]


def test_safetynet_is_smalldenom(tmp_path):
    cols = [c if c != "smalldenom" else "safetynet" for c in COLS]
    write(tmp_path, [{"safetynet": "Y"}], cols=cols)
    assert run(tmp_path).validated.kept.loc[0, "smalldenom"] == "Y"


def test_status_only_2022_layout(tmp_path):
    cols = [c for c in COLS if not c.startswith("prior") and c not in ("change", "changelevel", "color", "box")]
    write(tmp_path, [{"reportingyear": "2022"}], cols=cols, year="2021-22", name="chronicdownload2022.txt")
    v = run(tmp_path, year="2021-22").validated
    assert (v.rows_kept, v.rows_quarantined) == (1, 0)
    assert "priordenom" not in v.kept.columns


def test_privacy_marks_become_nulls_with_a_flag(tmp_path):
    write(tmp_path, [{"studentgroup": "FOS", "currnumer": "*", "currdenom": "8", "currstatus": "*"}])
    kept = run(tmp_path).validated.kept
    assert kept.loc[0, "currstatus"] != kept.loc[0, "currstatus"]  # NaN
    assert kept.loc[0, "currnumer"] is not None and str(kept.loc[0, "currnumer"]) == "<NA>"
    assert kept.loc[0, "suppressed_columns"] == "currnumer;currstatus"
    assert kept.loc[0, "currdenom"] == 8


def test_file_in_the_wrong_year_folder(tmp_path):
    write(tmp_path, [{"reportingyear": "2023"}], name="chronicdownload2024.txt")
    with pytest.raises(SourceFileError) as info:
        run(tmp_path)
    assert str(info.value) == (
        f"{tmp_path.name}/2023-24/dashboard/chronicdownload2024.txt: wrong year: the rows are for reportingyear "
        "2023, but the file sits in the 2023-24 folder, which expects the 2024 Dashboard; move it to the right "
        "school-year folder")


def test_duplicate_school_and_group_is_quarantined(tmp_path):
    write(tmp_path, [{}, {}, {"studentgroup": "XX"}, {"currnumer": "300"}])
    v = run(tmp_path).validated
    reasons = dict(zip(v.quarantine["line"], v.quarantine["reason"]))
    assert (v.rows_read, v.rows_kept, v.rows_quarantined) == (4, 1, 3)
    assert reasons[3] == "duplicate key (cds, studentgroup): same as line 2, which is kept"
    assert reasons[4].startswith("value not allowed")
    assert reasons[5] == "duplicate key (cds, studentgroup): same as line 2, which is kept"


def test_numerator_above_denominator_is_quarantined(tmp_path):
    write(tmp_path, [{"currnumer": "300"}])
    v = run(tmp_path).validated
    assert v.quarantine["reason"].tolist() == ["numerator must not exceed denominator"]


def test_growth_file(tmp_path):
    cols = ["cds", "subject", "rtype", "schoolname", "districtname", "countyname", "studentgroup", "denom",
            "status", "estimate", "performancecategory", "accountabilitymet", "numberimprove",
            "percentimprove", "reportingyear"]
    rows = [{"subject": "ELA", "denom": "120", "status": "-3.4", "estimate": "Weighted Average",
             "numberimprove": "50", "percentimprove": "41.7"},
            {"subject": "MATH", "denom": "120", "status": "2.1", "estimate": "Weighted Average"}]
    write(tmp_path, rows, cols=cols, name="growthdownload2024.txt")
    v = run(tmp_path, source="dashboard_growth").validated
    assert (v.rows_kept, v.rows_quarantined) == (2, 0)


# --- a Dashboard file is read or refused, never passed over (issue #14) --------------------------

@pytest.mark.parametrize("name, sep", [
    ("chronicdownload2024.csv", ","),   # a spreadsheet's re-export, saved as .csv
    ("ChronicDownload2024.TXT", "\t"),  # another case, as some downloads and file systems give it
    ("CHRONICDOWNLOAD2024.csv", "\t"),  # a .csv that is tab-delimited
    ("chronicdownload2024.txt", ","),   # a .txt that is comma-delimited
])
def test_a_dashboard_file_is_recognised_by_name_whatever_its_extension_and_case(tmp_path, name, sep):
    write(tmp_path, [{}, {"studentgroup": "EL"}], sep=sep, name=name)
    result = run(tmp_path)
    assert result.provided and result.validated.rows_kept == 2
    assert result.display_path == f"{tmp_path.name}/{YEAR}/dashboard/{name}"
    assert result.file_row["file"] == result.display_path


def test_the_2024_elpi_re_export_saved_as_csv_is_read(tmp_path):
    cols = ["ImageURL", *COLS]
    write(tmp_path, [{"cds": "0", "rtype": "X", "studentgroup": "English Learner", "indicator": "ELPI"}],
          cols=cols, sep=",", name="elpidownload2024.csv")
    result = run(tmp_path, source="dashboard_elpi")
    assert result.provided and result.validated.kept.loc[0, "studentgroup"] == "EL"


def test_two_files_for_one_source_is_an_error_naming_both(tmp_path):
    write(tmp_path, [{}], name="chronicdownload2024.txt")
    write(tmp_path, [{}], sep=",", name="chronicdownload2024.csv")
    with pytest.raises(SourceFileError) as info:
        run(tmp_path)
    assert str(info.value) == (
        f"{tmp_path.name}/{YEAR}/dashboard/chronicdownload2024.csv: two files in one folder for the same source, "
        "chronicdownload2024.csv and chronicdownload2024.txt: keep one of them")


def without(*columns: str) -> list[str]:
    return [c for c in COLS if c not in columns]


@pytest.mark.parametrize("source, name, missing", [
    ("dashboard_chronic", "chronicdownload2024.txt", ("currdenom",)),
    ("dashboard_susp", "suspdownload2024.txt", ("currnumer",)),
    ("dashboard_grad", "graddownload2024.txt", ("priordenom",)),
    ("dashboard_elpi", "elpidownload2024.txt", ("currnumer", "priornumer")),
])
def test_a_rate_file_without_a_count_the_recomputation_needs_is_refused(tmp_path, source, name, missing):
    write(tmp_path, [{}], cols=without(*missing), name=name)
    with pytest.raises(SourceFileError) as info:
        run(tmp_path, source=source)
    s = "s" if len(missing) > 1 else ""
    assert str(info.value) == (
        f"{tmp_path.name}/{YEAR}/dashboard/{name}: missing column{s} {', '.join(missing)}, which the "
        "recomputation needs: the status is recomputed from currnumer and currdenom, the change from priornumer "
        "and priordenom")


def test_a_status_only_rate_file_needs_no_prior_counts(tmp_path):
    cols = [c for c in without("change", "changelevel", "color", "box") if not c.startswith("prior")]
    write(tmp_path, [{"reportingyear": "2022"}], cols=cols, year="2021-22", name="chronicdownload2022.txt")
    result = run(tmp_path, year="2021-22")
    assert result.validated.rows_kept == 1 and result.cde_status is None


ACADEMIC = [c for c in COLS if c not in ("currnumer", "priornumer", "smalldenom")] + ["hscutpoints"]


def academic(columns: list[str]) -> list[str]:
    return [c for c in ACADEMIC if c in columns]


def test_an_academic_file_without_its_status_is_refused(tmp_path):
    write(tmp_path, [{"indicator": "ELA"}], cols=[c for c in ACADEMIC if c != "currstatus"],
          name="eladownload2024.txt")
    with pytest.raises(SourceFileError) as info:
        run(tmp_path, source="dashboard_ela")
    assert str(info.value) == (
        f"{tmp_path.name}/{YEAR}/dashboard/eladownload2024.txt: missing column currstatus, which the "
        "recomputation needs: the status is CDE's currstatus and the change CDE's change (the file has no "
        "numerator to recompute them from)")


@pytest.mark.parametrize("missing", [("currdenom",), ("priordenom",), ("currdenom", "priordenom")])
def test_an_academic_file_without_its_counts_keeps_cdes_status_and_says_so(tmp_path, missing):
    """ELA and math publish no numerator: their status is CDE's in any case. Without the counts the
    n-size is unknown, so no row gets a colour: the file is read, and the result says so."""
    write(tmp_path, [{"indicator": "MATH"}, {"studentgroup": "EL"}, {"studentgroup": "HI"}],
          cols=[c for c in ACADEMIC if c not in missing], name="mathdownload2024.txt")
    result = run(tmp_path, source="dashboard_math")
    assert result.validated.rows_kept == 3
    assert result.cde_status == (
        f"the file has no {' or '.join(missing)} column: CDE's published status and change are kept "
        "without the n-size, so no row gets a colour")
    assert result.note_row == {"source": "dashboard_math", "file": result.display_path, "kind": "cde_status",
                               "rows": 3, "note": result.cde_status}


ELPI_2018 = ["cds", "rtype", "schoolname", "districtname", "countyname", "dass_flag", "charter_flag", "coe_flag",
             "PL_1", "PL1_Pct", "PL_2", "PL2_Pct", "PL_3", "PL3_Pct", "PL_4", "PL4_Pct", "PLTotCt", "reportingyear"]


def test_the_2018_elpac_layout_of_elpi_is_refused_naming_the_file(tmp_path):
    """CDE's 2018 'ELPI' file holds ELPAC levels (PL_1 ... PL_4) with no student group and no status:
    the 2018 Dashboard published no English learner progress status, so there is nothing to score."""
    rows = [{"cds": "19754160000001", "PL_1": "12", "PL1_Pct": "20.0", "PL_2": "18", "PL2_Pct": "30.0",
             "PL_3": "18", "PL3_Pct": "30.0", "PL_4": "12", "PL4_Pct": "20.0", "PLTotCt": "60",
             "reportingyear": "2018"}]
    write(tmp_path, rows, cols=ELPI_2018, year="2017-18", name="elpidownload2018.txt")
    with pytest.raises(SourceFileError) as info:
        run(tmp_path, year="2017-18", source="dashboard_elpi")
    assert str(info.value) == (
        f"{tmp_path.name}/2017-18/dashboard/elpidownload2018.txt: the 2018 ELPAC layout (PL_1 to PL_4, no "
        "studentgroup): the 2018 Dashboard published English learners' ELPAC levels, not a progress status, "
        "so there is nothing to score; take the file out of the dashboard folder")


def test_every_column_a_dashboard_source_needs_is_one_the_scoring_reads():
    """``Source.needs`` says what pipeline/scoring/indicators.py reads from a Dashboard file: a column it
    no longer reads must not refuse a file, and a new one belongs in ``needs``."""
    import inspect

    import pipeline.scoring.indicators as indicators
    from pipeline.sources import DASHBOARD

    text = inspect.getsource(indicators)
    for source in DASHBOARD:
        if source.needs is None:
            continue
        n = source.needs
        for column in n.refused + n.refused_with_change + n.flagged + n.flagged_with_change:
            assert f'("{column}", ' in text, f"{source.name}: {column} is not read by the scoring"


def test_the_real_2024_elpi_re_export_saved_as_csv_is_read_not_reported_missing(realdata, tmp_path):
    """Issue #14: the spreadsheet re-export saved as ``elpidownload2024.csv`` in ``2023-24/dashboard/``
    was reported "Not provided" while it sat there."""
    import shutil

    folder = tmp_path / YEAR / "dashboard"
    folder.mkdir(parents=True)
    shutil.copy(realdata / "elpidownload2024_via_gsheets.csv", folder / "elpidownload2024.csv")
    result = run(tmp_path, source="dashboard_elpi")
    assert result.provided and result.file_row["file"] == f"{tmp_path.name}/{YEAR}/dashboard/elpidownload2024.csv"
    v = result.validated
    assert (v.rows_read, v.rows_kept, v.rows_quarantined) == (17926, 17926, 0) and result.cde_status is None
