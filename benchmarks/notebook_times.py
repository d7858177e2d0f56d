"""Execution time of every notebook on a fresh kernel, against the 60 s budget.

Usage::

    python benchmarks/notebook_times.py [notebooks solutions ...]

Each notebook runs top to bottom in a new ``python3`` kernel (the current
environment's), in its own directory, as *Kernel -> Restart Kernel and Run
All Cells* would, with the executor of ``make notebooks``
(``lecture_lib.tools.run_notebooks``). The time includes starting the kernel.
Nothing is written back: the committed notebooks stay as they are
(``make notebooks`` is the command that re-executes them in place).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lecture_lib.tools.run_notebooks import (BUDGET_SECONDS, NOTEBOOK_ERRORS, collect_notebooks,
                                             execute_notebook)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FOLDERS = ("notebooks", "solutions")


def time_notebook(path: Path, timeout: int = 300) -> float:
    """Execute ``path`` on a fresh kernel without saving it; return the elapsed seconds.

    Raises one of ``run_notebooks.NOTEBOOK_ERRORS`` when a cell fails, times out or the kernel dies.
    """
    # quiet_kernel: the kernel's own log lines would interleave with the report (a failing cell still raises).
    return execute_notebook(path, timeout=timeout, write=False, quiet_kernel=True).seconds


def report(targets=DEFAULT_FOLDERS) -> bool:
    """Print each notebook's time and the total; return True when every notebook ran within budget."""
    paths = collect_notebooks(ROOT / target for target in targets)  # relative to the repository, from any directory
    print(f"## Notebooks: fresh kernel each, Run All (budget {BUDGET_SECONDS:.0f} s per notebook)")
    ok, total = True, 0.0
    for path in paths:
        try:
            elapsed = time_notebook(path)
        except NOTEBOOK_ERRORS as exc:
            ok = False
            print(f"  FAILED       {path.relative_to(ROOT)}: {(str(exc).strip() or type(exc).__name__).splitlines()[0]}")
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
