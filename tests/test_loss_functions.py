"""Chapter 05's loss computations: per-residual losses, the outlier fit, cross-entropy from logits or probabilities, the SymPy proofs."""
import numpy as np
import pytest

from lecture_lib.nn.activations import softmax
from lecture_lib.nn.losses import categorical_crossentropy, huber, huber_gradient
from lecture_lib.topics.loss_functions import (cross_entropy_from_logits, cross_entropy_from_probabilities, fit_line,
                                               huber_derivative, huber_per_residual, line_with_outliers, log_softmax,
                                               naive_softmax, prove_sigmoid_binary_cross_entropy_error,
                                               prove_softmax_cross_entropy_error, squared_error_derivative,
                                               squared_error_per_residual)


def test_per_residual_losses_match_the_engine_and_their_derivatives_are_slopes():
    r = np.linspace(-4, 4, 81)
    for delta in (0.5, 1.0, 2.0):
        # The engine averages over N rows: N * its value = the sum of the per-residual losses.
        assert np.isclose(huber(np.zeros((81, 1)), r.reshape(-1, 1), delta) * 81, huber_per_residual(r, delta).sum())
        assert np.allclose(huber_gradient(np.zeros((81, 1)), r.reshape(-1, 1), delta).ravel() * 81,
                           huber_derivative(r, delta))
        step = 1e-6
        slope = (huber_per_residual(r + step, delta) - huber_per_residual(r - step, delta)) / (2 * step)
        assert np.allclose(slope, huber_derivative(r, delta), atol=1e-6)
    assert np.allclose(squared_error_per_residual(r), r ** 2 / 2)
    assert np.allclose(squared_error_derivative(r), r)
    # Inside delta Huber is the squared error; outside it grows linearly, its pull capped at delta.
    assert np.allclose(huber_per_residual(r[np.abs(r) <= 1], 1.0), r[np.abs(r) <= 1] ** 2 / 2)
    assert huber_derivative(np.array([100.0]), 1.5)[0] == 1.5
    with pytest.raises(ValueError, match="delta"):
        huber_per_residual(r, delta=0.0)


def test_outliers_tilt_least_squares_and_huber_resists():
    for seed in range(3):
        data = line_with_outliers(seed=seed)
        assert data.outliers.sum() == 6 and np.all(data.x[data.outliers] >= data.x[~data.outliers].max())
        w_mse, _ = fit_line(data.x, data.y, "mean_squared_error")
        w_huber, _ = fit_line(data.x, data.y, "Huber")
        # Least squares must equal the closed-form solution (the fit converged).
        design = np.hstack([data.x, np.ones_like(data.x)])
        w_exact = np.linalg.lstsq(design, data.y, rcond=None)[0][0, 0]
        assert np.isclose(w_mse, w_exact, atol=1e-6)
        assert abs(w_huber - data.slope) < 0.5 < abs(w_mse - data.slope)
        clean = ~data.outliers
        w_clean, _ = fit_line(data.x[clean], data.y[clean], "mean_squared_error")
        assert abs(w_clean - data.slope) < 0.3
    with pytest.raises(ValueError, match="n_outliers"):
        line_with_outliers(n=5, n_outliers=5)


def test_cross_entropy_from_logits_is_stable_and_agrees_where_probabilities_work():
    rng = np.random.default_rng(0)
    h = rng.normal(size=(6, 4))
    y = np.eye(4)[rng.integers(0, 4, 6)]
    assert np.isclose(cross_entropy_from_logits(y, h), categorical_crossentropy(y, softmax(h)))
    assert np.isclose(cross_entropy_from_probabilities(y, h), cross_entropy_from_logits(y, h))
    assert np.allclose(np.exp(log_softmax(h)).sum(axis=1), 1)
    wrong = np.array([[0.0, 1.0]])
    for z in (20.0, 50.0, 800.0):
        h_far = np.array([[0.0, -z]])
        assert np.isclose(cross_entropy_from_logits(wrong, h_far), z, rtol=1e-9)
        # Keras's clipping (from_logits=False) caps the loss at -log(1e-7), whatever z is.
        assert np.isclose(cross_entropy_from_probabilities(wrong, h_far, epsilon=1e-7), -np.log(1e-7))
    assert cross_entropy_from_probabilities(wrong, np.array([[0.0, -800.0]])) == np.inf   # log(0)
    assert cross_entropy_from_probabilities(wrong, np.array([[0.0, -110.0]]), dtype="float32") == np.inf
    assert np.isnan(naive_softmax(np.array([[1000.0, 0.0]]))).any()
    with pytest.raises(ValueError, match="same shape"):
        cross_entropy_from_logits(np.zeros((2, 3)), np.zeros((2, 4)))


def test_sympy_proves_the_fused_error_terms_and_needs_targets_summing_to_one():
    assert prove_softmax_cross_entropy_error(3) == [0, 0, 0]
    assert prove_softmax_cross_entropy_error(2) == [0, 0]
    assert all(d != 0 for d in prove_softmax_cross_entropy_error(3, use_sum_to_one=False))
    assert prove_sigmoid_binary_cross_entropy_error() == 0
