"""The house follows the data: its import rules (import-linter's contracts in pyproject.toml) and room sizes."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
MAX_LINES = 600  # a module over 400 lines says why in its docstring; none may pass 600


def test_imports_run_one_way():
    """pipeline/ without Dagster, schemas/ without pipeline/, the model without rendering, no benchmark
    in the product, and nothing calling back up the data flow (see [tool.importlinter])."""
    result = subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_module_of_the_product_is_too_long_to_read():
    long = {str(p.relative_to(REPO)): n for folder in ("pipeline", "assets", "schemas")
            for p in sorted((REPO / folder).rglob("*.py"))
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}
