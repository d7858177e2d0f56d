"""Grade one submission, or a folder of them (in parallel, resumable).

A *record* (plain dict, saved as ``<out>/graded/<student>.json``) holds
everything about one graded submission: the hashes that make re-runs skip
it, one entry per exercise (``exercise``, ``points``, ``max``, ``status``,
the public check's result, the hidden tests' outcome) and notes. The CSV,
the summary and the feedback files are rebuilt from the records
(:mod:`lecture_lib.grading.report`).

Exercise statuses: ``passed``, ``failed``, ``not attempted``, ``timeout``,
``kernel died``, ``tampered``, ``invalid notebook``, ``grader error``; only
``passed`` earns the exercise's points.
"""
from __future__ import annotations

import concurrent.futures
import hashlib
import json
import multiprocessing
import os
import secrets
import tempfile
import time
from pathlib import Path

from ..checks.core import FAILED, NOT_ATTEMPTED, PASSED  # the statuses of CheckResult, defined once
from .assignment import Assignment, load_assignment
from .execution import TIMEOUT, Limits, grade_source, run_plan
from .integrity import reference_fingerprints
from .report import write_atomic, write_reports
from .submission import DELETED, EDITED, InvalidNotebook, build_plan, match_check_cells, read_submission

GRADER_VERSION = "1"
TAMPERED, INVALID, GRADER_ERROR = "tampered", "invalid notebook", "grader error"


def file_sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _entry(exercise, status, points=0, notes=(), check=None, hidden=None) -> dict:
    return {"exercise": exercise.name, "points": points, "max": exercise.points, "status": status,
            "check": check, "hidden": hidden, "notes": list(notes)}


def _verdict(exercise, index, report, payload, nonce) -> dict:
    """The graded entry of one exercise from its grade step's verdict file (``payload``, or None)."""
    if payload is None or payload.get("nonce") != nonce:
        if index in report.skipped:
            status = report.skipped[index]
            why = ("took longer than the time limit" if status == TIMEOUT
                   else "stopped the Python kernel (os._exit, a crash or the memory limit)")
            return _entry(exercise, status, notes=[f"Checking your function {why}; it could not be graded."])
        if report.out_of_time:
            return _entry(exercise, TIMEOUT, notes=["The notebook ran out of time before this exercise was graded."])
        return _entry(exercise, GRADER_ERROR, notes=["The grader got no result for this exercise."])
    if payload.get("error"):
        return _entry(exercise, GRADER_ERROR, notes=[f"The grading cell failed: {payload['error']}"])
    notes = []
    if payload["patched_checks"]:
        notes.append("Your notebook changed the checks (" + ", ".join(payload["patched_checks"][:5]) +
                     "); this has no effect: the grader used fresh, original checks.")
    if payload["tampered"]:
        notes.append("Your notebook changed functions the tests rely on (" + ", ".join(payload["tampered"][:5]) +
                     "), so the result of this exercise cannot be trusted and it scores 0. "
                     "Talk to your instructor if this was not on purpose.")
        return _entry(exercise, TAMPERED, notes=notes)
    check, hidden = payload["check"], payload["hidden"] or {}
    if check["status"] != "ok":
        return _entry(exercise, FAILED, notes=notes + [check["message"]])
    result = check["result"]
    if result["status"] == NOT_ATTEMPTED:
        return _entry(exercise, NOT_ATTEMPTED, notes=notes, check=result, hidden=hidden)
    if result["status"] == PASSED and hidden.get("status") in ("passed", "none"):
        return _entry(exercise, PASSED, exercise.points, notes, check=result, hidden=hidden)
    return _entry(exercise, FAILED, notes=notes, check=result, hidden=hidden)


def _notebook_notes(steps, report, matches) -> tuple:
    """(notes for the learner, short flags for the instructor) about the notebook as a whole."""
    notes, flags = [], []
    for name, (_, state) in matches.items():
        if state == EDITED:
            notes.append(f"The check cell of `{name}` was changed; the original check was run instead "
                         "(the changed cell itself was not run).")
            flags.append(f"edited check: {name}")
        elif state == DELETED:
            notes.append(f"The check cell of `{name}` was missing; the original check was run after your function.")
            flags.append(f"deleted check: {name}")
    for index, reason in sorted(report.skipped.items()):
        step = steps[index]
        if step.kind != "learner":
            flags.append(f"{reason}: {step.label}")
            continue
        what = "ran longer than the time limit" if reason == TIMEOUT else \
            "stopped the Python kernel (os._exit, a crash or the memory limit)"
        notes.append(f"Your {step.label} {what} and was skipped; the other cells were run again in a new kernel.")
        flags.append(f"{reason}: {step.label}")
    for index, error in sorted(report.errors.items()):
        notes.append(f"Your {steps[index].label} raised {error}")
    if report.out_of_time:
        notes.append("The notebook took longer than its total time limit; what was not graded by then scores 0.")
        flags.append("notebook time limit")
    return notes, flags


