"""The ``student_groups`` macro of ``macros.sql`` and the LEA code, for pandas frames."""
from __future__ import annotations

import pandas as pd

# the student_groups macro (macros.sql): code -> flag column that is 'Y' for members
GROUP_FLAGS = {"EL": "el", "LTEL": "ltel", "SED": "sed", "SWD": "swd", "FOS": "foster", "HOM": "homeless"}
FLAG_COLUMNS = ["ethnicity", *GROUP_FLAGS.values()]


def district_of(cds: pd.Series) -> pd.Series:
    """``substr(cds, 1, 7) || '0000000'``, computed once per distinct code."""
    codes = pd.Series(cds.dropna().unique(), dtype=object)
    return cds.map(pd.Series((codes.str.slice(0, 7) + "0000000").to_numpy(), index=codes.to_numpy()))


def is_member(flag: pd.Series) -> pd.Series:
    """A flag column ('Y'/'N', or already booleans) as membership: 'Y' is a member, anything else not."""
    if pd.api.types.is_bool_dtype(flag):
        return flag.fillna(False).astype(bool)
    return flag.eq("Y").fillna(False).astype(bool)


def expand_student_groups(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The ``student_groups`` macro unnested: one row per row of ``frame`` and group it counts in
    (ALL, its ethnicity code when not NULL, EL, LTEL, SED, SWD, FOS, HOM where the flag is 'Y')."""
    parts = [frame[columns].assign(student_group="ALL")]
    eth = frame["ethnicity"].notna()
    parts.append(frame.loc[eth, columns].assign(student_group=frame.loc[eth, "ethnicity"]))
    for code, flag in GROUP_FLAGS.items():
        member = is_member(frame[flag])
        parts.append(frame.loc[member, columns].assign(student_group=code))
    return pd.concat(parts, ignore_index=True)
