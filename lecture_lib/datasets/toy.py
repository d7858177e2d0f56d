"""Small synthetic data sets made on the fly (deterministic given a seed).

Every function returns ``(x, y)`` with ``x`` of shape ``(N, 2)`` (float64)
and ``y`` of shape ``(N,)`` (int64 labels 0/1).
"""
from __future__ import annotations

import numpy as np

from .._validate import as_generator, check_choice, check_int_at_least, check_positive

__all__ = ["GATE_TRUTH_TABLES", "logic_gate_data", "linearly_separable_blobs"]

# The four input pairs in the order of a truth table: 00, 01, 10, 11.
_GATE_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)

GATE_TRUTH_TABLES: dict[str, tuple[int, int, int, int]] = {
    "AND": (0, 0, 0, 1),
    "OR": (0, 1, 1, 1),
    "NAND": (1, 1, 1, 0),
    "NOR": (1, 0, 0, 0),
    "XOR": (0, 1, 1, 0),
}


def logic_gate_data(gate: str):
    """The truth table of a two-input logic gate as a data set.

    Parameters
    ----------
    gate : {'AND', 'OR', 'NAND', 'NOR', 'XOR'}

    Returns
    -------
    x : ndarray, shape (4, 2)
        The inputs 00, 01, 10, 11.
    y : ndarray of int64, shape (4,)
        The gate's output for each row.
    """
    check_choice(gate, "gate", GATE_TRUTH_TABLES)
    return _GATE_INPUTS.copy(), np.array(GATE_TRUTH_TABLES[gate], dtype=np.int64)


def linearly_separable_blobs(n_samples=40, margin=0.5, seed=0):
    """Two clouds of points on either side of a random line, with a gap between them.

    Points are drawn uniformly in the square [-3, 3]² around the origin; the
    ones closer than ``margin`` to the separating line are dropped and
    redrawn, so the data is linearly separable with at least that margin
    (the perceptron rule is then guaranteed to converge).

    Parameters
    ----------
    n_samples : int, >= 2
    margin : float, >= 0
        Half-width of the empty band around the true line.
    seed : int
        Seed of the ``numpy.random.default_rng`` used.

    Returns
    -------
    x : ndarray, shape (n_samples, 2)
    y : ndarray of int64, shape (n_samples,)
        1 on the side the true normal vector points to, else 0.
    """
    n_samples = check_int_at_least(n_samples, "n_samples", 2)
    margin = check_positive(margin, "margin", allow_zero=True)
    if margin > 2.0:
        raise ValueError(f"margin must be <= 2 to leave room for points in [-3, 3]², got {margin}.")
    rng = as_generator(seed, "seed")
    angle = rng.uniform(0, 2 * np.pi)
    normal = np.array([np.cos(angle), np.sin(angle)])
    offset = rng.uniform(-0.5, 0.5)
    points = np.empty((0, 2))
    while len(points) < n_samples:
        candidates = rng.uniform(-3, 3, size=(2 * n_samples, 2))
        keep = np.abs(candidates @ normal + offset) >= margin
        points = np.vstack([points, candidates[keep]])
    x = points[:n_samples]
    y = (x @ normal + offset >= 0).astype(np.int64)
    # Both classes must appear, or there is nothing to separate: mirror one
    # point across the line (its distance to the line, hence the margin, is kept).
    if y.min() == y.max():
        x[0] = x[0] - 2 * (x[0] @ normal + offset) * normal
        y[0] = 1 - y[0]
    return x, y
