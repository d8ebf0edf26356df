"""A state accountability framework: colours per indicator and student group, and the schools,
groups and districts that meet support criteria by counting colours (``kind: accountability``).

California's (``config/frameworks/california.yaml``): a Dashboard colour is the lookup of the
status level x change level grid (``indicator_results.color``, or a grid the framework gives);
ESSA CSI and ATSI for schools and Differentiated Assistance for districts are decided by
counting colours. A criterion is one of:

- ``all_colors_in: [1]``: every coloured indicator has one of these colours
- ``all_but_one_in: [1]``: all coloured indicators but at most one
- ``majority_in: [1]``: more than half of them
- ``indicators: {ela: [1], math: [1, 2]}``: each named indicator has one of its colours
- ``mean_status_below: {indicator: grad, value: 68}``: the mean of this and last year's status

with ``min_indicators`` (coloured indicators needed) and ``groups`` (the criterion counts only for
these student groups). A designation holds when criteria of at least ``min_areas`` different
``area``s hold for the same school (or district) and student group.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.config import ConfigError, read_yaml
from pipeline.frameworks.checks import At, choice, identifier, integer, labels, need, number, only, text

COLORS = {1: "Red", 2: "Orange", 3: "Yellow", 4: "Green", 5: "Blue"}
KINDS = ("all_colors_in", "all_but_one_in", "majority_in", "indicators", "mean_status_below")
ENTITIES = {"school": "S", "district": "D"}


@dataclass(frozen=True)
class AccountabilityFramework:
    name: str
    file: str
    indicators: tuple[str, ...]
    grid: Path | None  # status_level, change_level, color[, indicator]: re-colour from the levels
    designations: pd.DataFrame  # designation, label, label_es, rtype, min_areas, unless (list), groups (list)
    criteria: pd.DataFrame  # designation, criterion, area, kind, colors, min_indicators, indicator, threshold, groups


def _colors(raw: object, at: At) -> list[int]:
    if not isinstance(raw, list) or not raw:
        raise at.error("must list colours 1 (Red) .. 5 (Blue)", raw)
    return [integer(c, at / i, minimum=1, maximum=5) for i, c in enumerate(raw)]


def _criterion(raw: object, at: At, designation: str, number_: int, area: str, indicators: tuple[str, ...]) -> list[dict]:
    if not isinstance(raw, dict):
        raise at.error("must be a mapping", raw)
    only(raw, {*KINDS, "min_indicators", "groups", "note"}, at)
    kinds = [k for k in KINDS if k in raw]
    if len(kinds) != 1:
        raise at.error(f"needs exactly one of {', '.join(KINDS)}", raw)
    kind = kinds[0]
    groups = raw.get("groups")
    if groups is not None:
        groups = [text(g, at / "groups" / i) for i, g in enumerate(groups)]
    base = {"designation": designation, "criterion": number_, "area": area, "kind": kind, "groups": groups,
            "min_indicators": integer(raw.get("min_indicators", 1), at / "min_indicators", minimum=1),
            "colors": None, "indicator": None, "threshold": None}
    if kind in ("all_colors_in", "all_but_one_in", "majority_in"):
        return [{**base, "colors": _colors(raw[kind], at / kind)}]
    if kind == "indicators":
        named = raw[kind]
        if not isinstance(named, dict) or not named:
            raise (at / kind).error("must map indicators to colours, e.g. {ela: [1], math: [1]}", named)
        rows = []
        for ind, cols in named.items():
            if ind not in indicators:
                raise (at / kind / ind).error(f"is not one of the framework's indicators {list(indicators)}", ind)
            rows.append({**base, "indicator": ind, "colors": _colors(cols, at / kind / ind)})
        return rows
    spec = raw[kind]
    a = at / kind
    only(spec, {"indicator", "value"}, a)
    ind = need(spec, "indicator", a)
    if ind not in indicators:
        raise (a / "indicator").error(f"is not one of the framework's indicators {list(indicators)}", ind)
    return [{**base, "indicator": ind, "threshold": number(need(spec, "value", a), a / "value")}]


def parse_accountability(raw: object, path: Path) -> AccountabilityFramework:
    at = At(path.name)
    if not isinstance(raw, dict):
        raise at.error("must be a mapping")
    only(raw, {"name", "name_es", "kind", "source_documents", "indicators", "grid", "designations", "notes"}, at)
    name, _ = labels(raw, at, key="name")
    if raw.get("kind") != "accountability":
        raise (at / "kind").error("must be 'accountability' for a colours-and-support framework", raw.get("kind"))
    indicators = tuple(identifier(i, at / "indicators" / k) for k, i in enumerate(need(raw, "indicators", at)))
    grid = None
    if raw.get("grid") is not None:
        grid = path.parent / text(raw["grid"], at / "grid")
        if not grid.exists():
            raise (at / "grid").error("file not found", str(grid))
    designations, criteria = [], []
    listed = need(raw, "designations", at)
    if not isinstance(listed, list) or not listed:
        raise (at / "designations").error("must list the support designations", listed)
    ids = {d.get("id") for d in listed if isinstance(d, dict)}
    for i, d in enumerate(listed):
        a = at / "designations" / i
        only(d, {"id", "label", "label_es", "entity", "groups", "unless", "min_areas", "criteria", "areas", "note",
                 "confirmed"}, a)
        d_id = identifier(need(d, "id", a), a / "id")
        en, es = labels(d, a)
        unless = list(d.get("unless") or [])
        for k, u in enumerate(unless):
            if u not in ids or u == d_id:
                raise (a / "unless" / k).error("names no other designation", u)
        groups = [text(g, a / "groups" / k) for k, g in enumerate(need(d, "groups", a))]
        designations.append({"designation": d_id, "label": en, "label_es": es, "groups": groups, "unless": unless,
                             "rtype": ENTITIES[choice(need(d, "entity", a), tuple(ENTITIES), a / "entity")],
                             "min_areas": integer(d.get("min_areas", 1), a / "min_areas", minimum=1)})
        if ("criteria" in d) == ("areas" in d):
            raise a.error("needs either criteria (a list) or areas (area name -> list of criteria)")
        areas = {"criteria": d["criteria"]} if "criteria" in d else d["areas"]
        if not isinstance(areas, dict):
            raise (a / "areas").error("must map an area's name to its criteria", areas)
        n = 0
        for area, crits in areas.items():
            ca = a / "criteria" if "criteria" in d else a / "areas" / area
            if not isinstance(crits, list) or not crits:
                raise ca.error("must list at least one criterion", crits)
            for k, c in enumerate(crits):
                criteria += _criterion(c, ca / k, d_id, n, area, indicators)
                n += 1
    return AccountabilityFramework(name=name, file=path.name, indicators=indicators, grid=grid,
                                   designations=pd.DataFrame(designations), criteria=pd.DataFrame(criteria))


def load_accountability(path: str | Path) -> AccountabilityFramework:
    path = Path(path)
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path.name}: must be a mapping")
    return parse_accountability(raw, path)
