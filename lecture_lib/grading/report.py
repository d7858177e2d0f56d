"""The grader's outputs, rebuilt from the records: CSV, per-exercise summary, one feedback file per student.

Layout of the output folder::

    grades.csv              student,exercise,points,max,status  (one row per student and exercise)
    moodle.csv, canvas.csv  the same points in the layouts Moodle and Canvas import (:mod:`.gradebook`)
    summary.txt             per exercise: mean points and how many passed; per student: flags
    feedback/<id>.md        what to return to the learner: verdicts, points, the checks' hints
    graded/<id>.json        the full record (instructor only: it holds the hidden tests' messages)

``<id>`` is the student's name when it is made of letters, digits, ``.``, ``_``
and ``-`` only; otherwise those characters plus a short hash (see
:func:`lecture_lib.grading.grader.student_id`), so that any name the file
system allows (spaces, quotes, bytes that are not UTF-8) is written safely.
In the CSV, a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return gets a leading ``'`` so that spreadsheets do not run it as a formula.

Every file is written atomically (a temporary file, then ``os.replace``), so
an interrupted run never leaves a half-written file. The feedback files use
only what the public checks say and whether the hidden tests passed: never
the hidden tests' source or messages, and every text that comes from the
learner's kernel is bounded (:data:`MAX_NOTE`).
"""
from __future__ import annotations

import csv
import io
import os
from pathlib import Path

CSV_COLUMNS = ("student", "exercise", "points", "max", "status")
MAX_NOTE = 1000
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def printable(text, newlines: bool = True) -> str:
    """``text`` with every control character (terminal escape codes, carriage returns, ...) written as ``\\xNN``.

    Every string that comes from a submission (a cell's first line, an error message, a check's feedback
    quoting the learner's values) goes through this before it reaches a terminal, ``summary.txt``, a CSV or
    a feedback file: an escape sequence in a cell could otherwise rewrite what the instructor reads.
    ``newlines``: keep line breaks (multi-line feedback); else they are escaped too.
    """
    text = str(text)
    keep = "\n" if newlines else ""
    return "".join(c if (c.isprintable() or c in keep) else
                   (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}") for c in text)


def spreadsheet_safe(text: str) -> str:
    """``text`` with a leading ``'`` if a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _bounded(text) -> str:
    text = printable(text)
    return text if len(text) <= MAX_NOTE else text[:MAX_NOTE - 3] + "..."


def write_atomic(path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _number(value) -> str:
    return f"{value:g}"


def csv_text(records) -> str:
    """The grades as CSV text (``\\n`` line ends), students sorted, exercises in notebook order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for record in sorted(records, key=lambda r: r["student"]):
        for entry in record["exercises"]:
            writer.writerow([spreadsheet_safe(printable(record["student"], newlines=False)), entry["exercise"],
                             _number(entry["points"]),
                             _number(entry["max"]), entry["status"]])
    return buffer.getvalue()


def summary_lines(records, assignment, skipped=(), sandbox=None, limits=None) -> list:
    """One line per exercise (mean points, how many passed), a total line, one line per flagged student,
    the sandbox used, and one line per folder entry that was not graded."""
    n = len(records)
    lines = [f"{assignment.name}: {n} submission(s), {assignment.max_points:g} points in all"]
    if sandbox is not None:
        lines.append(f"  sandbox: {sandbox[1]}" if sandbox[0] else
                     f"  sandbox: NONE ({sandbox[1]}); the submissions ran with the grader's rights")
    if limits:
        lines.append(f"  limits: {limits}")
    for exercise in assignment.exercises:
        entries = [e for r in records for e in r["exercises"] if e["exercise"] == exercise.name]
        mean = sum(e["points"] for e in entries) / n if n else 0.0
        passed = sum(e["status"] == "passed" for e in entries)
        lines.append(f"  {exercise.name}: mean {mean:.2f}/{exercise.points:g} points, passed {passed} of {n}")
    totals = [sum(e["points"] for e in r["exercises"]) for r in records]
    if totals:
        lines.append(f"  total: mean {sum(totals) / n:.2f}/{assignment.max_points:g} points")
    for record in sorted(records, key=lambda r: r["student"]):
        if record["flags"]:
            lines.append(f"  flags {printable(record['student'], False)}: "
                         + printable("; ".join(record["flags"]), False))
    for name, reason in skipped:
        lines.append(f"  not graded: {printable(name, False)}: {reason}")
    return lines


def _quote(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def feedback_markdown(record) -> str:
    """The learner's feedback: score, a table of verdicts, then each exercise's check feedback and hints."""
    total = sum(e["points"] for e in record["exercises"])
    maximum = sum(e["max"] for e in record["exercises"])
    lines = [f"# Feedback on {record['assignment']}: {printable(record['student'], False)}", "",
             f"**Score: {total:g} / {maximum:g} points**", ""]
    if record["notes"]:
        lines += ["## About your notebook", ""] + [f"* {_bounded(note)}" for note in record["notes"]] + [""]
    lines += ["| Exercise | Points | Verdict |", "|---|---|---|"]
    lines += [f"| `{e['exercise']}` | {e['points']:g} / {e['max']:g} | {e['status']} |" for e in record["exercises"]]
    for entry in record["exercises"]:
        lines += ["", f"## `{entry['exercise']}`: {entry['status']} ({entry['points']:g} / {entry['max']:g})", ""]
        check = entry.get("check")
        if check:
            lines.append(f"Check: {check['status'].upper()}: {printable(check['summary'])}")
            if check["feedback"]:
                lines += ["", _quote("\n".join(_bounded(text) for text in check["feedback"]))]
        hidden = (entry.get("hidden") or {}).get("status")
        if check and check["status"] == "passed" and hidden in ("failed", "error", "timeout", "not attempted"):
            lines += ["", "Your function passed the public check but not the instructor's additional tests "
                          "(other inputs, edge cases, not modifying the inputs...). Re-read the exercise "
                          "statement and test your function on inputs of your own."]
        elif check and check["status"] == "passed" and hidden == "passed":
            lines += ["", "The instructor's additional tests passed too."]
        for note in entry["notes"]:
            lines += ["", _bounded(note)]
    return "\n".join(lines) + "\n"


def write_reports(records, assignment, out: Path, skipped=(), sandbox=None, limits=None) -> list:
    """Write grades.csv, moodle.csv, canvas.csv, summary.txt and feedback/<id>.md; return the summary lines."""
    out = Path(out)
    from .gradebook import canvas_csv, moodle_csv

    write_atomic(out / "grades.csv", csv_text(records))
    write_atomic(out / "moodle.csv", moodle_csv(records, assignment))
    write_atomic(out / "canvas.csv", canvas_csv(records, assignment))
    lines = summary_lines(records, assignment, skipped, sandbox, limits)
    write_atomic(out / "summary.txt", "\n".join(lines) + "\n")
    for record in records:
        write_atomic(out / "feedback" / f"{record.get('id', record['student'])}.md", feedback_markdown(record))
    return lines
