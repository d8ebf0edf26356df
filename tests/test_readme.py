"""The README's input reference is the one generated from the pandera models."""
import ast
from pathlib import Path

from pipeline.input_reference import input_reference

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def test_input_reference_matches_models():
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- inputs:start -->\n", 1)[1].split("\n<!-- inputs:end -->", 1)[0]
    assert block == input_reference(), "run `scorecards docs` and paste its output into README.md"


def test_readme_names_the_two_commands():
    text = README.read_text(encoding="utf-8")
    assert "make demo" in text and "make test" in text


def test_schemas_hold_only_the_contracts():
    """Imports run one way: the contracts import nothing from pipeline/ or assets/ (the reference
    above is generated in pipeline/, from them)."""
    for path in sorted((ROOT / "schemas").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        modules += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [m for m in modules if m.split(".")[0] in ("pipeline", "assets")], path.name
