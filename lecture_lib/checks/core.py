"""The machinery behind every exercise check.

A check runs the learner's function on several cases and returns a
:class:`CheckResult` with one of three statuses:

* ``"passed"``: every case gave the right answer;
* ``"not attempted"``: the function is still the stub (it raised
  ``NotImplementedError``);
* ``"failed"``: a wrong answer, an answer of the wrong kind (type, shape,
  range), an exception (reported with the learner's own line), or a call that
  did not finish within the time limit (an endless loop).

A check never raises because of the learner's code, so "Run all" goes on.
Feedback names the failing input and what kind of answer was expected; it
never prints the reference answer or code. Known typical mistakes are
recognised by comparing the learner's answer with the answer of the
deliberately wrong variant ("reversed sign", "forgotten bias", ...) and get a
targeted hint.

Results are data: ``CheckResult.as_dict()``, and :func:`latest_results`
keeps the newest result of every exercise run in this Python process.
"""
from __future__ import annotations

import copy
import html
import linecache
import os
import signal
import threading
import traceback
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np

__all__ = [
    "PASSED", "NOT_ATTEMPTED", "FAILED",
    "CheckResult", "Mistake", "Case", "CheckRun", "Outcome",
    "call_learner_function", "latest_results", "DEFAULT_TIME_LIMIT", "same_answer", "matching_mistakes",
    "array_kind_problem", "array_and_number_problem", "check_array_cases",
]

PASSED = "passed"
NOT_ATTEMPTED = "not attempted"
FAILED = "failed"

#: Seconds one call of the learner's function may take before it counts as an endless loop.
DEFAULT_TIME_LIMIT = 3.0

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_LATEST: dict[str, "CheckResult"] = {}


