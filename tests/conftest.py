"""Shared fixtures: where the real CDE files are, a throw-away Dagster home, and the session's one
sample and one end-to-end run of it (``tiny_raw``, ``tiny_pipeline_run``)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
REALDATA = Path(os.environ.get("SCORECARDS_REALDATA", REPO.parent / "shared" / "realdata")) / "ca_dashboard"


@pytest.fixture
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.skip(f"real CDE files not present at {REALDATA} (they are never copied into the repository)")
    return REALDATA


@pytest.fixture
def dagster_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text())
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


# --- one sample and one end-to-end run of it, shared by the whole session -------------------------

TINY_YEARS = ("2022-23", "2023-24")


@pytest.fixture(scope="session")
def tiny_raw(tmp_path_factory) -> Path:
    """The 'tiny' sample exports (seed 11), generated once per session. Read-only: a test that
    changes an input copies the folder first (``shutil.copytree(tiny_raw, tmp_path / "raw")``)."""
    from pipeline.sample import generate

    raw = tmp_path_factory.mktemp("tiny") / "raw"
    generate(raw, scale="tiny", seed=11)
    return raw


@pytest.fixture(scope="session")
def state_raw(tmp_path_factory, tiny_raw) -> Path:
    """The tiny sample's 2023-24 folder with the state's files written from its students
    (``write_state_files``). Read-only, like ``tiny_raw``."""
    import shutil

    from pipeline.sample.state_files import write_state_files

    raw = tmp_path_factory.mktemp("state") / "raw"
    shutil.copytree(tiny_raw, raw)
    write_state_files(raw / "2023-24", 2024)
    return raw


def codes_with(folder: Path, old: str, new: str) -> Path:
    """``folder`` holding ``config/state_codes.yaml`` with ``old`` replaced by ``new`` (which must be there)."""
    from pipeline.state_tables import CODES_FILE

    text = (REPO / "config" / CODES_FILE).read_text()
    assert old in text, old
    (folder / CODES_FILE).write_text(text.replace(old, new))
    return folder


@pytest.fixture(scope="session")
def tiny_pipeline_run(tmp_path_factory, tiny_raw):
    """The one end-to-end run of the suite: ``tiny_raw`` through ``scorecards run`` for 2022-23 then
    2023-24, once per session, then ``scorecards deliver`` (a dry run: the outbox) for each.

    Yields ``(root, exit codes)``; ``root`` holds ``raw/``, ``out/`` and ``dagster_home/``. The run
    sets ``DAGSTER_HOME`` only while it runs: a module that runs the CLI again sets it itself.
    Tests may add files under ``out/`` (delivery, a re-run) but must not change the inputs; a test
    that changes what the run wrote copies ``out/`` first.
    """
    import shutil

    from pipeline.cli import main

    root = tmp_path_factory.mktemp("e2e")
    shutil.copytree(tiny_raw, root / "raw")
    home = root / "dagster_home"
    home.mkdir()
    mp = pytest.MonkeyPatch()
    mp.setenv("DAGSTER_HOME", str(home))
    try:
        codes = [main(["run", "--year", y, "--raw", str(root / "raw"), "--out", str(root / "out"), "--quiet"])
                 for y in TINY_YEARS]
        # the runs never e-mail: a person's dry run of the delivery job writes each year's outbox
        if codes == [0] * len(TINY_YEARS):
            assert [main(["deliver", "--year", y, "--out", str(root / "out")]) for y in TINY_YEARS] == [0, 0]
    finally:
        mp.undo()
    yield root, codes


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """The bundled demo (``data/raw``: the state's student files, as ``make sample`` writes them) run
    like ``make demo``, every year, once per session. Yields ``(root, exit codes)``; ``root`` holds
    ``raw/`` (a copy), ``out/`` and ``dagster_home/``. Read-only, like ``tiny_pipeline_run``."""
    import shutil

    from pipeline.cli import main

    repo = Path(__file__).resolve().parent.parent
    root = tmp_path_factory.mktemp("demo")
    shutil.copytree(repo / "data" / "raw", root / "raw")
    years = sorted(p.name for p in (root / "raw").iterdir() if p.is_dir() and p.name[:4].isdigit())
    home = root / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((repo / "dagster.yaml").read_text())
    mp = pytest.MonkeyPatch()
    mp.setenv("DAGSTER_HOME", str(home))
    try:
        codes = [main(["run", "--year", y, "--raw", str(root / "raw"), "--out", str(root / "out"), "--quiet"])
                 for y in years]
    finally:
        mp.undo()
    yield root, codes


def student_id_pattern(raw: Path):
    """A regex matching every student id (ssid) and survey response id in the raw exports."""
    import csv
    import re

    ids = set()
    for path in Path(raw).rglob("*.csv"):
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                ids.update(v for k, v in row.items() if k in ("ssid", "response_id") and v)
    assert len(ids) > 1000
    return re.compile("|".join(sorted(map(re.escape, ids), key=len, reverse=True)))
