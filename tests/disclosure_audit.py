"""An independent disclosure audit of a run's published outputs (issue #19).

Written apart from the pipeline's own privacy code (it imports nothing from ``pipeline.scoring``):
the true size of every cell is counted here from the raw exports, then every published table is
read back (``<out>/parquet/*.parquet``, each school's data files (``data*.csv`` and ``.xlsx``), the "Who our students are"
list of each HTML scorecard) and every subtraction an outsider could try is tried:

- ``family``: within one school (or district) table, all students minus the groups shown of a
  family that adds up (ethnicity; English-language status), when a group of it is hidden;
- ``district``: a district row minus its schools shown, when a school is hidden;
- ``prior``: this year's prior-year columns and change, for a cell last year's outputs hid or coded
  (or, for the first year published, a prior-year cell of fewer than 11 students);
- ``demographics``: enrollment minus the ethnic groups listed on the scorecard;
- ``climate_district``: the district's percent favourable minus the schools shown;
- ``climate_items``: a domain's answers minus its items shown;
- ``primary``: a figure shown for fewer than 11 students (10 respondents);
- ``uncoded``: a rate at or below 5 % or at or above 95 % shown for fewer than 30 students
  (respondents), where the scorecard must give a bound instead.

``audit(raw, out)`` returns ``{leak: [cell, ...]}``; ``python tests/disclosure_audit.py RAW OUT``
prints the counts. A cell is counted once per published table it can be recovered from.
"""
from __future__ import annotations

import csv
import re
import sys
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import duckdb

MIN_N, MIN_RESPONDENTS, SMALL_N, LOW, HIGH = 11, 10, 30, 5.0, 95.0
ETHNICITY = ("AA", "AI", "AS", "FI", "HI", "PI", "WH", "MR")
LANGUAGE = ("EL", "RFP", "EO", "IFEP", "TBD")  # English-language status: disjoint, together all students
FAMILIES = {"ethnicity": ETHNICITY, "language": LANGUAGE}
RATES = {"chronic", "susp", "grad", "cci", "elpi"}  # indicators whose status is a percent of students
RATE_MEASURES = {"chronic", "susp", "grad", "cci", "elpi", "climate_students", "climate_parents", "climate_staff"}
LEAKS = ("primary", "family", "district", "prior", "demographics", "climate_district", "climate_items", "uncoded")

GROUPS_SQL = """unnest(list_filter(['ALL', ethnicity,
    CASE WHEN el = 'Y' THEN 'EL' END, CASE WHEN ltel = 'Y' THEN 'LTEL' END, CASE WHEN sed = 'Y' THEN 'SED' END,
    CASE WHEN swd = 'Y' THEN 'SWD' END, CASE WHEN foster = 'Y' THEN 'FOS' END, CASE WHEN homeless = 'Y' THEN 'HOM' END],
    lambda g: g IS NOT NULL))"""


def _csv(path: Path, delim: str = ",") -> str:
    return f"read_csv('{path}', all_varchar = true, header = true, delim = '{delim}', quote = '\"')"


def _prior(year: str) -> str:
    a, b = year.split("-")
    return f"{int(a) - 1}-{int(b) - 1:02d}"


def _lea(cds: str) -> str:
    return cds[:7] + "0000000"


def _shown(v) -> bool:
    return v is not None and v == v and v != ""  # not None, not NaN, not empty


# ----------------------------------------------------------------------------- the truth, from the raw exports

