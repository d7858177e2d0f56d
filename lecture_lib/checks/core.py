"""The machinery behind every exercise check.

A check runs the learner's function on several cases and returns a
:class:`CheckResult` with one of three statuses:

* ``"passed"``: every case gave the right answer;
* ``"not attempted"``: the function is still the stub (it raised
  ``NotImplementedError``);
* ``"failed"``: a wrong answer, an answer of the wrong kind (type, shape,
  range), an exception (reported with the learner's own line), an argument
  changed in place, or a call that did not finish within the time limit.

The learner's function runs isolated (:mod:`.isolation`: a child process
with a hard time limit, answers coming back as plain data), so a check never
raises, hangs or changes its verdict because of the learner's code, and
nothing that code does reaches a later check; "Run all" goes on. A check only
calls the function and inspects what comes back (and the arguments after
the call), so any callable works, e.g. a proxy for a function in another
kernel. Answers are compared at a tolerance that fits their precision
(float32 is right when it is right to float32's rounding), and numbers must
be real numbers of the stated type: a numeric string or a complex number is
refused with a message saying what was expected.
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
import functools
import html
import warnings
from dataclasses import asdict, dataclass, field
from typing import Callable

import numpy as np

from .answers import (_short, array_and_number_problem, array_kind_problem, describe_value, low_precision_problem,
                      precision_of,
                      real_array_problem, real_number_problem, same_answer, tolerance_for)
from .isolation import Opaque, Outcome, Symbolic, describe_exception, run_calls

__all__ = [
    "PASSED", "NOT_ATTEMPTED", "FAILED",
    "CheckResult", "Mistake", "Case", "CheckRun", "Outcome",
    "call_learner_function", "latest_results", "DEFAULT_TIME_LIMIT", "same_answer", "matching_mistakes",
    "array_kind_problem", "array_and_number_problem", "check_array_cases", "check_tuple_cases", "run_cases", "Verdict",
    "hint_when_call_fails",
    "per_case", "checks_learner_code",
    "precision_of", "tolerance_for", "real_number_problem", "real_array_problem", "describe_value",
    "describe_exception", "MODIFIED_INPUT", "RENAMED_PARAMETER",
]

PASSED = "passed"
NOT_ATTEMPTED = "not attempted"
FAILED = "failed"

#: Seconds one call of the learner's function may take before it counts as an endless loop.
DEFAULT_TIME_LIMIT = 3.0

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
        if not text:
            return f"({self.note})" if self.note else "(no arguments)"
        return f"{text}  ({self.note})" if self.note else text


def call_learner_function(function, kwargs, time_limit=DEFAULT_TIME_LIMIT) -> Outcome:
    """Call ``function(**kwargs)`` within a time limit, isolated as :mod:`.isolation` describes.

    The caller's ``kwargs`` are never modified; the answer comes back as plain data.
    """
    outcomes = run_calls(function, [kwargs], time_limit)
    return outcomes[0]


#: Hint id of an answer that changed an argument in place.
MODIFIED_INPUT = "modified_input"
KEEPS_STATE = "keeps_state"  # the answer depends on earlier calls (CheckRun repeats the first case)
#: Hint id of a function whose parameters were renamed (the checks call by keyword).
RENAMED_PARAMETER = "renamed_parameter"


class CheckRun:
    """Collects the outcome of every case of one check and builds the :class:`CheckResult`.

    Every check's cases go through one loop, :func:`run_cases` (:func:`check_array_cases` and
    :func:`check_tuple_cases` for an answer that is one array or a tuple of parts); what it does,
    spelled out (a new check uses :func:`run_cases`, with a :class:`Verdict` where a judge must say
    more than ``(problem, compared)``)::

        run = CheckRun("ch01.gate_weights", function, time_limit, n_cases=len(cases))
        run.prefetch(cases)                   # all cases in one isolated child process
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

    A call that changed one of its array arguments in place fails with the
    hint ``modified_input``: every exercise asks for a function that leaves
    its inputs as they were (the caller's data).
    """

    def __init__(self, exercise: str, function, time_limit=DEFAULT_TIME_LIMIT, n_cases=0, may_change=()):
        self.exercise = exercise
        #: Names of arguments the exercise allows to change in place (e.g. gradients clipped in place, as
        #: torch.nn.utils.clip_grad_norm_ does); a change of any other argument fails with ``modified_input``.
        self.may_change = tuple(may_change)
        self.function = function
        self.time_limit = time_limit
        self.cases_total = n_cases
        self.cases_passed = 0
        self._status = None
        self._summary = ""
        self.feedback: list[str] = []
        self.hints: list[str] = []
        self.timed_out = False  # the last call was stopped at the time limit
        self._outcomes: dict[int, Outcome] = {}   # id(case) -> outcome, from prefetch
        self._cases: list[Case] = []
        # The first case is called a second time, in the same process right after the other calls, with
        # the same arguments: a function that keeps state between calls (a global, a default argument,
        # an attribute) answers differently and fails (book/instructors.md, grading: state between calls).
        self._repeat: Outcome | None = None
        self._first_checked = False

    def _stop(self, status, summary, *feedback):
        if self._status is None:
            self._status, self._summary = status, summary
            self.feedback.extend(text for text in feedback if text)

    @property
    def stopped(self) -> bool:
        return self._status is not None

    def prefetch(self, cases):
        """Run the learner's function on all ``cases`` in one go (one child process); :meth:`call` then reads them."""
        self._cases = list(cases)
        if not callable(self.function) or not self._cases:
            return
        kwargs_list = [c.kwargs for c in self._cases] + [copy.deepcopy(self._cases[0].kwargs)]
        outcomes = run_calls(self.function, kwargs_list, self.time_limit)
        for case, outcome in zip(self._cases, outcomes):
            self._outcomes[id(case)] = outcome
        if len(outcomes) == len(kwargs_list):
            self._repeat = outcomes[-1]

    def outcome_of(self, case: Case):
        """The prefetched outcome of ``case``, or None."""
        return self._outcomes.get(id(case))

    def call(self, case: Case):
        """Run the learner's function on ``case``; return its :class:`Outcome`, or None after recording a failure."""
        if not callable(self.function):
            self._stop(FAILED, f"expected a function, got {describe_value(self.function)}.")
            return None
        outcome = self._outcomes.get(id(case))
        if outcome is None and not self._first_checked:  # the first call: twice, in one process
            outcomes = run_calls(self.function, [case.kwargs, copy.deepcopy(case.kwargs)], self.time_limit)
            outcome = outcomes[0]
            self._repeat = outcomes[1] if len(outcomes) > 1 else None
            self._outcomes[id(case)] = outcome
        elif outcome is None:
            outcome = call_learner_function(self.function, case.kwargs, self.time_limit)
            self._outcomes[id(case)] = outcome
        first, self._first_checked = not self._first_checked, True
        if outcome.output:
            print(outcome.output, end="" if outcome.output.endswith("\n") else "\n")
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
            if "unexpected keyword argument" in outcome.error or "required positional argument" in outcome.error:
                names = ", ".join(case.kwargs)
                self.add_hint(RENAMED_PARAMETER, f"the check calls your function with keyword arguments ({names}): "
                              "keep the parameter names of the def line as the exercise gives them.")
        elif set(outcome.mutated) - set(self.may_change):
            names = ", ".join(name for name in outcome.mutated if name not in self.may_change)
            self._stop(FAILED, f"your function changed its argument(s) {names} in place.",
                       f"Input: {case.describe()}",
                       f"After the call, {names} held other values than before: the caller's data was changed. "
                       f"\nHint: leave the inputs as they are: compute a new array (w + ...) or work on a copy "
                       f"(w = w.copy()) before changing entries.")
            self.hints.append(MODIFIED_INPUT)
        elif low_precision_problem(outcome.value):  # float32 is the floor of every check (answers.py)
            self._stop(FAILED, low_precision_problem(outcome.value), f"Input: {case.describe()}")
        elif first and _answered_differently(outcome, self._repeat):
            self._stop(FAILED, "your function gave another answer when called again with the same input.",
                       f"Input: {case.describe()}",
                       f"First call: {describe_value(outcome.value)}; second call: "
                       f"{describe_value(self._repeat.value) if not self._repeat.error else self._repeat.error}",
                       "Hint: the answer must depend only on the arguments: does your function keep something "
                       "between calls (a global variable, a default argument like `v=[]`, an attribute of the "
                       "function, a cache)?")
            self.hints.append(KEEPS_STATE)
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

    def mistakes_for(self, mistakes, case: Case, returned, reference_value, same, answer=None) -> list:
        """The typical mistakes that explain ``returned`` on ``case``, the best-supported ones only.

        A mistake is a candidate when its wrong variant gives what the learner
        returned on ``case`` (:func:`matching_mistakes`). When several are, the
        learner's answers on the other prefetched cases decide: only the
        candidates that agree with the learner on the most cases are kept (two
        wrong rules can coincide on one input, e.g. an unchanged w when h = 0).
        ``answer(value)`` turns a returned value into what ``same`` compares
        (default: the value itself); it may raise for a malformed answer.
        """
        found = matching_mistakes(mistakes, case, returned, reference_value, same)
        if len(found) <= 1:
            return found
        answer = answer or (lambda value: value)
        others = []
        for other in self._cases:
            outcome = self._outcomes.get(id(other))
            if other is case or outcome is None or not outcome.ok:
                continue
            try:
                others.append((other, answer(outcome.value)))
            except Exception:
                continue
        scores = []
        for mistake in found:
            score = 0
            for other, value in others:
                try:
                    with np.errstate(all="ignore"):
                        score += bool(same(value, mistake.variant(**copy.deepcopy(other.kwargs))))
                except Exception:
                    continue
            scores.append(score)
        best = max(scores)
        return [mistake for mistake, score in zip(found, scores) if score == best]

    def finish(self) -> CheckResult:
        if self._status is None:
            self._status = PASSED
            self._summary = f"all {self.cases_total} cases correct." if self.cases_total != 1 else "correct."
        result = CheckResult(self.exercise, self._status, self._summary, list(self.feedback),
                             list(dict.fromkeys(self.hints)), self.cases_passed, self.cases_total)
        _LATEST[self.exercise] = result
        return result


def checks_learner_code(check):
    """Decorator of every public check: the check's own arithmetic cannot be disturbed, and it never raises.

    The check's computations (references, wrong variants, comparisons) run
    with NumPy's floating-point errors ignored and warnings silenced, whatever
    the session set before (``np.seterr(all="raise")`` must not break the
    check of a correct answer). An exception of the check itself (a bug, or an
    answer it did not foresee) becomes a FAILED result naming it, so "Run all"
    goes on.
    """
    @functools.wraps(check)
    def wrapper(function, *args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(all="ignore"):
                try:
                    return check(function, *args, **kwargs)
                except Exception as exc:
                    chapter = check.__module__.rsplit(".", 1)[-1].split("_")[0]   # ch04_symbolic -> ch04
                    exercise = f"{chapter}.{check.__name__.removeprefix('check_')}"
                    result = CheckResult(exercise, FAILED, "the check could not judge this answer.",
                                         [f"The check stopped on {type(exc).__name__}: {exc}. "
                                          "Please report this to the course team, with your function."])
                    _LATEST[exercise] = result
                    return result
    return wrapper


def _answered_differently(first: Outcome, repeat: Outcome | None) -> bool:
    """The repeated first call gave another answer (or raised where the first did not)."""
    if repeat is None or repeat.timed_out or repeat.not_attempted:
        return False
    if repeat.error:
        return True
    if _holds(first.value, (Symbolic, Opaque)) or _holds(repeat.value, (Symbolic, Opaque)):
        return False  # SymPy's printed form of one expression may differ between calls; objects show no data
    def same(a, b):
        return same_answer(a, b, rtol=1e-12, atol=0.0, equal_nan=True, precision=1e-300)

    try:
        if same(repeat.value, first.value):
            return False
        readable = same(first.value, first.value)  # False: the comparison cannot read such values
    except Exception:  # noqa: BLE001 - values the comparison cannot read
        readable = False
    if readable:
        return True
    # Only for values the comparison cannot read: compare what they show (shortened for long answers, so a
    # change in a late part of a long tuple would go unseen here).
    return describe_value(repeat.value) != describe_value(first.value)


def _holds(value, kinds, depth=0) -> bool:
    if isinstance(value, kinds):
        return True
    if isinstance(value, (tuple, list)) and depth < 10:
        return any(_holds(item, kinds, depth + 1) for item in value)
    if isinstance(value, dict) and depth < 10:
        return any(_holds(item, kinds, depth + 1) for item in value.values())
    return False


@dataclass
class Verdict:
    """What a judge of :func:`run_cases` says about one answer, when ``(problem, compared, hint_ids)`` is not enough.

    Attributes
    ----------
    problem : str or None
        None when the answer is right, else what to say.
    compared : object
        The answer to match against the mistakes' variants (None: look for none).
    hint_ids : sequence of str
        Ids of hints the judge itself wrote into ``problem``.
    mistakes, same, answer : optional
        Look among these mistakes, with this comparison and this reading of the other cases' answers, instead
        of the check's (e.g. the mistakes of the one step of a derivation that is wrong).
    otherwise : sequence of Mistake
        The hints when no mistake matches (or none is looked for): a mistake the judge recognised itself.
    show_returned : bool
        Show what the function returned (False when it is the check's own data, e.g. a verdict from the child).
    hints_after : sequence of (hint id, text)
        Hints that follow the mistakes' hints (a second, independent remark).
    """

    problem: str | None
    compared: object = None
    hint_ids: tuple = ()
    mistakes: list | None = None
    same: Callable | None = None
    answer: Callable | None = None
    otherwise: tuple = ()
    show_returned: bool = True
    hints_after: tuple = ()


def hint_when_call_fails(hint_id, text, *, error_mentions=(), timed_out=False):
    """``call_hints`` for :func:`run_cases`: the hint ``(hint_id, text)`` when the learner's call failed before
    it answered, with an error whose message mentions one of ``error_mentions`` (e.g. ``"broadcast"``), or, with
    ``timed_out=True``, when it ran out of time.

    Returns
    -------
    callable(run) -> list of (hint id, text)
    """
    if not error_mentions and not timed_out:
        raise ValueError("hint_when_call_fails needs error_mentions or timed_out=True: otherwise it never hints")
    if isinstance(error_mentions, str):
        error_mentions = (error_mentions,)

    def call_hints(run):
        if (timed_out and run.timed_out) or any(word in line for line in run.feedback for word in error_mentions):
            return [(hint_id, text)]
        return []

    return call_hints


def run_cases(run, cases, reference, mistakes, judge, same=same_answer, answer=None, extra_hints=None,
              first_hint_only=False, call_hints=None, with_outcome=False):
    """The one case loop of every check: an exercise is its cases, its reference, its mistakes and a judge.

    For each case: call the learner's function (all cases prefetched in one isolated child, the first case
    repeated there so that state kept between calls shows), compute ``reference(**case.kwargs)``, and ask
    ``judge`` what is wrong with the answer. On the first wrong case record the failure, with the hints of
    the typical ``mistakes`` whose wrong variant gives what the learner returned (the best supported by the
    learner's answers on the other cases, :meth:`CheckRun.mistakes_for`), and stop.
    Sets ``run.cases_total`` to ``len(cases)``.

    Parameters
    ----------
    run : CheckRun
    cases : list of Case
    reference : callable taking the case's keyword arguments, returning the right answer
    mistakes : list of Mistake
    judge : callable(case, value, expected) -> (problem, compared) or (problem, compared, hint_ids) or Verdict
        ``problem`` is None when ``value`` (what the function returned) is right, else what to say;
        ``compared`` is the answer to match against the mistakes' variants (None: look for none);
        ``hint_ids``: ids of hints the judge itself wrote into ``problem``. A :class:`Verdict` says more.
        With ``with_outcome``, ``value`` is the whole :class:`Outcome` (its warnings, ...).
    same : callable(a, b) -> bool, or callable(case) -> such a comparison when ``same.per_case`` is set
        (:func:`per_case`); compares an answer with the reference or a wrong variant.
    answer : callable(value) -> what ``same`` compares, for the answers on the other cases (may raise)
    extra_hints : callable(case, value) -> list of (hint id, text), for a failure no mistake explains
    first_hint_only : bool
        Keep only the first of the best-supported mistakes (exercises whose mistakes overlap).
    call_hints : callable(run) -> list of (hint id, text), optional
        Hints for a call that failed before it answered (an exception, the time limit: ``run.feedback`` and
        ``run.timed_out`` say which), e.g. "the loop must also end after max_epochs" for a time-out.
    with_outcome : bool
        Give the judge the call's :class:`Outcome` in place of the returned value (e.g. to look at NumPy's warnings).

    Returns
    -------
    CheckResult
    """
    run.cases_total = len(cases)
    run.prefetch(cases)
    for case in cases:
        outcome = run.call(case)
        if outcome is None:
            if call_hints is not None and run.stopped and run._status == FAILED:
                for hint_id, text in call_hints(run):
                    run.add_hint(hint_id, text)
            break
        expected = reference(**case.kwargs)
        verdict = judge(case, outcome if with_outcome else outcome.value, expected)
        if not isinstance(verdict, Verdict):
            verdict = Verdict(*verdict)
        if verdict.problem is None:
            run.case_passed()
            continue
        compare = verdict.same or (same(case) if getattr(same, "per_case", False) else same)
        found = [] if verdict.compared is None else run.mistakes_for(
            mistakes if verdict.mistakes is None else verdict.mistakes, case, verdict.compared, expected, compare,
            answer=verdict.answer or answer)
        found = (found[:1] if first_hint_only else found) or list(verdict.otherwise)
        run.fail(case, verdict.problem, returned=outcome.value if verdict.show_returned else None, mistakes=found,
                 hint_ids=verdict.hint_ids or ())
        if not found and extra_hints is not None:
            for hint_id, text in extra_hints(case, outcome.value):
                run.add_hint(hint_id, text)
        for hint_id, text in verdict.hints_after:
            run.add_hint(hint_id, text)
        break
    return run.finish()


def per_case(make_same):
    """Mark ``make_same(case) -> same(a, b)`` as a comparison that depends on the case (for :func:`run_cases`)."""
    make_same.per_case = True
    return make_same


def check_array_cases(run, cases, reference, mistakes, what, wrong_answer, kind_problem=array_kind_problem,
                      condition=None, same=None, extra_hints=None, first_hint_only=False):
    """:func:`run_cases` for an exercise whose answer is one array (or one number: ``kind_problem`` says).

    For each case: the kind of answer (``kind_problem``), then its values compared with
    ``reference(**case.kwargs)`` at a tolerance fitting the answer's precision.

    Parameters
    ----------
    reference : callable taking the case's keyword arguments, returning an ndarray
    what : str
        Names the answer in messages.
    wrong_answer : str or callable(case, value, expected) -> str
        What to say when the kind is right but the values are not.
    kind_problem : callable(value, shape, what) -> str or None
        What is wrong with the kind of answer; ``array_kind_problem`` by default.
    condition : callable(case) -> float, optional
        How much the computation amplifies rounding on this case (see :func:`tolerance_for`).
    same : callable(a, b) -> bool, optional
        The comparison (default: :func:`same_answer` at the ``condition``'s tolerance).
    extra_hints, first_hint_only : see :func:`run_cases`
    """
    @per_case
    def compare(case):
        if same is not None:
            return same
        factor = condition(case) if condition else 1.0
        return lambda a, b: same_answer(a, b, condition=factor)

    def judge(case, value, expected):
        problem = kind_problem(value, expected.shape, what)
        if problem is None and not compare(case)(value, expected):
            problem = wrong_answer(case, value, expected) if callable(wrong_answer) else wrong_answer
        return problem, value

    return run_cases(run, cases, reference, mistakes, judge, compare, extra_hints=extra_hints,
                     first_hint_only=first_hint_only)


def _array_part(value, shape, name):
    """One part of a tuple answer: an ndarray of ``shape`` of finite real numbers."""
    problem = array_kind_problem(value, shape, name)
    return (None, problem) if problem else (np.asarray(value), None)


def check_tuple_cases(run, cases, reference, mistakes, parts, same=same_answer, shapes=None, read_part=_array_part,
                      not_a_tuple=None, wrong_answer=None, also_right=None):
    """:func:`run_cases` for an exercise whose answer is a tuple of parts, e.g. ``(dh, dW1, db1, dW2, db2)``.

    For each case: the answer must be a tuple of ``len(parts)`` (a namedtuple is one; a list is refused, the
    same contract everywhere, README); each part is read by ``read_part`` (every part's problem is listed);
    then the parts are compared with the reference's, and the wrong ones are named. The first of the
    best-supported mistakes gives the hint.

    Parameters
    ----------
    parts : tuple of str
        The parts' names, in order, as messages name them (``"dE/dh_hat"``).
    same : callable(a, b) -> bool
        Compares a tuple of parts (or a 1-tuple of one part) with the reference's.
    shapes : callable(case, expected) -> shapes of the parts, optional
        Default: the shapes of the reference's parts.
    read_part : callable(value, shape, name) -> (part, problem)
        Reads one part; ``problem`` is None when its kind is right. Default: an ndarray of ``shape`` of finite
        real numbers.
    not_a_tuple : str or callable(value) -> str, optional
        What to say when the answer is not such a tuple (default ``"Expected a tuple (a, b, c)."``).
    wrong_answer : callable(case, answer, expected) -> str, optional
        What to say when every part has the right kind but not the right values (default: the wrong parts
        named: ``"dh, dW1 are not right."``).
    also_right : callable(case, answer) -> bool, optional
        Another right answer than the reference's (e.g. dropout's other keep rule).
    """
    def read(value, case, expected):
        part_shapes = shapes(case, expected) if shapes else [np.shape(e) for e in expected]
        answer, problems = [], []
        for item, shape, name in zip(value, part_shapes, parts):
            part, problem = read_part(item, shape, name)
            answer.append(part)
            if problem:
                problems.append(problem)
        return tuple(answer), problems

    def judge(case, value, expected):
        if not (isinstance(value, tuple) and len(value) == len(parts)):
            text = not_a_tuple(value) if callable(not_a_tuple) else not_a_tuple
            return text or f"Expected a tuple ({', '.join(parts)}).", None
        answer, problems = read(value, case, expected)
        if problems:
            return "\n".join(problems), None
        if same(answer, expected) or (also_right is not None and also_right(case, answer)):
            return None, None
        if wrong_answer is not None:
            return wrong_answer(case, answer, expected), answer
        wrong = [name for name, a, e in zip(parts, answer, expected) if not same((a,), (e,))]
        return f"{', '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} not right.", answer

    def answer_of(value):  # another case's answer, for deciding between mistakes: as returned
        if not (isinstance(value, tuple) and len(value) == len(parts)):
            raise TypeError("not a tuple of the parts")
        return value

    return run_cases(run, cases, reference, mistakes, judge, same, answer=answer_of, first_hint_only=True)


def matching_mistakes(mistakes, case: Case, returned, reference_value, same) -> list:
    """The mistakes whose wrong variant gives exactly what the learner returned on ``case``.

    A variant that agrees with the reference on this case proves nothing and is skipped.
    ``same(a, b)`` compares two answers (``a`` the learner's).
    """
    found = []
    for mistake in mistakes:
        try:
            with np.errstate(all="ignore"):
                wrong = mistake.variant(**copy.deepcopy(case.kwargs))
        except Exception:
            continue
        if not same(wrong, reference_value) and same(returned, wrong):
            found.append(mistake)
    return found
