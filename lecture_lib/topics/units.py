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

from dataclasses import dataclass

from .._validate import as_binary_labels, as_matrix, as_scalar, as_vector, check_choice
from ..datasets import GATE_TRUTH_TABLES, logic_gate_data

__all__ = [
    "weighted_sum",
    "threshold",
    "threshold_unit",
    "add_bias_column",
    "LOGIC_GATE_WEIGHTS",
    "logic_gate_unit",
    "BiasInterval",
    "bias_interval",
    "TWO_INPUT_FUNCTIONS",
    "gate_computed",
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


@dataclass(frozen=True)
class BiasInterval:
    """The biases b with ``low <= b < high`` (``low`` included, ``high`` excluded: f(0) = 1).

    ``empty`` when no bias works (``low >= high``); ``low = -inf`` or
    ``high = inf`` when one side is unbounded.
    """

    low: float
    high: float

    @property
    def empty(self) -> bool:
        return not self.low < self.high

    def __contains__(self, b) -> bool:
        return bool(self.low <= b < self.high)

    def __str__(self) -> str:
        if self.empty:
            return "no bias works"
        left = "" if np.isinf(self.low) else f"{self.low:g} <= "
        right = "" if np.isinf(self.high) else f" < {self.high:g}"
        return f"{left}b{right}" if left or right else "every b"


def bias_interval(x, y, w) -> BiasInterval:
    """The biases b for which the threshold unit ``f(x @ w + b)`` outputs exactly the labels ``y``.

    Each example gives one inequality on b, because f(h) = 1 exactly when
    h >= 0: an example with label 1 needs ``x_n·w + b >= 0``, i.e.
    ``b >= -x_n·w``; an example with label 0 needs ``b < -x_n·w``. The
    biases that satisfy all of them form the interval
    ``max over label-1 examples of -x_n·w  <=  b  <  min over label-0 examples of -x_n·w``.

    Parameters
    ----------
    x : ndarray, shape (N, D)
    y : ndarray of 0/1, shape (N,)
    w : ndarray, shape (D,)

    Returns
    -------
    BiasInterval
        Empty when no bias works with these weights (e.g. XOR, for every w).
    """
    x = as_matrix(x, "x")
    y = as_binary_labels(y, "y", n_rows=x.shape[0])
    w = as_vector(w, "w", length=x.shape[1])
    needed = -(x @ w) + 0.0                 # the bias at which h_n is exactly 0 (+ 0.0: no -0)
    low = float(needed[y == 1].max()) if np.any(y == 1) else -np.inf
    high = float(needed[y == 0].min()) if np.any(y == 0) else np.inf
    return BiasInterval(low, high)


#: Names of the 16 Boolean functions of two inputs, by their outputs on the inputs 00, 01, 10, 11
#: (x = (x1, x2)). A single threshold unit computes all of them except XOR and XNOR.
TWO_INPUT_FUNCTIONS: dict[tuple[int, int, int, int], str] = {
    **{table: name for name, table in GATE_TRUTH_TABLES.items()},
    (1, 0, 0, 1): "XNOR",
    (0, 0, 0, 0): "always 0",
    (1, 1, 1, 1): "always 1",
    (0, 0, 1, 1): "x1",
    (0, 1, 0, 1): "x2",
    (1, 1, 0, 0): "NOT x1",
    (1, 0, 1, 0): "NOT x2",
    (0, 0, 1, 0): "x1 AND NOT x2",
    (0, 1, 0, 0): "x2 AND NOT x1",
    (1, 0, 1, 1): "x1 OR NOT x2",
    (1, 1, 0, 1): "x2 OR NOT x1",
}


def gate_computed(w, b) -> str:
    """The name of the logic function a two-input threshold unit computes on inputs in {0, 1}.

    Evaluates the unit on the four inputs 00, 01, 10, 11 and looks the
    outputs up in :data:`TWO_INPUT_FUNCTIONS`, so a figure or a widget can
    say which gate its current weights compute instead of assuming it.

    Parameters
    ----------
    w : ndarray, shape (2,)
    b : float

    Returns
    -------
    str, e.g. ``"AND"``, ``"OR"``, ``"always 1"``, ``"x1 AND NOT x2"``
    """
    x, _ = logic_gate_data("AND")
    outputs = tuple(int(v) for v in threshold_unit(x, as_vector(w, "w", length=2), as_scalar(b, "b")))
    return TWO_INPUT_FUNCTIONS[outputs]