@dataclass
class CheckResult:
    """The verdict of one check, shown as a short report and available as data.

    Attributes
    ----------
    exercise : str
        Exercise id, e.g. ``"ch01.perceptron_update"``.
    status : {"passed", "not attempted", "failed"}
    summary : str
        One line saying what happened.
    feedback : list of str
        Details: the failing input, what came back, what kind of answer was expected.
    hints : list of str
        Ids of the typical mistakes recognised (e.g. ``"reversed_sign"``).
    cases_passed, cases_total : int
    """

    exercise: str
    status: str
    summary: str
    feedback: list = field(default_factory=list)
    hints: list = field(default_factory=list)
    cases_passed: int = 0
    cases_total: int = 0

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def as_dict(self) -> dict:
        """The result as plain data (JSON-serialisable) for grading tools."""
        return asdict(self)

    def __repr__(self) -> str:
        lines = [f"[{self.exercise}] {self.status.upper()}: {self.summary}"]
        lines += [f"  {line}" for text in self.feedback for line in text.splitlines()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        colour = {PASSED: "#1b7f3b", NOT_ATTEMPTED: "#6b6b6b", FAILED: "#b00020"}[self.status]
        details = "".join(f"<li><pre style='margin:0;white-space:pre-wrap'>{html.escape(text)}</pre></li>"
                          for text in self.feedback)
        return (f"<div style='border-left:6px solid {colour};padding:4px 10px;margin:4px 0'>"
                f"<b style='color:{colour}'>{html.escape(self.exercise)}: {self.status.upper()}</b> "
                f"{html.escape(self.summary)}"
                + (f"<ul style='margin:4px 0'>{details}</ul>" if details else "") + "</div>")


def latest_results() -> dict:
    """The newest :class:`CheckResult` of every exercise checked in this process, by exercise id."""
    return dict(_LATEST)


@dataclass
class Mistake:
    """A typical wrong answer: a deliberately wrong variant of the reference and the hint it earns.

    ``variant`` takes the same arguments as the exercise's function.
    """

    id: str
    hint: str
    variant: Callable


@dataclass
class Case:
    """One input of a check: keyword arguments for the learner's function."""

    kwargs: dict
    note: str = ""

    def describe(self) -> str:
        parts = [f"{name}={_short(value)}" for name, value in self.kwargs.items()]
        text = ", ".join(parts)
        return f"{text}  ({self.note})" if self.note else text


@dataclass
class Outcome:
    """What happened when the learner's function was called."""

    value: Any = None
    not_attempted: bool = False
    error: str | None = None
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return not (self.not_attempted or self.error or self.timed_out)


class _TimeLimitExceeded(BaseException):
    """Raised inside the learner's code by the alarm; a BaseException so ``except Exception`` cannot swallow it."""


def call_learner_function(function, kwargs, time_limit=DEFAULT_TIME_LIMIT) -> Outcome:
    """Call ``function(**kwargs)`` on copies of the arguments, within a time limit.

    On POSIX, in the main thread (a Jupyter kernel, pytest), the call is
    interrupted by ``SIGALRM`` after ``time_limit`` seconds. Elsewhere (Windows,
    a worker thread) the call runs in a daemon thread that is abandoned after
    the limit: the notebook goes on, but the loop keeps a core busy until the
    kernel restarts.
    """
    kwargs = copy.deepcopy(kwargs)  # the learner may modify inputs in place; cases stay intact
    use_alarm = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if use_alarm:
        return _call_with_alarm(function, kwargs, time_limit)
    return _call_in_thread(function, kwargs, time_limit)


def _call_with_alarm(function, kwargs, time_limit) -> Outcome:
    def on_alarm(signum, frame):
        raise _TimeLimitExceeded()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, time_limit)
    try:
        return Outcome(value=function(**kwargs))
    except _TimeLimitExceeded:
        return Outcome(timed_out=True)
    except NotImplementedError:
        return Outcome(not_attempted=True)
    except Exception as exc:  # the learner's bug becomes feedback, never a crash
        return Outcome(error=_describe_exception(exc))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _call_in_thread(function, kwargs, time_limit) -> Outcome:
    box: dict = {}

    def target():
        try:
            box["outcome"] = Outcome(value=function(**kwargs))
        except NotImplementedError:
            box["outcome"] = Outcome(not_attempted=True)
        except Exception as exc:
            box["outcome"] = Outcome(error=_describe_exception(exc))

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(time_limit)
    return box.get("outcome", Outcome(timed_out=True))


def _is_learner_frame(filename: str) -> bool:
    """Frames of the learner's code: not this package, not an installed library."""
    path = os.path.abspath(filename)
    if path.startswith(_PACKAGE_DIR):
        return False
    return not any(marker in path for marker in ("site-packages", "dist-packages", os.sep + "lib" + os.sep + "python"))


def _describe_exception(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    learner_frames = [frame for frame in frames if _is_learner_frame(frame.filename)]
    text = f"Your code raised {type(exc).__name__}: {exc}"
    if learner_frames:
        frame = learner_frames[-1]
        source = (frame.line or linecache.getline(frame.filename, frame.lineno)).strip()
        text += f"\n  in {frame.name}, line {frame.lineno}: {source}"
    return text


def _short(value, limit=70) -> str:
    """A compact one-line rendering of an argument or a returned value."""
    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=3, separator=", ", threshold=12, max_line_width=10_000)
        text = " ".join(text.split())
        if value.ndim >= 2 or value.size > 6:
            text = f"array of shape {value.shape} {text}"
    elif isinstance(value, (tuple, list)):
        inner = ", ".join(_short(item, limit) for item in value)
        text = f"({inner})" if isinstance(value, tuple) else f"[{inner}]"
    elif isinstance(value, (float, np.floating)):
        text = f"{float(value):g}"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe_value(value) -> str:
    """Type and shape of a value, for 'you returned ...' messages."""
    if isinstance(value, np.ndarray):
        return f"an ndarray of shape {value.shape} and dtype {value.dtype}: {_short(value)}"
    if value is None:
        return "None (did you forget `return`?)"
    return f"a {type(value).__name__}: {_short(value)}"