def truth(raw: Path, years: list[str]) -> dict[str, dict[tuple, float]]:
    """True cell sizes: ``indicator`` (year, rtype, cds, indicator, origin, group) -> students;
    ``prior_indicator`` the same for CDE's prior-year denominators; ``growth`` (year, rtype, cds,
    subject, group) -> growth scores; ``enrollment`` (year, cds, group); ``answered`` (year, rtype,
    cds, respondent group, level, domain, item) -> answers; ``respondents`` (year, cds, group)."""
    con = duckdb.connect()
    out: dict[str, dict] = defaultdict(dict)
    met = Path(__file__).resolve().parent.parent / "config" / "sbac_standard_met.csv"
    con.execute(f"CREATE TABLE met AS SELECT subject, grade::INT AS grade FROM {_csv(met)}")
    book = raw / "survey_codebook.csv"
    con.execute(f"CREATE TABLE book AS SELECT * FROM {_csv(book)}")
    for year in sorted(set(years) | {_prior(y) for y in years}):
        if not (raw / year).is_dir():
            continue
        for path in sorted((raw / year / "dashboard").glob("*download*.txt")):
            ind = path.name.split("download")[0]
            con.execute(f"CREATE OR REPLACE TABLE cdefile AS SELECT * FROM {_csv(path, chr(9))}")
            cols = con.execute("SELECT * FROM cdefile LIMIT 0").df().columns
            prior = "TRY_CAST(priordenom AS INT)" if "priordenom" in cols else "NULL"
            pstatus = "TRY_CAST(priorstatus AS DOUBLE)" if "priorstatus" in cols else "NULL"
            for rtype, cds, g, n, pn, st, pst in con.execute(
                    f"SELECT rtype, cds, studentgroup, TRY_CAST(currdenom AS INT), {prior}, "
                    f"TRY_CAST(currstatus AS DOUBLE), {pstatus} FROM cdefile").fetchall():
                key = (year, rtype, cds, ind, "cde", g)
                if n is not None:
                    out["indicator"][key] = n
                if pn is not None:
                    out["prior_indicator"][key] = pn
                if st is not None:  # CDE published the status: public already, whatever we show
                    out["cde_published"][key] = n
                if pst is not None:
                    out["cde_prior_published"][key] = pn
        att = raw / year / "attendance.csv"
        if att.exists():
            for rtype, cds, g, n in con.execute(f"""
                WITH s AS (SELECT 'S' AS rtype, cds, ssid, TRY_CAST(days_enrolled AS INT) AS days, ethnicity, el, ltel,
                                  sed, swd, foster, homeless FROM {_csv(att)}),
                     d AS (SELECT 'D' AS rtype, substr(cds, 1, 7) || '0000000' AS cds, ssid, sum(days) AS days,
                                  any_value(ethnicity) AS ethnicity, max(el) AS el, max(ltel) AS ltel, max(sed) AS sed,
                                  max(swd) AS swd, max(foster) AS foster, max(homeless) AS homeless FROM s GROUP BY 2, ssid),
                     g AS (SELECT rtype, cds, days, {GROUPS_SQL} AS grp FROM (SELECT * FROM s UNION ALL BY NAME SELECT * FROM d))
                SELECT rtype, cds, grp, count(*) FILTER (WHERE days >= 31) FROM g GROUP BY ALL""").fetchall():
                out["indicator"][(year, rtype, cds, "chronic", "district", g)] = n
        ass = raw / year / "assessment.csv"
        if ass.exists():
            con.execute(f"""CREATE OR REPLACE TABLE sba AS SELECT a.* FROM {_csv(ass)} a
                JOIN met m ON m.subject = a.subject AND m.grade = TRY_CAST(a.grade AS INT)
                WHERE a.test_type = 'SBA' AND TRY_CAST(a.scale_score AS INT) IS NOT NULL""")
            for rtype, cds, subject, g, n in con.execute(f"""
                WITH b AS (SELECT 'S' AS rtype, * FROM sba UNION ALL BY NAME
                           SELECT 'D' AS rtype, * REPLACE (substr(cds, 1, 7) || '0000000' AS cds) FROM sba)
                SELECT rtype, cds, lower(subject), grp, count(*)
                FROM (SELECT rtype, cds, subject, {GROUPS_SQL} AS grp FROM b) GROUP BY ALL""").fetchall():
                out["indicator"][(year, rtype, cds, subject, "district", g)] = n
            prior = raw / _prior(year) / "assessment.csv"
            if prior.exists():
                for rtype, cds, subject, g, n in con.execute(f"""
                    WITH p AS (SELECT ssid FROM {_csv(prior)} WHERE test_type = 'SBA'
                               AND TRY_CAST(scale_score AS INT) IS NOT NULL
                               GROUP BY ssid HAVING count(DISTINCT subject) = 2),
                         a AS (SELECT a.* FROM {_csv(ass)} a JOIN p USING (ssid) WHERE a.test_type = 'SBA'
                               AND TRY_CAST(a.scale_score AS INT) IS NOT NULL AND TRY_CAST(a.grade AS INT) BETWEEN 4 AND 8),
                         b AS (SELECT 'S' AS rtype, * FROM a UNION ALL BY NAME
                               SELECT 'D' AS rtype, * REPLACE (substr(cds, 1, 7) || '0000000' AS cds) FROM a)
                    SELECT rtype, cds, subject, grp, count(*)
                    FROM (SELECT rtype, cds, subject, {GROUPS_SQL} AS grp FROM b) GROUP BY ALL""").fetchall():
                    out["growth"][(year, rtype, cds, subject, g)] = n
        enr = raw / year / "enrollment.csv"
        if enr.exists():
            for cds, g, n in con.execute(f"SELECT cds, student_group, TRY_CAST(enrollment AS INT) FROM {_csv(enr)}").fetchall():
                if n is not None:
                    out["enrollment"][(year, cds, g)] = n
        survey = raw / year / "survey_responses.csv"
        if survey.exists():
            con.execute(f"CREATE OR REPLACE TABLE resp AS SELECT * FROM {_csv(survey)}")
            con.execute("""CREATE OR REPLACE TABLE answers AS
                SELECT u.response_id, u.cds, u.respondent_group, b.domain, b.item_id FROM (
                    UNPIVOT resp ON COLUMNS(* EXCLUDE (school_year, response_id, cds, respondent_group, grade))
                    INTO NAME item VALUE answer) u
                JOIN book b ON lower(b.item_id) = lower(u.item) AND b.respondent_group = u.respondent_group
                WHERE TRY_CAST(u.answer AS INT) BETWEEN 1 AND b.scale_points::INT""")
            for cds, g, n in con.execute(
                    "SELECT cds, respondent_group, count(DISTINCT response_id) FROM answers GROUP BY ALL").fetchall():
                out["respondents"][(year, cds, g)] = n
            for rtype, cds, g, dom, item, n in con.execute("""
                WITH a AS (SELECT 'S' AS rtype, * FROM answers UNION ALL
                           SELECT 'D' AS rtype, * REPLACE (substr(cds, 1, 7) || '0000000' AS cds) FROM answers)
                SELECT rtype, cds, respondent_group, domain, item_id, count(*) FROM a GROUP BY ALL""").fetchall():
                out["answered"][(year, rtype, cds, g, "item", dom, item)] = n
                key = (year, rtype, cds, g, "domain", dom, None)
                out["answered"][key] = out["answered"].get(key, 0) + n
    return out


