"""Chapter 11 checks: right answers written differently pass, typical mistakes fail with their hint.

(Solutions and untouched stubs: test_checks_both_ways.py.)
"""
import numpy as np
import pytest

from lecture_lib.checks import FAILED, NOT_ATTEMPTED, PASSED, ch11
from lecture_lib.nn import Dense, Sequential
from lecture_lib.topics.flatness import random_direction, rescaled_relu_layers


def _assert_hint(result, hint):
    assert result.status == FAILED, result
    assert hint in result.hints, (result.hints, result)
    assert "Hint:" in repr(result)


def filter_loop(d, W):
    out = np.empty_like(d)
    for j in range(W.shape[1]):
        out[:, j] = d[:, j] / np.sqrt(np.sum(d[:, j] ** 2)) * np.sqrt(np.sum(W[:, j] ** 2))
    return out


@pytest.mark.parametrize("right", [
    lambda d, W: d * np.linalg.norm(W, axis=0) / np.linalg.norm(d, axis=0),
    lambda d, W: d / np.sqrt((d * d).sum(0, keepdims=True)) * np.sqrt((W * W).sum(0, keepdims=True)),
    lambda d, W: (d.astype(np.float32) * np.linalg.norm(W.astype(np.float32), axis=0)
                  / np.linalg.norm(d.astype(np.float32), axis=0)),
    filter_loop,
])
def test_filter_right_answers_pass(right):
    assert ch11.check_filter_normalise(right).status == PASSED


@pytest.mark.parametrize("wrong, hint", [
    (lambda d, W: d * (np.linalg.norm(W, axis=1) / np.linalg.norm(d, axis=1))[:, None], "rows_instead_of_columns"),
    (lambda d, W: d * np.linalg.norm(W) / np.linalg.norm(d), "whole_matrix"),
    (lambda d, W: d / np.linalg.norm(d, axis=0), "unit_columns"),
    (lambda d, W: d * np.linalg.norm(W, axis=0), "not_divided"),
])
def test_filter_mistakes(wrong, hint):
    _assert_hint(ch11.check_filter_normalise(wrong), hint)


def test_filter_check_agrees_with_the_package():
    """The package's model-level direction uses the same normalisation as the exercise's reference."""
    model = Sequential([Dense(5, activation="relu", input_dim=3), Dense(2)], seed=1)
    model.build((3,))
    direction = random_direction(model, 0)
    raw = random_direction(model, 0, filter_normalised=False)
    for layer, d, r in zip(model.layers, direction, raw):
        np.testing.assert_allclose(d, r * np.linalg.norm(layer.params["W"], axis=0) / np.linalg.norm(r, axis=0))


def rescale_loop(W1, b1, W2, alpha):
    return np.array([[alpha * v for v in row] for row in W1]), np.array([alpha * v for v in b1]), W2 * (1 / alpha)


@pytest.mark.parametrize("right", [
    lambda W1, b1, W2, alpha: (alpha * W1, alpha * b1, W2 / alpha),
    lambda W1, b1, W2, alpha: (W1 * np.float32(alpha), (b1 * alpha).astype(np.float32), (W2 / alpha).astype(np.float32)),
    rescale_loop,
])
def test_rescale_right_answers_pass(right):
    assert ch11.check_rescale_relu_pair(right).status == PASSED


@pytest.mark.parametrize("wrong, hint", [
    (lambda W1, b1, W2, alpha: (alpha * W1, b1, W2 / alpha), "bias_not_scaled"),
    (lambda W1, b1, W2, alpha: (alpha * W1, alpha * b1, alpha * W2), "both_multiplied"),
    (lambda W1, b1, W2, alpha: (alpha * W1, alpha * b1, W2), "second_unchanged"),
    (lambda W1, b1, W2, alpha: (alpha * W1, b1 / alpha, W2 / alpha), "bias_divided"),
])
def test_rescale_mistakes(wrong, hint):
    result = ch11.check_rescale_relu_pair(wrong)
    _assert_hint(result, hint)
    assert "outputs changed" in repr(result)


def test_rescale_reference_matches_the_package_and_keeps_the_function():
    model = Sequential([Dense(4, activation="relu", input_dim=3), Dense(2)], seed=2)
    model.build((3,))
    twin = rescaled_relu_layers(model, 3.0)
    np.testing.assert_allclose(twin.layers[0].params["W"], 3.0 * model.layers[0].params["W"])
    np.testing.assert_allclose(twin.layers[1].params["W"], model.layers[1].params["W"] / 3.0)
    x = np.random.default_rng(0).standard_normal((6, 3))
    np.testing.assert_allclose(twin.predict(x), model.predict(x), rtol=1e-12, atol=1e-12)


def test_wrong_kinds_and_stub_and_errors():
    result = ch11.check_rescale_relu_pair(lambda W1, b1, W2, alpha: [alpha * W1, alpha * b1, W2 / alpha])
    assert result.status == FAILED and "Expected a tuple" in repr(result)
    result = ch11.check_filter_normalise(lambda d, W: d.T)
    assert result.status == FAILED and "shape (3, 2)" in repr(result)
    result = ch11.check_filter_normalise(lambda d, W: d.nope)
    assert result.status == FAILED and "raised an exception" in result.summary

    def stub(d, W):
        raise NotImplementedError()
    assert ch11.check_filter_normalise(stub).status == NOT_ATTEMPTED


def alpha_polyfit(n_params, errors):
    return -np.polyfit(np.log10(n_params), np.log10(errors), 1)[0]    # any base: the slope is the same


def alpha_normal_equations(n_params, errors):
    X = np.column_stack([np.ones(len(n_params)), np.log(n_params)]).astype(np.float32)
    return float(-np.linalg.lstsq(X, np.log(errors).astype(np.float32), rcond=None)[0][1])


@pytest.mark.parametrize("right", [alpha_polyfit, alpha_normal_equations])
def test_fit_alpha_right_answers_pass(right):
    assert ch11.check_fit_alpha(right).status == PASSED


def _slope(x, y):
    return np.polyfit(x, y, 1)[0]


@pytest.mark.parametrize("wrong, hint", [
    (lambda n_params, errors: _slope(np.log(n_params), np.log(errors)), "returned_slope"),
    (lambda n_params, errors: -_slope(n_params, errors), "no_logarithms"),
    (lambda n_params, errors: -_slope(n_params, np.log(errors)), "log_of_errors_only"),
    (lambda n_params, errors: -(np.log(errors[-1] / errors[0]) / np.log(n_params[-1] / n_params[0])), "two_endpoints"),
])
def test_fit_alpha_mistakes(wrong, hint):
    result = ch11.check_fit_alpha(wrong)
    assert result.status == FAILED and hint in result.hints, result


def test_fit_alpha_wrong_kinds():
    result = ch11.check_fit_alpha(lambda n_params, errors: np.array([1.0, 2.0]))
    assert result.status == FAILED
    result = ch11.check_fit_alpha(lambda n_params, errors: "2.0")
    assert result.status == FAILED and "str" in repr(result)
