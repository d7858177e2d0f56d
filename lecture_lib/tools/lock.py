"""Pin the test environment: write ``constraints.txt`` and the versions in ``environment.yml``.

``make lock`` runs this after installing the project, unconstrained, into a
fresh virtual environment, so the pins are the newest releases that fit
``pyproject.toml`` today::

    python -m lecture_lib.tools.lock PYTHON_OF_THAT_ENVIRONMENT

``make lab`` / ``make test`` install with ``pip install -c constraints.txt``,
so every fresh clone gets the versions the committed notebook outputs were
made with. Widening the versions is a documented step (book/contributors.md,
"Pinned versions"): ``make lock``, then ``make notebooks`` to re-execute the
notebooks, then ``make test``.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEADER = """\
# Pinned versions of everything `make lab`, `make test` and `make site` install (pip install -c constraints.txt).
# Made by `make lock` (lecture_lib/tools/lock.py) on Python {python}; do not edit by hand.
# environment.yml pins the same versions; tests/test_environment_files.py checks both.
"""


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def frozen_versions(python: str) -> dict:
    """{normalised name: version} of everything installed in ``python``'s environment but the project."""
    out = subprocess.run([python, "-m", "pip", "freeze", "--exclude-editable"], check=True,
                         capture_output=True, text=True).stdout
    pins = {}
    for line in out.splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)$", line.strip())
        if match and _normalise(match.group(1)) != "lecture-lib":
            pins[_normalise(match.group(1))] = (match.group(1), match.group(2))
    return pins


def write_constraints(pins: dict, python_version: str, path: Path = ROOT / "constraints.txt") -> None:
    lines = [f"{name}=={version}" for _, (name, version) in sorted(pins.items())]
    path.write_text(HEADER.format(python=python_version) + "\n".join(lines) + "\n")


def pin_environment_yml(pins: dict, path: Path = ROOT / "environment.yml") -> list:
    """Replace each conda dependency's version spec by ``==`` the pinned version; return the names pinned."""
    text, pinned = path.read_text(), []

    def pin(match):
        indent, name = match.group(1), match.group(2)
        key = _normalise(name)
        if key in ("python", "pip") or key not in pins:
            return match.group(0)
        pinned.append(key)
        return f"{indent}- {name}=={pins[key][1]}"

    path.write_text(re.sub(r"(?m)^(\s*)- ([A-Za-z0-9_.\-]+)\s*(?:[<>=!~].*)?$", pin, text))
    return pinned


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("python", help="the python of a fresh environment with the project installed")
    args = parser.parse_args(argv)
    version = subprocess.run([args.python, "-c", "import platform; print(platform.python_version())"],
                             check=True, capture_output=True, text=True).stdout.strip()
    pins = frozen_versions(args.python)
    write_constraints(pins, version)
    pinned = pin_environment_yml(pins)
    print(f"constraints.txt: {len(pins)} packages (Python {version}); environment.yml: {len(pinned)} pinned")
    return 0


if __name__ == "__main__":
    sys.exit(main())
