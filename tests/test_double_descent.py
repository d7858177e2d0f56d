"""Random ReLU features, minimum-norm and ridge solvers, and the double-descent sweeps."""
import numpy as np
import pytest

from lecture_lib.datasets.digits import load_digits
from lecture_lib.topics import double_descent as dd


@pytest.fixture(scope="module")
def digits():
    x_train, labels_train = load_digits("train", flatten=True)
    x_test, labels_test = load_digits("test", flatten=True)
    return x_train, labels_train, x_test, labels_test


def test_digit_inputs_centred_with_training_mean_and_constant_column():
    x_train = np.array([[0.0, 1.0], [1.0, 1.0]])
    inputs_train, inputs_test = dd.digit_inputs(x_train, np.array([[1.0, 0.0]]))
    np.testing.assert_allclose(inputs_train, [[-0.5, 0.0, 1.0], [0.5, 0.0, 1.0]])
    np.testing.assert_allclose(inputs_test, [[0.5, -1.0, 1.0]])
    with pytest.raises(ValueError, match="same number of pixels"):
        dd.digit_inputs(x_train, np.ones((1, 3)))


def test_features_are_relu_of_projection_scaled_by_root_p():
    rng = np.random.default_rng(0)
    x, W = rng.standard_normal((5, 4)), dd.feature_weights(4, 9, 1)
    phi = dd.random_relu_features(x, W)
    np.testing.assert_allclose(phi, np.maximum(x @ W, 0) / 3.0)
    # N(0, 1/d): the entries' variance is close to 1/d for a large draw
    assert abs(dd.feature_weights(50, 4000, 2).var() * 50 - 1) < 0.02
    with pytest.raises(ValueError, match="one row per input column"):
        dd.random_relu_features(x, np.ones((3, 2)))


def test_min_norm_solution_interpolates_and_beats_every_other_interpolant():
    rng = np.random.default_rng(1)
    phi, y = rng.standard_normal((6, 15)), rng.standard_normal((6, 2))
    w = dd.min_norm_solution(phi, y)
    np.testing.assert_allclose(phi @ w, y, atol=1e-10)
    np.testing.assert_allclose(w, np.linalg.pinv(phi) @ y, atol=1e-10)
    null = np.linalg.svd(phi)[2][6:].T                      # (15, 9): phi @ null = 0
    other = w + null @ rng.standard_normal((9, 2))
    np.testing.assert_allclose(phi @ other, y, atol=1e-10)
    assert np.linalg.norm(other) > np.linalg.norm(w)


@pytest.mark.parametrize("shape", [(20, 7), (7, 20)])
def test_ridge_solution_matches_its_svd_formula_on_both_sides(shape):
    rng = np.random.default_rng(2)
    phi, y = rng.standard_normal(shape), rng.standard_normal((shape[0], 3))
    U, s, Vt = np.linalg.svd(phi, full_matrices=False)
    for lam in (1e-3, 0.5):
        np.testing.assert_allclose(dd.ridge_solution(phi, y, lam), Vt.T @ np.diag(s / (s**2 + lam)) @ U.T @ y,
                                   atol=1e-10)
    np.testing.assert_allclose(dd.ridge_solution(phi, y, 0.0), dd.min_norm_solution(phi, y), atol=1e-10)
    with pytest.raises(ValueError, match="lam must be >= 0"):
        dd.ridge_solution(phi, y, -1.0)
    with pytest.raises(ValueError, match="one row per row of phi"):
        dd.ridge_solution(phi, y[:-1], 1.0)


def test_spectral_fit_gives_the_same_fit_as_lstsq(digits):
    x_train, labels_train, x_test, labels_test = digits
    inputs_train, inputs_test = dd.digit_inputs(x_train[:80], x_test[:50])
    y_train, y_test = np.eye(10)[labels_train[:80]], np.eye(10)[labels_test[:50]]
    for p in (40, 80, 200):
        for lam in (0.0, 1e-3):
            direct = dd.fit_random_features(inputs_train, y_train, inputs_test, y_test, p, dd.first_layer_rng(3, p), lam=lam)
            spectral = dd.SpectralFit(inputs_train, inputs_test, p, dd.first_layer_rng(3, p)).measure(y_train, y_test, lam)
            for key in ("train_error", "test_error", "test_misclassified", "weight_norm"):
                assert getattr(spectral, key) == pytest.approx(getattr(direct, key), rel=1e-6, abs=1e-9), (p, lam, key)
    assert direct.train_error < 1e-6 or lam > 0        # p > n interpolates without ridge


