"""The four 2-D data sets of the playground (after playground.tensorflow.org).

Every generator returns ``(x, y)`` with ``x`` of shape ``(N, 2)`` (float64,
inside about [-1.5, 1.5]²) and ``y`` of shape ``(N,)`` (int64 labels 0/1),
in a random order, reproducible from ``seed``. ``noise`` (from 0 to 0.5,
the playground's 0–50 %) blurs the classes:

* ``'circle'``: class 1 inside radius 0.5, class 0 on the ring between
  radii 0.7 and 1; noise shifts every point by up to ``noise`` in x1 and x2.
* ``'xor'``: uniform points in [-1, 1]², class 1 where x1 x2 >= 0 (the
  first and third quadrants); noise shifts the points as for the circle.
* ``'gaussian'``: two round Gaussian clusters around (0.5, 0.5) (class 1)
  and (-0.5, -0.5) (class 0); noise widens them (points clipped to
  [-1.5, 1.5]²).
* ``'spiral'``: two interleaved spiral arms, one per class; noise shifts
  the points.

Labels come from the clean geometry before the noise is added, so with
noise some points land on the other class's side, as in the playground.
"""
from __future__ import annotations

import numpy as np

from .._validate import as_binary_labels, as_matrix, as_scalar, check_choice, check_int_at_least, check_probability

__all__ = ["PLAYGROUND_DATASETS", "make_circle", "make_xor", "make_gaussian", "make_spiral",
           "make_playground_data", "train_test_split"]

#: Largest accepted noise level (the playground's slider goes to 50 %).
MAX_NOISE = 0.5


def _check_args(n_samples, noise, seed):
    n_samples = check_int_at_least(n_samples, "n_samples", 4)
    noise = as_scalar(noise, "noise")
    if not 0.0 <= noise <= MAX_NOISE:
        raise ValueError(f"noise must lie in [0, {MAX_NOISE}], got {noise}.")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer, got {seed!r}.")
    return n_samples, noise, np.random.default_rng(int(seed))


def _finish(x, y, rng, shift=0.0):
    """Add uniform noise in [-shift, shift] to each coordinate and shuffle the rows.

    The noise is drawn even for shift = 0, so that one seed gives the same
    clean points and the same order at every noise level.
    """
    x = x + shift * rng.uniform(-1.0, 1.0, size=x.shape)
    order = rng.permutation(len(y))
    return x[order], y[order].astype(np.int64)


def make_circle(n_samples=200, noise=0.0, seed=0):
    """A disc of class 1 inside a ring of class 0.

    Parameters
    ----------
    n_samples : int >= 4
        Half of them (rounded down) in each class.
    noise : float in [0, 0.5]
    seed : int

    Returns
    -------
    x : ndarray, shape (n_samples, 2)
    y : ndarray of int64, shape (n_samples,)
    """
    n, noise, rng = _check_args(n_samples, noise, seed)
    n_in = n // 2
    radius = np.concatenate([rng.uniform(0.0, 0.5, n_in), rng.uniform(0.7, 1.0, n - n_in)])
    angle = rng.uniform(0, 2 * np.pi, n)
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    y = np.concatenate([np.ones(n_in), np.zeros(n - n_in)])
    return _finish(x, y, rng, shift=noise)


def make_xor(n_samples=200, noise=0.0, seed=0):
    """Points in the four quadrants; class 1 where x1 and x2 have the same sign.

    Points closer than 0.05 to an axis are pushed out, so at noise 0 the
    classes have a visible gap. Parameters and returns as ``make_circle``.
    """
    n, noise, rng = _check_args(n_samples, noise, seed)
    x = rng.uniform(-1.0, 1.0, size=(n, 2))
    x += np.where(x >= 0, 0.05, -0.05)
    y = (x[:, 0] * x[:, 1] >= 0).astype(float)
    return _finish(x, y, rng, shift=noise)


def make_gaussian(n_samples=200, noise=0.0, seed=0):
    """Two Gaussian clusters, class 1 around (0.5, 0.5), class 0 around (-0.5, -0.5).

    The standard deviation of each coordinate is 0.15 + noise, so the
    clusters overlap more and more as the noise grows; points are clipped
    to [-1.5, 1.5]² so all stay in view. Parameters and returns as
    ``make_circle``.
    """
    n, noise, rng = _check_args(n_samples, noise, seed)
    n_pos = n // 2
    centres = np.concatenate([np.full((n_pos, 2), 0.5), np.full((n - n_pos, 2), -0.5)])
    x = np.clip(centres + rng.normal(0.0, 0.15 + noise, size=(n, 2)), -1.5, 1.5)
    y = np.concatenate([np.ones(n_pos), np.zeros(n - n_pos)])
    return _finish(x, y, rng)


def make_spiral(n_samples=200, noise=0.0, seed=0):
    """Two spiral arms winding 1.75 turns out of the origin, one per class.

    Arm k (k = 0, 1) has the points r (sin t, cos t) with r from 0 to 1 and
    t = 1.75 * 2 pi r + k pi. Parameters and returns as ``make_circle``.
    """
    n, noise, rng = _check_args(n_samples, noise, seed)
    n_pos = n // 2
    parts = []
    for label, count in ((1, n_pos), (0, n - n_pos)):
        r = np.arange(count) / count
        t = 1.75 * 2 * np.pi * r + label * np.pi
        parts.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1))
    y = np.concatenate([np.ones(n_pos), np.zeros(n - n_pos)])
    return _finish(np.concatenate(parts), y, rng, shift=noise)


_GENERATORS = {"circle": make_circle, "xor": make_xor, "gaussian": make_gaussian, "spiral": make_spiral}

#: The data set names, in the order of the playground's menu.
PLAYGROUND_DATASETS = tuple(_GENERATORS)


def make_playground_data(name, n_samples=200, noise=0.0, seed=0):
    """One of the playground data sets by name.

    Parameters
    ----------
    name : {'circle', 'xor', 'gaussian', 'spiral'}
    n_samples : int >= 4
    noise : float in [0, 0.5]
    seed : int

    Returns
    -------
    x : ndarray, shape (n_samples, 2)
    y : ndarray of int64, shape (n_samples,)
    """
    check_choice(name, "data set", _GENERATORS)
    return _GENERATORS[name](n_samples=n_samples, noise=noise, seed=seed)


def train_test_split(x, y, train_fraction=0.5, seed=0):
    """Split a data set at random into a training part and a test part.

    Parameters
    ----------
    x : ndarray, shape (N, D)
    y : ndarray, shape (N,), labels 0/1
    train_fraction : float in (0, 1)
        Share of the examples used for training (rounded, at least one
        example on each side).
    seed : int

    Returns
    -------
    x_train : ndarray, shape (N_train, D)
    y_train : ndarray, shape (N_train,)
    x_test : ndarray, shape (N - N_train, D)
    y_test : ndarray, shape (N - N_train,)
    """
    x = as_matrix(x, "x")
    y = as_binary_labels(y, "y", n_rows=x.shape[0])
    fraction = check_probability(train_fraction, "train_fraction")
    if not 0.0 < fraction < 1.0 or x.shape[0] < 2:
        raise ValueError(f"train_fraction must lie strictly between 0 and 1 and x hold >= 2 examples; "
                         f"got train_fraction={fraction} and {x.shape[0]} example(s).")
    n_train = min(max(int(round(fraction * x.shape[0])), 1), x.shape[0] - 1)
    order = np.random.default_rng(seed).permutation(x.shape[0])
    train, test = order[:n_train], order[n_train:]
    return x[train], y[train], x[test], y[test]
