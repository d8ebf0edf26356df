"""Deterministic generator of realistic sample exports for a California school district.

``generate(out_dir, scale, seed, years)`` writes the full input contract (the files and columns that
``schemas/district.py`` and ``schemas/dashboard.py`` check): the shared ``directory.csv`` and
``survey_codebook.csv``, per school year the district's student-level exports and, under
``dashboard/``, CDE Dashboard research files in the published tab-delimited layout.

The same seed always gives byte-identical files. Every random draw comes from a generator keyed by
(seed, purpose, year), so the files do not depend on the order things are generated in.

How the data are made (all vectorised with numpy; there is no Python loop over students):

* A *world* of counties, districts and schools (names, grade spans, size, poverty, demographics).
* A *population* simulated year by year, starting one year before the first requested year (a
  burn-in year that is not written, so the first year already has continuing students and prior
  Dashboard numbers). Each year students move up a grade, graduate after grade 12, leave, move to
  a school that serves their next grade (feeder) or transfer; every school's grades are then
  filled up to a target enrollment with new students (most of them in the entry grade). A student
  keeps one 10-digit SSID for life.
* Each student has persistent latent traits: a general ability with ELA- and math-specific parts
  (prior-year scores predict current scores, r ~ 0.8, and ELA and math correlate), an absence and
  a discipline propensity. Outcomes shift with school poverty, SED, disability, foster and
  homeless status, English-learner status (through lower English ability and reclassification of
  the stronger students), and ethnicity, so gaps between groups look like California's.
* Dashboard rows for schools, the district(s) and the state are computed from the student records
  with CDE's rules: status ``round-half-up(100*numer/denom, 0.1)``, change from unrounded rates,
  cut scores, colour grid, ``box``, n-size and ``*`` privacy marks. All rounding is integer
  arithmetic (half away from zero), never float ``round``.
* When only part of a district is generated (``tiny`` and ``demo``: a network of high-need
  schools inside a large district), the district row is synthetic, with plausible large-district
  values; the state row is synthetic except at ``state`` scale, where it is the aggregate.
"""
from __future__ import annotations

import math
import unicodedata
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["SCALES", "ScaleSpec", "generate", "DASHBOARD_INDICATORS", "dashboard_columns"]

# --------------------------------------------------------------------------------------------
# Codes
# --------------------------------------------------------------------------------------------
GRADE_LABELS = ["TK", "K"] + [str(g) for g in range(1, 13)]  # index = grade + 1 (TK = -1)
ETH = ["AA", "AI", "AS", "FI", "HI", "PI", "WH", "MR"]
ETH_INDEX = {c: i for i, c in enumerate(ETH)}
EO, IFEP, EL, RFP = 0, 1, 2, 3  # language status
ENROLL_GROUPS = ["ALL", *ETH, "EL", "LTEL", "RFP", "EO", "SED", "SWD", "FOS", "HOM"]
RATE_GROUPS = ["ALL", *ETH, "EL", "LTEL", "SED", "SWD", "FOS", "HOM"]
ACAD_GROUPS = ["ALL", *ETH, "EL", "LTEL", "RFP", "EO", "SED", "SWD", "FOS", "HOM"]
ELPI_GROUPS = ["EL", "LTEL"]
LEA_SMALL_GROUPS = {"LTEL", "FOS", "HOM"}
LTEL_FROM = 2024  # first Dashboard year with a long-term English learner group
TESTED_GRADES = (3, 4, 5, 6, 7, 8, 11)
DAYS = 180
CENSUS_DAY = 20  # first Wednesday in October, as a school day
TEST_DAY = 150  # spring testing window
STATE_CDS = "00000000000000"

# --------------------------------------------------------------------------------------------
# Smarter Balanced scale (lowest/highest obtainable score, standard-met cut, spread per grade)
# --------------------------------------------------------------------------------------------
SBAC = {
    # grade: (loss, hoss, cut, sd, state DFS 2022)
    "ELA": {3: (2114, 2623, 2432, 88, -16), 4: (2131, 2663, 2473, 93, -20), 5: (2201, 2701, 2502, 95, -8),
            6: (2210, 2724, 2531, 96, -16), 7: (2258, 2745, 2552, 98, -11), 8: (2288, 2769, 2567, 100, -18),
            11: (2299, 2795, 2583, 110, 8)},
    "MATH": {3: (2189, 2621, 2436, 80, -15), 4: (2204, 2659, 2485, 88, -30), 5: (2219, 2700, 2528, 95, -50),
             6: (2235, 2748, 2552, 105, -55), 7: (2250, 2778, 2567, 112, -58), 8: (2265, 2802, 2586, 118, -68),
             11: (2280, 2862, 2628, 125, -90)},
}
SCORE_YEAR_SHIFT = {"ELA": {2021: -8.0, 2022: 0.0, 2023: -1.4, 2024: -1.0},
                    "MATH": {2021: -10.0, 2022: 0.0, 2023: 2.6, 2024: 4.1}}
LA_SCORE_BONUS = 0.22  # the large district does better than its demographics predict (its high-need network does not)
SCORE_COMP = {"ELA": 0.45, "MATH": 0.36}  # offsets the state-average demographic shift so state DFS lands near CDE's

# --------------------------------------------------------------------------------------------
# Dashboard rules (see /work/shared/reference/ca-dashboard.md and config/cut_scores.csv)
# Cut points are upper-inclusive band edges in tenths, low values first; `better` says which end
# is level 5.
# --------------------------------------------------------------------------------------------
CUTS = {
    "chronic": {"status": (25, 50, 100, 200), "change": (-30, -5, 4, 30), "better": "low"},
    "susp": {"status": (5, 15, 60, 100), "change": (-20, -3, 2, 30), "better": "low"},
    "grad": {"status": (679, 799, 904, 949), "change": (-51, -10, 9, 49), "better": "high"},
    "elpi": {"status": (349, 449, 549, 649), "change": (-101, -20, 19, 99), "better": "high"},
    "ela": {"status": (-701, -51, 99, 449), "status_hs": (-451, -1, 299, 749), "change": (-151, -30, 29, 149),
            "better": "high"},
    "math": {"status": (-951, -251, -1, 349), "status_hs": (-1151, -601, -1, 249), "change": (-151, -30, 29, 149),
             "better": "high"},
}
# colour by [status level][change level]; 1 Red, 2 Orange, 3 Yellow, 4 Green, 5 Blue
COLOR_GRID = np.array([
    [0, 0, 0, 0, 0, 0],
    [0, 1, 1, 1, 2, 3],
    [0, 1, 2, 2, 3, 3],
    [0, 2, 2, 3, 4, 4],
    [0, 2, 3, 4, 4, 5],
    [0, 3, 4, 5, 5, 5],
], dtype=np.int64)

LEAD_COLS = ["cds", "rtype", "schoolname", "districtname", "countyname", "charter_flag", "coe_flag",
             "dass_flag", "studentgroup"]
_RATE_TAIL = ["currnumer", "currdenom", "currstatus", "priornumer", "priordenom", "priorstatus", "change",
              "statuslevel", "changelevel", "color", "box", "smalldenom", "currnsizemet", "priornsizemet",
              "accountabilitymet"]
_ACAD_TAIL = ["currdenom", "currstatus", "priordenom", "priorstatus", "change", "statuslevel", "changelevel",
              "color", "box", "currnsizemet", "priornsizemet", "accountabilitymet", "hscutpoints",
              "curradjustment", "prioradjustment", "pairshare_method", "notestflag", "currprate_enrolled",
              "currprate_tested", "currprate", "currnumprloss", "currdenom_withoutprloss",
              "currstatus_withoutprloss", "priorprate_enrolled", "priorprate_tested", "priorprate",
              "priornumprloss", "priordenom_withoutprloss", "priorstatus_withoutprloss"]
_ELPI_PARTS = ["progressed", "maintainPL4", "maintainOth", "declined", "progressed_Alternate",
               "maintainPL3_Alternate", "notprognotmain_Alternate", "95"]
_ELPI_TAIL = ([f"curr{p}" for p in _ELPI_PARTS] + ["currnumer", "currdenom", "currstatus"]
              + [f"prior{p}" for p in _ELPI_PARTS] + ["priornumer", "priordenom", "priorstatus"]
              + ["change", "statuslevel", "changelevel", "color", "box", "currnsizemet", "priornsizemet",
                 "accountabilitymet"])
_FULL_COLUMNS = {
    "chronic": LEAD_COLS + _RATE_TAIL + ["indicator", "reportingyear"],
    "susp": LEAD_COLS + _RATE_TAIL + ["indicator", "reportingyear"],
    "grad": LEAD_COLS + _RATE_TAIL + ["fiveyrnumer", "priorfiveyrnumer", "indicator", "reportingyear"],
    "ela": LEAD_COLS + _ACAD_TAIL + ["indicator", "reportingyear"],
    "math": LEAD_COLS + _ACAD_TAIL + ["indicator", "reportingyear"],
    "elpi": LEAD_COLS + _ELPI_TAIL + ["reportingyear"],
}
DASHBOARD_INDICATORS = ("chronic", "susp", "grad", "ela", "math", "elpi")
STATUS_ONLY_UNTIL = 2022  # 2022 Dashboard files are status-only


def dashboard_columns(indicator: str, reporting_year: int) -> list[str]:
    """The header the generator writes for one Dashboard research file."""
    cols = _FULL_COLUMNS[indicator]
    if reporting_year <= STATUS_ONLY_UNTIL:
        drop = {"change", "changelevel", "color", "box"}
        cols = [c for c in cols if not c.startswith("prior") and c not in drop]
    return list(cols)


DIRECTORY_COLS = ["cds", "school_name", "district_name", "county_name", "school_type", "low_grade", "high_grade",
                  "charter", "principal_name", "principal_email", "languages", "address", "city", "zip"]
CODEBOOK_COLS = ["item_id", "respondent_group", "domain", "item_text_en", "item_text_es", "reverse_coded",
                 "scale_points", "domain_es"]
ENROLLMENT_COLS = ["school_year", "cds", "student_group", "enrollment"]
FLAG_COLS = ["ethnicity", "el", "ltel", "sed", "swd", "foster", "homeless"]
ASSESSMENT_COLS = ["school_year", "ssid", "cds", "grade", "subject", "test_type", "scale_score", *FLAG_COLS]
ATTENDANCE_COLS = ["school_year", "ssid", "cds", "grade", "days_enrolled", "days_absent", *FLAG_COLS]
SURVEY_POP_COLS = ["school_year", "cds", "respondent_group", "invited"]
COMMUNITY_COLS = ["school_year", "cds", "asthma_rate", "gun_injury_rate", "deepest_poverty_pct"]

