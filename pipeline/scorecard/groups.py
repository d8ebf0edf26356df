"""Every indicator a school has, by student group, and the indicators its grades do not have.

The tables read the scored tables as stored: those passed the disclosure step
(:func:`pipeline.scoring.disclosure.disclose`) before they were stored, so a figure the published
tables hide is ``None`` here and its group is listed as hidden, never shown. The district's own
figures (and growth) go through :func:`pipeline.scoring.disclosure.shown_groups` once more with the
counts the table would show: all students minus the groups shown must not give a hidden group's
count away. CDE's published rows stay as CDE publishes them (rule 5 of the disclosure step).
"""
from __future__ import annotations

from pipeline.config import Settings
from pipeline.scorecard.labels import GROWTH_GROUP_LABELS, INDICATOR_POPULATION, INDICATORS
from pipeline.scorecard.model import GroupRow, GroupTable, HiddenGroup
from pipeline.scoring.disclosure import shown_groups

GROUP_ORDER = ["ALL", "AA", "AI", "AS", "FI", "HI", "PI", "WH", "MR", "EL", "LTEL", "RFP", "EO",
               "SED", "SWD", "FOS", "HOM"]
HIDDEN_NOTES = ("n_lt_11", "complementary")
# Groups the page leaves to data.csv: English learners only (ELO, CDE's academic files to 2023) are
# the English learners shown minus the reclassified (RFP) shown beside them, and a row of its own
# would push a school with many groups onto a third page.
NOT_ON_PAGE = frozenset({"ELO"})

# The grades CDE measures an indicator in (TK is -1, K is 0). A school whose grades include none of
# them does not have the indicator: the page says "does not apply", not "no data". English learner
# progress and suspension are measured in every grade.
_TESTED = frozenset({3, 4, 5, 6, 7, 8, 11})
INDICATOR_GRADES: dict[str, frozenset[int]] = {
    "ela": _TESTED, "math": _TESTED,
    "chronic": frozenset(range(0, 9)),  # kindergarten to grade 8
    "grad": frozenset({12}), "cci": frozenset({12}),  # the graduating class
    "growth": frozenset(range(4, 9)),  # a score this year and last: grades 4 to 8
}
# Framework measures (config/framework.yaml) and the indicator whose grades they follow.
MEASURE_INDICATOR = {"ela_status": "ela", "math_status": "math", "ela_growth": "growth",
                     "math_growth": "growth", "grad": "grad", "chronic": "chronic", "cci": "cci"}
_GRADE = {"TK": -1, "K": 0}


def _grade(code) -> int | None:
    text = str(code or "").strip().upper()
    if text in _GRADE:
        return _GRADE[text]
    return int(text) if text.isdigit() else None


def applies(indicator: str, low_grade, high_grade) -> bool:
    """Whether a school of grades ``low_grade``..``high_grade`` has ``indicator`` (a key of
    :data:`INDICATOR_GRADES`, or a framework measure of :data:`MEASURE_INDICATOR`). Unknown grades
    or an indicator without a grade rule: it applies (the page then says "no data" if it has none)."""
    grades = INDICATOR_GRADES.get(MEASURE_INDICATOR.get(indicator, indicator))
    low, high = _grade(low_grade), _grade(high_grade)
    if grades is None or low is None or high is None:
        return True
    return any(low <= g <= high for g in grades)


def _disclosed(rows: list[GroupRow], hidden: list[HiddenGroup], total: int | None,
               settings: Settings) -> tuple[list[GroupRow], list[HiddenGroup]]:
    """The rows ``shown_groups`` lets through, with the counts the table shows (a hidden group
    counts as present and below the minimum: its real count is not known here)."""
    counts = {r.group: r.n for r in rows if r.n is not None and r.group != "ALL"}
    counts.update({h.group: 1 for h in hidden})
    counts["ALL"] = total
    shown = shown_groups(counts, settings.privacy)
    keep = [r for r in rows if r.group == "ALL" or r.n is None or r.group in shown]
    extra = [HiddenGroup(group=r.group, label=r.label, note="complementary") for r in rows if r not in keep]
    return keep, hidden + extra


