"""The check machinery: verdicts, timeouts, exceptions, data."""
import json
import threading

import numpy as np
import pytest

from lecture_lib.checks import core
from lecture_lib.checks.core import Case, CheckRun, call_learner_function, latest_results


def endless(**kwargs):
    while True:
        pass


def endless_that_swallows_exceptions(**kwargs):
    while True:
        try:
            sum(range(1000))
        except Exception:  # a learner's broad except must not defeat the time limit
            pass


def test_endless_loop_is_stopped_within_the_limit():
    outcome = call_learner_function(endless, {}, time_limit=0.2)
    assert outcome.timed_out and not outcome.ok
    assert call_learner_function(endless_that_swallows_exceptions, {}, time_limit=0.2).timed_out


def test_alarm_is_cleared_after_a_fast_call():
    import signal
    call_learner_function(lambda: 1, {}, time_limit=5)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_timeout_also_works_off_the_main_thread():
    box = {}
    worker = threading.Thread(target=lambda: box.update(o=call_learner_function(endless, {}, time_limit=0.2)))
    worker.start()
    worker.join(5)
    assert box["o"].timed_out


def learner_with_bug(x):
    doubled = 2 * x
    return doubled + undefined_variable  # noqa: F821


def test_exception_reports_the_learners_line():
    outcome = call_learner_function(learner_with_bug, {"x": np.ones(2)})
    assert "NameError" in outcome.error
    assert "learner_with_bug" in outcome.error
    assert "undefined_variable" in outcome.error  # the source line itself


def test_not_implemented_means_not_attempted():
    def stub(x):
        raise NotImplementedError()
    assert call_learner_function(stub, {"x": 1}).not_attempted


def test_inputs_are_copied_so_cases_stay_intact():
    data = np.zeros(3)

    def mutating(x):
        x += 1
        return x
    call_learner_function(mutating, {"x": data})
    assert np.all(data == 0)


def test_result_is_data_and_renders_as_text_and_html():
    run = CheckRun("test.demo", lambda x: x, n_cases=2)
    case = Case({"x": 1})
    run.call(case)
    run.case_passed()
    run.fail(case, "Expected 2.", returned=1)
    result = run.finish()
    data = result.as_dict()
    assert json.loads(json.dumps(data))["status"] == "failed"
    assert data["cases_passed"] == 1 and data["cases_total"] == 2
    assert "FAILED" in repr(result) and "Expected 2." in repr(result)
    assert "<div" in result._repr_html_() and "Expected 2." in result._repr_html_()
    assert latest_results()["test.demo"] is result


def test_non_callable_is_reported():
    run = CheckRun("test.noncallable", 42, n_cases=1)
    assert run.call(Case({})) is None
    result = run.finish()
    assert result.status == core.FAILED and "expected a function" in result.summary


def test_all_cases_passed_gives_passed():
    run = CheckRun("test.ok", lambda: 1, n_cases=1)
    run.call(Case({}))
    run.case_passed()
    assert run.finish().passed


def test_float32_is_the_floor_of_every_check():
    """float16 answers, right or 4 % off, are refused with their dtype named (issue 23, item 9)."""
    import numpy as np

    from lecture_lib.checks import ch01
    from lecture_lib.checks.answers import low_precision_problem, precision_of, same_answer

    right = np.array([0.1, 0.25, 3.0])
    assert not same_answer((1.04 * right).astype(np.float16), right)
    assert precision_of(right.astype(np.float16)) == float(np.finfo(np.float32).eps)
    assert low_precision_problem(right.astype(np.float16)).startswith("Expected float32 or float64 values")
    assert low_precision_problem(right.astype(np.float32)) is None and low_precision_problem([right, 1.0]) is None

    def threshold_unit_float16(x, w, b):
        return (x @ w + b >= 0).astype(np.float16)

    result = ch01.check_threshold_unit(threshold_unit_float16)
    assert result.status == "failed"
    assert "got float16" in result.summary


def test_a_namedtuple_is_a_tuple_for_every_check_and_on_the_wire():
    """One contract for several results (issue 23, item 11): a namedtuple counts as a tuple."""
    from collections import namedtuple

    import numpy as np

    from lecture_lib.checks import ch01
    from lecture_lib.grading import wire

    Step = namedtuple("Step", "w_new b_new")

    def perceptron_update(w, b, x, y, eta):
        y_hat = 1 if x @ w + b >= 0 else 0
        return Step(w + eta * (y - y_hat) * x, b + eta * (y - y_hat))

    assert ch01.check_perceptron_update(perceptron_update).status == "passed"
    sent = wire.decode(wire.encode(Step(np.zeros(2), 1.0)))
    assert type(sent) is tuple and sent[1] == 1.0

    def as_list(w, b, x, y, eta):
        return list(perceptron_update(w, b, x, y, eta))

    result = ch01.check_perceptron_update(as_list)
    assert result.status == "failed" and "Expected a tuple" in str(result)