def test_noisy_labels_change_exactly_the_fraction_to_other_classes():
    labels = np.arange(200) % 10
    noisy = dd.noisy_labels(labels, 0.25, 10, 0)
    assert np.sum(noisy != labels) == 50
    assert set(np.unique(noisy)) <= set(range(10))
    np.testing.assert_array_equal(dd.noisy_labels(labels, 0.0, 10, 0), labels)
    with pytest.raises(ValueError, match="integer class labels"):
        dd.noisy_labels(labels.astype(float), 0.1, 10, 0)


def test_peak_at_the_interpolation_threshold_and_ridge_removes_it(digits):
    widths = [10, 20, 40, 60, 90, 180, 400]
    sweep = dd.FeatureSweep(*digits, widths, n=60, seeds=(0, 1, 2))
    plain = sweep.evaluate().median()
    at_n = widths.index(60)
    assert plain[at_n] > 5 * max(plain[at_n - 1], plain[at_n + 1])       # a sharp peak at p = n
    assert plain[-1] < plain[:at_n].min()                                # second descent below the first minimum
    ridge = sweep.evaluate(lam=1e-2).median()
    assert ridge[at_n] < 2 * ridge[:at_n].min()
    cond = sweep.evaluate().condition.mean(axis=0)
    assert cond.argmax() == at_n
    noisy = sweep.evaluate(label_noise=0.2).median()
    assert noisy[at_n] > plain[at_n]
    # parameter_sweep is the same computation in one call
    one_call = dd.parameter_sweep(*digits, widths, n=60, seeds=(0, 1, 2))
    np.testing.assert_allclose(one_call.test_error, sweep.evaluate().test_error)


def test_sample_sweep_peaks_where_n_equals_p(digits):
    result = dd.sample_sweep(*digits, sizes=[20, 40, 60, 80, 160], p=60, seeds=(0, 1, 2))
    median = result.median()
    assert median.argmax() == 2
    with pytest.raises(ValueError, match="at most"):
        dd.sample_sweep(*digits, sizes=[5000], p=60)


def test_sweep_input_errors(digits):
    with pytest.raises(ValueError, match="n must be at most"):
        dd.FeatureSweep(*digits, [10], n=10_000)
    with pytest.raises(ValueError, match="count must be"):
        dd.log_spaced_widths(30, 3000, 1)
    assert list(dd.log_spaced_widths(10, 1000, 3, include=(50,))) == [10, 50, 100, 1000]


def _small_fit(p=12, n=8, keep_basis=True, seed=0):
    rng = np.random.default_rng(seed)
    inputs_train, inputs_test = rng.standard_normal((n, 5)), rng.standard_normal((6, 5))
    y_train, y_test = np.eye(3)[rng.integers(0, 3, n)], np.eye(3)[rng.integers(0, 3, 6)]
    return dd.SpectralFit(inputs_train, inputs_test, p, seed=seed, keep_basis=keep_basis), y_train, y_test


def test_literal_gradient_descent_follows_the_closed_form_and_reaches_the_min_norm_solution():
    fit, y_train, _ = _small_fit()
    eta = 0.5 / fit.s[0] ** 2
    for steps in (0, 1, 7, 200):
        literal = dd.gradient_descent(fit.phi_train, y_train, eta, steps)
        np.testing.assert_allclose(literal, fit.weights(y_train, factors=fit.gradient_descent_factors(eta, steps)),
                                   atol=1e-10)
    w_min = dd.min_norm_solution(fit.phi_train, y_train)
    far = np.linalg.norm(dd.gradient_descent(fit.phi_train, y_train, eta, 5) - w_min)
    near = np.linalg.norm(fit.weights(y_train, factors=fit.gradient_descent_factors(eta, 1e9)) - w_min)
    assert near < 1e-8 * np.linalg.norm(w_min) < far
    # started away from 0 it also fits the data, but keeps its null-space component: not the minimum norm
    start = np.random.default_rng(3).standard_normal(w_min.shape)
    other = dd.gradient_descent(fit.phi_train, y_train, eta, 20000, w0=start)
    np.testing.assert_allclose(fit.phi_train @ other, y_train, atol=1e-6)
    assert np.linalg.norm(other) > np.linalg.norm(w_min) + 0.1
    with pytest.raises(ValueError, match="below 1 / s_max"):
        fit.gradient_descent_factors(2.0 / fit.s[0] ** 2, 10)
    with pytest.raises(ValueError, match="keep_basis"):
        _small_fit(keep_basis=False)[0].weights(y_train)


