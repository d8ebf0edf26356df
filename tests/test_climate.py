"""Climate survey scoring against hand-computed expectations, and one run on the generated demo data.

The tiny survey (district 1975416):
  codebook  S1 student Safety 4-point; S2 student Safety 4-point reverse-coded;
            S3 student Caring adults 5-point; P1 parent Engagement 5-point
  school A  10 student respondents (+1 who left everything blank), 10 parents (one also answered S1)
  school B  16 student respondents; one answer 5 to the 4-point S2 (out of scale); 15 invited
  school C  9 student respondents: suppressed
  school B  25 parents invited, none answered
Favourable: S1 answers 3-4, S2 answers 1-2, S3 and P1 answers 4-5.
"""
from __future__ import annotations

import math
import time

import duckdb
import pandas as pd
import pytest

from pipeline import warehouse
from pipeline.config import load_settings
from pipeline.scoring.climate import (
    CLIMATE_COLUMNS,
    climate_item_report,
    score_climate,
    survey_item_columns,
    uncoded_survey_columns,
)

YEAR = "2023-24"
A, B, C = "19754160000001", "19754160000002", "19754160000003"
DISTRICT = "19754160000000"
_ = None

CODEBOOK = pd.DataFrame({
    "item_id": ["S1", "S2", "S3", "P1"],
    "respondent_group": ["student", "student", "student", "parent"],
    "domain": ["Safety", "Safety", "Caring adults", "Engagement"],
    "reverse_coded": ["N", "Y", "N", "N"],
    "scale_points": [4, 4, 5, 5],
})

# per school and group: item -> answers, one per respondent (None = blank)
ANSWERS = {
    (A, "student"): {
        "s1": [4, 3, 2, 1, 4, 3, 3, 1, 2, 4, _],   # 10 answers, 6 favourable
        "s2": [1, 2, 3, 4, 1, 2, 3, 1, 4, 3, _],   # 10 answers, 5 favourable (reverse-coded)
        "s3": [5, 4, 3, 4, 1, 2, 5, 4, _, 4, _],   # 9 answers, 6 favourable
        "x99": [1, 1, 1, _, _, _, _, _, _, _, _],  # not in the codebook
    },
    (B, "student"): {
        "s1": [4, 4, 4, 3, 3, 3, 3, 3, 3, 4, 4, 4, 3, 1, 2, 2],  # 16, 13 favourable: 81.25
        "s2": [1, 1, 2, 2, 1, 2, 2, 3, 3, 4, 4, 3, _, _, _, 5],  # 12 valid, 7 favourable; a 5 out of scale
        "s3": [5, 5, 4, 4, 4, 5, 4, 4, 5, 4, 3, 3, 2, 1, 1, _],  # 15, 10 favourable
    },
    (C, "student"): {
        "s1": [4, 3, 4, 1, 1, 2, 2, 1, 1],  # 9 respondents
        "s2": [1, 1, 1, 1, 1, 1, 1, 1, 1],
    },
    (A, "parent"): {
        "p1": [5, 4, 3, 2, 1, 5, 4, 4, 3, 5],    # 10, 6 favourable
        "s1": [4, _, _, _, _, _, _, _, _, _],    # a student item answered by a parent: ignored
    },
}
POPULATION = pd.DataFrame({
    "cds": [A, A, B, B, C],
    "respondent_group": ["student", "parent", "student", "parent", "student"],
    "invited": [20, 40, 15, 25, 30],
})


def responses_frame() -> pd.DataFrame:
    frames = []
    for (cds, group), items in ANSWERS.items():
        n = len(next(iter(items.values())))
        f = pd.DataFrame({k: pd.array(v, dtype="Int64") for k, v in items.items()})
        f.insert(0, "respondent_group", group)
        f.insert(0, "cds", cds)
        f.insert(0, "response_id", [f"{cds[-1]}{group[0]}{i:03d}" for i in range(n)])
        frames.append(f)
    out = pd.concat(frames, ignore_index=True)
    for col in ("s1", "s2", "s3", "p1", "x99"):
        out[col] = out[col].astype("Int64")
    out["grade"] = pd.array([None] * len(out), dtype="Int64")
    return out


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    with warehouse.connect(tmp_path_factory.mktemp("climate") / "w.duckdb") as con:
        warehouse.replace_rows(con, "validated_survey_codebook", CODEBOOK, {"school_year": YEAR})
        warehouse.replace_rows(con, "validated_survey_responses", responses_frame(), {"school_year": YEAR})
        warehouse.replace_rows(con, "validated_survey_population", POPULATION, {"school_year": YEAR})
        # last year's export had an item column this year's has not: blank this year, not reported
        warehouse.replace_rows(con, "validated_survey_responses", pd.DataFrame({
            "response_id": ["old"], "cds": [A], "respondent_group": ["student"],
            "old1": pd.array([3], dtype="Int64")}), {"school_year": "2022-23"})
        yield con


