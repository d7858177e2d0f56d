"""Comparing two settings over the same seeds: paired differences, and a sentence that says what they show."""
from __future__ import annotations

import numpy as np

__all__ = ["seed_gap", "holds_from"]


def seed_gap(a, b, digits=1):
    """How a beats b over seeds: the per-seed differences a - b summarised, and a sentence about them.

    a, b : (S,) scores of the same seeds (paired: seed s of a against seed s of b), S >= 1.
    digits : decimals in the sentence (accuracies in points: 1; small losses: more).
    Returns dict with 'mean', 'min', 'max' of a - b, 'ahead' (seeds with a > b), 'behind' (a < b), 'n' and
    'sentence', e.g. '+3.3 (from +1.2 to +5.0), ahead in 5 of 5 seeds'.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.ndim != 1 or a.shape != b.shape or a.size == 0 or not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError(f"a and b must be 1-D, finite and of the same length >= 1; got shapes {a.shape}, {b.shape}.")
    d = a - b
    ahead, behind = int(np.sum(d > 0)), int(np.sum(d < 0))
    f = f"+.{int(digits)}f"
    sentence = f"{d.mean():{f}} (from {d.min():{f}} to {d.max():{f}}), ahead in {ahead} of {d.size} seeds"
    if behind:
        sentence += f", behind in {behind}"
    return {"mean": float(d.mean()), "min": float(d.min()), "max": float(d.max()), "ahead": ahead,
            "behind": behind, "n": int(d.size), "sentence": sentence}


def holds_from(values, holds):
    """The smallest of ``values`` from which ``holds`` is true for it and every larger value (an unbroken run).

    values : increasing sequence (widths, sizes, ...); holds : booleans of the same length.
    Returns that value, or None when ``holds`` is false at the largest value. A value where it holds
    followed by one where it does not is not counted: "from H = 8 on every seed fits" must hold at every
    H >= 8 of the list.
    """
    values, holds = list(values), [bool(h) for h in holds]
    if len(values) != len(holds) or not values:
        raise ValueError(f"values and holds must have the same length >= 1; got {len(values)} and {len(holds)}.")
    if any(b <= a for a, b in zip(values, values[1:])):
        raise ValueError("values must increase.")
    start = None
    for value, ok in zip(reversed(values), reversed(holds)):
        if not ok:
            break
        start = value
    return start
