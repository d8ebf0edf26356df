"""Load and check the district's configuration files under ``config/``.

Everything a district would change (school years, languages, n-size rules, cut scores, the colour
grid, student-group labels) lives in data files. This module reads them once, checks them, and
raises :class:`ConfigError` naming the file and the key when something is wrong.
"""
from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = Path(os.environ.get("SCORECARDS_CONFIG_DIR", PROJECT_ROOT / "config"))
SCHOOL_YEAR_RE = re.compile(r"^(\d{4})-(\d{2})$")


class ConfigError(ValueError):
    """A configuration file is missing a key or holds a value the pipeline cannot use."""


def dashboard_year(school_year: str) -> int:
    """The Dashboard (spring) year of a school year: ``2023-24`` -> ``2024``."""
    m = SCHOOL_YEAR_RE.match(school_year)
    if not m or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
        raise ConfigError(f"'{school_year}' is not a school year like 2023-24")
    return int(m.group(1)) + 1


def school_year_of(dashboard_yr: int) -> str:
    """Inverse of :func:`dashboard_year`: ``2024`` -> ``2023-24``."""
    return f"{dashboard_yr - 1}-{dashboard_yr % 100:02d}"


def prior_school_year(school_year: str) -> str:
    return school_year_of(dashboard_year(school_year) - 1)


@dataclass(frozen=True)
class Privacy:
    min_n: int
    color_min_n: int
    lea_small_group_min_n: int
    lea_small_groups: tuple[str, ...]
    survey_min_respondents: int
    complementary_families: tuple[tuple[str, ...], ...] = ()
    bottom_code_at: float = 5.0
    top_code_at: float = 95.0


@dataclass(frozen=True)
class Settings:
    district_name: str
    school_years: tuple[str, ...]
    current_school_year: str
    languages: tuple[str, ...]
    privacy: Privacy
    min_days_enrolled: int
    chronic_threshold: float
    quarantine_warn_share: float
    # each a group of sources that stand in for one another: one provided satisfies it
    required_sources: tuple[tuple[str, ...], ...] = ()
    student_groups: dict[str, str] = field(default_factory=dict)  # code -> English label
    district_names: dict[str, str] = field(default_factory=dict)  # language -> the district's name in it
    group_aliases: dict[str, str] = field(default_factory=dict)  # any label or alias (lower case) -> code


def _require(d: dict, key: str, where: str, kind: type):
    if not isinstance(d, dict) or key not in d:
        raise ConfigError(f"{where}: missing key '{key}'")
    value = d[key]
    if kind is float and isinstance(value, int):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ConfigError(f"{where}: key '{key}' must be {kind.__name__}, got {value!r}")
    return value


def _load_groups(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    labels: dict[str, str] = {}
    aliases: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=2):
            code = (row.get("code") or "").strip()
            if not code:
                raise ConfigError(f"{path.name} line {i}: empty 'code'")
            labels[code] = row["label"].strip()
            for name in [code, row["label"], *(row.get("aliases") or "").split("|")]:
                if name.strip():
                    aliases[name.strip().lower()] = code
    return labels, aliases


def read_yaml(path: Path) -> object:
    """A configuration file's YAML, or a :class:`ConfigError` that names the file."""
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"configuration file {path} is missing") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{Path(path).name} is not valid YAML: {exc}") from None


def _required_sources(items: list, where: str) -> tuple[tuple[str, ...], ...]:
    """``required_sources``: a source's name, or a list of names of which one is enough."""
    groups = []
    for item in items:
        names = item if isinstance(item, list) else [item]
        if not names or not all(isinstance(n, str) and n.strip() for n in names):
            raise ConfigError(f"{where}: required_sources: each entry must be a source's name or a list of "
                              f"names of which one is enough, got {item!r}")
        groups.append(tuple(n.strip() for n in names))
    return tuple(groups)


@lru_cache(maxsize=4)
def load_settings(config_dir: str | Path = CONFIG_DIR) -> Settings:
    """Read ``settings.yaml`` and ``student_groups.csv``, checking every key."""
    config_dir = Path(config_dir)
    path = config_dir / "settings.yaml"
    raw = read_yaml(path)
    where = path.name
    years = tuple(_require(raw, "school_years", where, list))
    for y in years:
        dashboard_year(str(y))
    current = _require(raw, "current_school_year", where, str)
    if current not in years:
        raise ConfigError(f"{where}: current_school_year '{current}' is not one of school_years")
    p = _require(raw, "privacy", where, dict)
    privacy = Privacy(
        min_n=_require(p, "min_n", f"{where} privacy", int),
        color_min_n=_require(p, "color_min_n", f"{where} privacy", int),
        lea_small_group_min_n=_require(p, "lea_small_group_min_n", f"{where} privacy", int),
        lea_small_groups=tuple(_require(p, "lea_small_groups", f"{where} privacy", list)),
        survey_min_respondents=_require(p, "survey_min_respondents", f"{where} privacy", int),
        complementary_families=tuple(tuple(f) for f in _require(p, "complementary_families", f"{where} privacy", list)),
        bottom_code_at=_require(p, "bottom_code_at", f"{where} privacy", float),
        top_code_at=_require(p, "top_code_at", f"{where} privacy", float),
    )
    if privacy.min_n < 1 or privacy.color_min_n < privacy.min_n:
        raise ConfigError(f"{where}: privacy.min_n must be >= 1 and color_min_n >= min_n")
    a = _require(raw, "attendance", where, dict)
    v = _require(raw, "validation", where, dict)
    labels, aliases = _load_groups(config_dir / "student_groups.csv")
    names = raw.get("district_name_in", {}) or {}
    if not isinstance(names, dict) or not all(isinstance(v, str) and v.strip() for v in names.values()):
        raise ConfigError(f"{where}: district_name_in must map a language to the district's name in it")
    unknown = sorted(set(names) - set(raw.get("languages") or []))
    if unknown:
        raise ConfigError(f"{where}: district_name_in: {', '.join(map(str, unknown))} is not one of languages")
    return Settings(
        district_name=_require(raw, "district_name", where, str),
        school_years=tuple(str(y) for y in years),
        current_school_year=current,
        languages=tuple(_require(raw, "languages", where, list)),
        privacy=privacy,
        min_days_enrolled=_require(a, "min_days_enrolled", f"{where} attendance", int),
        chronic_threshold=_require(a, "chronic_threshold", f"{where} attendance", float),
        quarantine_warn_share=_require(v, "quarantine_warn_share", f"{where} validation", float),
        required_sources=_required_sources(_require(raw, "required_sources", where, list), where),
        student_groups=labels,
        group_aliases=aliases,
        district_names={str(k): v.strip() for k, v in names.items()},
    )


def config_path(name: str, config_dir: str | Path = CONFIG_DIR) -> Path:
    """Path of a configuration data file (e.g. ``cut_scores.csv``), checked to exist."""
    path = Path(config_dir) / name
    if not path.exists():
        raise ConfigError(f"configuration file {path} is missing")
    return path
