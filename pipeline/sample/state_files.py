"""The state's student-level files, written from the same students as the district exports: CAASPP
and Summative ELPAC Student Score Data Files (TOMS, caret-delimited with a header, CR LF) and the
CALPADS STAS, SELA and SPRG extracts (caret-delimited, no header, fields by number, CR LF); SINF,
SENR and SPED are written by :mod:`pipeline.sample.state_sinf` and :mod:`pipeline.sample.state_senr`,
the CALPADS ODS foster youth reports 5.7 and 5.9 (CSV exports) by :mod:`pipeline.sample.state_foster`.

Every student gets a fake but real-looking legal name, birth date, gender and (ELPAC) street
address, drawn from the student's SSID, so the reader's dropping of personal fields can be tested
on files that have them. Names are plain ASCII, as CALPADS accepts them (letters, digits, ``.``,
``-``, ``'``).

What is written comes from the district exports of the same year (``assessment.csv``,
``attendance.csv``): the scores, days and group flags are theirs. ELPAC overall scale scores are
of the students the sample's Dashboard ELPI counts place each of them, with the prior year's
score, in their ELPI category (:func:`elpi_records`, levels of ``config/elpi_levels.csv``), so the
ELPI the pipeline computes from the file equals the sample's CDE ELPI file; other English
learners get a score of the year only.
"""
from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.config import CONFIG_DIR
from pipeline.elpi_levels import load_elpi_levels
from pipeline.sample.names import FIRST_NAMES, LAST_NAMES, STREETS
from pipeline.sample.state_headers import ELPAC_2122, caaspp_header
from pipeline.state_tables import load_codes

ETHNICITY_CODES = {"AI": "100", "AS": "200", "PI": "300", "FI": "400", "HI": "500", "AA": "600", "WH": "700",
                   "MR": "800"}
RACE_FLAGS = {"AI": "AmericanIndianorAlaskaNative", "AS": "Asian", "PI": "HawaiianOrOtherPacificIslander",
              "FI": "Filipino", "AA": "BlackorAfricanAmerican", "WH": "White"}
STATE_FILES = ("caaspp_student_score_data.txt", "elpac_student_score_data.txt", "calpads_stas.txt",
               "calpads_sela.txt", "calpads_sprg.txt", "calpads_sinf.txt", "calpads_senr.txt", "calpads_sped.txt",
               "calpads_foster_enrolled.csv", "calpads_foster_former.csv")  # the last two: state_foster.py


def _ascii(names: list[str]) -> np.ndarray:
    return np.array([unicodedata.normalize("NFKD", n).encode("ascii", "ignore").decode() for n in names])


_FIRST, _LAST = _ascii(FIRST_NAMES), _ascii(LAST_NAMES)


def _draws(ssid: pd.Series, what: str, size: int) -> np.ndarray:
    """A number in [0, size) per student, the same for a student in every file and year."""
    keys = [hashlib.blake2b(f"{what}:{s}".encode(), digest_size=4).digest() for s in ssid.astype(str)]
    return np.frombuffer(b"".join(keys), dtype=">u4").astype(np.int64) % size


def people(ssid: pd.Series, spring: int, grade: pd.Series) -> pd.DataFrame:
    """Legal first, middle and last name, birth date (YYYY-MM-DD), gender and street address per student."""
    g = pd.to_numeric(grade.replace({"TK": "-1", "K": "0", "KN": "0"}), errors="coerce").fillna(5).astype(int)
    born = pd.to_datetime(pd.DataFrame({"year": spring - 6 - g.to_numpy(), "month": 9, "day": 2})) \
        + pd.to_timedelta(_draws(ssid, "born", 365), unit="D")
    return pd.DataFrame({
        "first": _FIRST[_draws(ssid, "first", len(_FIRST))], "middle": _FIRST[_draws(ssid, "middle", len(_FIRST))],
        "last": _LAST[_draws(ssid, "last", len(_LAST))], "birth": born.dt.strftime("%Y-%m-%d").to_numpy(),
        "gender": np.array(["F", "M", "X"])[_draws(ssid, "gender", 3) % 3],
        "address": (pd.Series(_draws(ssid, "house", 9800) + 100).astype(str) + " "
                    + np.array(_ascii(STREETS))[_draws(ssid, "street", len(STREETS))]).to_numpy(),
    }, index=ssid.index)