# ----------------------------------------------------------------------------- the published tables

def parquet(out: Path, table: str) -> list[dict]:
    path = out / "parquet" / f"{table}.parquet"
    if not path.exists():
        return []
    df = duckdb.connect().execute(f"SELECT * FROM read_parquet('{path}')").df()
    return df.astype(object).where(df.notna(), None).to_dict("records")


def school_data_files(folder: Path) -> dict[tuple, dict[str, tuple[str, str]]]:
    """One school's data files read back, every language and both formats:
    (section, cds, item, group, origin) -> {figure: (value, note)}.

    Each ``data*.csv`` is read by its headers in its language (``data.csv`` English, ``data.<lang>.csv``),
    its rows keyed by the code columns, each cell given back the warehouse figure its column holds
    for the row's section. Every file of the school must give the same numbers (a Spanish file is
    audited as the English one is), the ``.xlsx`` beside each CSV the same cells, and no cell may
    stand in a column its section does not use (a figure there would escape this reading)."""
    from pipeline.render.data_csv import COLUMNS, FIGURE_COLUMNS, headers
    from pipeline.render.xlsx import read_workbook

    files = sorted(folder.glob("data*.csv"))
    assert folder / "data.csv" in files, f"{folder}: no data.csv"
    cells: dict[tuple, dict[str, tuple[str, str]]] = {}
    for path in files:
        lang = "en" if path.name == "data.csv" else path.name.split(".")[1]
        text = path.read_text(encoding="utf-8")
        assert text.startswith("\ufeff"), f"{path}: no byte order mark"
        rows = list(csv.reader(text[1:].splitlines()))
        assert rows[0] == headers(lang), f"{path}: headers {rows[0]}"
        book = read_workbook(path.with_suffix(".xlsx").read_bytes())
        pad = len(rows[0])
        assert [[("" if v is None else str(v)) for v in r] + [""] * (pad - len(r)) for r in book] == rows, \
            f"{path.with_suffix('.xlsx')}: not the CSV's cells"
        mine: dict[tuple, dict[str, tuple[str, str]]] = {}
        for values in rows[1:]:
            r = dict(zip(COLUMNS, values))
            section = r["section_code"]
            key = (section, r["cds"], r["measure_code"], r["group_code"], r["source_code"])
            assert key not in mine, f"{path}: two rows for {key}"
            used = FIGURE_COLUMNS[section]
            stray = [c for c in COLUMNS if c not in used.values() and c not in _FILE_COLUMNS and r[c] != ""]
            assert not stray, f"{path}: {key} has cells in {stray}"
            mine[key] = {figure: (r[column], r["note"]) for figure, column in used.items()}
        if not cells:
            cells = mine
            continue
        assert set(mine) == set(cells), f"{path}: not the rows of data.csv"
        for key, figures in mine.items():
            for figure, (value, _note) in figures.items():
                english = cells[key][figure][0]
                if _number_or_empty(english):
                    assert value == english, f"{path}: {key} {figure} {value!r}, data.csv {english!r}"
    return cells


