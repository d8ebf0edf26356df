"""The README and its pages stay true: the input reference is the one generated from the contracts,
every link leads somewhere, and every test a promise names exists."""
import ast
import re
from pathlib import Path

from pipeline.input_reference import input_reference

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PAGES = [README, ROOT / "ARCHITECTURE.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_input_reference_matches_models():
    text = (ROOT / "docs" / "inputs.md").read_text(encoding="utf-8")
    assert text == input_reference() + "\n", "run `scorecards docs > docs/inputs.md`"


def test_readme_names_the_two_commands():
    text = README.read_text(encoding="utf-8")
    assert "make demo" in text and "make test" in text


def test_every_link_between_the_pages_leads_to_a_file():
    broken = []
    for page in PAGES:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if not (page.parent / target).exists():
                broken.append(f"{page.name}: {target}")
    assert broken == []


def test_every_test_a_promise_names_exists():
    """docs/guarantees.md names the tests that prove each promise: a renamed test must be renamed there."""
    text = (ROOT / "docs" / "guarantees.md").read_text(encoding="utf-8")
    missing = []
    for module, name in re.findall(r"(test_\w+\.py)::(\w+)", text):
        source = (ROOT / "tests" / module)
        names = {n.name for n in ast.walk(ast.parse(source.read_text(encoding="utf-8")))
                 if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))} if source.exists() else set()
        prefix = name.rstrip("_") if name.endswith("_") else None  # "test_x_…" names every test starting so
        if name not in names and not (prefix and any(n.startswith(prefix) for n in names)):
            missing.append(f"{module}::{name}")
    for module in set(re.findall(r"`(test_\w+\.py)`", text)):
        if not (ROOT / "tests" / module).exists():
            missing.append(module)
    assert missing == []


def test_schemas_hold_only_the_contracts():
    """Imports run one way: the contracts import nothing from pipeline/ or assets/ (the reference
    above is generated in pipeline/, from them)."""
    for path in sorted((ROOT / "schemas").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        modules += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [m for m in modules if m.split(".")[0] in ("pipeline", "assets")], path.name


def test_every_path_the_pages_name_exists():
    """A file moved in the code must move in the pages too (`pipeline/...`, `config/...`, globs allowed)."""
    missing = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for path in re.findall(r"`((?:pipeline|assets|schemas|templates|config|benchmarks|tests|docs)/[^`\s]*)`", text):
            path = re.sub(r"<[^>]+>", "*", path.rstrip("/").split("::")[0])  # <lang> stands for any
            if not any(ROOT.glob(path)):
                missing.append(f"{page.name}: {path}")
    assert missing == []
