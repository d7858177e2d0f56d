"""Optimisers on two-weight landscapes: trajectories, stability, rates of convergence, feature scale.

Chapter 06 compares the engine's optimisers (``lecture_lib.nn.optimizers``)
where every step can be drawn: on E(w) of two weights.

* ``quadratic(condition_number)``: E(w) = 1/2 wᵀ A w, A with eigenvalues
  λ_max and λ_min = λ_max / c (c the condition number; the series keeps c
  for the small stabiliser in a denominator), rotated by an
  angle so that the valley is not aligned with the axes (per-weight methods
  such as Adam then get no free advantage from the coordinates).
* ``rosenbrock()``: E(w) = (a - w₁)² + b (w₂ - w₁²)², a curved valley.

Gradient descent w <- w - η ∇E on the quadratic multiplies the part of
w - w* along an eigenvector of eigenvalue λ by (1 - ηλ) per step, hence

* it is stable exactly for η < 2 / λ_max (``predicted_stable_eta``);
* at the best η = 2 / (λ_min + λ_max) the error shrinks by
  (c - 1) / (c + 1) per step; heavy-ball momentum with its best η and μ
  by (√c - 1) / (√c + 1) (``predicted_rates``).

The soup example of seed 000 (``soup_data``): chicken stock in litres and
beef stock in millilitres predict a soup's tastiness; the raw features make
XᵀX ill-conditioned, standardising them makes it well-conditioned.

Figures and the widget: ``lecture_lib.viz.optimiser_explorer``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .._validate import as_scalar, check_choice, check_positive, check_positive_int
from ..datasets import Standardiser
from ..nn.optimizers import LBFGS, SGD, AdaGrad, Adam, RMSProp

__all__ = [
    "Landscape", "quadratic", "rosenbrock", "OPTIMISER_NAMES", "make_optimizer", "Trajectory", "run_optimizer",
    "predicted_stable_eta", "observed_stable_eta", "predicted_rates", "measured_rate", "condition_number",
    "soup_data", "standardise", "least_squares_hessian", "gradient_descent_many_rates", "steps_to_converge",
    "RATE_GRID", "RateSweep", "sweep_learning_rates", "steepest_direction", "reversal_fraction", "path_length",
    "noisy_valley_data", "minibatch_excess_loss", "separable_quadratic",
]

#: The optimisers the chapter compares, by the names the widget shows.
OPTIMISER_NAMES = ("gradient descent", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "lbfgs")

#: A run is called diverged once |w| exceeds this (E would overflow soon after).
_DIVERGED_NORM = 1e6


@dataclass
class Landscape:
    """A loss E(w) of two weights with what is needed to draw and run it.

    Attributes
    ----------
    name : str
    fun_and_grad : callable
        ``fun_and_grad(w) -> (E, grad)`` for w of shape (2,).
    minimum : ndarray, shape (2,)
    start : ndarray, shape (2,)
        The start every trajectory of the chapter uses.
    extent : tuple (w1_min, w1_max, w2_min, w2_max)
        The part of the plane drawn.
    hessian : ndarray, shape (2, 2) or None
        A, for the quadratic (None for Rosenbrock).
    grid_loss : callable
        ``grid_loss(w1, w2) -> E`` on arrays of any equal shape (for drawing).
    """

    name: str
    fun_and_grad: Callable
    minimum: np.ndarray
    start: np.ndarray
    extent: tuple
    hessian: np.ndarray | None = None
    grid_loss: Callable | None = None

    def loss(self, w) -> float:
        """E(w) for w of shape (2,)."""
        return self.fun_and_grad(np.asarray(w, dtype=float))[0]

    def loss_grid(self, resolution=120):
        """(w1_grid, w2_grid, E) on ``extent``, each of shape (resolution, resolution)."""
        resolution = check_positive_int(resolution, "resolution")
        w1 = np.linspace(self.extent[0], self.extent[1], resolution)
        w2 = np.linspace(self.extent[2], self.extent[3], resolution)
        w1_grid, w2_grid = np.meshgrid(w1, w2)
        return w1_grid, w2_grid, self.grid_loss(w1_grid, w2_grid)


def quadratic(condition_number=50.0, lambda_max=1.0, angle_degrees=30.0):
    """E(w) = 1/2 wᵀ A w with eigenvalues λ_max and λ_max / c, the eigenvectors rotated by ``angle_degrees``.

    Parameters
    ----------
    condition_number : float >= 1
        c = λ_max / λ_min.
    lambda_max : float > 0
        The largest eigenvalue (the curvature across the valley).
    angle_degrees : float
        Rotation of the flat direction from the w₁ axis.

    Returns
    -------
    Landscape
        Minimum at 0, start (-1.8, 0.6)·(rotated), ``hessian`` = A.
    """
    cond = as_scalar(condition_number, "condition_number")
    if not cond >= 1:
        raise ValueError(f"condition_number must be >= 1 (it is λ_max / λ_min), got {cond}.")
    lambda_max = check_positive(lambda_max, "lambda_max")
    angle = math.radians(as_scalar(angle_degrees, "angle_degrees"))
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    hessian = rotation @ np.diag([lambda_max / cond, lambda_max]) @ rotation.T

    (h11, h12), (_, h22) = hessian.tolist()

    def fun_and_grad(w):
        # Written out element by element rather than with ``hessian @ w``: a 2x2 product through BLAS may
        # round differently on another BLAS, and runs at the edge of stability would amplify that.
        w1, w2 = float(w[0]), float(w[1])
        grad = np.array([h11 * w1 + h12 * w2, h12 * w1 + h22 * w2])
        return 0.5 * (w1 * grad[0] + w2 * grad[1]), grad

    # The start lies mostly along the flat direction and a little across it, as a
    # random start usually does in a long valley.
    def grid_loss(w1, w2):
        return 0.5 * (hessian[0, 0] * w1 * w1 + 2 * hessian[0, 1] * w1 * w2 + hessian[1, 1] * w2 * w2)

    start = rotation @ np.array([-1.8, 0.6])
    return Landscape(f"quadratic, c = {cond:g}", fun_and_grad, np.zeros(2), start, (-2.2, 2.2, -1.6, 1.6),
                     hessian, grid_loss)


def rosenbrock(a=1.0, b=100.0):
    """Rosenbrock's banana: E(w) = (a - w₁)² + b (w₂ - w₁²)², minimum (a, a²), start (-1.2, 1)."""
    a, b = as_scalar(a, "a"), check_positive(b, "b")

    def fun_and_grad(w):
        x, y = w
        value = (a - x) ** 2 + b * (y - x * x) ** 2
        grad = np.array([-2 * (a - x) - 4 * b * x * (y - x * x), 2 * b * (y - x * x)])
        return float(value), grad

    def grid_loss(w1, w2):
        return (a - w1) ** 2 + b * (w2 - w1 * w1) ** 2

    return Landscape("Rosenbrock", fun_and_grad, np.array([a, a * a]), np.array([-1.2, 1.0]),
                     (-2.0, 2.0, -1.0, 3.0), None, grid_loss)