# the columns that name the row rather than hold a figure
_FILE_COLUMNS = {"school_year", "cds", "school", "section", "measure", "group", "source", "unit", "note",
                 "section_code", "measure_code", "group_code", "source_code"}


def _number_or_empty(text: str) -> bool:
    try:
        float(text or 0)
        return True
    except ValueError:
        return False


def data_csv(out: Path, year: str) -> dict[tuple, dict[str, str]]:
    """(section, cds, item, group, origin) -> {figure: value} over every school's data files."""
    cells: dict[tuple, dict[str, str]] = defaultdict(dict)
    for folder in sorted(p for p in (out / year / "schools").iterdir() if p.is_dir()):
        for key, figures in school_data_files(folder).items():
            cells[key].update({f: v for f, (v, _note) in figures.items()})
    return cells


class _Demographics(HTMLParser):
    """The enrollment fact and the "Who our students are" shares of an English scorecard."""

    def __init__(self):
        super().__init__()
        self.enrollment, self.shares, self._cls, self._label, self._value = None, {}, None, None, None

    def handle_starttag(self, tag, attrs):
        self._cls = dict(attrs).get("class")

    def handle_data(self, data):
        data = data.strip()
        if not data:
            return
        if self._cls == "fact-label":
            self._label = data
        elif self._cls == "fact-value" and self._label == "Enrollment":
            self.enrollment = int(re.sub(r"\D", "", data))
            self._label = None
        elif self._cls == "demo-value":
            self._value = float(data.rstrip("%").replace(",", ""))
        elif self._cls == "demo-label" and self._value is not None:
            self.shares[data] = self._value
            self._value = None
        self._cls = None


# ----------------------------------------------------------------------------- the subtractions

def _residual(total, counts, members):
    return None if total is None else total - sum(counts[g] for g in members if counts.get(g) is not None)


def _family_leaks(where: str, counts: dict[str, float | None], true: dict[str, float],
                  known: dict[str, float] | None = None) -> list[str]:
    """``counts``: group -> n as published (None: hidden). Each family of disjoint groups inside
    ALL: if a member with students is hidden, ALL minus the members shown must leave at least MIN_N
    students. ``known``: the groups whose figures CDE itself published (public already): they
    count as shown, and a subtraction CDE's own file allows as well is CDE's, not ours."""
    known = known or {}
    seen = {g: (known[g] if g in known else n) for g, n in counts.items()}
    leaks = []
    total = seen.get("ALL")
    if total is None:
        return leaks
    for name, members in FAMILIES.items():
        hidden = [g for g in members if g in seen and seen[g] is None and true.get(g, 1) > 0]
        if not hidden:
            continue
        residual = _residual(total, seen, members)
        cde_own = _residual(known.get("ALL"), known, members)
        if residual < MIN_N and not (cde_own is not None and cde_own < MIN_N):
            leaks += [f"{where} {g} ({name}: all minus shown = {residual:g})" for g in hidden]
    return leaks


