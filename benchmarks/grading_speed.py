"""How long does ``lecture-grade`` take for a class? Grade 100 copies of one chapter's solved submission.

Usage::

    .venv/bin/python benchmarks/grading_speed.py                   # chapter 01, 100 copies, --jobs 2
    .venv/bin/python benchmarks/grading_speed.py --chapter 04_backpropagation --copies 20

Prints the total wall time against the 5-minute target for 100 submissions
(a benchmark's output, not a test: nothing here fails on a slow machine),
says whether the kernels ran in the sandbox, and checks that every copy
earned full marks.
"""
from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from lecture_lib.grading import Limits, grade_folder
from lecture_lib.grading.assignment import reference_submission
from lecture_lib.grading.limits import cgroup_status
from lecture_lib.grading.sandbox import sandbox_status

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 300.0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapter", default="01_threshold_units")
    parser.add_argument("--copies", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    solutions = ROOT / "solutions" / f"{args.chapter}.ipynb"
    with tempfile.TemporaryDirectory(prefix="grading-speed-") as temporary:
        submissions, out = Path(temporary, "submissions"), Path(temporary, "results")
        submissions.mkdir()
        text = nbformat.writes(reference_submission(solutions))
        for number in range(args.copies):
            (submissions / f"student_{number:03d}.ipynb").write_text(text, encoding="utf-8")
        start = time.perf_counter()
        limits = Limits()  # the defaults lecture-grade uses: memory, process and disk limits on
        grade_folder(solutions, submissions, out, jobs=args.jobs, limits=limits, log=lambda line: None)
        elapsed = time.perf_counter() - start
        with open(out / "grades.csv", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    full = all(row["status"] == "passed" for row in rows)
    per_100 = elapsed / args.copies * 100
    sandboxed, how = sandbox_status()
    print(f"sandbox: {how}" if sandboxed else f"sandbox: NONE ({how})")
    grouped, group_how = cgroup_status()
    print(f"limits: {limits.memory_limit_mb} MiB memory, {limits.process_limit} processes, {limits.disk_limit_mb} MiB "
          f"files per submission, " + (f"as a whole ({group_how})" if grouped else f"per process only ({group_how})"))
    print(f"graded {args.copies} submissions of {args.chapter} with --jobs {args.jobs} in {elapsed:.1f} s "
          f"({elapsed / args.copies:.2f} s each); all full marks: {full}")
    print(f"per 100 submissions: {per_100:.1f} s against the {TARGET_SECONDS:.0f} s target "
          f"(ratio {per_100 / TARGET_SECONDS:.2f}, {'within' if per_100 <= TARGET_SECONDS else 'OVER'} target)")
    return 0 if full else 1


if __name__ == "__main__":
    sys.exit(main())
