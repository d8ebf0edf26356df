"""The world a data set describes: counties, districts and schools, with their names and addresses.

Three kinds: the curated schools of ``tiny`` and ``demo`` (a high-need network inside a large
Los Angeles district), a large urban unified district drawn at random (``district``), and
California's counties and districts with their schools (``state``). Each school gets directory
columns (name, type, grade span, principal, languages, address) and the parameters the
simulation uses (size, poverty, ethnicity mix, school effects on scores, absence, suspension,
graduation, English-learner progress, survey response rates, community indicators).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.sample.codes import ETH_INDEX, GRADE_LABELS
from pipeline.sample.names import (
    COUNTIES, DISTRICT_WORDS_A, DISTRICT_WORDS_B, FIRST_NAMES, GENERIC_STREETS, LA_CITIES, LANG_EXTRA, LAST_NAMES,
    NAME_PREFIXES, STREETS,
)
from pipeline.sample.parameters import ETH_BASE, LA_SCORE_BONUS, keyed_rng, sigmoid
from pipeline.sample.scales import BLANK_EMAIL_SCHOOL, SAMPLE_DISTRICT, ScaleSpec


@dataclass
class World:
    """The schools and districts of one generated data set."""

    schools: pd.DataFrame  # directory columns plus model parameters; index = school number
    districts: pd.DataFrame  # code, name, county_code, county_name, domain, cds
    eth_cum: np.ndarray  # (n_schools, 8) cumulative ethnicity probabilities
    spec: ScaleSpec

    @property
    def n(self) -> int:
        return len(self.schools)


def _ascii(s: str) -> str:
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii")


def _grade_num(label: str) -> int:
    return GRADE_LABELS.index(label) - 1


def _unique_codes(rng: np.random.Generator, n: int, low: int, high: int, exclude: set[int] = frozenset()) -> np.ndarray:
    out: list[int] = []
    seen = set(exclude)
    while len(out) < n:
        cand = rng.integers(low, high, size=2 * (n - len(out)) + 8)
        for c in cand.tolist():
            if c not in seen:
                seen.add(c)
                out.append(c)
                if len(out) == n:
                    break
    return np.array(out, dtype=np.int64)


def _principals(rng: np.random.Generator, n: int, domains: np.ndarray) -> tuple[list[str], list[str]]:
    first = rng.integers(0, len(FIRST_NAMES), n)
    last = rng.integers(0, len(LAST_NAMES), n)
    names, emails, used = [], [], set()
    for i in range(n):
        f, l_ = FIRST_NAMES[first[i]], LAST_NAMES[last[i]]
        names.append(f"{f} {l_}")
        local = (_ascii(f)[0] + _ascii(l_)).lower().replace(" ", "").replace("'", "").replace("-", "")
        email = f"{local}@{domains[i]}"
        k = 2
        while email in used:
            email = f"{local}{k}@{domains[i]}"
            k += 1
        used.add(email)
        emails.append(email)
    return names, emails


def _school_params(sch: pd.DataFrame, rng: np.random.Generator, district_eff: dict[str, np.ndarray]) -> None:
    """Model parameters per school (added as columns)."""
    n = len(sch)
    pov = sch["poverty"].to_numpy()
    d = sch["district"].to_numpy()
    sch["score_eff"] = -0.8 * (pov - 0.58) + rng.normal(0, 0.15, n) + district_eff["score"][d]
    sch["abs_eff"] = 0.6 * (pov - 0.58) + rng.normal(0, 0.25, n) + district_eff["abs"][d]
    sch["susp_eff"] = 0.5 * (pov - 0.58) + rng.normal(0, 0.45, n) + district_eff["susp"][d]
    sch["grad_eff"] = rng.normal(0, 0.3, n)
    sch["elpi_eff"] = rng.normal(0, 0.25, n)
    sch["climate"] = -0.3 * (pov - 0.6) + rng.normal(0, 0.3, n)
    sch["el_factor"] = np.exp(rng.normal(0, 0.15, n)) * district_eff["el"][d]
    sch["hom_rate"] = np.clip(0.045 * (pov / 0.85) * np.exp(rng.normal(0, 0.45, n)), 0.003, 0.2)
    sch["resp_student"] = rng.uniform(0.6, 0.8, n)
    sch["resp_parent"] = rng.uniform(0.2, 0.4, n)
    sch["resp_staff"] = rng.uniform(0.7, 0.9, n)
    sch["asthma0"] = np.clip(25 + 110 * (pov - 0.3) + rng.normal(0, 12, n), 5, 250)
    sch["gun0"] = np.clip(np.exp(np.log(3.0) + 3.2 * (pov - 0.3) + rng.normal(0, 0.35, n)), 0.3, 150)
    sch["deep0"] = np.clip(100 * (pov - 0.35) * 1.2 + rng.normal(0, 6, n), 0, 100)


def build_world(spec: ScaleSpec, seed: int) -> World:
    """The world of a scale: schools ordered by CDS code, so that school number order is file order."""
    rng = keyed_rng(seed, "world", spec.name)
    if spec.curated is not None:
        sch, districts = _curated_world(spec, rng)
        eth_base = ETH_BASE["la"]
        eth_p = np.tile(eth_base, (len(sch), 1))
        for i, over in enumerate(sch["eth_over"]):
            if over:
                row = eth_p[i].copy()
                fixed = np.zeros(8, dtype=bool)
                for code, val in over.items():
                    row[ETH_INDEX[code]] = val
                    fixed[ETH_INDEX[code]] = True
                rest = 1 - row[fixed].sum()
                row[~fixed] = row[~fixed] / row[~fixed].sum() * rest
                eth_p[i] = row
        eth_p = np.array([rng.dirichlet(p * 400) for p in eth_p])
        # the network: a little better than its demographics predict, lower absence than the average
        # school of its poverty level (the district's attendance push), and few suspensions (LA)
        deff = {"score": np.array([0.1]), "abs": np.array([-0.3]), "susp": np.array([-0.9]), "el": np.ones(1)}
    elif spec.n_districts == 1:
        sch, districts = _district_world(spec, rng)
        eth_p = rng.dirichlet(ETH_BASE["la_district"] * 12, size=len(sch))
        deff = {"score": np.array([LA_SCORE_BONUS]), "abs": np.array([-0.15]), "susp": np.array([-0.9]),
                "el": np.ones(1)}
    else:
        sch, districts, eth_p, deff = _state_world(spec, rng)
    _school_params(sch, rng, deff)
    sch["low"] = [_grade_num(g) for g in sch["low_grade"]]
    sch["high"] = [_grade_num(g) for g in sch["high_grade"]]
    # order schools by cds so that school number order = file order
    order = np.argsort(sch["cds"].to_numpy(), kind="stable")
    sch = sch.iloc[order].reset_index(drop=True)
    eth_p = eth_p[order]
    eth_p = eth_p / eth_p.sum(axis=1, keepdims=True)
    return World(schools=sch, districts=districts, eth_cum=np.cumsum(eth_p, axis=1), spec=spec)


def _school_codes(rng: np.random.Generator, n: int) -> np.ndarray:
    return _unique_codes(rng, n, 100_000, 7_000_000)


def _directory_extras(rng: np.random.Generator, sch: pd.DataFrame, districts: pd.DataFrame) -> None:
    n = len(sch)
    domains = districts["domain"].to_numpy()[sch["district"].to_numpy()]
    names, emails = _principals(rng, n, domains)
    sch["principal_name"] = names
    sch["principal_email"] = emails
    num = rng.integers(100, 12000, n)
    la = (districts["county_code"].to_numpy()[sch["district"].to_numpy()] == "19") & (
        districts["code"].to_numpy()[sch["district"].to_numpy()] == SAMPLE_DISTRICT[0])
    la_street = rng.integers(0, len(STREETS), n)
    other_street = rng.integers(0, len(GENERIC_STREETS), n)
    sch["address"] = [f"{num[i]} {STREETS[la_street[i]] if la[i] else GENERIC_STREETS[other_street[i]]}"
                      for i in range(n)]
    ci = rng.choice(len(LA_CITIES), n, p=np.array([8, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]) / 19)
    zi = rng.integers(0, 100, n)
    la_city = [LA_CITIES[c][0] for c in ci]
    la_zip = [LA_CITIES[c][1][z % len(LA_CITIES[c][1])] for c, z in zip(ci, zi)]
    if "city" not in sch:
        sch["city"] = la_city
        sch["zip"] = la_zip
    else:  # the Los Angeles district of a state-wide set
        sch["city"] = np.where(la, la_city, sch["city"])
        sch["zip"] = np.where(la, la_zip, sch["zip"])
    extra = rng.random(n)
    lang2 = rng.integers(0, len(LANG_EXTRA), n)
    if "languages" not in sch:
        sch["languages"] = ["en;es" + (f";{LANG_EXTRA[lang2[i]]}" if extra[i] < 0.15 else "") for i in range(n)]


def _curated_world(spec: ScaleSpec, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = []
    codes = _school_codes(rng, len(spec.curated))
    for i, (name, typ, low, high, size, pov, over, langs, charter) in enumerate(spec.curated):
        rows.append(dict(school_name=name, school_type=typ, low_grade=low, high_grade=high, size=float(size),
                         poverty=pov, eth_over=over, languages=langs, charter=charter, district=0,
                         cds=f"19{SAMPLE_DISTRICT[0]}{codes[i]:07d}"))
    sch = pd.DataFrame(rows)
    districts = pd.DataFrame([dict(code=SAMPLE_DISTRICT[0], name=SAMPLE_DISTRICT[1], county_code="19",
                                   county_name="Los Angeles", domain=SAMPLE_DISTRICT[2])])
    _directory_extras(rng, sch, districts)
    sch.loc[sch["school_name"] == BLANK_EMAIL_SCHOOL, "principal_email"] = ""
    return sch, districts


_TYPE_SPAN = {"ES": ("TK", "5"), "MS": ("6", "8"), "HS": ("9", "12"), "K8": ("TK", "8"), "K12": ("TK", "12")}
_TYPE_SIZE = {"ES": (450, 0.35), "MS": (850, 0.35), "HS": (1400, 0.45), "K8": (650, 0.35), "K12": (450, 0.6)}
_TYPE_SUFFIX = {"ES": ["Elementary", "Elementary", "Elementary", "Elementary School", "Primary Center"],
                "MS": ["Middle", "Middle School", "Academy"], "HS": ["High", "High School", "Senior High"],
                "K8": ["K-8 Span School", "Academy", "Community School"], "K12": ["K-12 School", "Charter Academy"]}


def _name_schools(rng: np.random.Generator, types: np.ndarray) -> list[str]:
    """Unique names within one district."""
    n = len(types)
    picks = rng.choice(len(NAME_PREFIXES), size=min(n, len(NAME_PREFIXES)), replace=False)
    names = []
    used = set()
    for i in range(n):
        prefix = NAME_PREFIXES[picks[i % len(picks)]]
        suffixes = _TYPE_SUFFIX[types[i]]
        name = f"{prefix} {suffixes[int(rng.integers(0, len(suffixes)))]}"
        k = 2
        base = name
        while name in used:
            name = f"{base} {['North', 'South', 'East', 'West', 'Central'][k % 5]}" if k < 7 else f"{base} No. {k}"
            k += 1
        used.add(name)
        names.append(name)
    return names


def _sizes(rng: np.random.Generator, types: np.ndarray) -> np.ndarray:
    mean = np.array([_TYPE_SIZE[t][0] for t in types], dtype=float)
    sd = np.array([_TYPE_SIZE[t][1] for t in types], dtype=float)
    size = mean * np.exp(rng.normal(0, sd) - sd ** 2 / 2)
    small_hs = (types == "HS") & (rng.random(len(types)) < 0.15)  # small/continuation high schools
    size[small_hs] = rng.uniform(120, 400, small_hs.sum())
    return np.clip(size, 60, 4000)


def _district_world(spec: ScaleSpec, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = spec.n_schools
    types = rng.choice(["ES", "MS", "HS", "K8", "K12"], size=n, p=[0.62, 0.13, 0.15, 0.08, 0.02])
    size = _sizes(rng, types)
    size *= spec.n_students / size.sum()
    pov = np.clip(sigmoid(rng.normal(1.4, 0.9, n)), 0.12, 0.99)
    codes = _school_codes(rng, n)
    sch = pd.DataFrame(dict(
        school_name=_name_schools(rng, types), school_type=types,
        low_grade=[_TYPE_SPAN[t][0] for t in types], high_grade=[_TYPE_SPAN[t][1] for t in types],
        size=size, poverty=pov, charter=np.where(rng.random(n) < 0.06, "Y", "N"), district=0,
        cds=[f"19{SAMPLE_DISTRICT[0]}{c:07d}" for c in codes]))
    k_start = (types == "ES") & (rng.random(n) < 0.2)
    sch.loc[k_start, "low_grade"] = "K"
    districts = pd.DataFrame([dict(code=SAMPLE_DISTRICT[0], name=SAMPLE_DISTRICT[1], county_code="19",
                                   county_name="Los Angeles", domain=SAMPLE_DISTRICT[2])])
    _directory_extras(rng, sch, districts)
    _blank_some_emails(rng, sch)
    return sch, districts


def _blank_some_emails(rng: np.random.Generator, sch: pd.DataFrame) -> None:
    """A few principals have no address on file (new in post, or a shared inbox not yet set up)."""
    blank = rng.choice(len(sch), size=max(1, len(sch) // 200), replace=False)
    sch.loc[np.sort(blank), "principal_email"] = ""


def _state_world(spec: ScaleSpec, rng: np.random.Generator):
    nd, ns = spec.n_districts, spec.n_schools
    cw = np.array([c[2] for c in COUNTIES])
    # every county has a district; the rest go by size
    # district 0 is Sample Unified in Los Angeles county
    county = np.concatenate([[18], np.arange(len(COUNTIES)),
                             rng.choice(len(COUNTIES), nd - len(COUNTIES) - 1, p=cw / cw.sum())])
    # district size: heavy-tailed, Sample Unified is the giant
    w = np.exp(rng.normal(0, 1.25, nd))
    w[0] = w.sum() * 0.08
    counts = 1 + rng.multinomial(ns - nd, w / w.sum())
    counts = np.minimum(counts, 1000)
    counts[0] += ns - counts.sum()
    # district kinds: elementary, high, unified
    kind = np.where(counts >= 6, rng.choice(["U", "E", "H"], nd, p=[0.75, 0.15, 0.10]),
                    rng.choice(["U", "E", "H"], nd, p=[0.25, 0.65, 0.10]))
    kind[0] = "U"
    # names
    combos = [f"{a} {b}" for a in DISTRICT_WORDS_A for b in DISTRICT_WORDS_B]
    picks = rng.choice(len(combos), nd, replace=False)
    suffix = {"U": "Unified School District", "E": "Elementary School District", "H": "Union High School District"}
    dnames, domains = [], []
    for j in range(nd):
        place = combos[picks[j]]
        dnames.append(f"{place} {suffix[kind[j]]}")
        slug = _ascii(place).lower().replace(" ", "") + {"U": "usd", "E": "esd", "H": "uhsd"}[kind[j]]
        domains.append(f"{slug}.example.org")
    dnames[0], domains[0] = SAMPLE_DISTRICT[1], SAMPLE_DISTRICT[2]
    dcodes = _unique_codes(rng, nd, 10_000, 80_000, exclude={64733, int(SAMPLE_DISTRICT[0])})
    dcodes[0] = int(SAMPLE_DISTRICT[0])
    districts = pd.DataFrame(dict(code=[f"{c:05d}" for c in dcodes], name=dnames,
                                  county_code=[COUNTIES[c][0] for c in county],
                                  county_name=[COUNTIES[c][1] for c in county], domain=domains))
    # schools per district
    dist_of = np.repeat(np.arange(nd), counts)
    types = np.empty(ns, dtype=object)
    k = kind[dist_of]
    r = rng.random(ns)
    types[:] = np.where(r < 0.64, "ES", np.where(r < 0.78, "MS", np.where(r < 0.91, "HS", np.where(r < 0.97, "K8", "K12"))))
    types[(k == "E") & (types == "HS")] = "MS"
    types[(k == "E") & (types == "K12")] = "K8"
    types[k == "H"] = "HS"
    # unified districts with >= 3 schools have a high school
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    needs_hs = (kind == "U") & (counts >= 3)
    has_hs = np.bincount(dist_of, weights=(types == "HS"), minlength=nd) > 0
    fix = first[needs_hs & ~has_hs]
    types[fix] = "HS"
    # single-school districts: a small K-8 or K-12 school
    single = counts[dist_of] == 1
    types[single & (k != "H")] = np.where(rng.random(int((single & (k != "H")).sum())) < 0.7, "K8", "K12")
    types = types.astype(str)
    size = _sizes(rng, types)
    size[single] *= 0.4
    size *= spec.n_students / size.sum()
    # poverty: district level + school level
    dpov = rng.normal(0.35, 1.0, nd)
    dpov[0] = 1.4
    pov = np.clip(sigmoid(dpov[dist_of] + rng.normal(0, 0.6, ns)), 0.03, 0.99)
    # ethnicity: district around the state mix, school around the district
    base = ETH_BASE["state"]
    deth = rng.dirichlet(base * 8, size=nd)
    deth[0] = ETH_BASE["la_district"]
    deth = 0.85 * deth + 0.15 * base
    eth_p = np.array([rng.dirichlet(deth[d] * 40 + 1e-3) for d in dist_of])
    codes = _school_codes(rng, ns)
    sch = pd.DataFrame(dict(
        school_name="", school_type=types,
        low_grade=[_TYPE_SPAN[t][0] for t in types], high_grade=[_TYPE_SPAN[t][1] for t in types],
        size=size, poverty=pov, charter=np.where(rng.random(ns) < 0.1, "Y", "N"), district=dist_of,
        cds=[f"{districts['county_code'][d]}{districts['code'][d]}{c:07d}" for d, c in zip(dist_of, codes)]))
    names: list[str] = []
    for j in range(nd):
        names.extend(_name_schools(rng, types[first[j]:first[j] + counts[j]]))
    sch["school_name"] = names
    k_start = (types == "ES") & (rng.random(ns) < 0.25)
    sch.loc[k_start, "low_grade"] = "K"
    # cities and zips: the district's place name and a zip near the county
    zbase = rng.integers(90001, 96100, nd)
    sch["city"] = [districts["name"][d].split(" Unified")[0].split(" Elementary")[0].split(" Union")[0]
                   for d in dist_of]
    sch["zip"] = [f"{min(96162, zbase[d] + int(o)):05d}" for d, o in zip(dist_of, rng.integers(0, 40, ns))]
    _directory_extras(rng, sch, districts)
    _blank_some_emails(rng, sch)
    deff = {"score": rng.normal(0, 0.12, nd), "abs": rng.normal(0, 0.2, nd), "susp": rng.normal(0, 0.35, nd),
            "el": np.exp(rng.normal(0, 0.3, nd))}
    deff["susp"][0] = -0.9
    deff["score"][0] = LA_SCORE_BONUS
    return sch, districts, eth_p, deff