def test_an_answer_that_keeps_state_between_calls_fails():
    """Issue 23, item 10: the first case is called again in the same process; state shows."""
    import numpy as np

    from lecture_lib.checks import ch01

    calls = {"n": 0}

    def threshold_unit_counting(x, w, b):      # right on its first call only
        calls["n"] += 1
        return (x @ w + b >= 0).astype(int) + (calls["n"] > 1)

    def threshold_unit_default_list(x, w, b, _seen=[]):   # the classic mutable default
        _seen.append(1)
        return (x @ w + b >= 0).astype(int) * (1 if len(_seen) == 1 else 0)

    def threshold_unit(x, w, b):
        return np.asarray(x @ w + b >= 0, dtype=int)

    for stateful in (threshold_unit_counting, threshold_unit_default_list):
        result = ch01.check_threshold_unit(stateful)
        assert result.status == "failed" and "keeps_state" in result.hints, stateful.__name__
        assert "another answer when called again" in result.summary
    assert ch01.check_threshold_unit(threshold_unit).status == "passed"


def test_state_that_shows_only_in_a_late_part_of_a_long_tuple_answer_fails():
    """The repeated call is compared by value, not by its printed form (shortened for long answers)."""
    long = np.arange(200.0)
    calls = {"n": 0}

    def pair_changing_late(a, b):                 # right on its first call only, and only the last entry of the product
        calls["n"] += 1
        product = a * b
        if calls["n"] > 1:
            product = product.copy()
            product[-1] += 1.0
        return a + b, product

    run = CheckRun("test.long_pair", pair_changing_late)
    long_cases = [Case({"a": long, "b": long[::-1].copy()}, "200 entries")]
    result = core.check_tuple_cases(run, long_cases, _sum_and_product, [], ("the sum", "the product"))
    assert result.status == "failed" and "keeps_state" in result.hints
    first, later = _sum_and_product(long, long), pair_changing_late(long, long)
    assert core.describe_value(first) == core.describe_value(later)  # the shortened printed forms cannot tell them apart
    run = CheckRun("test.long_pair", _sum_and_product)
    assert core.check_tuple_cases(run, long_cases, _sum_and_product, [], ("the sum", "the product")).passed


# --- one case loop: an exercise declared as its cases, reference, mistakes (check_tuple_cases, run_cases) ------

_PAIR_CASES = [Case({"a": np.array([1.0, 2.0]), "b": np.array([3.0, -1.0])}, "two entries"),
               Case({"a": np.array([0.5, -2.0, 4.0]), "b": np.array([1.0, 1.0, 2.0])}, "three entries")]


def _sum_and_product(a, b):
    return a + b, a * b


_PAIR_MISTAKES = [core.Mistake("difference", "the first part is a + b, not a - b.", lambda a, b: (a - b, a * b)),
                  core.Mistake("quotient", "the second part is a * b, not a / b.", lambda a, b: (a + b, a / b))]


def _check_pair(function, also_right=None):
    run = CheckRun("test.pair", function)
    return core.check_tuple_cases(run, _PAIR_CASES, _sum_and_product, _PAIR_MISTAKES, ("the sum", "the product"),
                                  also_right=also_right)


def test_tuple_cases_pass_a_right_answer_written_differently_and_a_namedtuple():
    from collections import namedtuple
    Pair = namedtuple("Pair", "total product")
    assert _check_pair(lambda a, b: (np.add(a, b), np.multiply(a, b).astype(np.float32))).passed
    assert _check_pair(lambda a, b: Pair(a + b, a * b)).passed


def test_tuple_cases_refuse_a_list_and_a_wrong_shape_naming_the_part():
    result = _check_pair(lambda a, b: [a + b, a * b])
    assert not result.passed and "Expected a tuple (the sum, the product)." in repr(result)
    result = _check_pair(lambda a, b: (a + b, (a * b)[:1]))
    assert not result.passed and "the product" in repr(result) and "shape" in repr(result)


def test_tuple_cases_name_the_wrong_part_and_give_the_mistakes_hint():
    result = _check_pair(lambda a, b: (a - b, a * b))
    assert result.hints == ["difference"] and "the sum is not right." in repr(result)
    result = _check_pair(lambda a, b: (a - b, a / b))  # no single mistake explains both parts
    assert result.hints == [] and "the sum, the product are not right." in repr(result)


def test_tuple_cases_accept_another_right_answer_when_declared():
    swapped = lambda a, b: (b + a, b * a + 0.0)  # noqa: E731
    assert _check_pair(swapped).passed
    other = lambda a, b: (a + b, -(a * b))  # noqa: E731
    assert not _check_pair(other).passed
    assert _check_pair(other, also_right=lambda case, answer: np.allclose(
        answer[1], -case.kwargs["a"] * case.kwargs["b"])).passed


def test_run_cases_tells_apart_mistakes_that_coincide_on_one_case_by_the_other_cases():
    """Both wrong rules give the learner's answer on the first case; only one also does on the second."""
    cases = [Case({"x": np.array([2.0])}, "x = 2"), Case({"x": np.array([3.0])}, "x = 3")]
    mistakes = [core.Mistake("doubled", "doubled", lambda x: 2 * x), core.Mistake("squared", "squared", lambda x: x * x)]
    result = core.check_array_cases(CheckRun("test.identity", lambda x: x * x), cases, lambda x: x + 0.0, mistakes,
                                    "the answer", "not x")
    assert result.hints == ["squared"], result


