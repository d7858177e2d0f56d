"""Chapter 03 checks, typical mistakes fail with their hint (both-way tests on solutions and stubs: test_checks_both_ways.py)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lecture_lib.checks import FAILED, PASSED, ch03
from lecture_lib.nn.activations import softmax as reference_softmax
from notebook_code import load_functions

@pytest.fixture(scope="module")
def solution(repo_root):
    return load_functions(repo_root / "solutions" / "03_feedforward_networks.ipynb")


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 5)),
              elements=st.floats(-1e4, 1e4, allow_nan=False)))
def test_solution_softmax_matches_the_package_on_any_input(solution, h):
    p = solution["softmax"](h)
    assert np.all(np.isfinite(p)) and np.allclose(p.sum(axis=1), 1.0)
    assert np.allclose(p, reference_softmax(h), rtol=1e-9, atol=1e-12)


# --- softmax: typical wrong answers ---------------------------------------------------------

def softmax_naive(h):
    e = np.exp(h)
    return e / np.sum(e, axis=1, keepdims=True)


def softmax_naive_other_spelling(h):
    return np.exp(h) / np.exp(h).sum(axis=-1)[:, None]


def softmax_columns(h):
    e = np.exp(h - h.max(axis=0))
    return e / e.sum(axis=0)


def softmax_sum_all(h):
    e = np.exp(h - h.max(axis=1, keepdims=True))
    return e / e.sum()


def softmax_global_max(h):
    e = np.exp(h - h.max())
    return e / e.sum(axis=1, keepdims=True)


def softmax_no_keepdims(h):
    e = np.exp(h - h.max(axis=1, keepdims=True))
    return e / e.sum(axis=1)


def softmax_unnormalised(h):
    return np.exp(h - h.max(axis=1, keepdims=True))


def softmax_flat(h):
    return reference_softmax(h).ravel()


def softmax_none(h):
    reference_softmax(h)


@pytest.mark.parametrize("wrong, hint, words", [
    (softmax_naive, "overflow", "Subtract each row's maximum"),
    (softmax_naive_other_spelling, "overflow", "NaN or inf"),
    (softmax_columns, "wrong_axis", "columns sum to 1"),
    (softmax_sum_all, "sum_over_all", "do not each sum to 1"),
    (softmax_global_max, "global_max", "each row's own maximum"),
    (softmax_no_keepdims, "missing_keepdims", "keepdims=True"),
    (softmax_unnormalised, "not_normalised", "without dividing"),
    (softmax_flat, None, "Expected shape (3, 3)"),
    (softmax_none, None, "did you forget `return`?"),
])
def test_softmax_mistakes(wrong, hint, words):
    with np.errstate(all="ignore"):
        result = ch03.check_softmax(wrong)
    assert result.status == FAILED, result
    assert words in repr(result), result
    if hint:
        assert result.hints == [hint], result
    else:
        assert result.hints == [], result


def test_softmax_check_emits_no_warning_for_an_overflowing_answer():
    with np.errstate(all="raise"):  # any unsilenced overflow inside the check would raise here
        result = ch03.check_softmax(softmax_naive)
    assert result.hints == ["overflow"]


def test_softmax_feedback_never_shows_the_reference_answer():
    result = ch03.check_softmax(softmax_sum_all)
    assert result.status == FAILED
    # softmax(1, 2, 3) = (0.090, 0.245, 0.665) and softmax(-1, 0.5, 2) = (0.039, 0.175, 0.786) (first case)
    for number in ("0.09", "0.245", "0.665", "0.175", "0.786"):
        assert number not in repr(result), result


# --- the two-layer forward pass: typical wrong answers -----------------------------------------

def _sig(h):
    return 1 / (1 + np.exp(-h))


def forward_transposed(x, W1, b1, W2, b2):
    return reference_softmax(_sig(x @ W1.T + b1) @ W2.T + b2)


def forward_w_first(x, W1, b1, W2, b2):
    return reference_softmax(_sig(W1 @ x + b1) @ W2 + b2)


def forward_w2_first(x, W1, b1, W2, b2):
    return reference_softmax(W2 @ _sig(x @ W1 + b1) + b2)


def forward_linear_hidden(x, W1, b1, W2, b2):
    return reference_softmax((x @ W1 + b1) @ W2 + b2)


def forward_softmax_hidden(x, W1, b1, W2, b2):
    return reference_softmax(reference_softmax(x @ W1 + b1) @ W2 + b2)


def forward_no_softmax(x, W1, b1, W2, b2):
    return _sig(x @ W1 + b1) @ W2 + b2


def forward_sigmoid_output(x, W1, b1, W2, b2):
    return _sig(_sig(x @ W1 + b1) @ W2 + b2)


def forward_biases_swapped(x, W1, b1, W2, b2):
    return reference_softmax(_sig(x @ W1 + b2) @ W2 + b1)


def forward_bias_after_activation(x, W1, b1, W2, b2):
    return reference_softmax((_sig(x @ W1) + b1) @ W2 + b2)


def forward_no_b1(x, W1, b1, W2, b2):
    return reference_softmax(_sig(x @ W1) @ W2 + b2)


def forward_no_b2(x, W1, b1, W2, b2):
    return reference_softmax(_sig(x @ W1 + b1) @ W2)


def forward_naive_softmax(x, W1, b1, W2, b2):
    return softmax_naive(_sig(x @ W1 + b1) @ W2 + b2)


def forward_crashes_on_shapes(x, W1, b1, W2, b2):
    return reference_softmax(_sig(x @ W1 + b1) @ W2 + b2)[:, :1] if x.shape[1] == 3 else W1 @ x


@pytest.mark.parametrize("wrong, hint", [
    (forward_transposed, "transposed_weights"),
    (forward_w_first, "wrong_order"),
    (forward_w2_first, "wrong_order"),
    (forward_linear_hidden, "missing_hidden_activation"),
    (forward_softmax_hidden, "softmax_hidden"),
    (forward_no_softmax, "missing_softmax"),
    (forward_sigmoid_output, "sigmoid_output"),
    (forward_biases_swapped, "biases_swapped"),
    (forward_bias_after_activation, "bias_after_activation"),
    (forward_no_b1, "missing_bias"),
    (forward_no_b2, "missing_bias"),
    (forward_naive_softmax, "overflow"),
])
def test_forward_mistakes(wrong, hint):
    with np.errstate(all="ignore"):
        result = ch03.check_forward_two_layer(wrong)
    assert result.status == FAILED, result
    assert result.hints == [hint], result
    assert "Hint:" in repr(result)


def forward_right_only_when_square(x, W1, b1, W2, b2):
    if x.shape == W1.shape == W2.shape:
        return reference_softmax(_sig(x @ W1 + b1) @ W2 + b2)
    return reference_softmax(_sig(W1 @ x + b1) @ W2 + b2)   # (D, H) @ (N, D): matmul mismatch


def forward_bias_broadcast_error(x, W1, b1, W2, b2):
    if x.shape == W1.shape == W2.shape:
        return reference_softmax(_sig(x @ W1 + b1) @ W2 + b2)
    return reference_softmax(_sig(x @ W1 + b2) @ W2 + b1)   # (N, H) + (C,): cannot broadcast


@pytest.mark.parametrize("wrong", [forward_right_only_when_square, forward_bias_broadcast_error])
def test_forward_shape_errors_get_the_shape_hint(wrong):
    result = ch03.check_forward_two_layer(wrong)
    assert result.status == FAILED and result.hints == ["shape_mismatch"], result
    assert "raised an exception" in result.summary and "x (N, D) @ W1 (D, H)" in repr(result)


def test_forward_wrong_shape_is_named():
    result = ch03.check_forward_two_layer(forward_crashes_on_shapes)
    assert result.status == FAILED and "Expected shape (3, 3)" in repr(result), result


# --- XOR from three threshold units, the shapes and the number of parameters: every hint --------------

def _xor_weights(W1=((1.0, -1.0), (1.0, -1.0)), b1=(-0.5, 1.5), W2=((1.0,), (1.0,)), b2=(-1.5,)):
    return lambda: tuple(np.array(part, dtype=float) for part in (W1, b1, W2, b2))


@pytest.mark.parametrize("answer, hint, words", [
    (_xor_weights(b1=(-0.5, -0.5), W1=((1.0, 1.0), (1.0, 1.0))), "same_hidden_units", "same function"),
    (_xor_weights(W2=((-1.0,), (-1.0,)), b2=(1.5,)), "complement", "XNOR"),
    (_xor_weights(W1=((1.0, 1.0), (1.0, 1.0)), b1=(-0.5, -1.5), b2=(-0.5,)), "computes_other_gate", "computes OR"),
    (_xor_weights(b2=(-0.5,)), "constant_output", "output is 1 for all four inputs"),
    (_xor_weights(b1=(-1.0, 1.5)), "line_through_point", "hidden layer is exactly 0"),
    (_xor_weights(b2=(-1.0,)), "line_through_point", "output layer is exactly 0"),
])
def test_xor_network_mistakes(answer, hint, words):
    result = ch03.check_xor_network(answer)
    assert result.status == FAILED and result.hints == [hint], result
    assert words in repr(result), result


@pytest.mark.parametrize("answer, words", [
    (lambda: (np.ones((2, 2)), np.ones(2), np.ones(2), np.ones(1)), "reshape it to (2, 1)"),
    (lambda: (np.ones((2, 2)), np.ones(2), np.ones((2, 1)), -1.5), "np.array([b]) of shape (1,)"),
    (lambda: (np.ones((2, 2)), np.ones(2)), "Expected a tuple (W1, b1, W2, b2)"),
])
def test_xor_network_wrong_kind_of_answer(answer, words):
    result = ch03.check_xor_network(answer)
    assert result.status == FAILED and words in repr(result), result


@pytest.mark.parametrize("answer, hint", [
    (lambda layer_sizes: [((b, a), (b,)) for a, b in zip(layer_sizes, layer_sizes[1:])], "transposed_weights"),
    (lambda layer_sizes: [((a, b), (1, b)) for a, b in zip(layer_sizes, layer_sizes[1:])], "bias_as_row"),
    (lambda layer_sizes: [((a, b), (a,)) for a, b in zip(layer_sizes, layer_sizes[1:])], "bias_per_input"),
    (lambda layer_sizes: [((a, b), (b,)) for a, b in zip([1] + layer_sizes, layer_sizes)], "layer_count"),
])
def test_parameter_shapes_mistakes(answer, hint):
    result = ch03.check_parameter_shapes(answer)
    assert result.status == FAILED and result.hints == [hint] and "Hint:" in repr(result), result


def test_parameter_shapes_wants_tuples_of_ints():
    result = ch03.check_parameter_shapes(lambda layer_sizes: [(str(a), str(b)) for a, b in zip(layer_sizes, layer_sizes[1:])])
    assert result.status == FAILED and "tuple of ints" in repr(result), result


@pytest.mark.parametrize("answer, hint", [
    (lambda layer_sizes: sum(a * b for a, b in zip(layer_sizes, layer_sizes[1:])), "missing_biases"),
    (lambda layer_sizes: sum(layer_sizes), "counted_units"),
    (lambda layer_sizes: sum(a * b + b for a, b in zip(layer_sizes, layer_sizes[1:])) + layer_sizes[0], "input_biases"),
])
def test_count_parameters_mistakes(answer, hint):
    result = ch03.check_count_parameters(answer)
    assert result.status == FAILED and result.hints == [hint] and "Hint:" in repr(result), result


@pytest.mark.parametrize("answer", [lambda layer_sizes: 9.0, lambda layer_sizes: "9", lambda layer_sizes: True])
def test_count_parameters_wants_an_int(answer):
    result = ch03.check_count_parameters(answer)
    assert result.status == FAILED and "Expected an int" in repr(result), result


# --- exercise 6: the error term of a softmax output layer with cross-entropy ------------------------

def _softmax_rows(h):
    e = np.exp(h - h.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("right", [
    lambda h, y: _softmax_rows(h) - y,
    lambda h, y: (_softmax_rows(h.astype(np.float32)) - y.astype(np.float32)),                 # float32
    lambda h, y: np.array([[np.exp(hk - row.max()) / np.exp(row - row.max()).sum() - yk for hk, yk in zip(row, t)]
                           for row, t in zip(h, y)]),                                          # loops
    # the chain rule through the Jacobian: dyhat_j/dh_k = yhat_j ([j = k] - yhat_k), dE/dyhat_j = -y_j / yhat_j
    lambda h, y: np.stack([(-t / p) @ (np.diag(p) - np.outer(p, p)) for p, t in zip(_softmax_rows(h), y)]),
])
def test_softmax_output_error_term_right_answers_written_differently_pass(right):
    assert ch03.check_softmax_output_error_term(right).status == PASSED


@pytest.mark.parametrize("wrong, hint", [
    (lambda h, y: y - _softmax_rows(h), "wrong_sign"),
    (lambda h, y: (_softmax_rows(h) - y) * _softmax_rows(h) * (1 - _softmax_rows(h)), "squared_error_habit"),
    (lambda h, y: -y * (1 - _softmax_rows(h)), "only_true_class"),
    (lambda h, y: -y / _softmax_rows(h), "stopped_at_dE_dyhat"),
    (lambda h, y: (_softmax_rows(h) - y) / len(h), "mean_over_batch"),
])
def test_softmax_output_error_term_mistakes(wrong, hint):
    result = ch03.check_softmax_output_error_term(wrong)
    assert result.status == FAILED and hint in result.hints, result
    assert "Hint:" in repr(result)


def test_softmax_output_error_term_overflow_and_stub():
    def naive(h, y):
        with np.errstate(all="ignore"):
            e = np.exp(h)
            return e / e.sum(axis=1, keepdims=True) - y
    result = ch03.check_softmax_output_error_term(naive)
    assert result.status == FAILED and "overflow" in result.hints
    assert ch03.check_softmax_output_error_term(lambda h, y: h).hints == []        # wrong, but no false hint


# --- exercise 3 asks for XNOR (the chapter prints XOR's weights): every hint ---------------------------

def _xnor_weights(W1=((1.0, -1.0), (1.0, -1.0)), b1=(-1.5, 0.5), W2=((1.0,), (1.0,)), b2=(-0.5,)):
    """Default: AND and NOR hidden units, OR output unit."""
    return lambda: tuple(np.array(part, dtype=float) for part in (W1, b1, W2, b2))


@pytest.mark.parametrize("answer", [
    _xnor_weights(),
    _xor_weights(W2=((-1.0,), (-1.0,)), b2=(1.5,)),                 # the chapter's XOR with the output flipped
    lambda: ([[2, -2], [2, -2]], [-3, 1], [[2], [2]], [-1]),        # lists of ints
])
def test_xnor_network_right_answers_pass(answer):
    assert ch03.check_xnor_network(answer).status == PASSED


@pytest.mark.parametrize("answer, hint, words", [
    (_xor_weights(), "complement", "computes XOR"),                   # the chapter's XOR copied
    (_xnor_weights(W1=((1.0, 1.0), (1.0, 1.0)), b1=(-1.5, -1.5)), "same_hidden_units", "AND and NOR"),
    (_xnor_weights(W2=((1.0,), (0.0,))), "computes_other_gate", "computes AND"),
    (_xnor_weights(b2=(0.5,)), "constant_output", "output is 1 for all four inputs"),
    (_xnor_weights(b1=(-2.0, 0.5)), "line_through_point", "hidden layer is exactly 0"),
    (_xnor_weights(b2=(-1.0,)), "line_through_point", "output layer is exactly 0"),
])
def test_xnor_network_mistakes(answer, hint, words):
    result = ch03.check_xnor_network(answer)
    assert result.status == FAILED and result.hints == [hint], result
    assert words in repr(result), result
