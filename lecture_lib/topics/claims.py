"""Claims a chapter prints about its data, computed from the data, never typed.

A sentence such as "the ticket stays within 2 points of the dense network down to 11.7 % of the
weights" is a claim about a sequence, and it is easy to write one the table beside it
contradicts: a later level can come back inside the tolerance after an earlier level left it.
The functions here compute such claims so that the sentence is printed from them, never typed.

``run_within_tolerance``
    The unbroken run of a sequence, from its first element, whose values stay within a
    tolerance of a reference: where it ends, where it breaks, and whether a later value comes
    back inside (which does *not* extend the run).
``count_beyond``
    How many values (seeds) lie above (or below) a threshold: "positive in 3 of 3 seeds",
    "above chance on every seed".

Decision: "within" includes the boundary (a value exactly ``tolerance`` away is within), and
``side="below"`` (the default) only counts falling short of the reference as leaving it, because
"stays within 2 points of dense" is a statement about not being worse.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validate import as_scalar, as_vector, check_choice, check_positive

SIDES = ("below", "above", "both")


class RunWithinTolerance(NamedTuple):
    """The unbroken run of ``run_within_tolerance``.

    length : int, how many leading elements stay within (0: the first is already outside)
    last_x : the x of the run's last element (None when ``length == 0``)
    break_x : the x of the first element outside (None when the whole sequence stays within)
    break_gap : float, how far that element is from the reference (None when nothing breaks)
    re_enters : bool, True if an element after the break is within the tolerance again
    """

    length: int
    last_x: object
    break_x: object
    break_gap: object
    re_enters: bool


def _gaps(values, reference, side):
    if side == "below":
        return reference - values
    if side == "above":
        return values - reference
    return np.abs(values - reference)


def run_within_tolerance(xs, values, reference, tolerance, side="below") -> RunWithinTolerance:
    """The run of ``values`` from the first element on that stays within ``tolerance`` of ``reference``.

    Parameters
    ----------
    xs : sequence of length n
        What each value is measured at, in the order the claim reads (e.g. the fraction of
        weights left, from dense to sparse).
    values : array-like, shape (n,)
        The measured values (e.g. test accuracy at each level).
    reference : float
        The value compared with (e.g. the dense network's accuracy).
    tolerance : float >= 0
        How far a value may be from ``reference`` and still count as within (boundary included).
    side : "below" (default), "above" or "both"
        "below": only values more than ``tolerance`` *under* the reference leave the run;
        "above": only values over it; "both": either way.

    Returns
    -------
    RunWithinTolerance
        The run ends at the first value outside; a later value that is within again does not
        extend it (``re_enters`` says that it happened).
    """
    values = as_vector(values, "values")
    xs = list(xs)
    if len(xs) != len(values):
        raise ValueError(f"xs and values must have the same length, got {len(xs)} and {len(values)}.")
    if len(values) == 0:
        raise ValueError("values must hold at least one value.")
    reference = as_scalar(reference, "reference")
    tolerance = check_positive(tolerance, "tolerance", allow_zero=True)
    side = check_choice(side, "side", SIDES)
    # the boundary is within, also when float rounding puts 0.93 - 0.91 a hair above 0.02
    within = _gaps(values, reference, side) <= tolerance + 1e-12 * max(1.0, abs(reference))
    outside = np.flatnonzero(~within)
    if len(outside) == 0:
        return RunWithinTolerance(len(values), xs[-1], None, None, False)
    first = int(outside[0])
    gap = float(abs(values[first] - reference))
    return RunWithinTolerance(first, xs[first - 1] if first > 0 else None, xs[first], gap,
                              bool(within[first + 1:].any()))


def count_beyond(values, threshold, direction="above") -> tuple:
    """``(k, n)``: how many of the n ``values`` are strictly above (or below) ``threshold``.

    ``direction``: "above" or "below". A value equal to the threshold counts for neither.
    """
    values = as_vector(values, "values")
    threshold = as_scalar(threshold, "threshold")
    direction = check_choice(direction, "direction", ("above", "below"))
    beyond = values > threshold if direction == "above" else values < threshold
    return int(beyond.sum()), len(values)