def _records(columns: dict[str, pd.Series], header: tuple[str, ...] | int, n: int) -> pd.Series:
    """Caret-joined records: ``columns`` (by header name, or by 1-based field number) filled, every other field empty."""
    names = list(range(1, header + 1)) if isinstance(header, int) else list(header)
    position = {name: i for i, name in enumerate(names)}
    filled = sorted((position[name], values) for name, values in columns.items())
    line = pd.Series([""] * n)
    last = 0
    for i, (pos, values) in enumerate(filled):
        gap = "^" * (pos - last) if i else "^" * pos
        line = line + gap + pd.Series(values).fillna("").astype(str).reset_index(drop=True)
        last = pos
    return line + "^" * (len(names) - 1 - last)


def _write(path: Path, lines: pd.Series, header: tuple[str, ...] | None = None) -> int:
    text = "\r\n".join(([ "^".join(header)] if header else []) + lines.tolist()) + "\r\n"
    path.write_bytes(text.encode("ascii"))
    return len(lines)


def _yes_no(flags: pd.Series) -> np.ndarray:
    return np.where(flags.eq("Y"), "Yes", "No")


def _rfep_dates(ssid: pd.Series, rfep_spring: pd.Series) -> np.ndarray:
    """A reclassification date (YYYY-MM-DD) in the fall of the school year ending ``rfep_spring``."""
    fall = pd.to_datetime(pd.DataFrame({"year": rfep_spring.to_numpy() - 1, "month": 9, "day": 1}))
    return (fall + pd.to_timedelta(_draws(ssid, "rfep", 120), unit="D")).dt.strftime("%Y-%m-%d").to_numpy()


def write_caaspp(assessment: pd.DataFrame, spring: int, path: Path, language: pd.DataFrame | None = None) -> int:
    """One record per student and test: 01/02 Smarter Balanced ELA/math, 03/04 CAA ELA/math. A CAA
    taker has a CAA score (100-point band of the grade, grade 11 900-999) and counts as tested.
    ``language`` (``ssid``, ``elas``, ``rfep_spring``): each student's ELAS and reclassification year,
    written as ``ELAS`` and ``RFEPDate``; without it ELAS is EL or EO from the ``el`` flag."""
    a = assessment.reset_index(drop=True)
    who = people(a["ssid"], spring, a["grade"].astype(str))
    caa = a["test_type"].eq("CAA")
    record = np.where(a["subject"].eq("ELA"), 1, 2) + np.where(caa, 2, 0)
    grade_n = a["grade"].astype(int)
    band = np.where(grade_n <= 8, grade_n, 9) * 100
    caa_score = pd.Series(band + 40 + _draws(a["ssid"] + a["subject"], "caa", 60)).astype("Int64")
    a["scale_score"] = a["scale_score"].astype("Int64").mask(caa, caa_score)
    scored = a["scale_score"].notna()
    grade = grade_n.map("{:02d}".format)
    if language is None:
        elas, rfep_date = pd.Series(np.where(a["el"].eq("Y"), "EL", "EO")), pd.Series([""] * len(a))
    else:
        lang = a[["ssid"]].merge(language.astype({"ssid": str}), on="ssid", how="left", validate="many_to_one")
        elas = lang["elas"].fillna("EO")
        reclassified = lang["rfep_spring"].fillna(0).astype(int)
        rfep_date = pd.Series(np.where(elas.eq("RFEP"), _rfep_dates(lang["ssid"], reclassified.clip(lower=2000)), ""))
    cds = a["cds"].astype(str)
    header = caaspp_header(spring)
    renamed = dict(zip(caaspp_header(2022), header))
    cols = {
        "RecordType": pd.Series(record).map("{:02d}".format), "SSID": a["ssid"].astype(str),
        "StudentLastName": who["last"], "StudentFirstName": who["first"], "StudentMiddleName": who["middle"],
        "DateofBirth": who["birth"], "Gender": who["gender"], "CALPADSGrade": grade, "GradeAssessed": grade,
        "CALPADSDistrictCode": cds.str[:7] + "0000000", "CALPADSSchoolCode": cds,
        "CALPADSIDEAIndicator": _yes_no(a["swd"]), "ELStatus": _yes_no(a["el"]),
        "ELAS": elas, "RFEPDate": rfep_date, "FosterStatus": _yes_no(a["foster"]),
        "HomelessStatus": _yes_no(a["homeless"]), "EconomicDisadvantageStatus": _yes_no(a["sed"]),
        "HispanicorLatino": np.where(a["ethnicity"].eq("HI"), "Yes", "No"),
        "TwoorMoreRaces": np.where(a["ethnicity"].eq("MR"), "Yes", "No"),
        "ReportingEthnicity": a["ethnicity"].astype(str).map(ETHNICITY_CODES),
        "IncludeIndicator": np.where(scored, "Y", "N"), "Attemptedness": np.where(scored, "Y", "N"),
        "ConditionCode": np.where(scored, "", "NT"),
        "ScaleScore": a["scale_score"].astype("Int64").astype(str).replace("<NA>", ""),
        "UIN": pd.Series(np.arange(1, len(a) + 1) + spring * 10_000_000).map("{:016d}".format),
        "EndofRecord": pd.Series(["ZZ"] * len(a)),
        **{flag: np.where(a["ethnicity"].eq(code), "Yes", "No") for code, flag in RACE_FLAGS.items()},
    }
    lines = _records({renamed[k]: v for k, v in cols.items()}, header, len(a))
    return _write(path, lines, header)


