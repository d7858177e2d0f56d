"""Execution time of every notebook on a fresh kernel, against the 60 s budget.

Usage::

    python benchmarks/notebook_times.py [notebooks solutions ...]

Each notebook runs top to bottom with nbclient in a new ``python3`` kernel
(the current environment's), in its own directory, as *Kernel -> Restart
Kernel and Run All Cells* would. The time includes starting the kernel.
Nothing is written back: the committed notebooks stay as they are
(``make notebooks`` is the command that re-executes them in place).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

BUDGET_SECONDS = 60.0
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FOLDERS = ("notebooks", "solutions")


def time_notebook(path: Path, timeout: int = 300) -> float:
    """Execute ``path`` on a fresh kernel without saving it; return the elapsed seconds.

    Raises nbclient's ``CellExecutionError`` when a cell fails.
    """
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute(stderr=subprocess.DEVNULL)  # the kernel's own log lines (a failing cell still raises)
    return time.perf_counter() - start


def collect(targets) -> list[Path]:
    """Notebooks named directly, and every ``*.ipynb`` of the folders named, sorted."""
    paths = []
    for target in map(Path, targets):
        target = target if target.is_absolute() else ROOT / target
        paths.extend(sorted(target.glob("*.ipynb")) if target.is_dir() else [target])
    return paths


def report(targets=DEFAULT_FOLDERS) -> bool:
    """Print each notebook's time and the total; return True when every notebook ran within budget."""
    from nbclient.exceptions import CellExecutionError

    paths = collect(targets)
    print(f"## Notebooks: fresh kernel each, Run All (budget {BUDGET_SECONDS:.0f} s per notebook)")
    ok, total = True, 0.0
    for path in paths:
        try:
            elapsed = time_notebook(path)
        except CellExecutionError as exc:
            ok = False
            print(f"  FAILED       {path.relative_to(ROOT)}: {str(exc).strip().splitlines()[0]}")
            continue
        total += elapsed
        within = elapsed < BUDGET_SECONDS
        ok &= within
        print(f"  {elapsed:6.1f} s  {'ok' if within else 'OVER BUDGET':11s} {path.relative_to(ROOT)}")
    print(f"  {total:6.1f} s  all {len(paths)} notebooks, one after the other")
    return ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", default=list(DEFAULT_FOLDERS), help="notebooks or folders")
    args = parser.parse_args(argv)
    return 0 if report(args.targets) else 1


if __name__ == "__main__":
    sys.exit(main())
