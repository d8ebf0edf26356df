"""The overall rating of the framework the district chose (``config/framework.yaml``), in DuckDB.

:mod:`pipeline.frameworks` reads and checks the framework's YAML; this module registers it as
small tables, reads each measure's source from the warehouse and runs ``sql/framework_*.sql``:
values, deductions, points, weights (reallocation), then the rating and its rules. It returns
``school_rating`` (one row per school) and ``rating_measures`` (one row per school, model and
measure: value, points, weight after reallocation, contribution and the rule that applied).
"""
from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.config import ConfigError
from pipeline.frameworks import RatingFramework, load_framework
from pipeline.frameworks.sources import Source
from pipeline.warehouse import columns, quote, table_exists

__all__ = ["load_framework", "score_framework", "framework_schools", "rated_schools", "MEASURE_COLUMNS"]

MEASURE_COLUMNS = [
    "school_year", "cds", "model", "share", "domain", "domain_label", "measure", "label", "higher_is_better",
    "student_group", "value", "n", "missing_reason", "index_level", "points", "points_min", "points_max",
    "deducted", "deduction_rule", "weight", "effective_weight", "contribution", "rule", "reallocation", "related",
    "next_cut", "next_points",
    "improvement_needed",
]


def _register(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
    con.register(f"_{name}", frame)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _{name}")
    con.unregister(f"_{name}")


def framework_schools(fw: RatingFramework, schools: pd.DataFrame) -> pd.DataFrame:
    """``cds, model, share, peer_tier``: each school's model (one row per program), from the column
    the framework names (``models.by``) and its programs file (enrollment shares). A school's
    programs must share one level scale."""
    base = schools[["cds", "peer_tier"]].copy()
    if fw.model_by is None:
        return base.assign(model="all", share=1.0)
    if fw.model_by not in schools.columns:
        raise ConfigError(f"{fw.file}: models.by: the school directory has no column '{fw.model_by}'")
    lookup = dict(zip(fw.models["value"], fw.models["model"]))
    out = base.assign(model=schools[fw.model_by].astype("string").map(lookup), share=1.0)
    if fw.programs is not None:
        prog = pd.read_csv(fw.programs, dtype={"cds": str})
        missing = {"cds", "model", "enrollment"} - set(prog.columns)
        if missing:
            raise ConfigError(f"{fw.programs.name}: missing column(s) {', '.join(sorted(missing))}")
        unknown = sorted(set(prog["model"]) - set(fw.models["model"]))
        if unknown:
            raise ConfigError(f"{fw.programs.name}: column model: '{unknown[0]}' is not a model of {fw.file}")
        prog["share"] = prog["enrollment"] / prog.groupby("cds")["enrollment"].transform("sum")
        for cds, rows in prog.groupby("cds", sort=False):
            if not fw.same_scale(list(rows["model"])):
                raise ConfigError(f"{fw.programs.name}: row {int(rows.index[-1]) + 2}, column model: school {cds}'s "
                                  f"programs are graded on different level scales ({', '.join(rows['model'])}); "
                                  "a school has one level")
        prog = prog.merge(base, on="cds")
        out = pd.concat([out[~out["cds"].isin(prog["cds"])], prog[["cds", "peer_tier", "model", "share"]]])
    return out.reset_index(drop=True)


def rated_schools(con: duckdb.DuckDBPyConnection, school_year: str) -> pd.DataFrame:
    """The year's schools with their equity tier (the peer group) and directory columns (the
    attribute that chooses a school model)."""
    from pipeline.scoring import sql

    return con.execute(sql("framework_schools"), [school_year]).df()


def _source_sql(con: duckdb.DuckDBPyConnection, fw: RatingFramework, key: str, src: Source) -> tuple[str, dict]:
    """The SELECT of one source, its names checked against the table, its values bound."""
    from pipeline.scoring import sql

    present = set(columns(con, src.table))
    where = f"{fw.file}: source table {src.table}"
    for col in (*src.columns, *([src.n] if src.n else []), *(k for k, _ in src.where)):
        if col not in present:
            raise ConfigError(f"{where}: no column '{col}' (columns: {', '.join(sorted(present))})")
    params: dict = {"source_key": key}
    filters = ""
    if "student_group" in present and src.group is not None:
        params["group"] = src.group
        filters += " AND student_group = $group"
    elif "student_group" in present and src.group_pick is not None:
        params["groups"] = list(src.group_list)
        filters += " AND list_contains($groups, student_group)"
    for i, (col, value) in enumerate(src.where):
        params[f"p{i}"] = value
        filters += f" AND {quote(col)} = $p{i}"
    value = "coalesce(" + ", ".join(quote(c) for c in src.columns) + ")" if len(src.columns) > 1 else quote(src.columns[0])
    text = sql("framework_source").format(
        table=quote(src.table), value=value, n=quote(src.n) if src.n else "NULL",
        group=quote("student_group") if "student_group" in present else "NULL::VARCHAR",
        rank="CASE origin WHEN 'cde' THEN 0 ELSE 1 END" if "origin" in present else "0",
        schools_only="AND rtype = 'S'" if "rtype" in present else "", filters=filters)
    return text, params


def _read_sources(con: duckdb.DuckDBPyConnection, fw: RatingFramework, school_year: str) -> None:
    con.execute("CREATE OR REPLACE TEMP TABLE framework_raw (source_key VARCHAR, cds VARCHAR, student_group VARCHAR, "
                "value DOUBLE, n DOUBLE, pick_rank INTEGER)")
    for key, src in fw.sources.items():
        if not table_exists(con, src.table):
            continue  # a scored table not built (yet): its measures have no data
        text, params = _source_sql(con, fw, key, src)
        con.execute(f"INSERT INTO framework_raw {text}", {**params, "school_year": school_year})
    _register(con, "framework_sources", pd.DataFrame([
        {"source_key": k, "student_group": s.group, "group_pick": s.group_pick,
         "group_list": list(s.group_list), "aggregate": s.aggregate} for k, s in fw.sources.items()]))


def _history(con: duckdb.DuckDBPyConnection, fw: RatingFramework, school_year: str) -> pd.DataFrame:
    """Earlier years' levels under this framework, for rules on earlier years."""
    empty = pd.DataFrame({"cds": pd.Series(dtype=str), "school_year": pd.Series(dtype=str),
                          "level": pd.Series(dtype="Int64")})
    if not table_exists(con, "school_rating") or "framework" not in columns(con, "school_rating"):
        return empty
    return con.execute("SELECT cds, school_year, level FROM school_rating WHERE framework = ? AND school_year < ? "
                       "AND level IS NOT NULL", [fw.name, school_year]).df()


def score_framework(con: duckdb.DuckDBPyConnection, school_year: str, schools: pd.DataFrame,
                    fw: RatingFramework | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(school_rating, rating_measures)`` for ``schools`` (cds, peer_tier and the column that
    chooses the school model, when the framework has models)."""
    from pipeline.scoring import sql

    fw = fw or load_framework()
    con.execute(sql("framework_macros"))
    # the words stay out of the per-school work and are joined once at the end (framework_explain.sql)
    measures = fw.measures.drop(columns=["label", "label_es", "domain_label", "domain_label_es", "kind"])
    _register(con, "framework_words", fw.measures[["model", "measure", "label", "domain_label"]])
    for name, frame in (("framework_schools", framework_schools(fw, schools)), ("framework_measures", measures),
                        ("framework_bands", fw.bands), ("framework_levels", fw.model_levels[["model", "level", "label", "min"]]),
                        ("framework_targets", fw.targets), ("framework_deductions", fw.deductions),
                        ("framework_rules", fw.rules), ("framework_conditions", fw.conditions),
                        ("framework_history", _history(con, fw, school_year))):
        _register(con, name, frame)
    _read_sources(con, fw, school_year)
    con.execute(f"CREATE OR REPLACE TEMP TABLE framework_values AS SELECT model, measure, cds, picked.* "
                f"FROM ({sql('framework_values')})")
    con.execute(f"CREATE OR REPLACE TEMP TABLE framework_deducted AS {sql('framework_deductions')}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE measure_points AS {sql('framework_measures')}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE measure_scores AS {sql('framework_weights')}",
                {"percent_of_max": fw.score_method == "percent_of_max"})
    rating = con.execute(sql("framework_rating"), {
        "school_year": school_year, "min_weight_present": fw.min_weight_present, "combine": fw.combine,
        "decimals": fw.score_decimals, "rounding": fw.score_rule,
    }).df()
    rating.insert(1, "framework", fw.name)
    scored = con.execute(sql("framework_explain")).df().assign(school_year=school_year)
    scored = scored[MEASURE_COLUMNS].sort_values(["cds", "model", "domain", "measure"]).reset_index(drop=True)
    return rating, scored
