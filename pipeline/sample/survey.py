"""The climate survey: its codebook, the answers of students, parents and staff, and who was invited.

Students from grade 3 answer in a shuffled order within their school; parents and staff are
invited in proportion to enrolment. Each respondent has a personal leaning around the school's
climate, each item a location (how favourably it is answered); a few answers are skipped.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.sample.outcomes import YearData, census
from pipeline.sample.parameters import keyed_rng
from pipeline.sample.world import World
from pipeline.sample.writers import constant_column, write_csv

CODEBOOK_COLS = ["item_id", "respondent_group", "domain", "item_text_en", "item_text_es", "reverse_coded",
                 "scale_points", "domain_es"]
SURVEY_POP_COLS = ["school_year", "cds", "respondent_group", "invited"]

DOMAIN_ES = {"Caring adults": "Adultos que brindan apoyo", "Safety": "Seguridad",
             "School connectedness": "Conexión con la escuela", "Academic rigor": "Rigor académico",
             "Family engagement": "Participación familiar", "Collaboration": "Colaboración"}
# item_id, group, domain, English, Spanish, reverse coded, scale points, location (favourability)
SURVEY_ITEMS = [
    ("ST01", "student", "Caring adults", "There is a teacher or some other adult at this school who really cares about me.",
     "Hay un maestro u otro adulto en esta escuela que realmente se preocupa por mí.", "N", 4, 0.55),
    ("ST02", "student", "Caring adults", "Adults at this school listen when I have something to say.",
     "Los adultos de esta escuela me escuchan cuando tengo algo que decir.", "N", 4, 0.2),
    ("ST03", "student", "School connectedness", "I feel close to people at this school.",
     "Me siento cercano(a) a las personas de esta escuela.", "N", 4, 0.1),
    ("ST04", "student", "School connectedness", "I am happy to be at this school.",
     "Estoy feliz de estar en esta escuela.", "N", 4, 0.3),
    ("ST05", "student", "Safety", "I feel safe at school.", "Me siento seguro(a) en la escuela.", "N", 4, 0.35),
    ("ST06", "student", "Safety", "I have been bullied at school this year.",
     "Me han acosado en la escuela este año.", "Y", 4, 0.6),
    ("ST07", "student", "Academic rigor", "My teachers expect me to do my best work.",
     "Mis maestros esperan que haga mi mejor trabajo.", "N", 4, 0.8),
    ("ST08", "student", "Academic rigor", "My classes challenge me to think.",
     "Mis clases me desafían a pensar.", "N", 4, 0.4),
    ("PA01", "parent", "Family engagement", "The school encourages me to take part in school activities.",
     "La escuela me anima a participar en las actividades escolares.", "N", 5, 0.6),
    ("PA02", "parent", "Family engagement", "I am informed about my child's progress in school.",
     "Estoy informado(a) sobre el progreso de mi hijo(a) en la escuela.", "N", 5, 0.4),
    ("PA03", "parent", "Family engagement", "School staff treat me with respect.",
     "El personal de la escuela me trata con respeto.", "N", 5, 0.9),
    ("PA04", "parent", "Caring adults", "Adults at this school care about my child.",
     "Los adultos de esta escuela se preocupan por mi hijo(a).", "N", 5, 0.75),
    ("PA05", "parent", "Safety", "My child is safe at school.", "Mi hijo(a) está seguro(a) en la escuela.", "N", 5, 0.5),
    ("PA06", "parent", "Safety", "I worry about my child's safety on the way to and from school.",
     "Me preocupa la seguridad de mi hijo(a) en el camino de ida y vuelta a la escuela.", "Y", 5, -0.1),
    ("PA07", "parent", "Academic rigor", "The school has high expectations for my child.",
     "La escuela tiene altas expectativas para mi hijo(a).", "N", 5, 0.55),
    ("PA08", "parent", "School connectedness", "I feel welcome at this school.",
     "Me siento bienvenido(a) en esta escuela.", "N", 5, 0.8),
    ("SF01", "staff", "Collaboration", "Teachers at this school work together to improve instruction.",
     "Los maestros de esta escuela trabajan juntos para mejorar la enseñanza.", "N", 5, 0.5),
    ("SF02", "staff", "Collaboration", "I have time to plan with my colleagues.",
     "Tengo tiempo para planificar con mis colegas.", "N", 5, -0.2),
    ("SF03", "staff", "Collaboration", "School leaders involve staff in important decisions.",
     "Los líderes escolares involucran al personal en decisiones importantes.", "N", 5, 0.1),
    ("SF04", "staff", "Safety", "This school is a safe place to work.",
     "Esta escuela es un lugar seguro para trabajar.", "N", 5, 0.6),
    ("SF05", "staff", "Safety", "Student behavior problems disrupt learning in my classroom.",
     "Los problemas de conducta de los estudiantes interrumpen el aprendizaje en mi salón.", "Y", 5, -0.05),
    ("SF06", "staff", "Academic rigor", "This school sets high standards for academic performance.",
     "Esta escuela establece altos estándares de rendimiento académico.", "N", 5, 0.45),
    ("SF07", "staff", "Caring adults", "Staff at this school build strong relationships with students.",
     "El personal de esta escuela establece relaciones sólidas con los estudiantes.", "N", 5, 0.7),
    ("SF08", "staff", "Family engagement", "This school communicates well with families.",
     "Esta escuela se comunica bien con las familias.", "N", 5, 0.35),
]
RESPONDENT_GROUPS = ["student", "parent", "staff"]


def write_codebook(path: Path) -> int:
    df = pd.DataFrame([dict(item_id=i, respondent_group=g, domain=d, item_text_en=en, item_text_es=es,
                            reverse_coded=rev, scale_points=pts, domain_es=DOMAIN_ES[d])
                       for i, g, d, en, es, rev, pts, _loc in SURVEY_ITEMS])
    return write_csv(df[CODEBOOK_COLS], path)


def write_survey(yd: YearData, w: World, seed: int, dir_: Path) -> tuple[int, int]:
    """Write survey_responses.csv and survey_population.csv into ``dir_``; return their rows."""
    r = keyed_rng(seed, "survey", yd.spring)
    s = w.schools
    n = w.n
    idx, school = census(yd)
    grade = yd.pop["grade"][idx]
    elig = grade >= 3
    idx, school, grade = idx[elig], school[elig], grade[elig]
    invited_st = np.bincount(school, minlength=n)
    yr_noise = r.normal(0, 0.04, (n, 3))
    rate_st = np.clip(s["resp_student"].to_numpy() + yr_noise[:, 0], 0.45, 0.95)
    resp = r.random(len(idx)) < rate_st[school]
    st_school, st_grade = school[resp], grade[resp]
    enrolled = np.bincount(census(yd)[1], minlength=n)
    invited_pa = np.floor(enrolled * 0.85 + 0.5).astype(np.int64)
    invited_sf = np.floor(enrolled / 18 + 12 + 0.5).astype(np.int64)
    rate_pa = np.clip(s["resp_parent"].to_numpy() + yr_noise[:, 1], 0.12, 0.6)
    rate_sf = np.clip(s["resp_staff"].to_numpy() + yr_noise[:, 2], 0.5, 0.98)
    n_pa = r.binomial(invited_pa, rate_pa)
    n_sf = r.binomial(invited_sf, rate_sf)
    # respondents: students (in a shuffled order within school), parents, staff
    rs_school = np.concatenate([st_school, np.repeat(np.arange(n), n_pa), np.repeat(np.arange(n), n_sf)])
    rs_group = np.concatenate([np.zeros(len(st_school), np.int8), np.ones(int(n_pa.sum()), np.int8),
                               np.full(int(n_sf.sum()), 2, np.int8)])
    rs_grade = np.concatenate([st_grade, np.zeros(len(rs_school) - len(st_grade), np.int64)])
    order = np.lexsort((r.random(len(rs_school)), rs_group, rs_school))
    rs_school, rs_group, rs_grade = rs_school[order], rs_group[order], rs_grade[order]
    m = len(rs_school)
    climate = s["climate"].to_numpy() + r.normal(0, 0.1, n)
    person = r.normal(0, 0.7, m) + climate[rs_school] + np.array([0.0, 0.3, 0.1])[rs_group]
    person = person - 0.04 * np.where(rs_group == 0, rs_grade - 3, 0)  # older students are less positive
    cols: dict[str, object] = {}
    members = [np.nonzero(rs_group == gi)[0] for gi in range(len(RESPONDENT_GROUPS))]
    for item_id, grp, _dom, _en, _es, rev, points, loc in SURVEY_ITEMS:
        gi = RESPONDENT_GROUPS.index(grp)
        who = members[gi]
        x = person[who] + loc + r.normal(0, 0.8, len(who))
        if points == 4:
            cat = 1 + (x > -1.2).astype(np.int8) + (x > -0.35) + (x > 0.9)
        else:
            cat = 1 + (x > -1.6).astype(np.int8) + (x > -0.8) + (x > 0.05) + (x > 1.0)
        if rev == "Y":
            cat = points + 1 - cat
        values = np.ones(m, dtype=np.int8)
        values[who] = cat
        mask = np.ones(m, dtype=bool)
        mask[who] = r.random(len(who)) < (0.04 if gi == 0 else 0.025)  # skipped
        cols[item_id] = pd.arrays.IntegerArray(values, mask)
    spring = yd.spring
    df = pd.DataFrame(dict(
        school_year=constant_column(yd.label, m),
        response_id=spring * 100_000_000 + np.arange(1, m + 1, dtype=np.int64),
        cds=pd.Categorical.from_codes(rs_school, s["cds"].tolist()),
        respondent_group=pd.Categorical.from_codes(rs_group, RESPONDENT_GROUPS),
        grade=pd.arrays.IntegerArray(rs_grade.astype(np.int8), rs_group != 0), **cols))
    rows = write_csv(df, dir_ / "survey_responses.csv")
    pop = pd.DataFrame(dict(
        school_year=yd.label, cds=np.repeat(s["cds"].to_numpy(), 3), respondent_group=np.tile(RESPONDENT_GROUPS, n),
        invited=np.stack([invited_st, invited_pa, invited_sf], axis=1).ravel()))
    return rows, write_csv(pop, dir_ / "survey_population.csv")