@pytest.fixture(scope="module")
def climate(con) -> pd.DataFrame:
    return score_climate(con, YEAR, load_settings())


def row(frame, cds, group, item=None, domain=None):
    sel = (frame.cds == cds) & (frame.respondent_group == group)
    sel &= (frame.item_id == item) if item else (frame.level == "domain") & (frame.domain == domain)
    rows = frame[sel]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_columns(climate):
    assert list(climate.columns) == CLIMATE_COLUMNS
    assert set(climate.rtype) == {"S", "D"}
    assert set(climate.level) == {"domain", "item"}


@pytest.mark.parametrize("cds, item, domain, answered, favorable, pct, district", [
    (A, "S1", None, 10, 6, 60.0, 62.9),         # 4-point: 3-4 favourable; district 22/35
    (A, "S2", None, 10, 5, 50.0, 67.7),         # reverse-coded: 1-2 favourable; district 21/31
    (A, None, "Safety", 20, 11, 55.0, 65.2),    # domain pools the answers; district 43/66
    (B, "S1", None, 16, 13, 81.3, 62.9),        # 81.25 rounds half away from zero
    (B, "S2", None, 12, 7, 58.3, 67.7),         # blanks and the out-of-scale 5 not counted
    (B, "S3", None, 15, 10, 66.7, 66.7),        # 5-point: 4-5 favourable; district 16/24
    (B, None, "Safety", 28, 20, 71.4, 65.2),    # pooled 20/28, not the mean of items (69.8)
    (B, None, "Caring adults", 15, 10, 66.7, 66.7),
])
def test_percent_favourable(climate, cds, item, domain, answered, favorable, pct, district):
    r = row(climate, cds, "student", item, domain)
    assert (r.answered, r.favorable) == (answered, favorable)
    assert r.percent_favorable == pct
    assert math.isclose(r.percent_favorable_unrounded, 100 * favorable / answered)
    assert r.district_percent_favorable == district
    assert not r.suppressed and r.note is None


def test_respondents_and_response_rates(climate):
    a = row(climate, A, "student", "S1")
    assert (a.respondents, a.invited, a.response_rate) == (10, 20, 50.0)  # the blank response is no respondent
    b = row(climate, B, "student", "S1")
    assert (b.respondents, b.invited, b.response_rate) == (16, 15, 100.0)  # capped for display
    assert math.isclose(b.response_rate_unrounded, 100 * 16 / 15)       # the raw rate kept
    p = row(climate, A, "parent", "P1")
    assert (p.respondents, p.invited, p.response_rate, p.percent_favorable) == (10, 40, 25.0, 60.0)
    assert p.answered == 10  # the parent's S1 answer is not counted anywhere


def test_group_of_ten_is_shown_group_of_nine_is_not(climate):
    shown = climate[(climate.cds == A) & (climate.respondent_group == "student")]
    assert shown.respondents.eq(10).all()
    hidden = climate[(climate.cds == C)]
    assert len(hidden) == 5  # Safety, S1, S2, Caring adults, S3
    assert hidden.suppressed.all() and hidden.note.eq("n_lt_10").all()
    for col in ("answered", "favorable", "percent_favorable", "percent_favorable_unrounded",
                "respondents", "response_rate", "response_rate_unrounded"):
        assert hidden[col].isna().all(), col
    assert hidden.invited.eq(30).all()
    assert hidden.district_percent_favorable.notna().sum() == 5  # the district figure stays


