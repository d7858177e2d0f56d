"""Grade-book exports beside ``grades.csv``: the CSV layouts that Moodle and Canvas import.

The student is known by the submission's file name (``ann.ipynb`` → ``ann``): name the submissions by
the login your platform uses (Moodle's *username*, Canvas's *SIS Login ID*) and the import matches them.

``moodle.csv`` (Moodle: *Grades → Import → CSV file*; map *Username* to the user field "username" and each
other column to a grade item, or "new grade item")::

    Username,<assignment>: <exercise 1>,...,<assignment> total
    ann,1,0,...,3

``canvas.csv`` (Canvas: *Grades → Import*; the columns Canvas's own export has, a *Points Possible* row,
then one row per student; a column whose name Canvas does not know becomes a new assignment)::

    Student,ID,SIS User ID,SIS Login ID,Section,<assignment>: <exercise 1>,...,<assignment> total
    Points Possible,,,,,1,...,6
    ann,,,ann,,1,...,3

Numbers are written with ``:g`` (``1``, ``0.5``); a name a spreadsheet would take for a formula gets a
leading ``'`` as in ``grades.csv``; control characters are escaped.
"""
from __future__ import annotations

import csv
import io

from .report import printable, spreadsheet_safe

CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")


def _columns(assignment) -> list:
    return [f"{assignment.name}: {exercise.name}" for exercise in assignment.exercises] + [f"{assignment.name} total"]


def _points(record, assignment) -> list:
    by_name = {entry["exercise"]: entry["points"] for entry in record["exercises"]}
    points = [by_name.get(exercise.name, 0) for exercise in assignment.exercises]
    return [f"{p:g}" for p in points] + [f"{sum(points):g}"]


def _name(record) -> str:
    return spreadsheet_safe(printable(record["student"], newlines=False))


def moodle_csv(records, assignment) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["Username"] + _columns(assignment))
    for record in sorted(records, key=lambda r: r["student"]):
        writer.writerow([_name(record)] + _points(record, assignment))
    return buffer.getvalue()


def canvas_csv(records, assignment) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(list(CANVAS_IDENTITY) + _columns(assignment))
    maxima = [exercise.points for exercise in assignment.exercises]
    writer.writerow(["Points Possible", "", "", "", ""] + [f"{p:g}" for p in maxima] + [f"{sum(maxima):g}"])
    for record in sorted(records, key=lambda r: r["student"]):
        name = _name(record)
        writer.writerow([name, "", "", name, ""] + _points(record, assignment))
    return buffer.getvalue()
