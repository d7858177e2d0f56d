"""Chapter 04 checks, typical mistakes fail with their hint (both-way tests on solutions and stubs: test_checks_both_ways.py)."""
import numpy as np
import pytest
import sympy as sp

from lecture_lib.checks import FAILED, PASSED, ch04

def _assert_hint(result, hint):
    assert result.status == FAILED, result
    assert hint in result.hints, (result.hints, result)
    assert "Hint:" in repr(result)


def sigmoid(h):
    return 1 / (1 + np.exp(-h))


# --- exercise 1 ------------------------------------------------------------------------------

@pytest.mark.parametrize("wrong, hint", [
    (lambda y_hat, y: y_hat - y, "missing_sigma_prime"),
    (lambda y_hat, y: (y - y_hat) * y_hat * (1 - y_hat), "wrong_sign"),
    (lambda y_hat, y: (y_hat - y) * sigmoid(y_hat) * (1 - sigmoid(y_hat)), "sigmoid_applied_again"),
    (lambda y_hat, y: (y_hat - y) * y_hat, "missing_one_minus"),
    (lambda y_hat, y: 2 * (y_hat - y) * y_hat * (1 - y_hat), "factor_two"),
])
def test_output_error_term_mistakes(wrong, hint):
    _assert_hint(ch04.check_output_error_term(wrong), hint)


def test_output_error_term_wrong_kind_of_answer():
    result = ch04.check_output_error_term(lambda y_hat, y: list((y_hat - y) * y_hat * (1 - y_hat)))
    assert result.status == FAILED and "Expected eps" in repr(result) and "a list" in repr(result)
    result = ch04.check_output_error_term(lambda y_hat, y: np.sum((y_hat - y) * y_hat * (1 - y_hat)))
    assert result.status == FAILED and "shape (3,)" in repr(result)


def test_output_error_term_feedback_does_not_reveal_the_answer():
    result = ch04.check_output_error_term(lambda y_hat, y: y_hat - y)
    expected = (np.array([0.2, 0.7, 0.9]) - [0, 1, 1]) * np.array([0.2, 0.7, 0.9]) * (1 - np.array([0.2, 0.7, 0.9]))
    assert f"{expected[0]:g}" not in repr(result)


# --- exercise 2 ------------------------------------------------------------------------------

def hidden_wrong_axis(eps_next, W_next, g):
    if eps_next.ndim == 2:  # a learner who only handles one example this way
        return np.stack([hidden_wrong_axis(e, W_next, row) for e, row in zip(eps_next, g)])
    return np.sum(eps_next * W_next, axis=0) * g * (1 - g)


def hidden_loop_transposed(eps_next, W_next, g):
    out = np.zeros_like(g)
    for j in range(g.shape[-1]):
        out[..., j] = np.sum(eps_next * W_next[:, j], axis=-1) * g[..., j] * (1 - g[..., j])
    return out


@pytest.mark.parametrize("wrong, hint", [
    (lambda eps_next, W_next, g: eps_next @ W_next.T, "missing_sigma_prime"),
    (lambda eps_next, W_next, g: (eps_next @ W_next) * g * (1 - g), "transposed_weights"),
    (hidden_loop_transposed, "transposed_weights"),
    (hidden_wrong_axis, "wrong_sum_axis"),
    (lambda eps_next, W_next, g: (eps_next @ W_next.T) * sigmoid(g) * (1 - sigmoid(g)), "sigmoid_applied_again"),
    (lambda eps_next, W_next, g: np.sum(eps_next, axis=-1, keepdims=True) * g * (1 - g), "weights_missing"),
])
def test_hidden_error_term_mistakes(wrong, hint):
    _assert_hint(ch04.check_hidden_error_term(wrong), hint)


def test_hidden_error_term_summed_over_the_batch():
    def summed(eps_next, W_next, g):
        return np.sum((eps_next @ W_next.T) * g * (1 - g), axis=0) if eps_next.ndim == 2 else \
            (eps_next @ W_next.T) * g * (1 - g)
    result = ch04.check_hidden_error_term(summed)
    _assert_hint(result, "summed_over_examples")
    assert "shape (4, 3)" in repr(result)


def test_hidden_error_term_that_handles_one_example_only_is_reported_with_its_line():
    def one_example_only(eps_next, W_next, g):
        return np.array([np.dot(eps_next, W_next[j]) * g[j] * (1 - g[j]) for j in range(len(W_next))])
    result = ch04.check_hidden_error_term(one_example_only)
    assert result.status == FAILED and result.cases_passed == 3
    assert "np.dot(eps_next, W_next[j])" in repr(result)  # the learner's own line


