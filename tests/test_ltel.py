"""Long-term English learners (the Dashboard's LTEL group, from its 2024 edition) from CALPADS's
Cumulative Enrollment Extract: field 45, the Provisional LTEL Start Date, read as the file is read
(names and birth dates dropped), and an English learner whose date is on or before the year's
as-of day (``config/state_codes.yaml``) is LTEL. The demo's LTEL rows against its CDE files:
``tests/test_preview_demo.py``, ``tests/test_demo.py``."""
from __future__ import annotations

import pandas as pd
import pytest

from pipeline.config import ConfigError, load_settings
from pipeline.ingest import ingest
from pipeline.sources import SOURCES
from pipeline.state_tables import CODES_FILE, _ltel, load_codes, ltel_starts
from tests.conftest import REPO, codes_with

YEAR = "2023-24"


def _cenr_line(ssid: str, ltel: str, fields: int = 50, kind: str = "SENR") -> str:
    """One record of the Cumulative Enrollment Extract: SENR's key, names, birth date, enrollment
    (1.23-1.26, the numbering of Report 5.9) and field 45."""
    f = [""] * fields
    f[0], f[3], f[4], f[6], f[7] = kind, "1975416", "6000001", "2023-2024", ssid
    f[9], f[11], f[16], f[17] = "Zqxfirst", "Zqxlast", "20110203", "F"
    f[22], f[23], f[24] = "20230815", "10", "07"
    if fields >= 45:
        f[44] = ltel
    return "^".join(f)


def _ingest(tmp_path, lines: list[str]):
    folder = tmp_path / "raw" / YEAR
    folder.mkdir(parents=True)
    (folder / "calpads_senr.txt").write_bytes(("\r\n".join(lines) + "\r\n").encode())
    return ingest(SOURCES["calpads_senr"], tmp_path / "raw", YEAR, load_settings())


def test_the_cumulative_enrollment_extract_gives_each_student_the_provisional_ltel_start_date(tmp_path):
    result = _ingest(tmp_path, [_cenr_line("1000000001", "20240301"), _cenr_line("1000000002", ""),
                                _cenr_line("1000000003", "2024031")])  # seven digits: no date
    kept = result.validated.kept
    assert (result.validated.rows_read, result.validated.rows_kept) == (3, 2)
    assert kept["provisional_ltel_start"].fillna("").tolist() == ["20240301", ""]
    quarantined = result.validated.quarantine
    assert quarantined[["line", "column_name"]].values.tolist() == [[3, "provisional_ltel_start"]]
    assert "2024031" not in quarantined.astype(str).to_csv()  # the value is not kept, only the line
    text = kept.astype(str).to_csv() + result.validated.quarantine.astype(str).to_csv()
    assert "Zqx" not in text and "20110203" not in text
    assert ltel_starts(kept).to_dict() == {"1000000001": "20240301"}


def test_a_senr_extract_without_field_45_gives_no_ltel(tmp_path):
    result = _ingest(tmp_path, [_cenr_line("1000000001", "", fields=35)])
    assert result.validated.rows_kept == 1
    assert "provisional_ltel_start" not in result.validated.kept.columns
    assert ltel_starts(result.validated.kept) is None
    # the warehouse keeps one table over the years: a SENR year stored beside a CENR year has the
    # column, empty; that is no field either, not "no student is LTEL"
    assert ltel_starts(result.validated.kept.assign(provisional_ltel_start=pd.NA)) is None


@pytest.mark.parametrize("kind", ["CENR-R", "SENRCENR-R"])
def test_the_extracts_record_type_is_read(tmp_path, kind):
    result = _ingest(tmp_path, [_cenr_line("1000000001", "20240301", kind=kind)])
    assert result.validated.rows_kept == 1


def test_an_english_learner_is_ltel_from_the_as_of_day_of_the_year_on():
    codes = load_codes()
    assert codes.ltel_date(YEAR) == "20240630"
    starts = pd.Series({"1": "20240630", "2": "20240701", "3": "20170101", "5": "20200101"}, dtype="string")
    ssid = pd.Series(["1", "2", "3", "4", "5"], dtype="string")
    el = pd.Series(["Y", "Y", "N", "Y", pd.NA], dtype="string")
    # on the day: LTEL; the day after: not yet; not an English learner (reclassified): not LTEL;
    # an English learner without a date: not LTEL; EL status unknown: unknown
    assert _ltel(starts, codes, YEAR, ssid, el).tolist() == ["Y", "N", "N", "N", pd.NA]
    assert _ltel(starts, codes, "2024-25", ssid, el).tolist() == ["Y", "Y", "N", "N", pd.NA]
    assert _ltel(None, codes, YEAR, ssid, el).isna().all()  # no CENR field: no LTEL group at all


def test_the_as_of_day_is_configuration(tmp_path):
    codes = load_codes(codes_with(tmp_path, 'ltel_as_of: "06-30"', 'ltel_as_of: "10-04"'))
    assert codes.ltel_date(YEAR) == "20231004"  # a fall day is in the fall of the school year
    starts = pd.Series({"1": "20240301"}, dtype="string")
    assert _ltel(starts, codes, YEAR, pd.Series(["1"], dtype="string"),
                 pd.Series(["Y"], dtype="string")).tolist() == ["N"]


@pytest.mark.parametrize("line, message", [
    ('ltel_as_of: "06-31x"', "'ltel_as_of' must be a month and day, MM-DD"),
    ("ltel_from: twenty", "'ltel_from' must be a Dashboard year"),
])
def test_a_wrong_ltel_setting_stops_with_the_key_named(tmp_path, line, message):
    text = (REPO / "config" / CODES_FILE).read_text()
    old = next(x for x in text.splitlines() if x.startswith(line.split(":")[0] + ":"))
    with pytest.raises(ConfigError, match=f"state_codes.yaml: {message}"):
        load_codes(codes_with(tmp_path, old, line))
