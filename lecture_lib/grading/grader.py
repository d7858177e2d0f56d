"""Grade one submission, or a folder of them (in parallel, resumable, interruptible).

A *record* (plain dict, saved as ``<out>/graded/<id>.json``) holds
everything about one graded submission: the student's name as shown in the
reports, a file-safe ``id``, the hashes that make re-runs skip it, one entry
per exercise (``exercise``, ``points``, ``max``, ``status``, the public
check's result, the hidden tests' outcome, notes), notes and flags. The CSV,
the summary and the feedback files are rebuilt from the records
(:mod:`lecture_lib.grading.report`).

Exercise statuses: ``passed``, ``failed``, ``not attempted``, ``timeout``,
``kernel died``, ``tampered`` (the notebook interfered with the grader's
connection to its kernel), ``package answer`` (the answer is the package's own
function, imported or copied: :mod:`.provenance`), ``partial`` (some of the
points, where the solutions declare partial credit), ``invalid notebook``,
``grader error``; only ``passed`` and ``partial`` earn points.

The cells of a submission run in order in its kernel; at each check cell the
grader evaluates the exercise in its own process (:mod:`.verdict`). Cells after
the last check cell are not run: they cannot change a grade. Error messages of
learner cells are shown in the feedback only for cells that ran before the
first exercise was graded: after that, the kernel has seen hidden-test inputs,
and a cell could otherwise print them into its own error message.
"""
from __future__ import annotations

import concurrent.futures
import hashlib
import json
import multiprocessing
import os
import re
import signal
import tempfile
import threading
import time
from pathlib import Path

from ..checks.core import FAILED, NOT_ATTEMPTED, PASSED  # the statuses of CheckResult, defined once
from .assignment import Assignment, load_assignment, make_exercise
from .execution import Limits, RunReport
from .kernel import KERNEL_DIED, TAMPERED, TIMEOUT, KernelLost, KernelSession
from .limits import cgroup_status
from .provenance import PACKAGE_ANSWER, from_package_module, package_answers
from .similarity import read_notebooks, similarity_report
from .report import printable, write_atomic, write_reports
from .sandbox import sandbox_status
from .submission import DELETED, EDITED, InvalidNotebook, build_plan, match_check_cells, read_submission, \
    suspicious_code
from .verdict import evaluate_exercise

GRADER_VERSION = "3"
INVALID, GRADER_ERROR, PARTIAL = "invalid notebook", "grader error", "partial"
_ACTIVE_SESSIONS: set = set()  # kernels of this process, ended on SIGTERM


class GradingInterrupted(BaseException):
    """SIGTERM or SIGINT reached the grader; every worker and kernel has been ended."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def file_sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def student_name(path) -> str:
    """The student's name shown in reports: the file name without its extension; bytes that are not
    UTF-8 and control characters are written as ``\\xNN`` escapes."""
    stem = os.fsencode(Path(path).name)
    stem = stem[: -len(b".ipynb")] if stem.lower().endswith(b".ipynb") else stem
    text = stem.decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def student_id(name: str) -> str:
    """A file name for the student's report files: letters, digits, ``.``, ``_``, ``-``; a hash keeps it unique."""
    safe = re.sub(r"[^\w.\-]", "_", name, flags=re.ASCII).strip(".") or "student"
    if safe != name:
        safe = f"{safe[:80]}-{hashlib.sha256(name.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"
    return safe


def _entry(exercise, status, points=0, notes=(), check=None, hidden=None) -> dict:
    return {"exercise": exercise.name, "points": points, "max": exercise.points, "status": status,
            "check": check, "hidden": hidden, "notes": list(notes)}


_LOST_NOTES = {
    TIMEOUT: "Checking your function took longer than the time limit; it could not be graded.",
    KERNEL_DIED: "Checking your function stopped the Python kernel (os._exit, a crash or the memory limit); "
                 "it could not be graded.",
    TAMPERED: "Your notebook interfered with the grader's connection to its kernel while this exercise was "
              "graded, so it scores 0. Talk to your instructor if this was not on purpose.",
}


