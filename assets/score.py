"""Score stage: every figure a scorecard shows, computed in DuckDB (SQL in pipeline/scoring/sql)."""

import dagster as dg

from assets.ingest import preview
from pipeline import scoring, warehouse
from pipeline.config import load_settings
from pipeline.partitions import school_years
from pipeline.resources import ScorecardFiles
from pipeline.scoring.growth import growth_tables
from pipeline.scoring.privacy import protect_results


def _ingested(*names: str) -> list[str]:
    return [f"validated_{n}" for n in names]


@dg.asset(
    group_name="score",
    partitions_def=school_years,
    deps=_ingested("attendance", "directory"),
    kinds={"duckdb"},
    pool="warehouse",
)
def attendance(context: dg.AssetExecutionContext, files: ScorecardFiles) -> dg.MaterializeResult:
    """Chronic absenteeism and attendance rate by school, district and student group, from the
    student-level attendance export as the Dashboard defines it: eligible when enrolled at least
    31 days, chronic when absent at least 10 % of the days enrolled (both in config/settings.yaml).
    Table `attendance`."""
    year = context.partition_key
    with files.warehouse() as con:
        frame = scoring.score_attendance(con, year, load_settings())
        warehouse.replace_rows(con, "attendance", frame, {"school_year": year})
    district_all = frame[(frame.rtype == "D") & (frame.student_group == "ALL")]
    return dg.MaterializeResult(metadata={
        "rows": len(frame),
        "schools": int(frame.loc[frame.rtype == "S", "cds"].nunique()),
        "district_eligible": int(district_all["eligible"].sum()),
        "district_chronic": int(district_all["chronic"].sum()),
        "preview": preview(frame[frame.student_group == "ALL"], []),
    })


@dg.asset(
    group_name="score",
    partitions_def=school_years,
    deps=["attendance", *_ingested("directory", "dashboard_chronic", "dashboard_susp", "dashboard_grad",
                                   "dashboard_cci", "dashboard_ela", "dashboard_math", "dashboard_elpi")],
    kinds={"duckdb"},
    pool="warehouse",
    check_specs=[dg.AssetCheckSpec(
        "matches_published", asset="indicator_results",
        description="Our status, change, levels, colour and box equal CDE's published values on every row.",
    )],
)
def indicator_results(context: dg.AssetExecutionContext, files: ScorecardFiles):
    """Dashboard indicators for every school, LEA and student group: status recomputed from counts
    (rounded half away from zero to 0.1), change from unrounded rates, status and change levels
    from config/cut_scores.csv, colour from config/color_grid.csv and the box, with the n-size rules
    (no status under 11 students, no colour under 30 in either year). CDE's published values are
    kept beside ours in the published_* columns. Table `indicator_results`."""
    year = context.partition_key
    with files.warehouse() as con:
        settings = load_settings()
        computed = scoring.score_indicators(con, year, settings)
        frame = protect_results(computed, settings.privacy)
        warehouse.replace_rows(con, "indicator_results", frame, {"school_year": year})
    diffs = scoring.disagreements(computed)
    yield dg.AssetCheckResult(
        check_name="matches_published", passed=diffs.empty,
        metadata={"rows_compared": int(computed["published_status_level"].notna().sum()),
                  "disagreements": len(diffs),
                  "examples": dg.MetadataValue.md(diffs.head(10).to_markdown(index=False) if len(diffs) else "none")},
    )
    yield dg.MaterializeResult(metadata={
        "rows": len(frame),
        "indicators": ", ".join(sorted(frame["indicator"].unique())),
        "suppressed_rows": int(frame["suppressed"].sum()),
        "complementary_suppressed": int((frame["note"] == "complementary").sum()),
        "top_bottom_coded": int(frame["status_bound"].notna().sum()),
        "coloured_rows": int((frame["color"] > 0).sum()),
        "cut_set_undecided": int(frame["cut_set_undecided"].sum()),
        "preview": preview(frame[(frame.student_group == "ALL")].drop(columns=[c for c in frame if c.startswith("published_")]), []),
    })


@dg.asset(
    group_name="score",
    partitions_def=school_years,
    deps=_ingested("assessment", "directory"),
    kinds={"duckdb"},
    pool="warehouse",
)
def growth(context: dg.AssetExecutionContext, files: ScorecardFiles) -> dg.MaterializeResult:
    """Student growth by school, LEA, subject and student group: CDE's residual-gain model (each
    student's score minus the score expected from last year's ELA and math scores, fitted per
    subject and grade 4-8), with n, mean, standard error, 95 % interval and a two-year
    empirical-Bayes estimate that shrinks small groups. No figure under 11 growth scores.
    Tables `growth` and `growth_model` (the fitted coefficients)."""
    year = context.partition_key
    with files.warehouse() as con:
        frame, model = growth_tables(con, year, load_settings())
        warehouse.replace_rows(con, "growth", frame, {"school_year": year})
        warehouse.replace_rows(con, "growth_model", model, {"school_year": year})
    lea = frame[(frame.rtype == "D") & (frame.student_group == "ALL")] if len(frame) else frame
    return dg.MaterializeResult(metadata={
        "rows": len(frame),
        "students_with_growth_scores": int(lea["n"].fillna(0).sum()) if len(lea) else 0,
        "suppressed_rows": int(frame["suppressed"].sum()) if len(frame) else 0,
        "model": dg.MetadataValue.md(model.round(3).to_markdown(index=False) if len(model) else "(no prior-year scores)"),
    })
