"""pandera's own polars backend against the pipeline's validation engine, on the same files.

    python benchmarks/validation_engines.py [--root data/bench/state] [--year 2023-24] [--repeats 3]
        [--sources survey_responses,assessment,attendance] [--dirty-every 2000] [--whole-year]
    python benchmarks/validation_engines.py --cases    # the two engines on the test suite's files

The pipeline validates with pandera's rules but drives them itself (``pipeline/quarantine/fast.py``:
each column's distinct values, Arrow kernels for identifiers, whole-row rules on the coerced
frame). The alternative measured here is pandera's polars backend (``pandera.polars``) doing the
work on a polars frame of the same text: the same reader reads the file (so physical line numbers
come the same way), the text goes to polars, every column is coerced and checked by
pandera-polars, the whole-row rules run as polars expressions, and the kept rows come back to
pandas in the types the warehouse stores. Both engines must give the same result: the kept rows
(values and types) and every quarantine entry (line, column, check, value, reason). The script
compares them and says so in the table.

Each measurement is a fresh child process (wall and CPU time of the ingest, peak RSS from
/proc), the two engines alternating, median of ``--repeats``. Files: the state-scale sample
exports (generated with ``scorecards sample --scale state --seed 2024 --out <root>/raw`` if
missing, as ``make bench SCALE=state`` does) and, because the sample has no bad row, a copy of
each file with a bad value on every ``--dirty-every``-th line (kinds a district's exports really
show: text in a number, out-of-range values, blank required cells, a malformed id, another year,
a repeated key, a short row, and numbers written with an underscore or non-ASCII digits, which
Python reads). ``--whole-year`` also times the ingest of every source of the year.

What the same result took (``polars_validate`` below; without each point the quarantine differs,
and ``--cases`` finds no difference left on the 400 files of the test suite: the fast-path cases,
300 malformed exports, the corpus):

- one schema per column: pandera-polars coerces a frame column by column and stops at the first
  column that fails, after which the checks of the columns not yet coerced cannot run (a polars
  ComputeError, no row): one bad number would hide every other failure of its rows;
- pandera-polars lists every missing cell of a column that does not coerce as a failure case
  (in a survey export, millions: the 13,993 MiB below); only the cells with a value failed;
- polars' casts refuse what Python reads (``1_0``, non-ASCII digits) and keep NaN as a value:
  those values are first read as pandas reads them;
- the two row checks of the contracts (``absent_within_enrolled``, ``numer_within_denom``) are
  pandas code: written again for polars here (a contract would need both), and uniqueness as
  pandas reports it (missing parts equal, a row of missing keys not reported).

Two behaviours of pandera's pandas backend, kept by the pipeline and not reproduced here: a
value that does not coerce in a column with an ``isin`` check (``grade`` in the assessment)
leaves the column as text, and pandas then checks ``isin`` on the text ("3" is not 3): every row
of the file is quarantined; text in both ``days_enrolled`` and ``days_absent`` (in any two rows)
makes the row check compare text ("7" > "180") and quarantine most of the file. The dirty copies
avoid both (``FRAGILE``): they are measured as ours, not as polars would do them.

On 2 cores (Intel Xeon), 24 GiB, shared with other work, 2026-12-06 (median of 3; whole year:
every source of 2023-24):

| file | rows | median (ours / pandera-polars) | CPU time | peak memory | same result |
|---|---|---:|---:|---:|---|
| survey_responses | sample | 28.1 s / 32.3 s | 25.1 s / 31.3 s | 4,038 / 6,951 MiB | yes |
| assessment | sample | 19.0 s / 23.5 s | 18.4 s / 23.3 s | 2,841 / 4,186 MiB | yes |
| attendance | sample | 26.2 s / 29.6 s | 23.1 s / 25.3 s | 3,434 / 3,644 MiB | yes |
| survey_responses | 1 bad line in 2,000 | 57.7 s / 135.0 s | 49.7 s / 122.1 s | 4,782 / 13,993 MiB | yes |
| assessment | 1 bad line in 2,000 | 31.6 s / 40.6 s | 31.4 s / 44.4 s | 3,694 / 7,244 MiB | yes |
| attendance | 1 bad line in 2,000 | 48.9 s / 55.1 s | 42.0 s / 45.1 s | 5,158 / 6,808 MiB | yes |
| whole year, every source | sample | 69.3 s / 82.0 s | 69.3 s / 91.4 s | 5,075 / 8,004 MiB | yes |

One standalone file (about 680 lines): the pandera-polars engine, the dirty copies, the timing
harness and the test-suite check, so that the measurement reruns as it was made.

Needs ``polars`` (not a dependency of the product: ``pip install polars``; measured with polars
2.1.0 and pandera 0.35.0). pandera's ibis/DuckDB backend is not measured: tried on a few rows
(ibis 12, DuckDB 2.0), it did not coerce (``coerce=True`` left text, reported as one
``dtype('int64')`` failure without rows), and its not-null and uniqueness failures carried no row
(the Narwhals path documents it: "SQL has no natural row ordering"), so no quarantine entry could
name its line.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_SOURCES = ("survey_responses", "assessment", "attendance")
ENGINES = ("ours", "pandera-polars")


# ---------------------------------------------------------------------------------------------
# The pandera-polars engine: same inputs and result as pipeline.quarantine.validate


def polars_validate(raw, model, source, *, rules=(), identifier_columns=(), display_path=None, engine="auto"):
    """:func:`pipeline.quarantine.validate`'s result, with pandera's polars backend doing the checks
    (``engine`` is taken and ignored, as ``pipeline.ingest.ingest`` passes one)."""
    import numpy as np
    import pandas as pd
    import polars as pl

    from pipeline.readers import LINE
    from pipeline.quarantine import ENTRY_COLUMNS, concrete_columns, describe_check
    from pipeline.quarantine.entries import assemble, bad_record_entries
    from pipeline.quarantine.reference import MAX_PASSES

    schema = concrete_columns(model.to_schema(), raw.frame)
    text_columns = [c for c in raw.frame.columns if c != LINE]
    lines = raw.frame[LINE].to_numpy(dtype=np.int64)
    text = {c: _blank_as_missing(raw.frame[c]) for c in text_columns}  # Arrow, as the reader gave it
    df = pl.DataFrame([pl.from_arrow(text[c]).alias(c) for c in text_columns] + [pl.Series(LINE, lines)])

    entries = bad_record_entries(raw)
    applicable = [rule for rule in rules if rule.column in text_columns]
    if applicable:
        view = pd.DataFrame({c: pd.arrays.ArrowExtensionArray(text[c]) for c in text_columns}, copy=False)
        view[LINE] = lines
        for rule in applicable:
            bad = np.asarray(rule.failing(view).fillna(False).astype(bool), dtype=bool)
            if bad.any():
                rows = np.flatnonzero(bad)
                shown = df[rule.column].gather(rows).to_list()
                entries.append(pd.DataFrame({"line": lines[rows], "column_name": rule.column,
                                             "check_name": rule.check, "value": [str(v) for v in shown],
                                             "reason": rule.reason}))
        del view
    entries.append(_duplicates(df, list(schema.unique or [])))

    out = np.zeros(len(df), dtype=bool)
    for e in entries:
        if len(e):
            out |= np.isin(lines, e["line"].to_numpy(dtype=np.int64))
    remaining = df.filter(pl.Series(~out))
    described = {c.name: c.description for c in schema.checks if c.description}
    kept = None
    for _ in range(MAX_PASSES):
        failures, coerced = _pass(remaining, schema)
        if not failures:
            kept = _to_pandas(coerced, raw.frame.columns, schema, text, lines)
            break
        parts = []
        for column, check, positions in failures:
            rows = remaining[LINE].gather(positions).to_numpy()
            value = [""] * len(positions) if column == "(row)" else \
                ["" if v is None else str(v) for v in remaining[column].gather(positions).to_list()]
            parts.append(pd.DataFrame({"line": rows, "column_name": column, "check_name": check, "value": value,
                                       "reason": described.get(check) or describe_check(check)}))
        entries.append(pd.concat(parts, ignore_index=True)[ENTRY_COLUMNS])
        failed = np.zeros(len(remaining), dtype=bool)
        for _, _, positions in failures:
            failed[positions] = True
        remaining = remaining.filter(pl.Series(~failed))
    if kept is None:
        raise RuntimeError(f"{source}: validation did not settle after {MAX_PASSES} passes")
    return assemble(raw, source, entries, kept, identifier_columns, display_path, engine="pandera-polars")


def _blank_as_missing(series):
    """A text column as an Arrow array, blank values missing (the reader's Arrow array when it has one)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(series.dtype, pd.ArrowDtype):
        arr = series.array._pa_array
    else:
        arr = pa.chunked_array([pa.array(series.to_numpy(dtype=object), type=pa.string(), from_pandas=True)])
    blank = pc.equal(arr, "")
    return pc.if_else(blank, pa.scalar(None, arr.type), arr) if pc.any(blank).as_py() else arr


def _duplicates(df, key):
    """Later occurrences of a complete key already seen, with the line of the first (as the pipeline)."""
    import pandas as pd
    import polars as pl

    from pipeline.readers import LINE

    if not key or not set(key) <= set(df.columns):
        return pd.DataFrame()
    complete = df.select(LINE, *key).filter(pl.all_horizontal([pl.col(c).is_not_null() for c in key]))
    first = complete.select(pl.struct(key).is_first_distinct()).to_series()
    if first.all():
        return pd.DataFrame()
    later = complete.filter(~first)
    firsts = complete.filter(first).join(later.select(key).unique(), on=key).rename({LINE: "first_line"})
    dup = later.join(firsts, on=key, how="left", maintain_order="left")
    return pd.DataFrame({
        "line": dup[LINE].to_numpy(), "column_name": ", ".join(key), "check_name": "unique_key", "value": "",
        "reason": [f"duplicate key ({', '.join(key)}): same as line {n}, which is kept" for n in dup["first_line"]],
    })


_PL_TYPES = {"string[python]": "Utf8", "Int64": "Int64", "float64": "Float64"}
_PD_NAMES = {"Int64": "Int64", "Float64": "float64"}


def _pass(frame, schema):
    """One pass of pandera-polars over ``frame``: [(column, check, positions)] and the coerced frame.

    Each column is validated by its own one-column schema so that a column that does not coerce
    does not stop the others (pandera-polars stops coercing a frame at its first failing column
    and then cannot run the checks of the columns after it). Values that polars cannot cast but
    pandas (Python's int() and float()) reads (``1_0``, non-ASCII digits) are read as pandas
    reads them first, and NaN counts as missing, as in pandas: otherwise the result would differ.
    """
    import numpy as np
    import polars as pl
    import pandera.polars as ppl

    failures = []
    coerced = {}
    for name, col in schema.columns.items():
        if name not in frame.columns:
            continue
        target = getattr(pl, _PL_TYPES[str(col.dtype)])
        values = frame[name]
        if target != pl.Utf8:
            values = _as_pandas_reads(values, target, str(col.dtype))
        one = ppl.DataFrameSchema({name: ppl.Column(target, checks=list(col.checks), nullable=col.nullable,
                                                     coerce=True)})
        try:
            out = one.validate(pl.DataFrame({name: values}), lazy=True)
            coerced[name] = out[name]
            continue
        except ppl.errors.SchemaErrors as exc:
            fc = exc.failure_cases
            data = exc.data
        at_rows = fc.filter(pl.col("index").is_not_null())
        coerce_failed = at_rows.filter(pl.col("check").str.starts_with("coerce_dtype"))
        if len(coerce_failed):
            # pandera-polars lists every missing cell of a column that does not coerce as a
            # failure case too: only the cells with a value failed
            positions = np.unique(coerce_failed["index"].to_numpy())
            positions = positions[values.gather(positions).is_not_null().to_numpy()]
            failures.append((name, f"coerce_dtype('{_PD_NAMES[_PL_TYPES[str(col.dtype)]]}')", positions))
            coerced[name] = frame[name]
        else:
            coerced[name] = data.collect()[name] if isinstance(data, pl.LazyFrame) else data[name]
        for check, group in at_rows.filter(~pl.col("check").str.starts_with("coerce_dtype")).group_by(
                "check", maintain_order=True):
            failures.append((name, check[0], np.unique(group["index"].to_numpy())))
    whole = frame.with_columns([coerced[c].alias(c) for c in coerced])
    key = list(schema.unique or [])
    if key and all(c in whole.columns for c in key):
        # pandas counts missing values as equal but reports no row whose key cells are all missing
        dup = whole.select(pl.struct(key).is_duplicated()
                           & pl.any_horizontal([pl.col(c).is_not_null() for c in key])).to_series()
        if dup.any():
            failures.append(("(row)", "multiple_fields_uniqueness", np.flatnonzero(dup.to_numpy())))
    for check in schema.checks:
        bad = _FRAME_CHECKS[check.name](whole)
        if bad is not None and bad.any():
            failures.append(("(row)", check.name, np.flatnonzero(bad.to_numpy())))
    return failures, whole


def _as_pandas_reads(values, target, pandas_dtype):
    """``values`` (text) with the few values polars cannot cast but pandas can, written as polars reads them."""
    import pandas as pd
    import polars as pl
    import pandera.pandas as pdpa

    cast = values.cast(target, strict=False)
    failing = values.filter(cast.is_null() & values.is_not_null()).unique()
    nan = cast.is_nan() if target == pl.Float64 else None
    if len(failing):
        checker = pdpa.DataFrameSchema({"v": pdpa.Column(pandas_dtype, nullable=True, coerce=True)})
        mapping = {}
        for v in failing.to_list():
            try:
                read = checker.validate(pd.DataFrame({"v": pd.Series([v], dtype=object)}))["v"].iloc[0]
            except (pdpa.errors.SchemaError, pdpa.errors.SchemaErrors):
                continue
            mapping[v] = None if pd.isna(read) else repr(float(read)) if target == pl.Float64 else str(int(read))
        if mapping:
            values = values.replace(mapping)
    if nan is not None and nan.any():
        values = pl.Series(values.name, values).set(nan.fill_null(False), None)
    return values


def _absent_within_enrolled(whole):
    return _compare(whole, "days_absent", "days_enrolled")


def _numer_within_denom(whole):
    import polars as pl

    ok = pl.Series([True] * len(whole))
    for p in ("curr", "prior"):
        if f"{p}numer" in whole.columns and f"{p}denom" in whole.columns:
            bad = _compare(whole, f"{p}numer", f"{p}denom")
            if bad is None:
                return None
            ok = ok & ~bad
    return ~ok


def _compare(whole, a, b):
    """Rows where ``a > b`` (missing is fine), or None when they cannot be compared (pandas' TypeError)."""
    import polars as pl

    if (whole[a].dtype == pl.Utf8) != (whole[b].dtype == pl.Utf8):
        return None
    return (whole[a] > whole[b]).fill_null(False)


_FRAME_CHECKS = {"absent_within_enrolled": _absent_within_enrolled, "numer_within_denom": _numer_within_denom}


def _to_pandas(frame, columns, schema, text, lines):
    """The kept rows in the types pandera-pandas gives (text as ``string[python]``, ``Int64``, ``float64``).

    Text comes from the reader's Arrow arrays (the kept rows' values are the text as read): each
    distinct value becomes one Python string, as the pipeline's engine does.
    """
    import numpy as np
    import pandas as pd
    import polars as pl
    import pyarrow as pa
    import pyarrow.compute as pc

    from pipeline.readers import LINE

    rows = None
    out = {}
    for c in columns:
        s = frame[c]
        if c != LINE and s.dtype in (pl.Utf8, pl.String):
            if rows is None:  # positions of the kept rows in the file's frame (lines are increasing)
                rows = np.searchsorted(lines, frame[LINE].to_numpy())
            arr = text[c].combine_chunks() if isinstance(text[c], pa.ChunkedArray) else text[c]
            if len(rows) != len(arr):
                arr = arr.take(pa.array(rows))
            missing = pd.NA if c in schema.columns else None
            head = arr.slice(0, 10_000)
            if len(head) and len(pc.unique(head)) > len(head) // 2:  # identifiers: one string per row anyway
                values = arr.to_numpy(zero_copy_only=False)
                if arr.null_count:
                    values[np.asarray(arr.is_null().to_numpy(zero_copy_only=False), dtype=bool)] = missing
            else:  # few distinct values: one string each, shared by the rows
                enc = pc.dictionary_encode(arr)
                distinct = np.empty(len(enc.dictionary) + 1, dtype=object)
                distinct[:-1] = enc.dictionary.to_numpy(zero_copy_only=False)
                distinct[-1] = missing
                values = distinct[enc.indices.fill_null(len(enc.dictionary)).to_numpy()]
            out[c] = pd.arrays.StringArray(values) if c in schema.columns else values
        elif s.dtype == pl.Int64 and c in schema.columns:
            out[c] = pd.arrays.IntegerArray(s.fill_null(0).to_numpy(), s.is_null().to_numpy())
        elif s.dtype == pl.Float64:
            out[c] = s.fill_null(float("nan")).to_numpy()
        else:
            out[c] = s.to_numpy()
    return pd.DataFrame(out, copy=False)


# ---------------------------------------------------------------------------------------------
# Files with bad rows (the sample has none)


def dirty_copy(raw_root: Path, dirty_root: Path, year: str, source_name: str, every: int, seed: int = 7) -> Path:
    """A copy of ``source_name``'s file with one bad value on every ``every``-th data line."""
    from pipeline.sources import SOURCES

    source = SOURCES[source_name]
    src, dst = source.path(raw_root, year), source.path(dirty_root, year)
    if dst.exists():
        return dst
    for shared in ("directory.csv", "survey_codebook.csv"):
        if not (dirty_root / shared).exists() and (raw_root / shared).exists():
            dirty_root.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(raw_root / shared, dirty_root / shared)
    dst.parent.mkdir(parents=True, exist_ok=True)
    schema = source.schema
    fragile = set(FRAGILE) | {n for n, c in schema.columns.items()
                              if str(c.dtype) != "string[python]" and any(k.name == "isin" for k in c.checks)}
    rnd = random.Random(f"{seed}-{source_name}-{every}")
    tmp = dst.with_suffix(".partial")
    with open(src, "rb") as fin, open(tmp, "wb") as fout:
        header = fin.readline()
        fout.write(header)
        names = header.decode().rstrip("\r\n").split(",")
        previous = None
        for i, line in enumerate(fin):
            if i % every == every - 1:
                line = _spoil(line.decode().rstrip("\n").split(","), names, rnd, previous, fragile)
            else:
                previous = line
            fout.write(line)
    tmp.rename(dst)
    return dst


NUMBERS = ("grade", "days_enrolled", "days_absent", "scale_score")
# where a value that does not coerce changes what pandera-pandas checks on the whole column, and
# so quarantines most of the file, with either engine's reproduction of it (see the docstring)
FRAGILE = ("days_enrolled",)


def _spoil(cells: list[str], names: list[str], rnd: random.Random, previous: bytes | None,
           fragile: set[str] = frozenset()) -> bytes:
    kind = rnd.choice(["text_in_number", "out_of_range", "blank_required", "bad_id", "other_year", "repeat_key",
                       "short_row", "underscore", "arabic_digits", "not_allowed"])
    numbers = [i for i, n in enumerate(names) if n in NUMBERS or n.lower().startswith(("st", "pa", "sf"))]
    sturdy = [i for i in numbers if names[i] not in fragile]
    at = {n: i for i, n in enumerate(names)}
    if kind == "repeat_key" and previous is not None:
        return previous
    if kind == "short_row":
        return (",".join(cells[: len(cells) // 2]) + "\n").encode()
    if kind == "other_year" and "school_year" in at:
        cells[at["school_year"]] = "2022-23"
    elif kind == "bad_id":
        for n in ("ssid", "response_id"):
            if n in at:
                cells[at[n]] = cells[at[n]][:-3] if n == "ssid" else "x" * 41
    elif kind == "blank_required" and "cds" in at:
        cells[at["cds"]] = ""
    elif kind == "not_allowed":
        for n in ("el", "respondent_group", "subject"):
            if n in at:
                cells[at[n]] = "maybe"
                break
    elif kind in ("text_in_number", "out_of_range") and sturdy:
        i = rnd.choice(sturdy)
        cells[i] = rnd.choice(["abc", "1.5", "-", "NaN"] if kind == "text_in_number" else
                              ["-1", "9999", "100000000000000000000"])
    elif numbers:
        i = rnd.choice(numbers)
        if kind == "out_of_range":
            cells[i] = rnd.choice(["-1", "9999"])
        elif kind == "underscore" and cells[i]:
            cells[i] = cells[i][:1] + "_" + cells[i][1:] if len(cells[i]) > 1 else cells[i]
        elif kind == "arabic_digits" and cells[i]:
            cells[i] = cells[i].translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    return (",".join(cells) + "\n").encode()


# ---------------------------------------------------------------------------------------------
# One measurement (child process) and the table


def _peak_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _digest(frame) -> str:
    import pandas as pd

    h = hashlib.sha256(repr([(c, str(frame[c].dtype), type(frame[c].array).__name__) for c in frame.columns]).encode())
    for c in frame.columns:
        h.update(pd.util.hash_pandas_object(frame[c], index=False).to_numpy().tobytes())
        h.update(frame[c].isna().to_numpy().tobytes())
    return h.hexdigest()


def child(engine: str, raw: str, year: str, sources: list[str], out: str) -> None:
    """Ingest ``sources`` with ``engine``; write timings, peak memory and the results' digests to ``out``."""
    import pipeline.ingest
    from pipeline.config import load_settings
    from pipeline.sources import SOURCES

    if engine == "pandera-polars":
        pipeline.ingest.validate = polars_validate  # the one call ingest() makes to validate
    settings = load_settings()
    report = {"sources": {}}
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    for name in sources:
        t0 = time.perf_counter()
        result = pipeline.ingest.ingest(SOURCES[name], raw, year, settings)
        seconds = time.perf_counter() - t0
        entry = {"seconds": seconds, "provided": result.provided}
        if result.provided:
            v = result.validated
            entry.update(rows_read=v.rows_read, rows_kept=v.rows_kept, rows_quarantined=v.rows_quarantined,
                         kept=_digest(v.kept), engine=v.engine)
            q = Path(out).with_name(f"{Path(out).stem}.{name}.quarantine.csv")
            v.quarantine.to_csv(q, index=False)
            entry["quarantine"] = str(q)
        report["sources"][name] = entry
        del result
    report["seconds"] = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    report["cpu"] = usage.ru_utime + usage.ru_stime - cpu_before
    report["peak_mib"] = _peak_mib()
    Path(out).write_text(json.dumps(report))


def measure(engine: str, raw: Path, year: str, sources: list[str], workdir: Path, tag: str) -> dict:
    out = workdir / f"{tag}.{engine}.json"
    cmd = [sys.executable, __file__, "--child", engine, "--raw", str(raw), "--year", year,
           "--sources", ",".join(sources), "--out", str(out)]
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{engine} on {sources} failed:\n{proc.stderr[-3000:]}")
    report = json.loads(out.read_text())
    report["wall"] = wall
    return report


def same_result(a: dict, b: dict) -> str:
    """'yes', or what differs, between two engines' results for one source."""
    import pandas as pd

    if a["provided"] != b["provided"]:
        return "provided differs"
    if not a["provided"]:
        return "yes"
    differs = [k for k in ("rows_read", "rows_kept", "rows_quarantined", "kept") if a[k] != b[k]]
    qa, qb = (pd.read_csv(x["quarantine"], dtype=str, keep_default_na=False) for x in (a, b))
    if not qa.equals(qb):
        merged = qa.merge(qb, how="outer", indicator=True)
        only = merged["_merge"].value_counts()
        differs.append(f"quarantine: {only.get('left_only', 0)} entries only in ours, "
                       f"{only.get('right_only', 0)} only in pandera-polars")
    return "yes" if not differs else "; ".join(differs)


def cases() -> int:
    """Both engines on the test suite's files (tests/test_fast_ingest.py, 300 malformed attendance
    files as tests/test_bad_input_properties.py makes them, tests/corpus/): how many differ."""
    import pandas as pd

    import pipeline.ingest
    import tests.test_corpus as corpus
    import tests.test_fast_ingest as fast
    from pipeline.config import load_settings
    from pipeline.sources import SOURCES
    from tests.test_bad_input_properties import HEADER, MUTATIONS, good_rows, mutate

    ours = pipeline.ingest.validate

    def outcome(root, source, engine):
        pipeline.ingest.validate = polars_validate if engine == "pandera-polars" else ours
        try:
            v = pipeline.ingest.ingest(SOURCES[source], root, fast.YEAR, load_settings()).validated
        except Exception as exc:  # noqa: BLE001 - the same error either way is part of the result
            return (type(exc).__name__, str(exc))
        return (v.rows_read, v.kept, v.quarantine)

    def same(a, b):
        if len(a) == 2 or len(b) == 2:
            return a == b
        try:
            pd.testing.assert_frame_equal(a[1], b[1])
            pd.testing.assert_frame_equal(a[2], b[2])
        except AssertionError:
            return False
        return a[0] == b[0]

    codebook = fast.CODEBOOK.encode()
    files = [(source, data, codebook) for source, table in [
        ("attendance", fast.ATTENDANCE_CASES), ("dashboard_chronic", fast.DASHBOARD_CASES),
        ("survey_responses", {k: v.encode() for k, v in fast.SURVEY_CASES.items()}),
    ] for data in table.values()]
    for seed in range(300):
        rnd = random.Random(seed)
        kinds = [rnd.choice(MUTATIONS) for _ in range(rnd.randint(1, 4))]
        files.append(("attendance", mutate(good_rows(rnd.randint(1, 25)), HEADER, kinds, rnd), codebook))
    corpus_codebook = (corpus.CORPUS / "survey_codebook.csv").read_bytes()
    files += [(path.parent.name, corpus.file_bytes(path), corpus_codebook) for path in corpus.CASES]
    differ = 0
    for source, data, codebook in files:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            where = SOURCES[source].path(root, fast.YEAR)
            where.parent.mkdir(parents=True, exist_ok=True)
            where.write_bytes(data)
            (root / "survey_codebook.csv").write_bytes(codebook)
            if not same(outcome(root, source, "ours"), outcome(root, source, "pandera-polars")):
                differ += 1
                print(f"differs: {source}, {len(data)} bytes", file=sys.stderr)
    print(f"{len(files)} files of the test suite: {differ} give a different result with pandera-polars")
    return 1 if differ else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=str(ROOT / "data/bench/state"),
                        help="folder holding raw/ (the sample exports) and dirty-<N>/ (made here)")
    parser.add_argument("--year", default=None, help="school year (default: the current one in settings.yaml)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sources", default=",".join(DEFAULT_SOURCES))
    parser.add_argument("--dirty-every", type=int, default=2000,
                        help="one bad value every N lines in the dirty copies (0: no dirty copies)")
    parser.add_argument("--whole-year", action="store_true", help="also every source of the year, each engine")
    parser.add_argument("--cases", action="store_true",
                        help="only compare the two engines' results on the test suite's files (no timing)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--raw", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.raw, args.year, args.sources.split(","), args.out)
        return 0

    if importlib.util.find_spec("polars") is None:
        print("needs polars, which the product does not depend on: pip install polars", file=sys.stderr)
        return 2
    if args.cases:
        return cases()
    from pipeline.config import load_settings
    from pipeline.sources import SOURCES

    year = args.year or load_settings().current_school_year
    root = Path(args.root)
    raw = root / "raw"
    if not (raw / "directory.csv").exists():
        scale = root.name if root.name in ("district", "state") else "state"
        print(f"generating the {scale}-scale sample exports in {raw} (several minutes at state scale)")
        subprocess.run([sys.executable, "-m", "pipeline.cli", "sample", "--scale", scale, "--seed", "2024",
                        "--out", str(raw)], check=True)
    sources = args.sources.split(",")
    datasets = [("sample", raw)]
    if args.dirty_every:
        dirty = root / f"dirty-{args.dirty_every}"
        for name in sources:
            dirty_copy(raw, dirty, year, name, args.dirty_every)
        datasets.append((f"1 bad line in {args.dirty_every}", dirty))

    runs = []  # (dataset, label, sources)
    for label, folder in datasets:
        for name in sources:
            runs.append((label, folder, [name], name))
    if args.whole_year:
        runs.append(("sample", raw, list(SOURCES), "whole year (every source)"))

    results: dict[tuple, dict[str, list[dict]]] = {}
    with tempfile.TemporaryDirectory(prefix="validation-engines-") as tmp:
        workdir = Path(tmp)
        for repeat in range(args.repeats):
            for i, (label, folder, names, what) in enumerate(runs):
                order = ENGINES if (repeat + i) % 2 == 0 else tuple(reversed(ENGINES))
                for engine in order:
                    report = measure(engine, folder, year, names, workdir, f"r{repeat}-{i}")
                    results.setdefault((label, what), {}).setdefault(engine, []).append(report)
                    print(f"  [{repeat + 1}/{args.repeats}] {what} ({label}), {engine}: {report['seconds']:.2f} s, "
                          f"CPU {report['cpu']:.2f} s, {report['peak_mib']:.0f} MiB", file=sys.stderr)
        rows = []
        for (label, what), by_engine in results.items():
            ours = by_engine["ours"][0]["sources"]
            for engine in ENGINES:
                reports = by_engine[engine]
                secs = [r["seconds"] for r in reports]
                cpus = [r["cpu"] for r in reports]
                peaks = [r["peak_mib"] for r in reports]
                first = reports[0]["sources"]
                kept = sum(s.get("rows_kept", 0) for s in first.values())
                quarantined = sum(s.get("rows_quarantined", 0) for s in first.values())
                same = "(reference)" if engine == "ours" else \
                    "; ".join(f"{n}: {d}" if len(first) > 1 else d for n in first
                              for d in [same_result(ours[n], first[n])] if d != "yes" or len(first) == 1) or "yes"
                rows.append((what, label, engine, statistics.median(secs), min(secs), max(secs),
                             statistics.median(cpus), statistics.median(peaks), kept, quarantined, same))
    print(f"\nValidation engines, school year {year}, {root}; median of {args.repeats} "
          f"(spread = fastest-slowest), each run a fresh process, engines alternating.\n")
    print("| file | rows | engine | median | spread | CPU time | peak memory | rows kept | rows quarantined "
          "| same result as ours |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---|")
    for what, label, engine, med, lo, hi, cpu, peak, kept, quarantined, same in rows:
        print(f"| {what} | {label} | {engine} | {med:.2f} s | {lo:.2f}-{hi:.2f} s | {cpu:.2f} s | {peak:,.0f} MiB "
              f"| {kept:,} | {quarantined:,} | {same} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