def make_optimizer(name, eta, momentum=0.9):
    """The engine's optimiser called ``name`` (one of ``OPTIMISER_NAMES``).

    Parameters
    ----------
    name : str
        'gradient descent' (SGD, μ = 0), 'momentum' (SGD with μ), 'nesterov',
        'adagrad' (s₀ = 0), 'rmsprop', 'adam', 'lbfgs' (η and μ unused: its
        line search picks the step).
    eta : float > 0
    momentum : float in [0, 1)
        μ for 'momentum' and 'nesterov'; β₁ of Adam is left at 0.9.

    Returns
    -------
    Optimizer
    """
    name = check_choice(name, "optimiser", OPTIMISER_NAMES)
    if name == "lbfgs":
        return LBFGS()
    if name == "gradient descent":
        return SGD(eta=eta)
    if name in ("momentum", "nesterov"):
        return SGD(eta=eta, momentum=momentum, nesterov=name == "nesterov")
    if name == "adagrad":
        # s₀ = 0 (PyTorch's, the paper's): the Keras default 0.1 would damp the first steps.
        return AdaGrad(eta=eta, initial_accumulator=0.0)
    if name == "rmsprop":
        return RMSProp(eta=eta)
    return Adam(eta=eta)


@dataclass
class Trajectory:
    """The iterates of one run on a landscape.

    Attributes
    ----------
    weights : ndarray, shape (T + 1, 2)
        w₀ (the start), w₁, ... ; a diverged run stops at the first w with |w| > 1e6.
    losses : ndarray, shape (T + 1,)
    diverged : bool
    optimiser : str
        The optimiser's repr.
    evaluations : int
        Calls of fun_and_grad (E and ∇E together) the run made, the one at
        the start included: one per step plus one for the first-order
        methods, more for L-BFGS (its line search evaluates E at trial points).
    """

    weights: np.ndarray
    losses: np.ndarray
    diverged: bool
    optimiser: str
    evaluations: int = 0

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])

    def distance_to(self, point) -> np.ndarray:
        """|w_t - point| for every iterate, shape (T + 1,)."""
        return np.linalg.norm(self.weights - np.asarray(point, dtype=float), axis=1)