# --- exercise 3 ------------------------------------------------------------------------------

def make_backprop(output_factor="g", hidden_factor="g", sign=1.0, back="W2 @ eps", outer="x, eps"):
    def backprop(x, y, W1, W2):
        h_j = x @ W1
        g = sigmoid(h_j)
        h_k = g @ W2
        y_hat = sigmoid(h_k)
        eps_k = sign * (y_hat - y) * {"g": y_hat * (1 - y_hat), "h": h_k * (1 - h_k), "none": 1}[output_factor]
        summed = {"W2 @ eps": W2 @ eps_k, "eps @ W2": eps_k @ W2 if W2.shape[0] == W2.shape[1] else None,
                  "axis0": np.sum(eps_k * W2, axis=0) if W2.shape[0] == W2.shape[1] else None}[back]
        eps_j = summed * {"g": g * (1 - g), "h": h_j * (1 - h_j), "none": 1}[hidden_factor]
        if outer == "x, eps":
            return np.outer(x, eps_j), np.outer(g, eps_k)
        return np.outer(eps_j, x), np.outer(eps_k, g)
    return backprop


def test_backprop_reference_shape_of_the_test_helper_passes():
    assert ch04.check_backprop_one_example(make_backprop()).status == PASSED


@pytest.mark.parametrize("wrong, hint", [
    (make_backprop(output_factor="none"), "missing_sigma_prime"),
    (make_backprop(hidden_factor="none"), "missing_sigma_prime"),
    (make_backprop(output_factor="none", hidden_factor="none"), "missing_sigma_prime"),
    (make_backprop(sign=-1.0), "wrong_sign"),
    (make_backprop(output_factor="h", hidden_factor="h"), "derivative_of_h"),
    (make_backprop(hidden_factor="h"), "derivative_of_h"),
    (make_backprop(output_factor="h"), "derivative_of_h"),
    (make_backprop(back="eps @ W2"), "transposed_weights"),
    (make_backprop(back="axis0"), "wrong_sum_axis"),
    (make_backprop(outer="eps, x"), "transposed_gradient"),
])
def test_backprop_mistakes(wrong, hint):
    result = ch04.check_backprop_one_example(wrong)
    _assert_hint(result, hint)
    assert result.hints == [hint]


def test_backprop_dW2_right_dW1_wrong_points_at_the_hidden_layer():
    result = ch04.check_backprop_one_example(make_backprop(hidden_factor="none"))
    assert "dW2 is right, dW1 is not" in repr(result)


def test_backprop_transposed_shapes_get_the_hint():
    def transposed(x, y, W1, W2):
        dW1, dW2 = make_backprop()(x, y, W1, W2)
        return dW1.T.copy(), dW2.T.copy()
    result = ch04.check_backprop_one_example(transposed)
    _assert_hint(result, "transposed_gradient")


@pytest.mark.parametrize("value, words", [
    (lambda x, y, W1, W2: [np.zeros_like(W1), np.zeros_like(W2)], "Expected a tuple (dW1, dW2)"),
    (lambda x, y, W1, W2: (np.zeros_like(W1), None), "dW2"),
    (lambda x, y, W1, W2: (np.zeros_like(W1).ravel(), np.zeros_like(W2)), "Expected dW1 of shape (2, 2)"),
])
def test_backprop_wrong_kind_of_answer(value, words):
    result = ch04.check_backprop_one_example(value)
    assert result.status == FAILED and words in repr(result), result


# --- exercise 4 ------------------------------------------------------------------------------

def central(f, w, step, divide_by=2.0, restore=True, copy=True):
    w = np.array(w, dtype=float) if copy else w
    grad = np.zeros_like(w)
    for index in np.ndindex(w.shape):
        old = w[index]
        w[index] = old + step
        f_plus = f(w)
        w[index] = old - step
        f_minus = f(w)
        if restore:
            w[index] = old
        grad[index] = (f_plus - f_minus) / (divide_by * step)
    return grad


def forward_difference(f, w, step):
    grad = np.zeros_like(w)
    for index in np.ndindex(w.shape):
        bumped = w.copy()
        bumped[index] += step
        grad[index] = (f(bumped) - f(w)) / step
    return grad


