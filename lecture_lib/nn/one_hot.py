"""Small helpers shared by the network engine and the data sets.

* ``to_one_hot``: integer class labels ``(N,)`` -> one-hot targets ``(N, C)``.
* ``from_one_hot``: the inverse (argmax over the last axis).
"""
from __future__ import annotations

import numpy as np

from .._validate import check_positive_int, resolve_dtype

__all__ = ["to_one_hot", "from_one_hot"]


def to_one_hot(labels, n_classes: int | None = None, dtype="float64") -> np.ndarray:
    """Turn integer class labels into one-hot target rows.

    Parameters
    ----------
    labels : array_like of int, shape (N,)
        Class indices 0, 1, ..., C-1.
    n_classes : int, optional
        C, the number of classes. Default: ``labels.max() + 1``. Give it
        explicitly when a batch may miss the last classes.
    dtype : {'float64', 'float32'}
        dtype of the result.

    Returns
    -------
    y : ndarray, shape (N, C)
        ``y[n, labels[n]] = 1``, every other entry 0.

    Examples
    --------
    >>> to_one_hot([0, 2, 1])
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]])
    """
    dtype = resolve_dtype(dtype)
    labels = np.asarray(labels)
    if labels.dtype == object or labels.dtype.kind not in "biuf":
        raise TypeError(f"labels must be integer class indices, got dtype {labels.dtype}.")
    if labels.ndim != 1:
        raise ValueError(f"labels must be a 1-D array of shape (N,), got shape {labels.shape}.")
    if labels.size and not np.array_equal(labels, np.round(labels)):
        raise ValueError("labels must be whole numbers (class indices 0, 1, ..., C-1).")
    labels = labels.astype(np.int64)
    if labels.size and labels.min() < 0:
        raise ValueError(f"labels must be >= 0, got the value {labels.min()}.")
    if n_classes is None:
        n_classes = int(labels.max()) + 1 if labels.size else 0
    n_classes = check_positive_int(n_classes, "n_classes")
    if labels.size and labels.max() >= n_classes:
        raise ValueError(
            f"labels contain the class {labels.max()}, but n_classes={n_classes} "
            f"allows only 0..{n_classes - 1}."
        )
    y = np.zeros((labels.shape[0], int(n_classes)), dtype=dtype)
    y[np.arange(labels.shape[0]), labels] = 1
    return y


def from_one_hot(y) -> np.ndarray:
    """Return the class index of each one-hot (or probability) row.

    Parameters
    ----------
    y : array_like, shape (N, C)

    Returns
    -------
    labels : ndarray of int64, shape (N,)
    """
    y = np.asarray(y)
    if y.ndim != 2:
        raise ValueError(f"y must be a 2-D array of shape (N, C), got shape {y.shape}.")
    return np.argmax(y, axis=1).astype(np.int64)
