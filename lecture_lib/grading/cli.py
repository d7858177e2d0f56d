"""``lecture-grade``: grade a class's submissions against a solutions notebook.

Usage::

    lecture-grade solutions/01_threshold_units.ipynb submissions/ --out results/
    python -m lecture_lib.grading solutions/01_threshold_units.ipynb submissions/ --out results/ --jobs 2

Writes ``results/grades.csv`` (student, exercise, points, max, status),
``results/summary.txt``, ``results/feedback/<student>.md`` (to return to
learners) and ``results/graded/<student>.json`` (instructor only). Each
submission's kernel runs in a bubblewrap sandbox when ``bwrap`` works on the
machine (the summary says which). A second
run skips the submissions already graded unless ``--regrade``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .assignment import AssignmentError
from .execution import Limits
from .grader import GradingInterrupted, grade_folder


def _positive(kind):
    def parse(text):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
        return value
    return parse


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="lecture-grade", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="Exit status: 0 when every submission was graded, 2 on a usage error, "
                                            "128 + the signal's number when stopped by SIGTERM or SIGINT.")
    parser.add_argument("solutions", type=Path, help="the solutions notebook (holds the hidden tests and points)")
    parser.add_argument("submissions", type=Path, help="folder of submitted notebooks, one <student>.ipynb each")
    parser.add_argument("--out", type=Path, required=True, help="output folder (created if needed)")
    parser.add_argument("--jobs", type=_positive(int), default=1, help="submissions graded in parallel (default 1)")
    parser.add_argument("--regrade", action="store_true", help="grade again submissions already graded")
    parser.add_argument("--cell-timeout", type=_positive(float), default=30.0,
                        help="seconds per learner cell and per exercise's hidden tests (default 30)")
    parser.add_argument("--notebook-timeout", type=_positive(float), default=600.0,
                        help="seconds per submission in all (default 600)")
    parser.add_argument("--memory-limit", type=int, default=4096, metavar="MB",
                        help="MiB of memory for a submission as a whole, its files included (per process where "
                             "control groups cannot be made), 0 for none (default 4096)")
    parser.add_argument("--process-limit", type=int, default=64, metavar="N",
                        help="processes of one submission at once, 0 for none (default 64; needs control groups)")
    parser.add_argument("--disk-limit", type=int, default=512, metavar="MB",
                        help="MiB of files a submission may write in its sandbox (default 512)")
    args = parser.parse_args(argv)
    if not args.solutions.is_file():
        parser.error(f"solutions notebook not found: {args.solutions}")
    if not args.submissions.is_dir():
        parser.error(f"submissions folder not found: {args.submissions}")
    limits = Limits(cell_timeout=args.cell_timeout, notebook_timeout=args.notebook_timeout,
                    memory_limit_mb=max(0, args.memory_limit), process_limit=max(0, args.process_limit),
                    disk_limit_mb=max(0, args.disk_limit))
    try:
        grade_folder(args.solutions, args.submissions, args.out, jobs=args.jobs, regrade=args.regrade, limits=limits)
    except AssignmentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except GradingInterrupted as exc:
        print(f"stopped by {exc}: every kernel was ended; run the same command again to grade the rest",
              file=sys.stderr)
        return 128 + exc.signum
    return 0


if __name__ == "__main__":
    sys.exit(main())
