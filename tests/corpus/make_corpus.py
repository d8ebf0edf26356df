"""Write the worst-case input files of tests/corpus/ (run: python tests/corpus/make_corpus.py).

One folder per source (attendance, assessment, survey_responses, directory, dashboard_chronic),
one file per kind of damage, every id fake (ssids 99900000xx, response ids R9990xx). The
expected outcome of each file sits beside it in ``<case>.json`` and is written by hand (checked
against what the file holds), never by this script: ``tests/test_corpus.py`` compares what
``pipeline.ingest.ingest`` does with it, so a change of behaviour shows as a failing test.

Kinds: wrong_types, out_of_range, missing_column, extra_column, shuffled_columns, duplicated_rows,
truncated_last_line, stray_quotes, huge_field, mixed_encodings (UTF-8 BOM, then Windows-1252
bytes), blank_lines, formula_cells, multiline_ids (a quoted value running over lines that hold
other ids), utf16, header_only, empty. Also answer_outside_item for survey_responses (the
codebook's rules), huge_field_over_limit for attendance (a field beyond the csv module's
limit, stored gzipped to keep the corpus small), missing_needed_column for dashboard_chronic
(a column the contract allows to be absent but the Dashboard recomputation needs), and
dashboard_elpi/layout_2018 (the 2018 ELPAC layout CDE published under the ELPI file's name).
And values in the columns the contract reads as numbers, which must quarantine their own rows
and no other: grade_not_a_number (assessment), text_in_both_day_columns (attendance),
text_in_both_counts and colour_as_a_word (dashboard_chronic).
"""
from __future__ import annotations

import gzip
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
YEAR = "2023-24"
SCHOOL = "19754160526764"