def test_invited_group_without_answers_is_suppressed(climate):
    r = row(climate, B, "parent", "P1")
    assert r.suppressed and r.note == "n_lt_10" and r.invited == 25 and pd.isna(r.respondents)


def test_figure_answered_by_fewer_than_ten_is_hidden(climate):
    # school A: 10 student respondents, but only 9 answered S3 (the only Caring adults item)
    for r in (row(climate, A, "student", "S3"), row(climate, A, "student", None, "Caring adults")):
        assert r.suppressed and r.note == "answered_lt_10"
        assert pd.isna(r.percent_favorable) and pd.isna(r.answered) and pd.isna(r.favorable)
        assert r.respondents == 10 and r.response_rate == 50.0
        assert r.district_percent_favorable == 66.7


def test_district_rows(climate):
    d = climate[climate.rtype == "D"]
    assert set(d.cds) == {DISTRICT}
    s = row(d, DISTRICT, "student", None, "Safety")
    assert (s.answered, s.favorable, s.percent_favorable) == (66, 43, 65.2)
    assert (s.respondents, s.invited, s.response_rate) == (35, 65, 53.8)
    p = row(d, DISTRICT, "parent", "P1")
    assert (p.respondents, p.invited, p.response_rate, p.percent_favorable) == (10, 65, 15.4, 60.0)
    assert (d.percent_favorable == d.district_percent_favorable).all()


def test_items_outside_the_codebook_are_reported(con, climate):
    assert "x99" not in set(climate.item_id.dropna().str.lower())
    assert sorted(survey_item_columns(con, YEAR)) == ["p1", "s1", "s2", "s3", "x99"]
    assert uncoded_survey_columns(con, YEAR) == ["x99"]
    report = climate_item_report(con, YEAR).set_index("problem")
    assert report.loc["not_in_codebook", "answers"] == 3
    assert (report.loc["wrong_group", "item_id"], report.loc["wrong_group", "answers"]) == ("S1", 1)
    assert (report.loc["out_of_scale", "item_id"], report.loc["out_of_scale", "answers"]) == ("S2", 1)


def test_no_survey_gives_an_empty_frame(tmp_path):
    with warehouse.connect(tmp_path / "empty.duckdb") as con:
        frame = score_climate(con, YEAR, load_settings())
    assert frame.empty and list(frame.columns) == CLIMATE_COLUMNS


def test_demo_data(tmp_path):
    from pipeline.ingest import ingest, kept_table
    from pipeline.sample import generate
    from pipeline.sources import SOURCES

    generate(tmp_path / "raw", "demo", 2024, years=(YEAR,))
    settings = load_settings()
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        for name in ("survey_codebook", "survey_responses", "survey_population"):
            result = ingest(SOURCES[name], tmp_path / "raw", YEAR, settings)
            warehouse.replace_rows(con, f"validated_{name}", kept_table(result), {"school_year": YEAR})
        started = time.perf_counter()
        frame = score_climate(con, YEAR, settings)
        elapsed = time.perf_counter() - started
        codebook = con.execute("SELECT * FROM validated_survey_codebook").df()
        report = climate_item_report(con, YEAR)
    assert elapsed < 5
    schools = frame.loc[frame.rtype == "S", "cds"].nunique()
    items = len(codebook)
    domains = codebook.groupby("respondent_group").domain.nunique().sum()
    assert len(frame) == (schools + 1) * (items + domains)  # every school and group answered
    assert report.empty
    shown = frame[~frame.suppressed]
    assert shown.percent_favorable.between(0, 100).all()
    assert (shown.respondents >= settings.privacy.survey_min_respondents).all()
    assert frame.loc[frame.suppressed, "percent_favorable"].isna().all()
    assert frame.district_percent_favorable.notna().all()


def test_a_codebook_with_more_domains_than_bits_is_refused(tmp_path):
    con = duckdb.connect()
    con.execute("CREATE TABLE validated_survey_codebook AS SELECT '2023-24' AS school_year, 'i' || i AS item_id, "
                "'student' AS respondent_group, 'domain ' || i AS domain, 'N' AS reverse_coded, 4::BIGINT AS scale_points "
                "FROM range(65) t(i)")
    with pytest.raises(ValueError, match="has 65 domains; climate scoring handles at most 64"):
        score_climate(con, "2023-24", load_settings())
