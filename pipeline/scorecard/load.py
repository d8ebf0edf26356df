"""Reading a school year's scored warehouse tables once and splitting them per school.

:func:`load_year` reads every table a year's scorecards need ONCE and splits it per school into
plain records, so that building a school's model (:func:`pipeline.scorecard.sections.build_scorecard`)
only looks rows up: a few milliseconds a school. Figures come from the scored tables, which
already hide anything about fewer than 11 students (10 survey respondents).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd

from pipeline.config import Privacy, load_settings
from pipeline.scorecard.labels import INDICATOR_POPULATION, TIERS
from pipeline.scoring.privacy import protect_growth
from pipeline.warehouse import read_table, table_exists


@dataclass
class YearData:
    """The warehouse rows a school year's scorecards are built from, read once.

    The DataFrames are the tables as read (schools only); ``by_school`` holds the same rows as
    plain records keyed by CDS code, which is what the model builder reads.
    """

    directory: pd.DataFrame
    enrollment: pd.DataFrame
    results: pd.DataFrame  # indicator_results of this year, schools only
    history: pd.DataFrame  # indicator_results of this and earlier years, each indicator's population, schools only
    rating: pd.DataFrame = field(default_factory=pd.DataFrame)  # school_rating
    measures: pd.DataFrame = field(default_factory=pd.DataFrame)  # rating_measures
    equity: pd.DataFrame = field(default_factory=pd.DataFrame)  # equity_index
    equity_components: pd.DataFrame = field(default_factory=pd.DataFrame)  # equity_components
    growth: pd.DataFrame = field(default_factory=pd.DataFrame)  # growth, schools only
    climate: pd.DataFrame = field(default_factory=pd.DataFrame)  # climate, schools, domain rows
    levels: list[dict] = field(default_factory=list)  # framework levels: level, label, min
    measure_info: dict[str, dict] = field(default_factory=dict)  # measure -> order, kind, label_es, points range
    framework: dict = field(default_factory=dict)  # name, name_es, score_max, rules (id -> label, label_es)
    domains: dict[tuple[str, str], dict] = field(default_factory=dict)  # (group, domain) -> order, es
    ranked_schools: int = 0  # schools with an equity tier
    indicators: frozenset[str] = frozenset()  # indicators with a result for some school this year
    by_school: dict[str, dict] = field(default_factory=dict)

    def school(self, cds: str) -> dict:
        """The school's records: results, history, enrollment, rating, measures, growth, ..."""
        return self.by_school.get(cds) or _new_school()

    def index_row(self, school: pd.Series, languages: list[str]) -> dict:
        """The index page's row for ``school``: overall level and equity tier, with sort ranks.

        Words are English (configuration words and tier names): the index renderer translates them.
        """
        rec = self.school(school["cds"])
        rating, equity = rec["rating"], rec["equity"]
        row = {
            "cds": school["cds"], "name": school["school_name"],
            "grade_span": grade_span(school["low_grade"], school["high_grade"]),
            "languages": list(languages),
        }
        if rating and rating.get("rated") and rating.get("level") is not None:
            row["level"] = rating.get("level_label") or ""
            row["level_rank"] = int(rating["level"])
        if equity and equity.get("tier"):
            row["tier"] = TIERS.get(equity["tier"], equity["tier"])
            row["tier_rank"] = int(equity["tier_rank"]) if equity.get("tier_rank") is not None else ""
        return row


def grade_span(low: str, high: str) -> str:
    return f"{low}–{high}"


def _new_school() -> dict:
    return {"results": {}, "rows": [], "history": {}, "enrollment": {}, "rating": None, "equity": None,
            "measures": [], "growth": {}, "climate": []}


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts with None for every missing value (NaN, NA, NaT)."""
    if frame is None or frame.empty:
        return []
    columns = list(frame.columns)
    values = frame.astype(object).where(frame.notna(), None).to_numpy().tolist()
    return [dict(zip(columns, row)) for row in values]


def _read(con: duckdb.DuckDBPyConnection, table: str, school_year: str, schools_only: bool = True) -> pd.DataFrame:
    frame = read_table(con, table, {"school_year": school_year})
    if schools_only and len(frame) and "rtype" in frame.columns:
        frame = frame[frame["rtype"] == "S"]
    return frame


def _levels(frame: pd.DataFrame) -> list[dict]:
    return sorted(({"level": int(r["level"]), "label": str(r["label"]), "label_es": r.get("label_es"),
                    "min": float(r["min"])} for r in _records(frame)), key=lambda r: r["level"])


def _framework_info(fw=None) -> tuple[list[dict], dict[str, dict], dict]:
    """Levels, measure order/kind/words and the scale from the rating framework (empty if it cannot
    be read: the page still renders from the warehouse alone). ``meta["model_levels"]`` holds each
    school model's level scale (a model may have its own)."""
    if fw is None:
        try:
            from pipeline.scoring.framework import load_framework
            fw = load_framework()
        except Exception:
            return [], {}, {}
    levels = _levels(fw.levels)
    bands = fw.bands.groupby("measure").size().to_dict()
    info: dict[str, dict] = {}
    for m in _records(fw.measures):
        info.setdefault(m["measure"], {"order": len(info), "kind": m["kind"], "label_es": m.get("label_es"),
                                       "domain_label_es": m.get("domain_label_es"), "bands": int(bands[m["measure"]]) if m["measure"] in bands else None,
                                       "points_min": m["points_min"], "points_max": m["points_max"]})
    rules = {r["rule"]: (r["label"], r.get("label_es")) for r in _records(fw.rules)}
    meta = {"name": fw.name, "name_es": fw.name_es, "score_max": fw.score_max, "rules": rules,
            "decimals": fw.score_decimals,
            "model_levels": {m: _levels(g) for m, g in fw.model_levels.groupby("model", sort=False)}}
    return levels, info, meta


