"""Preparing data the way a course must teach it: a validation split carved from the training
data, and a standardiser that survives constant features.

* ``validation_split(x, y, fraction, seed)``: model selection (early stopping, the "best epoch",
  any choice of a setting) uses the validation part; the test set is evaluated once, at the end.
  Choosing on the test set makes the test score optimistic: it is then part of the training.
* ``Standardiser``: z-scores with the mean and standard deviation of the *training* data.
  A feature that is constant in the training data (a pixel that is always 0) has standard
  deviation 0; dividing by ``std + 1e-8`` would turn a non-zero test value into ~1e8. Here such a
  feature is only centred (divided by 1), so unseen values stay on the scale of the data.
"""
from __future__ import annotations

import numpy as np

from .._validate import as_generator

__all__ = ["validation_split", "Standardiser"]


def _labels_for_strata(y):
    """Integer class labels for stratifying, from (N,) labels or (N, K) one-hot rows; None for real targets."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return y.argmax(axis=1)
    if y.ndim == 1 and np.issubdtype(y.dtype, np.integer):
        return y
    return None


def validation_split(x, y, fraction=0.2, seed=0, stratify=True):
    """Split training data into a part to fit on and a held-out validation part.

    Parameters
    ----------
    x : array, shape (N, ...)
    y : array, shape (N,) or (N, K) (one-hot rows or real targets)
    fraction : float in (0, 1)
        Share of the rows that go to the validation part (at least one row).
    seed : int or numpy Generator
        The shuffle; the same seed gives the same split.
    stratify : bool
        With class labels (integer (N,) or one-hot (N, K)), keep each class's share in both parts
        (``round(fraction * n_class)`` of each class, at least one where the class has two or more rows).

    Returns
    -------
    x_fit, y_fit, x_val, y_val : the rows to train on, and the validation rows (copies).
    """
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim == 0 or y.ndim == 0 or x.shape[0] != y.shape[0]:
        raise ValueError(f"x and y must have the same number of rows; got shapes {x.shape} and {y.shape}.")
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float, np.floating)) or not 0 < fraction < 1:
        raise ValueError(f"fraction must be a number in (0, 1), the share of rows for validation; got {fraction!r}.")
    n = x.shape[0]
    if n < 2:
        raise ValueError(f"need at least 2 rows to split off a validation part; got {n}.")
    rng = as_generator(seed, "seed")
    labels = _labels_for_strata(y) if stratify else None
    if labels is None:
        order = rng.permutation(n)
        n_val = min(n - 1, max(1, int(round(fraction * n))))
        val = order[:n_val]
    else:
        val = []
        for cls in np.unique(labels):
            rows = np.flatnonzero(labels == cls)
            rows = rows[rng.permutation(rows.size)]
            n_val = int(round(fraction * rows.size))
            if rows.size >= 2:
                n_val = min(rows.size - 1, max(1, n_val))
            val.append(rows[:n_val])
        val = np.concatenate(val)
        if val.size == 0:
            raise ValueError("no class has enough rows for a validation part; lower stratify or add data.")
    mask = np.zeros(n, dtype=bool)
    mask[val] = True
    fit_rows, val_rows = np.flatnonzero(~mask), np.flatnonzero(mask)
    return x[fit_rows].copy(), y[fit_rows].copy(), x[val_rows].copy(), y[val_rows].copy()


class Standardiser:
    """z-scores per feature, fitted on training data: ``(x - mean) / scale``.

    ``scale`` is the training standard deviation, except for features whose standard deviation is
    at most ``tol`` times the largest one (constant in the training data): their scale is 1, so they
    are only centred. Without this guard a test value of a pixel that was always 0 in training is
    divided by ~1e-8.

    Examples
    --------
    >>> s = Standardiser().fit(x_train)          # x_train: (N, D)
    >>> x_train_z, x_test_z = s.transform(x_train), s.transform(x_test)
    """

    def __init__(self, tol=1e-12):
        if not (isinstance(tol, (int, float)) and tol >= 0):
            raise ValueError(f"tol must be a number >= 0; got {tol!r}.")
        self.tol = float(tol)
        self.mean_ = None
        self.scale_ = None
        self.constant_ = None

    def fit(self, x):
        """Learn mean and scale from x, shape (N, D) with N >= 1; returns self."""
        x = self._as_matrix(x, "fit")
        self.mean_ = x.mean(axis=0)
        std = x.std(axis=0)
        largest = std.max() if std.size else 0.0
        self.constant_ = std <= self.tol * max(largest, 1.0)
        self.scale_ = np.where(self.constant_, 1.0, std)
        return self

    def transform(self, x):
        """(x - mean) / scale with the fitted statistics; x of shape (M, D)."""
        if self.mean_ is None:
            raise RuntimeError("call fit(x_train) before transform(x).")
        x = self._as_matrix(x, "transform")
        if x.shape[1] != self.mean_.shape[0]:
            raise ValueError(f"x has {x.shape[1]} features; the standardiser was fitted on {self.mean_.shape[0]}.")
        return (x - self.mean_) / self.scale_

    def fit_transform(self, x):
        return self.fit(x).transform(x)

    @staticmethod
    def _as_matrix(x, what):
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[0] == 0 or not np.issubdtype(x.dtype, np.number) or np.iscomplexobj(x):
            raise ValueError(f"{what} expects a real array of shape (N, D) with N >= 1; got dtype {x.dtype}, shape {x.shape}.")
        x = x.astype(np.float64) if not np.issubdtype(x.dtype, np.floating) else x
        if not np.all(np.isfinite(x)):
            raise ValueError(f"{what} got NaN or inf values; clean the data first.")
        return x