def grade_submission(path, assignment: Assignment, expected: dict, limits: Limits) -> dict:
    """Grade one notebook; return its record (never raises because of the submission)."""
    path = Path(path)
    started = time.perf_counter()
    record = {"student": path.stem, "submission": path.name, "submission_sha256": file_sha256(path),
              "assignment": assignment.name, "assignment_sha256": assignment.sha256,
              "grader_version": GRADER_VERSION, "valid": True, "notes": [], "flags": [], "exercises": []}
    try:
        notebook = read_submission(path)
    except InvalidNotebook as exc:
        record.update(valid=False, notes=[f"{path.name} is {exc}. It scores 0; submit the .ipynb file "
                                          "saved by Jupyter."], flags=[INVALID])
        record["exercises"] = [_entry(exercise, INVALID) for exercise in assignment.exercises]
        return record
    matches = match_check_cells(notebook, assignment)
    steps = build_plan(notebook, assignment, matches)
    by_name = {exercise.name: exercise for exercise in assignment.exercises}
    nonce = secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="lecture-grade-") as temporary:
        workdir, result_dir = Path(temporary, "work"), Path(temporary, secrets.token_hex(8))
        workdir.mkdir()
        result_dir.mkdir(mode=0o700)
        sources = [step.source if step.kind == "learner" else
                   grade_source(i, by_name[step.exercise], assignment.imports, expected, nonce, result_dir,
                                limits.cell_timeout)
                   for i, step in enumerate(steps)]
        report = run_plan(steps, sources, workdir, limits)
        for exercise in assignment.exercises:
            index = next(i for i, step in enumerate(steps) if step.exercise == exercise.name)
            result_path = result_dir / f"{nonce}-{index}.json"
            payload = json.loads(result_path.read_text()) if result_path.exists() else None
            record["exercises"].append(_verdict(exercise, index, report, payload, nonce))
    record["notes"], record["flags"] = _notebook_notes(steps, report, matches)
    record["flags"] += sorted({f"{e['status']}: {e['exercise']}" for e in record["exercises"]
                               if e["status"] in (TAMPERED, GRADER_ERROR)})
    if any("changed the checks" in note for e in record["exercises"] for note in e["notes"]):
        record["flags"].append("check functions patched (neutralised)")
    record["restarts"] = report.restarts
    record["seconds"] = round(time.perf_counter() - started, 2)
    return record


def _safe_grade(path, assignment, expected, limits) -> dict:
    """:func:`grade_submission` in a worker: a grader failure becomes a record instead of stopping the class."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # kernels started from here inherit it
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    try:
        return grade_submission(path, assignment, expected, limits)
    except Exception as exc:
        return {"student": Path(path).stem, "submission": Path(path).name, "submission_sha256": file_sha256(path),
                "assignment": assignment.name, "assignment_sha256": assignment.sha256,
                "grader_version": GRADER_VERSION, "valid": True, "flags": [GRADER_ERROR],
                "notes": [f"The grader failed on this notebook ({type(exc).__name__}: {exc}); ask your instructor."],
                "exercises": [_entry(exercise, GRADER_ERROR) for exercise in assignment.exercises]}


def _is_current(record_path: Path, sha: str, assignment: Assignment) -> bool:
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (record.get("submission_sha256") == sha and record.get("assignment_sha256") == assignment.sha256
            and record.get("grader_version") == GRADER_VERSION and GRADER_ERROR not in record.get("flags", []))


def grade_folder(solutions, submissions, out, jobs: int = 1, regrade: bool = False, limits: Limits | None = None,
                 log=print) -> list:
    """Grade every ``*.ipynb`` of ``submissions`` against the solutions notebook; write the reports to ``out``.

    Returns the records of every submission, sorted by student. Submissions
    graded before (same file, same solutions, same grader) are skipped
    unless ``regrade``.
    """
    limits = limits or Limits()
    assignment = load_assignment(solutions)
    for warning in assignment.warnings:
        log(f"warning: {warning}")
    paths = sorted(p for p in Path(submissions).glob("*.ipynb") if p.is_file())
    graded_dir = Path(out) / "graded"
    graded_dir.mkdir(parents=True, exist_ok=True)
    todo = []
    for path in paths:
        if not regrade and _is_current(graded_dir / f"{path.stem}.json", file_sha256(path), assignment):
            log(f"skipped {path.stem}: already graded (use --regrade to grade it again)")
        else:
            todo.append(path)
    if todo:
        expected = reference_fingerprints(assignment.imports)

        def save(record):
            write_atomic(graded_dir / f"{record['student']}.json", json.dumps(record, indent=1) + "\n")
            total = sum(e["points"] for e in record["exercises"])
            flags = f"  [{'; '.join(record['flags'])}]" if record["flags"] else ""
            log(f"graded {record['student']}: {total:g}/{assignment.max_points:g} points{flags}")

        if jobs <= 1 or len(todo) == 1:
            for path in todo:
                save(_safe_grade(path, assignment, expected, limits))
        else:
            context = multiprocessing.get_context("spawn")
            with concurrent.futures.ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
                futures = {pool.submit(_safe_grade, path, assignment, expected, limits): path for path in todo}
                for future in concurrent.futures.as_completed(futures):
                    try:
                        save(future.result())
                    except Exception as exc:  # a worker process died: grade that notebook alone, in this process
                        log(f"worker failed on {futures[future].name} ({type(exc).__name__}); grading it again")
                        save(_safe_grade(futures[future], assignment, expected, limits))
    records = [json.loads((graded_dir / f"{path.stem}.json").read_text(encoding="utf-8")) for path in paths]
    for line in write_reports(records, assignment, Path(out)):
        log(line)
    return records
