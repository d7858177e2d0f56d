"""Run one exercise's public check and hidden tests in the grader's own process, against proxies.

The namespace of an exercise is built fresh in the grader: the chapter's
import lines from the solutions notebook (run once per grader process, in
:func:`base_namespace`), plus, for every name the check and the hidden tests
use that these imports do not define, what the learner's kernel has under
that name: a :class:`~lecture_lib.grading.kernel.LearnerFunction` for a
callable, the value itself for plain data. Then the public check's source
runs there (its last expression must give a ``CheckResult``), and, when the
check passed, the hidden tests.

Time bounds: looking up the learner's names (and decoding their values) may spend at most
``cell_timeout`` seconds of the grader's CPU; each phase (check, hidden tests) may wait at most
``cell_timeout`` seconds for the learner's functions in all
(``session.call_deadline``), and may spend at most ``cell_timeout`` seconds of
the grader's own CPU (an ``ITIMER_PROF`` alarm, which does not disturb the
checks' ``ITIMER_REAL`` per-call limit), e.g. on simplifying a huge SymPy answer.
"""
from __future__ import annotations

import ast
import contextlib
import signal
import threading
import time
import warnings

from ..checks.core import PASSED, CheckResult
from .kernel import TIMEOUT, CannotSend, KernelLost

try:  # checks that call the learner's function in a forked child (lecture_lib.checks.isolation)
    from ..checks.isolation import isolation as _checks_isolation
except ImportError:  # checks that call it in this process
    _checks_isolation = None

_BASE: dict = {}


class GraderTimeLimit(BaseException):
    """The grader's own work on one phase used more CPU time than allowed."""


def base_namespace(imports: str) -> dict:
    """The chapter's imports run once in this (clean) process; a copy is the start of every exercise's namespace."""
    if imports not in _BASE:
        namespace: dict = {"__name__": "lecture_grade_tests"}
        exec(compile(imports, "<solutions imports>", "exec"), namespace)
        _BASE[imports] = namespace
    return dict(_BASE[imports])


class _CpuLimit:
    """Raise GraderTimeLimit after ``seconds`` of this process's CPU time (main thread only; else no limit)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.active = threading.current_thread() is threading.main_thread() and hasattr(signal, "ITIMER_PROF")

    def __enter__(self):
        self.fired = False
        if self.active:
            def on_limit(signum, frame):
                self.fired = True  # remembered: a check may catch every exception of a call
                raise GraderTimeLimit()
            self.previous = signal.signal(signal.SIGPROF, on_limit)
            signal.setitimer(signal.ITIMER_PROF, self.seconds)
        return self

    def __exit__(self, *exc):
        if self.active:
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.signal(signal.SIGPROF, self.previous)
        return False


def _run_check(source: str, namespace: dict) -> dict:
    tree = ast.parse(source, "<public check>")
    body, last = tree.body[:-1], tree.body[-1]
    try:
        exec(compile(ast.Module(body=body, type_ignores=[]), "<public check>", "exec"), namespace)
        value = eval(compile(ast.Expression(last.value), "<public check>", "eval"), namespace)
    except (KernelLost, GraderTimeLimit, CannotSend, KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # also a check's own time-limit exception fired outside the learner's call
        return {"status": "error", "message": f"the check stopped: {type(exc).__name__}: {str(exc)[:300]}"}
    if type(value) is not CheckResult:
        return {"status": "error", "message": f"the check returned a {type(value).__name__}, not a CheckResult"}
    return {"status": "ok", "result": value.as_dict()}


def _run_hidden(source: str, namespace: dict) -> dict:
    if not source.strip():
        return {"status": "none"}
    try:
        exec(compile(source, "<hidden tests>", "exec"), namespace)
        return {"status": "passed"}
    except (KernelLost, GraderTimeLimit, CannotSend, KeyboardInterrupt, SystemExit):
        raise
    except NotImplementedError:
        return {"status": "not attempted"}
    except AssertionError as exc:
        return {"status": "failed", "message": str(exc)[:300]}
    except BaseException as exc:  # the learner's exception re-raised by the proxy, or the test's own
        return {"status": "error", "message": f"{type(exc).__name__}: {str(exc)[:300]}"}


def _phase(session, limit: float, run):
    """``run()`` with the learner's time (``limit`` s of waiting) and the grader's CPU time (``limit`` s) bounded.

    The checks call the proxies in this process (``isolation("inline")``: a forked child could not
    share the kernel's channel). A lost kernel or the CPU limit counts even when a check caught the
    exception of the call (checks turn every exception of the learner's call into feedback).
    """
    import numpy

    session.call_deadline = time.monotonic() + limit
    session.lost_reason = None
    mode = _checks_isolation("inline") if _checks_isolation is not None else contextlib.nullcontext()
    cpu = _CpuLimit(limit)
    try:
        with cpu, mode, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # re-issued learner warnings: only the checks that record them see them
            with numpy.errstate(divide="warn", over="warn", under="ignore", invalid="warn"):
                result = run()
    finally:
        session.call_deadline = float("inf")
    if session.lost_reason:
        raise KernelLost(session.lost_reason)
    if cpu.fired:
        raise GraderTimeLimit()
    return result


def evaluate_exercise(exercise, imports: str, session, limit: float) -> dict:
    """The outcome of one exercise: {"lost": reason or None, "missing": bool, "check", "hidden", "phase"}.

    ``check`` is {"status": "ok", "result": CheckResult.as_dict()} or {"status": "error", "message"};
    ``hidden`` is {"status": passed / failed / error / timeout / none / not run, "message"?}.
    """
    outcome = {"lost": None, "missing": False, "check": None, "hidden": None, "phase": "check"}
    namespace = base_namespace(imports)
    try:
        with _CpuLimit(limit) as cpu:  # reading the names' values (a SymPy value may be costly) is bounded too
            found = session.lookup(exercise.learner_names, limit)
        if cpu.fired:
            raise GraderTimeLimit()
        namespace.update(found)
        outcome["module"] = session.callable_modules.get(exercise.name)
        if exercise.name not in namespace:
            outcome["missing"] = True
            return outcome
        outcome["check"] = _phase(session, limit, lambda: _run_check(exercise.public, namespace))
        result = (outcome["check"].get("result") or {})
        if result.get("status") != PASSED:
            outcome["hidden"] = {"status": "not run"}
            return outcome
        outcome["phase"] = "hidden"
        outcome["hidden"] = _phase(session, limit, lambda: _run_hidden(exercise.hidden, namespace))
    except KernelLost as lost:
        outcome["lost"] = lost.reason
    except GraderTimeLimit:
        outcome["lost"] = TIMEOUT
        outcome["grader_time"] = True
    except CannotSend as exc:
        outcome["cannot_send"] = str(exc)[:300]
    return outcome

