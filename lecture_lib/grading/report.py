"""The grader's outputs, rebuilt from the records: CSV, per-exercise summary, one feedback file per student.

Layout of the output folder::

    grades.csv              student,exercise,points,max,status  (one row per student and exercise)
    summary.txt             per exercise: mean points and how many passed; per student: flags
    feedback/<student>.md   what to return to the learner: verdicts, points, the checks' hints
    graded/<student>.json   the full record (instructor only: it holds the hidden tests' messages)

Every file is written atomically (a temporary file, then ``os.replace``), so
an interrupted run never leaves a half-written file. The feedback files use
only what the public checks say and whether the hidden tests passed: never
the hidden tests' source or messages.
"""
from __future__ import annotations

import csv
import io
import os
from pathlib import Path

CSV_COLUMNS = ("student", "exercise", "points", "max", "status")


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
            writer.writerow([record["student"], entry["exercise"], _number(entry["points"]),
                             _number(entry["max"]), entry["status"]])
    return buffer.getvalue()


def summary_lines(records, assignment) -> list:
    """One line per exercise (mean points, how many passed), a total line, and one line per flagged student."""
    n = len(records)
    lines = [f"{assignment.name}: {n} submission(s), {assignment.max_points:g} points in all"]
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
            lines.append(f"  flags {record['student']}: " + "; ".join(record["flags"]))
    return lines


def _quote(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def feedback_markdown(record) -> str:
    """The learner's feedback: score, a table of verdicts, then each exercise's check feedback and hints."""
    total = sum(e["points"] for e in record["exercises"])
    maximum = sum(e["max"] for e in record["exercises"])
    lines = [f"# Feedback on {record['assignment']}: {record['student']}", "",
             f"**Score: {total:g} / {maximum:g} points**", ""]
    if record["notes"]:
        lines += ["## About your notebook", ""] + [f"* {note}" for note in record["notes"]] + [""]
    lines += ["| Exercise | Points | Verdict |", "|---|---|---|"]
    lines += [f"| `{e['exercise']}` | {e['points']:g} / {e['max']:g} | {e['status']} |" for e in record["exercises"]]
    for entry in record["exercises"]:
        lines += ["", f"## `{entry['exercise']}`: {entry['status']} ({entry['points']:g} / {entry['max']:g})", ""]
        check = entry.get("check")
        if check:
            lines.append(f"Check: {check['status'].upper()}: {check['summary']}")
            if check["feedback"]:
                lines += ["", _quote("\n".join(check["feedback"]))]
        hidden = (entry.get("hidden") or {}).get("status")
        if check and check["status"] == "passed" and hidden in ("failed", "error", "timeout", "not attempted"):
            lines += ["", "Your function passed the public check but not the instructor's additional tests "
                          "(other inputs, edge cases, not modifying the inputs...). Re-read the exercise "
                          "statement and test your function on inputs of your own."]
        elif check and check["status"] == "passed" and hidden == "passed":
            lines += ["", "The instructor's additional tests passed too."]
        for note in entry["notes"]:
            lines += ["", note]
    return "\n".join(lines) + "\n"


def write_reports(records, assignment, out: Path) -> list:
    """Write grades.csv, summary.txt and feedback/<student>.md; return the summary lines (to print)."""
    out = Path(out)
    write_atomic(out / "grades.csv", csv_text(records))
    lines = summary_lines(records, assignment)
    write_atomic(out / "summary.txt", "\n".join(lines) + "\n")
    for record in records:
        write_atomic(out / "feedback" / f"{record['student']}.md", feedback_markdown(record))
    return lines