def backward_difference(f, w, step):
    grad = np.zeros_like(w)
    for index in np.ndindex(w.shape):
        bumped = w.copy()
        bumped[index] -= step
        grad[index] = (f(w) - f(bumped)) / step
    return grad


@pytest.mark.parametrize("wrong, hint", [
    (forward_difference, "forward_difference"),
    (backward_difference, "backward_difference"),
    (lambda f, w, step: central(f, w, step, divide_by=1.0), "step_not_doubled"),
    (lambda f, w, step: np.full(w.shape, (f(w + step) - f(w - step)) / (2 * step)), "perturbed_all_weights"),
    (lambda f, w, step: central(f, w, step, restore=False), "weights_not_restored"),
])
def test_central_difference_mistakes(wrong, hint):
    _assert_hint(ch04.check_central_difference_gradient(wrong), hint)


def test_central_difference_in_place_on_the_callers_array_still_passes_when_restored():
    assert ch04.check_central_difference_gradient(lambda f, w, step: central(f, w, step, copy=False)).status == PASSED


def test_central_difference_flat_result_and_readable_input():
    result = ch04.check_central_difference_gradient(lambda f, w, step: central(f, w, step).ravel().tolist())
    text = repr(result)
    assert result.status == FAILED and "a list" in text
    assert "f(w) = w @ A @ w" in text and "0x" not in text  # the function is shown by its formula


# --- exercise 5 ------------------------------------------------------------------------------

def _sigma(h):
    return 1 / (1 + sp.exp(-h))


def _cross_entropy(h, y):
    return -(y * sp.log(_sigma(h)) + (1 - y) * sp.log(1 - _sigma(h)))


@pytest.mark.parametrize("wrong, hint", [
    (lambda h, y: (_sigma(h) - y) * _sigma(h) * (1 - _sigma(h)), "squared_error_habit"),
    (lambda h, y: y - _sigma(h), "wrong_sign"),
    (lambda h, y: (_sigma(h) - y) / (_sigma(h) * (1 - _sigma(h))), "stopped_at_dE_dyhat"),
    (lambda h, y: -y * (1 - _sigma(h)), "one_term_only"),
    (lambda h, y: (1 - y) * _sigma(h), "one_term_only"),
    (_cross_entropy, "returned_E"),
])
def test_symbolic_mistakes(wrong, hint):
    _assert_hint(ch04.check_output_unit_derivative(wrong), hint)


@pytest.mark.parametrize("right", [
    lambda h, y: 1 / (1 + sp.exp(-h)) - y,
    lambda h, y: -y * (1 - _sigma(h)) + (1 - y) * _sigma(h),                    # the two terms, not simplified
    lambda h, y: sp.diff(_cross_entropy(h, y), h),
    lambda h, y: sp.exp(h) / (1 + sp.exp(h)) - y,                                 # another equal form
    lambda h, y: (sp.tanh(h / 2) + 1) / 2 - y,
    lambda h, y: (-y / _sigma(h) + (1 - y) / (1 - _sigma(h))) * _sigma(h) * (1 - _sigma(h)),   # the chain rule as is
])
def test_symbolic_equal_forms_are_proved(right):
    assert ch04.check_output_unit_derivative(right).status == PASSED


def test_symbolic_squared_error_answer_fails_with_the_habit_hint_only():
    """Exercise 1's squared-error answer is wrong here, and only the habit hint is given (no false hints)."""
    result = ch04.check_output_unit_derivative(lambda h, y: (_sigma(h) - y) * _sigma(h) * (1 - _sigma(h)))
    assert result.status == FAILED and result.hints == ["squared_error_habit"]


def test_symbolic_foreign_symbols_and_wrong_types():
    def own_symbols(h, y):
        h, y = sp.symbols("h y")  # without real=True: different symbols for SymPy than the arguments
        return (_sigma(h) - y) * _sigma(h) * (1 - _sigma(h))
    result = ch04.check_output_unit_derivative(own_symbols)
    assert result.status == FAILED and "foreign_symbols" in result.hints
    result = ch04.check_output_unit_derivative(lambda h, y: 0.25)
    assert result.status == FAILED and "Expected a SymPy expression" in repr(result)
    result = ch04.check_output_unit_derivative(lambda h, y: "(sigma - y) * sigma * (1 - sigma)")
    assert result.status == FAILED and "Expected a SymPy expression" in repr(result)
