"""Chapter 01: the McCulloch–Pitts threshold unit and logic gates.

A unit computes the weighted sum of its inputs and passes it through an
activation function:

    h = Σ_i w_i x_i + b        (the slides fold b in as w_0 with x_0 = 1)
    g = f(h),  f(h) = 1 if h >= 0 else 0

The unit functions (``weighted_sum``, ``threshold_unit``) take a batch ``x``
of shape ``(N, D)`` and return one value per example, shape ``(N,)``.
"""
from __future__ import annotations

import numpy as np

from .._validate import as_matrix, as_scalar, as_vector, check_choice

__all__ = [
    "weighted_sum",
    "threshold",
    "threshold_unit",
    "add_bias_column",
    "LOGIC_GATE_WEIGHTS",
    "logic_gate_unit",
]


def weighted_sum(x, w, b=0.0) -> np.ndarray:
    """Weighted sum ``h = x @ w + b`` of every example.

    Parameters
    ----------
    x : ndarray, shape (N, D)
        N examples with D inputs each.
    w : ndarray, shape (D,)
        One weight per input.
    b : float
        Bias (the slides' w_0, multiplied by the constant input x_0 = 1).

    Returns
    -------
    h : ndarray, shape (N,)
    """
    x = as_matrix(x, "x")
    w = as_vector(w, "w", length=x.shape[1])
    return x @ w + as_scalar(b, "b")


def threshold(h) -> np.ndarray:
    """Threshold (step) activation of the slides: ``f(h) = 1 if h >= 0 else 0``.

    Parameters
    ----------
    h : array_like, any shape
        Weighted sums.

    Returns
    -------
    g : ndarray of int64, same shape as ``h``, values 0 or 1

    Notes
    -----
    The boundary case h = 0 gives 1 (the slides write f(h) = 1 for h ≥ 0).
    """
    h = np.asarray(h)
    if h.dtype == object or h.dtype.kind not in "biuf":
        raise TypeError(f"h must contain real numbers, got dtype {h.dtype}.")
    if h.dtype.kind == "f" and np.isnan(h).any():
        raise ValueError("h contains NaN; the threshold of NaN is undefined.")
    return (h >= 0).astype(np.int64)


def threshold_unit(x, w, b=0.0) -> np.ndarray:
    """Output of a McCulloch–Pitts unit: ``f(x @ w + b)`` with the threshold f.

    Parameters
    ----------
    x : ndarray, shape (N, D)
    w : ndarray, shape (D,)
    b : float

    Returns
    -------
    g : ndarray of int64, shape (N,), values 0 or 1
    """
    return threshold(weighted_sum(x, w, b))


def add_bias_column(x) -> np.ndarray:
    """Prepend the constant input x_0 = 1, so that ``b`` becomes the weight w_0.

    Parameters
    ----------
    x : ndarray, shape (N, D)

    Returns
    -------
    x_augmented : ndarray, shape (N, D + 1), first column all ones (a new array)
    """
    x = as_matrix(x, "x")
    return np.hstack([np.ones((x.shape[0], 1), dtype=x.dtype), x])


# Hand-chosen weights (w, b) that make a single threshold unit compute each
# gate on inputs in {0, 1}. Any weights on the same side of the four points
# work; these put the line halfway between the classes so the margin is clear.
LOGIC_GATE_WEIGHTS: dict[str, tuple[tuple[float, ...], float]] = {
    "AND": ((1.0, 1.0), -1.5),
    "OR": ((1.0, 1.0), -0.5),
    "NAND": ((-1.0, -1.0), 1.5),
    "NOR": ((-1.0, -1.0), 0.5),
    "NOT": ((-1.0,), 0.5),
}


def logic_gate_unit(gate: str):
    """Return ``(w, b)`` of a threshold unit computing ``gate``.

    Parameters
    ----------
    gate : {'AND', 'OR', 'NAND', 'NOR', 'NOT'}
        'XOR' is refused on purpose: no single threshold unit computes it
        (chapter 01 shows why).

    Returns
    -------
    w : ndarray, shape (2,) (shape (1,) for 'NOT')
    b : float
    """
    if gate == "XOR":
        raise ValueError(
            "No single threshold unit computes XOR: its classes are not linearly "
            "separable. Chapter 03 builds it from two layers of units."
        )
    check_choice(gate, "gate", LOGIC_GATE_WEIGHTS)
    w, b = LOGIC_GATE_WEIGHTS[gate]
    return np.array(w), float(b)
