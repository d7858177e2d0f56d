"""Chapter 05 checks: correct answers written differently pass, typical mistakes fail with their hint.

(Both-way tests on the solutions and the untouched stubs: test_checks_both_ways.py.)
"""
import numpy as np
import pytest

from lecture_lib.checks import FAILED, PASSED, ch05


def _assert_hint(result, hint):
    assert result.status == FAILED, result
    assert hint in result.hints, (result.hints, result)
    assert "Hint:" in repr(result)


# --- exercise 1: the Huber loss --------------------------------------------------------------

def huber_loop(y, y_hat, delta):
    y, y_hat = np.atleast_1d(y), np.atleast_1d(y_hat)
    total = 0.0
    for r in (y_hat - y).ravel():
        total += 0.5 * r * r if abs(r) <= delta else delta * abs(r) - 0.5 * delta ** 2
    return total / y_hat.shape[0]


def huber_float32(y, y_hat, delta):
    r = (y_hat - y).astype(np.float32)
    a = np.abs(r)
    return np.float32(np.sum(np.minimum(a, delta) * (a - 0.5 * np.minimum(a, delta))) / y_hat.shape[0])


def huber_0d_array(y, y_hat, delta):
    r = y_hat - y
    quadratic = np.minimum(np.abs(r), delta)   # the well-known split into a quadratic and a linear part
    return np.array(np.sum(0.5 * quadratic ** 2 + delta * (np.abs(r) - quadratic)) / len(y_hat))


@pytest.mark.parametrize("answer", [huber_loop, huber_float32, huber_0d_array])
def test_huber_loss_written_differently_passes(answer):
    assert ch05.check_huber_loss(answer).status == PASSED


def _n(y_hat):
    return y_hat.shape[0]


@pytest.mark.parametrize("wrong, hint", [
    (lambda y, y_hat, delta: np.sum(0.5 * (y_hat - y) ** 2) / _n(y_hat), "squared_error_only"),
    (lambda y, y_hat, delta: np.sum(np.where(np.abs(y_hat - y) <= delta, 0.5 * (y_hat - y) ** 2,
                                             delta * np.abs(y_hat - y))) / _n(y_hat), "linear_part_not_shifted"),
    (lambda y, y_hat, delta: np.sum(np.where(np.abs(y_hat - y) <= delta, (y_hat - y) ** 2,
                                             delta * (np.abs(y_hat - y) - delta / 2))) / _n(y_hat),
     "missing_one_half"),
    (lambda y, y_hat, delta: np.sum(np.where(y_hat - y <= delta, 0.5 * (y_hat - y) ** 2,
                                             delta * (y_hat - y - delta / 2))) / _n(y_hat),
     "signed_residual_compared"),
    (lambda y, y_hat, delta: huber_loop(y, y_hat, delta) * _n(y_hat), "summed_not_averaged"),
    (lambda y, y_hat, delta: huber_loop(y, y_hat, delta) * _n(y_hat) / y_hat.size, "averaged_over_outputs"),
])
def test_huber_loss_mistakes(wrong, hint):
    _assert_hint(ch05.check_huber_loss(wrong), hint)


def test_huber_loss_wrong_kind_of_answer():
    result = ch05.check_huber_loss(lambda y, y_hat, delta: np.where(np.abs(y_hat - y) <= delta, 0.5 * (y_hat - y) ** 2,
                                                                    delta * (np.abs(y_hat - y) - delta / 2)))
    assert result.status == FAILED and "one number for the whole batch" in repr(result)
    result = ch05.check_huber_loss(lambda y, y_hat, delta: None)
    assert result.status == FAILED and "forget `return`" in repr(result)
    result = ch05.check_huber_loss(lambda y, y_hat, delta: "0.1")
    assert result.status == FAILED and "one number" in repr(result)


def test_huber_loss_feedback_does_not_reveal_the_answer():
    result = ch05.check_huber_loss(lambda y, y_hat, delta: np.sum(0.5 * (y_hat - y) ** 2) / _n(y_hat))
    expected = huber_loop(np.array([0.0, 1.0, 2.0, 3.0]), np.array([0.5, 4.0, 1.8, -2.0]), 1.0)
    assert f"{expected:g}" not in repr(result)


def test_huber_loss_learner_exception_is_feedback():
    def broken(y, y_hat, delta):
        return y_hat.reshape(7)
    result = ch05.check_huber_loss(broken)
    assert result.status == FAILED and "raised ValueError" in repr(result) and "y_hat.reshape(7)" in repr(result)


# --- exercise 2: its gradient -------------------------------------------------------------------------

