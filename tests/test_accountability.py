"""California's accountability framework (config/frameworks/california.yaml): colours per indicator
and student group, ESSA CSI/ATSI for schools and Differentiated Assistance for districts."""
from __future__ import annotations

import duckdb
import pandas as pd
import pytest
import yaml

from pipeline.config import CONFIG_DIR, ConfigError
from pipeline.frameworks.accountability import load_accountability
from pipeline.scoring.accountability import load_selected, score_accountability

YEAR = "2023-24"
R, O, Y, G, B = 1, 2, 3, 4, 5


def results(rows):
    """rows: (rtype, cds, group, indicator, color[, status, prior_status])."""
    out = []
    for r in rows:
        rtype, cds, group, ind, color, *status = r
        status = status or [None, None]
        out.append({"school_year": YEAR, "rtype": rtype, "cds": cds, "student_group": group, "indicator": ind,
                    "origin": "district", "n": 100, "status": status[0], "prior_status": status[1], "change": None,
                    "status_level": 3 if color else 0, "change_level": color or 0, "color": color})
    return pd.DataFrame(out)


def support(rows, fw=None):
    con = duckdb.connect()
    con.register("f", results(rows))
    con.execute("CREATE TABLE indicator_results AS SELECT * FROM f")
    colors, sup = score_accountability(con, YEAR, fw or load_selected())
    return colors, {(r.cds, r.student_group, r.designation) for r in sup.itertuples()}, sup


def school(cds, group, *colors):
    inds = ["chronic", "susp", "ela", "math", "elpi", "grad", "cci"]
    return [("S", cds, group, inds[i], c) for i, c in enumerate(colors)]


def test_csi_low_performing_colour_criteria():
    _, met, _ = support([
        *school("ALLRED", "ALL", R, R, R),
        *school("BUTONE", "ALL", R, R, B),
        *school("REDORANGE", "ALL", R, O, O),
        *school("MAJORITY", "ALL", R, R, R, G, B),   # 5 indicators, 3 Red
        *school("FOUR", "ALL", R, R, G, B),           # 4 indicators: no majority rule, not all-but-one
        *school("ONE", "ALL", R),                     # a single indicator is not enough
        *school("FINE", "ALL", R, Y, G),
    ])
    csi = {c for c, g, d in met if d == "csi_low_performing"}
    assert csi == {"ALLRED", "BUTONE", "REDORANGE", "MAJORITY"}


def test_csi_low_graduation_two_year_mean():
    _, met, _ = support([("S", "LOW", "ALL", "grad", 0, 70.0, 65.0), ("S", "OK", "ALL", "grad", 0, 70.0, 67.0)])
    assert {c for c, g, d in met if d == "csi_low_graduation"} == {"LOW"}


def test_atsi_is_for_groups_of_schools_not_in_csi():
    _, met, _ = support([
        *school("A", "ALL", G, G, Y), *school("A", "SWD", R, R, O), *school("A", "HI", R, Y, G, B),
        *school("C", "ALL", R, R, R), *school("C", "SWD", R, R, R),
    ])
    assert ("A", "SWD", "atsi") in met and ("A", "HI", "atsi") not in met
    assert ("C", "SWD", "atsi") not in met and ("C", "ALL", "csi_low_performing") in met


def test_differentiated_assistance_needs_the_same_group_in_two_areas():
    _, met, sup = support([
        ("D", "LEA1", "SWD", "ela", R), ("D", "LEA1", "SWD", "math", O), ("D", "LEA1", "SWD", "chronic", R),
        ("D", "LEA2", "SWD", "ela", R), ("D", "LEA2", "SWD", "math", R), ("D", "LEA2", "HI", "susp", R),
        ("D", "LEA3", "EL", "elpi", R), ("D", "LEA3", "EL", "susp", R),
        ("D", "LEA4", "SED", "elpi", R), ("D", "LEA4", "SED", "susp", R),  # ELPI counts for EL only
    ])
    da = {(c, g) for c, g, d in met if d == "differentiated_assistance"}
    assert da == {("LEA1", "SWD"), ("LEA3", "EL")}
    row = sup[(sup.cds == "LEA1")].iloc[0]
    assert row.areas == "priority_4_pupil_achievement, priority_5_pupil_engagement"
    assert row.criteria_met == "ela Red and math Orange; chronic Red"


def test_a_framework_grid_recolours_from_the_levels(tmp_path):
    (tmp_path / "grid.csv").write_text("status_level,change_level,color\n3,1,5\n3,5,1\n")
    path = tmp_path / "ca.yaml"
    raw = yaml.safe_load((CONFIG_DIR / "frameworks" / "california.yaml").read_text())
    path.write_text(yaml.safe_dump({**raw, "grid": "grid.csv"}))
    colors, _, _ = support([("S", "A", "ALL", "ela", R), ("S", "A", "ALL", "math", B), ("S", "A", "ALL", "susp", 0)],
                           fw=load_accountability(path))
    assert dict(zip(colors.indicator, colors.color)) == {"ela": B, "math": R, "susp": 0}


@pytest.mark.parametrize("change, message", [
    ({"kind": "rating"}, r"kind: must be 'accountability'"),
    ({"designations": [{"id": "x", "label": "X", "entity": "state", "groups": ["ALL"], "criteria": [{"majority_in": [1]}]}]},
     r"designations\[0\]\.entity: must be one of school, district \(got 'state'\)"),
    ({"designations": [{"id": "x", "label": "X", "entity": "school", "groups": ["ALL"],
                        "criteria": [{"indicators": {"science": [1]}}]}]},
     r"designations\[0\]\.criteria\[0\]\.indicators\.science: is not one of the framework's indicators"),
])
def test_errors_name_file_key_and_value(tmp_path, change, message):
    raw = yaml.safe_load((CONFIG_DIR / "frameworks" / "california.yaml").read_text())
    path = tmp_path / "ca.yaml"
    path.write_text(yaml.safe_dump({**raw, **change}))
    with pytest.raises(ConfigError, match=r"^ca\.yaml: " + message):
        load_accountability(path)