SUMMATIVE_PL = {1: "1", 2: "2", 3: "2", 4: "3", 5: "3", 6: "4"}  # ELPI level rank (1, 2L, 2H, 3L, 3H, 4) -> PL


def _elpi_ranks(ssid: pd.Series, category: np.ndarray, spring: int) -> tuple[np.ndarray, np.ndarray]:
    """(prior, current) ELPI level ranks that put each student in the sample's ELPI category:
    0 progressed, 1 maintained level 4, 2 maintained another level, 3 declined (Summative, ranks
    1-6); 4 progressed, 5 maintained level 3, 6 neither (Alternate, ranks 1-3)."""
    a, b = _draws(ssid, f"elpi-a{spring}", 5) + 1, _draws(ssid, f"elpi-b{spring}", 5) + 1
    lo, hi = np.minimum(a, b), np.maximum(a, b)  # 1..5
    prior = np.select([category == 0, category == 1, category == 2, category == 3, category == 4],
                      [lo, 6, lo, hi + 1, 1], 3)
    current = np.select([category == 0, category == 1, category == 2, category == 3, category == 4],
                        [np.where(hi + 1 > lo, hi + 1, lo + 1), 6, lo, lo, 3], np.where(category == 5, 3, 1))
    # declined: current below prior (hi + 1 > lo always); progressed: current above prior
    return prior, current


def _score_in(levels: pd.DataFrame, test: str, grade: np.ndarray, rank: np.ndarray, pick: np.ndarray) -> np.ndarray:
    """A scale score of level ``rank`` at ``grade``: the range's minimum plus ``pick`` (capped at its maximum);
    ``pick`` < 0 counts from the range's maximum."""
    out = np.zeros(len(grade), dtype=np.int64)
    for _, r in levels[levels["test"] == test].iterrows():
        hit = (grade >= r["grade_from"]) & (grade <= r["grade_to"]) & (rank == r["rank"])
        base = np.where(pick >= 0, r["min"] + pick, r["max"] + 1 + pick)
        out[hit] = np.clip(base, r["min"], r["max"])[hit]
    return out


def _grade_code(g: np.ndarray) -> pd.Series:
    return pd.Series(np.where(g <= 0, "KN", pd.Series(g).astype(str).str.zfill(2)))


def elpi_records(elpi: pd.DataFrame, spring: int, levels: pd.DataFrame) -> pd.DataFrame:
    """ELPAC fields of the students the sample's ELPI counts (``ssid``, ``cds``, ``grade``, ``category``):
    record type, grade and score of this year and the year before, whose ELPI levels
    (``config/elpi_levels.csv``) give the student's category."""
    e = elpi.reset_index(drop=True)
    cat = e["category"].to_numpy()
    grade = e["grade"].astype(int).to_numpy()
    prior_rank, rank = _elpi_ranks(e["ssid"], cat, spring)
    alt = cat >= 4
    spread = _draws(e["ssid"], f"elpi-s{spring}", 12)
    score = np.where(alt, _score_in(levels, "alternate", grade, rank, np.where(cat == 6, spread % 5, 59 + spread)),
                     _score_in(levels, "summative", grade, rank, spread))
    prior_score = np.where(alt, _score_in(levels, "alternate", grade - 1, prior_rank,
                                          np.where(cat == 4, spread % 5, np.full(len(e), -1))),
                           _score_in(levels, "summative", grade - 1, prior_rank, spread))
    pl = np.where(alt, rank.astype(str), pd.Series(rank).map(SUMMATIVE_PL).to_numpy())
    prior_pl = np.where(alt, prior_rank.astype(str), pd.Series(prior_rank).map(SUMMATIVE_PL).to_numpy())
    return pd.DataFrame({"ssid": e["ssid"].astype(str), "cds": e["cds"].astype(str), "grade": _grade_code(grade),
                         "recordtype": np.where(alt, "23", "21"), "score": score, "pl": pl,
                         "prior_grade": _grade_code(grade - 1), "prior_score": prior_score, "prior_pl": prior_pl})