def _check_with_call_hints(function):
    cases = [Case({"x": np.array([2.0])}, "x = 2")]

    def judge(case, value, expected):
        return (None, None) if np.allclose(value, expected) else ("not x + 1", value)

    def call_hints(run):
        return [("endless", "the loop never ends")] if run.timed_out else [("raised", "it raised")]

    return core.run_cases(CheckRun("test.call_hints", function, time_limit=0.5), cases, lambda x: x + 1.0, [], judge,
                          call_hints=call_hints)


def test_run_cases_hints_at_a_call_that_failed_before_answering_and_only_then():
    result = _check_with_call_hints(endless)
    assert result.status == core.FAILED and result.hints == ["endless"] and "the loop never ends" in repr(result)
    result = _check_with_call_hints(lambda x: 1 / 0)
    assert result.hints == ["raised"] and "ZeroDivisionError" in repr(result)
    assert _check_with_call_hints(lambda x: x + 1.0).passed
    wrong = _check_with_call_hints(lambda x: x + 2.0)
    assert not wrong.passed and wrong.hints == []
    def stub(x):
        raise NotImplementedError
    assert _check_with_call_hints(stub).status == core.NOT_ATTEMPTED and _check_with_call_hints(stub).hints == []


def _check_two_steps(function):
    """A derivation of two steps (x + 1, then 2 (x + 1)): a judge that looks among the wrong step's own mistakes."""
    cases = [Case({"x": np.array([2.0])}, "x = 2"), Case({"x": np.array([-1.5, 4.0])}, "two entries")]
    step_mistakes = [[core.Mistake("minus", "step 1 adds 1", lambda x: x - 1.0)],
                     [core.Mistake("halved", "step 2 doubles", lambda x: (x + 1.0) / 2)]]

    def judge(case, outcome, expected):  # with_outcome: the whole Outcome, its printed output too
        value = outcome.value
        if not (isinstance(value, tuple) and len(value) == 2):
            return core.Verdict("Expected a tuple (step 1, step 2).", show_returned=False)
        if outcome.output:
            return core.Verdict("nothing should be printed", otherwise=[core.Mistake("printed", "do not print",
                                                                                     lambda x: None)],
                                hints_after=[("second", "a second remark")])
        wrong = next((i for i in range(2) if not np.allclose(value[i], expected[i])), None)
        if wrong is None:
            return None, None
        return core.Verdict(f"step {wrong + 1} is wrong", value[wrong], mistakes=step_mistakes[wrong],
                            same=lambda a, b: np.allclose(a, b), answer=lambda v, i=wrong: v[i])

    return core.run_cases(CheckRun("test.two_steps", function), cases,
                          lambda x: (x + 1.0, 2 * (x + 1.0)), [], judge, with_outcome=True)


def test_run_cases_verdicts_choose_their_mistakes_and_what_is_shown():
    assert _check_two_steps(lambda x: (x + 1.0, 2 * x + 2.0)).passed
    result = _check_two_steps(lambda x: (x - 1.0, 2 * (x - 1.0)))
    assert result.hints == ["minus"] and "step 1 is wrong" in repr(result)
    result = _check_two_steps(lambda x: (x + 1.0, (x + 1.0) / 2))
    assert result.hints == ["halved"] and "step 2 is wrong" in repr(result) and "Returned:" in repr(result)
    result = _check_two_steps(lambda x: [x + 1.0, 2 * x + 2.0])
    assert not result.passed and result.hints == [] and "Returned:" not in repr(result)

    def printing(x):
        print("hello")
        return x + 1.0, 2 * x + 2.0
    result = _check_two_steps(printing)
    assert result.hints == ["printed", "second"] and repr(result).rstrip().endswith("Hint: a second remark")


def test_hint_when_call_fails_hints_only_on_its_own_failure():
    from types import SimpleNamespace

    broadcast = core.hint_when_call_fails("keepdims", "keep the axis.", error_mentions="broadcast")
    slow = core.hint_when_call_fails("limit", "end the loop.", timed_out=True)
    failed_broadcast = SimpleNamespace(timed_out=False, feedback=["ValueError: operands could not be broadcast"])
    failed_slowly = SimpleNamespace(timed_out=True, feedback=["stopped after 10 s"])
    other_error = SimpleNamespace(timed_out=False, feedback=["ZeroDivisionError: division by zero"])
    assert broadcast(failed_broadcast) == [("keepdims", "keep the axis.")]
    assert broadcast(failed_slowly) == [] and broadcast(other_error) == []
    assert slow(failed_slowly) == [("limit", "end the loop.")]
    assert slow(failed_broadcast) == [] and slow(other_error) == []
    with pytest.raises(ValueError, match="never hints"):
        core.hint_when_call_fails("nothing", "never shown.")
