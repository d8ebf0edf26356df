"""Deterministic generator of realistic sample exports for a California school district.

``generate(out_dir, scale, seed, years)`` writes the full input contract (the files and columns that
``schemas/district.py`` and ``schemas/dashboard.py`` check): the shared ``directory.csv`` and
``survey_codebook.csv``, per school year the district's student-level exports and, under
``dashboard/``, CDE Dashboard research files in the published tab-delimited layout.

The same seed always gives byte-identical files. Every random draw comes from a generator keyed by
(seed, purpose, year), so the files do not depend on the order things are generated in.

How the data are made (all vectorised with numpy; there is no Python loop over students):

* A *world* of counties, districts and schools (names, grade spans, size, poverty, demographics).
* A *population* simulated year by year, starting one year before the first requested year (a
  burn-in year that is not written, so the first year already has continuing students and prior
  Dashboard numbers). Each year students move up a grade, graduate after grade 12, leave, move to
  a school that serves their next grade (feeder) or transfer; every school's grades are then
  filled up to a target enrollment with new students (most of them in the entry grade). A student
  keeps one 10-digit SSID for life.
* Each student has persistent latent traits: a general ability with ELA- and math-specific parts
  (prior-year scores predict current scores, r ~ 0.8, and ELA and math correlate), an absence and
  a discipline propensity. Outcomes shift with school poverty, SED, disability, foster and
  homeless status, English-learner status (through lower English ability and reclassification of
  the stronger students), and ethnicity, so gaps between groups look like California's.
* Dashboard rows for schools, the district(s) and the state are computed from the student records
  with CDE's rules: status ``round-half-up(100*numer/denom, 0.1)``, change from unrounded rates,
  levels, colours and boxes by CDE's rules as ``config/`` states them (``cut_scores.csv``,
  ``color_grid.csv``, ``dashboard_rules.csv``, the files the scoring reads: suspension's cut set by
  the row's ``type``, the small-denominator rule in ``smalldenom``, one grid per indicator, the
  groups CDE never colours), n-size and ``*`` privacy marks. All rounding is integer arithmetic
  (half away from zero), never float ``round``.
* When only part of a district is generated (``tiny`` and ``demo``: a network of high-need
  schools inside a large district), the district row is synthetic, with plausible large-district
  values; the state row is synthetic except at ``state`` scale, where it is the aggregate.

The modules, in the order the data are made:

=====================  ==========================================================================
``scales``             the scales (``tiny``, ``demo``, ``district``, ``state``) and curated schools
``codes``              grades, ethnicity, language status, student groups, calendar, school years
``parameters``         the model's parameters and the keyed random generators
``names``              counties, name pools, streets
``world``              counties, districts and schools with their directory columns and effects
``population``         students simulated year by year, with their persistent traits
``outcomes``           one year's records: enrolment, absences, suspensions, tests, ELPI, graduation
``district_exports``   directory, enrollment, assessment, attendance and community files
``public_files``       the directory and enrollment in CDE's public layouts (``layout="public"``)
``survey``             survey codebook, responses and invitations
``dashboard_counts``   Dashboard counts per school, district and state and student group
``synthetic``          counts of the district and state rows that are not simulated
``dashboard_rules``    CDE's rules from ``config/`` (``pipeline.dashboard_config``); CDE's rounding
``dashboard_files``    the research files' rows and layout
``writers``            writing files; column and number formats
``state_files``        CAASPP, ELPAC and CALPADS files in the state's layouts (``state_headers``)
=====================  ==========================================================================
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.config import CONFIG_DIR
from pipeline.sample.codes import DASHBOARD_INDICATORS, parse_year
from pipeline.sample.dashboard_counts import aggregate
from pipeline.sample.dashboard_files import check_rules, dashboard_columns, dashboard_frame, dashboard_meta
from pipeline.sample.dashboard_rules import load_rules
from pipeline.sample.district_exports import (
    write_assessment, write_attendance, write_community, write_directory, write_enrollment,
)
from pipeline.sample.outcomes import elpi_students, language_statuses, year_records
from pipeline.sample.population import Simulator
from pipeline.sample.public_files import write_census_enrollment, write_overrides, write_public_schools
from pipeline.sample.scales import SCALES, ScaleSpec
from pipeline.sample.state_files import STATE_FILES, write_state_files
from pipeline.sample.survey import write_codebook, write_survey
from pipeline.sample.world import build_world
from pipeline.sample.writers import write_csv

__all__ = ["SCALES", "ScaleSpec", "generate", "DASHBOARD_INDICATORS", "dashboard_columns", "STUDENT_FILES"]

STUDENT_FILES = ("district", "state", "both")  # which student-level files a sample year gets
DISTRICT_STUDENT_FILES = ("assessment.csv", "attendance.csv")


def _remove_other_form(ydir: Path, student_files: str, counts: dict[str, int], label: str) -> None:
    """Leave only the student files of `student_files` in the year folder (and in `counts`)."""
    gone = {"district": STATE_FILES, "state": DISTRICT_STUDENT_FILES, "both": ()}[student_files]
    for name in gone:
        (ydir / name).unlink(missing_ok=True)
        counts.pop(f"{label}/{name}", None)


def generate(out_dir: str | Path, scale: str = "demo", seed: int = 2024,
             years: tuple[str, ...] = ("2021-22", "2022-23", "2023-24"),
             config_dir: str | Path = CONFIG_DIR, state_files: bool = False,
             layout: str = "own", student_files: str | None = None) -> dict[str, int]:
    """Write the full export set for `scale` into `out_dir`; return {relative file path: data rows}.

    Deterministic: the same (scale, seed, years) gives byte-identical files. `years` are school
    years like "2023-24"; the simulation runs every year from the one before the first to the
    last, and writes the requested ones. The Dashboard files' levels and colours follow the cut
    scores and colour grid of `config_dir` (the configuration the scoring uses by default).
    `student_files` says which student-level files each year gets (:data:`STUDENT_FILES`):
    ``district`` the district's own ``assessment.csv`` and ``attendance.csv``; ``state`` instead
    the state's files of the same students (CAASPP, ELPAC, CALPADS STAS, SELA, SPRG, SINF:
    :mod:`pipeline.sample.state_files`), as a California district downloads them; ``both`` the two
    (a run then scores the district's own files). Default ``district``; ``state_files=True`` is
    ``both``. The files of the other form left in `out_dir` by an earlier sample are removed, so a
    year folder never holds a stale form beside the one written.
    """
    student_files = student_files or ("both" if state_files else "district")
    if student_files not in STUDENT_FILES:
        raise ValueError(f"unknown student_files {student_files!r}; choose one of {', '.join(STUDENT_FILES)}")
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    if not years:
        raise ValueError("years must name at least one school year")
    spec = SCALES[scale]
    springs = sorted({parse_year(y) for y in years})
    rules = load_rules(config_dir)
    check_rules(rules, springs)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    world = build_world(spec, seed)
    counts: dict[str, int] = {}
    if layout == "public":
        counts["pubschls.txt"] = write_public_schools(world, out / "pubschls.txt")
        counts["directory_overrides.csv"] = write_overrides(world, out / "directory_overrides.csv")
    else:
        counts["directory.csv"] = write_directory(world, out / "directory.csv")
    counts["survey_codebook.csv"] = write_codebook(out / "survey_codebook.csv")
    meta = dashboard_meta(world)
    sim = Simulator(world, seed)
    prev_agg: dict[str, pd.DataFrame] | None = None
    prev_grad = None
    for spring in range(springs[0] - 1, springs[-1] + 1):
        sim.advance(spring)
        yd = year_records(sim, spring, prev_grad)
        prev_grad = yd.grad
        agg = aggregate(yd, world, spec, seed, config_dir)
        if spring in springs:
            label = yd.label
            ydir = out / label
            ydir.mkdir(parents=True, exist_ok=True)
            if layout == "public":
                name = f"cdenroll{label[2:4]}{label[5:7]}.txt"
                counts[f"{label}/{name}"] = write_census_enrollment(yd, world, ydir / name, Path(config_dir))
            else:
                counts[f"{label}/enrollment.csv"] = write_enrollment(yd, world, ydir / "enrollment.csv")
            # the state's files are written from the district's own (the same students), then those go
            counts[f"{label}/assessment.csv"] = write_assessment(yd, world, ydir / "assessment.csv")
            counts[f"{label}/attendance.csv"] = write_attendance(yd, world, ydir / "attendance.csv")
            nr, npop = write_survey(yd, world, seed, ydir)
            counts[f"{label}/survey_responses.csv"] = nr
            counts[f"{label}/survey_population.csv"] = npop
            counts[f"{label}/community.csv"] = write_community(yd, world, seed, ydir / "community.csv")
            if student_files != "district":
                written = write_state_files(ydir, spring, elpi_students(yd, world), config_dir,
                                            language_statuses(yd))
                counts.update({f"{label}/{n}": rows for n, rows in written.items()})
            _remove_other_form(ydir, student_files, counts, label)
            for ind in DASHBOARD_INDICATORS:
                name = f"{ind}download{spring}.txt"
                df = dashboard_frame(ind, agg[ind], prev_agg[ind] if prev_agg else None, meta, spring, rules)
                counts[f"{label}/dashboard/{name}"] = write_csv(df, ydir / "dashboard" / name, sep="\t", fast=False)
        prev_agg = agg
    return counts
