"""lecture_lib.tools.run_notebooks (``make notebooks``): one bad notebook is reported, the run goes on."""
import nbformat
import pytest

from lecture_lib.tools.run_notebooks import NOTEBOOK_ERRORS, collect_notebooks, execute_notebook, main


def _notebook(path, *sources):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    nbformat.write(notebook, path)
    return path


def test_a_failing_or_dying_notebook_is_reported_and_the_others_still_run(tmp_path, capsys):
    raising = _notebook(tmp_path / "a_raises.ipynb", "raise ValueError('broken on purpose')")
    dying = _notebook(tmp_path / "b_kills_its_kernel.ipynb", "import os\nos._exit(1)")
    good = _notebook(tmp_path / "c_good.ipynb", "print('fine')")
    before = {path: path.read_text() for path in (raising, dying)}
    assert main([str(tmp_path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(f"FAILED  {raising}: ") and lines[1].startswith(f"FAILED  {dying}: ")
    assert lines[2].endswith(f" s  ok          {good}")
    assert {path: path.read_text() for path in (raising, dying)} == before  # a failed notebook is not written
    assert nbformat.read(good, as_version=4).cells[0].outputs[0]["text"] == "fine\n"


def test_a_cell_past_the_timeout_raises_one_of_the_reported_errors(tmp_path):
    slow = _notebook(tmp_path / "slow.ipynb", "import time\ntime.sleep(30)")
    with pytest.raises(NOTEBOOK_ERRORS):
        execute_notebook(slow, timeout=2)


def test_write_false_returns_the_executed_notebook_and_leaves_the_file(tmp_path):
    path = _notebook(tmp_path / "n.ipynb", "print(6 * 7)")
    committed = path.read_text()
    notebook, seconds = execute_notebook(path, write=False)
    assert notebook.cells[0].outputs[0]["text"] == "42\n" and seconds > 0
    assert path.read_text() == committed


def test_collect_keeps_the_order_given_and_sorts_inside_folders(tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    for name in ("b.ipynb", "a.ipynb", "notes.txt"):
        (folder / name).write_text("")
    single = tmp_path / "z.ipynb"
    assert collect_notebooks([single, folder]) == [single, folder / "a.ipynb", folder / "b.ipynb"]