def run_optimizer(landscape, optimiser, steps=100, start=None):
    """Run ``optimiser`` on ``landscape`` for ``steps`` updates from ``start`` (default ``landscape.start``).

    Parameters
    ----------
    landscape : Landscape
    optimiser : Optimizer
        A fresh instance (its state is used and changed); for L-BFGS
        ``steps`` counts iterations (each may evaluate E several times in
        its line search) and the run stops early once converged.
    steps : int >= 1
    start : array_like, shape (2,), optional

    Returns
    -------
    Trajectory
    """
    steps = check_positive_int(steps, "steps")
    w = np.array(landscape.start if start is None else start, dtype=float).reshape(2)
    if isinstance(optimiser, LBFGS):
        result = optimiser.minimize(landscape.fun_and_grad, w, max_iter=steps, keep_path=True)
        weights = np.array(result.path)
        return Trajectory(weights, np.array(result.losses, dtype=float), False, repr(optimiser), result.n_evals)
    loss, grad = landscape.fun_and_grad(w)
    weights, losses = [w.copy()], [loss]
    diverged = False
    calls = 1
    for _ in range(steps):
        optimiser.step({"w": w}, {"w": np.asarray(grad, dtype=float)})
        squared_norm = float(np.sum(w * w))
        if not squared_norm <= _DIVERGED_NORM ** 2:  # also catches NaN (and inf, which overflows to inf)
            diverged = True
            break
        # E and ∇E at the new weights in one call: E for the record, ∇E for the next step.
        loss, grad = landscape.fun_and_grad(w)
        calls += 1
        weights.append(w.copy())
        losses.append(loss)
    return Trajectory(np.array(weights), np.array(losses), diverged, repr(optimiser), calls)


def predicted_stable_eta(hessian) -> float:
    """2 / λ_max of the Hessian: gradient descent on 1/2 wᵀAw converges exactly for η below it."""
    return 2.0 / float(np.max(np.linalg.eigvalsh(np.asarray(hessian, dtype=float))))


def observed_stable_eta(landscape, low, high, steps=1000, iterations=14):
    """The largest η at which gradient descent (the engine's SGD) does not blow up, by bisection.

    A run "blows up" when E after ``steps`` updates is larger than E at the
    start. Just above 2/λ_max the factor |1 - ηλ_max| is barely above 1, so
    that the verdict needs many steps: with 1000 steps the bisection
    resolves η to about 1 %.

    Parameters
    ----------
    landscape : Landscape
    low, high : float
        η known stable and η known unstable.
    steps, iterations : int

    Returns
    -------
    float
        The midpoint of the final bracket.
    """
    low, high = check_positive(low, "low"), check_positive(high, "high")
    if not low < high:
        raise ValueError(f"need low < high, got low={low}, high={high}.")
    start_loss = landscape.loss(landscape.start)
    for _ in range(check_positive_int(iterations, "iterations")):
        middle = 0.5 * (low + high)
        run = run_optimizer(landscape, SGD(eta=middle), steps)
        if run.diverged or run.final_loss > start_loss:
            high = middle
        else:
            low = middle
    return 0.5 * (low + high)


