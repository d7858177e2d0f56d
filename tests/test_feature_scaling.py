"""topics.feature_scaling: the four scalings of seed 000, fitted on the training split, and the demo data."""
import numpy as np
import pytest

from lecture_lib.topics.feature_scaling import (clip_features, fit_min_max, fit_z_score, log_scale, min_max_scale,
                                                robust_inlier_mask, skewed_regression_data, skewness,
                                                split_train_test, train_linear_unit, z_score)

X_TRAIN = np.array([[1.0, 10.0], [2.0, 30.0], [4.0, 20.0]])
X_TEST = np.array([[3.0, 40.0], [0.0, 10.0]])


def test_min_max_uses_the_training_statistics():
    low, high = fit_min_max(X_TRAIN)
    assert np.array_equal(low, [1, 10]) and np.array_equal(high, [4, 30])
    scaled = min_max_scale(X_TRAIN, low, high)
    assert scaled.min(axis=0).tolist() == [0, 0] and scaled.max(axis=0).tolist() == [1, 1]
    # test data may leave [0, 1]: they are scaled with the training min and max
    assert np.allclose(min_max_scale(X_TEST, low, high), [[2 / 3, 1.5], [-1 / 3, 0.0]])


def test_z_score_uses_the_training_statistics_with_ddof_0():
    mean, std = fit_z_score(X_TRAIN)
    assert np.allclose(mean, X_TRAIN.mean(axis=0)) and np.allclose(std, X_TRAIN.std(axis=0, ddof=0))
    z = z_score(X_TRAIN, mean, std)
    assert np.allclose(z.mean(axis=0), 0) and np.allclose(z.std(axis=0), 1)
    assert np.allclose(z_score(X_TEST, mean, std), (X_TEST - mean) / std)


def test_scalings_refuse_bad_input_with_clear_errors():
    with pytest.raises(ValueError, match="range <= 0"):
        min_max_scale(X_TEST, np.array([1.0, 1.0]), np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="std 0"):
        z_score(X_TEST, np.zeros(2), np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        z_score(X_TEST, np.zeros(3), np.ones(3))
    with pytest.raises(ValueError, match=r"\(N, D\)"):
        fit_z_score(np.arange(4.0))
    with pytest.raises(ValueError, match="offset"):
        log_scale(np.array([-2.0, 1.0]))
    with pytest.raises(ValueError, match="low <= high"):
        clip_features(X_TEST, 5, 1)


def test_clipping_and_log_scaling():
    assert np.array_equal(clip_features(np.array([-10.0, 0.0, 12.0]), -7, 10), [-7, 0, 10])
    assert np.allclose(log_scale(np.array([0.0, np.e - 1])), [0, 1])
    assert np.allclose(log_scale(np.array([1.0, 10.0]), offset=0), np.log([1, 10]))


def test_skewed_data_outliers_and_robust_mask():
    x, y = skewed_regression_data(n=400, n_outliers=4, seed=1)
    assert x.shape == (400, 2) and y.shape == (400,)
    assert skewness(x[:, 1]) > 5  # a long right tail
    logged = np.column_stack([x[:, 0], log_scale(x[:, 1])])
    keep = robust_inlier_mask(logged, k=4)
    assert 4 <= np.sum(~keep) <= 8  # the four wrong-unit rows, and a few tail values at most
    assert abs(skewness(logged[keep, 1])) < 0.5
    assert np.array_equal(skewed_regression_data(seed=1)[0], x)


def test_split_and_linear_unit_training():
    x, y = skewed_regression_data(n=200, seed=0)
    x_tr, y_tr, x_te, y_te = split_train_test(x, y, test_fraction=0.25, seed=0)
    assert x_tr.shape == (150, 2) and x_te.shape == (50, 2)
    raw = train_linear_unit(x_tr, y_tr, x_te, y_te, eta=0.05, epochs=5)
    assert raw.diverged and raw.weights is None and "diverged" in raw.error
    mean, std = fit_z_score(x_tr)
    scaled = train_linear_unit(z_score(x_tr, mean, std), y_tr, z_score(x_te, mean, std), y_te, eta=0.05, epochs=5)
    assert not scaled.diverged and scaled.test_mse < np.var(y_te) and scaled.weights.shape == (2,)
    with pytest.raises(ValueError, match="test_fraction"):
        split_train_test(x, y, test_fraction=1.5)


def test_noise_std_is_the_noise_of_the_generated_target():
    """07 prints NOISE_STD ** 2 as the floor of the test error: it must be the generator's own noise."""
    import numpy as np

    from lecture_lib.topics.feature_scaling import NOISE_STD, skewed_regression_data

    x, y = skewed_regression_data(n=20000, n_outliers=0, seed=3)
    rooms, income = x[:, 0], x[:, 1]
    residual = y - (0.3 * rooms + np.log(income / 400.0))
    assert abs(residual.std() - NOISE_STD) < 0.01
