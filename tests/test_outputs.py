"""Output files: atomic, inside the output folder, safe to open in a spreadsheet."""
from __future__ import annotations

import pandas as pd
import pytest

from pipeline.outputs import safe_csv, school_dir, write_atomic


def test_formula_cells_are_defused_but_numbers_stay():
    frame = pd.DataFrame({"name": ['=HYPERLINK("http://x","y")', "+1 555", "@SUM(A1)", "Plain", "-2.5"],
                          "status": [-2.5, 1.0, 2.0, 3.0, 4.0]})
    lines = safe_csv(frame).splitlines()
    assert lines[1].startswith("\"'=HYPERLINK(") and lines[2].startswith("'+1 555")
    assert lines[3].startswith("'@SUM") and lines[4].startswith("Plain") and lines[5].startswith("-2.5,")


@pytest.mark.parametrize("cds", ["../19754160000001", "1975416000000", "19754160000001/..", "", None])
def test_paths_from_input_values_cannot_leave_the_output_folder(tmp_path, cds):
    with pytest.raises(ValueError, match="refusing"):
        school_dir(tmp_path, cds)


def test_atomic_write_leaves_no_temporary_file(tmp_path):
    path = write_atomic(tmp_path / "a" / "b.txt", "hello")
    assert path.read_text() == "hello"
    assert [p.name for p in path.parent.iterdir()] == ["b.txt"]
