"""A points-based rating framework (``config/frameworks/<name>.yaml``): read, checked, flattened.

The YAML says, without code: each measure's source (any published table, column and student
group), its points scale (cut points and the points of each band), rounding, deductions from a
second input, school models chosen by a school attribute (and schools with several programs
weighted by enrollment), what happens to a missing measure's weight (named reallocation, even
splits, chains, gates), the score (weighted mean of points or percent of the maximum, rounded as
the framework says), levels and rules beyond the score (attainment paths, caps, floors, earlier
years' levels). ``docs/frameworks.md`` is the reference, with an example per point.

The result is a :class:`RatingFramework` of small tables that the SQL in
``pipeline/scoring/sql/framework_*.sql`` reads.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.frameworks.checks import (At, choice, flag, identifier, integer, labels, need, number, only,
                                        rounding, text)
from pipeline.frameworks.sources import Source, parse_source

SCORE_METHODS = ("weighted_mean", "percent_of_max")
COMBINE = ("weighted", "higher", "lower")
_TOP = {"name", "name_es", "kind", "source_documents", "score", "levels", "missing", "domains", "models", "rules",
        "description", "description_es"}
_MEASURE = {"id", "label", "label_es", "source", "weight", "higher_is_better", "min_n", "cuts", "points", "round",
            "deduct", "missing", "required", "kind", "note"}
_CONDITIONS = ("measure", "score_at_least", "score_at_most", "previous_levels_at_most", "previous_levels_at_least")


@dataclass(frozen=True)
class RatingFramework:
    name: str
    name_es: str | None
    file: str
    score_method: str
    score_decimals: int | None
    score_rule: str | None
    score_max: float  # the top of the score scale ("out of")
    min_weight_present: float
    model_by: str | None  # the directory column that chooses the school model
    programs: Path | None  # cds, model, enrollment: schools with several programs
    combine: str
    levels: pd.DataFrame  # level, label, label_es, min: the framework's own scale (empty if only models have one)
    models: pd.DataFrame  # model, label, label_es, value (one row per matching value)
    model_levels: pd.DataFrame  # model, level, label, label_es, min: each model's scale (its own or the framework's)
    measures: pd.DataFrame  # model, measure, domain, weights, points range, rounding, missing rule, source_key
    bands: pd.DataFrame  # model, measure, band, cut (lower bound; NULL for band 0), points
    targets: pd.DataFrame  # model, measure, target, share
    deductions: pd.DataFrame  # model, measure, source_key, below, points
    rules: pd.DataFrame  # rule_order, rule, label, label_es, action, level
    conditions: pd.DataFrame  # rule_order, kind, measure, test, threshold, years
    sources: dict[str, Source] = field(default_factory=dict)

    @property
    def points_range(self) -> tuple[float, float]:
        return float(self.measures["points_min"].min()), float(self.measures["points_max"].max())

    def levels_of(self, model: str) -> pd.DataFrame:
        """The level scale a school of ``model`` is rated on (level, label, label_es, min)."""
        rows = self.model_levels[self.model_levels["model"] == model]
        return rows.drop(columns="model").reset_index(drop=True)

    def same_scale(self, models: list[str]) -> bool:
        """Whether the models share one level scale (a school's programs must, to have one level)."""
        scales = {tuple(map(tuple, self.levels_of(m)[["level", "label", "min"]].to_numpy().tolist())) for m in models}
        return len(scales) <= 1


def _levels(raw: object, at: At) -> pd.DataFrame:
    if not isinstance(raw, list) or len(raw) < 2:
        raise at.error("must list at least two levels", raw)
    rows = []
    for i, lv in enumerate(raw):
        a = at / i
        only(lv, {"level", "label", "label_es", "min"}, a)
        en, es = labels(lv, a)
        rows.append({"level": integer(need(lv, "level", a), a / "level", minimum=0), "label": en, "label_es": es,
                     "min": number(need(lv, "min", a), a / "min")})
    frame = pd.DataFrame(rows)
    if not frame["min"].is_monotonic_increasing or frame["min"].duplicated().any():
        raise at.error("min must increase from one level to the next", list(frame["min"]))
    if not frame["level"].is_monotonic_increasing or frame["level"].duplicated().any():
        raise at.error("level numbers must increase", list(frame["level"]))
    return frame


class _Builder:
    def __init__(self, file: str):
        self.file = file
        self.measures: list[dict] = []
        self.bands: list[dict] = []
        self.targets: list[dict] = []
        self.deductions: list[dict] = []
        self.sources: dict[str, Source] = {}
        self.at: dict[tuple[str, str], At] = {}  # (model, measure) -> where it is declared
        self.default_missing = "within_domain"

    def source(self, raw: object, at: At) -> str:
        """A short key for the source (the same source read once for every measure naming it)."""
        src = parse_source(raw, at)
        for key, known in self.sources.items():
            if known == src:
                return key
        key = f"s{len(self.sources)}"
        self.sources[key] = src
        return key

    def model(self, model: str, domains: object, at: At) -> None:
        if not isinstance(domains, list) or not domains:
            raise at.error("must list the domains", domains)
        seen: dict[str, At] = {}
        total = 0.0
        for d_i, dom in enumerate(domains):
            da = at / d_i
            only(dom, {"id", "label", "label_es", "weight", "measures"}, da)
            d_id = identifier(need(dom, "id", da), da / "id")
            d_en, d_es = labels(dom, da, default=d_id)
            d_weight = number(need(dom, "weight", da), da / "weight", positive=True)
            m_total = 0.0
            measures = need(dom, "measures", da)
            if not isinstance(measures, list) or not measures:
                raise (da / "measures").error("must list the domain's measures", measures)
            for m_i, m in enumerate(measures):
                ma = da / "measures" / m_i
                row = self.measure(model, m, ma)
                if row["measure"] in seen:
                    raise (ma / "id").error(f"appears twice in model '{model}'", row["measure"])
                seen[row["measure"]] = ma
                row.update(domain=d_id, domain_label=d_en, domain_label_es=d_es, domain_weight=d_weight)
                m_total += row["weight"]
            if abs(m_total - d_weight) > 1e-9:
                raise (da / "weight").error(f"the measures' weights add up to {m_total:g}, not the domain's weight",
                                            dom["weight"])
            total += d_weight
        if abs(total - 100) > 1e-9:
            raise at.error(f"domain weights must add up to 100, they add up to {total:g}")
        self._check_targets(model, seen)

    def measure(self, model: str, m: object, at: At) -> dict:
        if not isinstance(m, dict):
            raise at.error("must be a mapping", m)
        only(m, _MEASURE, at)
        m_id = identifier(need(m, "id", at), at / "id")
        en, es = labels(m, at)
        higher = flag(need(m, "higher_is_better", at), at / "higher_is_better")
        value_points = _value_points(m.get("points"), at / "points")
        if value_points is not None:
            if "cuts" in m:
                raise (at / "cuts").error("no cuts when the points are the value", m["cuts"])
            if not higher:
                raise (at / "points").error("the value is the points only when higher_is_better is true (the "
                                            "higher the value, the more points)", m["points"])
            cuts, points = [], []
            scale, p_min, p_max = value_points
        else:
            cuts, points = self._bands(m, higher, at)
            scale, p_min, p_max = None, min(points), max(points)
        decimals, rule = rounding(m.get("round"), at / "round")
        missing, required = self._missing(model, m_id, m, at)
        row = {
            "model": model, "measure": m_id, "label": en, "label_es": es,
            "weight": number(need(m, "weight", at), at / "weight", positive=True),
            "higher_is_better": higher, "min_n": integer(m.get("min_n", 0), at / "min_n"),
            "points_min": p_min, "points_max": p_max, "points_from_value": value_points is not None,
            "points_scale": scale,
            "round_decimals": decimals, "round_rule": rule, "missing_rule": missing, "required": required,
            "kind": choice(m.get("kind", "rate"), ("rate", "dfs", "points", "percentile"), at / "kind"),
            "source_key": self.source(need(m, "source", at), at / "source"),
        }
        self.measures.append(row)
        self.at[(model, m_id)] = at
        self.bands += [{"model": model, "measure": m_id, "band": i, "cut": cuts[i - 1] if i else None,
                        "points": p} for i, p in enumerate(points)]
        for k, ded in enumerate(m.get("deduct") or []):
            da = at / "deduct" / k
            only(ded, {"source", "below", "points"}, da)
            self.deductions.append({"model": model, "measure": m_id, "deduction": k,
                                    "source_key": self.source(need(ded, "source", da), da / "source"),
                                    "below": number(need(ded, "below", da), da / "below"),
                                    "points": number(need(ded, "points", da), da / "points", positive=True)})
        return row

    @staticmethod
    def _bands(m: dict, higher: bool, at: At) -> tuple[list[float], list[float]]:
        """The cut points and the points of each band (n cuts make n + 1 bands)."""
        cuts_raw = need(m, "cuts", at)
        if not isinstance(cuts_raw, list) or not cuts_raw:
            raise (at / "cuts").error("must list the cut points", cuts_raw)
        cuts = [number(c, at / "cuts" / i) for i, c in enumerate(cuts_raw)]
        if cuts != sorted(cuts, reverse=not higher) or len(set(cuts)) != len(cuts):
            raise (at / "cuts").error("must " + ("increase" if higher else "decrease (lower is better)"), cuts_raw)
        points_raw = m.get("points", [10 * (i + 1) for i in range(len(cuts) + 1)])
        if not isinstance(points_raw, list) or len(points_raw) != len(cuts) + 1:
            raise (at / "points").error(f"must list {len(cuts) + 1} points, one per band (one more than the cuts), "
                                        "or be value or {from: value, ...}", points_raw)
        points = [number(p, at / "points" / i) for i, p in enumerate(points_raw)]
        if points != sorted(points):
            raise (at / "points").error("must not decrease from the worst band to the best", points_raw)
        return cuts, points

    def _missing(self, model: str, m_id: str, m: dict, at: At) -> tuple[str, bool]:
        required = flag(m.get("required", False), at / "required")
        raw = m.get("missing", self.default_missing)
        a = at / "missing"
        if raw in ("within_domain", "zero"):
            return raw, required
        if isinstance(raw, dict) and len(raw) == 1 and "to" in raw:
            self.targets.append({"model": model, "measure": m_id, "target": identifier(raw["to"], a / "to"),
                                 "share": 1.0, "at": a / "to"})
            return "to", required
        if isinstance(raw, dict) and len(raw) == 1 and "split" in raw:
            names = raw["split"]
            if not isinstance(names, list) or len(names) < 2:
                raise (a / "split").error("must list at least two measures", names)
            for i, t in enumerate(names):
                self.targets.append({"model": model, "measure": m_id, "target": identifier(t, a / "split" / i),
                                     "share": 1.0 / len(names), "at": a / "split" / i})
            return "split", required
        raise a.error("must be within_domain, zero, {to: measure} or {split: [measures]}", raw)

    def _check_targets(self, model: str, seen: dict[str, At]) -> None:
        graph: dict[str, list[str]] = {}
        for t in self.targets:
            if t["model"] != model:
                continue
            if t["target"] not in seen:
                raise t["at"].error(f"names no measure of model '{model}'", t["target"])
            if t["target"] == t["measure"]:
                raise t["at"].error("a measure cannot give its weight to itself", t["target"])
            graph.setdefault(t["measure"], []).append(t["target"])

        def visit(node: str, path: tuple[str, ...]) -> None:
            for nxt in graph.get(node, []):
                if nxt in path:
                    raise seen[node].error(f"reallocation goes round in a circle: {' -> '.join(path + (nxt,))}")
                visit(nxt, path + (nxt,))

        for start in graph:
            visit(start, (start,))


def _value_points(raw: object, at: At) -> tuple[float, float | None, float | None] | None:
    """``points: value`` or ``points: {from: value, scale: s, min: a, max: b}``: the points are the
    value (times ``scale``), held between ``min`` and ``max`` when given -> (scale, min, max);
    None for a list of band points."""
    if raw == "value":
        return 1.0, None, None
    if not isinstance(raw, dict):
        return None
    only(raw, {"from", "scale", "min", "max"}, at)
    if raw.get("from") != "value":
        raise (at / "from").error("must be value (the points are the measure's value)", raw.get("from"))
    scale = number(raw.get("scale", 1), at / "scale", positive=True)
    low = number(raw["min"], at / "min") if "min" in raw else None
    high = number(raw["max"], at / "max") if "max" in raw else None
    if low is not None and high is not None and high <= low:
        raise (at / "max").error("must be more than min", raw["max"])
    return scale, low, high


def _model_levels(raw: dict, at: At, listed: list[tuple[str, object, At]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The framework's levels (if any) and each model's: its own ``levels`` or the framework's."""
    default = _levels(raw["levels"], at / "levels") if "levels" in raw else None
    frames = []
    for model, own, a in listed:
        if own is None and default is None:
            raise (a / "levels").error("missing key (the framework has no levels of its own to fall back on)")
        frames.append((default if own is None else _levels(own, a / "levels")).assign(model=model))
    if default is None:
        default = frames[0].drop(columns="model").iloc[0:0]
    return default, pd.concat(frames, ignore_index=True)


def _rules(raw: object, at: At, levels: pd.DataFrame, measures: set[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    rules, conds = [], []
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise at.error("must be a list of rules", raw)
    scales = {m: sorted(g["level"]) for m, g in levels.groupby("model", sort=False)}
    for i, r in enumerate(raw):
        a = at / i
        only(r, {"id", "label", "label_es", "at_least", "at_most", "when", "note"}, a)
        actions = [k for k in ("at_least", "at_most") if k in r]
        if len(actions) != 1:
            raise a.error("needs exactly one of at_least (a floor or attainment path) or at_most (a cap)")
        level = integer(r[actions[0]], a / actions[0])
        for model, known in scales.items():
            if level not in known:
                where = f" of model '{model}'" if len(scales) > 1 or model != "all" else ""
                raise (a / actions[0]).error(f"is not a level{where}; its levels: {known}", level)
        en, es = labels(r, a, default=identifier(need(r, "id", a), a / "id"))
        rules.append({"rule_order": i, "rule": r["id"], "label": en, "label_es": es, "action": actions[0],
                      "level": level})
        when = need(r, "when", a)
        if not isinstance(when, list) or not when:
            raise (a / "when").error("must list at least one condition (all must hold)", when)
        for j, c in enumerate(when):
            conds.append(_condition(c, a / "when" / j, i, measures))
    cols = ["rule_order", "condition", "kind", "measure", "test", "threshold", "years"]
    conds = [{**c, "condition": k} for k, c in enumerate(conds)]
    return (pd.DataFrame(rules, columns=["rule_order", "rule", "label", "label_es", "action", "level"]),
            pd.DataFrame(conds, columns=cols))


def _condition(c: object, a: At, order: int, measures: set[str]) -> dict:
    if not isinstance(c, dict):
        raise a.error("must be a mapping", c)
    if "measure" in c:
        only(c, {"measure", "points_at_least", "points_at_most", "value_at_least", "value_at_most"}, a)
        m = identifier(c["measure"], a / "measure")
        if m not in measures:
            raise (a / "measure").error("names no measure of the framework", m)
        tests = [k for k in c if k != "measure"]
        if len(tests) != 1:
            raise a.error("needs one of points_at_least, points_at_most, value_at_least, value_at_most")
        return {"rule_order": order, "kind": "measure", "measure": m, "test": tests[0],
                "threshold": number(c[tests[0]], a / tests[0]), "years": None}
    keys = [k for k in c if k in _CONDITIONS]
    if len(keys) != 1:
        raise a.error(f"needs one of {', '.join(_CONDITIONS)}", c)
    k = keys[0]
    if k.startswith("score"):
        only(c, {k}, a)
        return {"rule_order": order, "kind": "score", "measure": None, "test": k,
                "threshold": number(c[k], a / k), "years": None}
    only(c, {k, "years"}, a)
    return {"rule_order": order, "kind": "history", "measure": None, "test": k,
            "threshold": number(c[k], a / k), "years": integer(c.get("years", 1), a / "years", minimum=1)}


def parse_rating(raw: object, path: Path) -> RatingFramework:
    """A checked :class:`RatingFramework` from the YAML of ``path``."""
    at = At(path.name)
    if not isinstance(raw, dict):
        raise at.error("must be a mapping")
    only(raw, _TOP, at)
    name, name_es = labels(raw, at, key="name")
    score = need(raw, "score", at)
    sa = at / "score"
    only(score, {"method", "round", "max", "min_weight_present"}, sa)
    decimals, rule = rounding(score.get("round"), sa / "round")
    b = _Builder(path.name)
    b.default_missing = choice(raw.get("missing", "within_domain"), ("within_domain", "zero"), at / "missing")
    models_rows: list[dict] = []
    model_scales: list[tuple[str, object, At]] = []
    model_by = programs = None
    combine = "weighted"
    if "models" in raw:
        if "domains" in raw:
            raise (at / "domains").error("give domains inside each model when there are models")
        mr = raw["models"]
        ma = at / "models"
        only(mr, {"by", "programs", "combine", "list"}, ma)
        model_by = identifier(need(mr, "by", ma), ma / "by")
        combine = choice(mr.get("combine", "weighted"), COMBINE, ma / "combine")
        if mr.get("programs") is not None:
            programs = path.parent / text(mr["programs"], ma / "programs")
            if not programs.exists():
                raise (ma / "programs").error("file not found", str(programs))
        listed = need(mr, "list", ma)
        if not isinstance(listed, list) or not listed:
            raise (ma / "list").error("must list the school models", listed)
        for i, m in enumerate(listed):
            a = ma / "list" / i
            only(m, {"id", "label", "label_es", "match", "levels", "domains"}, a)
            m_id = identifier(need(m, "id", a), a / "id")
            model_scales.append((m_id, m.get("levels"), a))
            en, es = labels(m, a, default=m_id)
            match = need(m, "match", a)
            match = match if isinstance(match, list) else [match]
            for v in match:
                if any(r["value"] == str(v) for r in models_rows):
                    raise (a / "match").error("value already chooses another model", v)
                models_rows.append({"model": m_id, "label": en, "label_es": es, "value": str(v)})
            b.model(m_id, need(m, "domains", a), a / "domains")
    else:
        b.model("all", need(raw, "domains", at), at / "domains")
        models_rows.append({"model": "all", "label": name, "label_es": name_es, "value": None})
        need(raw, "levels", at)
        model_scales.append(("all", None, at))
    levels, model_levels = _model_levels(raw, at, model_scales)
    measures = pd.DataFrame(b.measures)
    measures = measures.astype({"points_min": float, "points_max": float, "points_scale": float})
    rules, conditions = _rules(raw.get("rules"), at / "rules", model_levels, set(measures["measure"]))
    method = choice(score.get("method", "weighted_mean"), SCORE_METHODS, sa / "method")
    unbounded = measures[measures["points_max"].isna()]
    if method == "percent_of_max" and len(unbounded):
        first = b.at[(unbounded.iloc[0]["model"], unbounded.iloc[0]["measure"])]
        raise (first / "points" / "max").error("missing key: score.method percent_of_max needs each measure's maximum")
    if "max" not in score and method == "weighted_mean" and len(unbounded):
        raise (sa / "max").error("missing key: a measure's points are its value with no max "
                                 f"({', '.join(unbounded['measure'].unique())})")
    score_max = number(score.get("max", float(measures["points_max"].max()) if method == "weighted_mean"
                                 else 100.0), sa / "max", positive=True)
    return RatingFramework(
        name=name, name_es=name_es, file=path.name,
        score_method=method,
        score_decimals=decimals, score_rule=rule, score_max=score_max,
        min_weight_present=number(score.get("min_weight_present", 0), sa / "min_weight_present", minimum=0),
        model_by=model_by, programs=programs, combine=combine, levels=levels,
        models=pd.DataFrame(models_rows), model_levels=model_levels,
        measures=measures,
        bands=pd.DataFrame(b.bands, columns=["model", "measure", "band", "cut", "points"]).astype(
            {"model": str, "measure": str, "band": int, "cut": float, "points": float}),
        targets=pd.DataFrame([{k: v for k, v in t.items() if k != "at"} for t in b.targets],
                             columns=["model", "measure", "target", "share"]),
        deductions=pd.DataFrame(b.deductions, columns=["model", "measure", "deduction", "source_key", "below", "points"]),
        rules=rules, conditions=conditions, sources=b.sources,
    )