def write_elpac(attendance: pd.DataFrame, spring: int, path: Path, elpi: pd.DataFrame | None = None,
                levels: pd.DataFrame | None = None) -> int:
    """One Summative ELPAC record per English learner of the year (type 21; 23 Summative Alternate).

    The students the sample's Dashboard ELPI counts (``elpi``) have this year's and last year's
    score (``Minus1`` fields) placing them in their ELPI category, at the school the Dashboard
    counts them in; every other English learner of ``attendance`` has a record at their last school:
    scored in kindergarten (no prior year), not tested (IncludeIndicator N, condition NT) in grades
    1-12 (the sample's ELPI leaves them out: not there in spring). Without ``elpi`` every English
    learner is scored, with no prior year.
    """
    el = attendance[attendance["el"].eq("Y") & ~attendance["grade"].astype(str).eq("TK")]
    el = el.drop_duplicates("ssid", keep="last").reset_index(drop=True)
    if elpi is not None and len(elpi):
        el = el[~el["ssid"].astype(str).isin(set(elpi["ssid"].astype(str)))].reset_index(drop=True)
    grade = el["grade"].astype(str).replace({"K": "KN"})
    grade = grade.where(grade.eq("KN"), grade.str.zfill(2))
    g = pd.to_numeric(grade.replace("KN", "0")).to_numpy()
    low = np.select([g <= 2, g <= 8], [1150 + 20 * g, 1350 + 15 * g], 1500)
    score = low + _draws(el["ssid"], f"elpac{spring}", 350)
    level = np.select([score < low + 90, score < low + 180, score < low + 270], ["1", "2", "3"], "4")
    tested = np.ones(len(el), bool) if elpi is None else g == 0
    rec = pd.DataFrame({"ssid": el["ssid"].astype(str), "cds": el["cds"].astype(str), "grade": grade,
                        "recordtype": "21", "score": pd.Series(score).astype("Int64").where(tested),
                        "pl": np.where(tested, level, ""), "prior_grade": "", "prior_score": pd.NA, "prior_pl": "",
                        "include": np.where(tested, "Y", "N")})
    if elpi is not None and len(elpi):
        rec = pd.concat([elpi_records(elpi, spring, levels).assign(include="Y"), rec], ignore_index=True)
    n = len(rec)
    who = people(rec["ssid"], spring, rec["grade"])
    cols = {
        "RecordType": rec["recordtype"], "UIN": pd.Series(np.arange(1, n + 1) + spring * 10_000_000)
        .map("{:016d}".format), "SSID": rec["ssid"], "StudentLastName": who["last"],
        "StudentFirstName": who["first"], "StudentMiddleName": who["middle"], "DateofBirth": who["birth"],
        "DateofBirthforTesting": who["birth"], "Gender": who["gender"], "CALPADSGrade": rec["grade"],
        "GradeAssessed": rec["grade"], "CALPADSDistrictCode": rec["cds"].str[:7] + "0000000",
        "CALPADSSchoolCode": rec["cds"], "ELStatus": pd.Series(["Yes"] * n), "ELASforTesting": pd.Series(["EL"] * n),
        "StudentAddressLine1": who["address"], "StudentAddressStateCode": pd.Series(["US-CA"] * n),
        "IncludeIndicator": rec["include"], "Attemptedness": rec["include"],
        "ConditionCode": rec["include"].map({"Y": "", "N": "NT"}),
        "OverallScaleScore": rec["score"].astype("Int64").astype(str).replace("<NA>", ""), "OverallPL": rec["pl"],
        "GradeAssessedMinus1": rec["prior_grade"], "OverallScaleScoreMinus1": rec["prior_score"].astype("Int64")
        .astype(str).replace("<NA>", ""), "OverallPLMinus1": rec["prior_pl"],
    }
    return _write(path, _records(cols, ELPAC_2122, n), ELPAC_2122)


def _calpads_keys(frame: pd.DataFrame, number: int, kind: str, spring: int) -> dict[str, pd.Series]:
    cds = frame["cds"].astype(str).reset_index(drop=True)
    ssid = frame["ssid"].astype(str).reset_index(drop=True)
    who = people(ssid, spring, frame["grade"].astype(str).reset_index(drop=True))
    return {1: pd.Series([kind] * len(frame)), 4: cds.str[:7], 5: cds.str[7:],
            6: pd.Series([f"{spring - 1}-{spring}"] * len(frame)), 7: ssid,
            8: pd.Series(_draws(ssid, "local", 900_000) + 100_000).astype(str),
            9: who["first"], 10: who["last"], 11: who["birth"].str.replace("-", ""), 12: who["gender"]}


