"""Both sides' tables compared cell by cell, after the pipeline's Python privacy steps."""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.config import Settings, load_settings

#: Columns that identify a row of each table (the comparison aligns on them).
KEYS: dict[str, list[str]] = {
    "attendance": ["rtype", "cds", "student_group"],
    "growth": ["school_year", "rtype", "cds", "subject", "student_group"],
    "growth_model": ["school_year", "subject", "grade"],
    "climate": ["school_year", "rtype", "cds", "respondent_group", "level", "domain", "item_id"],
    "climate_published": ["school_year", "rtype", "cds", "respondent_group", "level", "domain", "item_id"],
    "indicator_results": ["school_year", "cds", "rtype", "student_group", "indicator", "origin"],
    "indicator_results_published": ["school_year", "cds", "rtype", "student_group", "indicator", "origin"],
}
#: Float columns the SQL rounds (or takes rounded from a file): compared exactly.
EXACT: dict[str, set[str]] = {
    "attendance": {"chronic_rate", "attendance_rate"},
    "growth": {"mean", "sd", "se", "ci_low", "ci_high", "prior_mean", "prior_se", "two_year_mean",
               "two_year_se", "shrink_target", "eb_estimate"},
    "growth_model": set(),
    "climate": {"percent_favorable", "response_rate", "district_percent_favorable"},
    "indicator_results": {"status", "prior_status", "change", "published_status", "published_change"},
}
EXACT["climate_published"] = EXACT["climate"]
EXACT["indicator_results_published"] = EXACT["indicator_results"]
RELATIVE_TOLERANCE = 1e-9


def published(tables: dict[str, pd.DataFrame], settings: Settings | None = None) -> dict[str, pd.DataFrame]:
    """``tables`` plus what the assets store after the pipeline's Python privacy steps."""
    from pipeline.scoring.privacy import protect_climate, protect_results

    settings = settings or load_settings()
    out = dict(tables)
    if "indicator_results" in tables:
        out["indicator_results_published"] = protect_results(tables["indicator_results"], settings.privacy)
    if "climate" in tables:
        out["climate_published"] = protect_climate(tables["climate"])
    return out


def _is_null(s: pd.Series) -> np.ndarray:
    return s.isna().to_numpy(bool)


def _text(s: pd.Series) -> pd.Series:
    return s.astype(object).where(s.notna(), "<NULL>").astype(str)


def _key_text(frame: pd.DataFrame, keys: list[str]) -> pd.Series:
    text = pd.Series("", index=frame.index)
    for k in keys:
        text = text + "|" + _text(frame[k])
    return text.str.slice(1)


def _compare_table(name: str, duck: pd.DataFrame, mine: pd.DataFrame, keys: list[str], exact: set[str],
                   examples: int = 5) -> list[str]:
    out: list[str] = []
    missing = [c for c in duck.columns if c not in mine.columns]
    extra = [c for c in mine.columns if c not in duck.columns]
    if missing:
        out.append(f"{name}: columns only in duckdb: {', '.join(missing)}")
    if extra:
        out.append(f"{name}: columns only in pandas: {', '.join(extra)}")
    keys = [k for k in keys if k in duck.columns and k in mine.columns]
    d = duck.assign(_key=_key_text(duck, keys))
    m = mine.assign(_key=_key_text(mine, keys))
    for side, frame in (("duckdb", d), ("pandas", m)):
        dup = frame["_key"].duplicated()
        if dup.any():
            out.append(f"{name}: {int(dup.sum())} duplicate keys in {side}, e.g. {frame.loc[dup, '_key'].iloc[0]}")
    d, m = d.drop_duplicates("_key").set_index("_key"), m.drop_duplicates("_key").set_index("_key")
    only_d, only_m = d.index.difference(m.index), m.index.difference(d.index)
    if len(only_d):
        out.append(f"{name}: {len(only_d)} rows only in duckdb ({' | '.join(keys)}), e.g. {list(only_d[:examples])}")
    if len(only_m):
        out.append(f"{name}: {len(only_m)} rows only in pandas ({' | '.join(keys)}), e.g. {list(only_m[:examples])}")
    common = d.index.intersection(m.index)
    d, m = d.loc[common], m.loc[common]
    for col in [c for c in duck.columns if c in mine.columns and c not in keys]:
        a, b = d[col], m[col]
        na, nb = _is_null(a), _is_null(b)
        bad = na != nb
        both = ~na & ~nb
        numeric = pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b) \
            and not pd.api.types.is_bool_dtype(a) and not pd.api.types.is_bool_dtype(b)
        if numeric:
            x = a.to_numpy(dtype=float, na_value=np.nan)
            y = b.to_numpy(dtype=float, na_value=np.nan)
            integral = pd.api.types.is_integer_dtype(a) and pd.api.types.is_integer_dtype(b)
            if col in exact or integral:
                unequal = x != y
                how = "exactly"
            else:
                unequal = np.abs(x - y) > RELATIVE_TOLERANCE * np.maximum(np.maximum(np.abs(x), np.abs(y)), 1.0)
                how = f"to {RELATIVE_TOLERANCE:g} relative"
            bad |= both & unequal
        else:
            how = "exactly"
            bad |= both & (_text(a).to_numpy() != _text(b).to_numpy())
        if bad.any():
            idx = np.flatnonzero(bad)[:examples]
            shown = "; ".join(f"[{common[j]}] duckdb={a.iloc[j]!r} pandas={b.iloc[j]!r}" for j in idx)
            out.append(f"{name}.{col}: {int(bad.sum())} of {len(common)} rows differ ({how}), e.g. {shown}")
    return out


def compare(duck: dict[str, pd.DataFrame], pandas: dict[str, pd.DataFrame],
            keys: dict[str, list[str]] | None = None) -> list[str]:
    """Differences between the two sides' tables, aligned on ``keys[name]``; [] when identical."""
    keys = keys or KEYS
    out: list[str] = []
    for name in sorted(set(duck) | set(pandas)):
        if name not in duck or name not in pandas:
            out.append(f"{name}: only in {'duckdb' if name in duck else 'pandas'}")
            continue
        d, m = duck[name], pandas[name]
        if len(d) != len(m):
            out.append(f"{name}: {len(d)} rows in duckdb, {len(m)} in pandas")
        table_keys = keys.get(name) or [c for c in d.columns if not pd.api.types.is_float_dtype(d[c])]
        out += _compare_table(name, d, m, table_keys, EXACT.get(name, set()))
    return out