def test_early_stopping_factor_is_close_to_ridge_at_lam_one_over_two_eta_t():
    fit, _, _ = _small_fit(p=40, n=30)
    eta = 0.5 / fit.s[0] ** 2
    t = 50.0
    gd, ridge = fit.gradient_descent_factors(eta, t), fit.factors(1.0 / (2 * eta * t))
    assert np.all(np.abs(gd / ridge - 1) < 0.6)       # same shape: within a factor 1.6 in every direction
    assert not np.all(np.abs(fit.factors(1e3 / (2 * eta * t)) / gd - 1) < 0.6)   # a far-off lam is not


def test_bias_variance_split_adds_up_and_is_unbiased():
    rng = np.random.default_rng(0)
    y = rng.standard_normal((50, 2))
    same = np.repeat(y[None] + 0.3, 4, axis=0)
    bias2, variance, error = dd.split_bias_variance(same, y)
    assert variance == pytest.approx(0) and bias2 == pytest.approx(0.18) and error == pytest.approx(0.18)
    # pure noise around the target: no bias, variance 2 * 0.25 (two outputs)
    noisy = y[None] + 0.5 * rng.standard_normal((400, 50, 2))
    bias2, variance, error = dd.split_bias_variance(noisy, y)
    assert abs(bias2) < 0.01 and variance == pytest.approx(0.5, rel=0.05) and bias2 + variance == pytest.approx(error)
    with pytest.raises(ValueError, match="K >= 2"):
        dd.split_bias_variance(noisy[:1], y)


def test_bias_variance_and_tuned_ridge_on_a_small_sweep(digits):
    x_train, labels_train, x_test, labels_test = digits
    sweep = dd.FeatureSweep(x_train, labels_train, x_test, labels_test, [40, 80, 160], n=80, seeds=(0, 1, 2))
    parts = dd.bias_variance(sweep)
    np.testing.assert_allclose(parts.error, sweep.evaluate().mean(), rtol=1e-10)
    np.testing.assert_allclose(parts.bias2 + parts.variance, parts.error, rtol=1e-10)
    assert np.argmax(parts.variance) == 1                  # the peak at p = n = 80 is variance
    both = dd.tuned_ridge_sweep(sweep, x_train, [0.0, 1e-3, 1e-1], label_noises=(0.0, 0.2))
    tuned, chosen = both[0.0]
    assert chosen.shape == (3, 3) and chosen[0, 1] > 0      # at p = n the minimum norm is never chosen
    assert tuned.mean()[1] < 0.1 * sweep.evaluate().mean()[1]
    only_zero, _ = dd.tuned_ridge_sweep(sweep, x_train, [0.0], label_noises=(0.2,))[0.2]
    np.testing.assert_allclose(only_zero.test_error, sweep.evaluate(label_noise=0.2).test_error)
    # the choice uses the validation part only: other test labels leave the chosen lam unchanged
    sweep.y_test = np.roll(sweep.y_test, 1, axis=1)
    np.testing.assert_array_equal(dd.tuned_ridge_sweep(sweep, x_train, [0.0, 1e-3, 1e-1])[0.0][1], chosen)
    with pytest.raises(TypeError, match="FeatureSweep"):
        dd.tuned_ridge_sweep("sweep", x_train, [0.0])


def test_gradient_descent_path_matches_literal_descent_and_converges():
    fit, y_train, y_test = _small_fit(p=20, n=12)
    eta = 0.5 / fit.s[0] ** 2
    path = dd.gradient_descent_path(fit, y_train, y_test, eta, [3, 40, 1e12])
    w = dd.gradient_descent(fit.phi_train, y_train, eta, 40)
    out = (fit.test_in_basis @ (fit.Vt @ w))
    assert path.test_error[1] == pytest.approx(np.mean(np.sum((out - y_test) ** 2, axis=1)), rel=1e-9)
    assert path.train_error[1] == pytest.approx(np.mean(np.sum((fit.phi_train @ w - y_train) ** 2, axis=1)), rel=1e-9)
    w_min = dd.min_norm_solution(fit.phi_train, y_train)
    assert path.distance[1] == pytest.approx(np.linalg.norm(w - w_min) / np.linalg.norm(w_min), rel=1e-7)
    assert path.distance[0] > path.distance[1] > 0.01 > 1e-8 > path.distance[2]
    assert path.test_error[2] == pytest.approx(path.min_norm_test_error, rel=1e-8)
    np.testing.assert_allclose(path.ridge_lam, 1 / (2 * eta * np.array([3, 40, 1e12])))
    with pytest.raises(ValueError, match="increasing"):
        dd.gradient_descent_path(fit, y_train, y_test, eta, [5, 2])