def stas_fields(spring: int) -> int:
    """Fields in a STAS record of the year: 13.01-13.21 until 2020-21, to 13.23 (13.22 added) until 2024-25, then 13.24."""
    return 21 if spring <= 2021 else 23 if spring <= 2025 else 24


def write_stas(attendance: pd.DataFrame, spring: int, path: Path) -> int:
    """One STAS record per student and school: expected days and days absent split by kind."""
    a = attendance.reset_index(drop=True)
    keys = _calpads_keys(a, 13, "STAS", spring)
    expected = a["days_enrolled"].astype(int)
    absent = a["days_absent"].astype(int)
    oss = np.minimum(absent, _draws(a["ssid"], f"oss{spring}", 10) // 9)
    unexcused = (absent - oss) // 3
    excused = absent - oss - unexcused
    cols = {**keys, 13: pd.Series(["N"] * len(a)), 14: pd.Series(["N"] * len(a)), 15: expected,
            16: expected - absent, 17: oss, 18: pd.Series([0] * len(a)), 19: excused, 20: unexcused,
            21: pd.Series([0] * len(a))}
    if spring >= 2022:
        cols[22] = pd.Series([0] * len(a))
    return _write(path, _records(cols, stas_fields(spring), len(a)))


def write_sela(attendance: pd.DataFrame, spring: int, path: Path) -> int:
    """One SELA record per student: the status (EL or EO here) and its start date."""
    a = attendance.drop_duplicates("ssid", keep="last").reset_index(drop=True)
    cols = {**_calpads_keys(a, 12, "SELA", spring), 13: pd.Series(np.where(a["el"].eq("Y"), "EL", "EO")),
            14: pd.Series([f"{spring - 1}0815"] * len(a)), 15: pd.Series(np.where(a["el"].eq("Y"), "01", "00"))}
    return _write(path, _records(cols, 15, len(a)))


def write_sprg(attendance: pd.DataFrame, spring: int, path: Path) -> int:
    """SPRG records: free meal eligibility (181) for the socioeconomically disadvantaged, homeless (191)."""
    a = attendance.drop_duplicates("ssid", keep="last")
    parts = [a[a["sed"].eq("Y")].assign(program="181"), a[a["homeless"].eq("Y")].assign(program="191")]
    p = pd.concat(parts).reset_index(drop=True)
    cols = {**_calpads_keys(p, 3, "SPRG", spring), 13: p["program"],
            15: pd.Series([f"{spring - 1}0701"] * len(p)), 16: pd.Series([f"{spring}0630"] * len(p))}
    return _write(path, _records(cols, 16, len(p)))


def write_state_files(year_dir: Path, spring: int, elpi: pd.DataFrame | None = None,
                      config_dir: str | Path = CONFIG_DIR, language: pd.DataFrame | None = None) -> dict[str, int]:
    """The state files of the year, from the district exports already written in ``year_dir``,
    (``elpi``: ``ssid``, ``cds``, ``grade``, ``category``) the students the sample's ELPI counts and
    (``language``: ``ssid``, ``elas``, ``rfep_spring``) each student's language status."""
    from pipeline.sample.state_foster import write_foster_reports
    from pipeline.sample.state_senr import write_senr, write_sped
    from pipeline.sample.state_sinf import write_sinf

    text = {"ssid": str, "cds": str, "grade": str}
    assessment = pd.read_csv(year_dir / "assessment.csv", dtype={**text, "scale_score": "Int64"})
    attendance = pd.read_csv(year_dir / "attendance.csv", dtype=text)
    levels = load_elpi_levels(config_dir)
    counts = {STATE_FILES[1]: write_elpac(attendance, spring, year_dir / STATE_FILES[1], elpi, levels)}
    codes = load_codes(config_dir)

    def write_cenr(frame: pd.DataFrame, spring: int, path: Path) -> int:
        return write_senr(frame, spring, path, codes)

    writers = [(write_caaspp, assessment), (write_stas, attendance), (write_sela, attendance),
               (write_sprg, attendance), (write_sinf, attendance), (write_cenr, attendance), (write_sped, attendance)]
    names = [n for n in STATE_FILES[:len(writers) + 1] if n != STATE_FILES[1]]
    counts.update({name: write(frame, spring, year_dir / name) for name, (write, frame) in zip(names, writers)
                   if write is not write_caaspp})
    counts[STATE_FILES[0]] = write_caaspp(assessment, spring, year_dir / STATE_FILES[0], language)
    counts.update(write_foster_reports(attendance, spring, year_dir))  # CALPADS ODS reports 5.7 and 5.9
    return {name: counts[name] for name in STATE_FILES}