def load_year(con: duckdb.DuckDBPyConnection, school_year: str, privacy: Privacy | None = None) -> YearData:
    """Read every table this year's scorecards need, once, and split it per school.

    Growth gets complementary suppression here (``protect_growth``): the stored table has only
    the primary rule, and its groups add up to all students like the indicators' do.
    """
    results = _read(con, "indicator_results", school_year)
    # the trend runs up to this year: a past year re-rendered later shows what its page showed then
    history = con.execute(
        "SELECT school_year, cds, indicator, origin, status FROM indicator_results "
        "WHERE rtype = 'S' AND school_year <= ? AND student_group = CASE indicator "
        + "".join(f"WHEN '{k}' THEN '{g}' " for k, g in INDICATOR_POPULATION.items())
        + "ELSE 'ALL' END ORDER BY school_year", [school_year]
    ).df() if table_exists(con, "indicator_results") else pd.DataFrame()
    climate = _read(con, "climate", school_year)
    if len(climate):
        climate = climate[climate["level"] == "domain"]
    codebook = read_table(con, "validated_survey_codebook", {"school_year": school_year})
    levels, measure_info, framework = _framework_info()
    data = YearData(
        directory=read_table(con, "validated_directory", {"school_year": school_year}),
        enrollment=read_table(con, "validated_enrollment", {"school_year": school_year}),
        results=results, history=history,
        rating=_read(con, "school_rating", school_year),
        measures=_read(con, "rating_measures", school_year),
        equity=_read(con, "equity_index", school_year),
        equity_components=_read(con, "equity_components", school_year),
        growth=protect_growth(_read(con, "growth", school_year), privacy or load_settings().privacy),
        climate=climate,
        levels=levels, measure_info=measure_info, framework=framework,
    )
    if len(codebook):
        # one order of domains for every respondent group (the codebook's first mention), so the
        # same theme sits on the same line for students, families and staff
        book = codebook.sort_values("source_line") if "source_line" in codebook.columns else codebook
        first: dict[str, int] = {}
        for r in _records(book):
            first.setdefault(r["domain"], len(first))
            data.domains.setdefault((r["respondent_group"], r["domain"]),
                                    {"order": first[r["domain"]], "es": r.get("domain_es")})
    if len(results):
        data.indicators = frozenset(results["indicator"].dropna().unique())
    if len(data.equity):
        data.ranked_schools = int(data.equity["tier"].notna().sum())
    _split(data)
    return data


def _split(data: YearData) -> None:
    """Fill ``data.by_school``: each table's rows of each school, as records."""
    by: dict[str, dict] = {}

    def rec(cds: str) -> dict:
        if cds not in by:
            by[cds] = _new_school()
        return by[cds]

    for r in _records(data.results):
        rec(r["cds"])["rows"].append(r)
    for r in _records(_preferred(data.results)):
        rec(r["cds"])["results"][(r["indicator"], r["student_group"])] = r
    if len(data.history):
        hist = _preferred(data.history.assign(student_group="ALL")).sort_values("school_year", kind="stable")
        for r in _records(hist):
            rec(r["cds"])["history"].setdefault(r["indicator"], []).append(r)
    for r in _records(data.enrollment):
        rec(r["cds"])["enrollment"][r["student_group"]] = r["enrollment"]
    for r in _records(data.rating):
        rec(r["cds"])["rating"] = r
    missing: dict[str, list[str]] = {}
    configured = 0
    if len(data.equity_components):
        configured = int(data.equity_components["component"].nunique())
        for r in _records(data.equity_components.sort_values("component", kind="stable")):
            if r["value"] is None:
                missing.setdefault(r["cds"], []).append(r["component"])
    for r in _records(data.equity):
        # the index is computed on the components a school has: the page says which it lacks
        rec(r["cds"])["equity"] = {**r, "missing": missing.get(r["cds"], []), "components": configured}
    order = data.measure_info
    for r in sorted(_records(data.measures),
                    key=lambda r: (order.get(r["measure"], {}).get("order", len(order)), r["domain"], r["measure"])):
        rec(r["cds"])["measures"].append(r)
    for r in _records(data.growth):
        rec(r["cds"])["growth"][(r["subject"], r["student_group"])] = r
    for r in _records(data.climate):
        rec(r["cds"])["climate"].append(r)
    data.by_school = by


def _preferred(rows: pd.DataFrame) -> pd.DataFrame:
    """CDE's published row when there is one, else the district's own computation."""
    if rows.empty:
        return rows
    rank = rows["origin"].map({"cde": 0, "district": 1}).fillna(2)
    key = ["school_year", "cds", "indicator", "student_group"]
    return rows.assign(_rank=rank).sort_values("_rank", kind="stable").drop_duplicates(key).drop(columns="_rank")
