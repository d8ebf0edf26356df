"""The README's input reference is the one generated from the pandera models."""
from pathlib import Path

from pipeline.input_reference import input_reference

README = Path(__file__).resolve().parent.parent / "README.md"


def test_input_reference_matches_models():
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- inputs:start -->\n", 1)[1].split("\n<!-- inputs:end -->", 1)[0]
    assert block == input_reference(), "run `scorecards docs` and paste its output into README.md"


def test_readme_names_the_two_commands():
    text = README.read_text(encoding="utf-8")
    assert "make demo" in text and "make test" in text
