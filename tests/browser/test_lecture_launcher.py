"""The lecture-mode launcher (lecture_lib.tools.lecture) without a browser: chapters, slides, settings, server."""
from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from lecture_lib.tools import lecture

ROOT = Path(__file__).resolve().parents[2]


def _notebook(tmp_path, cells, name="nb.ipynb"):
    path = tmp_path / name
    notebook = new_notebook()
    notebook.cells = cells
    nbformat.write(notebook, path)
    return path


def _slide_types(path):
    return [c.metadata.get("slideshow", {}).get("slide_type") for c in nbformat.read(path, as_version=4).cells]


def test_every_chapter_notebook_has_slides():
    missing = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        try:
            lecture.slide_outline(path)
        except ValueError:
            missing.append(path.relative_to(ROOT).as_posix())
    assert not missing, ("no slide metadata in " + ", ".join(missing) + ": run `.venv/bin/python -m "
                         "lecture_lib.tools.lecture --add-slides " + " ".join(missing) + "` then `.venv/bin/python "
                         "-m lecture_lib.tools.run_notebooks " + " ".join(missing) + "`")


def test_chapter_numbers_find_their_notebook():
    assert lecture.chapter_notebook("01").name.startswith("01_")
    assert lecture.chapter_notebook(1) == lecture.chapter_notebook("01")
    path = ROOT / "notebooks" / "00_start_here.ipynb"
    assert lecture.chapter_notebook(str(path)) == path.resolve()


@pytest.mark.parametrize("bad, message", [("99", "found 0"), ("one", "must be a number"),
                                          ("missing.ipynb", "No notebook")])
def test_unknown_chapters_name_what_exists(bad, message):
    with pytest.raises(ValueError, match=message) as info:
        lecture.chapter_notebook(bad)
    if bad == "99":
        assert "00_start_here.ipynb" in str(info.value)


def test_add_slide_metadata_marks_sections_and_steps(tmp_path):
    path = _notebook(tmp_path, [
        new_markdown_cell("# Title"), new_markdown_cell("intro, same slide"), new_code_cell("1"),
        new_markdown_cell("a step after code"), new_code_cell("2"), new_markdown_cell("## Section"),
        new_markdown_cell("### a sub-heading is not a section", metadata={"slideshow": {"slide_type": "skip"}})])
    assert lecture.add_slide_metadata(path) == 3
    assert _slide_types(path) == ["slide", None, None, "subslide", None, "slide", "skip"]
    assert lecture.add_slide_metadata(path) == 0  # idempotent: existing slide types are kept
    assert [title for _, title in lecture.slide_outline(path)] == ["# Title", "## Section"]


def test_slide_outline_rejects_missing_or_unknown_slides(tmp_path):
    plain = _notebook(tmp_path, [new_markdown_cell("# Title")], "plain.ipynb")
    with pytest.raises(ValueError, match="no cell with slideshow.slide_type 'slide'"):
        lecture.slide_outline(plain)
    typo = _notebook(tmp_path, [new_markdown_cell("# T", metadata={"slideshow": {"slide_type": "slides"}})], "t.ipynb")
    with pytest.raises(ValueError, match="'slides'"):
        lecture.slide_outline(typo)


def test_lab_settings_lecture_and_plain(tmp_path):
    lecture.write_lab_settings(tmp_path / "lecture", lecture=True)
    deck = json.loads((tmp_path / "lecture" / "jupyterlab-slideshow" / "plugin.jupyterlab-settings").read_text())
    shell = json.loads((tmp_path / "lecture" / "@jupyterlab" / "application-extension"
                        / "shell.jupyterlab-settings").read_text())
    docs = json.loads((tmp_path / "lecture" / "@jupyterlab" / "docmanager-extension"
                       / "plugin.jupyterlab-settings").read_text())
    assert deck == {"active": True} and shell == {"startMode": "single"} and docs["autosave"] is False
    lecture.write_lab_settings(tmp_path / "plain", lecture=False)
    assert not (tmp_path / "plain" / "jupyterlab-slideshow").exists()
    tracker = json.loads((tmp_path / "plain" / "@jupyterlab" / "notebook-extension"
                          / "tracker.jupyterlab-settings").read_text())
    assert tracker["windowingMode"] == "none"  # every cell in the DOM: widgets below the fold exist


def test_server_has_no_token_and_is_stopped_whatever_happens(tmp_path):
    server = lecture.LabServer(tmp_path, lecture=True)
    command = server.command()
    assert "--IdentityProvider.token=" in command and f"--port={server.port}" in command
    assert ("--allow-root" in command) == (os.geteuid() == 0)
    with pytest.raises(RuntimeError, match="boom"):
        with server:
            with urllib.request.urlopen(f"{server.url}/api/status", timeout=10) as reply:
                assert reply.status == 200
            raise RuntimeError("boom")
    assert server.process.poll() is not None
    with pytest.raises(ProcessLookupError):
        os.killpg(server.process.pid, 0)  # the whole process group is gone


def test_make_lecture_runs_the_launcher_on_the_chapter():
    dry_run = subprocess.run(["make", "-n", "lecture", "CHAPTER=02"], cwd=ROOT, capture_output=True, text=True)
    assert dry_run.returncode == 0, dry_run.stderr
    assert "-m lecture_lib.tools.lecture 02" in dry_run.stdout


def test_launcher_reports_a_bad_chapter(capsys):
    assert lecture.main(["42"]) == 2
    assert "chapter 42" in capsys.readouterr().err
