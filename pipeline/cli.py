"""The ``scorecards`` command: sample data and headless runs, recorded in the Dagster instance.

    scorecards sample --scale demo|district|state --seed N --out DIR [--layout own|public]
                      [--student-files district|state|both]
    scorecards run --year 2023-24 [--raw DIR] [--out DIR] [--schools CDS,...] [--force]
    scorecards deliver --year 2023-24 [--send --approved-by NAME]   e-mail each principal their school's PDFs
    scorecards status --year 2023-24             what was produced and delivered for a year
    scorecards docs            print the input reference generated from the pandera models
"""
from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import uuid
from pathlib import Path

from pipeline.config import PROJECT_ROOT

DAGSTER_HOME_DIR = PROJECT_ROOT / ".dagster_home"


def dagster_home() -> str:
    """``$DAGSTER_HOME``, else the project-local ``.dagster_home`` (made here, wired to the repo's dagster.yaml)."""
    home = os.environ.get("DAGSTER_HOME")
    if home:
        return home
    DAGSTER_HOME_DIR.mkdir(exist_ok=True)
    link = DAGSTER_HOME_DIR / "dagster.yaml"
    if not link.exists():
        link.symlink_to(Path("..") / "dagster.yaml")
    return str(DAGSTER_HOME_DIR)


def cmd_sample(args: argparse.Namespace) -> int:
    from pipeline.sample import generate

    started = time.perf_counter()
    student_files = args.student_files or ("both" if args.state_files else "district")
    counts = generate(args.out, scale=args.scale, seed=args.seed, layout=args.layout, student_files=student_files)
    print(f"wrote {len(counts)} files, {sum(counts.values()):,} rows to {args.out} "
          f"in {time.perf_counter() - started:.1f} s")
    return 0


def _failure_reason(result) -> str:
    """The first failure of a run in one line, in the words the step gave."""
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            data = event.event_specific_data
            user = getattr(data, "user_failure_data", None)
            if user is not None and user.description:
                return user.description
            err = getattr(data, "error", None)
            if err is not None and err.cls_name == "Stopped":  # assets/stop.py: the reason, as written
                return err.message.strip()
            if err is not None and "DagsterAssetCheckFailedError" in {err.cls_name, getattr(err.cause, "cls_name", None)}:
                break  # a blocking check failed: its own description says why (below)
            if err is not None:
                cause = err.cause or err
                return f"{event.step_key}: {cause.message.strip().splitlines()[0]}"
            return f"{event.step_key} failed"
    for event in result.all_events:
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            ev = event.event_specific_data
            if not ev.passed and ev.severity.value == "ERROR":
                return f"check {ev.check_name} failed on {ev.asset_key.to_user_string()}: {ev.description or ''}".strip()
    return "the run did not succeed; see the Dagster UI for details"


def cmd_run(args: argparse.Namespace) -> int:
    home = dagster_home()

    import dagster as dg
    from tqdm import tqdm

    from assets.definitions import defs
    from assets.resources import files_run_config
    from pipeline.config import load_settings
    from pipeline.folders import out_dir

    settings = load_settings()
    if args.year not in settings.school_years:
        print(f"scorecards run: unknown school year {args.year}; configured: {', '.join(settings.school_years)}",
              file=sys.stderr)
        return 2
    job = defs.resolve_job_def("yearly_scorecards")
    steps = len(job.nodes_in_topological_order)
    # $DAGSTER_HOME as Dagster itself reads it; the project's own folder directly, without setting it
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.from_config(home)
    run_id = str(uuid.uuid4())
    schools = [s.strip() for s in (args.schools or "").split(",") if s.strip()]
    run_config = {
        "ops": {"scorecards": {"config": {"schools": schools, "force": args.force}}},
        "loggers": {"console": {"config": {"log_level": "CRITICAL" if not args.verbose else "INFO"}}},
    }
    raw, out = (str(Path(folder).resolve()) if folder else None for folder in (args.raw, args.out))
    if raw or out:  # the folders of this run, as the files resource's run config (shown in the UI)
        run_config["resources"] = {"files": files_run_config(os.environ, raw_dir=raw, out_dir=out)}
    done = threading.Event()
    bar = tqdm(total=steps, desc=f"scorecards {args.year}", unit="step", disable=args.quiet)

    def follow() -> None:
        seen = 0
        kinds = {dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE, dg.DagsterEventType.STEP_SKIPPED}
        while not done.wait(0.5):
            try:
                n = sum(len(instance.get_records_for_run(run_id, of_type=k).records) for k in kinds)
            except Exception:  # storage busy; try again shortly
                continue
            if n > seen:
                bar.update(n - seen)
                seen = n

    watcher = threading.Thread(target=follow, daemon=True)
    watcher.start()
    try:
        result = job.execute_in_process(
            partition_key=args.year, instance=instance, run_config=run_config, raise_on_error=False,
            run_id=run_id, tags={"source": "scorecards-cli"},
        )
    finally:
        done.set()
        watcher.join()
        bar.update(steps - bar.n)
        bar.close()
    out = Path(out or out_dir(os.environ)) / args.year
    if not result.success:
        print(f"scorecards run {args.year} failed: {_failure_reason(result)}", file=sys.stderr)
        print(f"  validation report: {out / 'validation' / 'report.html'}", file=sys.stderr)
        return 1
    print(f"scorecards {args.year}: done (run {result.run_id[:8]} recorded in {home})")
    print(f"  scorecards:        {out / 'index.html'}")
    print(f"  validation report: {out / 'validation' / 'report.html'}")
    print(f"  warehouse:         {out.parent / 'scorecards.duckdb'}")
    for line in _run_warnings(out.parent / "scorecards.duckdb", args.year, settings):
        print(f"scorecards run {args.year}: warning: {line}", file=sys.stderr)
    return 0