def predicted_rates(hessian):
    """The best settings and per-step error factors of gradient descent and heavy-ball momentum on 1/2 wᵀAw.

    Returns
    -------
    dict
        ``eta_gd`` = 2/(λ_min+λ_max), ``rate_gd`` = (c-1)/(c+1);
        ``eta_momentum`` = 4/(√λ_max+√λ_min)², ``momentum`` = ((√c-1)/(√c+1))²,
        ``rate_momentum`` = (√c-1)/(√c+1) (Polyak 1964); ``condition_number`` c.
    """
    eigenvalues = np.linalg.eigvalsh(np.asarray(hessian, dtype=float))
    lam_min, lam_max = float(eigenvalues[0]), float(eigenvalues[-1])
    cond = lam_max / lam_min
    root = math.sqrt(cond)
    return {"condition_number": cond, "eta_gd": 2.0 / (lam_min + lam_max), "rate_gd": (cond - 1) / (cond + 1),
            "eta_momentum": 4.0 / (math.sqrt(lam_max) + math.sqrt(lam_min)) ** 2,
            "momentum": ((root - 1) / (root + 1)) ** 2, "rate_momentum": (root - 1) / (root + 1)}


def measured_rate(trajectory, minimum, first=None, last=None):
    """The per-step factor by which |w - w*| shrank between steps ``first`` and ``last``: (d_last/d_first)^(1/(last-first)).

    Defaults: the second half of the run (early steps still carry the
    faster-decaying directions).
    """
    distances = trajectory.distance_to(minimum)
    n = len(distances) - 1
    first = n // 2 if first is None else int(first)
    last = n if last is None else int(last)
    if not 0 <= first < last <= n:
        raise ValueError(f"need 0 <= first < last <= {n} (the run's steps), got first={first}, last={last}.")
    return float((distances[last] / distances[first]) ** (1.0 / (last - first)))


def condition_number(matrix) -> float:
    """λ_max / λ_min of a symmetric positive definite matrix (e.g. XᵀX/N)."""
    eigenvalues = np.linalg.eigvalsh(np.asarray(matrix, dtype=float))
    if eigenvalues[0] <= 0:
        raise ValueError(f"the matrix is not positive definite (smallest eigenvalue {eigenvalues[0]:.3g}).")
    return float(eigenvalues[-1] / eigenvalues[0])


# --- the soup example (seed 000) -------------------------------------------------------------

def soup_data(n=200, seed=0):
    """Seed 000's soup: tastiness from chicken stock (litres) and beef stock (millilitres).

    Both stocks matter equally per litre: y = 2·chicken_L + 2·beef_L + 1 +
    noise (σ = 0.1), but beef is recorded in millilitres, so its feature is
    1000 times larger and its weight 1000 times smaller.

    Returns
    -------
    x : ndarray, shape (n, 2)
        Columns: chicken stock in litres (uniform 0.5–2), beef stock in
        millilitres (uniform 500–2000).
    y : ndarray, shape (n,)
    """
    n = check_positive_int(n, "n")
    rng = np.random.default_rng(seed)
    chicken_litres = rng.uniform(0.5, 2.0, n)
    beef_millilitres = rng.uniform(500.0, 2000.0, n)
    y = 2.0 * chicken_litres + 2.0 * beef_millilitres / 1000.0 + 1.0 + 0.1 * rng.standard_normal(n)
    return np.stack([chicken_litres, beef_millilitres], axis=1), y


def standardise(x):
    """z-scores of the columns of x, shape (N, D): (x - mean) / standard deviation.

    The series' ``Standardiser`` fitted on x itself (the soup fit has no held-out data), so a
    constant column is centred, not divided by ~0.
    """
    return Standardiser().fit(x).transform(x)


def least_squares_hessian(x):
    """H = X̃ᵀX̃ / N, X̃ = [x, 1] (a column of ones for the bias): the Hessian of E = 1/(2N) Σ(X̃w - y)², shape (D+1, D+1)."""
    x = np.asarray(x, dtype=float)
    with_bias = np.hstack([x, np.ones((len(x), 1))])
    return with_bias.T @ with_bias / len(x)