def _verdict(exercise, outcome, limits) -> dict:
    """The graded entry of one exercise from :func:`~lecture_lib.grading.verdict.evaluate_exercise`'s outcome."""
    if outcome["lost"]:
        note = _LOST_NOTES[outcome["lost"]]
        if outcome.get("grader_time"):
            note = (f"Checking your answer took the grader more than {limits.cell_timeout:g} s of computing "
                    "(a huge array or expression?); it could not be graded.")
        return _entry(exercise, outcome["lost"], notes=[note], check=(outcome["check"] or {}).get("result"))
    if outcome.get("cannot_send"):
        return _entry(exercise, GRADER_ERROR, notes=["The grader could not pass the tests' arguments to your function "
                                                     f"({outcome['cannot_send']}); ask your instructor."])
    if outcome["missing"]:
        return _entry(exercise, FAILED, notes=[f"`{exercise.name}` was not defined when its check ran: did the cell "
                                               "that defines it run without an error?"])
    check, hidden = outcome["check"], outcome["hidden"] or {}
    if check["status"] != "ok":
        return _entry(exercise, FAILED, notes=[check["message"]])
    result = check["result"]
    if result["status"] == NOT_ATTEMPTED:
        return _entry(exercise, NOT_ATTEMPTED, check=result, hidden=hidden)
    if from_package_module(outcome.get("module")) and result["status"] == PASSED:
        return _entry(exercise, PACKAGE_ANSWER, check=result, hidden=hidden, notes=[
            f"`{exercise.name}` is a function of the package ({outcome['module']}), not your own: it scores 0. "
            "Talk to your instructor if this is a mistake."])
    points = partial_points(exercise, result, hidden)
    if 0 < points < exercise.points:
        return _entry(exercise, PARTIAL, points, check=result, hidden=hidden)
    if result["status"] == PASSED and hidden.get("status") in ("passed", "none"):
        return _entry(exercise, PASSED, exercise.points, check=result, hidden=hidden)
    return _entry(exercise, FAILED, check=result, hidden=hidden)


def partial_points(exercise, result: dict, hidden: dict) -> float:
    """Points earned under the exercise's credit rule (:func:`~lecture_lib.grading.assignment.read_credit`)."""
    credit = getattr(exercise, "credit", None) or {"mode": "all"}
    passed, hidden_passed = result.get("status") == PASSED, hidden.get("status") in ("passed", "none")
    if credit["mode"] == "all":
        return exercise.points if passed and hidden_passed else 0
    if credit["mode"] == "parts":
        return (credit["public"] if passed else 0) + (credit["hidden"] if passed and hidden_passed else 0)
    total, good = result.get("cases_total") or 0, result.get("cases_passed") or 0
    share = credit["public"] * (good / total if total else float(passed))
    return round(share + (credit["hidden"] if passed and hidden_passed else 0), 6)


def _notebook_notes(steps, report, matches, suspicious) -> tuple:
    """(notes for the learner, short flags for the instructor) about the notebook as a whole."""
    notes, flags = [], []
    for name, (_, state, duplicates) in matches.items():
        if state == EDITED:
            notes.append(f"The check cell of `{name}` was changed; the original check was run instead "
                         "(the changed cell itself was not run).")
            flags.append(f"edited check: {name}")
        elif state == DELETED:
            notes.append(f"The check cell of `{name}` was missing; the original check was run after your function.")
            flags.append(f"deleted check: {name}")
        if duplicates:
            cells = ", ".join(str(i + 1) for i in duplicates)
            notes.append(f"The check cell of `{name}` appears more than once (also cell {cells}); the released cell "
                         "was graded and the copies were not run.")
            flags.append(f"duplicate check: {name} (cell {cells})")
    for index, reason in sorted(report.skipped.items()):
        what = "ran longer than the time limit" if reason == TIMEOUT else (
            "stopped the Python kernel (os._exit, a crash or the memory limit)" if reason == KERNEL_DIED
            else "interfered with the grader's connection to its kernel")
        notes.append(f"Your {steps[index].label} {what} and was skipped; the other cells were run again in a new "
                     "kernel.")
        flags.append(f"{reason}: {steps[index].label}")
    for index, error in sorted(report.errors.items()):
        notes.append(f"Your {steps[index].label} raised {error}")
    if suspicious:
        notes.append("Your notebook changes or inspects parts of Python or its libraries (" +
                     "; ".join(suspicious[:3])[:400] + "). This has no effect on grading: the checks and tests run "
                     "in the grader's own process and only call your functions.")
        flags.append("suspicious code: " + "; ".join(suspicious[:5])[:300])
    if report.out_of_time:
        notes.append("The notebook took longer than its total time limit; what was not graded by then scores 0.")
        flags.append("notebook time limit")
    return notes, flags