class CheckRun:
    """Collects the outcome of every case of one check and builds the :class:`CheckResult`.

    Typical use in a check function (for an answer that is one array,
    :func:`check_array_cases` is this loop)::

        run = CheckRun("ch01.gate_weights", function, time_limit, n_cases=len(cases))
        for case in cases:
            outcome = run.call(case)          # None when the call failed (already recorded)
            if outcome is None:
                break
            problem = problem_with(outcome.value)
            if problem is not None:
                run.fail(case, problem, returned=outcome.value)
                break
            run.case_passed()
        return run.finish()
    """

    def __init__(self, exercise: str, function, time_limit=DEFAULT_TIME_LIMIT, n_cases=0):
        self.exercise = exercise
        self.function = function
        self.time_limit = time_limit
        self.cases_total = n_cases
        self.cases_passed = 0
        self._status = None
        self._summary = ""
        self.feedback: list[str] = []
        self.hints: list[str] = []
        self.timed_out = False  # the last call was stopped at the time limit

    def _stop(self, status, summary, *feedback):
        if self._status is None:
            self._status, self._summary = status, summary
            self.feedback.extend(text for text in feedback if text)

    @property
    def stopped(self) -> bool:
        return self._status is not None

    def call(self, case: Case):
        """Run the learner's function on ``case``; return its :class:`Outcome`, or None after recording a failure."""
        if not callable(self.function):
            self._stop(FAILED, f"expected a function, got {describe_value(self.function)}.")
            return None
        outcome = call_learner_function(self.function, case.kwargs, self.time_limit)
        if outcome.not_attempted:
            self._stop(NOT_ATTEMPTED, "the function still raises NotImplementedError: "
                       "replace the `# YOUR CODE HERE` stub with your code.")
        elif outcome.timed_out:
            self.timed_out = True
            self._stop(FAILED, f"the call did not finish within {self.time_limit:g} s and was stopped.",
                       f"Input: {case.describe()}",
                       "Is there a loop whose stopping condition is never reached?")
        elif outcome.error:
            self._stop(FAILED, "your function raised an exception.", f"Input: {case.describe()}", outcome.error)
        else:
            return outcome
        return None

    def fail(self, case: Case, problem: str, returned=None, mistakes=(), hint_ids=()):
        """Record a wrong answer on ``case``, with the hints of the ``mistakes`` that explain it."""
        lines = [f"Input: {case.describe()}"]
        if returned is not None:
            lines.append(f"Returned: {describe_value(returned)}")
        lines.append(problem)
        for mistake in mistakes:
            lines.append(f"Hint: {mistake.hint}")
            self.hints.append(mistake.id)
        self.hints.extend(hint_ids)
        self._stop(FAILED, f"wrong answer on case {self.cases_passed + 1} of {self.cases_total}.", *lines)

    def add_hint(self, hint_id: str, text: str):
        """Add a hint to the feedback of a failed run (e.g. one that only the check can explain)."""
        self.feedback.append(f"Hint: {text}")
        self.hints.append(hint_id)

    def case_passed(self):
        self.cases_passed += 1

    def finish(self) -> CheckResult:
        if self._status is None:
            self._status = PASSED
            self._summary = f"all {self.cases_total} cases correct."
        result = CheckResult(self.exercise, self._status, self._summary, list(self.feedback),
                             list(dict.fromkeys(self.hints)), self.cases_passed, self.cases_total)
        _LATEST[self.exercise] = result
        return result


def same_answer(a, b, rtol=1e-7, atol=1e-12, equal_nan=False) -> bool:
    """Equal answers: same structure (tuples/lists element by element), same shapes, values equal up to rounding.

    ``equal_nan=True`` lets a wrong variant that overflows to NaN in the same
    places as the learner's answer be recognised (references are never NaN).
    """
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(same_answer(p, q, rtol, atol, equal_nan) for p, q in zip(a, b))
    try:
        a_arr, b_arr = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return False
    return a_arr.shape == b_arr.shape and bool(np.allclose(a_arr, b_arr, rtol=rtol, atol=atol, equal_nan=equal_nan))


