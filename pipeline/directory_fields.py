"""The directory's contact fields: a bad one is a problem of that field, never of the school.

A principal e-mail with a line break, a list of addresses, or a name of 500 characters does not
take the school's scorecard away: the school keeps its row and its scorecard, and is listed as
having "no valid address" with the reason (in ``scorecards run``'s output, the validation report
and the delivery summary). :func:`address_problem` and :func:`name_problem` give that reason;
:func:`field_problems` lists them for a year's ``validated_directory``.
"""
from __future__ import annotations

import re

import pandas as pd

from pipeline.plain_text import plain_line, unsafe_characters

NAME_LIMIT = 120
ADDRESS_LIMIT = 254
# One plain address: no display name, no list separators, no quotes or angle brackets.
EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA or not str(value).strip()


def address_problem(value: object) -> str | None:
    """Why ``value`` is not one plain principal address, in words; None when it is one."""
    if _blank(value):
        return "principal_email is empty"
    text = str(value)
    unsafe = unsafe_characters(text)
    if unsafe:
        return f"principal_email contains {' and '.join(unsafe)}: not used, so no header can be added"
    text = text.strip()
    if len(text) > ADDRESS_LIMIT:
        return f"principal_email is {len(text)} characters (over {ADDRESS_LIMIT})"
    if len(re.findall(r"@", text)) > 1 or re.search(r"[,;\s]", text):
        return "principal_email lists several addresses: one principal address is expected"
    if not EMAIL_RE.match(text):
        return "principal_email is not a valid address"
    return None


def valid_address(value: object) -> str | None:
    """The principal's address when it is exactly one plain e-mail address, else None."""
    return None if address_problem(value) else str(value).strip()


def name_problem(value: object) -> str | None:
    """Why the principal's name is not used in the greeting and the To: header; None when it is."""
    if _blank(value):
        return None
    if len(plain_line(value)) > NAME_LIMIT:
        return f"principal_name is {len(plain_line(value))} characters (over {NAME_LIMIT}): not used"
    return None


def principal_name(value: object) -> str:
    """The name to greet and to show in To:, one safe line ('' when missing or unusable)."""
    return "" if name_problem(value) else plain_line(value, NAME_LIMIT)


def field_problems(directory: pd.DataFrame) -> pd.DataFrame:
    """One row per school and field with a problem: ``cds, school, column, reason`` (an unusable
    principal address or name; a school name cut when read, from ``field_notes``)."""
    rows = []
    for school in directory.sort_values("cds").to_dict("records") if len(directory) else []:
        name = plain_line(school.get("school_name"), NAME_LIMIT)
        note = school.get("field_notes")
        if not _blank(note):
            rows.append({"cds": school["cds"], "school": name, "column": str(note).split(" ", 1)[0],
                         "reason": str(note)})
        for column, problem in (("principal_email", address_problem(school.get("principal_email"))),
                                ("principal_name", name_problem(school.get("principal_name")))):
            if problem:
                rows.append({"cds": school["cds"], "school": name, "column": column, "reason": problem})
    return pd.DataFrame(rows, columns=["cds", "school", "column", "reason"])


def year_field_problems(con, school_year: str) -> pd.DataFrame:
    """:func:`field_problems` of the year's ``validated_directory`` in the warehouse."""
    from pipeline.warehouse import read_table, table_exists

    if not table_exists(con, "validated_directory"):
        return field_problems(pd.DataFrame())
    return field_problems(read_table(con, "validated_directory", {"school_year": school_year}))
