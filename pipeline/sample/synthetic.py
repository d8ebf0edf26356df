"""Plausible Dashboard counts for entities that are not generated student by student.

The state row (except at ``state`` scale) and the district row of a partially generated district
(``tiny`` and ``demo``: a network of schools inside a large district) come from published-like
rates by year and group shares, with a little noise.
"""
from __future__ import annotations

import math

import pandas as pd

from pipeline.sample.parameters import keyed_rng, year_value

# Synthetic Dashboard rows (state row, and the district row of a partially generated district).
# rate indicators: ALL rate by Dashboard year; group rate = ALL * multiplier (chronic, susp) or
# ALL + offset (grad, elpi, ela/math DFS).
SYNTH = {
    "state": {
        "shares": {"ALL": 1, "AA": 0.05, "AI": 0.005, "AS": 0.095, "FI": 0.024, "HI": 0.56, "PI": 0.004,
                   "WH": 0.205, "MR": 0.052, "EL": 0.19, "LTEL": 0.045, "ELO": 0.12, "RFP": 0.07, "EO": 0.55, "SED": 0.63,
                   "SWD": 0.14, "FOS": 0.006, "HOM": 0.037},
        "chronic": ({2021: 14.3, 2022: 30.0, 2023: 24.3, 2024: 20.4}, 3_900_000),
        "susp": ({2021: 0.2, 2022: 3.1, 2023: 3.5, 2024: 3.3}, 6_000_000),
        "grad": ({2021: 83.6, 2022: 87.4, 2023: 86.4, 2024: 86.4}, 510_000),
        "elpi": ({2021: 48.0, 2022: 50.3, 2023: 48.7, 2024: 45.7}, 830_000),
        "ela": ({2021: -20.0, 2022: -12.2, 2023: -13.6, 2024: -13.2}, 3_050_000),
        "math": ({2021: -60.0, 2022: -51.7, 2023: -49.1, 2024: -47.6}, 3_060_000),
    },
    "la_district": {
        "shares": {"ALL": 1, "AA": 0.075, "AI": 0.002, "AS": 0.035, "FI": 0.018, "HI": 0.74, "PI": 0.003,
                   "WH": 0.10, "MR": 0.027, "EL": 0.2, "LTEL": 0.06, "ELO": 0.13, "RFP": 0.07, "EO": 0.4, "SED": 0.84,
                   "SWD": 0.15, "FOS": 0.007, "HOM": 0.04},
        "chronic": ({2021: 22.0, 2022: 45.1, 2023: 36.2, 2024: 30.9}, 290_000),
        "susp": ({2021: 0.1, 2022: 0.8, 2023: 1.0, 2024: 0.9}, 440_000),
        "grad": ({2021: 81.0, 2022: 86.3, 2023: 85.8, 2024: 85.6}, 32_000),
        "elpi": ({2021: 47.0, 2022: 51.0, 2023: 48.4, 2024: 47.5}, 57_000),
        "ela": ({2021: -40.0, 2022: -25.1, 2023: -23.4, 2024: -22.9}, 220_000),
        "math": ({2021: -75.0, 2022: -66.4, 2023: -62.0, 2024: -60.2}, 220_000),
    },
}
SYNTH_REL = {  # multipliers for chronic/susp, offsets for the others
    "chronic": {"ALL": 1, "AA": 1.65, "AI": 1.65, "AS": 0.4, "FI": 0.56, "HI": 1.16, "PI": 1.68, "WH": 0.77,
                "MR": 0.87, "EL": 1.12, "LTEL": 1.3, "SED": 1.25, "SWD": 1.38, "FOS": 1.72, "HOM": 1.69},
    "susp": {"ALL": 1, "AA": 2.7, "AI": 2.4, "AS": 0.3, "FI": 0.5, "HI": 1.0, "PI": 1.7, "WH": 0.9, "MR": 1.1,
             "EL": 0.9, "LTEL": 1.6, "SED": 1.25, "SWD": 1.9, "FOS": 4.3, "HOM": 2.0},
    "grad": {"ALL": 0, "AA": -7, "AI": -9, "AS": 8, "FI": 8, "HI": -2, "PI": -2, "WH": 3, "MR": 0, "EL": -16,
             "LTEL": -18, "SED": -3, "SWD": -14, "FOS": -18, "HOM": -12},
    "elpi": {"EL": 0, "LTEL": 0.5},
    "ela": {"ALL": 0, "AA": -45, "AI": -40, "AS": 55, "FI": 35, "HI": -25, "PI": -30, "WH": 30, "MR": 25,
            "EL": -55, "LTEL": -85, "ELO": -70, "RFP": 20, "EO": 10, "SED": -25, "SWD": -85, "FOS": -70, "HOM": -50},
    "math": {"ALL": 0, "AA": -50, "AI": -40, "AS": 75, "FI": 30, "HI": -30, "PI": -35, "WH": 25, "MR": 20,
             "EL": -50, "LTEL": -85, "ELO": -65, "RFP": 10, "EO": 8, "SED": -28, "SWD": -85, "FOS": -75, "HOM": -50},
}


def synthetic_rows(ind: str, spring: int, profile: str, groups: list[str], seed: int, cds: str,
                   rtype: str) -> pd.DataFrame:
    """Plausible counts for an entity that is not generated student by student."""
    prof = SYNTH[profile]
    base, denom_all = prof[ind]
    rate_all = year_value(base, spring)
    rel = SYNTH_REL[ind]
    r = keyed_rng(seed, "synthetic", profile, ind, spring)
    rows = []
    for g in groups:
        share = prof["shares"][g] if ind != "elpi" else (1.0 if g == "EL" else 0.3)
        denom = int(math.floor(denom_all * share * (1 + r.normal(0, 0.01)) + 0.5))
        if ind in ("chronic", "susp"):
            rate = rate_all * rel[g] * (1 + r.normal(0, 0.01))
        else:
            rate = rate_all + rel[g] + r.normal(0, 0.3)
        row = dict(cds=cds, rtype=rtype, studentgroup=g)
        if ind in ("ela", "math"):
            s = int(math.floor(rate * denom + 0.5))
            enrolled = int(math.floor(denom / 0.975 + 0.5))
            row.update(enrolled=enrolled, tested=denom + int(denom * 0.012), n=denom, sum=s, nt=enrolled - denom,
                       ntsum=0, prloss=0, denom=denom, sumadj=s)
        else:
            rate = min(max(rate, 0.0), 100.0)
            numer = int(math.floor(denom * rate / 100 + 0.5))
            row.update(numer=numer, denom=denom)
            if ind == "grad":
                row["fiveyrnumer"] = int(numer * 0.03)
            if ind == "elpi":
                alt = int(denom * 0.004)
                pl4 = int(numer * 0.04)
                c4 = int(alt * 0.4)
                c5 = int(alt * 0.1)
                c0 = numer - pl4 - c4 - c5
                rest = denom - numer - (alt - c4 - c5)
                c3 = int(rest * 0.36)
                row.update(c0=c0, c1=pl4, c2=rest - c3, c3=c3, c4=c4, c5=c5, c6=alt - c4 - c5)
        rows.append(row)
    return pd.DataFrame(rows)