def array_kind_problem(value, shape, what):
    """What is wrong with the kind of an array answer (type, shape, finite real numbers), or None.

    ``what`` names the answer in the message, e.g. ``"the gradient (shape of w)"``.
    """
    if not isinstance(value, np.ndarray):
        return f"Expected {what}: an ndarray of shape {shape}, got {describe_value(value)}."
    if value.shape != shape:
        return f"Expected {what} of shape {shape}, got shape {value.shape}."
    if value.dtype.kind not in "iuf" or not np.all(np.isfinite(value)):
        return f"Expected finite real numbers in {what}."  # (the values are on the 'Returned:' line)
    return None


def array_and_number_problem(array, number, shape, names):
    """What is wrong with an answer made of an array and a number, such as ``(w, b)``, or None.

    ``array`` must have ``shape``, ``number`` must be a single value, and
    both must convert to floats (``None`` or strings are caught here, so
    that the check can then call ``float(number)`` safely). ``names`` =
    ("w", "b") names the two parts in the message.
    """
    array_name, number_name = names
    try:
        array_shape, number_ndim = np.shape(array), np.ndim(number)
    except ValueError:  # a ragged nested list
        return f"Expected {array_name} an array of shape {shape}, got {describe_value(array)}."
    if array_shape != shape or number_ndim != 0:
        return (f"Expected {array_name} of shape {shape} and {number_name} a single number; got "
                f"{array_name} of shape {array_shape} and {number_name} of shape {np.shape(number)}.")
    try:
        np.asarray(array, dtype=float), float(number)
    except (TypeError, ValueError):
        return (f"Expected numbers in {array_name} and {number_name}, got {describe_value(array)} and "
                f"{describe_value(number)}.")
    return None


def check_array_cases(run, cases, reference, mistakes, what, wrong_answer, kind_problem=array_kind_problem):
    """The usual loop of an exercise whose answer is one array.

    For each case: call the learner's function, compare the kind of answer
    (``kind_problem``), then its values with ``reference(**case.kwargs)``;
    on the first wrong case record the failure with the hints of the matching
    ``mistakes`` and stop. Sets ``run.cases_total`` to ``len(cases)``.

    Parameters
    ----------
    run : CheckRun
    cases : list of Case
    reference : callable taking the case's keyword arguments, returning an ndarray
    mistakes : list of Mistake
    what : str
        Names the answer in messages.
    wrong_answer : str or callable(case, value, expected) -> str
        What to say when the kind is right but the values are not.
    kind_problem : callable(value, shape, what) -> str or None
        What is wrong with the kind of answer; ``array_kind_problem`` by default.

    Returns
    -------
    CheckResult
    """
    run.cases_total = len(cases)
    for case in cases:
        outcome = run.call(case)
        if outcome is None:
            break
        expected = reference(**case.kwargs)
        problem = kind_problem(outcome.value, expected.shape, what)
        if problem is None and not same_answer(outcome.value, expected):
            problem = wrong_answer(case, outcome.value, expected) if callable(wrong_answer) else wrong_answer
        if problem is not None:
            found = matching_mistakes(mistakes, case, outcome.value, expected, same_answer)
            run.fail(case, problem, returned=outcome.value, mistakes=found)
            break
        run.case_passed()
    return run.finish()


def matching_mistakes(mistakes, case: Case, returned, reference_value, same) -> list:
    """The mistakes whose wrong variant gives exactly what the learner returned on ``case``.

    A variant that agrees with the reference on this case proves nothing and is skipped.
    ``same(a, b)`` compares two answers.
    """
    found = []
    for mistake in mistakes:
        try:
            wrong = mistake.variant(**copy.deepcopy(case.kwargs))
        except Exception:
            continue
        if not same(wrong, reference_value) and same(returned, wrong):
            found.append(mistake)
    return found