def _district_leaks(where: str, total: float | None, schools: dict[str, float | None],
                    known: dict[str, float] | None = None) -> list[str]:
    known = known or {}
    seen = {c: (known[c] if c in known else n) for c, n in schools.items()}
    total = known.get("D", total)
    hidden = [c for c, n in seen.items() if n is None]
    if total is None or not hidden:
        return []
    residual = total - sum(n for n in seen.values() if n is not None)
    if "D" in known:
        cde_own = known["D"] - sum(n for c, n in known.items() if c != "D")
        if cde_own < MIN_N:
            return []  # CDE's own file gives as much
    return [f"{where} school {c} (district minus schools shown = {residual:g})" for c in hidden] \
        if residual < MIN_N else []


def _num(v) -> float | None:
    return float(v) if _shown(v) else None


def audit(raw: Path, out: Path, years: list[str] | None = None) -> dict[str, list[str]]:
    raw, out = Path(raw), Path(out)
    if years is None:
        years = sorted(p.name for p in out.iterdir() if p.is_dir() and re.fullmatch(r"\d{4}-\d{2}", p.name))
    t = truth(raw, years)
    leaks: dict[str, list[str]] = {k: [] for k in LEAKS}
    ind = [r for r in parquet(out, "indicator_results") if r["school_year"] in years and r["rtype"] in ("S", "D")]
    growth = [r for r in parquet(out, "growth") if r["school_year"] in years]
    climate = [r for r in parquet(out, "climate") if r["school_year"] in years]

    # --- indicator_results and growth: primary, family, district (this year's n and prior_n)
    def tables(rows, item, ncol, truth_of, known_of):
        fam, dist = defaultdict(dict), defaultdict(lambda: [None, {}, {}])
        for r in rows:
            tn = truth_of(r)
            if tn is None or tn <= 0:
                continue
            n, kn = _num(r[ncol]), known_of(r)
            key = (r["school_year"], r["rtype"], r["cds"], *[r[c] for c in item])
            fam[key][r["student_group"]] = (n, tn, kn)
            lkey = (r["school_year"], _lea(r["cds"]), *[r[c] for c in item], r["student_group"])
            if r["rtype"] == "D" and r["cds"].endswith("0000000"):
                dist[lkey][0] = n
                if kn is not None:
                    dist[lkey][2]["D"] = kn
            elif r["rtype"] == "S":
                dist[lkey][1][r["cds"]] = n
                if kn is not None:
                    dist[lkey][2][r["cds"]] = kn
        return fam, dist

    def check(name, rows, item, ncol, truth_of, known_of=lambda r: None):
        fam, dist = tables(rows, item, ncol, truth_of, known_of)
        for key, groups in fam.items():
            leaks["family"] += _family_leaks(f"{name}.{ncol} {' '.join(map(str, key))}",
                                             {g: v[0] for g, v in groups.items()}, {g: v[1] for g, v in groups.items()},
                                             {g: v[2] for g, v in groups.items() if v[2] is not None})
        for key, (total, schools, known) in dist.items():
            leaks["district"] += _district_leaks(f"{name}.{ncol} {' '.join(map(str, key))}", total, schools, known)

    def ind_truth(r):
        return t["indicator"].get((r["school_year"], r["rtype"], r["cds"], r["indicator"], r["origin"], r["student_group"]))

    def ind_prior_truth(r):
        if r["origin"] == "cde":
            return t["prior_indicator"].get((r["school_year"], r["rtype"], r["cds"], r["indicator"], "cde", r["student_group"]))
        return t["indicator"].get((_prior(r["school_year"]), r["rtype"], r["cds"], r["indicator"], r["origin"], r["student_group"]))

    def ind_known(r):
        """n of a figure CDE's file publishes: this row's, or the same cell's with the same n (our
        recomputation of a figure CDE published is as public; on ELA and math CDE's n counts the
        students added for its 95 % participation rule, and so does ours: the n shown is compared)."""
        cde = t["cde_published"].get((r["school_year"], r["rtype"], r["cds"], r["indicator"], "cde", r["student_group"]))
        same = cde is not None and (cde == ind_truth(r) or cde == _num(r.get("n")))
        return cde if r["origin"] == "cde" or same else None

    def ind_prior_known(r):
        return t["cde_prior_published"].get((r["school_year"], r["rtype"], r["cds"], r["indicator"], r["origin"],
                                             r["student_group"]))

    def growth_truth(r):
        return t["growth"].get((r["school_year"], r["rtype"], r["cds"], r["subject"], r["student_group"]))

    def growth_prior_truth(r):
        return t["growth"].get((_prior(r["school_year"]), r["rtype"], r["cds"], r["subject"], r["student_group"]))

    check("indicator_results", ind, ["indicator", "origin"], "n", ind_truth, ind_known)
    check("indicator_results", ind, ["indicator", "origin"], "prior_n", ind_prior_truth, ind_prior_known)
    check("growth", growth, ["subject"], "n", growth_truth)
    check("growth", growth, ["subject"], "prior_n", growth_prior_truth)

    for r in ind:
        where = f"indicator_results {r['school_year']} {r['rtype']} {r['cds']} {r['indicator']} {r['origin']} {r['student_group']}"
        n, pn = ind_truth(r), ind_prior_truth(r)
        if n is not None and n < MIN_N:
            leaks["primary"] += [f"{where} {f}={r[f]} for {n}" for f in ("n", "status", "change", "published_status")
                                 if _shown(r.get(f))]
        if pn is not None and pn < MIN_N:
            leaks["primary"] += [f"{where} {f}={r[f]} for {pn} last year" for f in ("prior_n", "prior_status")
                                 if _shown(r.get(f))]
        if r["indicator"] in RATES:
            public = {"status": ind_known(r), "prior_status": ind_prior_known(r), "published_status": ind_known(r)}
            for f, size in (("status", n), ("prior_status", pn), ("published_status", n)):
                v = _num(r.get(f))
                if public[f] is not None:
                    continue  # a rate CDE's own file publishes is public already
                if v is not None and size is not None and size < SMALL_N and (v <= LOW or v >= HIGH):
                    leaks["uncoded"].append(f"{where} {f}={v} for {size}")
    for r in growth:
        where = f"growth {r['school_year']} {r['rtype']} {r['cds']} {r['subject']} {r['student_group']}"
        n, pn = growth_truth(r), growth_prior_truth(r)
        if n is not None and n < MIN_N:
            leaks["primary"] += [f"{where} {f}={r[f]} for {n}" for f in ("n", "mean", "eb_estimate") if _shown(r.get(f))]
        if pn is not None and pn < MIN_N:
            leaks["primary"] += [f"{where} {f}={r[f]} for {pn} last year" for f in ("prior_n", "prior_mean")
                                 if _shown(r.get(f))]

    # --- across years: this year's prior-year columns against what last year's outputs showed
    ikey = ("rtype", "cds", "indicator", "origin", "student_group")
    by_year = defaultdict(dict)
    for r in ind:
        by_year[r["school_year"]][tuple(r[c] for c in ikey)] = r
    gkey = ("rtype", "cds", "subject", "student_group")
    g_year = defaultdict(dict)
    for r in growth:
        g_year[r["school_year"]][tuple(r[c] for c in gkey)] = r
    for year in years:
        prior = _prior(year)
        for k, r in by_year[year].items():
            old = by_year.get(prior, {}).get(k) if prior in years else None
            if old is None or ind_prior_known(r) is not None:
                continue  # nothing published last year, or CDE publishes the prior year itself
            hidden, coded = not _shown(old["n"]), _shown(old.get("status_bound"))
            for f in ("prior_n", "prior_status", "change", "published_change"):
                if _shown(r.get(f)) and (hidden or (coded and f != "prior_n")):
                    leaks["prior"].append(f"indicator_results {year} {' '.join(k)} {f}={r[f]}, "
                                          f"{prior} showed n={old['n']} bound={old.get('status_bound')}")
        for k, r in g_year[year].items():
            old = g_year.get(prior, {}).get(k) if prior in years else None
            if old is None or _shown(old["n"]):
                continue
            for f in ("prior_n", "prior_mean", "prior_se"):
                if _shown(r.get(f)):
                    leaks["prior"].append(f"growth {year} {' '.join(k)} {f}={r[f]}, hidden in {prior}")

    # --- data.csv: the same subtractions on each school's file
    for year in years:
        cells = data_csv(out, year)
        fam = defaultdict(dict)
        for (section, cds, item, group, origin), fig in cells.items():
            if section == "indicator":
                tn = t["indicator"].get((year, "S", cds, item, origin, group))
            elif section == "growth":
                tn = t["growth"].get((year, "S", cds, item, group))
            else:
                continue
            if tn is None or tn <= 0 or "n" not in fig:
                continue
            kn = t["cde_published"].get((year, "S", cds, item, "cde", group)) if section == "indicator" else None
            kn = kn if origin == "cde" or kn in (tn, _num(fig["n"])) else None  # CDE's, or ours of the same cell and n
            fam[(section, cds, item, origin)][group] = (_num(fig["n"]), tn, kn)
            where = f"data.csv {year} {section} {cds} {item} {origin} {group}"
            if tn < MIN_N:
                leaks["primary"] += [f"{where} {f}={v} for {tn}" for f, v in fig.items()
                                     if f in ("n", "status", "change", "mean", "eb_estimate") and _shown(v)]
            if section == "indicator" and item in RATES and tn < SMALL_N and kn is None and _shown(fig.get("status")):
                v = float(fig["status"])
                if v <= LOW or v >= HIGH:
                    leaks["uncoded"].append(f"{where} status={v} for {tn}")
            if section == "indicator" and _shown(fig.get("change")):
                old = cells_prior(out, year, years).get((section, cds, item, group, origin))
                known = t["cde_prior_published"].get((year, "S", cds, item, origin, group)) is not None
                if old is not None and not known and (not _shown(old.get("status")) or _shown(old.get("status_bound"))):
                    leaks["prior"].append(f"{where} change={fig['change']}, {_prior(year)} showed {old}")
        for key, groups in fam.items():
            leaks["family"] += _family_leaks(f"data.csv {year} {' '.join(key)}",
                                             {g: v[0] for g, v in groups.items()}, {g: v[1] for g, v in groups.items()},
                                             {g: v[2] for g, v in groups.items() if v[2] is not None})
        # climate in data.csv: primary and coding (domain figures)
        for (section, cds, item, group, origin), fig in cells.items():
            if section != "climate":
                continue
            answered = t["answered"].get((year, "S", cds, group, "domain", item, None), 0)
            people = t["respondents"].get((year, cds, group), 0)
            where = f"data.csv {year} climate {cds} {group} {item}"
            v = _num(fig.get("percent_favorable"))
            if v is not None and people < MIN_RESPONDENTS:
                leaks["primary"].append(f"{where} percent_favorable={v} for {people} respondents")
            if v is not None and people < SMALL_N and (v <= LOW or v >= HIGH):
                leaks["uncoded"].append(f"{where} percent_favorable={v} for {people} respondents")

    # --- equity components and rating measures: the same rates, elsewhere
    for r in parquet(out, "equity_components"):
        if r["school_year"] not in years or r["component"] != "chronic_absence" or not _shown(r["value"]):
            continue
        n = t["indicator"].get((r["school_year"], "S", r["cds"], "chronic", "district", "ALL"))
        if n is not None and n < SMALL_N and (r["value"] <= LOW or r["value"] >= HIGH):
            leaks["uncoded"].append(f"equity_components {r['school_year']} {r['cds']} chronic_absence={r['value']} for {n}")
    for r in parquet(out, "rating_measures"):
        if r["school_year"] in years and r["measure"] in RATE_MEASURES and _shown(r["value"]) and _shown(r["n"]):
            if r["n"] < SMALL_N and (r["value"] <= LOW or r["value"] >= HIGH):
                leaks["uncoded"].append(f"rating_measures {r['school_year']} {r['cds']} {r['measure']}={r['value']} for {r['n']}")

    # --- climate: primary, coding, district minus schools, domain minus items
    school_rows = defaultdict(dict)
    district = {}
    for r in climate:
        k = (r["school_year"], r["respondent_group"], r["level"], r["domain"], r["item_id"])
        if r["rtype"] == "D":
            district[(r["school_year"], r["cds"], *k[1:])] = r
            continue
        school_rows[(r["school_year"], _lea(r["cds"]), *k[1:])][r["cds"]] = r
        answered = t["answered"].get((r["school_year"], "S", r["cds"], r["respondent_group"], r["level"], r["domain"],
                                      r["item_id"]), 0)
        v = _num(r["percent_favorable"])
        where = f"climate {r['school_year']} {r['cds']} {r['respondent_group']} {r['level']} {r['domain']} {r['item_id']}"
        if v is not None and answered < MIN_RESPONDENTS:
            leaks["primary"].append(f"{where} percent_favorable={v} for {answered} answers")
        if v is not None and answered < SMALL_N and (v <= LOW or v >= HIGH):
            leaks["uncoded"].append(f"{where} percent_favorable={v} for {answered} answers")
    for k, schools in school_rows.items():
        year, lea, group, level, dom, item = k
        d = district.get(k)
        shown_d = (d is not None and _shown(d["percent_favorable"])) or any(
            _shown(r.get("district_percent_favorable")) for r in schools.values())
        hidden = {c: t["answered"].get((year, "S", c, group, level, dom, item), 0)
                  for c, r in schools.items() if not _shown(r["percent_favorable"])}
        hidden = {c: a for c, a in hidden.items() if a > 0}
        if shown_d and hidden and sum(hidden.values()) < MIN_RESPONDENTS:
            leaks["climate_district"] += [f"climate {year} {lea} {group} {level} {dom} {item}: school {c} "
                                          f"({sum(hidden.values())} answers hidden)" for c in hidden]
    items = defaultdict(list)
    domains = {}
    for r in climate:
        if r["rtype"] != "S":
            continue
        k = (r["school_year"], r["cds"], r["respondent_group"], r["domain"])
        if r["level"] == "item":
            items[k].append(r)
        else:
            domains[k] = r
    for k, d in domains.items():
        if not (_shown(d.get("answered")) and _shown(d.get("favorable"))):
            continue
        its = [r for r in items.get(k, []) if t["answered"].get((k[0], "S", k[1], k[2], "item", k[3], r["item_id"]), 0) > 0]
        hidden = [r for r in its if not (_shown(r.get("answered")) and _shown(r.get("favorable")))]
        if not hidden:
            continue
        residual = d["answered"] - sum(r["answered"] for r in its if r not in hidden)
        if residual < MIN_RESPONDENTS:
            leaks["climate_items"] += [f"climate {' '.join(k)} item {r['item_id']} (domain minus items shown = "
                                       f"{residual:g} answers)" for r in hidden]

    # --- "Who our students are": enrollment minus the ethnic groups listed
    labels = _labels()
    for year in years:
        for page in sorted((out / year / "schools").glob("*/scorecard.en.html")):
            cds = page.parent.name
            p = _Demographics()
            p.feed(page.read_text(encoding="utf-8"))
            if not p.enrollment:
                continue
            shown = {labels[lb]: round(s * p.enrollment / 100) for lb, s in p.shares.items() if lb in labels}
            for g, n in shown.items():
                tn = t["enrollment"].get((year, cds, g))
                if tn is not None and tn < MIN_N:
                    leaks["primary"].append(f"scorecard {year} {cds} demographics {g} ~{n} for {tn}")
            hidden = [g for g in ETHNICITY if g not in shown and t["enrollment"].get((year, cds, g), 0) > 0]
            residual = p.enrollment - sum(n for g, n in shown.items() if g in ETHNICITY)
            if hidden and residual < MIN_N:
                leaks["demographics"] += [f"scorecard {year} {cds} {g} (enrollment {p.enrollment} minus groups shown "
                                          f"= {residual})" for g in hidden]
    return leaks


_PRIOR_CELLS: dict = {}


def cells_prior(out: Path, year: str, years: list[str]) -> dict:
    prior = _prior(year)
    if prior not in years:
        return {}
    key = (str(out), prior)
    if key not in _PRIOR_CELLS:
        _PRIOR_CELLS[key] = data_csv(out, prior)
    return _PRIOR_CELLS[key]


def _labels() -> dict[str, str]:
    path = Path(__file__).resolve().parent.parent / "config" / "student_groups.csv"
    with path.open(encoding="utf-8") as fh:
        return {r["label"]: r["code"] for r in csv.DictReader(fh)}


def summary(leaks: dict[str, list[str]]) -> str:
    return ", ".join(f"{k} {len(v)}" for k, v in leaks.items()) + f"; recoverable {recoverable(leaks)}"


def recoverable(leaks: dict[str, list[str]]) -> int:
    return sum(len(v) for k, v in leaks.items() if k not in ("primary", "uncoded"))


if __name__ == "__main__":
    found = audit(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:] or None)
    for kind, cells in found.items():
        for c in cells[:int(__import__("os").environ.get("AUDIT_SHOW", "5"))]:
            print(f"  {kind}: {c}")
    print(summary(found))
