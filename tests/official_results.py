"""The framework engine run on a state's or district's official published values (the
conformance tests of issue #18): each school's values as ``indicator_results`` rows of all
students, scored by ``score_framework`` with the school's model chosen by ``school_type``."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from pipeline.frameworks import load_framework
from pipeline.scoring.framework import score_framework


def rate_official_values(rows, school_types: pd.Series, framework_path: Path, school_year: str):
    """``rows``: (school, indicator code, value) of every published value; ``school_types``: each
    school's type, indexed by school. Returns (school_rating indexed by school, rating_measures)."""
    fw = load_framework(framework_path)
    values = pd.DataFrame([(cds, code, value, None, "ALL") for cds, code, value in rows],
                          columns=["cds", "indicator", "status", "n", "student_group"]).assign(
        school_year=school_year, rtype="S", origin="cde", change=None)
    con = duckdb.connect()
    con.register("v", values)
    con.execute("CREATE TABLE indicator_results AS SELECT * FROM v")
    schools = pd.DataFrame({"cds": school_types.index, "school_type": school_types.to_numpy(), "peer_tier": "T"})
    rating, measures = score_framework(con, school_year, schools, fw)
    return rating.set_index("cds"), measures
