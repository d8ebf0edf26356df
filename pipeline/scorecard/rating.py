"""The overall rating section of a school's model: level, score, comparisons, ladder, equity tier,
and the framework's measures by domain."""
from __future__ import annotations

import re

from pipeline.scorecard.labels import TIERS
from pipeline.scorecard.load import YearData
from pipeline.scorecard.model import AppliedRule, Equity, LadderStep, Measure, MeasureDomain, Overall

_FEWER_THAN = re.compile(r"fewer than (\d+)")


def ladder(levels: list[dict], current: int | None, decimals: int | None = 1) -> tuple[LadderStep, ...]:
    """The framework's levels, lowest first, with where each starts and ends (the highest score
    a level holds is the next level's start less one unit of the score's last decimal)."""
    unit = 10 ** -(decimals if decimals is not None else 1)
    steps = []
    for i, lv in enumerate(levels):
        nxt = levels[i + 1]["min"] if i + 1 < len(levels) else None
        steps.append(LadderStep(level=lv["level"], label=lv["label"], min=lv["min"], next_min=nxt,
                                up_to=round(nxt - unit, 6) if nxt is not None else None,
                                current=lv["level"] == current, label_es=lv.get("label_es")))
    return tuple(steps)


def _rules(rating: dict, data: YearData) -> tuple[AppliedRule, ...]:
    """The framework rules that moved the level away from the score's."""
    applied = [r.strip() for r in (rating.get("rules_applied") or "").split(",") if r.strip()]
    if not applied:
        return ()
    raised = rating.get("score_level") is not None and rating["level"] > rating["score_level"]
    words = data.framework.get("rules", {})
    return tuple(AppliedRule(label=words.get(r, (r, None))[0], label_es=words.get(r, (r, None))[1], raised=raised)
                 for r in applied)


def _scale(rating: dict | None, data: YearData) -> list[dict]:
    """The levels of the school's model (school_rating.model; a school's programs share one scale),
    else the framework's."""
    model = ((rating or {}).get("model") or "").split(",")[0].strip()
    return data.framework.get("model_levels", {}).get(model) or data.levels


def overall(rating: dict | None, equity: dict | None, data: YearData) -> Overall | None:
    """Overall level and score, against the district and same-need schools; the equity tier."""
    if rating is None and equity is None:
        return None
    levels = _scale(rating, data)
    out: dict = {"next_level_es": None, "rated": False, "level": None, "levels": len(levels) or None, "level_label": None,
                 "score": None, "district_average": None, "peer_tier": None, "peer_average": None,
                 "peer_schools": None, "peer_percentile": None, "peers_below": None, "peers_other": None,
                 "only_rated_in_tier": False, "points_to_next": None, "next_level": None, "top_level": False,
                 "ladder": (), "equity": None}
    if rating is not None:
        rated = bool(rating.get("rated")) and rating.get("score") is not None and rating.get("level") is not None
        level = int(rating["level"]) if rated else None
        tier = rating.get("peer_tier")
        peers = int(rating["peer_schools"]) if rating.get("peer_schools") is not None else None
        out.update({
            "rated": rated,
            "level": level,
            "level_label": rating.get("level_label") if rated else None,
            "score": rating["score"] if rated else None,
            "district_average": rating.get("district_average"),
            "peer_tier": TIERS.get(tier, tier) if tier else None,
            "peer_average": rating.get("peer_average"),
            "peer_schools": peers,
            "ladder": ladder(levels, level, data.framework.get("decimals", 1)),
            "score_max": data.framework.get("score_max"),
            "framework": data.framework.get("name"),
            "framework_es": data.framework.get("name_es"),
            "level_label_es": next((lv.get("label_es") for lv in levels if lv["level"] == level), None)
            if rated else None,
            "rules": _rules(rating, data) if rated else (),
        })
        percentile = rating.get("peer_percentile")
        if rated and percentile is not None and peers and peers > 1:
            others = peers - 1
            out["peer_percentile"] = float(percentile)
            out["peers_below"] = int(round(float(percentile) * others / 100))
            out["peers_other"] = others
        elif rated and peers == 1:
            out["only_rated_in_tier"] = True
        to_next = rating.get("points_to_next_level")
        if rated and to_next is not None:
            above = [lv for lv in levels if lv["level"] == level + 1]
            unit = 10 ** -(data.framework.get("decimals") or 1)
            above = [lv for lv in levels if lv["min"] > float(rating["score"])][:1] or above
            out["points_to_next"] = max(float(to_next), unit)
            out["next_level"] = above[0]["label"] if above else None
            out["next_level_es"] = above[0].get("label_es") if above else None
        elif rated:
            out["top_level"] = True
    if equity is not None and equity.get("tier"):
        out["equity"] = Equity(
            tier=TIERS.get(equity["tier"], equity["tier"]),
            tier_rank=int(equity["tier_rank"]) if equity.get("tier_rank") is not None else None,
            need_rank=equity.get("need_rank"),
            schools=data.ranked_schools or None,
            missing=tuple(equity.get("missing") or ()), components=int(equity.get("components") or 0),
        )
    return Overall(**out)


