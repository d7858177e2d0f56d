"""Feature scaling (chapter 07, seed 000): min-max, clipping, log scaling, z-score, outliers.

The four ways of seed 000, each for x : ndarray (N, D), one statistic per
feature (column):

* linear scaling (min-max, 正規化): x' = (x - min) / (max - min), in [0, 1]
  on the data the min and max came from;
* clipping (hard capping): values below ``low`` become ``low``, above
  ``high`` become ``high`` (the seed's example: [-7, 10]);
* log scaling: x' = log(x + offset), for a wide positive range of which
  only the order of magnitude matters;
* z-score (standardisation, 標準化): x' = (x - mean) / std, mean 0 and
  standard deviation 1 on the data they came from (std with ddof=0, as
  NumPy's default and scikit-learn's ``StandardScaler``).

The statistics (min, max, mean, std) are a part of the model: they are
computed on the training split only (``fit_min_max``, ``fit_z_score``) and
then applied unchanged to the test split and to every new example. Recomputed
on the test set they would move the test data differently from the data the
network was trained on, and make one example's input depend on which other
examples happen to be in the batch.

``skewed_regression_data`` makes the demonstration of the chapter: a
log-normal "income" feature with a few outliers, and ``train_linear_unit``
trains a linear unit on it with the engine (squared error, SGD).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._validate import as_float_array, as_generator, as_matrix, check_positive, check_positive_int
from ..nn.layers import Dense
from ..nn.model import Sequential, TrainingDivergedError
from ..nn.optimizers import SGD

__all__ = ["fit_min_max", "min_max_scale", "clip_features", "log_scale", "fit_z_score", "z_score",
           "robust_inlier_mask", "skewness", "skewed_regression_data", "split_train_test", "LinearUnitFit",
           "train_linear_unit"]


def _matrix(x, name="x"):
    x = as_float_array(x, name)
    if x.ndim == 1:
        raise ValueError(f"{name} must be a batch of shape (N, D) (one column per feature), got shape {x.shape};"
                         " for a single feature use x.reshape(-1, 1).")
    return as_matrix(x, name)


def fit_min_max(x_train):
    """(low, high): each feature's minimum and maximum on the training split, each of shape (D,)."""
    x_train = _matrix(x_train, "x_train")
    return x_train.min(axis=0), x_train.max(axis=0)


def min_max_scale(x, low, high):
    """(x - low) / (high - low) per feature; x : (N, D), low, high : (D,) from ``fit_min_max``.

    A feature with high == low (constant on the training split) is an
    error: its range is 0 and the division is undefined.
    """
    x = _matrix(x)
    low, high = as_float_array(low, "low"), as_float_array(high, "high")
    if low.shape != (x.shape[1],) or high.shape != (x.shape[1],):
        raise ValueError(f"low and high must have one value per feature, shape ({x.shape[1]},); got {low.shape}"
                         f" and {high.shape}.")
    span = high - low
    if np.any(span <= 0):
        raise ValueError(f"high must exceed low for every feature; features {np.flatnonzero(span <= 0).tolist()}"
                         " have a range <= 0 (constant on the training split?).")
    return (x - low) / span


def clip_features(x, low, high):
    """Hard capping: every value below ``low`` becomes ``low``, above ``high`` becomes ``high`` (scalars or (D,))."""
    x = as_float_array(x, "x")
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    if np.any(low > high):
        raise ValueError(f"clip_features needs low <= high, got low={low} and high={high}.")
    return np.clip(x, low, high)


def log_scale(x, offset=1.0):
    """log(x + offset), elementwise; every x + offset must be > 0.

    offset = 1 (``np.log1p``) keeps 0 at 0 for counts and amounts that may be 0.
    """
    x = as_float_array(x, "x")
    offset = float(offset)
    if np.any(x + offset <= 0):
        raise ValueError(f"log_scale needs x + offset > 0 everywhere (offset={offset}); the smallest x is"
                         f" {x.min():g}. Shift the feature or choose a larger offset.")
    return np.log(x + offset)


def fit_z_score(x_train):
    """(mean, std): each feature's mean and standard deviation (ddof=0) on the training split, each (D,)."""
    x_train = _matrix(x_train, "x_train")
    return x_train.mean(axis=0), x_train.std(axis=0)


def z_score(x, mean, std):
    """(x - mean) / std per feature; x : (N, D), mean, std : (D,) from ``fit_z_score``; std must be > 0."""
    x = _matrix(x)
    mean, std = as_float_array(mean, "mean"), as_float_array(std, "std")
    if mean.shape != (x.shape[1],) or std.shape != (x.shape[1],):
        raise ValueError(f"mean and std must have one value per feature, shape ({x.shape[1]},); got {mean.shape}"
                         f" and {std.shape}.")
    if np.any(std <= 0):
        raise ValueError(f"std must be > 0 for every feature; features {np.flatnonzero(std <= 0).tolist()} have"
                         " std 0 (constant on the training split).")
    return (x - mean) / std