# Each source: file name in the corpus folder, delimiter, header, a few good rows, and for each
# kind of damage the (row, column) it touches and the wrong value.
BASE = {
    "attendance": {
        "ext": "csv", "sep": ",",
        "header": ["school_year", "ssid", "cds", "grade", "days_enrolled", "days_absent", "ethnicity", "el",
                   "ltel", "sed", "swd", "foster", "homeless"],
        "rows": [[YEAR, f"99900000{i:02d}", SCHOOL, "4", "180", str(i), "HI", "N", "N", "Y", "N", "N", "N"]
                 for i in range(1, 6)],
        "wrong_type": ("days_enrolled", "one hundred"), "out_of_range": ("days_absent", "400"),
        "required": "days_enrolled", "text_col": "grade", "formula_col": "ethnicity", "over_limit": True,
        # text in days_enrolled on one line and days_absent on another; a real absent > enrolled on a third
        "typed": {"text_in_both_day_columns": [(1, "days_enrolled", "one hundred"), (3, "days_absent", "x"),
                                               (4, "days_absent", "181")]},
    },
    "assessment": {
        "ext": "csv", "sep": ",",
        "header": ["school_year", "ssid", "cds", "grade", "subject", "test_type", "scale_score", "ethnicity", "el",
                   "ltel", "sed", "swd", "foster", "homeless"],
        "rows": [[YEAR, f"99900001{i:02d}", SCHOOL, "5", "ELA", "SBA", str(2400 + i), "AS", "N", "N", "N", "N",
                  "N", "N"] for i in range(1, 6)],
        "wrong_type": ("scale_score", "2.5k"), "out_of_range": ("scale_score", "9999"),
        "required": "scale_score", "text_col": "subject", "formula_col": "test_type",
        # a grade that is not a number (allowed: 3-8, 11) on one line; a number not allowed on another
        "typed": {"grade_not_a_number": [(1, "grade", "G5"), (3, "grade", "9")]},
    },
    "survey_responses": {
        "ext": "csv", "sep": ",",
        "header": ["school_year", "response_id", "cds", "respondent_group", "grade", "ST01", "ST02", "PA01"],
        "rows": [[YEAR, f"R9990{i:02d}", SCHOOL, "student", "6", str(1 + i % 4), "3", ""] for i in range(1, 5)]
                + [[YEAR, "R999005", SCHOOL, "parent", "", "", "", "5"]],
        "wrong_type": ("ST02", "agree"), "out_of_range": ("ST01", "7"),
        "required": "respondent_group", "text_col": "respondent_group", "formula_col": "respondent_group",
        "item_scale": True,
    },
    "directory": {
        "ext": "csv", "sep": ",",
        "header": ["cds", "school_name", "district_name", "county_name", "school_type", "low_grade", "high_grade",
                   "charter", "principal_name", "principal_email", "languages", "address", "city", "zip"],
        "rows": [[f"1975416000000{i}", f"Test School {i}", "Fake Unified", "Los Angeles", "ES", "K", "5", "N",
                  f"Principal {i}", f"p{i}@example.org", "en;es", f"{i} Main St", "Maywood", "90270"]
                 for i in range(1, 6)],
        "wrong_type": ("low_grade", "kinder"), "out_of_range": ("zip", "902701"),
        "required": "school_type", "text_col": "school_name", "formula_col": "principal_name",
    },
    "dashboard_chronic": {
        "ext": "txt", "sep": "\t", "name": "chronicdownload2024.txt",
        "header": ["cds", "rtype", "schoolname", "districtname", "countyname", "studentgroup", "currnumer",
                   "currdenom", "currstatus", "priornumer", "priordenom", "priorstatus", "change", "statuslevel",
                   "changelevel", "color", "box", "reportingyear"],
        "rows": [[SCHOOL, "S", "Test School", "Fake Unified", "Los Angeles", g, str(n // 5), str(n),
                  f"{100 * (n // 5) / n:.1f}", "", "", "", "", "", "", "0", "0", "2024"]
                 for g, n in [("ALL", 200), ("HI", 150), ("EL", 60), ("SED", 120), ("AS", 30)]],
        "wrong_type": ("currdenom", "n/a"), "out_of_range": ("currstatus", "140.0"),
        "required": "studentgroup", "text_col": "schoolname", "formula_col": "schoolname",
        # text in the numerator on one line and the denominator on another (the row check
        # numer_within_denom compares them); a colour (allowed 0-5) written as a word
        "typed": {"text_in_both_counts": [(1, "currnumer", "n/a"), (3, "currdenom", "--")],
                  "colour_as_a_word": [(2, "color", "Red")]},
        "needed": "currdenom",
    },
}
# Files of a layout of their own, not made by damaging a good file: path in the corpus -> (header, rows, sep)
ELPI_2018 = ["cds", "rtype", "schoolname", "districtname", "countyname", "dass_flag", "charter_flag", "coe_flag",
             "PL_1", "PL1_Pct", "PL_2", "PL2_Pct", "PL_3", "PL3_Pct", "PL_4", "PL4_Pct", "PLTotCt", "reportingyear"]
LAYOUTS = {
    # CDE's 2018 ELPI record layout: ELPAC levels of English learners, no student group, no status
    "dashboard_elpi/layout_2018.txt": (ELPI_2018, [
        [f"1975416000000{i}", "S", f"Test School {i}", "Fake Unified", "Los Angeles", "", "", "",
         str(a), f"{100 * a / t:.1f}", str(b), f"{100 * b / t:.1f}", str(c), f"{100 * c / t:.1f}",
         str(t - a - b - c), f"{100 * (t - a - b - c) / t:.1f}", str(t), "2018"]
        for i, (a, b, c, t) in enumerate([(12, 18, 18, 60), (3, 9, 14, 31), (0, 2, 5, 9)], start=1)], "\t"),
}
# survey_responses is checked against this codebook (it lives in the raw folder's root)
CODEBOOK = (
    "item_id,respondent_group,domain,item_text_en,item_text_es,reverse_coded,scale_points,domain_es\n"
    "ST01,student,Safety,I feel safe.,Me siento seguro.,N,4,Seguridad\n"
    "ST02,student,Safety,I have been bullied.,Me han acosado.,Y,4,Seguridad\n"
    "PA01,parent,Family engagement,I am welcome.,Soy bienvenido.,N,5,Participación familiar\n"
)


def q(value: str, sep: str) -> str:
    """``value`` quoted as a spreadsheet writes it when it holds the delimiter or a quote."""
    return '"' + value.replace('"', '""') + '"' if sep in value or '"' in value else value


def text(header: list[str], rows: list[list[str]], sep: str, newline: str = "\n") -> str:
    def cell(x: str) -> str:
        return f'"{x}"' if (sep in x or "\n" in x) and not x.startswith('"') else x
    return newline.join(sep.join(cell(x) for x in r) for r in [header, *rows]) + newline


def cases(spec: dict) -> dict[str, bytes]:
    h, rows, sep = spec["header"], [list(r) for r in spec["rows"]], spec["sep"]

    def put(rows_, r, col, value):
        rows_ = [list(x) for x in rows_]
        rows_[r][h.index(col)] = value
        return rows_

    out: dict[str, bytes] = {}
    out["wrong_types"] = text(h, put(rows, 1, *spec["wrong_type"]), sep).encode()
    out["out_of_range"] = text(h, put(rows, 2, *spec["out_of_range"]), sep).encode()
    i = h.index(spec["required"])
    out["missing_column"] = text(h[:i] + h[i + 1:], [r[:i] + r[i + 1:] for r in rows], sep).encode()
    if spec.get("needed"):  # allowed to be absent by the contract, needed by the recomputation
        i = h.index(spec["needed"])
        out["missing_needed_column"] = text(h[:i] + h[i + 1:], [r[:i] + r[i + 1:] for r in rows], sep).encode()
    out["extra_column"] = text(h + ["ImageURL", "notes"], [r + ["http://x", "ok"] for r in rows], sep).encode()
    order = list(range(len(h)))
    random.Random(8).shuffle(order)
    out["shuffled_columns"] = text([h[j] for j in order], [[r[j] for j in order] for r in rows], sep).encode()
    out["duplicated_rows"] = text(h, rows[:3] + [rows[1]] + rows[3:] + [rows[4]], sep).encode()
    full = text(h, rows, sep)
    last = sep.join(rows[-1])
    out["truncated_last_line"] = full[: len(full) - 1 - len(last) + len(last) // 3].encode()
    out["stray_quotes"] = text(h, put(put(rows, 1, spec["text_col"], 'Ma"ria'), 3, spec["text_col"], '"open'),
                               sep).encode()
    out["huge_field"] = text(h, put(rows, 2, spec["text_col"], "x" * 5000), sep).encode()
    if spec.get("over_limit"):  # beyond the csv module's field limit (131,072): stored gzipped
        out["huge_field_over_limit"] = text(h, put(rows, 2, spec["text_col"], "x" * 140_000), sep).encode()
    # UTF-8 with BOM, then a row saved by a Windows-1252 program
    out["mixed_encodings"] = b"\xef\xbb\xbf" + text(h, put(rows, 0, spec["text_col"], "Peña"), sep).encode() \
        + sep.join(put(rows, 4, spec["text_col"], "Niño")[4]).encode("cp1252") + b"\n"
    blank = text(h, rows, sep).split("\n")
    out["blank_lines"] = "\n".join(blank[:2] + ["", sep * (len(h) - 1)] + blank[2:4] + ["", ""] + blank[4:]).encode()
    out["formula_cells"] = text(h, put(put(rows, 0, spec["formula_col"], q('=HYPERLINK("http://x","y")', sep)),
                                       2, spec["text_col"], "@SUM(A1:A9)"), sep).encode()
    others = "\n".join(sep.join([YEAR, other, SCHOOL]) for other in ("9990000098", "9990000099"))
    out["multiline_ids"] = text(h, put(rows, 2, spec["text_col"], f'"line one\n{others}\nlast"'), sep).encode()
    for case, damage in spec.get("typed", {}).items():  # values in the columns read as numbers
        damaged = rows
        for r, col, value in damage:
            damaged = put(damaged, r, col, value)
        out[case] = text(h, damaged, sep).encode()
    if spec.get("item_scale"):  # survey only: a 5 on a 4-point item; a student answering a parent item
        out["answer_outside_item"] = text(h, put(put(rows, 1, "ST01", "5"), 3, "PA01", "4"), sep).encode()
    out["utf16"] = text(h, rows, sep).encode("utf-16")
    out["header_only"] = text(h, [], sep).encode()
    out["empty"] = b""
    return out


def main() -> None:
    for source, spec in BASE.items():
        folder = HERE / source
        folder.mkdir(exist_ok=True)
        for case, data in cases(spec).items():
            name = f"{case}.{spec['ext']}"
            if case.endswith("over_limit"):
                (folder / f"{name}.gz").write_bytes(gzip.compress(data, mtime=0))
            else:
                (folder / name).write_bytes(data)
    for name, (header, rows, sep) in LAYOUTS.items():
        (HERE / name).parent.mkdir(exist_ok=True)
        (HERE / name).write_bytes(text(header, rows, sep).encode())
    (HERE / "survey_codebook.csv").write_text(CODEBOOK, encoding="utf-8")


if __name__ == "__main__":
    main()