def _table(key: str, label: str, kind: str, by_group: dict[str, dict], origin: str, colors: bool,
           settings: Settings, population: str = "ALL") -> GroupTable | None:
    first = by_group.get(population)
    if first is None:
        return None
    base = None if first.get("status_bound") else first.get("status")
    rows: list[GroupRow] = []
    hidden: list[HiddenGroup] = []
    order = [population] + [g for g in GROUP_ORDER if g != population] + sorted(set(by_group) - set(GROUP_ORDER))
    for code in [g for g in order if g in by_group and (g == population or g not in NOT_ON_PAGE)]:
        r = by_group[code]
        name = settings.student_groups.get(code, code)
        bound = r.get("status_bound")
        status = float(bound[2:]) if bound else r.get("status")
        if status is None:
            note = r.get("note")
            if r.get("suppressed") or note in HIDDEN_NOTES:
                hidden.append(HiddenGroup(group=code, label=name, note=note if note in HIDDEN_NOTES else "n_lt_11"))
            continue  # a group without a figure and not hidden: nothing to say about it
        gap = None
        if code != population and not bound and base is not None:
            gap = float(status) - float(base)  # the groups' own statuses, as stored
        rows.append(GroupRow(group=code, label=name, status=status,
                             status_bound=("<=" if bound.startswith("<=") else ">=") if bound else None,
                             gap=gap, n=r.get("n"), color=int(r.get("color") or 0) if colors else 0,
                             note=r.get("note") if r.get("note") == "no_color_lt_30" and colors else None,
                             change=r.get("change")))
    if origin != "cde" and population == "ALL":
        rows, hidden = _disclosed(rows, hidden, first.get("n"), settings)
    if len(rows) <= 1 and not hidden:
        return None  # all students alone: the indicator's card says it all
    return GroupTable(indicator=key, label=label, kind=kind, rows=tuple(rows), origin=origin, colors=colors,
                      hidden=tuple(hidden))


def indicator_tables(rows: list[dict], results: dict, settings: Settings) -> list[tuple[str, GroupTable]]:
    """Each headline indicator by student group, from the same origin as its headline figure
    (CDE's published rows, or the district's own where CDE publishes none)."""
    tables = []
    for key, (label, _lower, kind) in INDICATORS.items():
        population = INDICATOR_POPULATION.get(key, "ALL")
        head = results.get((key, population))
        if head is None:
            continue
        origin = head.get("origin") or "cde"
        by_group = {r["student_group"]: r for r in rows
                    if r["indicator"] == key and (r.get("origin") or "cde") == origin}
        table = _table(key, label, kind, by_group, origin, True, settings, population)
        if table is not None:
            tables.append((key, table))
    return tables


def growth_tables(growth: dict, settings: Settings) -> list[tuple[str, GroupTable]]:
    """Growth by student group (the district's own figures: no colours, disclosure checked)."""
    tables = []
    for subject, label in GROWTH_GROUP_LABELS.items():
        by_group = {}
        for (subj, group), r in growth.items():
            if subj != subject:
                continue
            shown = r.get("mean") is not None and not r.get("suppressed")
            change = None
            if shown and r.get("prior_mean") is not None:
                change = float(r["mean"]) - float(r["prior_mean"])
            by_group[group] = {"status": r.get("mean") if shown else None, "status_bound": None,
                               "n": r.get("n") if shown else None, "note": r.get("note"),
                               "suppressed": r.get("suppressed"), "change": change}
        table = _table(f"growth_{subject.lower()}", label, "dfs", by_group, "district", False, settings)
        if table is not None:
            tables.append((f"growth_{subject.lower()}", table))
    return tables


def all_tables(rows: list[dict], results: dict, growth: dict, settings: Settings,
               growth_applies: bool) -> tuple[GroupTable, ...]:
    """The page's group tables in its order: each subject's status, then its growth, then the rest."""
    ind = indicator_tables(rows, results, settings)
    grow = growth_tables(growth, settings) if growth_applies else []
    order = ["ela", "growth_ela", "math", "growth_math"]
    merged = dict(ind + grow)
    keys = [k for k in order if k in merged] + [k for k, _ in ind if k not in order]
    return tuple(merged[k] for k in keys)
