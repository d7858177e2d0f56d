"""environment.yml (conda, Binder) and pyproject.toml (pip, make) must list the same packages."""
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


def test_same_packages_and_versions(repo_root):
    pip_side = {CONDA_NAME.get(name, name): spec for name, spec in _pyproject_requirements(repo_root).items()}
    conda_side, _ = _conda_requirements(repo_root)
    assert conda_side == pip_side, (
        f"only in environment.yml: {sorted(set(conda_side) - set(pip_side))}; "
        f"only in pyproject.toml: {sorted(set(pip_side) - set(conda_side))}; "
        f"different versions: {sorted(n for n in set(conda_side) & set(pip_side) if conda_side[n] != pip_side[n])}")


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