def robust_inlier_mask(x, k=5.0):
    """Rows of x whose every feature lies within k robust standard deviations of the feature's median.

    The robust standard deviation is 1.4826 x the median absolute deviation
    (equal to the std for normal data). The mean and std are not used: an
    outlier inflates them, and so hides itself. x : (N, D); returns a
    boolean array (N,), True for the rows to keep. Fit it on the training
    split; the test split is never filtered by its own statistics.
    """
    x = _matrix(x)
    k = check_positive(k, "k")
    median = np.median(x, axis=0)
    spread = 1.4826 * np.median(np.abs(x - median), axis=0)
    spread = np.where(spread > 0, spread, np.inf)
    return np.all(np.abs(x - median) <= k * spread, axis=1)


def skewness(x):
    """Sample skewness E[(x - mean)^3] / std^3 of each column of x (N, D), or of a vector: 0 when symmetric."""
    x = as_float_array(x, "x")
    centred = x - x.mean(axis=0)
    return np.mean(centred ** 3, axis=0) / np.std(x, axis=0) ** 3


#: Standard deviation of the noise in ``skewed_regression_data``'s target: its square is the lowest mean squared
#: error any fit can reach on fresh data.
NOISE_STD = 0.2


def skewed_regression_data(n=400, n_outliers=4, seed=0):
    """A regression task with a skewed feature, as (x (n, 2), y (n,)).

    Feature 0, "rooms", is uniform on 1..8; feature 1, "income", is
    log-normal (median 400, a factor e^0.8 spread), so most values are a few
    hundred and a few are thousands; ``n_outliers`` rows get an income
    100 times larger (a data-entry error in the wrong unit). The target
    depends on the order of magnitude of the income, not on its value:
    y = 0.3 rooms + log(income / 400) + noise (std 0.2), computed from the
    true income, so the outliers' targets are ordinary.
    """
    n = check_positive_int(n, "n")
    rng = as_generator(seed, "seed")
    rooms = rng.integers(1, 9, n).astype(float)
    income = 400.0 * np.exp(0.8 * rng.standard_normal(n))
    y = 0.3 * rooms + np.log(income / 400.0) + NOISE_STD * rng.standard_normal(n)
    recorded = income.copy()
    if n_outliers:
        recorded[rng.choice(n, size=n_outliers, replace=False)] *= 100.0
    return np.column_stack([rooms, recorded]), y


def split_train_test(x, y, test_fraction=0.25, seed=0):
    """(x_train, y_train, x_test, y_test): a random split, ``test_fraction`` of the rows in the test set."""
    x, y = np.asarray(x), np.asarray(y)
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x has {x.shape[0]} rows but y has {y.shape[0]}.")
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must lie in (0, 1), got {test_fraction}.")
    order = as_generator(seed, "seed").permutation(x.shape[0])
    n_test = max(1, int(round(test_fraction * x.shape[0])))
    test, train = order[:n_test], order[n_test:]
    return x[train], y[train], x[test], y[test]


@dataclass
class LinearUnitFit:
    """What ``train_linear_unit`` returns.

    diverged : bool; error : str or None (the engine's message);
    train_mse, test_mse : float, mean squared error (nan when diverged);
    weights : ndarray (D,) or None.
    """

    diverged: bool
    error: str | None
    train_mse: float
    test_mse: float
    weights: np.ndarray | None


def train_linear_unit(x_train, y_train, x_test, y_test, eta=0.1, epochs=20, batch_size=16, seed=0):
    """Fit yhat = x w + b by SGD on the squared error (the engine's Sequential([Dense(1)])).

    Parameters
    ----------
    x_train : (N, D); y_train : (N,); x_test : (M, D); y_test : (M,)
    eta : float
        The same learning rate for every scaling compared.
    epochs, batch_size, seed : training settings (seed: weights and batch order)
    """
    x_train, x_test = _matrix(x_train, "x_train"), _matrix(x_test, "x_test")
    model = Sequential([Dense(1)], seed=seed)
    model.compile(loss="mean_squared_error", optimizer=SGD(eta=check_positive(eta, "eta")))
    try:
        model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, seed=seed)
    except TrainingDivergedError as error:
        return LinearUnitFit(True, str(error), math.nan, math.nan, None)
    mse = [float(np.mean((model.predict(x)[:, 0] - y) ** 2)) for x, y in ((x_train, y_train), (x_test, y_test))]
    return LinearUnitFit(False, None, mse[0], mse[1], model.layers[0].params["W"][:, 0].copy())