def _new_record(path, assignment, sandboxed) -> dict:
    name = student_name(path)
    return {"student": name, "id": student_id(name), "submission": os.fsencode(Path(path).name).decode(
                "utf-8", "backslashreplace"), "submission_sha256": file_sha256(path),
            "assignment": assignment.name, "assignment_sha256": assignment.sha256, "grader_version": GRADER_VERSION,
            "sandboxed": bool(sandboxed), "valid": True, "notes": [], "flags": [], "exercises": []}


def _run_steps(steps, assignment, session, limits, deadline) -> tuple:
    """Run the plan up to its last grade step; return ({exercise: entry}, RunReport)."""
    report = RunReport()
    by_name = {exercise.name: exercise for exercise in assignment.exercises}
    entries = {}
    last = max((i for i, step in enumerate(steps) if step.kind == "grade"), default=-1)
    graded_any = False
    for index, step in enumerate(steps[: last + 1]):
        _stop_if_signalled()
        if time.monotonic() >= deadline:
            report.out_of_time = True
            break
        if step.kind == "learner":
            try:
                error = session.run_cell(step.source, min(limits.cell_timeout, deadline - time.monotonic()),
                                         limits.cell_timeout)
            except KernelLost as lost:
                if time.monotonic() >= deadline:
                    report.out_of_time = True
                    break
                report.skipped[index] = lost.reason
                continue
            if error:
                report.errors[index] = error if not graded_any else (
                    error.split(":")[0] + " (the message is not shown for cells after the first graded exercise)")
            continue
        exercise = by_name[step.exercise]
        outcome = evaluate_exercise(exercise, assignment.imports, session, limits.cell_timeout)
        _stop_if_signalled()
        graded_any = True
        if outcome["lost"] == TIMEOUT and time.monotonic() >= deadline:
            report.out_of_time = True
            break
        entries[exercise.name] = _verdict(exercise, outcome, limits)
    report.restarts = max(0, session.starts - 1)
    return entries, report


def grade_submission(path, assignment: Assignment, limits: Limits, sandboxed: bool | None = None) -> dict:
    """Grade one notebook; return its record (never raises because of the submission)."""
    path = Path(path)
    started = time.perf_counter()
    sandboxed = sandbox_status()[0] if sandboxed is None else sandboxed
    record = _new_record(path, assignment, sandboxed)
    try:
        notebook = read_submission(path)
    except InvalidNotebook as exc:
        record.update(valid=False, notes=[f"{record['submission']} is {exc}. It scores 0; submit the .ipynb file "
                                          "saved by Jupyter."], flags=[INVALID])
        record["exercises"] = [_entry(exercise, INVALID) for exercise in assignment.exercises]
        return record
    matches = match_check_cells(notebook, assignment)
    steps = build_plan(notebook, assignment, matches)
    deadline = time.monotonic() + limits.notebook_timeout
    with tempfile.TemporaryDirectory(prefix="lecture-grade-", ignore_cleanup_errors=True) as temporary:
        session = KernelSession(Path(temporary, "work"), limits.memory_limit_mb * 2**20, sandboxed, deadline,
                                process_limit=limits.process_limit, disk_limit=limits.disk_limit_mb * 2**20)
        session.replay_timeout = limits.cell_timeout
        _ACTIVE_SESSIONS.add(session)
        try:
            entries, report = _run_steps(steps, assignment, session, limits, deadline)
        finally:
            session.close()
            _ACTIVE_SESSIONS.discard(session)
        folder_deleted = (not Path(temporary).is_dir() or not session.workdir.is_dir()
                          or session.workdir_recreated)
    copied = package_answers([step.source for step in steps if step.kind == "learner"], assignment.exercises,
                             assignment.imports, assignment.reference_shapes)
    for exercise in assignment.exercises:
        entry = entries.get(exercise.name) or _entry(
            exercise, TIMEOUT, notes=["The notebook ran out of time before this exercise was graded."])
        if exercise.name in copied and entry["status"] == PACKAGE_ANSWER:
            entry["notes"].insert(0, f"{copied[exercise.name]}.")
        elif exercise.name in copied and entry["status"] in (PASSED, PARTIAL):
            entry = _entry(exercise, PACKAGE_ANSWER, check=entry["check"], hidden=entry["hidden"], notes=[
                f"{copied[exercise.name]}: the package's answer, not your own; it scores 0. Talk to your "
                "instructor if this is a mistake."])
        record["exercises"].append(entry)
    record["notes"], record["flags"] = _notebook_notes(steps, report, matches, suspicious_code(steps))
    if folder_deleted:
        record["flags"].append("deleted the grader's temporary folder (no effect on the grade)")
    record["flags"] += sorted({f"{e['status']}: {e['exercise']}" for e in record["exercises"]
                               if e["status"] in (TAMPERED, GRADER_ERROR, PACKAGE_ANSWER)})
    record["restarts"] = report.restarts
    record["seconds"] = round(time.perf_counter() - started, 2)
    return record


