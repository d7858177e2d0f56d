"""Re-execute notebooks in place on a fresh kernel (what a developer runs before committing).

Usage::

    python -m lecture_lib.tools.run_notebooks notebooks solutions
    python -m lecture_lib.tools.run_notebooks notebooks/01_threshold_units.ipynb

Each notebook runs top to bottom in its own directory with a new kernel of
the current Python. The widget state is stored in the notebook metadata so
that sliders render in a static viewer; the elapsed time of each notebook is
printed against the 60 s budget. A notebook that raises is reported and not
written.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

BUDGET_SECONDS = 60.0


def _ensure_kernelspec(notebook):
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def execute_notebook(path: Path, timeout: int = 300) -> float:
    """Execute ``path`` in place; return the elapsed seconds."""
    notebook = nbformat.read(path, as_version=4)
    _ensure_kernelspec(notebook)
    # record_timing=False: no execution timestamps in cell metadata, so a re-run changes only what changed.
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", store_widget_state=True, record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    path.write_text(nbformat.writes(notebook) + "\n", encoding="utf-8")
    return elapsed


def _collect(targets) -> list[Path]:
    paths = []
    for target in map(Path, targets):
        paths.extend(sorted(target.glob("*.ipynb")) if target.is_dir() else [target])
    return paths


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="+", help="notebooks or folders of notebooks")
    args = parser.parse_args(argv)
    failures = 0
    for path in _collect(args.targets):
        try:
            elapsed = execute_notebook(path)
        except CellExecutionError as exc:
            failures += 1
            print(f"FAILED  {path}: {str(exc).splitlines()[0] if str(exc) else exc}")
            continue
        verdict = "ok" if elapsed < BUDGET_SECONDS else "OVER BUDGET"
        print(f"{elapsed:6.1f} s  {verdict:11s} {path}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
