"""The README's two commands: `make lab` serves the series, `make test` is what CI runs."""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from lecture_lib.tools.lecture import free_port
from notebook_code import shows_widget, widget_cells


def test_ci_runs_exactly_make_test_and_the_other_machines(repo_root):
    commands = [line.strip() for line in (repo_root / ".ci" / "run").read_text().splitlines()
                if line.strip() and not line.lstrip().startswith("#")]
    assert commands[-2:] == ["make test", "make test-machines"]
    readme = (repo_root / "README.md").read_text()
    assert "make test" in readme and "make lab" in readme


def test_second_setup_installs_nothing(repo_root):
    venv = Path(sys.prefix)
    if venv.parent != repo_root:
        pytest.skip("the suite is not running from the project's .venv (not started by make)")
    # `make -q` exits 0 only if the install stamp is up to date, i.e. nothing would run.
    result = subprocess.run(["make", "-q", f"{venv.name}/.lecture-lib-installed"], cwd=repo_root)
    assert result.returncode == 0


def test_make_lab_starts_jupyterlab_on_localhost(repo_root, tmp_path):
    if Path(sys.prefix).parent != repo_root:
        pytest.skip("make lab uses the project's .venv, which this run does not use")
    port = free_port()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "config"), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "ws"))
    lab_args = f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token= --ServerApp.password="
    process = subprocess.Popen(["make", "-s", "lab", f"LAB_ARGS={lab_args}"], cwd=repo_root, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.time() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents/notebooks", timeout=2) as reply:
                    listing = json.load(reply)
                break
            except OSError:
                if process.poll() is not None or time.time() > deadline:
                    output = process.stdout.read().decode(errors="replace") if process.poll() is not None else ""
                    pytest.fail(f"JupyterLab did not answer on port {port}: {output[-2000:]}")
                time.sleep(0.5)
        names = {entry["name"] for entry in listing["content"]}
        assert "00_start_here.ipynb" in names
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab", timeout=10) as reply:
            assert reply.status == 200 and b"JupyterLab" in reply.read()
    finally:
        for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
            try:
                os.killpg(process.pid, sig)
                process.wait(timeout=wait)
                break
            except ProcessLookupError:
                break
            except subprocess.TimeoutExpired:
                continue


def test_committed_notebooks_are_executed_in_order_with_widget_state(repo_root):
    for folder in ("notebooks", "solutions"):
        for path in sorted((repo_root / folder).glob("*.ipynb")):
            notebook = nbformat.read(path, as_version=4)
            counts = [c.execution_count for c in notebook.cells if c.cell_type == "code"]
            assert counts == list(range(1, len(counts) + 1)), f"{path.name}: re-run with `make notebooks`"
            if widget_cells(notebook):
                state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
                assert state, f"{path.name}: widget state missing, sliders would not render in a viewer"


def test_interactive_cells_and_only_those_skip_output_comparison(repo_root):
    """nbval cannot compare plots redrawn inside an Output widget; every other cell is compared.

    The only other cells allowed to skip comparison print what truly varies between machines or
    runs (package versions, measured times), and they say so in a first-line comment
    ``# nbval-ignore-output: <reason>``.
    """
    for path in sorted((repo_root / "notebooks").glob("*.ipynb")) + sorted((repo_root / "solutions").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            tagged = "nbval-ignore-output" in cell.metadata.get("tags", [])
            explained = cell.source.startswith("# nbval-ignore-output: ")
            assert tagged == (shows_widget(cell) or explained), f"{path.name}: {cell.source[:60]!r}"


MANUALS = ("book/learners.md", "book/instructors.md", "book/contributors.md")


def test_the_readme_is_a_short_page_pointing_into_the_manuals(repo_root):
    """The README keeps the two commands, the chapter table and links; the manuals are pages of the book."""
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    assert len(readme) < 10_000, f"README.md is {len(readme)} characters: move manual text into book/"
    assert all(f"]({page})" in readme for page in MANUALS), "the README links each manual"
    assert all(f"[{chapter.stem}]" in readme or f"(notebooks/{chapter.name})" in readme
               for chapter in sorted((repo_root / "notebooks").glob("[0-9][0-9]_*.ipynb")))
    for page in MANUALS:
        text = (repo_root / page).read_text(encoding="utf-8")
        assert "README.md" not in text.replace("benchmarks/README.md", ""), f"{page} still pulls text from the README"


def test_the_test_machines_command_is_documented_for_contributors(repo_root):
    contributors = (repo_root / "book" / "contributors.md").read_text(encoding="utf-8")
    assert "make test-machines" in contributors and "make site" in contributors and ".ci/run" in contributors


def test_start_here_links_the_learners_page_instead_of_copying_it(repo_root):
    import json

    cells = json.loads((repo_root / "notebooks" / "00_start_here.ipynb").read_text(encoding="utf-8"))["cells"]
    prose = "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown")
    assert "../book/learners.md" in prose
    # the verdicts of the checks are explained once, on the learners' page
    assert "NOT ATTEMPTED" not in prose
    assert "NOT ATTEMPTED" in (repo_root / "book" / "learners.md").read_text(encoding="utf-8")
