"""How big a generated data set is: the scales ``tiny``, ``demo``, ``district`` and ``state``.

``tiny`` and ``demo`` describe curated schools (names, spans, sizes, poverty) of a high-need
network inside a large Los Angeles district; ``district`` and ``state`` are drawn at random.
"""
from __future__ import annotations

from dataclasses import dataclass

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
BLANK_EMAIL_SCHOOL = "Sunrise Elementary"


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
