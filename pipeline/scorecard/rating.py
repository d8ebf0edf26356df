"""The overall rating section of a school's model: level, score, comparisons, ladder, equity tier,
and the framework's measures by domain."""
from __future__ import annotations

import re

from pipeline.scorecard.labels import TIERS
from pipeline.scorecard.load import YearData
from pipeline.scorecard.model import Equity, LadderStep, Measure, MeasureDomain, Overall

_FEWER_THAN = re.compile(r"fewer than (\d+)")


def ladder(levels: list[dict], current: int | None) -> tuple[LadderStep, ...]:
    """The framework's levels, lowest first, with where each starts and ends."""
    steps = []
    for i, lv in enumerate(levels):
        nxt = levels[i + 1]["min"] if i + 1 < len(levels) else None
        steps.append(LadderStep(level=lv["level"], label=lv["label"], min=lv["min"], next_min=nxt,
                                up_to=round(nxt - 0.1, 1) if nxt is not None else None,
                                current=lv["level"] == current))
    return tuple(steps)


def overall(rating: dict | None, equity: dict | None, data: YearData) -> Overall | None:
    """Overall level and score, against the district and same-need schools; the equity tier."""
    if rating is None and equity is None:
        return None
    out: dict = {"rated": False, "level": None, "levels": len(data.levels) or None, "level_label": None,
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
            "ladder": ladder(data.levels, level),
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
            above = [lv for lv in data.levels if lv["level"] == level + 1]
            out["points_to_next"] = max(float(to_next), 0.1)
            out["next_level"] = above[0]["label"] if above else None
        elif rated:
            out["top_level"] = True
    if equity is not None and equity.get("tier"):
        out["equity"] = Equity(
            tier=TIERS.get(equity["tier"], equity["tier"]),
            tier_rank=int(equity["tier_rank"]) if equity.get("tier_rank") is not None else None,
            need_rank=equity.get("need_rank"),
            schools=data.ranked_schools or None,
        )
    return Overall(**out)


def measures(rows: list[dict], info: dict[str, dict]) -> tuple[MeasureDomain, ...] | None:
    """The framework's measures by domain: value, index level, weight, improvement needed."""
    if not rows:
        return None
    domains: list[dict] = []
    for r in rows:
        if not domains or domains[-1]["key"] != r["domain"]:
            domains.append({"key": r["domain"], "label": r.get("domain_label"), "weight": 0.0, "measures": []})
        d = domains[-1]
        kind = info.get(r["measure"], {}).get("kind") or ("rate" if "(%" in (r.get("label") or "") else "dfs")
        reason = r.get("missing_reason")
        shown = reason is None and r.get("value") is not None and r.get("index_level") is not None
        fewer_than = note = None
        if not shown:
            small = _FEWER_THAN.search(reason or "")
            if small:
                fewer_than = int(small.group(1))
            else:
                note = "no_data"
        improvement = r.get("improvement_needed")
        d["measures"].append(Measure(
            key=r["measure"],
            label=r.get("label"),
            higher_is_better=bool(r.get("higher_is_better")),
            kind=kind,
            value=r["value"] if shown else None,
            level=int(r["index_level"]) if shown else None,
            weight=r.get("effective_weight") if shown else None,
            improvement=max(float(improvement), 0.1) if shown and improvement is not None else None,
            top=bool(shown and improvement is None),
            fewer_than=fewer_than,
            note=note,
        ))
        d["weight"] += float(r.get("effective_weight") or 0)
    return tuple(MeasureDomain(key=d["key"], label=d["label"], weight=d["weight"], measures=tuple(d["measures"]))
                 for d in domains)
