"""Environment check for the start-here notebook: versions in use and what is missing."""
from __future__ import annotations

import importlib
import platform
import sys

__all__ = ["REQUIRED", "package_versions", "environment_problems"]

#: Import name -> minimal version the notebooks need. numpy, matplotlib, ipywidgets and sympy have the
#: floors of pyproject.toml; IPython is not listed there (ipykernel installs it), so its floor is only here.
REQUIRED = {
    "numpy": "1.23",
    "matplotlib": "3.6",
    "ipywidgets": "8.0",
    "sympy": "1.12",
    "IPython": "8.0",
}


def _version_tuple(text: str) -> tuple:
    parts = []
    for piece in text.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def package_versions() -> dict:
    """Python and every required package's version (None when it cannot be imported)."""
    versions = {"python": platform.python_version()}
    for name in REQUIRED:
        try:
            versions[name] = importlib.import_module(name).__version__
        except ImportError:
            versions[name] = None
    return versions


def environment_problems() -> list:
    """Human-readable problems with this environment; an empty list means all is well."""
    problems = []
    if sys.version_info < (3, 10):
        problems.append(f"Python {platform.python_version()} is too old: 3.10 or newer is needed.")
    for name, version in package_versions().items():
        if name == "python":
            continue
        if version is None:
            problems.append(f"{name} is not installed: run `make lab` (or `pip install -e '.[notebooks]'`).")
        elif _version_tuple(version) < _version_tuple(REQUIRED[name]):
            problems.append(f"{name} {version} is older than the {REQUIRED[name]} the notebooks need.")
    return problems
