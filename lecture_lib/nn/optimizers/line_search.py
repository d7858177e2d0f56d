"""A line search satisfying the strong Wolfe conditions (Nocedal & Wright, Algorithms 3.5 and 3.6).

Along a descent direction d from w, with φ(α) = E(w + α d) and
φ'(α) = ∇E(w + α d)·d, find α > 0 with

* sufficient decrease (Armijo): φ(α) <= φ(0) + c₁ α φ'(0);
* curvature (strong):           |φ'(α)| <= c₂ |φ'(0)|,

0 < c₁ < c₂ < 1 (1e-4 and 0.9 for quasi-Newton methods). The strong
curvature condition keeps α near a stationary point of φ and guarantees
sᵀy > 0, which keeps L-BFGS's inverse-Hessian estimate positive definite.
"""
from __future__ import annotations

import math

__all__ = ["strong_wolfe"]


def _cubic_minimiser(a, fa, da, b, fb, db):
    """Minimiser of the cubic through (a, fa, da), (b, fb, db); None when it has none (N&W eq. 3.59)."""
    d1 = da + db - 3 * (fa - fb) / (a - b)
    radicand = d1 * d1 - da * db
    if radicand < 0 or not math.isfinite(radicand):
        return None
    d2 = math.copysign(math.sqrt(radicand), b - a)
    denominator = db - da + 2 * d2
    if denominator == 0:
        return None
    return b - (b - a) * (db + d2 - d1) / denominator


def strong_wolfe(phi, phi0, dphi0, alpha=1.0, c1=1e-4, c2=0.9, max_evals=25, alpha_max=1e10):
    """Return (α, value, extra) with α satisfying the strong Wolfe conditions, or None.

    Parameters
    ----------
    phi : callable
        ``phi(alpha) -> (φ(α), φ'(α), extra)``; ``extra`` is passed back for
        the accepted α (the gradient there, so that it is not recomputed).
    phi0, dphi0 : float
        φ(0) and φ'(0) < 0 (d must be a descent direction).
    alpha : float > 0
        First trial step (1 for quasi-Newton directions).
    c1, c2 : float, 0 < c1 < c2 < 1
    max_evals : int
        Evaluations of phi allowed.
    alpha_max : float
        Largest step tried while extrapolating (doubling).

    Returns
    -------
    (alpha, phi_alpha, extra), or None when no acceptable step was found
    within ``max_evals`` evaluations (the caller then stops).

    A non-finite φ(α) (overflow far along d) counts as a failed
    sufficient-decrease test: the step is shortened.
    """
    if not dphi0 < 0:
        raise ValueError(f"the search direction must descend (φ'(0) < 0), got φ'(0) = {dphi0}.")
    evals = 0
    prev = (0.0, phi0, dphi0, None)
    while evals < max_evals:
        value, slope, extra = phi(alpha)
        evals += 1
        current = (alpha, value, slope, extra)
        if not math.isfinite(value) or not math.isfinite(slope):
            return _zoom(phi, prev, (alpha, math.inf, math.nan, None), phi0, dphi0, c1, c2, max_evals - evals)
        if value > phi0 + c1 * alpha * dphi0 or (evals > 1 and value >= prev[1]):
            return _zoom(phi, prev, current, phi0, dphi0, c1, c2, max_evals - evals)
        if abs(slope) <= -c2 * dphi0:
            return alpha, value, extra
        if slope >= 0:  # past a minimum of φ: it lies between this α and the previous one
            return _zoom(phi, current, prev, phi0, dphi0, c1, c2, max_evals - evals)
        if alpha >= alpha_max:
            return None
        prev, alpha = current, min(2 * alpha, alpha_max)
    return None


def _zoom(phi, lo, hi, phi0, dphi0, c1, c2, evals_left):
    """Shrink [lo, hi] (either order) until a point satisfies both conditions (N&W Algorithm 3.6).

    ``lo`` is the end with the lower φ that satisfies sufficient decrease;
    each is (α, φ, φ', extra).
    """
    while evals_left > 0:
        a, b = lo[0], hi[0]
        width = abs(b - a)
        if width < 1e-16 * max(1.0, abs(a)):
            break
        trial = None
        if math.isfinite(hi[1]) and math.isfinite(hi[2]):
            trial = _cubic_minimiser(lo[0], lo[1], lo[2], hi[0], hi[1], hi[2])
        low_end, high_end = min(a, b), max(a, b)
        margin = 0.1 * width  # keep the trial inside the interval, away from its ends
        if trial is None or not low_end + margin <= trial <= high_end - margin:
            trial = (a + b) / 2  # bisection as the safeguard
        value, slope, extra = phi(trial)
        evals_left -= 1
        current = (trial, value, slope, extra)
        if not math.isfinite(value) or value > phi0 + c1 * trial * dphi0 or value >= lo[1]:
            hi = current if math.isfinite(value) else (trial, math.inf, math.nan, None)
            continue
        if abs(slope) <= -c2 * dphi0:
            return trial, value, extra
        if slope * (hi[0] - lo[0]) >= 0:
            hi = lo
        lo = current
    # Out of evaluations: the best point with sufficient decrease, if any was found.
    if lo[3] is not None:
        return lo[0], lo[1], lo[3]
    return None
