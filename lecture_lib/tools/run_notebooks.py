"""Re-execute notebooks in place on a fresh kernel (what a developer runs before committing).

Usage::

    python -m lecture_lib.tools.run_notebooks notebooks solutions
    python -m lecture_lib.tools.run_notebooks notebooks/01_threshold_units.ipynb

Each notebook runs top to bottom in its own directory with a new kernel of
the current Python. The widget state is stored in the notebook metadata so
that sliders render in a static viewer; the elapsed time of each notebook is
printed against the 60 s budget. A notebook that raises, times out or kills
its kernel is reported FAILED and not written; the run goes on with the next.

``execute_notebook(path, write=False)`` and ``collect_notebooks`` are also
what ``benchmarks/notebook_times.py`` and the tests use to run notebooks
without saving them.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

BUDGET_SECONDS = 60.0
#: What ``execute_notebook`` raises when a notebook does not run to the end: a cell raised,
#: a cell ran past the timeout, or the kernel died.
NOTEBOOK_ERRORS = (CellExecutionError, CellTimeoutError, DeadKernelError)


class ExecutedNotebook(NamedTuple):
    """The executed notebook (with its new outputs) and the seconds it took, kernel start included."""

    notebook: nbformat.NotebookNode
    seconds: float


def _ensure_kernelspec(notebook):
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def execute_notebook(path: Path, timeout: int = 300, write: bool = True, quiet_kernel: bool = False) -> ExecutedNotebook:
    """Execute ``path`` top to bottom on a fresh ``python3`` kernel, in the notebook's own directory.

    Parameters
    ----------
    path : Path
        The notebook.
    timeout : int
        Seconds one cell may run before ``CellTimeoutError``.
    write : bool
        True: save the executed notebook over ``path``. False: leave the file as it is.
    quiet_kernel : bool
        True: discard the kernel process's own log lines on stderr (what cells print is kept).

    Returns
    -------
    ExecutedNotebook
        ``(notebook, seconds)``. Raises one of ``NOTEBOOK_ERRORS`` when the notebook does not run
        to the end; nothing is written then.
    """
    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    _ensure_kernelspec(notebook)
    # record_timing=False: no execution timestamps in cell metadata, so a re-run changes only what changed.
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", store_widget_state=True, record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute(**({"stderr": subprocess.DEVNULL} if quiet_kernel else {}))
    elapsed = time.perf_counter() - start
    if write:
        path.write_text(nbformat.writes(notebook) + "\n", encoding="utf-8")
    return ExecutedNotebook(notebook, elapsed)


def collect_notebooks(targets) -> list[Path]:
    """Notebooks named directly, and every ``*.ipynb`` of the folders named (sorted), in the order given."""
    paths = []
    for target in map(Path, targets):
        paths.extend(sorted(target.glob("*.ipynb")) if target.is_dir() else [target])
    return paths


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="+", help="notebooks or folders of notebooks")
    args = parser.parse_args(argv)
    failures = 0
    for path in collect_notebooks(args.targets):
        try:
            elapsed = execute_notebook(path).seconds
        except NOTEBOOK_ERRORS as exc:
            failures += 1
            print(f"FAILED  {path}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
            continue
        verdict = "ok" if elapsed < BUDGET_SECONDS else "OVER BUDGET"
        print(f"{elapsed:6.1f} s  {verdict:11s} {path}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
