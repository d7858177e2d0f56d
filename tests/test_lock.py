"""make lock's writer: constraints.txt from a pip freeze, and environment.yml pinned to it."""
import subprocess
import sys

from lecture_lib.tools import lock


def test_frozen_versions_of_this_environment_leave_the_project_out():
    pins = lock.frozen_versions(sys.executable)
    assert "numpy" in pins and "lecture-lib" not in pins
    name, version = pins["numpy"]
    assert name.lower() == "numpy" and version[0].isdigit()


def test_constraints_and_environment_are_written(tmp_path):
    pins = {"numpy": ("numpy", "2.0.1"), "pyyaml": ("PyYAML", "6.0.4"), "jupyterlab-slideshow": ("jupyterlab_slideshow", "0.3.4")}
    constraints = tmp_path / "constraints.txt"
    lock.write_constraints(pins, "3.11.7", constraints)
    lines = constraints.read_text().splitlines()
    assert "Python 3.11.7" in lines[1]
    assert [line for line in lines if not line.startswith("#")] == [
        "jupyterlab_slideshow==0.3.4", "numpy==2.0.1", "PyYAML==6.0.4"]
    environment = tmp_path / "environment.yml"
    environment.write_text("dependencies:\n  - python>=3.10\n  - numpy>=1.23\n  - pyyaml==5.0\n"
                           "  - jupyterlab-slideshow>=0.3.4\n  - unknown-thing>=1\n  - pip\n")
    pinned = lock.pin_environment_yml(pins, environment)
    assert sorted(pinned) == ["jupyterlab-slideshow", "numpy", "pyyaml"]
    assert environment.read_text() == ("dependencies:\n  - python>=3.10\n  - numpy==2.0.1\n  - pyyaml==6.0.4\n"
                                       "  - jupyterlab-slideshow==0.3.4\n  - unknown-thing>=1\n  - pip\n")


def test_the_command_needs_a_python(tmp_path):
    out = subprocess.run([sys.executable, "-m", "lecture_lib.tools.lock"], capture_output=True, text=True)
    assert out.returncode == 2 and "python" in out.stderr
