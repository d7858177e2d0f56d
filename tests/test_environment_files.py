"""environment.yml (conda, Binder), pyproject.toml (pip, make) and constraints.txt (the pins) must agree.

pyproject.toml gives the ranges the package works with; constraints.txt pins
every installed package to one version (``make lock``); environment.yml lists
the same packages as pyproject.toml, each pinned to constraints.txt's version.
"""
import re
import sys

import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# conda-forge names that differ from PyPI names (none so far; add here when one does).
CONDA_NAME = {}


def _split(requirement: str):
    requirement = requirement.split(";")[0].strip()
    name, spec = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", requirement).groups()
    return name.lower().replace("_", "-"), spec.replace(" ", "")


def _pyproject_requirements(repo_root):
    project = tomllib.loads((repo_root / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        # Markers for older Pythons (tomli) are pip-only back-ports, not conda packages.
        requirements += [r for r in extra if "python_version" not in r]
    return dict(_split(r) for r in requirements)


def _conda_requirements(repo_root):
    environment = yaml.safe_load((repo_root / "environment.yml").read_text())
    conda = {}
    for entry in environment["dependencies"]:
        if isinstance(entry, str):
            name, spec = _split(entry)
            if name not in ("python", "pip"):
                conda[name] = spec
    return conda, environment


def _pins(repo_root):
    pins = {}
    for line in (repo_root / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version.strip()
    return pins


def test_same_packages(repo_root):
    pip_side = {CONDA_NAME.get(name, name) for name in _pyproject_requirements(repo_root)}
    conda_side = set(_conda_requirements(repo_root)[0])
    assert conda_side == pip_side, (f"only in environment.yml: {sorted(conda_side - pip_side)}; "
                                    f"only in pyproject.toml: {sorted(pip_side - conda_side)}")


def test_environment_pins_the_locked_versions(repo_root):
    pins = _pins(repo_root)
    conda_side, _ = _conda_requirements(repo_root)
    wrong = {name: (spec, pins.get(name)) for name, spec in conda_side.items() if spec != f"=={pins.get(name)}"}
    assert not wrong, f"environment.yml must pin constraints.txt's versions (make lock): {wrong}"


def test_every_requirement_is_pinned_within_its_range(repo_root):
    from packaging.specifiers import SpecifierSet

    pins = _pins(repo_root)
    for name, spec in _pyproject_requirements(repo_root).items():
        assert name in pins, f"{name} is required by pyproject.toml but not pinned in constraints.txt (make lock)"
        assert pins[name] in SpecifierSet(spec), f"{name}=={pins[name]} is outside pyproject.toml's {spec}"


def test_the_installed_versions_are_the_pinned_ones(repo_root):
    """make lab / make test install with -c constraints.txt: what runs is what the outputs were made with."""
    from importlib.metadata import PackageNotFoundError, version

    pins, differ = _pins(repo_root), {}
    for name in _pyproject_requirements(repo_root):
        try:
            installed = version(name)
        except PackageNotFoundError:
            continue
        if installed != pins[name] and "+" not in installed:  # a local build (the MKL NumPy) keeps its version
            differ[name] = (installed, pins[name])
    assert not differ, f"installed versions differ from constraints.txt (run make test to reinstall): {differ}"


def test_environment_installs_the_package_editable_from_conda_forge(repo_root):
    conda_side, environment = _conda_requirements(repo_root)
    assert environment["channels"] == ["conda-forge"]
    pip_entries = [e for e in environment["dependencies"] if isinstance(e, dict)]
    assert pip_entries == [{"pip": ["-e ."]}]


def test_python_floor_matches(repo_root):
    project = tomllib.loads((repo_root / "pyproject.toml").read_text())["project"]
    environment = yaml.safe_load((repo_root / "environment.yml").read_text())
    assert project["requires-python"] == ">=3.10"
    assert "python>=3.10" in environment["dependencies"]