def gradient_loop(y, y_hat, delta):
    out = np.empty_like(y_hat, dtype=float)
    for index in np.ndindex(y_hat.shape):
        r = y_hat[index] - y[index]
        out[index] = (r if abs(r) <= delta else delta * np.sign(r)) / y_hat.shape[0]
    return out


@pytest.mark.parametrize("answer", [
    gradient_loop,
    lambda y, y_hat, delta: (np.clip(y_hat - y, -delta, delta) / len(y_hat)).astype(np.float32),
    lambda y, y_hat, delta: np.where(np.abs(y_hat - y) <= delta, y_hat - y, delta * np.sign(y_hat - y)) / len(y_hat),
])
def test_huber_gradient_written_differently_passes(answer):
    assert ch05.check_huber_gradient(answer).status == PASSED


@pytest.mark.parametrize("wrong, hint", [
    (lambda y, y_hat, delta: np.clip(y - y_hat, -delta, delta) / len(y_hat), "wrong_sign"),
    (lambda y, y_hat, delta: np.clip(y_hat - y, -delta, delta), "missing_division_by_n"),
    (lambda y, y_hat, delta: (y_hat - y) / len(y_hat), "squared_error_gradient"),
    (lambda y, y_hat, delta: delta * np.sign(y_hat - y) / len(y_hat), "no_quadratic_part"),
    (lambda y, y_hat, delta: np.where(y_hat - y <= delta, y_hat - y, delta) / len(y_hat), "signed_residual_compared"),
])
def test_huber_gradient_mistakes(wrong, hint):
    _assert_hint(ch05.check_huber_gradient(wrong), hint)


def test_huber_gradient_wrong_shape_is_named():
    result = ch05.check_huber_gradient(lambda y, y_hat, delta: np.clip(y_hat - y, -delta, delta).sum() / len(y_hat))
    assert result.status == FAILED and "shape (4,)" in repr(result)


# --- exercise 3: cross-entropy from logits ----------------------------------------------------------

def logits_loop(y, h):
    total = 0.0
    for row_y, row_h in zip(y, h):
        m = max(row_h)
        log_sum = m + np.log(sum(np.exp(v - m) for v in row_h))
        total -= sum(t * (v - log_sum) for t, v in zip(row_y, row_h))
    return total / len(h)


def logits_by_true_class(y, h):
    """Picks the true class's logit with argmax instead of multiplying by the one-hot row."""
    m = h.max(axis=1)
    true = h[np.arange(len(h)), y.argmax(axis=1)]
    return float(np.mean(m + np.log(np.exp(h - m[:, None]).sum(axis=1)) - true))


def logits_float32(y, h):
    h = h.astype(np.float32)
    shifted = h - h.max(axis=1, keepdims=True)
    return np.float32(-(y * (shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True)))).sum() / len(h))


@pytest.mark.parametrize("answer", [logits_loop, logits_by_true_class, logits_float32])
def test_cross_entropy_from_logits_written_differently_passes(answer):
    assert ch05.check_cross_entropy_from_logits(answer).status == PASSED


def _stable_log_softmax(h, axis=1):
    m = h.max(axis=axis, keepdims=True)
    return h - m - np.log(np.exp(h - m).sum(axis=axis, keepdims=True))


def no_max_subtraction(y, h):
    return -np.sum(y * (h - np.log(np.sum(np.exp(h), axis=1, keepdims=True)))) / len(h)


def softmax_then_log(y, h):
    p = np.exp(h) / np.sum(np.exp(h), axis=1, keepdims=True)
    return -np.sum(y * np.log(p)) / len(h)


def one_maximum_for_the_batch(y, h):
    m = h.max()  # one maximum for all rows: a row far below it underflows to exp(...) = 0 in every class
    return -np.sum(y * (h - m - np.log(np.exp(h - m).sum(axis=1, keepdims=True)))) / len(h)


@pytest.mark.parametrize("wrong, hint", [
    (lambda y, h: np.sum(y * _stable_log_softmax(h)) / len(h), "wrong_sign"),
    (lambda y, h: -np.sum(y * _stable_log_softmax(h)), "summed_not_averaged"),
    (lambda y, h: -np.mean(y * _stable_log_softmax(h)), "averaged_over_classes"),
    (lambda y, h: -np.sum(y * _stable_log_softmax(h, axis=0)) / len(h), "softmax_over_examples"),
    (lambda y, h: -np.sum(y * (h - np.log(np.exp(h - h.max(1, keepdims=True)).sum(1, keepdims=True)))) / len(h),
     "max_not_added_back"),
    (lambda y, h: -np.sum(y * h) / len(h), "logits_used_as_log_probabilities"),
    (no_max_subtraction, "no_max_subtraction"),
    (softmax_then_log, "no_max_subtraction"),
    # each row's maximum subtracted, then the log of the probabilities: not told to subtract the maximum (it did)
    (lambda y, h: -np.sum(y * np.log(np.exp(_stable_log_softmax(h)))) / len(h), "log_of_underflowed_probability"),
    (one_maximum_for_the_batch, "one_maximum_for_the_batch"),
])
def test_cross_entropy_from_logits_mistakes(wrong, hint):
    with np.errstate(all="ignore"):
        _assert_hint(ch05.check_cross_entropy_from_logits(wrong), hint)