def _run_warnings(warehouse_path: Path, year: str, settings) -> list[str]:
    """What a finished run should not keep quiet about: files mostly quarantined, fields that stop delivery."""
    from pipeline.directory_fields import year_field_problems
    from pipeline.warehouse import connect, table_exists

    lines = []
    with connect(warehouse_path, read_only=True) as con:
        if table_exists(con, "ingest_files"):
            threshold = settings.quarantine_warn_share
            for source, file, read, quarantined in con.execute(
                    "SELECT source, file, rows_read, rows_quarantined FROM ingest_files WHERE school_year = ? "
                    "AND rows_read > 0 ORDER BY source", [year]).fetchall():
                if quarantined / read > threshold:
                    lines.append(f"{file}: {quarantined / read:.1%} of its rows quarantined ({quarantined:,} of "
                                 f"{read:,}; threshold {threshold:.0%}, config/settings.yaml "
                                 "validation.quarantine_warn_share): see the validation report")
        for p in year_field_problems(con, year).to_dict("records"):
            what = "no valid address" if p["column"] == "principal_email" else p["column"]
            lines.append(f"{p['cds']} ({p['school']}): {what}: {p['reason']}")
    return lines


def cmd_deliver(args: argparse.Namespace) -> int:
    """E-mail principals (dry run unless --send) outside Dagster, with the same ledger."""
    from pipeline.delivery import MailerError, ReleaseRefused, deliver_year, settings_from_env
    from pipeline.folders import Folders

    if args.send and not (args.approved_by or "").strip():
        print(f"scorecards deliver {args.year}: --send needs --approved-by NAME (the person who reviewed the "
              "scorecards and approves sending them); nothing was sent", file=sys.stderr)
        return 2
    folders = Folders.from_env(os.environ, out=args.out)
    try:
        summary = deliver_year(args.year, folders.year_dir(args.year), folders.warehouse_path,
                               settings_from_env(os.environ), send=args.send,
                               approved_by=args.approved_by if args.send else None,
                               resend={c.strip() for c in (args.resend or "").split(",") if c.strip()})
    except (MailerError, ReleaseRefused) as exc:
        print(f"scorecards deliver {args.year}: {exc}", file=sys.stderr)
        return 1
    table = summary.table()
    print(table.to_string(index=False) if len(table) else "(no schools)")
    counts = ", ".join(f"{k} {v}" for k, v in summary.counts().items() if v)
    mode = (f"sent, approved by {args.approved_by.strip()}" if args.send
            else "dry run: what --send would send, written to the outbox; nothing sent")
    print(f"scorecards deliver {args.year} ({mode}): {counts or 'nothing to do'}")
    for problem in summary.release_problems:
        print(f"  not sendable yet: {problem}", file=sys.stderr)
    for o in summary.unconfirmed:
        print(f"  {o.cds} ({o.school}) unconfirmed: {o.error}", file=sys.stderr)
    return 1 if summary.aborted or summary.failed or summary.unconfirmed else 0