# --------------------------------------------------------------------------------------------
# Survey codebook
# --------------------------------------------------------------------------------------------
DOMAIN_ES = {"Caring adults": "Adultos que se preocupan", "Safety": "Seguridad",
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

# --------------------------------------------------------------------------------------------
# Scales
# --------------------------------------------------------------------------------------------
# curated school: name, type, low, high, size (census, 2023-24), poverty (SED share),
# ethnicity overrides, languages, charter
_Curated = tuple

TINY_SCHOOLS: tuple[_Curated, ...] = (
    ("Dolores Huerta Elementary", "ES", "TK", "5", 430, 0.89, None, "en;es", "N"),
    ("Escuela Niños del Valle", "ES", "K", "5", 160, 0.86, {"AA": 0.07, "AS": 0.02}, "en;es", "N"),
    ("César Chávez Middle", "MS", "6", "8", 260, 0.88, None, "en;es", "N"),
    ("Jaime Escalante High", "HS", "9", "12", 380, 0.82, None, "en;es", "N"),
)
DEMO_SCHOOLS: tuple[_Curated, ...] = (
    ("Dolores Huerta Elementary", "ES", "TK", "5", 620, 0.89, None, "en;es", "N"),
    ("Escuela Niños del Valle", "ES", "TK", "5", 310, 0.86, {"HI": 0.94}, "en;es", "N"),
    ("Maya Angelou Elementary", "ES", "TK", "5", 560, 0.87, {"AA": 0.22}, "en;es", "N"),
    ("52nd Street Elementary", "ES", "TK", "5", 750, 0.91, None, "en;es", "N"),
    ("Sor Juana Inés de la Cruz Elementary", "ES", "TK", "5", 380, 0.84, None, "en;es", "N"),
    ("Florence Avenue Elementary", "ES", "TK", "5", 820, 0.90, None, "en;es", "N"),
    ("Rubén Salazar Elementary", "ES", "TK", "5", 520, 0.85, None, "en;es", "N"),
    ("Hooper Avenue Elementary", "ES", "TK", "5", 900, 0.92, None, "en;es", "N"),
    ("Sunrise Elementary", "ES", "K", "5", 150, 0.76, {"WH": 0.08}, "en;es", "N"),
    ("Mary McLeod Bethune Elementary", "ES", "TK", "5", 290, 0.88, {"AA": 0.38}, "en;es", "N"),
    ("Tomás Rivera Elementary", "ES", "TK", "5", 480, 0.83, None, "en;es", "N"),
    ("Gabriela Mistral Elementary", "ES", "K", "5", 240, 0.80, {"AS": 0.10, "FI": 0.06}, "en;es;tl", "N"),
    ("César Chávez Middle", "MS", "6", "8", 1200, 0.88, None, "en;es", "N"),
    ("Ida B. Wells Middle", "MS", "6", "8", 900, 0.82, {"AS": 0.12, "AA": 0.10}, "en;es;ko", "N"),
    ("George Washington Carver Middle", "MS", "6", "8", 620, 0.86, {"AA": 0.25}, "en;es", "N"),
    ("Central Avenue High", "HS", "9", "12", 1800, 0.84, None, "en;es", "N"),
    ("Jaime Escalante High", "HS", "9", "12", 1650, 0.82, None, "en;es", "N"),
    ("Luis Valdez Leadership Academy", "HS", "9", "12", 480, 0.81, None, "en;es", "Y"),
    ("Frida Kahlo K-8 Span School", "K8", "TK", "8", 1050, 0.86, None, "en;es", "N"),
)
# the demo school whose principal has no e-mail address on file
_BLANK_EMAIL_SCHOOL = "Sunrise Elementary"


@dataclass(frozen=True)
class ScaleSpec:
    """How big a generated data set is and what kind of place it describes."""

    name: str
    n_schools: int
    n_students: int  # approximate census-day enrollment in the last requested year
    n_districts: int = 1
    n_counties: int = 1
    curated: tuple[_Curated, ...] | None = None
    partial_district: bool = False  # the schools are a network inside a larger district
    profile: str = "la"  # "la": high-need Los Angeles; "state": California as a whole
    description: str = ""


SCALES: dict[str, ScaleSpec] = {
    "tiny": ScaleSpec("tiny", 4, 1_230, curated=TINY_SCHOOLS, partial_district=True,
                      description="4 schools (2 ES, 1 MS, 1 HS), ~1,200 students: fast tests"),
    "demo": ScaleSpec("demo", 19, 13_720, curated=DEMO_SCHOOLS, partial_district=True,
                      description="a network of 19 high-need schools inside a large district, ~14,000 students"),
    "district": ScaleSpec("district", 1_000, 430_000,
                          description="a large urban unified district: ~1,000 schools, ~430,000 students"),
    "state": ScaleSpec("state", 10_000, 6_000_000, n_districts=1_000, n_counties=58, profile="state",
                       description="California: ~10,000 schools, ~6 million students, ~1,000 districts, 58 counties"),
}

SAMPLE_DISTRICT = ("75416", "Sample Unified School District", "sampleusd.example.org")

COUNTIES = [  # code, name, approximate share of the state's K-12 students
    ("01", "Alameda", 3.7), ("02", "Alpine", 0.01), ("03", "Amador", 0.07), ("04", "Butte", 0.5),
    ("05", "Calaveras", 0.1), ("06", "Colusa", 0.08), ("07", "Contra Costa", 3.0), ("08", "Del Norte", 0.07),
    ("09", "El Dorado", 0.5), ("10", "Fresno", 3.5), ("11", "Glenn", 0.1), ("12", "Humboldt", 0.3),
    ("13", "Imperial", 0.65), ("14", "Inyo", 0.05), ("15", "Kern", 3.3), ("16", "Kings", 0.5),
    ("17", "Lake", 0.15), ("18", "Lassen", 0.08), ("19", "Los Angeles", 23.5), ("20", "Madera", 0.55),
    ("21", "Marin", 0.55), ("22", "Mariposa", 0.03), ("23", "Mendocino", 0.2), ("24", "Merced", 1.0),
    ("25", "Modoc", 0.02), ("26", "Mono", 0.03), ("27", "Monterey", 1.3), ("28", "Napa", 0.3),
    ("29", "Nevada", 0.2), ("30", "Orange", 7.5), ("31", "Placer", 1.3), ("32", "Plumas", 0.03),
    ("33", "Riverside", 7.0), ("34", "Sacramento", 4.0), ("35", "San Benito", 0.2), ("36", "San Bernardino", 6.7),
    ("37", "San Diego", 8.0), ("38", "San Francisco", 1.0), ("39", "San Joaquin", 2.5), ("40", "San Luis Obispo", 0.55),
    ("41", "San Mateo", 1.5), ("42", "Santa Barbara", 1.1), ("43", "Santa Clara", 4.2), ("44", "Santa Cruz", 0.6),
    ("45", "Shasta", 0.45), ("46", "Sierra", 0.01), ("47", "Siskiyou", 0.1), ("48", "Solano", 1.1),
    ("49", "Sonoma", 1.2), ("50", "Stanislaus", 1.9), ("51", "Sutter", 0.35), ("52", "Tehama", 0.2),
    ("53", "Trinity", 0.03), ("54", "Tulare", 1.6), ("55", "Tuolumne", 0.12), ("56", "Ventura", 2.0),
    ("57", "Yolo", 0.5), ("58", "Yuba", 0.3),
]

# --------------------------------------------------------------------------------------------
# Name pools (fictional schools; namesakes are public figures or places)
# --------------------------------------------------------------------------------------------
PERSONS = [
    "César Chávez", "Dolores Huerta", "Sor Juana Inés de la Cruz", "Gabriela Mistral", "Tomás Rivera",
    "Rubén Salazar", "José Martí", "Frida Kahlo", "Octavio Paz", "Ellen Ochoa", "Sylvia Mendez",
    "Maya Angelou", "Mary McLeod Bethune", "Ida B. Wells", "Thurgood Marshall", "Rosa Parks",
    "Fred Korematsu", "Sally Ride", "Amelia Earhart", "George Washington Carver", "Langston Hughes",
    "John Muir", "Jackie Robinson", "Yuri Kochiyama", "Larry Itliong", "Mae Jemison", "Walt Whitman",
    "Abraham Lincoln", "Benjamin Franklin", "Harriet Tubman", "Martin Luther King Jr.", "Harvey Milk",
    "Edward R. Roybal", "Ritchie Valens", "Jaime Escalante", "Luis Valdez", "Celia Cruz",
    "Roberto Clemente", "Pablo Neruda", "Juan Rodríguez Cabrillo", "Gloria Anzaldúa", "Carlos Santana",
    "Mario Molina", "Ynez Mexía", "Josefina López", "Eleanor Roosevelt", "Frederick Douglass",
    "Booker T. Washington", "Sojourner Truth", "Dalip Singh Saund", "Patsy Mink", "Chien-Shiung Wu",
    "Daniel Inouye", "Ruth Asawa", "Isamu Noguchi", "Florence Nightingale", "Albert Einstein",
    "Marie Curie", "Carl Sagan", "Katherine Johnson", "Dorothy Vaughan", "Jesse Owens", "Wilma Rudolph",
    "Arthur Ashe", "Bernardo O'Higgins", "Simón Bolívar", "Benito Juárez", "Emiliano Zapata",
    "Joaquín Miller", "Jack London", "Mark Twain", "Robert Louis Stevenson", "Helen Keller",
    "Louisa May Alcott", "Pío Pico", "María Amparo Ruiz de Burton", "Bridget Mason", "Paul Robeson",
]
PLACES = [
    "Sierra Vista", "Vista del Mar", "Valle Verde", "Monte Alegre", "Los Robles", "Oak Park", "Sunrise",
    "Sunset", "Hillcrest", "Lakeview", "Riverside", "Pacific", "Harbor", "Canyon", "Mountain View",
    "Palm Grove", "Buena Vista", "La Paloma", "El Camino", "Mar Vista", "Loma Alta", "Rancho Verde",
    "San Gabriel", "Echo Park", "Arroyo Seco", "Cielito Lindo", "Los Álamos", "Las Flores", "El Sereno",
    "Valley View", "Crestwood", "Fairview", "Greenwood", "Maplewood", "Willow Glen", "Cypress Grove",
    "Sycamore", "Jacaranda", "Magnolia", "Bougainvillea", "Poinsettia", "Camellia", "Orchard",
    "Meadowbrook", "Brookside", "Parkside", "Lakeside", "Seaside", "Bayside", "Ocean View", "Golden Hill",
    "Cerritos", "Los Nietos", "Figueroa", "Vermont Avenue", "Western Avenue", "Hooper Avenue",
    "Florence Avenue", "Compton Avenue", "Main Street", "Broadway", "Central Avenue", "Alameda Street",
    "Normandie Avenue", "Manchester Avenue", "Slauson Avenue", "Gage Avenue", "Pico Boulevard",
    "Olympic Boulevard", "Sunset Boulevard", "Whittier Boulevard", "César E. Chávez Avenue", "La Brea",
    "Montebello Park", "Eastside", "Westside", "Northridge", "Southgate", "Dos Caminos", "Tres Pinos",
    "Ánimo Park", "Niños del Valle", "Piedra Blanca", "Agua Dulce", "Arboleda", "Rosewood", "Elmwood",
]
ORDINAL_STREETS = [f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')} Street"
                   for n in range(1, 200)]
NAME_PREFIXES = PERSONS + PLACES + ORDINAL_STREETS
DISTRICT_WORDS_A = [
    "Alder", "Bear", "Cedar", "Clear", "Coyote", "Deer", "Eagle", "Elk", "Fair", "Fox", "Golden", "Green",
    "Hawk", "Maple", "Mill", "Oak", "Pine", "Quail", "Red", "Rock", "Sage", "Silver", "Spring", "Stone",
    "Sun", "Walnut", "Willow", "Cotton", "Sand", "Laurel", "Live Oak", "Cypress", "Sycamore", "Poplar",
    "Mesa", "Buena", "Palo", "Alta", "Bella", "Agua", "Loma", "Río", "Sierra", "Vista", "Arroyo", "Ocean",
    "Valle", "Cañada",
]
DISTRICT_WORDS_B = ["Creek", "Valley", "Ridge", "Hills", "Springs", "Grove", "Canyon", "Flat", "Meadow",
                    "Point", "View", "Park", "Lake", "River", "Bluff", "Glen", "Wood", "Field", "Brook",
                    "Crest", "Verde", "Linda", "Hermosa"]
FIRST_NAMES = [
    "José", "María", "Verónica", "Andrés", "Sofía", "Inés", "Ramón", "Jesús", "Héctor", "Mónica", "Raúl",
    "Ana", "Luis", "Carmen", "Jorge", "Patricia", "Miguel", "Rosa", "Alejandro", "Guadalupe", "Daniel",
    "Angélica", "Fernando", "Lucía", "Óscar", "Elena", "Ricardo", "Adriana", "Michael", "Jennifer", "David",
    "Lisa", "James", "Karen", "Robert", "Angela", "Kevin", "Michelle", "Brian", "Stephanie", "Jason",
    "Tiffany", "Darnell", "Keisha", "Marcus", "Tamika", "Andre", "Monique", "Jae", "Min-ji", "Sung",
    "Hye-jin", "Wei", "Mei", "Thanh", "Linh", "Rajesh", "Priya", "Maricel", "Jerome", "Rowena", "Noa",
    "Zoë", "Renée", "Chloé",
]
LAST_NAMES = [
    "Hernández", "García", "Martínez", "López", "González", "Rodríguez", "Pérez", "Sánchez", "Ramírez",
    "Torres", "Flores", "Gómez", "Díaz", "Morales", "Jiménez", "Ortiz", "Castillo", "Romero", "Reyes",
    "Cruz", "Gutiérrez", "Chávez", "Ruiz", "Mendoza", "Vásquez", "Castañeda", "Núñez", "Ibáñez",
    "Nguyen", "Kim", "Lee", "Park", "Chen", "Wong", "Patel", "Santos", "Dela Cruz", "Johnson", "Williams",
    "Brown", "Jackson", "Smith", "Davis", "Washington", "Thompson", "Robinson", "Harris", "Walker",
    "O'Brien", "Miller", "Anderson", "Taylor", "Moore", "White", "Tran", "Yamamoto", "Nakamura",
]
LA_CITIES = [  # city, zip codes
    ("Los Angeles", ["90001", "90002", "90003", "90007", "90011", "90018", "90019", "90021", "90023", "90031",
                     "90033", "90037", "90043", "90044", "90047", "90057", "90058", "90059", "90061", "90062"]),
    ("South Gate", ["90280"]), ("Huntington Park", ["90255"]), ("Bell", ["90201"]), ("Maywood", ["90270"]),
    ("Lynwood", ["90262"]), ("Pacoima", ["91331"]), ("Sylmar", ["91342"]), ("Van Nuys", ["91405", "91406"]),
    ("North Hollywood", ["91601", "91605"]), ("Wilmington", ["90744"]), ("San Pedro", ["90731"]),
]
STREETS = ["S Main St", "E 52nd St", "W Florence Ave", "Compton Ave", "S Hooper Ave", "S Central Ave",
           "E Gage Ave", "S Vermont Ave", "W Slauson Ave", "S Figueroa St", "E Cesar E Chavez Ave", "Whittier Blvd",
           "S Western Ave", "W Manchester Ave", "N Broadway", "S Alameda St", "Pacific Blvd", "Mission Rd",
           "Evergreen Ave", "Soto St", "Van Nuys Blvd", "Laurel Canyon Blvd", "Sherman Way", "Avalon Blvd"]
GENERIC_STREETS = ["Main St", "Oak Ave", "1st St", "Elm St", "Park Ave", "School St", "Mission Blvd",
                   "El Camino Real", "Center St", "Washington Ave", "Lincoln Ave", "Pine St", "Church St",
                   "Union Ave", "Olive Ave", "Walnut St", "Grand Ave", "Sierra Way", "Valley Blvd", "Orchard Rd"]
LANG_EXTRA = ["ko", "zh", "tl", "vi", "hy", "ru", "fa", "ar", "km"]

# --------------------------------------------------------------------------------------------
# Model parameters
# --------------------------------------------------------------------------------------------
ETH_BASE = {  # AA, AI, AS, FI, HI, PI, WH, MR
    "la": np.array([0.08, 0.003, 0.025, 0.015, 0.83, 0.003, 0.03, 0.014]),
    "la_district": np.array([0.075, 0.002, 0.035, 0.018, 0.74, 0.003, 0.10, 0.027]),
    "state": np.array([0.05, 0.005, 0.095, 0.024, 0.56, 0.004, 0.21, 0.052]),
}
SED_ETH = np.array([0.2, 0.0, -0.7, -0.5, 0.35, 0.1, -1.0, -0.5])
EVER_EL_ETH = np.array([0.03, 0.05, 0.42, 0.22, 0.5, 0.18, 0.05, 0.05])
AB_G, AB_S = 0.97, 0.243  # ability = AB_G * general + AB_S * subject-specific (unit variance)
VAR_AB, VAR_E = 0.64, 0.2  # score variance from persistent ability and from the test occasion
STILL_EL = np.array([1.0, 1.0, 0.92, 0.85, 0.75, 0.62, 0.52, 0.45, 0.4, 0.37, 0.35, 0.33, 0.3, 0.28])  # by grade+1
SCORE_ETH = {"ELA": np.array([-0.55, -0.35, 0.7, 0.35, -0.15, -0.25, 0.25, 0.2]),
             "MATH": np.array([-0.6, -0.35, 1.0, 0.35, -0.15, -0.3, 0.25, 0.2])}
GRAD_ETH = np.array([-0.5, -0.5, 0.6, 0.5, -0.1, -0.2, 0.1, 0.0])
ABS_ETH = np.array([0.3, 0.35, -0.45, -0.3, 0.1, 0.4, -0.1, 0.0])
ABS_GRADE = np.array([0.35, 0.25, 0.0, -0.05, -0.05, -0.05, 0.0, 0.1, 0.1, 0.15, 0.2, 0.25, 0.35, 0.5])
ABS_YEAR = {2021: -3.8, 2022: -2.9, 2023: -3.07, 2024: -3.19, 2025: -3.27}
SUSP_ETH = np.array([1.15, 0.8, -1.0, -0.6, 0.1, 0.5, -0.05, 0.15])
SUSP_GRADE = np.array([-2.5, -2.0, -1.6, -1.4, -1.2, -1.0, -0.8, 0.1, 0.35, 0.4, 0.35, 0.2, 0.0, -0.3])
SUSP_YEAR = {2021: -6.5, 2022: -4.0, 2023: -3.86, 2024: -3.93, 2025: -3.95}
GRAD_YEAR = {2021: 0.0, 2022: 0.18, 2023: 0.1, 2024: 0.1, 2025: 0.13}
ELPI_YEAR = {2021: -0.3, 2022: -0.08, 2023: -0.15, 2024: -0.28, 2025: -0.25}
TK_SHARE = {2021: 0.45, 2022: 0.55, 2023: 0.7, 2024: 0.85}  # of a K class, as universal TK rolls out
GRADE_WEIGHT = np.array([1.0, 1.0] + [1.0] * 8 + [1.08, 1.03, 0.98, 0.93])


def _year_value(table: dict[int, float], year: int) -> float:
    if year in table:
        return table[year]
    return table[min(table)] if year < min(table) else table[max(table)]


# Synthetic Dashboard rows (state row, and the district row of a partially generated district).
# rate indicators: ALL rate by Dashboard year; group rate = ALL * multiplier (chronic, susp) or
# ALL + offset (grad, elpi, ela/math DFS).
SYNTH = {
    "state": {
        "shares": {"ALL": 1, "AA": 0.05, "AI": 0.005, "AS": 0.095, "FI": 0.024, "HI": 0.56, "PI": 0.004,
                   "WH": 0.205, "MR": 0.052, "EL": 0.19, "LTEL": 0.045, "RFP": 0.17, "EO": 0.55, "SED": 0.63,
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
                   "WH": 0.10, "MR": 0.027, "EL": 0.2, "LTEL": 0.06, "RFP": 0.3, "EO": 0.4, "SED": 0.84,
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
            "EL": -55, "LTEL": -85, "RFP": 20, "EO": 10, "SED": -25, "SWD": -85, "FOS": -70, "HOM": -50},
    "math": {"ALL": 0, "AA": -50, "AI": -40, "AS": 75, "FI": 30, "HI": -30, "PI": -35, "WH": 25, "MR": 20,
             "EL": -50, "LTEL": -85, "RFP": 10, "EO": 8, "SED": -28, "SWD": -85, "FOS": -75, "HOM": -50},
}


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------
def _rng(seed: int, *keys: object) -> np.random.Generator:
    """A generator keyed by the seed and a purpose, stable across runs and Python versions."""
    words = [int(seed) % (2 ** 63)] + [zlib.crc32(str(k).encode("utf-8")) for k in keys]
    return np.random.default_rng(np.random.SeedSequence(words))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def _half_up_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """round(num / den) with ties away from zero, in exact integer arithmetic (den > 0)."""
    num = np.asarray(num, dtype=np.int64)
    den = np.asarray(den, dtype=np.int64)
    q = (2 * np.abs(num) + den) // (2 * den)
    return np.sign(num) * q


def _fmt_tenths(t: np.ndarray) -> np.ndarray:
    t = np.asarray(t, dtype=np.int64)
    a = np.abs(t)
    s = np.char.add(np.char.add((a // 10).astype(str), "."), (a % 10).astype(str))
    return np.where(t < 0, np.char.add("-", s), s)


def _ascii(s: str) -> str:
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii")


def _yn(mask: np.ndarray) -> pd.Categorical:
    return pd.Categorical.from_codes(np.asarray(mask, dtype=np.int8), ["N", "Y"])


def _parse_year(label: str) -> int:
    """'2023-24' -> 2024 (the spring year, which is the Dashboard year)."""
    try:
        first, second = label.split("-")
        spring = int(first) + 1
        ok = len(first) == 4 and second == f"{spring % 100:02d}"
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"school year must look like '2023-24', got {label!r}")
    return spring


def _label(spring: int) -> str:
    return f"{spring - 1}-{spring % 100:02d}"


FAST_WRITE_ROWS = 50_000  # frames this long are written by DuckDB when it is installed


def _duckdb():
    try:
        import duckdb  # noqa: PLC0415
    except ImportError:  # pragma: no cover
        return None
    return duckdb


def _write_csv(df: pd.DataFrame, path: Path, sep: str = ",", float_format: str | None = None,
               fast: bool | None = None) -> int:
    """Write a frame as UTF-8 delimited text with a header and \\n line ends; return its rows.

    Large frames go through DuckDB's CSV writer when available (same bytes as pandas for the
    integer, category and nullable-integer columns used here, about six times faster).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    duckdb = _duckdb() if fast is not False and float_format is None else None
    if duckdb is not None and (fast or len(df) >= FAST_WRITE_ROWS):
        con = duckdb.connect()
        try:
            con.execute("SET enable_progress_bar = false")
            con.register("frame", df)
            target = str(path).replace("'", "''")
            con.execute(f"COPY frame TO '{target}' (FORMAT CSV, HEADER, DELIMITER '{sep}')")
        finally:
            con.close()
        return len(df)
    df.to_csv(path, index=False, sep=sep, lineterminator="\n", encoding="utf-8", float_format=float_format,
              chunksize=200_000)
    return len(df)


# --------------------------------------------------------------------------------------------
# World: counties, districts, schools
# --------------------------------------------------------------------------------------------
@dataclass
class World:
    schools: pd.DataFrame  # directory columns plus model parameters; index = school number
    districts: pd.DataFrame  # code, name, county_code, county_name, domain, cds
    eth_cum: np.ndarray  # (n_schools, 8) cumulative ethnicity probabilities
    spec: ScaleSpec

    @property
    def n(self) -> int:
        return len(self.schools)


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


def _build_world(spec: ScaleSpec, seed: int) -> World:
    rng = _rng(seed, "world", spec.name)
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
    sch.loc[sch["school_name"] == _BLANK_EMAIL_SCHOOL, "principal_email"] = ""
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
    pov = np.clip(_sigmoid(rng.normal(1.4, 0.9, n)), 0.12, 0.99)
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
    pov = np.clip(_sigmoid(dpov[dist_of] + rng.normal(0, 0.6, ns)), 0.03, 0.99)
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


# --------------------------------------------------------------------------------------------
# Population simulation
# --------------------------------------------------------------------------------------------
_SSID_P = 8_999_999_993  # a prime below 9e9: ssid = 1e9 + (a*k + b) mod p is a bijection of k


class _Picker:
    """Pick a school in a district that serves a grade, with probability proportional to size."""

    def __init__(self, world: World):
        s = world.schools
        low = s["low"].to_numpy()
        high = s["high"].to_numpy()
        dist = s["district"].to_numpy()
        keys, ids = [], []
        for g in range(-1, 13):
            idx = np.nonzero((low <= g) & (high >= g))[0]
            keys.append(dist[idx] * 14 + g + 1)
            ids.append(idx)
        keys = np.concatenate(keys)
        ids = np.concatenate(ids)
        order = np.lexsort((ids, keys))
        self.keys, self.ids = keys[order], ids[order]
        self.cum = np.cumsum(s["size"].to_numpy()[self.ids])
        nkeys = (int(dist.max()) + 1) * 14
        self.start = np.searchsorted(self.keys, np.arange(nkeys), "left")
        self.end = np.searchsorted(self.keys, np.arange(nkeys), "right")

    def pick(self, district: np.ndarray, grade: np.ndarray, u: np.ndarray) -> np.ndarray:
        if len(district) == 0:
            return np.zeros(0, dtype=np.int64)
        k = district * 14 + grade + 1
        s, e = self.start[k], self.end[k]
        ok = e > s
        s_safe = np.where(ok, s, 0)
        e_safe = np.where(ok, e, 1)
        base = np.where(s_safe > 0, self.cum[np.maximum(s_safe - 1, 0)], 0.0)
        total = self.cum[e_safe - 1] - base
        idx = np.searchsorted(self.cum, base + u * total, side="right")
        idx = np.clip(idx, s_safe, e_safe - 1)
        return np.where(ok, self.ids[idx], -1)


def _subset(p: dict[str, np.ndarray], mask: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[mask] for k, v in p.items()}


def _concat(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    if not a:
        return b
    return {k: np.concatenate([a[k], b[k]]) for k in a}


class _Simulator:
    def __init__(self, world: World, seed: int):
        self.w = world
        self.seed = seed
        s = world.schools
        self.low = s["low"].to_numpy()
        self.high = s["high"].to_numpy()
        self.dist = s["district"].to_numpy()
        self.picker = _Picker(world)
        eth_p = np.diff(world.eth_cum, prepend=0.0, axis=1)
        self.sed_shift = eth_p @ SED_ETH  # so that a school's SED share is close to its poverty rate
        r = _rng(seed, "ssid")
        self.ssid_a = int(r.integers(1_000_000, _SSID_P - 1))
        self.ssid_b = int(r.integers(0, _SSID_P))
        self.counter = 0
        self.pop: dict[str, np.ndarray] = {}
        self.first_year: int | None = None

    # ---- targets
    def _targets(self, spring: int) -> np.ndarray:
        s = self.w.schools
        r = _rng(self.seed, "targets", spring)
        n = self.w.n
        w = np.tile(GRADE_WEIGHT, (n, 1))
        w[:, 0] = _year_value(TK_SHARE, spring)
        g = np.arange(-1, 13)
        served = (g[None, :] >= self.low[:, None]) & (g[None, :] <= self.high[:, None])
        w = np.where(served, w, 0.0)
        # size is the 2023-24 target; about 1.5 % a year fewer students later (and more earlier)
        trend = 0.985 ** (spring - 2024)
        ref = np.where(served, np.tile(GRADE_WEIGHT, (n, 1)), 0.0)
        ref[:, 0] = np.where(served[:, 0], TK_SHARE[2024], 0.0)
        per = s["size"].to_numpy() / ref.sum(axis=1)
        noise = np.exp(r.normal(0, 0.03, (n, 14)))
        return np.floor(per[:, None] * w * trend * noise + 0.5).astype(np.int64)

    # ---- new students
    def _new(self, school: np.ndarray, grade: np.ndarray, r: np.random.Generator, initial: bool) -> dict[str, np.ndarray]:
        n = len(school)
        s = self.w.schools
        k = np.arange(self.counter, self.counter + n, dtype=np.int64)
        self.counter += n
        ssid = 1_000_000_000 + (self.ssid_a * k + self.ssid_b) % _SSID_P
        eth = (r.random(n)[:, None] > self.w.eth_cum[school]).sum(axis=1).clip(0, 7).astype(np.int8)
        pov = s["poverty"].to_numpy()[school]
        sed = r.random(n) < _sigmoid(_logit(pov) + SED_ETH[eth] - self.sed_shift[school])
        g = r.standard_normal(n).astype(np.float32)
        s_ela = r.standard_normal(n).astype(np.float32)
        s_math = r.standard_normal(n).astype(np.float32)
        swd = r.random(n) < (0.10 + 0.02 * sed)
        g = g - 1.5 * swd
        ever_el = r.random(n) < np.clip(EVER_EL_ETH[eth] * s["el_factor"].to_numpy()[school], 0, 0.95)
        g = g - 0.25 * ever_el
        ela_ab = AB_G * g + AB_S * s_ela - 0.5 * ever_el
        still = r.random(n) < _sigmoid(_logit(STILL_EL[grade + 1]) - 1.1 * ela_ab)
        lang = np.where(ever_el, np.where(still | (grade <= 0), EL, RFP),
                        np.where(r.random(n) < 0.07, IFEP, EO)).astype(np.int8)
        hom = r.random(n) < np.clip(s["hom_rate"].to_numpy()[school] * np.where(sed, 1.1, 0.3), 0, 0.5)
        return dict(
            ssid=ssid, school=school.astype(np.int64), grade=grade.astype(np.int64), eth=eth, sed=sed,
            ever_el=ever_el, lang=lang, ltel_u=r.random(n).astype(np.float32), swd=swd,
            caa=swd & (r.random(n) < 0.08), foster=r.random(n) < (0.004 + 0.008 * sed), homeless=hom,
            g=g, s_ela=s_ela, s_math=s_math, abs_lat=r.normal(0, 0.75, n).astype(np.float32),
            susp_lat=r.normal(0, 0.8, n).astype(np.float32),
            prior_elpac=(lang == EL) & (grade >= 1) & (r.random(n) < (0.95 if initial else 0.6)),
            new=np.full(n, not initial), entry_grade=(grade == self.low[school]) | (grade == 0),
        )

    # ---- one year
    def advance(self, spring: int) -> dict[str, np.ndarray]:
        r = _rng(self.seed, "population", spring)
        p = self.pop
        initial = not p
        if not initial:
            keep = ~p["leave"] & (p["grade"] < 12)
            p = _subset(p, keep)
            was_el = p["lang"] == EL
            p.pop("leave")
            p["grade"] = p["grade"] + 1
            n = len(p["grade"])
            # move on to the next school when the grade is past the school's span, or change school
            past = p["grade"] > self.high[p["school"]]
            change = ~past & (r.random(n) < 0.03)
            move = past | change
            dest = self.picker.pick(self.dist[p["school"][move]], p["grade"][move], r.random(int(move.sum())))
            gone = (dest < 0) | (r.random(len(dest)) < np.where(past[move], 0.10, 0.0))
            new_school = p["school"].copy()
            new_school[move] = np.where(gone, -1, dest)
            p["school"] = new_school
            p = _subset(p, new_school >= 0)
            was_el = was_el[new_school >= 0]
            n = len(p["grade"])
            # status changes
            ela_ab = AB_G * p["g"] + AB_S * p["s_ela"]
            recl = was_el & (p["grade"] >= 2) & (r.random(n) < _sigmoid(-1.9 + 1.3 * ela_ab + 0.1 * (p["grade"] - 3)))
            p["lang"] = np.where(recl, RFP, p["lang"]).astype(np.int8)
            p["prior_elpac"] = was_el
            s = self.w.schools
            pov = s["poverty"].to_numpy()[p["school"]]
            redraw = r.random(n) < 0.08
            p_sed = _sigmoid(_logit(pov) + SED_ETH[p["eth"]] - self.sed_shift[p["school"]])
            p["sed"] = np.where(redraw, r.random(n) < p_sed, p["sed"])
            hom_p = np.clip(s["hom_rate"].to_numpy()[p["school"]] * np.where(p["sed"], 1.1, 0.3), 0, 0.5)
            p["homeless"] = np.where(r.random(n) < 0.5, p["homeless"], r.random(n) < hom_p)
            p["foster"] = np.where(r.random(n) < 0.75, p["foster"], r.random(n) < (0.004 + 0.008 * p["sed"]))
            p["swd"] = np.where(p["swd"], p["caa"] | (r.random(n) > 0.03), r.random(n) < 0.012)
            drift = 0.15
            p["g"] = (p["g"] * np.sqrt(1 - drift ** 2) + drift * r.standard_normal(n)).astype(np.float32)
            p["new"] = np.zeros(n, dtype=bool)
            p["entry_grade"] = np.zeros(n, dtype=bool)
        # capacity: trim over-full grades, fill the rest with new students
        t = self._targets(spring).ravel()
        nslots = len(t)
        if p:
            key = p["school"] * 14 + p["grade"] + 1
            order = np.lexsort((r.random(len(key)), key))
            ks = key[order]
            start = np.searchsorted(ks, np.arange(nslots), "left")
            rank = np.arange(len(ks)) - start[ks]
            keep = np.ones(len(key), dtype=bool)
            keep[order[rank >= t[ks]]] = False
            p = _subset(p, keep)
            counts = np.bincount(p["school"] * 14 + p["grade"] + 1, minlength=nslots)
        else:
            counts = np.zeros(nslots, dtype=np.int64)
        deficit = np.maximum(t - counts, 0)
        slots = np.repeat(np.arange(nslots), deficit)
        new = self._new(slots // 14, slots % 14 - 1, r, initial)
        p = _concat(p, new)
        order = np.lexsort((p["ssid"], p["grade"], p["school"]))
        self.pop = _subset(p, order)
        if self.first_year is None:
            self.first_year = spring
        return self.pop


# --------------------------------------------------------------------------------------------
# One year's records
# --------------------------------------------------------------------------------------------
@dataclass
class YearData:
    spring: int
    label: str
    pop: dict[str, np.ndarray]  # one entry per student: the student's end-of-year (primary) record
    entry: np.ndarray
    exit: np.ndarray
    absent: np.ndarray
    sec: dict[str, np.ndarray]  # secondary records (mid-year transfer: the school left), index into pop
    suspended: np.ndarray
    tested: dict[str, np.ndarray]  # assessment rows (per student arrays, index into pop)
    elpi: dict[str, np.ndarray]
    grad: dict[str, np.ndarray]


def _year_records(sim: _Simulator, spring: int, prev_grad: dict[str, np.ndarray] | None) -> YearData:
    w = sim.w
    s = w.schools
    p = sim.pop
    n = len(p["ssid"])
    r = _rng(sim.seed, "records", spring)
    grade = p["grade"]
    school = p["school"]
    # end-of-year leavers (decided now so some can leave mid-year)
    leave = r.random(n) < (0.06 + 0.05 * p["homeless"] + 0.05 * p["foster"])
    midyear_leave = leave & (r.random(n) < 0.35) & (grade < 12)
    p["leave"] = leave
    entry = np.where(r.random(n) < 0.72, 0, r.integers(1, 11, n))
    late = p["new"] & ~p["entry_grade"] & (r.random(n) < 0.3)
    entry = np.where(late, r.integers(15, 175, n), entry)
    exit_ = np.where(midyear_leave, r.integers(8, 176, n), DAYS)
    exit_ = np.maximum(exit_, np.minimum(entry + r.integers(3, 40, n), DAYS))
    entry = np.minimum(entry, exit_ - 1)
    # mid-year transfers within the district: an earlier record at another school
    cand = ~p["new"] & ~midyear_leave & (r.random(n) < 0.025)
    ci = np.nonzero(cand)[0]
    other = sim.picker.pick(sim.dist[school[ci]], grade[ci], r.random(len(ci)))
    okt = (other >= 0) & (other != school[ci])
    ci, other = ci[okt], other[okt]
    sec_exit = r.integers(15, 150, len(ci))
    entry[ci] = np.minimum(sec_exit + r.integers(0, 6, len(ci)), DAYS - 5)
    days = exit_ - entry
    # absences
    yr = _year_value(ABS_YEAR, spring)
    ab = AB_G * p["g"]
    lin = (yr + s["abs_eff"].to_numpy()[school] + p["abs_lat"] + 0.22 * p["sed"] + 0.25 * p["swd"] + 0.35 * p["homeless"]
           + 0.35 * p["foster"] + ABS_GRADE[grade + 1] + ABS_ETH[p["eth"]] - 0.12 * ab)
    prob = _sigmoid(lin + r.normal(0, 0.25, n))
    absent = r.binomial(days, prob)
    sec_days = sec_exit
    sec_abs = r.binomial(sec_days, prob[ci])
    sec = dict(idx=ci, school=other, days=sec_days, absent=sec_abs)
    # suspension (at the end-of-year school)
    lin = (_year_value(SUSP_YEAR, spring) + s["susp_eff"].to_numpy()[school] + SUSP_GRADE[grade + 1] + SUSP_ETH[p["eth"]]
           + 0.45 * p["sed"] + 0.55 * p["swd"] + 1.2 * p["foster"] + 0.5 * p["homeless"] + 0.35 * p["abs_lat"]
           + p["susp_lat"])
    suspended = r.random(n) < _sigmoid(lin) * (days / DAYS)
    # assessment
    present = (entry <= TEST_DAY + 10) & (exit_ > TEST_DAY)
    tested_idx = np.nonzero(present & np.isin(grade, TESTED_GRADES))[0]
    nt = len(tested_idx)
    mu = (s["score_eff"].to_numpy()[school[tested_idx]] - 0.35 * p["sed"][tested_idx]
          - 0.25 * p["foster"][tested_idx] - 0.1 * p["homeless"][tested_idx])
    u_miss = r.random(nt)
    tested: dict[str, np.ndarray] = {"idx": tested_idx}
    for subj, spec_key, miss in (("ELA", "s_ela", (u_miss < 0.010) | ((u_miss >= 0.990) & (u_miss < 0.995))),
                                 ("MATH", "s_math", (u_miss < 0.010) | (u_miss >= 0.995))):
        tab = SBAC[subj]
        gi = grade[tested_idx]
        loss = np.zeros(nt)
        hoss = np.zeros(nt)
        cut = np.zeros(nt)
        sd = np.zeros(nt)
        dfs = np.zeros(nt)
        for gr, (lo, hi, c, d, f) in tab.items():
            m = gi == gr
            loss[m], hoss[m], cut[m], sd[m], dfs[m] = lo, hi, c, d, f
        ability = AB_G * p["g"][tested_idx] + AB_S * p[spec_key][tested_idx]
        el_eff = (-0.3 if subj == "ELA" else -0.1) * p["ever_el"][tested_idx]
        z = (mu + el_eff + SCORE_ETH[subj][p["eth"][tested_idx]] + SCORE_COMP[subj] + np.sqrt(VAR_AB) * ability
             + np.sqrt(VAR_E) * r.standard_normal(nt))
        mean = cut + dfs + _year_value(SCORE_YEAR_SHIFT[subj], spring)
        score = np.clip(np.floor(mean + sd * z + 0.5), loss, hoss).astype(np.int64)
        caa = p["caa"][tested_idx]
        tested[f"{subj}_score"] = score
        tested[f"{subj}_blank"] = miss | caa
        tested[f"{subj}_caa"] = caa
        tested[f"{subj}_cut"] = cut.astype(np.int64)
        tested[f"{subj}_loss"] = loss.astype(np.int64)
    # ELPI: ELs with a prior ELPAC, present in spring
    ei = np.nonzero(present & (p["lang"] == EL) & p["prior_elpac"] & (grade >= 1))[0]
    ne = len(ei)
    ab_e = AB_G * p["g"][ei] + AB_S * p["s_ela"][ei]
    ltel = _ltel(p)[ei]
    p_prog = _sigmoid(-0.15 + _year_value(ELPI_YEAR, spring) + 0.55 * (ab_e + 0.6) + 0.25 * (grade[ei] <= 5) + 0.25 * ltel
                      + s["elpi_eff"].to_numpy()[school[ei]])
    p_decl = _sigmoid(-1.45 - 0.45 * (ab_e + 0.6))
    u = r.random(ne)
    cat = np.where(u < p_prog, 0, np.where(u < p_prog + 0.03, 1, np.where(u < p_prog + 0.03 + p_decl, 3, 2)))
    alt = p["caa"][ei]
    ua = r.random(ne)
    cat = np.where(alt, np.where(ua < 0.4, 4, np.where(ua < 0.5, 5, 6)), cat)
    elpi = dict(idx=ei, cat=cat)
    # graduation: grade-12 students present at year end, plus dropouts of the cohort
    g12 = np.nonzero((grade == 12) & (exit_ == DAYS))[0]
    ab12 = AB_G * p["g"][g12] + 0.5 * AB_S * (p["s_ela"][g12] + p["s_math"][g12])
    lin = (_year_value(GRAD_YEAR, spring) + 3.05 + GRAD_ETH[p["eth"][g12]] + 0.8 * ab12 - 0.25 * p["sed"][g12]
           - 0.5 * p["swd"][g12] - 0.9 * p["foster"][g12] - 0.6 * p["homeless"][g12] - 0.3 * (p["lang"][g12] == EL)
           + s["grad_eff"].to_numpy()[school[g12]])
    grads = r.random(len(g12)) < _sigmoid(lin)
    drop = g12[r.random(len(g12)) < 0.06]
    cohort_idx = np.concatenate([g12, drop])
    graduated = np.concatenate([grads, np.zeros(len(drop), dtype=bool)])
    grad = {"school": school[cohort_idx], "grad": graduated, "five": np.zeros(len(cohort_idx), dtype=bool)}
    grad.update(_attrs(p, cohort_idx))
    if prev_grad is not None and len(prev_grad["school"]):
        ng = ~prev_grad["grad"] & ~prev_grad["five"]
        five = ng & (r.random(len(ng)) < 0.12)
        f = {k: v[five] for k, v in prev_grad.items()}
        f["grad"] = np.ones(int(five.sum()), dtype=bool)
        f["five"] = np.ones(int(five.sum()), dtype=bool)
        grad = {k: np.concatenate([grad[k], f[k]]) for k in grad}
    return YearData(spring=spring, label=_label(spring), pop=p, entry=entry, exit=exit_, absent=absent, sec=sec,
                    suspended=suspended, tested=tested, elpi=elpi, grad=grad)


def _ltel(p: dict[str, np.ndarray]) -> np.ndarray:
    return (p["lang"] == EL) & (p["grade"] >= 6) & (p["ltel_u"] < 0.7)


def _attrs(p: dict[str, np.ndarray], idx: np.ndarray) -> dict[str, np.ndarray]:
    """Group-membership attributes of records."""
    return dict(eth=p["eth"][idx], lang=p["lang"][idx], ltel=_ltel(p)[idx], sed=p["sed"][idx], swd=p["swd"][idx],
                foster=p["foster"][idx], homeless=p["homeless"][idx])


# --------------------------------------------------------------------------------------------
# Writing the district's exports
# --------------------------------------------------------------------------------------------
def _flag_frame(a: dict[str, np.ndarray]) -> dict[str, object]:
    return dict(ethnicity=pd.Categorical.from_codes(a["eth"], ETH), el=_yn(a["lang"] == EL), ltel=_yn(a["ltel"]),
                sed=_yn(a["sed"]), swd=_yn(a["swd"]), foster=_yn(a["foster"]), homeless=_yn(a["homeless"]))


def _const(label: str, n: int) -> pd.Categorical:
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), [label])


def _write_attendance(yd: YearData, w: World, path: Path) -> int:
    p = yd.pop
    sec = yd.sec
    idx = np.concatenate([np.arange(len(p["ssid"])), sec["idx"]])
    school = np.concatenate([p["school"], sec["school"]])
    days = np.concatenate([yd.exit - yd.entry, sec["days"]])
    absent = np.concatenate([yd.absent, sec["absent"]])
    order = np.lexsort((p["ssid"][idx], p["grade"][idx], school))
    idx, school, days, absent = idx[order], school[order], days[order], absent[order]
    df = pd.DataFrame(dict(
        school_year=_const(yd.label, len(idx)), ssid=p["ssid"][idx],
        cds=pd.Categorical.from_codes(school, w.schools["cds"].tolist()),
        grade=pd.Categorical.from_codes(p["grade"][idx] + 1, GRADE_LABELS),
        days_enrolled=days.astype(np.int16), days_absent=absent.astype(np.int16), **_flag_frame(_attrs(p, idx))))
    return _write_csv(df[ATTENDANCE_COLS], path)


def _write_assessment(yd: YearData, w: World, path: Path) -> int:
    p = yd.pop
    t = yd.tested
    idx = t["idx"]
    n = len(idx)
    rows = np.repeat(np.arange(n), 2)
    subj = np.tile(np.array([0, 1], dtype=np.int8), n)
    score = np.where(subj == 0, t["ELA_score"][rows], t["MATH_score"][rows])
    blank = np.where(subj == 0, t["ELA_blank"][rows], t["MATH_blank"][rows])
    caa = np.where(subj == 0, t["ELA_caa"][rows], t["MATH_caa"][rows])
    pi = idx[rows]
    gl = [str(g) for g in TESTED_GRADES]
    gcode = np.searchsorted(np.array(TESTED_GRADES), p["grade"][pi])
    df = pd.DataFrame(dict(
        school_year=_const(yd.label, len(pi)), ssid=p["ssid"][pi],
        cds=pd.Categorical.from_codes(p["school"][pi], w.schools["cds"].tolist()),
        grade=pd.Categorical.from_codes(gcode, gl),
        subject=pd.Categorical.from_codes(subj, ["ELA", "MATH"]),
        test_type=pd.Categorical.from_codes(caa.astype(np.int8), ["SBA", "CAA"]),
        scale_score=pd.arrays.IntegerArray(score.astype(np.int16), blank),
        **_flag_frame(_attrs(p, pi))))
    return _write_csv(df[ASSESSMENT_COLS], path)


def _census(yd: YearData) -> tuple[np.ndarray, np.ndarray]:
    """(student index, school) of every record enrolled on census day."""
    p = yd.pop
    on = (yd.entry <= CENSUS_DAY) & (yd.exit > CENSUS_DAY)
    idx = np.nonzero(on)[0]
    sec_on = yd.sec["days"] > CENSUS_DAY
    return (np.concatenate([idx, yd.sec["idx"][sec_on]]),
            np.concatenate([p["school"][idx], yd.sec["school"][sec_on]]))


def _group_masks(a: dict[str, np.ndarray], groups: list[str]):
    for code in groups:
        if code == "ALL":
            yield code, None
        elif code in ETH_INDEX:
            yield code, a["eth"] == ETH_INDEX[code]
        elif code == "EL":
            yield code, a["lang"] == EL
        elif code == "LTEL":
            yield code, a["ltel"]
        elif code == "RFP":
            yield code, a["lang"] == RFP
        elif code == "EO":
            yield code, a["lang"] == EO
        elif code == "SED":
            yield code, a["sed"]
        elif code == "SWD":
            yield code, a["swd"]
        elif code == "FOS":
            yield code, a["foster"]
        elif code == "HOM":
            yield code, a["homeless"]
        else:  # pragma: no cover
            raise KeyError(code)


def _write_enrollment(yd: YearData, w: World, path: Path) -> int:
    idx, school = _census(yd)
    a = _attrs(yd.pop, idx)
    n = w.n
    counts = np.zeros((n, len(ENROLL_GROUPS)), dtype=np.int64)
    for j, (code, m) in enumerate(_group_masks(a, ENROLL_GROUPS)):
        counts[:, j] = np.bincount(school if m is None else school[m], minlength=n)
    df = pd.DataFrame(dict(
        school_year=yd.label, cds=np.repeat(w.schools["cds"].to_numpy(), len(ENROLL_GROUPS)),
        student_group=np.tile(ENROLL_GROUPS, n), enrollment=counts.ravel()))
    return _write_csv(df, path)


def _write_survey(yd: YearData, w: World, seed: int, dir_: Path) -> tuple[int, int]:
    r = _rng(seed, "survey", yd.spring)
    s = w.schools
    n = w.n
    idx, school = _census(yd)
    grade = yd.pop["grade"][idx]
    elig = grade >= 3
    idx, school, grade = idx[elig], school[elig], grade[elig]
    invited_st = np.bincount(school, minlength=n)
    yr_noise = r.normal(0, 0.04, (n, 3))
    rate_st = np.clip(s["resp_student"].to_numpy() + yr_noise[:, 0], 0.45, 0.95)
    resp = r.random(len(idx)) < rate_st[school]
    st_school, st_grade = school[resp], grade[resp]
    enrolled = np.bincount(_census(yd)[1], minlength=n)
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
        school_year=_const(yd.label, m), response_id=spring * 100_000_000 + np.arange(1, m + 1, dtype=np.int64),
        cds=pd.Categorical.from_codes(rs_school, s["cds"].tolist()),
        respondent_group=pd.Categorical.from_codes(rs_group, RESPONDENT_GROUPS),
        grade=pd.arrays.IntegerArray(rs_grade.astype(np.int8), rs_group != 0), **cols))
    rows = _write_csv(df, dir_ / "survey_responses.csv")
    pop = pd.DataFrame(dict(
        school_year=yd.label, cds=np.repeat(s["cds"].to_numpy(), 3), respondent_group=np.tile(RESPONDENT_GROUPS, n),
        invited=np.stack([invited_st, invited_pa, invited_sf], axis=1).ravel()))
    return rows, _write_csv(pop, dir_ / "survey_population.csv")


def _write_community(yd: YearData, w: World, seed: int, path: Path) -> int:
    r = _rng(seed, "community", yd.spring)
    s = w.schools
    n = w.n
    t = yd.spring - 2024
    asthma = np.clip(s["asthma0"].to_numpy() * (1 - 0.02 * t) + r.normal(0, 3, n), 1, 400)
    gun = np.clip(s["gun0"].to_numpy() * np.exp(r.normal(0, 0.12, n)), 0, 300)
    deep = np.clip(s["deep0"].to_numpy() + r.normal(0, 1.5, n), 0, 100)
    df = pd.DataFrame(dict(school_year=yd.label, cds=s["cds"].to_numpy(),
                           asthma_rate=np.floor(asthma * 10 + 0.5) / 10, gun_injury_rate=np.floor(gun * 10 + 0.5) / 10,
                           deepest_poverty_pct=np.floor(deep * 10 + 0.5) / 10))
    if yd.spring == 2022:
        # a realistic gap: the county had not released gun-injury data for a few neighbourhoods
        gaps = _rng(seed, "community-gap").choice(n, size=max(1, n // 200), replace=False)
        df.loc[np.sort(gaps), "gun_injury_rate"] = np.nan
    return _write_csv(df, path, float_format="%.1f")


# --------------------------------------------------------------------------------------------
# Dashboard aggregates
# --------------------------------------------------------------------------------------------
_CELLS = 1024  # eth(8) x language status(4) x ltel x sed x swd x foster x homeless


def _cell_code(a: dict[str, np.ndarray]) -> np.ndarray:
    return (a["eth"].astype(np.int64) * 128 + a["lang"].astype(np.int64) * 32 + a["ltel"] * 16 + a["sed"] * 8
            + a["swd"] * 4 + a["foster"] * 2 + a["homeless"])


def _cell_groups(groups: list[str]) -> np.ndarray:
    """(cells, groups) 0/1 matrix: which student groups each attribute cell belongs to."""
    c = np.arange(_CELLS)
    cells = dict(eth=c // 128, lang=(c // 32) % 4, ltel=(c // 16) % 2 == 1, sed=(c // 8) % 2 == 1,
                 swd=(c // 4) % 2 == 1, foster=(c // 2) % 2 == 1, homeless=c % 2 == 1)
    cols = [np.ones(_CELLS) if m is None else m.astype(float) for _code, m in _group_masks(cells, groups)]
    return np.stack(cols, axis=1)


def _agg(ent: np.ndarray, n_ent: int, attrs: dict[str, np.ndarray], groups: list[str],
         metrics: dict[str, np.ndarray], present: str) -> pd.DataFrame:
    """Sum metrics by entity and student group; keep (entity, group) pairs whose `present` > 0.

    Records are first counted per (entity, attribute cell), then cells are summed into groups
    with one matrix product, so the cost is a few bincounts whatever the number of groups.
    """
    key = np.asarray(ent, dtype=np.int64) * _CELLS + _cell_code(attrs)
    gm = _cell_groups(groups)
    cols = {}
    for k, v in metrics.items():
        tab = np.bincount(key, weights=np.asarray(v, dtype=np.float64), minlength=n_ent * _CELLS)
        cols[k] = np.rint(tab.reshape(n_ent, _CELLS) @ gm).astype(np.int64).ravel()
    f = pd.DataFrame(cols)
    f["entity"] = np.repeat(np.arange(n_ent), len(groups))
    f["studentgroup"] = np.tile(np.array(groups, dtype=object), n_ent)
    return f[f[present].to_numpy() > 0].reset_index(drop=True)


def _entities(w: World, per_school: pd.DataFrame | None, per_district: pd.DataFrame | None,
              state: pd.DataFrame | None) -> pd.DataFrame:
    parts = []
    if per_school is not None:
        f = per_school.copy()
        f["cds"] = w.schools["cds"].to_numpy()[f["entity"]]
        f["rtype"] = "S"
        parts.append(f)
    if per_district is not None:
        f = per_district.copy()
        f["cds"] = (w.districts["county_code"] + w.districts["code"] + "0000000").to_numpy()[f["entity"]]
        f["rtype"] = "D"
        parts.append(f)
    if state is not None:
        f = state.copy()
        f["cds"] = STATE_CDS
        f["rtype"] = "X"
        parts.append(f)
    return pd.concat(parts, ignore_index=True).drop(columns=["entity"])


def _aggregate(yd: YearData, w: World, spec: ScaleSpec, seed: int) -> dict[str, pd.DataFrame]:
    """Per indicator: a long table (cds, rtype, studentgroup, metrics...) for this year."""
    p = yd.pop
    n_s, n_d = w.n, len(w.districts)
    dist_of = w.schools["district"].to_numpy()
    real_d = not spec.partial_district
    real_x = spec.profile == "state"
    out: dict[str, pd.DataFrame] = {}
    # LTEL rows are published from the 2024 Dashboard on, with prior-year numbers: aggregate it always
    groups, acad_groups, elpi_groups = RATE_GROUPS, ACAD_GROUPS, ELPI_GROUPS
    n = len(p["ssid"])
    all_idx = np.arange(n)

    # chronic absenteeism: K-8 (TK counts as kindergarten), at least 31 days at the school
    sec = yd.sec
    rec_idx = np.concatenate([all_idx, sec["idx"]])
    rec_school = np.concatenate([p["school"], sec["school"]])
    rec_days = np.concatenate([yd.exit - yd.entry, sec["days"]])
    rec_abs = np.concatenate([yd.absent, sec["absent"]])
    elig = (p["grade"][rec_idx] <= 8) & (rec_days >= 31)
    chronic = elig & (10 * rec_abs >= rec_days)
    a = _attrs(p, rec_idx)
    s_tab = _agg(rec_school, n_s, a, groups, {"numer": chronic, "denom": elig}, "denom")
    # district and state: one record per student, days summed over the student's schools
    tot_days = (yd.exit - yd.entry).copy()
    tot_abs = yd.absent.copy()
    np.add.at(tot_days, sec["idx"], sec["days"])
    np.add.at(tot_abs, sec["idx"], sec["absent"])
    st_elig = (p["grade"] <= 8) & (tot_days >= 31)
    st_chronic = st_elig & (10 * tot_abs >= tot_days)
    a_st = _attrs(p, all_idx)
    st_metrics = {"numer": st_chronic, "denom": st_elig}
    d_tab = _agg(dist_of[p["school"]], n_d, a_st, groups, st_metrics, "denom") if real_d else None
    x_tab = _agg(np.zeros(n, np.int64), 1, a_st, groups, st_metrics, "denom") if real_x else None
    out["chronic"] = _entities(w, s_tab, d_tab, x_tab)

    # suspension: unduplicated suspended students / cumulative enrollment
    rec_susp = np.concatenate([yd.suspended, np.zeros(len(sec["idx"]), bool)])
    s_tab = _agg(rec_school, n_s, a, groups, {"numer": rec_susp, "denom": np.ones(len(rec_idx), bool)}, "denom")
    st_metrics = {"numer": yd.suspended, "denom": np.ones(n, bool)}
    d_tab = _agg(dist_of[p["school"]], n_d, a_st, groups, st_metrics, "denom") if real_d else None
    x_tab = _agg(np.zeros(n, np.int64), 1, a_st, groups, st_metrics, "denom") if real_x else None
    out["susp"] = _entities(w, s_tab, d_tab, x_tab)

    # graduation: combined four- and five-year rate
    gd = yd.grad
    metrics = {"numer": gd["grad"], "denom": np.ones(len(gd["grad"]), bool), "fiveyrnumer": gd["five"]}
    s_tab = _agg(gd["school"], n_s, gd, groups, metrics, "denom")
    d_tab = _agg(dist_of[gd["school"]], n_d, gd, groups, metrics, "denom") if real_d else None
    x_tab = _agg(np.zeros(len(gd["grad"]), np.int64), 1, gd, groups, metrics, "denom") if real_x else None
    out["grad"] = _entities(w, s_tab, d_tab, x_tab)

    # ELA and math: distance from standard, with the participation-rate adjustment
    t = yd.tested
    ti = t["idx"]
    a_t = _attrs(p, ti)
    for subj in ("ELA", "MATH"):
        blank, caa = t[f"{subj}_blank"], t[f"{subj}_caa"]
        sba = ~blank & ~caa
        diff = np.where(sba, t[f"{subj}_score"] - t[f"{subj}_cut"], 0)
        nottested = blank & ~caa
        metrics = {"enrolled": np.ones(len(ti), bool), "tested": ~nottested, "n": sba, "sum": diff,
                   "nt": nottested, "ntsum": np.where(nottested, t[f"{subj}_loss"] - t[f"{subj}_cut"], 0)}
        school_t = p["school"][ti]
        s_tab = _agg(school_t, n_s, a_t, acad_groups, metrics, "enrolled")
        d_tab = _agg(dist_of[school_t], n_d, a_t, acad_groups, metrics, "enrolled") if real_d else None
        x_tab = _agg(np.zeros(len(ti), np.int64), 1, a_t, acad_groups, metrics, "enrolled") if real_x else None
        out[subj.lower()] = _acad_finish(_entities(w, s_tab, d_tab, x_tab))

    # ELPI
    e = yd.elpi
    ei = e["idx"]
    a_e = _attrs(p, ei)
    metrics = {f"c{k}": e["cat"] == k for k in range(7)}
    metrics["denom"] = np.ones(len(ei), bool)
    school_e = p["school"][ei]
    s_tab = _agg(school_e, n_s, a_e, elpi_groups, metrics, "denom")
    d_tab = _agg(dist_of[school_e], n_d, a_e, elpi_groups, metrics, "denom") if real_d else None
    x_tab = _agg(np.zeros(len(ei), np.int64), 1, a_e, elpi_groups, metrics, "denom") if real_x else None
    out["elpi"] = _elpi_finish(_entities(w, s_tab, d_tab, x_tab))

    # synthetic district / state rows
    for ind in DASHBOARD_INDICATORS:
        extra = []
        gl = {"ela": acad_groups, "math": acad_groups, "elpi": elpi_groups}.get(ind, groups)
        if not real_d:
            for j in range(n_d):
                cds = w.districts["county_code"][j] + w.districts["code"][j] + "0000000"
                extra.append(_synthetic(ind, yd.spring, "la_district", gl, seed, cds, "D"))
        if not real_x:
            extra.append(_synthetic(ind, yd.spring, "state", gl, seed, STATE_CDS, "X"))
        if extra:
            out[ind] = pd.concat([out[ind], *extra], ignore_index=True)
    return out


def _acad_finish(f: pd.DataFrame) -> pd.DataFrame:
    """Participation: below 95 % tested, the missing test takers count at the lowest obtainable score."""
    need = (95 * f["enrolled"].to_numpy() + 99) // 100
    prloss = np.maximum(0, need - f["tested"].to_numpy())
    nt = f["nt"].to_numpy()
    pen = np.where(prloss > 0, _half_up_div(prloss * f["ntsum"].to_numpy(), np.maximum(nt, 1)), 0)
    f["prloss"] = prloss
    f["denom"] = f["n"] + prloss
    f["sumadj"] = f["sum"] + pen
    return f


def _elpi_finish(f: pd.DataFrame) -> pd.DataFrame:
    f["numer"] = f["c0"] + f["c1"] + f["c4"] + f["c5"]
    return f


def _synthetic(ind: str, spring: int, profile: str, groups: list[str], seed: int, cds: str, rtype: str) -> pd.DataFrame:
    """Plausible counts for an entity that is not generated student by student."""
    prof = SYNTH[profile]
    base, denom_all = prof[ind]
    rate_all = _year_value(base, spring)
    rel = SYNTH_REL[ind]
    r = _rng(seed, "synthetic", profile, ind, spring)
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


# --------------------------------------------------------------------------------------------
# Dashboard files
# --------------------------------------------------------------------------------------------
def _levels(tenths: np.ndarray, cuts: tuple[int, ...], better: str) -> np.ndarray:
    band = np.searchsorted(np.array(cuts), tenths, side="left")  # 0..4, low values first
    return (5 - band) if better == "low" else (band + 1)


def _meta(w: World) -> pd.DataFrame:
    s = w.schools
    d = w.districts
    dist_of = s["district"].to_numpy()
    sch = pd.DataFrame(dict(cds=s["cds"], rtype="S", schoolname=s["school_name"],
                            districtname=d["name"].to_numpy()[dist_of], countyname=d["county_name"].to_numpy()[dist_of],
                            charter_flag=s["charter"], coe_flag="N", dass_flag="N",
                            hs=(s["school_type"] == "HS").map({True: "Y", False: "N"}), stype=s["school_type"]))
    dis = pd.DataFrame(dict(cds=d["county_code"] + d["code"] + "0000000", rtype="D", schoolname="",
                            districtname=d["name"], countyname=d["county_name"], charter_flag="N", coe_flag="N",
                            dass_flag="N", hs="N", stype=""))
    st = pd.DataFrame([dict(cds=STATE_CDS, rtype="X", schoolname="State of California",
                            districtname="State of California", countyname="", charter_flag="", coe_flag="",
                            dass_flag="", hs="N", stype="")])
    return pd.concat([st, dis, sch], ignore_index=True)


_APPLIES = {
    "chronic": lambda t: t in ("ES", "MS", "K8", "K12"),
    "grad": lambda t: t in ("HS", "K12"),
}


def _dashboard(ind: str, cur: pd.DataFrame, prior: pd.DataFrame | None, meta: pd.DataFrame, spring: int) -> pd.DataFrame:
    status_only = spring <= STATUS_ONLY_UNTIL
    acad = ind in ("ela", "math")
    key = ["cds", "studentgroup"]
    f = cur[(cur["studentgroup"] != "LTEL") | (spring >= LTEL_FROM)]
    f = f.merge(meta, on=["cds", "rtype"], how="left")
    if ind in _APPLIES:
        f = f[(f["rtype"] != "S") | f["stype"].map(_APPLIES[ind])]
    if prior is not None:
        pr = prior.drop(columns=["rtype"]).add_prefix("p_")
        pr = pr.rename(columns={"p_cds": "cds", "p_studentgroup": "studentgroup"})
        f = f.merge(pr, on=key, how="left")
    f = f.reset_index(drop=True)
    order = {g: i for i, g in enumerate(ACAD_GROUPS)}
    f["_o"] = f["studentgroup"].map(order)
    f = f.sort_values(["cds", "_o"], kind="stable").reset_index(drop=True)
    m = len(f)
    cd = f["denom"].to_numpy(np.int64)
    has_p = (f["p_denom"].notna().to_numpy() if prior is not None else np.zeros(m, bool))
    pdn = f["p_denom"].fillna(0).to_numpy(np.int64) if prior is not None else np.zeros(m, np.int64)
    cur_ok = cd >= 11
    pri_ok = has_p & (pdn >= 11)
    cut = CUTS[ind]
    if acad:
        cs = f["sumadj"].to_numpy(np.int64)
        ps = f["p_sumadj"].fillna(0).to_numpy(np.int64) if prior is not None else np.zeros(m, np.int64)
        cur_t = _half_up_div(10 * cs, np.maximum(cd, 1))
        pri_t = _half_up_div(10 * ps, np.maximum(pdn, 1))
        chg_t = _half_up_div(10 * (cs * pdn - ps * cd), np.maximum(cd * pdn, 1))
    else:
        cn = f["numer"].to_numpy(np.int64)
        pn = f["p_numer"].fillna(0).to_numpy(np.int64) if prior is not None else np.zeros(m, np.int64)
        cur_t = _half_up_div(1000 * cn, np.maximum(cd, 1))
        pri_t = _half_up_div(1000 * pn, np.maximum(pdn, 1))
        chg_t = _half_up_div(1000 * (cn * pdn - pn * cd), np.maximum(cd * pdn, 1))
    has_chg = cur_ok & pri_ok
    if acad:
        hs = (f["hs"] == "Y").to_numpy()
        sl = np.where(hs, _levels(cur_t, cut["status_hs"], "high"), _levels(cur_t, cut["status"], "high"))
    else:
        sl = _levels(cur_t, cut["status"], cut["better"])
    sl = np.where(cur_ok, sl, 0)
    cl = np.where(has_chg, _levels(chg_t, cut["change"], cut["better"]), 0)
    lea = (f["rtype"] != "S").to_numpy() & f["studentgroup"].isin(LEA_SMALL_GROUPS).to_numpy()
    nmin = np.where(lea, 15, 30)
    cur_n = cd >= nmin
    pri_n = has_p & (pdn >= nmin)
    acc = cur_n & pri_n if not status_only else cur_n
    color = np.where(acc & (sl > 0) & (cl > 0), COLOR_GRID[sl, cl], 0)
    box = np.where(color > 0, ((5 - sl) * 5 + cl) * 10, 0)
    yn = lambda x: np.where(x, "Y", "N")  # noqa: E731

    def num(v: np.ndarray, ok: np.ndarray, exists: np.ndarray | None = None) -> np.ndarray:
        s = np.where(ok, np.asarray(v, dtype=np.int64).astype(str), "*")
        return s if exists is None else np.where(exists, s, "")

    def stat(t: np.ndarray, ok: np.ndarray, exists: np.ndarray | None = None) -> np.ndarray:
        s = np.where(ok, _fmt_tenths(t), "*")
        return s if exists is None else np.where(exists, s, "")

    o = pd.DataFrame({c: f[c] for c in LEAD_COLS})
    o["currdenom"] = cd
    o["priordenom"] = np.where(has_p, pdn.astype(str), "")
    o["currstatus"] = stat(cur_t, cur_ok)
    o["priorstatus"] = stat(pri_t, pri_ok, has_p)
    o["change"] = np.where(has_chg, _fmt_tenths(chg_t), "")
    o["statuslevel"] = sl
    o["changelevel"] = cl
    o["color"] = color
    o["box"] = box
    o["currnsizemet"] = yn(cur_n)
    o["priornsizemet"] = yn(pri_n)
    o["accountabilitymet"] = yn(acc)
    o["reportingyear"] = spring
    if acad:
        o["indicator"] = ind.upper()
        o["hscutpoints"] = f["hs"].to_numpy()
        o["curradjustment"] = ""
        o["prioradjustment"] = ""
        o["pairshare_method"] = ""
        o["notestflag"] = yn(f["n"].to_numpy() == 0)
        for pre, src, exists in (("curr", "", np.ones(m, bool)), ("prior", "p_", has_p)):
            enr = f[f"{src}enrolled"].fillna(0).to_numpy(np.int64)
            tst = f[f"{src}tested"].fillna(0).to_numpy(np.int64)
            nn = f[f"{src}n"].fillna(0).to_numpy(np.int64)
            ss = f[f"{src}sum"].fillna(0).to_numpy(np.int64)
            ok = (cd if pre == "curr" else pdn) >= 11
            prate = _half_up_div(100 * tst, np.maximum(enr, 1))
            o[f"{pre}prate_enrolled"] = np.where(exists, enr.astype(str), "")
            o[f"{pre}prate_tested"] = np.where(exists, np.where(ok, tst.astype(str), "*"), "")
            o[f"{pre}prate"] = np.where(exists, np.where(ok, prate.astype(str), "*"), "")
            o[f"{pre}numprloss"] = np.where(
                exists, np.where(ok, f[f"{src}prloss"].fillna(0).to_numpy(np.int64).astype(str), "*"), "")
            o[f"{pre}denom_withoutprloss"] = np.where(exists, nn.astype(str), "")
            o[f"{pre}status_withoutprloss"] = np.where(
                exists, np.where(ok & (nn > 0), _fmt_tenths(_half_up_div(10 * ss, np.maximum(nn, 1))), "*"), "")
    else:
        o["currnumer"] = num(f["numer"].to_numpy(), cur_ok)
        o["priornumer"] = num(f["p_numer"].fillna(0).to_numpy() if prior is not None else np.zeros(m), pri_ok, has_p)
        if ind in ("chronic", "susp", "grad"):
            o["indicator"] = ind.upper()
            small = (f["rtype"] == "S").to_numpy() & (f.groupby("cds")["denom"].transform("max").to_numpy() < 150)
            o["smalldenom"] = yn(small)
        if ind == "grad":
            o["fiveyrnumer"] = num(f["fiveyrnumer"].to_numpy(), cur_ok)
            o["priorfiveyrnumer"] = num(f["p_fiveyrnumer"].fillna(0).to_numpy() if prior is not None else np.zeros(m),
                                        pri_ok, has_p)
        if ind == "elpi":
            for k, part in enumerate(_ELPI_PARTS[:7]):
                o[f"curr{part}"] = num(f[f"c{k}"].to_numpy(), cur_ok)
                o[f"prior{part}"] = num(f[f"p_c{k}"].fillna(0).to_numpy() if prior is not None else np.zeros(m),
                                        pri_ok, has_p)
            o["curr95"] = 0
            o["prior95"] = np.where(has_p, "0", "")
    return o[dashboard_columns(ind, spring)]


# --------------------------------------------------------------------------------------------
# Shared files
# --------------------------------------------------------------------------------------------
def _write_directory(w: World, path: Path) -> int:
    s = w.schools
    d = w.districts
    dist_of = s["district"].to_numpy()
    df = pd.DataFrame(dict(
        cds=s["cds"], school_name=s["school_name"], district_name=d["name"].to_numpy()[dist_of],
        county_name=d["county_name"].to_numpy()[dist_of], school_type=s["school_type"], low_grade=s["low_grade"],
        high_grade=s["high_grade"], charter=s["charter"], principal_name=s["principal_name"],
        principal_email=s["principal_email"], languages=s["languages"], address=s["address"], city=s["city"],
        zip=s["zip"]))
    return _write_csv(df[DIRECTORY_COLS], path)


def _write_codebook(path: Path) -> int:
    df = pd.DataFrame([dict(item_id=i, respondent_group=g, domain=d, item_text_en=en, item_text_es=es,
                            reverse_coded=rev, scale_points=pts, domain_es=DOMAIN_ES[d])
                       for i, g, d, en, es, rev, pts, _loc in SURVEY_ITEMS])
    return _write_csv(df[CODEBOOK_COLS], path)


# --------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------
def generate(out_dir: str | Path, scale: str = "demo", seed: int = 2024,
             years: tuple[str, ...] = ("2021-22", "2022-23", "2023-24")) -> dict[str, int]:
    """Write the full export set for `scale` into `out_dir`; return {relative file path: data rows}.

    Deterministic: the same (scale, seed, years) gives byte-identical files. `years` are school
    years like "2023-24"; the simulation runs every year from the one before the first to the
    last, and writes the requested ones.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    if not years:
        raise ValueError("years must name at least one school year")
    spec = SCALES[scale]
    springs = sorted({_parse_year(y) for y in years})
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    world = _build_world(spec, seed)
    counts: dict[str, int] = {}
    counts["directory.csv"] = _write_directory(world, out / "directory.csv")
    counts["survey_codebook.csv"] = _write_codebook(out / "survey_codebook.csv")
    meta = _meta(world)
    sim = _Simulator(world, seed)
    prev_agg: dict[str, pd.DataFrame] | None = None
    prev_grad = None
    for spring in range(springs[0] - 1, springs[-1] + 1):
        sim.advance(spring)
        yd = _year_records(sim, spring, prev_grad)
        prev_grad = yd.grad
        agg = _aggregate(yd, world, spec, seed)
        if spring in springs:
            label = yd.label
            ydir = out / label
            ydir.mkdir(parents=True, exist_ok=True)
            counts[f"{label}/enrollment.csv"] = _write_enrollment(yd, world, ydir / "enrollment.csv")
            counts[f"{label}/assessment.csv"] = _write_assessment(yd, world, ydir / "assessment.csv")
            counts[f"{label}/attendance.csv"] = _write_attendance(yd, world, ydir / "attendance.csv")
            nr, npop = _write_survey(yd, world, seed, ydir)
            counts[f"{label}/survey_responses.csv"] = nr
            counts[f"{label}/survey_population.csv"] = npop
            counts[f"{label}/community.csv"] = _write_community(yd, world, seed, ydir / "community.csv")
            for ind in DASHBOARD_INDICATORS:
                name = f"{ind}download{spring}.txt"
                df = _dashboard(ind, agg[ind], prev_agg[ind] if prev_agg else None, meta, spring)
                counts[f"{label}/dashboard/{name}"] = _write_csv(df, ydir / "dashboard" / name, sep="\t", fast=False)
        prev_agg = agg
    return counts


if __name__ == "__main__":  # pragma: no cover
    import sys
    import time

    t0 = time.time()
    res = generate(sys.argv[1] if len(sys.argv) > 1 else "data/raw", sys.argv[2] if len(sys.argv) > 2 else "demo")
    for k, v in res.items():
        print(f"{v:>10,}  {k}")
    print(f"{time.time() - t0:.1f} s")
