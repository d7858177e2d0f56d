"""The package's layout: engine at the bottom, topics on it, drawing on top; no chapter-numbered modules.

The rule (``lecture_lib/__init__.py``): each layer imports only from the
layers below it. These tests read every module's imports with ``ast`` and
fail on an arrow that runs back up.
"""
import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "lecture_lib"

# What each part of the package may import from lecture_lib (besides itself).
ALLOWED = {
    "nn": {"_validate"},
    "datasets": {"_validate", "nn"},
    "topics": {"_validate", "nn", "datasets"},
    "viz": {"_validate", "nn", "datasets", "topics"},
    "checks": {"_validate", "nn", "datasets", "topics"},
    "tools": {"_validate", "nn", "datasets"},
    "grading": {"checks", "tools"},
}


def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _part(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _lecture_lib_imports(path: Path):
    """Top-level parts of lecture_lib that ``path`` imports (absolute or relative imports)."""
    rel = path.relative_to(PACKAGE)
    return _imports_of(path.read_text(encoding="utf-8"), list(rel.parts[:-1]))


def _imports_of(source: str, package: list):
    """Parts of lecture_lib imported by ``source``, a module of the subpackage ``package`` (['nn'], [])."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "lecture_lib" and len(parts) > 1:
                    found.add(parts[1])
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                parts = (node.module or "").split(".")
                if parts[0] != "lecture_lib":
                    continue
                targets = parts[1:2] or [alias.name for alias in node.names]
            else:
                base = package[: len(package) - (node.level - 1)]
                targets = ((base + node.module.split("."))[:1] if node.module else
                           (base[:1] or [alias.name for alias in node.names]))
            found.update(targets)
    return found


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path):
    part = _part(path)
    if part not in ALLOWED:
        return  # the package root's own modules (_validate, environment, __init__)
    upward = _lecture_lib_imports(path) - ALLOWED[part] - {part}
    assert not upward, (f"{path.relative_to(PACKAGE)} ({part}) imports lecture_lib.{sorted(upward)}: "
                        f"{part} may only import {sorted(ALLOWED[part])}")


@pytest.mark.parametrize("source, package, expected", [
    ("from ..viz.plotting import COLORS", ["nn"], {"viz"}),
    ("from ..viz import plotting", ["nn"], {"viz"}),
    ("from .. import topics", ["nn"], {"topics"}),
    ("import lecture_lib.checks.core", ["nn"], {"checks"}),
    ("from lecture_lib.topics.units import threshold", ["nn"], {"topics"}),
    ("def f():\n    from lecture_lib.viz import live_figure", ["nn"], {"viz"}),  # lazy imports count too
    ("from .layers import Dense\nfrom .._validate import as_matrix", ["nn"], {"nn", "_validate"}),
    ("from .viz.plotting import COLORS", [], {"viz"}),
    ("import numpy as np", ["nn"], set()),
])
def test_the_import_reader_sees_every_spelling(source, package, expected):
    """The checker itself must be able to fail: it finds upward imports however they are written."""
    assert _imports_of(source, package) == expected


def test_no_module_named_after_a_chapter_outside_checks():
    numbered = [str(p.relative_to(PACKAGE)) for p in _modules()
                if _part(p) != "checks" and re.search(r"(^|_)(ch|chapter)?\d{2}(_|$)", p.stem)]
    assert not numbered, f"modules named after a chapter number (name them by topic): {numbered}"


def test_engine_imports_on_its_own():
    code = ("import sys, lecture_lib.nn as nn; "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'ipywidgets', 'sympy')"
            " or m.startswith(('lecture_lib.topics', 'lecture_lib.viz', 'lecture_lib.checks')));"
            "assert not bad, bad; print(nn.Sequential.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "Sequential"