def cmd_status(args: argparse.Namespace) -> int:
    """What was produced and delivered for a year, from the warehouse and the manifest."""
    import json

    from pipeline.delivery import delivery_status
    from pipeline.folders import Folders
    from pipeline.warehouse import connect, one, table_exists

    folders = Folders.from_env(os.environ, out=args.out)
    if not folders.warehouse_path.exists():
        print(f"scorecards status: no warehouse at {folders.warehouse_path}; run `scorecards run --year {args.year}` first",
              file=sys.stderr)
        return 1
    year_dir = folders.year_dir(args.year)
    try:
        manifest = json.loads((year_dir / "manifest.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        manifest = {}
    with connect(folders.warehouse_path, read_only=True) as con:
        totals = one(con, "SELECT sum(rows_read), sum(rows_kept), sum(rows_quarantined), "
                          "count(*) FILTER (WHERE problem IS NOT NULL) FROM ingest_files WHERE school_year = ?",
                     [args.year]) if table_exists(con, "ingest_files") else None
        delivered = delivery_status(con, args.year)
    print(f"school year {args.year}")
    if totals and totals[0] is not None:
        print(f"  inputs:     {totals[0]:,} rows read, {totals[1]:,} kept, {totals[2]:,} quarantined"
              f"{f', {totals[3]} file(s) rejected' if totals[3] else ''}")
    else:
        print("  inputs:     not ingested yet")
    docs = manifest.get("documents", {})
    pdfs = sum(1 for f in manifest.get("files", {}) if f.endswith(".pdf"))
    print(f"  scorecards: {len(docs)} documents, {pdfs} PDFs in {year_dir}" if docs else "  scorecards: none yet")
    if len(delivered):
        print("  delivery:   " + ", ".join(f"{k} {v}" for k, v in delivered["status"].value_counts().items()))
        print(delivered.to_string(index=False))
    else:
        print("  delivery:   nothing delivered yet")
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from pipeline.input_reference import input_reference

    print(input_reference())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scorecards", description="Annual school scorecard pipeline")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sample", help="write a sample export set")
    p.add_argument("--scale", choices=["tiny", "demo", "district", "state"], default="demo")
    p.add_argument("--seed", type=int, default=2024)
    p.add_argument("--out", default=str(PROJECT_ROOT / "data" / "raw"))
    p.add_argument("--student-files", choices=["district", "state", "both"],
                   help="the student-level files of each year: district (default) the district's own "
                        "assessment.csv and attendance.csv; state instead the state's CAASPP, ELPAC and CALPADS "
                        "STAS/SELA/SPRG/SINF files of the same students; both the two")
    p.add_argument("--state-files", action="store_true", help="the same as --student-files both")
    p.add_argument("--layout", choices=["own", "public"], default="own",
                   help="public: the directory and enrollment in CDE's layouts (pubschls.txt, cdenroll<yy><yy>.txt)")
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("run", help="materialize every asset of a school year through Dagster")
    p.add_argument("--year", required=True, help="school year, e.g. 2023-24")
    p.add_argument("--raw", help="raw exports folder (default $SCORECARDS_RAW_DIR or data/raw)")
    p.add_argument("--out", help="output folder (default $SCORECARDS_OUT_DIR or data/out)")
    p.add_argument("--schools", help="comma-separated CDS codes to re-render (default: all)")
    p.add_argument("--force", action="store_true", help="render even unchanged scorecards")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--verbose", action="store_true", help="show Dagster's step logs")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("deliver", help="e-mail each principal their own school's PDFs (dry run by default)")
    p.add_argument("--year", required=True, help="school year, e.g. 2023-24")
    p.add_argument("--send", action="store_true",
                   help="really send through SCORECARDS_SMTP_* (default: a dry run, .eml files in the outbox)")
    p.add_argument("--approved-by", metavar="NAME",
                   help="with --send: who reviewed and approves sending (recorded in the delivery ledger)")
    p.add_argument("--resend", metavar="CDS,...",
                   help="with --send: send again these schools' 'unconfirmed' messages, after checking the "
                        "mail server's log shows they did not arrive")
    p.add_argument("--out", help="output folder (default $SCORECARDS_OUT_DIR or data/out)")
    p.set_defaults(func=cmd_deliver)

    p = sub.add_parser("status", help="what was produced and delivered for a school year")
    p.add_argument("--year", required=True, help="school year, e.g. 2023-24")
    p.add_argument("--out", help="output folder (default $SCORECARDS_OUT_DIR or data/out)")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("docs", help="print the input reference generated from the pandera models")
    p.set_defaults(func=cmd_docs)
    return parser


def main(argv: list[str] | None = None) -> int:
    from pipeline.config import ConfigError
    from pipeline.warehouse import WarehouseBusy, WarehouseCorrupt

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (WarehouseBusy, WarehouseCorrupt, ConfigError) as exc:
        print(f"scorecards {args.command}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a full disk, a read-only or missing folder: say which file, no traceback
        print(f"scorecards {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("scorecards: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
