"""The state's accountability framework in DuckDB: colours per indicator and student group, and
the schools, groups and districts that meet its support criteria (``sql/accountability_*.sql``).

The framework is the file ``config/framework.yaml`` names under ``accountability:`` (California's
by default). Colours come from ``indicator_results``, the district's own computation of the
Dashboard (CDE's published row preferred), so support can be previewed before CDE publishes.
"""
from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.config import CONFIG_DIR
from pipeline.frameworks import framework_file, selected
from pipeline.frameworks.accountability import COLORS, AccountabilityFramework, load_accountability
from pipeline.warehouse import table_exists


def load_selected(config_dir=CONFIG_DIR) -> AccountabilityFramework | None:
    """The accountability framework config/framework.yaml selects, or None."""
    name = selected(config_dir)["accountability"]
    return load_accountability(framework_file(name, config_dir, "accountability")) if name else None


def _describe(c: pd.DataFrame) -> pd.Series:
    def colours(cs) -> str:
        return " or ".join(COLORS[int(x)] for x in cs) if cs is not None else ""

    def one(r) -> str:
        if r.kind == "all_colors_in":
            return f"all {r.min_indicators}+ coloured indicators {colours(r.colors)}"
        if r.kind == "all_but_one_in":
            return f"all coloured indicators but one {colours(r.colors)}"
        if r.kind == "majority_in":
            return f"{r.min_indicators}+ coloured indicators, most {colours(r.colors)}"
        if r.kind == "indicators":
            return f"{r.indicator} {colours(r.colors)}"
        return f"{r.indicator} below {r.threshold:g} on average over two years"

    out = c.apply(one, axis=1)
    # a criterion on several indicators reads as one: "ela Red and math Orange"
    return out.groupby([c["designation"], c["criterion"]]).transform(" and ".join)


def score_accountability(con: duckdb.DuckDBPyConnection, school_year: str,
                         fw: AccountabilityFramework | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(accountability_colors, accountability_support)`` for the year; empty without a framework
    or without indicator results."""
    from pipeline.scoring import sql

    if fw is None or not table_exists(con, "indicator_results"):
        return pd.DataFrame(), pd.DataFrame()
    grid = (pd.read_csv(fw.grid) if fw.grid is not None
            else pd.DataFrame(columns=["status_level", "change_level", "color"]))
    if "indicator" not in grid.columns:
        grid["indicator"] = None
    criteria = fw.criteria.assign(description=_describe(fw.criteria))
    for name, frame in (("accountability_indicators", pd.DataFrame({"indicator": list(fw.indicators)})),
                        ("accountability_grid", grid[["indicator", "status_level", "change_level", "color"]]),
                        ("accountability_designations", fw.designations),
                        ("accountability_criteria", criteria)):
        con.register(f"_{name}", frame)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _{name}")
        con.unregister(f"_{name}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE acc_colors AS {sql('accountability_colors')}",
                {"school_year": school_year, "use_grid": fw.grid is not None})
    colors = con.execute("SELECT * FROM acc_colors").df()
    support = con.execute(sql("accountability_support"), {"school_year": school_year}).df()
    colors.insert(1, "framework", fw.name)
    support.insert(1, "framework", fw.name)
    return colors, support
