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