def test_overflowing_logits_fail_on_the_large_case_with_the_inputs_named():
    with np.errstate(all="ignore"):
        result = ch05.check_cross_entropy_from_logits(no_max_subtraction)
    assert result.cases_passed == 3 and "huge logits" in repr(result) and "a finite number" in repr(result)


def test_each_unstable_way_fails_on_its_own_case_with_only_its_hint():
    """The old check told a row-max-stable softmax followed by log to subtract the row's maximum, and passed one
    maximum for the whole batch (no case had rows of very different scale)."""
    with np.errstate(all="ignore"):
        results = {name: ch05.check_cross_entropy_from_logits(f) for name, f in [
            ("naive", no_max_subtraction), ("stable_then_log", lambda y, h: -np.sum(y * np.log(np.exp(
                _stable_log_softmax(h)))) / len(h)), ("one_max", one_maximum_for_the_batch)]}
    assert [(r.cases_passed, r.hints) for r in results.values()] == [
        (3, ["no_max_subtraction"]), (4, ["log_of_underflowed_probability"]), (5, ["one_maximum_for_the_batch"])]
    assert "Never take log(softmax(h))" in repr(results["stable_then_log"])


@pytest.mark.parametrize("check", [ch05.check_huber_loss, ch05.check_cross_entropy_from_logits,
                                   ch05.check_cross_entropy_from_probabilities])
@pytest.mark.parametrize("value, words", [(np.array(0.5 + 1j), "complex128"), (np.array("0.5"), "<U3"),
                                          (np.array(True), "bool")])
def test_a_0d_array_of_complex_text_or_bool_is_refused_naming_its_dtype_not_a_crash(check, value, words):
    result = check(lambda *args, **kwargs: value)
    assert result.status == FAILED and "could not judge" not in result.summary, result
    assert "one number" in repr(result) and words in repr(result)


# --- exercise 4: cross-entropy from probabilities ---------------------------------------------------------

@pytest.mark.parametrize("answer", [
    lambda y, p, epsilon: -np.sum(y * np.log(np.maximum(p, epsilon))) / len(p),       # clipped below only
    lambda y, p, epsilon: float(np.mean(-np.log(np.clip(p[y == 1], epsilon, 1 - epsilon)))),
    lambda y, p, epsilon: np.float32(-np.sum(y * np.log(np.clip(p, epsilon, 1 - epsilon).astype(np.float32)))
                                     / len(p)),
])
def test_cross_entropy_from_probabilities_written_differently_passes(answer):
    assert ch05.check_cross_entropy_from_probabilities(answer).status == PASSED


@pytest.mark.parametrize("wrong, hint", [
    (lambda y, p, epsilon: -np.sum(y * np.log(p)) / len(p), "not_clipped"),
    (lambda y, p, epsilon: -np.sum(np.clip(y, epsilon, 1 - epsilon) * np.log(p)) / len(p), "clipped_the_targets"),
    (lambda y, p, epsilon: np.sum(y * np.log(np.clip(p, epsilon, 1 - epsilon))) / len(p), "wrong_sign"),
    (lambda y, p, epsilon: -np.sum(y * np.log(np.clip(p, epsilon, 1 - epsilon))), "summed_not_averaged"),
])
def test_cross_entropy_from_probabilities_mistakes(wrong, hint):
    with np.errstate(all="ignore"):
        _assert_hint(ch05.check_cross_entropy_from_probabilities(wrong), hint)


def test_unclipped_log_of_zero_is_caught_on_the_underflow_case():
    with np.errstate(all="ignore"):
        result = ch05.check_cross_entropy_from_probabilities(lambda y, p, epsilon: -np.sum(y * np.log(p)) / len(p))
    assert result.cases_passed == 2 and "underflowed" in repr(result)


def test_a_non_function_is_reported():
    result = ch05.check_huber_loss(3.0)
    assert result.status == FAILED and "expected a function" in repr(result)


# --- exercise 2a: the slope of Huber's loss, 3a: log-softmax (the intermediate steps of the derivations) ---

