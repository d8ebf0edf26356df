"""Rating 10,000 schools under a framework: the time the engine takes (DuckDB SQL), printed.

    python -m benchmarks.frameworks [--schools 10000] [--repeats 5] [--seed 2024]

Synthetic scored tables (indicator_results for every school and 8 student groups, growth and
climate) are built in an in-memory DuckDB once; each repeat then rates every school, as the
`school_rating` asset does: the default CORE-style framework (config/frameworks/core.yaml), a
points framework using every feature of the language (two school models, enrollment-weighted
programs, named reallocation, a gate, deductions, the worst of several groups, rules on the
measures and earlier years), and California's accountability (colours and support criteria).
Figures: median, fastest and slowest wall time of the repeats, the median CPU time (all threads)
and schools per second, with the machine's load average before and after.
Target (issue #18): 10,000 schools under 2 s.
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import yaml

from pipeline.frameworks import load_framework
from pipeline.scoring.accountability import load_selected, score_accountability
from pipeline.scoring.framework import score_framework

YEAR = "2023-24"
GROUPS = ["ALL", "AA", "HI", "WH", "AS", "EL", "SED", "SWD"]
INDICATORS = {"ela": (-60, 40), "math": (-80, 45), "elpi": (50, 12), "grad": (88, 8), "chronic": (18, 9),
              "susp": (3, 2), "part": (96, 3)}


def tables(con: duckdb.DuckDBPyConnection, schools: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cds = [f"{19000000000000 + i:014d}" for i in range(schools)]
    rows = []
    for ind, (mean, sd) in INDICATORS.items():
        for g in GROUPS:
            n = rng.integers(5, 400, schools)
            status = np.round(rng.normal(mean, sd, schools), 1)
            color = rng.integers(1, 6, schools) * (n >= 30)
            rows.append(pd.DataFrame({"cds": cds, "student_group": g, "indicator": ind, "n": n, "status": status,
                                      "prior_status": np.round(status + rng.normal(0, 2, schools), 1),
                                      "color": color, "status_level": color, "change_level": 3}))
    ind = pd.concat(rows).assign(school_year=YEAR, rtype="S", origin="district", change=0.0)
    growth = pd.DataFrame({"cds": np.repeat(cds, 2), "subject": ["ELA", "MATH"] * schools,
                           "eb_estimate": rng.normal(0, 8, 2 * schools), "n": rng.integers(5, 300, 2 * schools)})
    growth = growth.assign(school_year=YEAR, rtype="S", student_group="ALL", mean=growth.eb_estimate)
    climate = pd.DataFrame({"cds": np.repeat(cds, 6), "respondent_group": ["student", "parent"] * 3 * schools,
                            "percent_favorable": rng.uniform(40, 95, 6 * schools),
                            "respondents": rng.integers(0, 300, 6 * schools)})
    climate = climate.assign(school_year=YEAR, rtype="S", level="domain", suppressed=False)
    for name, frame in (("indicator_results", ind), ("growth", growth), ("climate", climate)):
        con.register("f", frame)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM f")
        con.unregister("f")
    kinds = rng.choice(["ES", "MS", "HS"], schools)
    return pd.DataFrame({"cds": cds, "peer_tier": rng.choice(["High", "Low"], schools), "school_type": kinds})


def full_language(folder: Path) -> Path:
    """A framework using every feature of the language (written as a district would)."""
    def m(mid, ind, w, **kw):
        return {"id": mid, "label": mid, "source": {"table": "indicator_results", "indicator": ind}, "weight": w,
                "higher_is_better": ind not in ("chronic", "susp"), "min_n": 11,
                "cuts": [-50, -25, 0, 25] if ind in ("ela", "math") else (
                    [25, 15, 8, 4] if ind in ("chronic", "susp") else [60, 75, 85, 92]),
                "points": [1, 2, 3, 4, 5], **kw}
    part = {"table": "indicator_results", "indicator": "part"}
    elem = [{"id": "academic", "weight": 70, "measures": [
                m("ela", "ela", 25, deduct=[{"source": part, "below": 95, "points": 1}], missing={"to": "math"}),
                m("math", "math", 25, required=True),
                {**m("lowest", "ela", 20), "source": {"table": "indicator_results", "indicator": "ela",
                                                      "group": {"worst_of": ["AA", "HI", "WH", "AS"]}}}]},
            {"id": "culture", "weight": 30, "measures": [m("chronic", "chronic", 15, missing={"split": ["susp", "ela"]}),
                                                         m("susp", "susp", 15)]}]
    high = [{"id": "all", "weight": 100, "measures": [m("grad", "grad", 50), m("ela", "ela", 25), m("math", "math", 25)]}]
    (folder / "programs.csv").write_text("cds,model,enrollment\n19000000000000,elementary,300\n19000000000000,high,100\n")
    body = {"name": "Full language", "score": {"round": {"decimals": 1, "rule": "half_up"}, "min_weight_present": 50},
            "levels": [{"level": i + 1, "label": f"L{i + 1}", "min": v} for i, v in enumerate([0, 2, 3, 3.5, 4])],
            "models": {"by": "school_type", "programs": "programs.csv", "list": [
                {"id": "elementary", "match": ["ES", "MS"], "domains": elem},
                {"id": "high", "match": "HS", "domains": high}]},
            "rules": [{"id": "path", "at_least": 3, "when": [{"measure": "ela", "points_at_least": 5}]},
                      {"id": "cap", "at_most": 2, "when": [{"measure": "math", "points_at_most": 1}]},
                      {"id": "history", "at_most": 2, "when": [{"previous_levels_at_most": 1, "years": 2}]}]}
    path = folder / "full.yaml"
    path.write_text(yaml.safe_dump(body, sort_keys=False))
    return path


def timed(fn, repeats: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds (every thread of the process: DuckDB's included) of each repeat."""
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--schools", type=int, default=10_000)
    args.add_argument("--repeats", type=int, default=5)
    args.add_argument("--seed", type=int, default=2024)
    a = args.parse_args(argv)
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    con = duckdb.connect()
    start = time.perf_counter()
    schools = tables(con, a.schools, a.seed)
    print(f"synthetic tables for {a.schools:,} schools built in {time.perf_counter() - start:.2f} s "
          f"({con.execute('SELECT count(*) FROM indicator_results').fetchone()[0]:,} indicator rows)")
    with tempfile.TemporaryDirectory() as tmp:
        runs = {"core (default)": load_framework(), "full language": load_framework(full_language(Path(tmp)))}
        print(f"{'framework':<28} {'median':>8} {'fastest':>8} {'slowest':>8} {'CPU':>7} {'schools/s':>10}  rated")
        ca = load_selected()
        for name, fw in [*runs.items(), ("california accountability", ca)]:
            result = {}
            if fw is ca:
                times, cpu = timed(lambda: result.update(r=score_accountability(con, YEAR, ca)[1]), a.repeats)
                rated = f"{len(result['r']):,} support rows"
            else:
                times, cpu = timed(lambda fw=fw: result.update(r=score_framework(con, YEAR, schools, fw)[0]),
                                   a.repeats)
                rated = f"{int(result['r']['rated'].sum()):,}"
            med = statistics.median(times)
            print(f"{name:<28} {med:>7.2f}s {min(times):>7.2f}s {max(times):>7.2f}s {statistics.median(cpu):>6.2f}s "
                  f"{a.schools / med:>10,.0f}  {rated}")
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
