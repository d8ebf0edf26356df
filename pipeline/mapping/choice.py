"""Which of the state's schools are the district's, and how CDE's codes become the pipeline's: the
``public_files`` key of ``config/settings.yaml`` and ``config/public_files.yaml``, checked when loaded."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import CONFIG_DIR, ConfigError, read_yaml
from schemas.cde_public import STATUS_TYPES
from schemas.district import GROUPS


@dataclass(frozen=True)
class PublicFiles:
    district_code: str | None  # 7-digit county-district code
    schools: tuple[str, ...]  # 14-digit CDS codes; when given, only these
    statuses: tuple[str, ...]  # pubschls StatusType values kept
    school_types: dict[str, str]  # EILCode -> school_type
    elemhigh_through_8: str  # school_type of an ELEMHIGH school whose span ends at grade 8 or lower
    census_groups: dict[str, str]  # ReportingCategory -> student_group

    @property
    def prefixes(self) -> tuple[str, ...]:
        """The CDS prefixes of the district's schools: the school list, else the district code."""
        return self.schools or ((self.district_code,) if self.district_code else ())

    @property
    def chosen(self) -> str:
        """The choice in words, for notes and errors."""
        if self.schools:
            return f"the {len(self.schools)} schools listed in settings.yaml public_files.schools"
        return f"district {self.district_code} (settings.yaml public_files.district_code)"


def _list(d: dict, key: str, where: str) -> list:
    value = d.get(key) or []
    if not isinstance(value, list):
        raise ConfigError(f"{where}: key '{key}' must be a list, got {value!r}")
    return value


def load_public_files(config_dir: str | Path = CONFIG_DIR) -> PublicFiles:
    """The district's choice of schools (``settings.yaml``) and the code tables (``public_files.yaml``)."""
    config_dir = Path(config_dir)
    settings = read_yaml(config_dir / "settings.yaml") or {}
    p = settings.get("public_files") or {}
    where = "settings.yaml public_files"
    if not isinstance(p, dict):
        raise ConfigError(f"{where}: must be a mapping of district_code, schools and statuses")
    code = p.get("district_code")
    code = None if code in (None, "") else str(code)
    if code is not None and not re.fullmatch(r"\d{7}", code):
        raise ConfigError(f"{where}: key 'district_code' must be the 7-digit county-district code, got {code!r}")
    schools = tuple(str(s) for s in _list(p, "schools", where))
    bad = [s for s in schools if not re.fullmatch(r"\d{14}", s)]
    if bad:
        raise ConfigError(f"{where}: key 'schools' must list 14-digit CDS codes, got {bad[0]!r}")
    statuses = tuple(str(s) for s in _list(p, "statuses", where)) or ("Active",)
    unknown = [s for s in statuses if s not in STATUS_TYPES]
    if unknown:
        raise ConfigError(f"{where}: key 'statuses': {unknown[0]!r} is not one of {', '.join(STATUS_TYPES)}")

    tables = read_yaml(config_dir / "public_files.yaml") or {}
    where = "public_files.yaml"
    types = tables.get("school_types")
    if not isinstance(types, dict) or not types:
        raise ConfigError(f"{where}: missing key 'school_types' (EILCode -> school type)")
    allowed = {"ES", "MS", "HS", "K8", "K12"}
    for eil, typ in types.items():
        if typ not in allowed:
            raise ConfigError(f"{where}: school_types.{eil}: {typ!r} is not one of {', '.join(sorted(allowed))}")
    k8 = tables.get("elemhigh_through_grade_8", "K8")
    if k8 not in allowed:
        raise ConfigError(f"{where}: key 'elemhigh_through_grade_8': {k8!r} is not one of {', '.join(sorted(allowed))}")
    groups = tables.get("census_groups")
    if not isinstance(groups, dict) or not groups:
        raise ConfigError(f"{where}: missing key 'census_groups' (ReportingCategory -> student group)")
    seen: dict[str, str] = {}
    for category, group in groups.items():
        if group not in GROUPS:
            raise ConfigError(f"{where}: census_groups.{category}: {group!r} is not a student group of the "
                              f"enrollment contract ({', '.join(GROUPS)})")
        if group in seen:
            raise ConfigError(f"{where}: census_groups.{category}: {group} is already the group of {seen[group]}; "
                              "two categories for one group would count its students twice")
        seen[group] = category
    return PublicFiles(code, schools, statuses, {str(k): str(v) for k, v in types.items()}, str(k8),
                       {str(k): str(v) for k, v in groups.items()})