def huber_slope_piecewise_loop(r, delta):
    out = np.zeros(np.shape(r))
    for index in np.ndindex(out.shape):
        if r[index] > delta:
            out[index] = delta
        elif r[index] < -delta:
            out[index] = -delta
        else:
            out[index] = r[index]
    return out


@pytest.mark.parametrize("answer", [
    huber_slope_piecewise_loop,
    lambda r, delta: np.clip(r, -delta, delta),
    lambda r, delta: np.clip(np.asarray(r, dtype=np.float32), -delta, delta),
])
def test_huber_slope_written_differently_passes(answer):
    assert ch05.check_huber_slope(answer).status == PASSED


@pytest.mark.parametrize("wrong, hint", [
    (lambda r, delta: np.where(np.abs(r) <= delta, r, delta), "slope_positive_on_both_sides"),
    (lambda r, delta: np.array(r, dtype=float), "slope_of_squared_error"),
    (lambda r, delta: np.where(np.abs(r) <= delta, r, np.sign(r)), "slope_one_beyond_delta"),
    (lambda r, delta: np.where(np.abs(r) <= delta, 0.5 * r ** 2, delta * (np.abs(r) - delta / 2)), "loss_instead_of_slope"),
    (lambda r, delta: np.where(r <= delta, r, delta), "signed_residual_compared"),
])
def test_huber_slope_mistakes(wrong, hint):
    _assert_hint(ch05.check_huber_slope(wrong), hint)


def log_softmax_rows_loop(h):
    out = np.empty(h.shape)
    for n in range(h.shape[0]):
        m = h[n].max()
        out[n] = h[n] - m - np.log(np.exp(h[n] - m).sum())
    return out


@pytest.mark.parametrize("answer", [
    log_softmax_rows_loop,
    lambda h: h - np.logaddexp.reduce(h, axis=-1, keepdims=True),
    lambda h: (h - h.max(1)[:, None] - np.log(np.exp(h - h.max(1)[:, None]).sum(1))[:, None]).astype(np.float32),
])
def test_log_softmax_written_differently_passes(answer):
    assert ch05.check_log_softmax(answer).status == PASSED


@pytest.mark.parametrize("wrong, hint", [
    (lambda h: h - np.log(np.sum(np.exp(h - h.max(1, keepdims=True)), axis=1, keepdims=True)), "max_not_added_back"),
    (lambda h: h - h.max(0, keepdims=True) - np.log(np.exp(h - h.max(0, keepdims=True)).sum(0, keepdims=True)),
     "softmax_over_examples"),
    (lambda h: np.array(h, dtype=float), "logits_used_as_log_probabilities"),
    (lambda h: np.exp(h - h.max(1, keepdims=True)) / np.exp(h - h.max(1, keepdims=True)).sum(1, keepdims=True),
     "probabilities_not_logged"),
])
def test_log_softmax_mistakes(wrong, hint):
    _assert_hint(ch05.check_log_softmax(wrong), hint)


def test_log_softmax_without_the_shift_fails_on_huge_logits_with_the_hint():
    with np.errstate(all="ignore"):
        result = ch05.check_log_softmax(lambda h: np.log(np.exp(h) / np.exp(h).sum(axis=1, keepdims=True)))
    _assert_hint(result, "no_max_subtraction")
    assert result.cases_passed == 2


# --- the grader grades the chapter -----------------------------------------------------------------

def test_grader_gives_the_solved_copy_full_points_and_the_stub_none(tmp_path):
    import shutil
    from pathlib import Path

    import nbformat

    from lecture_lib.grading.assignment import reference_submission
    from lecture_lib.grading.cli import main

    root = Path(__file__).resolve().parents[1]
    solutions = root / "solutions" / "05_training_framework.ipynb"
    folder = tmp_path / "submissions"
    folder.mkdir()
    nbformat.write(reference_submission(solutions), folder / "solved.ipynb")
    shutil.copy(root / "exercises" / "05_training_framework.ipynb", folder / "stub.ipynb")
    assert main([str(solutions), str(folder), "--out", str(tmp_path / "out"), "--jobs", "2"]) == 0
    rows = (tmp_path / "out" / "grades.csv").read_text().splitlines()
    points = {}
    for row in rows[1:]:
        student, exercise, got, most, status = row.split(",")
        points.setdefault(student, []).append((int(got), int(most), status))
    assert len(points["solved"]) == len(points["stub"]) == 6
    assert all(got == most and status == "passed" for got, most, status in points["solved"])
    assert sum(most for _, most, _ in points["solved"]) == 9
    assert all(got == 0 and status == "not attempted" for got, _, status in points["stub"])