def gradient_descent_many_rates(x, y, etas, steps):
    """Gradient descent on the least-squares loss E = 1/(2N) Σ(X̃w - y)², one run per η, all at once.

    The update is the plain w <- w - η ∇E with ∇E = H w - X̃ᵀy/N, written
    for a column of η values at once (the engine's SGD takes one η), from
    w = 0.

    Parameters
    ----------
    x : ndarray, shape (N, D)
    y : ndarray, shape (N,)
    etas : ndarray, shape (K,)
    steps : int

    Returns
    -------
    excess : ndarray, shape (steps + 1, K)
        E(w_t) - E(w*) for every step and η (inf once a run overflowed).
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    etas = np.asarray(etas, dtype=float).reshape(-1, 1)
    steps = check_positive_int(steps, "steps")
    with_bias = np.hstack([x, np.ones((len(x), 1))])
    hessian = with_bias.T @ with_bias / len(x)
    linear = with_bias.T @ y / len(x)
    best = np.linalg.solve(hessian, linear)

    def excess_of(w):
        # E(w) - E(w*) = 1/2 (w - w*)ᵀ H (w - w*): exact, no cancellation of two large numbers.
        d = w - best
        return 0.5 * np.sum((d @ hessian) * d, axis=1)

    w = np.zeros((len(etas), len(best)))
    excess = np.empty((steps + 1, len(etas)))
    excess[0] = excess_of(w)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, steps + 1):
            w = w - etas * (w @ hessian - linear)
            excess[t] = excess_of(w)
    return np.where(np.isfinite(excess), excess, np.inf)


def steps_to_converge(excess, tolerance):
    """The first step t at which ``excess[t] <= tolerance``, per column; -1 where it never does. Shape (K,)."""
    below = np.asarray(excess) <= tolerance
    return np.where(below.any(axis=0), below.argmax(axis=0), -1)


# --- the slides' advice: Adam for much data, L-BFGS for little -------------------------------------

def adam_vs_lbfgs(n_train, seed, hidden=16, adam_etas=(0.001, 0.01), adam_updates=400, lbfgs_iterations=50):
    """Test accuracy of a 64-hidden-10 network on the digits after Adam (each η) and after L-BFGS, same start.

    Parameters
    ----------
    n_train : int
        Training images, drawn at random (``seed``) from the 1438 of the training split.
    seed : int
        Seeds the subset, the initial weights and Adam's shuffling.
    hidden : int
        ReLU units of the hidden layer (softmax output, categorical cross-entropy).
    adam_etas : sequence of float
        Learning rates of Adam (0.001 is Keras's default, 0.01 ten times it): each is reported, none is
        chosen (a choice would need a validation split, not the test images).
    adam_updates : int
        Mini-batch updates of Adam (batch 32), rounded to whole epochs.
    lbfgs_iterations : int
        Full-batch L-BFGS iterations (fewer if it converges first).

    Returns
    -------
    dict
        ('adam', η) for each η and 'lbfgs': (training loss, test accuracy, training accuracy).
    """
    from ..datasets.digits import load_digits
    from ..nn.layers import Dense
    from ..nn.model import Sequential

    n_train = check_positive_int(n_train, "n_train")
    x, y = load_digits("train", one_hot=True, flatten=True)
    x_test, y_test = load_digits("test", one_hot=True, flatten=True)
    if n_train > len(x):
        raise ValueError(f"n_train must be at most {len(x)} (the training split), got {n_train}.")
    subset = np.random.default_rng(seed).choice(len(x), n_train, replace=False)
    results = {}
    for name in [("adam", eta) for eta in adam_etas] + ["lbfgs"]:
        model = Sequential([Dense(hidden, activation="relu", input_dim=64), Dense(10, activation="softmax")],
                           seed=seed)
        if name != "lbfgs":
            model.compile(loss="categorical_crossentropy", optimizer=Adam(eta=name[1]), metrics=["acc"])
            epochs = max(1, round(adam_updates / math.ceil(n_train / 32)))
            model.fit(x[subset], y[subset], batch_size=32, epochs=epochs, seed=seed)
        else:
            model.compile(loss="categorical_crossentropy", optimizer=LBFGS(), metrics=["acc"])
            model.fit(x[subset], y[subset], epochs=lbfgs_iterations)
        train_loss, train_accuracy = model.evaluate(x[subset], y[subset])[:2]
        results[name] = (float(train_loss), float(model.evaluate(x_test, y_test)[1]), float(train_accuracy))
    return results


# --- each optimiser at its own best learning rate --------------------------------------------------

#: The learning rates every sweep of the chapter tries: four per decade from 1e-4 to 10^0.5 ≈ 3.16.
RATE_GRID = 10.0 ** np.arange(-4.0, 0.5 + 1e-9, 0.25)


@dataclass
class RateSweep:
    """Final distances to the minimum of one run per (optimiser, η).

    Attributes
    ----------
    etas : ndarray, shape (K,)
    distances : dict
        {optimiser name: ndarray (K,)}: |w_T - w*| after ``steps`` updates,
        inf for a run that diverged.
    steps : int
    """

    etas: np.ndarray
    distances: dict
    steps: int

    def best(self, name):
        """(η, distance) of the η with the smallest final distance for optimiser ``name`` (the first on ties)."""
        if name not in self.distances:
            raise ValueError(f"no sweep of {name!r}; the sweep has {sorted(self.distances)}.")
        index = int(np.argmin(self.distances[name]))
        return float(self.etas[index]), float(self.distances[name][index])


def sweep_learning_rates(landscape, names, etas=RATE_GRID, steps=200, momentum=0.9):
    """Run every optimiser of ``names`` at every η of ``etas`` on ``landscape`` and keep the final distance.

    The criterion is |w - w*| after ``steps`` updates (the same budget for
    every method); μ (momentum and Nesterov) stays at ``momentum`` and
    Adam's β's at their defaults, so only η is chosen. L-BFGS has no η and
    is refused.

    Returns
    -------
    RateSweep
    """
    names = [check_choice(name, "optimiser", OPTIMISER_NAMES) for name in names]
    if "lbfgs" in names:
        raise ValueError("L-BFGS has no learning rate to sweep (its line search picks the step).")
    etas = np.asarray(etas, dtype=float).reshape(-1)
    if etas.size == 0 or not np.all(etas > 0):
        raise ValueError(f"etas must be a non-empty sequence of learning rates > 0, got {etas}.")
    steps = check_positive_int(steps, "steps")
    distances = {}
    for name in names:
        finals = []
        for eta in etas:
            run = run_optimizer(landscape, make_optimizer(name, eta, momentum), steps)
            finals.append(np.inf if run.diverged else run.distance_to(landscape.minimum)[-1])
        distances[name] = np.array(finals)
    return RateSweep(etas, distances, steps)


# --- oscillation across the valley --------------------------------------------------------------

def steepest_direction(hessian):
    """The unit eigenvector of the largest eigenvalue λ_max (the direction across the valley), shape (2,)."""
    eigenvalues, vectors = np.linalg.eigh(np.asarray(hessian, dtype=float))
    return vectors[:, -1]


def reversal_fraction(trajectory, direction, steps=30):
    """The fraction of the first ``steps`` consecutive pairs of steps whose components along ``direction`` have opposite signs.

    1.0: every step reverses the previous one along ``direction`` (a zig-zag
    across the valley); 0.0: the path never turns back along it. Steps whose
    component is below 1e-12 (the direction has died out) count as no
    reversal.

    Parameters
    ----------
    trajectory : Trajectory
        With at least ``steps + 2`` iterates.
    direction : array_like, shape (2,)
    steps : int
    """
    steps = check_positive_int(steps, "steps")
    moves = np.diff(trajectory.weights, axis=0) @ np.asarray(direction, dtype=float)
    if len(moves) < steps + 1:
        raise ValueError(f"the trajectory has {len(moves)} steps; {steps + 1} are needed to count {steps} pairs.")
    moves = moves[:steps + 1]
    moves = np.where(np.abs(moves) < 1e-12, 0.0, moves)
    return float(np.mean(moves[1:] * moves[:-1] < 0))


def path_length(trajectory):
    """Σ_t |w_{t+1} - w_t|: the length of the walk (a zig-zag walks much further than the distance covered)."""
    return float(np.sum(np.linalg.norm(np.diff(trajectory.weights, axis=0), axis=1)))


# --- the same valley with stochastic gradients ----------------------------------------------------

def noisy_valley_data(condition_number=50.0, n=1000, noise=0.5, angle_degrees=30.0, seed=0):
    """Least-squares data whose loss is the chapter's valley: E(w) = 1/(2N) Σ (x·w - y)² with Hessian ≈ A.

    The inputs are x = z A^{1/2} with z ~ N(0, I), so that XᵀX/N ≈ A, the
    Hessian of ``quadratic(condition_number, angle_degrees=angle_degrees)``;
    y = x·(1, 1) + noise·N(0, 1). A mini-batch gradient of this loss is a
    noisy estimate of the full gradient: the valley of §2 with stochastic
    gradients.

    Returns
    -------
    x : ndarray, shape (n, 2)
    y : ndarray, shape (n,)
    """
    n = check_positive_int(n, "n")
    noise = check_positive(noise, "noise", allow_zero=True)
    hessian = quadratic(condition_number, angle_degrees=angle_degrees).hessian
    eigenvalues, vectors = np.linalg.eigh(hessian)
    root = vectors @ np.diag(np.sqrt(eigenvalues)) @ vectors.T
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 2)) @ root
    y = x @ np.ones(2) + noise * rng.standard_normal(n)
    return x, y


def minibatch_excess_loss(x, y, optimiser, steps, batch_size=10, seed=0, start=None):
    """Train w on E(w) = 1/(2N) Σ (x·w - y)² with mini-batch gradients; E(w_t) - E(w*) at every step.

    Parameters
    ----------
    x : ndarray, shape (N, 2)
    y : ndarray, shape (N,)
    optimiser : Optimizer
        A fresh instance (a schedule as its η is evaluated at every step).
    steps : int
        Updates, each on ``batch_size`` examples drawn without replacement
        within an epoch (a new random order every epoch, from ``seed``).
    start : array_like, shape (2,), optional
        Default: the minimiser plus the chapter's start offset of the
        quadratic (mostly along the valley).

    Returns
    -------
    ndarray, shape (steps + 1,)
        E(w_t) - E(w*), computed on all N examples (inf once diverged).
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.ndim != 2 or y.shape != (len(x),):
        raise ValueError(f"need x of shape (N, D) and y of shape (N,), got {x.shape} and {y.shape}.")
    steps = check_positive_int(steps, "steps")
    batch_size = check_positive_int(batch_size, "batch_size")
    hessian = x.T @ x / len(x)
    best = np.linalg.solve(hessian, x.T @ y / len(x))
    w = best + (quadratic().start if start is None else np.asarray(start, dtype=float) - best)
    rng = np.random.default_rng(seed)
    order, position = rng.permutation(len(x)), 0
    excess = np.full(steps + 1, np.inf)
    excess[0] = 0.5 * (w - best) @ hessian @ (w - best)
    for t in range(1, steps + 1):
        if position + batch_size > len(x):
            order, position = rng.permutation(len(x)), 0
        batch = order[position:position + batch_size]
        position += batch_size
        grad = x[batch].T @ (x[batch] @ w - y[batch]) / len(batch)
        optimiser.step({"w": w}, {"w": grad})
        if not np.all(np.isfinite(w)) or np.linalg.norm(w) > _DIVERGED_NORM:
            break
        excess[t] = 0.5 * (w - best) @ hessian @ (w - best)
    return excess


# --- weight decay, coupled and decoupled ----------------------------------------------------------

def separable_quadratic(curvatures, minimum, start=None):
    """E(w) = 1/2 Σ_i h_i (w_i - w*_i)²: an axis-aligned valley of two weights with curvatures h and minimum w*.

    Its gradient along w_i is h_i (w_i - w*_i): a weight of small curvature
    gets small gradients. Start: 0 unless given.
    """
    curvatures = np.asarray(curvatures, dtype=float).reshape(2)
    minimum = np.asarray(minimum, dtype=float).reshape(2)
    if not np.all(curvatures > 0):
        raise ValueError(f"curvatures must be > 0, got {curvatures}.")

    def fun_and_grad(w):
        grad = curvatures * (w - minimum)
        return 0.5 * float(grad @ (w - minimum)), grad

    def grid_loss(w1, w2):
        return 0.5 * (curvatures[0] * (w1 - minimum[0]) ** 2 + curvatures[1] * (w2 - minimum[1]) ** 2)

    low, high = min(0.0, *minimum) - 1.0, max(0.0, *minimum) + 1.0
    return Landscape("separable quadratic", fun_and_grad, minimum,
                     np.zeros(2) if start is None else np.asarray(start, dtype=float).reshape(2),
                     (low, high, low, high), np.diag(curvatures), grid_loss)