def measures(rows: list[dict], info: dict[str, dict], applies=None) -> tuple[MeasureDomain, ...] | None:
    """The framework's measures by domain: value, band and points, weight after reallocation,
    contribution, the reallocation that applied, and the improvement needed for the next band.
    ``applies(measure)`` says whether the school's grades have the measure: one without a value
    that does not apply is noted ``not_applicable`` rather than ``no_data``."""
    if not rows:
        return None
    domains: list[dict] = []
    for r in rows:
        if not domains or domains[-1]["key"] != r["domain"]:
            domains.append({"key": r["domain"], "label": r.get("domain_label"), "weight": 0.0, "measures": [],
                            "label_es": info.get(r["measure"], {}).get("domain_label_es")})
        d = domains[-1]
        mi = info.get(r["measure"], {})
        kind = mi.get("kind") or ("rate" if "(%" in (r.get("label") or "") else "dfs")
        reason = r.get("missing_reason")
        # a measure whose points are its value has no band (index_level): its points are shown
        banded = r.get("index_level") is not None
        shown = reason is None and r.get("value") is not None and (banded or r.get("points") is not None)
        fewer_than = note = None
        if not shown:
            small = _FEWER_THAN.search(reason or "")
            if small:
                fewer_than = int(small.group(1))
            else:
                note = "no_data" if applies is None or applies(r["measure"]) else "not_applicable"
        improvement = r.get("improvement_needed")
        d["measures"].append(Measure(
            key=r["measure"],
            label=r.get("label"),
            higher_is_better=bool(r.get("higher_is_better")),
            kind=kind,
            value=r["value"] if shown else None,
            level=int(r["index_level"]) if shown and banded else None,
            weight=r.get("effective_weight") if shown else None,
            improvement=max(float(improvement), 0.1) if shown and improvement is not None else None,
            top=bool(shown and banded and improvement is None),
            fewer_than=fewer_than,
            note=note,
            label_es=mi.get("label_es"),
            points=float(r["points"]) if shown and r.get("points") is not None else None,
            points_min=_num(r.get("points_min", mi.get("points_min"))),
            points_max=_num(r.get("points_max", mi.get("points_max"))),
            bands=mi.get("bands"),
            contribution=float(r["contribution"]) if shown and r.get("contribution") is not None else None,
            reallocation=r.get("reallocation"),
            related=tuple(x.strip() for x in (r.get("related") or "").split(",") if x.strip()),
        ))
        d["weight"] += float(r.get("effective_weight") or 0)
    return tuple(MeasureDomain(key=d["key"], label=d["label"], weight=d["weight"], measures=tuple(d["measures"]),
                               label_es=d["label_es"]) for d in domains)


def _num(value) -> float | None:
    return float(value) if value is not None else None
