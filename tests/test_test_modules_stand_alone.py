"""Each test module stands alone: what several share lives in a conftest or a
``*_support`` module, so running or changing one test module never depends on another."""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level:
            names.add("." * node.level + (node.module or ""))
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def _is_test_module(name: str) -> bool:
    return name.rsplit(".", 1)[-1].lstrip(".").startswith("test_")


def test_no_test_module_imports_another_test_module():
    found = {
        str(path.relative_to(TESTS)): sorted(
            name
            for name in _imported_modules(path)
            if (name.startswith("tests.") or name.startswith(".")) and _is_test_module(name)
        )
        for path in TESTS.rglob("*.py")
    }
    assert not {path: names for path, names in found.items() if names}
