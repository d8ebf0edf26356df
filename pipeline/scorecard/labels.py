"""The English source words of a scorecard: indicator, source, tier, subject and group names, and
the words the page gives to level, colour and reading codes.

The model carries English names (and codes for levels, colours and readings); the rendering side
(:mod:`pipeline.render.present`) looks the words up here and translates them. Nothing here is
translated: :func:`N_` and :func:`pgettext` only mark a word so that Babel's extraction
(``make messages``: ``pybabel extract`` with the project's ``babel.cfg``, which reads every
``N_(...)`` and ``pgettext(...)`` under ``pipeline/``) lists it for the translators.
"""
from __future__ import annotations


def N_(message: str) -> str:
    """Mark an English word for the translators' catalog; returns it unchanged."""
    return message


def pgettext(context: str, message: str) -> str:
    """Mark a word that needs a context to be translated (Babel extracts ``pgettext`` calls with
    their context); returns the word unchanged. The rendering side translates it with
    ``pgettext(context, word)`` (:func:`pipeline.render.i18n.translate_school_type`)."""
    return message


# Headline indicators in the order a scorecard shows them; lower_is_better flips "good" and "bad".
INDICATORS = {
    "ela": (N_("English language arts"), False, "dfs"),
    "math": (N_("Mathematics"), False, "dfs"),
    "elpi": (N_("English learner progress"), False, "rate"),
    "chronic": (N_("Chronic absenteeism"), True, "rate"),
    "susp": (N_("Suspension rate"), True, "rate"),
    "grad": (N_("Graduation rate"), False, "rate"),
    "cci": (N_("College and career readiness"), False, "rate"),
}
# The population an indicator is reported for when it is not all students: CDE computes English
# learner progress for English learners only (its file has no "all students" row).
INDICATOR_POPULATION = {"elpi": "EL"}
ORIGIN_SOURCE = {"cde": N_("California School Dashboard"), "district": N_("District attendance export")}
COLORS = {1: N_("Red"), 2: N_("Orange"), 3: N_("Yellow"), 4: N_("Green"), 5: N_("Blue")}
# Levels run 1..5 with 5 always the good end; for lower-is-better indicators the words flip
# (chronic absenteeism level 5 is "Very low", change level 5 "Declined significantly").
STATUS_LEVELS = {1: N_("Very low"), 2: N_("Low"), 3: N_("Medium"), 4: N_("High"), 5: N_("Very high")}
CHANGE_WORDS = {1: N_("Declined significantly"), 2: N_("Declined"), 3: N_("Maintained"),
                4: N_("Increased"), 5: N_("Increased significantly")}


def level_word(words: dict[int, str], level: int, lower_is_better: bool) -> str:
    """The word for a 1..5 level, read from the other end when lower is better."""
    return words[6 - level if lower_is_better else level]


# School types share words with status levels ("High"), so they carry the context "school type".
SCHOOL_TYPES = {"ES": pgettext("school type", "Elementary"), "MS": pgettext("school type", "Middle"),
                "HS": pgettext("school type", "High"), "K8": pgettext("school type", "TK–8 span"),
                "K12": pgettext("school type", "TK–12 span")}

# The equity index's components (config/equity_index.yaml names), as the page lists those a
# school has no data for; a district's own component is shown by its name until the catalogs carry it.
EQUITY_COMPONENTS = {
    "unduplicated": N_("low-income students, English learners and foster youth"),
    "deepest_poverty": N_("neighborhood poverty"), "ela": N_("English test results"),
    "math": N_("math test results"), "chronic_absence": N_("chronic absence"),
    "asthma": N_("asthma near the school"), "gun_violence": N_("gun violence near the school"),
    "disabilities": N_("students with disabilities"), "homeless": N_("homeless students"),
}

# Equity-need tiers (table equity_index, column tier) as a family reads them.
TIERS = {"Highest": N_("Highest need"), "High": N_("High need"), "Moderate": N_("Moderate need"),
         "Low": N_("Low need"), "Lowest": N_("Lowest need")}
# The framework's default wording (config/framework.yaml). A district that renames a level,
# domain or measure gets its own words shown as written until the catalogs carry them.
FRAMEWORK_WORDS = (
    N_("Needs intensive support"), N_("Needs support"), N_("Developing"), N_("Strong"), N_("Excelling"),
    N_("Academic"), N_("Culture and climate"),
    N_("English language arts (distance from standard)"), N_("Mathematics (distance from standard)"),
    N_("English language arts growth (points above expected)"),
    N_("Mathematics growth (points above expected)"),
    N_("English learner progress (%)"), N_("Graduation rate (%)"), N_("Chronic absenteeism (%)"),
    N_("Suspension rate (%)"), N_("Students' climate survey (% favorable)"),
    N_("Parents' climate survey (% favorable)"),
)
GROWTH_SUBJECTS = {"ELA": N_("English language arts"), "MATH": N_("Mathematics")}
# Growth as the student-group tables and the "does not apply" line name it.
GROWTH_GROUP_LABELS = {"ELA": N_("English language arts growth"), "MATH": N_("Mathematics growth")}
# The column headings of the student-group matrix: short, so that eight columns fit a page's width
# (the indicators table above it gives each full name)
SHORT_LABELS = {"ela": N_("English (ELA)"), "growth_ela": N_("ELA growth"), "math": N_("Math"),
                "growth_math": N_("Math growth"), "elpi": N_("English learners’ progress"),
                "chronic": N_("Chronic absence"), "susp": N_("Suspension"), "grad": N_("Graduation"),
                "cci": N_("College and career")}
GROWTH_LABEL = N_("Growth in test scores")
RESPONDENT_GROUPS = {"student": N_("Students"), "parent": N_("Families"), "staff": N_("Staff")}
# Survey domains of the default codebook, for a codebook without Spanish names.
CLIMATE_DOMAINS = (N_("Caring adults"), N_("School connectedness"), N_("Safety"), N_("Academic rigor"),
                   N_("Family engagement"), N_("Collaboration"))
GROWTH_READINGS = {"above": N_("Above expected"), "below": N_("Below expected"),
                   "expected": N_("About as expected")}
# The student groups' labels of config/student_groups.csv (the model carries the label, the page
# translates it), so that the catalog has them. A district that adds a group adds its label here.
STUDENT_GROUP_WORDS = (
    N_("All students"), N_("African American"), N_("American Indian or Alaska Native"),
    N_("Asian"), N_("Filipino"), N_("Hispanic or Latino"), N_("Pacific Islander"),
    N_("White"), N_("Two or more races"), N_("English learners"),
    N_("Long-term English learners"), N_("Reclassified fluent English proficient"),
    N_("English only"), N_("English learners only"), N_("Socioeconomically disadvantaged"),
    N_("Students with disabilities"), N_("Foster youth"), N_("Homeless youth"),
    N_("Smarter Balanced takers"), N_("Alternate assessment takers"),
)
