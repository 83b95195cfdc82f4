"""The layers of docs/architecture.md hold, and the code stays easy to follow.

* the import-linter contracts in pyproject.toml pass, and break as soon as a
  kernel module imports an app;
* function-level imports of project modules are few, each with its reason;
* no module runs past 500 lines unless its docstring says why.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("portal", "rights", "consent")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

# Where Django needs a module imported late (AppConfig.ready: the models are
# loaded only then), a function-level import is the way; nowhere else.
MAX_FUNCTION_LEVEL_IMPORTS = 10
MAX_LINES = 500


def _modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield path


def _function_level_imports(path: Path):
    """(line, module) of each import of a project module inside a function body."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.ImportFrom):
                module = "." * inner.level + (inner.module or "")
            elif isinstance(inner, ast.Import):
                module = inner.names[0].name
            else:
                continue
            if module.startswith(".") or module.split(".")[0] in PACKAGES:
                found.add((inner.lineno, module))
    return sorted(found)


def _run_lint_imports(cwd: Path):
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_import_contracts_hold():
    result = _run_lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


def test_a_kernel_module_importing_an_app_breaks_the_contract(tmp_path):
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    codes = tmp_path / "portal" / "kernel" / "codes.py"
    codes.write_text(codes.read_text() + "\nimport rights.models  # noqa: E402, F401\n")

    result = _run_lint_imports(tmp_path)

    assert result.returncode != 0
    assert "portal.kernel is not allowed to import rights" in result.stdout
    assert "portal.kernel.codes -> rights.models" in result.stdout


def test_function_level_imports_are_few_and_each_says_why():
    found = []
    unexplained = []
    for path in _modules():
        lines = path.read_text().splitlines()
        for lineno, module in _function_level_imports(path):
            where = f"{path.relative_to(ROOT)}:{lineno} ({module})"
            found.append(where)
            line, above = lines[lineno - 1], lines[lineno - 2].strip()
            if "#" not in line and not above.startswith("#"):
                unexplained.append(where)
    assert len(found) <= MAX_FUNCTION_LEVEL_IMPORTS, "\n".join(found)
    assert not unexplained, "without a comment saying why:\n" + "\n".join(unexplained)


def test_no_module_runs_past_500_lines_without_saying_why():
    too_long = []
    for path in _modules():
        source = path.read_text()
        if source.count("\n") <= MAX_LINES:
            continue
        docstring = ast.get_docstring(ast.parse(source)) or ""
        if "500 lines" not in docstring:
            too_long.append(f"{path.relative_to(ROOT)}: {source.count(chr(10))} lines")
    assert not too_long, "\n".join(too_long)
