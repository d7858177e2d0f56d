"""L-BFGS: a quasi-Newton method for full-batch training (Nocedal & Wright, Algorithms 7.4 and 7.5).

L-BFGS needs the loss as a function (its line search evaluates the loss
at several trial weights per iteration), so it cannot take one gradient
and step like SGD. Two ways to call it::

    result = LBFGS().minimize(fun_and_grad, w0)      # fun_and_grad(w) -> (E, ∇E), w : (P,)

    def closure():                                    # PyTorch style
        y_hat = model.forward(x); model.backward(y, y_hat)   # overwrites model.grads
        return model.loss.value(y, y_hat)
    LBFGS().step(model.params, model.grads, closure)

PyTorch: ``opt = torch.optim.LBFGS(params, line_search_fn='strong_wolfe');
opt.step(closure)`` where the closure zeroes the gradients, computes the
loss, calls ``loss.backward()`` and returns the loss: the same contract,
with the parameters and gradients passed to the constructor instead of to
``step``. Differences: PyTorch's default is *no* line search (a fixed step
``lr``, which can diverge) and a memory of 100 pairs; here the line search
is always the strong-Wolfe one and the memory is 10 pairs (SciPy's
``maxcor`` default). Keras has no L-BFGS (TensorFlow Probability's
``lbfgs_minimize`` is the nearest). ``Sequential.fit`` runs it full batch:
one epoch = one L-BFGS iteration on the whole training set.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..._validate import check_int_at_least, check_positive
from .base import Optimizer, _pairs
from .line_search import strong_wolfe

__all__ = ["LBFGS", "LBFGSResult"]


@dataclass
class LBFGSResult:
    """What ``LBFGS.minimize`` returns.

    Attributes
    ----------
    w : ndarray, shape (P,)
        The final weights.
    loss : float
        E(w).
    grad_norm : float
        max |∂E/∂w_i| at w (the infinity norm, as SciPy's ``gtol`` test).
    n_iter, n_evals : int
        Iterations and evaluations of fun_and_grad (including the first).
    converged : bool
        True when a tolerance was met (not when a limit was hit).
    message : str
        Why it stopped.
    losses : list of float
        E after each iteration, starting with E(w0).
    path : list of ndarray or None
        The iterates w0, w1, ... (with ``keep_path=True``; for drawing trajectories).
    """

    w: np.ndarray
    loss: float
    grad_norm: float
    n_iter: int
    n_evals: int
    converged: bool
    message: str
    losses: list = field(default_factory=list)
    path: list | None = None


class LBFGS(Optimizer):
    """Limited-memory BFGS with a strong-Wolfe line search, full batch.

    Parameters
    ----------
    history : int >= 1
        m, the number of (s, y) pairs kept (SciPy ``maxcor`` 10, PyTorch ``history_size`` 100).
    max_iter : int >= 1
        Iterations per ``step`` call (PyTorch's default is 20) and the limit of ``minimize``.
    gtol : float >= 0
        Stop when max |∂E/∂w_i| <= gtol.
    ftol : float >= 0
        Stop when (E_k - E_{k+1}) <= ftol · max(|E_k|, |E_{k+1}|, 1) (SciPy's ``ftol`` test).
    c1, c2 : float, 0 < c1 < c2 < 1
        The Wolfe constants (1e-4, 0.9).
    max_evals : int >= 1 or None
        Limit on evaluations of the loss per call (default 10 · max_iter + 1; PyTorch's
        1.25 · max_iter leaves the line search little room).

    Notes
    -----
    With g_k = ∇E(w_k) and the last m pairs s_i = w_{i+1} - w_i,
    y_i = g_{i+1} - g_i, the direction d_k = -H_k g_k is computed by the
    two-loop recursion (N&W Algorithm 7.4), with H⁰_k = γ_k I,
    γ_k = s_{k-1}ᵀy_{k-1} / y_{k-1}ᵀy_{k-1}::

        q = g;  for i = k-1 ... k-m:  a_i = ρ_i s_iᵀq,  q = q - a_i y_i     (ρ_i = 1 / y_iᵀs_i)
        r = γ q; for i = k-m ... k-1:  b = ρ_i y_iᵀr,   r = r + s_i (a_i - b)
        d = -r

    then w_{k+1} = w_k + α d_k with α from the strong-Wolfe line search
    (first trial α = 1; at the first iteration α = min(1, 1/||g||₁), a step of
    length at most 1, as PyTorch). A pair with s_iᵀy_i <= 1e-10 yᵀy is not
    stored (H would stop being positive definite). When the line search
    finds no step, the memory is cleared and steepest descent is tried
    once before stopping.

    PyTorch: ``torch.optim.LBFGS(params, history_size=m, max_iter=...,
    line_search_fn='strong_wolfe').step(closure)``; here
    ``LBFGS(history=m, max_iter=...).step(params, grads, closure)`` with the
    same closure contract (recompute the loss and the gradients, return the
    loss). SciPy: ``minimize(fun, w0, jac=True, method='L-BFGS-B')``, here
    ``LBFGS().minimize(fun_and_grad, w0)``.
    """

    needs_closure = True

    def __init__(self, history=10, max_iter=20, gtol=1e-5, ftol=2.2e-9, c1=1e-4, c2=0.9, max_evals=None):
        super().__init__(eta=1.0)
        self.history = check_int_at_least(history, "history", 1)
        self.max_iter = check_int_at_least(max_iter, "max_iter", 1)
        self.gtol = check_positive(gtol, "gtol", allow_zero=True)
        self.ftol = check_positive(ftol, "ftol", allow_zero=True)
        c1, c2 = check_positive(c1, "c1"), check_positive(c2, "c2")
        if not 0 < c1 < c2 < 1:
            raise ValueError(f"the Wolfe constants must satisfy 0 < c1 < c2 < 1, got c1={c1}, c2={c2}.")
        self.c1, self.c2 = c1, c2
        self.max_evals = None if max_evals is None else check_int_at_least(max_evals, "max_evals", 1)
        self._memory = []  # (s, y, rho) pairs, oldest first

    def __repr__(self):
        return f"LBFGS(history={self.history}, max_iter={self.max_iter}, gtol={self.gtol}, ftol={self.ftol})"

    def reset(self):
        """Forget the (s, y) pairs."""
        super().reset()
        self._memory = []

    def _apply(self, pairs):
        raise TypeError("LBFGS needs the loss as a function (its line search evaluates it several times per"
                        " iteration): call step(params, grads, closure), minimize(fun_and_grad, w0), or"
                        " Sequential.fit, which runs it full batch.")

    # --- the two-loop recursion ----------------------------------------------------------
    def direction(self, g):
        """d = -H g by the two-loop recursion over the stored pairs; g : (P,) -> d : (P,)."""
        q = np.array(g, dtype=float)
        alphas = []
        for s, y, rho in reversed(self._memory):
            a = rho * np.dot(s, q)
            q -= a * y
            alphas.append(a)
        if self._memory:
            s, y, _ = self._memory[-1]
            q *= np.dot(s, y) / np.dot(y, y)
        for (s, y, rho), a in zip(self._memory, reversed(alphas)):
            b = rho * np.dot(y, q)
            q += (a - b) * s
        return -q

    def _remember(self, s, y):
        sy = float(np.dot(s, y))
        if sy > 1e-10 * float(np.dot(y, y)):
            self._memory.append((s, y, 1.0 / sy))
            if len(self._memory) > self.history:
                self._memory.pop(0)

    # --- the functional interface ----------------------------------------------------------
    def minimize(self, fun_and_grad, w0, max_iter=None, keep_path=False):
        """Minimise E from w0; returns an ``LBFGSResult`` (w0 is not modified).

        Parameters
        ----------
        fun_and_grad : callable
            ``fun_and_grad(w) -> (E, grad)`` for w : (P,), E a float, grad : (P,).
        w0 : array_like, shape (P,)
        max_iter : int, optional
            Overrides the optimiser's ``max_iter`` for this call.
        keep_path : bool
            Keep every iterate in ``result.path`` (small problems: trajectories).

        The memory of (s, y) pairs is kept afterwards (``reset()`` clears
        it), so that repeated calls continue one run.
        """
        w = np.array(w0, dtype=float).reshape(-1)
        evals = [0]

        def evaluate(point):
            evals[0] += 1
            value, grad = fun_and_grad(point)
            grad = np.asarray(grad, dtype=float).reshape(-1)
            if grad.shape != w.shape:
                raise ValueError(f"fun_and_grad returned a gradient of shape {grad.shape}; expected {w.shape}.")
            return float(value), grad

        return self._run(evaluate, w, self.max_iter if max_iter is None else check_int_at_least(
            max_iter, "max_iter", 1), evals, [w.copy()] if keep_path else None)

    def _run(self, evaluate, w, max_iter, evals, path=None):
        max_evals = self.max_evals or 10 * max_iter + 1
        loss, g = evaluate(w)
        losses = [loss]
        if not (math.isfinite(loss) and np.isfinite(g).all()):
            return LBFGSResult(w, loss, math.nan, 0, evals[0], False, "the loss or gradient at w0 is NaN/inf", losses,
                               path)
        message, converged, n_iter = "reached max_iter", False, 0
        for n_iter in range(1, max_iter + 1):
            if np.max(np.abs(g), initial=0.0) <= self.gtol:
                n_iter -= 1
                message, converged = "gradient below gtol", True
                break
            found = None
            for attempt in ("quasi-Newton", "steepest descent"):
                d = self.direction(g)
                slope = float(np.dot(g, d))
                if not slope < 0:  # H lost positive definiteness numerically: restart
                    self._memory, d = [], -g
                    slope = float(np.dot(g, d))
                alpha = 1.0 if self._memory else min(1.0, 1.0 / max(np.sum(np.abs(g)), 1e-300))

                def phi(a, d=d):
                    value, grad = evaluate(w + a * d)
                    return value, float(np.dot(grad, d)), grad

                found = strong_wolfe(phi, loss, slope, alpha, self.c1, self.c2,
                                     max_evals=max(1, max_evals - evals[0]))
                if found is not None or not self._memory:
                    break
                self._memory = []  # a stale memory may give a poor direction: retry as steepest descent
            if found is None:
                n_iter -= 1
                message = "the line search found no step satisfying the Wolfe conditions"
                break
            alpha, new_loss, new_g = found
            s = alpha * d
            w = w + s
            self._remember(s, new_g - g)
            decrease = loss - new_loss
            loss, g = new_loss, new_g
            losses.append(loss)
            if path is not None:
                path.append(w.copy())
            self.iterations += 1
            if decrease <= self.ftol * max(abs(loss), abs(loss + decrease), 1.0):
                message, converged = "loss decrease below ftol", True
                break
            if evals[0] >= max_evals:
                message = "reached max_evals"
                break
        return LBFGSResult(w, loss, float(np.max(np.abs(g), initial=0.0)), n_iter, evals[0], converged, message,
                           losses, path)

    # --- the closure interface ------------------------------------------------------------------
    def step(self, params, grads, closure=None, max_iter=None):
        """Run up to ``max_iter`` iterations on the parameters in place; return an ``LBFGSResult``.

        Parameters
        ----------
        params : dict of str -> ndarray, or list of such dicts
            Float arrays, overwritten with the new weights.
        grads : same structure
            Overwritten by ``closure`` (the closure's backward pass fills them).
        closure : callable
            ``closure() -> float``: computes the loss at the current
            ``params`` and overwrites ``grads`` (e.g. forward + backward of
            the whole training set).
        max_iter : int, optional
            Overrides the optimiser's ``max_iter`` for this call (``fit`` runs 1 per epoch).

        Returns
        -------
        LBFGSResult
            As ``minimize``; its ``w`` is also written into ``params``.
        """
        if closure is None:
            raise TypeError("LBFGS.step needs closure=: a function that computes the loss at the current params,"
                            " overwrites grads, and returns the loss (as PyTorch's LBFGS.step(closure)).")
        triples = list(_pairs(params, grads))
        arrays = [p for _, p, _ in triples]
        grad_dicts = [grads] if isinstance(grads, dict) else list(grads)
        param_dicts = [params] if isinstance(params, dict) else list(params)
        # the grads' arrays in the order of the params' keys (closure may replace them: look them up each time)
        order = [(i, key) for i, d in enumerate(param_dicts) for key in d]
        sizes = [p.size for p in arrays]
        offsets = np.cumsum([0, *sizes])

        def write(w):
            for p, start, stop in zip(arrays, offsets[:-1], offsets[1:]):
                p[...] = w[start:stop].reshape(p.shape)

        def fun_and_grad(w):
            write(w)
            loss = closure()
            return loss, np.concatenate([np.asarray(grad_dicts[i][key], dtype=float).reshape(-1) for i, key in order])

        w0 = np.concatenate([p.reshape(-1).astype(float) for p in arrays])
        result = self.minimize(fun_and_grad, w0, max_iter=max_iter)
        write(result.w)  # the line search's last trial may not be the accepted point
        return result