def limits_text(limits: Limits, sandboxed: bool) -> str:
    """One line saying the limits each submission ran under, and how they were enforced."""
    grouped, how = cgroup_status()
    memory = f"{limits.memory_limit_mb} MiB of memory" if limits.memory_limit_mb else "no memory limit"
    processes = f"{limits.process_limit} processes" if limits.process_limit else "no process limit"
    files = (f"{limits.disk_limit_mb} MiB of files (a tmpfs in the sandbox)" if sandboxed and limits.disk_limit_mb
             else "files: 1 GiB per file only (no sandbox)" if not sandboxed else "files: unbounded folder")
    if grouped:
        return f"per submission, all its processes together ({how}): {memory}, {processes}; {files}"
    return (f"per process only ({how}): {memory} of address space per process, processes not bounded; {files}")


def _end_active_sessions(signum=None, frame=None):
    for session in list(_ACTIVE_SESSIONS):
        session.close()


def _worker_start():
    """In each pool worker: SIGTERM ends its kernels and the worker; SIGINT is the main process's business."""
    def on_term(signum, frame):
        _end_active_sessions()
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")


def _safe_grade(path, assignment, limits, sandboxed) -> dict:
    """:func:`grade_submission` in a worker: a grader failure becomes a record instead of stopping the class."""
    try:
        return grade_submission(path, assignment, limits, sandboxed)
    except Exception as exc:
        record = _new_record(path, assignment, sandboxed)
        record.update(flags=[GRADER_ERROR], notes=[f"The grader failed on this notebook ({type(exc).__name__}: "
                                                   f"{str(exc)[:300]}); ask your instructor."],
                      exercises=[_entry(exercise, GRADER_ERROR) for exercise in assignment.exercises])
        return record


def _is_current(record_path: Path, sha: str, assignment: Assignment) -> bool:
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (record.get("submission_sha256") == sha and record.get("assignment_sha256") == assignment.sha256
            and record.get("grader_version") == GRADER_VERSION and GRADER_ERROR not in record.get("flags", []))


def list_submissions(folder) -> tuple:
    """([notebook paths to grade], [(entry name, why it is skipped)]) for every entry of ``folder``.

    A regular file whose name ends in ``.ipynb`` in any case is graded (symbolic links are listed, never
    followed: a link could point at the solutions or at another learner's notebook); two files that give the same student
    name (``ben.ipynb`` and ``ben.IPYNB``) grade the first and list the second.
    """
    paths, skipped, seen = [], [], {}
    for entry in sorted(Path(folder).iterdir(), key=lambda p: os.fsencode(p.name)):
        shown = os.fsencode(entry.name).decode("utf-8", "backslashreplace")
        if entry.is_symlink():  # a link may point at the solutions or at another learner's notebook
            skipped.append((shown, "a symbolic link (only regular files are graded)"))
        elif entry.is_dir():
            skipped.append((shown, "a folder"))
        elif not entry.name.lower().endswith(".ipynb"):
            skipped.append((shown, f"not a notebook (the name does not end in .ipynb)"))
        elif not entry.is_file():
            skipped.append((shown, "not a regular file"))
        else:
            key = student_id(student_name(entry)).lower()
            if key in seen:
                skipped.append((shown, f"the same student name as {seen[key]}"))
                continue
            seen[key] = shown
            paths.append(entry)
    return paths, skipped


_STOP_SIGNAL: list = [0]  # the signal received, for the step boundaries (a check may catch the exception)


def _stop_if_signalled() -> None:
    if _STOP_SIGNAL[0]:
        raise GradingInterrupted(_STOP_SIGNAL[0])


