"""Score stage: every figure a scorecard shows, computed in DuckDB (SQL in pipeline/scoring/sql)."""

import dagster as dg

from assets.checks import matches_published, matches_published_result
from assets.metadata import preview
from assets.partitions import school_years
from assets.resources import ScorecardFiles
from pipeline import warehouse
from pipeline.config import load_settings, prior_school_year
from pipeline.ingest_store import read_notes
from pipeline.preview_report import write_preview_report
from pipeline.scoring.accountability import load_selected as load_accountability
from pipeline.scoring.accountability import score_accountability
from pipeline.scoring.attendance import score_attendance
from pipeline.scoring.climate import climate_item_report, score_climate
from pipeline.scoring.disclosure import disclose
from pipeline.scoring.equity import score_equity_tables
from pipeline.scoring.framework import rated_schools, score_framework
from pipeline.scoring.growth import growth_tables
from pipeline.scoring.indicators import disagreement_summary, disagreements, score_indicators
from pipeline.scoring.later_years import clear_stale, reprotect_next_year


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
        frame = score_attendance(con, year, load_settings())
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
    check_specs=[matches_published],
)
def indicator_results(context: dg.AssetExecutionContext, files: ScorecardFiles):
    """Dashboard indicators for every school, LEA and student group: status recomputed from counts
    (rounded half away from zero to 0.1), change from unrounded rates, status and change levels,
    colour and box by CDE's rules as config/ states them (cut_scores.csv, color_grid.csv,
    dashboard_rules.csv), with the n-size rules (no status under 11 students, no colour under 30 in
    either year). CDE's published values are kept beside ours in the published_* columns. Table
    `indicator_results`; the district's own figures beside CDE's, each difference with its reason, in
    `<out>/<year>/validation/preview.html` and `preview_differences.csv`."""
    year = context.partition_key
    with files.warehouse() as con:
        settings = load_settings()
        computed = score_indicators(con, year, settings)
        last_year = warehouse.read_table(con, "indicator_results", {"school_year": prior_school_year(year)})
        frame = disclose("indicator_results", computed, settings.privacy, last_year=last_year)
        warehouse.replace_rows(con, "indicator_results", frame, {"school_year": year})
        clear_stale(con, year, "indicator_results")
        rehidden = reprotect_next_year(con, "indicator_results", year)
        published = read_notes(con, year, "cde_status")
        preview_paths = write_preview_report(con, year, files.year_dir(year))
    diffs = disagreements(computed)
    yield matches_published_result(computed, diffs, disagreement_summary(computed, diffs), published)
    yield dg.MaterializeResult(metadata={
        "rows": len(frame),
        "indicators": ", ".join(sorted(frame["indicator"].unique())),
        "suppressed_rows": int(frame["suppressed"].sum()),
        "complementary_suppressed": int((frame["note"] == "complementary").sum()),
        "top_bottom_coded": int(frame["status_bound"].notna().sum()),
        "coloured_rows": int((frame["color"] > 0).sum()),
        "next_year_prior_cells_hidden": rehidden,
        "cut_set_undecided": int(frame["cut_set_undecided"].sum()),
        "dashboard_preview": dg.MetadataValue.path(str(preview_paths["preview_html"])),
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
    empirical-Bayes estimate that shrinks small groups. No figure under 11 growth scores, and none that follows from the others by subtraction.
    Tables `growth` and `growth_model` (the fitted coefficients)."""
    year = context.partition_key
    with files.warehouse() as con:
        settings = load_settings()
        frame, model = growth_tables(con, year, settings)
        # disclosure control before storing: growth.parquet is published as stored; last year's
        # table as stored says which prior-year figures were hidden then
        last_year = warehouse.read_table(con, "growth", {"school_year": prior_school_year(year)})
        frame = disclose("growth", frame, settings.privacy, last_year=last_year)
        warehouse.replace_rows(con, "growth", frame, {"school_year": year})
        clear_stale(con, year, "growth")
        rehidden = reprotect_next_year(con, "growth", year)
        warehouse.replace_rows(con, "growth_model", model, {"school_year": year})
    lea = frame[(frame.rtype == "D") & (frame.student_group == "ALL")] if len(frame) else frame
    return dg.MaterializeResult(metadata={
        "rows": len(frame),
        "students_with_growth_scores": int(lea["n"].fillna(0).sum()) if len(lea) else 0,
        "suppressed_rows": int(frame["suppressed"].sum()) if len(frame) else 0,
        "next_year_prior_cells_hidden": rehidden,
        "model": dg.MetadataValue.md(model.round(3).to_markdown(index=False) if len(model) else "(no prior-year scores)"),
    })


@dg.asset(
    group_name="score",
    partitions_def=school_years,
    deps=_ingested("survey_responses", "survey_codebook", "survey_population", "directory"),
    kinds={"duckdb"},
    pool="warehouse",
)
def climate(context: dg.AssetExecutionContext, files: ScorecardFiles) -> dg.MaterializeResult:
    """School climate survey: percent favorable (agree and strongly agree; reverse-coded items
    counted the other way, from the codebook) per school, respondent group (students, parents,
    staff), domain and item, with response rates and the district figure beside each school's.
    No figure for fewer than 10 respondents. Table `climate`."""
    year = context.partition_key
    with files.warehouse() as con:
        settings = load_settings()
        frame = disclose("climate", score_climate(con, year, settings, true_counts=True), settings.privacy)
        report = climate_item_report(con, year)
        warehouse.replace_rows(con, "climate", frame, {"school_year": year})
    left_out = report[report["problem"] != "not_answered"] if len(report) and "problem" in report else report
    return dg.MaterializeResult(metadata={
        "rows": len(frame),
        "suppressed_rows": int(frame["suppressed"].sum()) if len(frame) else 0,
        "answers_left_out": dg.MetadataValue.md(left_out.to_markdown(index=False) if len(left_out) else "none"),
    })


@dg.asset(
    group_name="score",
    partitions_def=school_years,
    deps=["attendance", "indicator_results",
          *_ingested("community", "enrollment", "attendance", "directory")],
    kinds={"duckdb"},
    pool="warehouse",
)
def equity_index(context: dg.AssetExecutionContext, files: ScorecardFiles) -> dg.MaterializeResult:
    """Equity-need index (like LAUSD's SENI): each component from config/equity_index.yaml
    (unduplicated pupils, deepest poverty, test results, chronic absence, asthma, gun violence),
    its percentile rank across the year's schools, the weighted composite and its percentile, and
    the need tier (Highest, High, Moderate, Low, Lowest). Tables `equity_index` and
    `equity_components` (each component's value, percentile, weight and contribution)."""
    year = context.partition_key
    with files.warehouse() as con:
        index, components = score_equity_tables(con, year, load_settings())
        warehouse.replace_rows(con, "equity_index", index, {"school_year": year})
        warehouse.replace_rows(con, "equity_components", components, {"school_year": year})
    return dg.MaterializeResult(metadata={
        "schools": len(index),
        "tiers": dg.MetadataValue.md(index["tier"].value_counts().rename_axis("tier").reset_index()
                                     .to_markdown(index=False) if len(index) else "none"),
    })


@dg.asset(
    group_name="score",
    partitions_def=school_years,
    deps=["indicator_results", "growth", "climate", "equity_index", "validated_directory"],
    kinds={"duckdb"},
    pool="warehouse",
)
def school_rating(context: dg.AssetExecutionContext, files: ScorecardFiles) -> dg.MaterializeResult:
    """Overall rating under the framework config/framework.yaml selects (by default the CORE-style
    index of config/frameworks/core.yaml: 60 % academic, 40 % culture-climate): each measure's
    value, points, weight after reallocation, contribution and the rule that applied; the school's
    score and level (after the framework's rules), the district and same-need-tier peer averages,
    the school's percentile among its peers, and the improvement each measure needs to reach its
    next band. Beside it, the state's accountability framework (California's by default): Dashboard
    colours per indicator and student group, and the schools, groups and district meeting ESSA
    CSI/ATSI and Differentiated Assistance criteria. Tables `school_rating`, `rating_measures`,
    `accountability_colors` and `accountability_support`."""
    year = context.partition_key
    with files.warehouse() as con:
        rating, measures = score_framework(con, year, rated_schools(con, year))
        colors, support = score_accountability(con, year, load_accountability())
        warehouse.replace_rows(con, "school_rating", rating, {"school_year": year})
        warehouse.replace_rows(con, "rating_measures", measures, {"school_year": year})
        if len(colors):
            warehouse.replace_rows(con, "accountability_colors", colors, {"school_year": year})
            warehouse.replace_rows(con, "accountability_support", support, {"school_year": year})
    return dg.MaterializeResult(metadata={
        "framework": str(rating["framework"].iloc[0]) if len(rating) else "",
        "support": dg.MetadataValue.md(support.groupby("designation").size().rename("rows").reset_index()
                                       .to_markdown(index=False) if len(support) else "none"),
        "schools_rated": int(rating["rated"].sum()),
        "district_average": float(rating["district_average"].dropna().iloc[0]) if rating["score"].notna().any() else 0.0,
        "levels": dg.MetadataValue.md(rating["level_label"].value_counts().rename_axis("level").reset_index()
                                      .to_markdown(index=False) if len(rating) else "none"),
        "rules_applied": int(rating["rules_applied"].notna().sum()),
    })


@dg.asset(
    group_name="score",
    partitions_def=school_years,
    deps=["attendance", "indicator_results", "growth", "climate", "equity_index", "school_rating"],
    kinds={"parquet"},
    pool="warehouse",
)
def published_tables(context: dg.AssetExecutionContext, files: ScorecardFiles) -> dg.MaterializeResult:
    """The scored tables (all years; suppressed, no student identifiers) as Parquet files under
    `<out>/parquet/`, for BI tools and notebooks: they read these without touching the warehouse
    file, so a run that is writing never blocks them."""
    with files.warehouse(read_only=True) as con:
        rows = warehouse.export_parquet(con, files.out / "parquet")
    return dg.MaterializeResult(metadata={
        "folder": dg.MetadataValue.path(str(files.out / "parquet")),
        **{f"rows_{table}": n for table, n in rows.items()},
    })
