"""CDE's rules as configuration (pipeline/dashboard_config.py): a wrong value stops the load with
the file, line and column (or key) named; the shipped configuration covers every indicator and
Dashboard year it has cut scores for."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.config import CONFIG_DIR, ConfigError
from pipeline.dashboard_config import INDICATORS, load_rules


@pytest.fixture
def cfg(tmp_path) -> Path:
    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder)
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line(path: Path, start: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line.startswith(start))


def test_shipped_configuration_loads_and_covers_every_year():
    rules = load_rules()
    for ind in INDICATORS:
        for year in (2019, 2022, 2023, 2024, 2025):
            rules.rule(ind, year)
    assert rules.rule("elpi", 2022).status_only and not rules.rule("elpi", 2024).status_only
    assert rules.rule("ela", 2023).groups_without_color == ("EO", "ELO", "RFP", "SBA", "CAA")
    assert set(rules.grids) == {"standard", "academic", "grad", "grad_small"}


@pytest.mark.parametrize("file, old, new, message", [
    ("dashboard_rules.csv", "ela,2024,2099,N,academic,", "ela,2024,2099,N,acadmic,",
     r"^dashboard_rules\.csv line {line}: 'grid' must be a grid of color_grid\.csv \(standard, academic, grad, "
     r"grad_small\), got 'acadmic'$"),
    ("dashboard_rules.csv", "ela,2024,2099,N,academic,,,EO|ELO|RFP,", "ela,2024,2099,N,academic,,,EO|XX,",
     r"^dashboard_rules\.csv line {line}: 'groups_without_color' must be student-group codes separated by \|, "
     r"got 'XX'$"),
    ("dashboard_rules.csv", "ela,2024,2099,", "ela,2023,2099,",
     r"^dashboard_rules\.csv line {line}: ela has two rules for Dashboard year 2023$"),
    ("dashboard_rules.csv", "elpi,2019,2022,Y,,,,,no_level,", "elpi,2019,2022,Y,,,,,lower,",
     r"^dashboard_rules\.csv line {line}: 'below_95_participation' must be one of , no_level, got 'lower'$"),
    ("dashboard_rules.csv", "chronic,2023,2099,N,", "chronic,2023,2099,maybe,",
     r"^dashboard_rules\.csv line {line}: 'status_only' must be one of Y, N, got 'maybe'$"),
    ("cut_scores.csv", "susp,2019,2099,any,HD,status,4,1.6,3.5,", "susp,2019,2099,any,HD,status,4,1.5,3.5,",
     r"^cut_scores\.csv line {line}: the status band of level 4 overlaps line \d+ \(level 5\) for susp, cut set HD$"),
    ("cut_scores.csv", "susp,2019,2099,any,HD,status,4,1.6,3.5,", "susp,2019,2099,any,XD,status,4,1.6,3.5,",
     r"^cut_scores\.csv line {line}: 'cut_set' must be one of .*, got 'XD'$"),
    ("cut_scores.csv", "chronic,2019,2099,any,default,change_small,3,", "chronic,2019,2099,all,default,change_small,3,",
     r"^cut_scores\.csv line {line}: 'entity' must be one of any, school, lea, got 'all'$"),
    ("color_grid.csv", "grad,5,2,5,20,", "grad,5,2,5,25,",
     r"^color_grid\.csv line {line}: 'box' must be a multiple of 10 given exactly when 'color' is, got '25'$"),
    ("color_grid.csv", "grad,5,2,5,20,", "grad,5,2,5,,",
     r"^color_grid\.csv line {line}: 'box' must be a multiple of 10 given exactly when 'color' is, got ''$"),
])
def test_a_wrong_rule_names_the_file_and_line(cfg, file, old, new, message):
    _edit(cfg / file, old, new)
    line = _line(cfg / file, new)
    with pytest.raises(ConfigError, match=message.replace("{line}", str(line))):
        load_rules(cfg)


def test_a_year_with_cut_scores_needs_a_rule(cfg):
    path = cfg / "dashboard_rules.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text("\n".join(line for line in text.splitlines() if not line.startswith("cci,2024,")) + "\n",
                    encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^dashboard_rules\.csv: no rule for cci in Dashboard year 2024, "
                                          r"a year cut_scores\.csv has cut scores for$"):
        load_rules(cfg)


def test_a_grid_needs_every_cell(cfg):
    path = cfg / "color_grid.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text("\n".join(line for line in text.splitlines() if not line.startswith("academic,3,2,")) + "\n",
                    encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^color_grid\.csv: grid academic has no row for status level 3 and "
                                          r"change level 2"):
        load_rules(cfg)