class _Signals:
    """SIGTERM and SIGINT raise GradingInterrupted in the main thread while grading (previous handlers restored);
    the signal is also remembered and raised again at the next step of a submission."""

    def __enter__(self):
        self.previous = {}
        _STOP_SIGNAL[0] = 0
        if threading.current_thread() is threading.main_thread():
            def on_signal(signum, frame):
                _STOP_SIGNAL[0] = signum
                raise GradingInterrupted(signum)
            for signum in (signal.SIGTERM, signal.SIGINT):
                self.previous[signum] = signal.signal(signum, on_signal)
        return self

    def __exit__(self, *exc):
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)
        _STOP_SIGNAL[0] = 0
        return False


def _stop_pool(pool) -> None:
    processes = list(getattr(pool, "_processes", {}).values())
    for process in processes:
        try:
            process.terminate()  # SIGTERM: the worker ends its kernels first (_worker_start)
        except Exception:
            pass
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join(5)


def grade_folder(solutions, submissions, out, jobs: int = 1, regrade: bool = False, limits: Limits | None = None,
                 log=print) -> list:
    """Grade every notebook of ``submissions`` against the solutions notebook; write the reports to ``out``.

    Returns the records of every graded submission, sorted by student. Submissions graded before
    (same file, same solutions, same grader) are skipped unless ``regrade``. SIGTERM or SIGINT
    ends every worker and kernel and raises :class:`GradingInterrupted` (what was graded is saved).
    """
    limits = limits or Limits()
    assignment = load_assignment(solutions)
    for warning in assignment.warnings:
        log(f"warning: {warning}")
    sandboxed, sandbox_text = sandbox_status()
    log(f"sandbox: {sandbox_text}" if sandboxed else
        f"warning: no sandbox ({sandbox_text}); submissions run with your user's rights")
    limits_line = limits_text(limits, sandboxed)
    log(f"limits: {limits_line}")
    paths, skipped = list_submissions(submissions)
    for name, reason in skipped:
        log(f"not graded: {printable(name, False)}: {reason}")
    graded_dir = Path(out) / "graded"
    graded_dir.mkdir(parents=True, exist_ok=True)
    record_path = {path: graded_dir / f"{student_id(student_name(path))}.json" for path in paths}
    todo = []
    for path in paths:
        if not regrade and _is_current(record_path[path], file_sha256(path), assignment):
            log(f"skipped {student_name(path)}: already graded (use --regrade to grade it again)")
        else:
            todo.append(path)

    def save(record):
        write_atomic(graded_dir / f"{record['id']}.json", json.dumps(record, indent=1) + "\n")
        total = sum(e["points"] for e in record["exercises"])
        flags = f"  [{printable('; '.join(record['flags']), False)}]" if record["flags"] else ""
        log(f"graded {printable(record['student'], False)}: {total:g}/{assignment.max_points:g} points{flags}")

    with _Signals():
        if jobs <= 1 or len(todo) <= 1:
            try:
                for path in todo:
                    save(_safe_grade(path, assignment, limits, sandboxed))
            finally:
                _end_active_sessions()
        elif todo:
            context = multiprocessing.get_context("spawn")
            pool = concurrent.futures.ProcessPoolExecutor(max_workers=jobs, mp_context=context,
                                                          initializer=_worker_start)
            try:
                futures = {pool.submit(_safe_grade, path, assignment, limits, sandboxed): path for path in todo}
                for future in concurrent.futures.as_completed(futures):
                    try:
                        save(future.result())
                    except Exception as exc:  # a worker process died: grade that notebook alone, in this process
                        log(f"worker failed on {futures[future].name} ({type(exc).__name__}); grading it again")
                        save(_safe_grade(futures[future], assignment, limits, sandboxed))
            except BaseException:
                _stop_pool(pool)
                raise
            pool.shutdown(wait=True)
    records = []
    for path in paths:
        try:
            records.append(json.loads(record_path[path].read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    for line in write_reports(records, assignment, Path(out), skipped=skipped, sandbox=(sandboxed, sandbox_text),
                              limits=limits_line):
        log(line)
    released = make_exercise(read_submission(solutions))
    report = similarity_report(read_notebooks(paths), [exercise.name for exercise in assignment.exercises], released)
    write_atomic(Path(out) / "similarity.md", report)
    log(f"similarity: {report.count(chr(10) + '## ')} pair(s) to look at (similarity.md)")
    return records
