"""Double descent with random ReLU features and minimum-norm least squares.

The model (Belkin et al. 2019, "Reconciling modern machine learning practice
and the bias-variance trade-off"): a one-hidden-layer network whose first
layer is drawn at random and frozen, and whose output layer is fitted
exactly, so a whole curve of test error against the number of parameters p
costs a few singular value decompositions and no training loop.

* inputs x : (N, D), here the 8x8 digits divided by 16, centred with the
  training mean, plus a constant column (the bias of the hidden units);
* first layer W : (D, p), entries N(0, 1/D), never trained;
* features phi = relu(x @ W) / sqrt(p) : (N, p);
* output weights w : (p, C) from least squares on one-hot targets Y : (N, C).

For p < n the least-squares problem has one solution. For p > n there are
infinitely many w with phi w = Y exactly; ``min_norm_solution`` returns the
one of smallest norm ||w||, which is what gradient descent started at w = 0
finds. At p = n the system is square and just barely solvable: its
smallest singular value is close to 0, so w = phi^+ Y has a huge norm, and
the test error peaks (the interpolation threshold). Ridge regression,
min ||phi w - Y||^2 + lam ||w||^2, caps the factor 1/s of each singular value
s at s / (s^2 + lam) and removes the peak.

The minimum-norm solver is ``numpy.linalg.lstsq`` (an SVD, phi = U diag(s) V^T);
it never forms phi^T phi, whose condition number is the square of phi's
(about 1e10 at p = n here). Ridge solves the regularised normal equations,
whose eigenvalues are at least lam, so they are well conditioned.
"""
from __future__ import annotations

import math
import time

import numpy as np

from .._validate import as_float_array, as_generator, as_matrix, check_int_at_least, check_positive, check_probability

__all__ = [
    "digit_inputs", "feature_weights", "random_relu_features", "min_norm_solution", "ridge_solution",
    "fit_random_features", "FeatureFit", "parameter_sweep", "sample_sweep", "SweepResult",
    "noisy_labels", "log_spaced_widths", "test_error", "SpectralFit", "FeatureSweep", "first_layer_rng",
    "gradient_descent", "tuned_ridge_sweep", "BiasVariance", "split_bias_variance", "bias_variance",
    "DescentPath", "gradient_descent_path",
]


def digit_inputs(x_train, x_test):
    """Centre digit images with the training mean and add a constant column.

    Parameters
    ----------
    x_train : array_like, shape (N, 64) or (N, 8, 8), pixel values in [0, 1]
    x_test : array_like, shape (M, 64) or (M, 8, 8)

    Returns
    -------
    inputs_train : ndarray, shape (N, 65)
    inputs_test : ndarray, shape (M, 65)
        x - mean(x_train) with a last column of ones. Without centring every
        pixel is >= 0 and the random features of different images are nearly
        collinear; the constant column lets the hidden units shift.
    """
    x_train = as_float_array(x_train, "x_train")
    x_test = as_float_array(x_test, "x_test")
    x_train = x_train.reshape(x_train.shape[0], -1)
    x_test = x_test.reshape(x_test.shape[0], -1)
    if x_train.shape[1] != x_test.shape[1]:
        raise ValueError(f"x_train and x_test must have the same number of pixels, got shapes "
                         f"{x_train.shape} and {x_test.shape}.")
    mean = x_train.mean(axis=0)
    return (np.hstack([x_train - mean, np.ones((x_train.shape[0], 1))]),
            np.hstack([x_test - mean, np.ones((x_test.shape[0], 1))]))


def feature_weights(d, p, rng):
    """The frozen first layer: W : (d, p) with entries drawn from N(0, 1/d).

    ``rng``: an int seed or a ``numpy.random.Generator``.
    """
    d = check_int_at_least(d, "d", 1)
    p = check_int_at_least(p, "p", 1)
    return as_generator(rng, "rng").standard_normal((d, p)) / math.sqrt(d)


def random_relu_features(x, W):
    """phi = relu(x @ W) / sqrt(p).

    Parameters
    ----------
    x : array_like, shape (N, D), the inputs
    W : array_like, shape (D, p)

    Returns
    -------
    phi : ndarray, shape (N, p). The 1/sqrt(p) keeps ||phi_n|| about the
    same for every p, so one ridge strength means the same at every width.
    """
    x = as_matrix(x, "x")
    W = as_matrix(W, "W")
    if W.shape[0] != x.shape[1]:
        raise ValueError(f"W must have one row per input column: x has shape {x.shape}, W has shape {W.shape}.")
    phi = x @ W
    np.maximum(phi, 0.0, out=phi)
    phi /= math.sqrt(W.shape[1])
    return phi


def _check_system(phi, y):
    phi = as_matrix(phi, "phi")
    y = as_float_array(y, "y")
    if y.ndim not in (1, 2) or y.shape[0] != phi.shape[0]:
        raise ValueError(f"y must have one row per row of phi ({phi.shape[0]}), shape (N,) or (N, C); "
                         f"got shape {y.shape}.")
    return phi, y


def min_norm_solution(phi, y):
    """The least-squares solution of smallest norm, w = phi^+ y.

    Parameters
    ----------
    phi : array_like, shape (N, p)
    y : array_like, shape (N,) or (N, C)

    Returns
    -------
    w : ndarray, shape (p,) or (p, C)
        Minimises ||phi w - y||; among all minimisers (p > N: infinitely many,
        all with phi w = y) the one with the smallest ||w||.

    Notes
    -----
    ``numpy.linalg.lstsq`` with its default cut-off: singular values below
    eps * max(N, p) * s_max count as 0 (their directions get weight 0). The
    normal equations (phi^T phi)^{-1} phi^T y cannot be used for p > N,
    where phi^T phi (p x p, rank N) is singular.
    """
    phi, y = _check_system(phi, y)
    return np.linalg.lstsq(phi, y, rcond=None)[0]


def ridge_solution(phi, y, lam):
    """w minimising ||phi w - y||^2 + lam ||w||^2 (lam = 0: the minimum-norm solution).

    Parameters
    ----------
    phi : array_like, shape (N, p)
    y : array_like, shape (N,) or (N, C)
    lam : float >= 0

    Returns
    -------
    w : ndarray, shape (p,) or (p, C), equal to V diag(s / (s^2 + lam)) U^T y
    with the thin SVD phi = U diag(s) V^T: each factor 1/s of the
    minimum-norm solution becomes s / (s^2 + lam) <= 1 / (2 sqrt(lam)).
    """
    phi, y = _check_system(phi, y)
    lam = check_positive(lam, "lam", allow_zero=True)
    if lam == 0:
        return min_norm_solution(phi, y)
    n, p = phi.shape
    # The regularised system is well conditioned (its eigenvalues are >= lam): a direct solve is safe.
    # Solve on the smaller side: (phi^T phi + lam I) w = phi^T y for p <= n, or
    # w = phi^T (phi phi^T + lam I)^{-1} y for p > n (the same w, push-through identity).
    if p <= n:
        return np.linalg.solve(phi.T @ phi + lam * np.eye(p), phi.T @ y)
    return phi.T @ np.linalg.solve(phi @ phi.T + lam * np.eye(n), y)


def test_error(phi, w, y):
    """Mean squared error per example, sum over outputs: mean_n ||phi_n w - y_n||^2.

    phi : (M, p); w : (p, C) or (p,); y : (M, C) or (M,).
    """
    r = phi @ w - y
    return float(np.mean(np.sum(r.reshape(r.shape[0], -1) ** 2, axis=1)))


class FeatureFit:
    """The result of one fit of random features (plain attributes).

    Attributes: p, n, train_error, test_error (MSE per example, summed over
    the C outputs), test_misclassified (fraction of test images whose
    largest output is not their label), weight_norm (||w||, Frobenius),
    condition (s_max / s_min of the training features phi, over the
    min(n, p) singular values).
    """

    __slots__ = ("p", "n", "train_error", "test_error", "test_misclassified", "weight_norm", "condition")

    def __init__(self, **values):
        for key in self.__slots__:
            setattr(self, key, values[key])

    def __repr__(self):
        return (f"FeatureFit(p={self.p}, n={self.n}, test_error={self.test_error:.4g}, "
                f"weight_norm={self.weight_norm:.4g}, condition={self.condition:.3g})")


def fit_random_features(inputs_train, y_train, inputs_test, y_test, p, seed, lam=0.0):
    """Draw p random ReLU features, fit the output layer, measure it.

    Parameters
    ----------
    inputs_train : ndarray, shape (n, D); y_train : ndarray, shape (n, C) one-hot
    inputs_test : ndarray, shape (M, D); y_test : ndarray, shape (M, C)
    p : int, number of features (= parameters per output)
    seed : int or Generator, for the first layer
    lam : float >= 0, ridge strength (0: minimum norm)

    Returns
    -------
    FeatureFit
    """
    W = feature_weights(np.shape(inputs_train)[1], p, seed)
    phi_train, phi_test = random_relu_features(inputs_train, W), random_relu_features(inputs_test, W)
    lam = check_positive(lam, "lam", allow_zero=True)
    if lam == 0:
        # lstsq (LAPACK gelsd) returns the singular values too: the condition number comes free.
        w, _, _, s = np.linalg.lstsq(phi_train, y_train, rcond=None)
        condition = float(s[0] / s[-1])
    else:
        w = ridge_solution(phi_train, y_train, lam)
        condition = math.nan  # not computed (it does not depend on lam; see the lam = 0 fit)
    out = phi_test @ w
    return FeatureFit(p=int(p), n=int(phi_train.shape[0]), train_error=test_error(phi_train, w, y_train),
                      test_error=float(np.mean(np.sum((out - y_test) ** 2, axis=1))),
                      test_misclassified=float(np.mean(out.argmax(1) != y_test.argmax(1))),
                      weight_norm=float(np.linalg.norm(w)), condition=condition)


def first_layer_rng(seed, p):
    """The generator of the first layer of width p for ``seed``: ``default_rng((seed, p))``."""
    return np.random.default_rng((check_int_at_least(seed, "seed", 0), check_int_at_least(p, "p", 1)))


def log_spaced_widths(low, high, count, include=()):
    """``count`` integers log-spaced from ``low`` to ``high`` (duplicates removed), plus ``include``, sorted."""
    low, high = check_int_at_least(low, "low", 1), check_int_at_least(high, "high", 1)
    count = check_int_at_least(count, "count", 2)
    widths = {int(round(v)) for v in np.geomspace(low, high, count)} | {int(v) for v in include}
    return np.array(sorted(widths))


def noisy_labels(labels, fraction, n_classes, rng):
    """Replace a ``fraction`` of the labels (chosen at random) by random other classes.

    labels : int array, shape (N,); returns a new array, shape (N,). Exactly
    round(fraction * N) labels change, each to a different class.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise ValueError(f"labels must be integer class labels of shape (N,), got {labels.dtype} {labels.shape}.")
    fraction = check_probability(fraction, "fraction")
    rng = as_generator(rng, "rng")
    out = labels.copy()
    idx = rng.choice(labels.size, size=int(round(fraction * labels.size)), replace=False)
    out[idx] = (labels[idx] + rng.integers(1, n_classes, size=idx.size)) % n_classes
    return out


class SweepResult:
    """Test error etc. over seeds for each value of the swept quantity.

    Attributes
    ----------
    values : ndarray (K,), the swept p (``parameter_sweep``) or n (``sample_sweep``)
    test_error, test_misclassified, train_error, weight_norm, condition :
        ndarray (S, K), one row per seed
    seconds : float, wall-clock time of the sweep
    """

    def __init__(self, values, fits, seconds):
        self.values = np.asarray(values)
        self.seconds = seconds
        for key in ("test_error", "test_misclassified", "train_error", "weight_norm", "condition"):
            setattr(self, key, np.array([[getattr(f, key) for f in row] for row in fits]))

    def mean(self, key="test_error"):
        return getattr(self, key).mean(axis=0)

    def median(self, key="test_error"):
        return np.median(getattr(self, key), axis=0)


class FeatureSweep:
    """Random-feature fits for several widths p and seeds, each decomposed once (``SpectralFit``).

    Per seed: n training images drawn at random (``default_rng(seed)``), and
    for each width p the first layer drawn from ``first_layer_rng(seed, p)``:
    the same (seed, p) gives the same features whatever other widths are swept.
    ``evaluate(lam, label_noise)`` then gives the whole curve for any ridge
    strength and any label noise at the cost of a few small products,
    because the SVD of the training features does not depend on either.

    Parameters
    ----------
    x_train : ndarray (N, 64), pixels in [0, 1]; labels_train : int ndarray (N,)
    x_test : ndarray (M, 64); labels_test : int ndarray (M,)
    widths : sequence of int, the p values
    n : int, training images per seed
    seeds : sequence of int

    Attributes
    ----------
    seconds : float, time spent on the decompositions
    indices : list of int arrays (n,), per seed the rows of x_train it trains on
    labels : list of int arrays (n,), per seed their clean labels
    fits : list (per seed) of lists (per width) of SpectralFit
    """

    def __init__(self, x_train, labels_train, x_test, labels_test, widths, n=300, seeds=(0, 1, 2, 3, 4)):
        start = time.perf_counter()
        n = check_int_at_least(n, "n", 1)
        if n > len(labels_train):
            raise ValueError(f"n must be at most the {len(labels_train)} training images, got {n}.")
        self.widths, self.n, self.seeds = np.asarray(widths), n, tuple(seeds)
        self.y_test = np.eye(10)[labels_test]
        self.labels, self.fits, self.indices = [], [], []
        for seed in self.seeds:
            rng = as_generator(seed, "seed")
            idx = rng.permutation(len(labels_train))[:n]
            self.indices.append(idx)
            inputs_train, inputs_test = digit_inputs(x_train[idx], x_test)
            self.labels.append(labels_train[idx])
            self.fits.append([SpectralFit(inputs_train, inputs_test, int(p), seed=first_layer_rng(seed, p))
                              for p in self.widths])
        self.seconds = time.perf_counter() - start

    def evaluate(self, lam=0.0, label_noise=0.0):
        """The curves for ridge strength ``lam`` and a fraction ``label_noise`` of wrong training labels.

        The noisy labels of a seed are the same for every width (drawn from
        seed 1000 + seed), so only p changes along a curve.

        Returns
        -------
        SweepResult (values = widths)
        """
        start = time.perf_counter()
        rows = []
        for seed, labels, fits in zip(self.seeds, self.labels, self.fits):
            y_train = np.eye(10)[self.training_labels(seed, label_noise)]
            rows.append([fit.measure(y_train, self.y_test, lam) for fit in fits])
        return SweepResult(self.widths, rows, time.perf_counter() - start)

    def training_labels(self, seed, label_noise=0.0):
        """The n training labels of ``seed`` with a fraction ``label_noise`` flipped (noise seed 1000 + seed)."""
        labels = self.labels[self.seeds.index(seed)]
        return noisy_labels(labels, label_noise, 10, 1000 + seed) if label_noise else labels


def parameter_sweep(x_train, labels_train, x_test, labels_test, widths, n=300, seeds=(0, 1, 2, 3, 4),
                    lam=0.0, label_noise=0.0):
    """Test error against the number of features p at a fixed number n of training images.

    ``FeatureSweep(...).evaluate(lam, label_noise)`` in one call; keep the
    ``FeatureSweep`` instead to evaluate several lam or label noises.

    Returns
    -------
    SweepResult (values = widths); its ``seconds`` include the decompositions
    """
    sweep = FeatureSweep(x_train, labels_train, x_test, labels_test, widths, n=n, seeds=seeds)
    result = sweep.evaluate(lam=lam, label_noise=label_noise)
    result.seconds += sweep.seconds
    return result


def sample_sweep(x_train, labels_train, x_test, labels_test, sizes, p, seeds=(0, 1, 2, 3, 4), lam=0.0):
    """Test error against the number n of training images at a fixed number p of features.

    Same arguments as ``parameter_sweep``, with ``sizes`` (the n values) and a
    fixed ``p``. Per seed the first layer is ``first_layer_rng(seed, p)`` for
    every n and the training sets are nested (the first n of one
    permutation), so only n changes.

    Returns
    -------
    SweepResult (values = sizes)
    """
    start = time.perf_counter()
    if max(sizes) > len(labels_train):
        raise ValueError(f"sizes must be at most the {len(labels_train)} training images, got {max(sizes)}.")
    fits = []
    for seed in seeds:
        rng = as_generator(seed, "seed")
        order = rng.permutation(len(labels_train))
        row = []
        for n in sizes:
            idx = order[:int(n)]
            inputs_train, inputs_test = digit_inputs(x_train[idx], x_test)
            row.append(fit_random_features(inputs_train, np.eye(10)[labels_train[idx]], inputs_test, np.eye(10)[labels_test],
                                           p=p, seed=first_layer_rng(seed, p), lam=lam))
        fits.append(row)
    return SweepResult(sizes, fits, time.perf_counter() - start)


class SpectralFit:
    """Random features decomposed once, so that any ridge strength and any labels cost a few products.

    With the thin SVD phi_train = U diag(s) V^T (r = min(n, p) singular
    values), the ridge solution for targets Y is w = V diag(f) U^T Y with
    f = s / (s^2 + lam) (lam = 0: f = 1/s above lstsq's cut-off, else 0),
    and the test outputs are (phi_test V) diag(f) (U^T Y). ``test_error``
    evaluates exactly that; the sliders of the double-descent explorer call it.

    Gradient descent on E(w) = ||phi w - Y||^2 from w = 0 with learning rate
    eta has the same form after t steps, with f = (1 - (1 - 2 eta s^2)^t) / s
    (``gradient_descent_factors``): every step multiplies each direction's
    remaining error by (1 - 2 eta s^2), and w never leaves the span of V.

    Parameters
    ----------
    inputs_train : ndarray (n, D); inputs_test : ndarray (M, D)
    p : int; seed : int or Generator (the first layer)
    keep_basis : bool, keep V^T (r, p) and phi_train (n, p) for ``weights`` (memory: r * p + n * p floats)
    """

    def __init__(self, inputs_train, inputs_test, p, seed, keep_basis=False):
        W = feature_weights(np.shape(inputs_train)[1], p, seed)
        phi_train = random_relu_features(inputs_train, W)
        self.U, self.s, Vt = np.linalg.svd(phi_train, full_matrices=False)   # (n, r), (r,), (r, p)
        self.test_in_basis = random_relu_features(inputs_test, W) @ Vt.T           # (M, r)
        self.p, self.n = int(p), int(phi_train.shape[0])
        self.Vt, self.phi_train = (Vt, phi_train) if keep_basis else (None, None)

    def gradient_descent_factors(self, eta, steps):
        """f (r,) of gradient descent on ||phi w - Y||^2 from w = 0 after ``steps`` steps of size eta.

        f = (1 - (1 - 2 eta s^2)^t) / s; needs 0 < eta < 1 / s_max^2 (else a direction diverges).
        Computed as -expm1(t log1p(-2 eta s^2)) / s, accurate for tiny s and huge t.
        """
        eta = check_positive(eta, "eta")
        if eta >= 1.0 / self.s[0] ** 2:
            raise ValueError(f"eta must be below 1 / s_max^2 = {1.0 / self.s[0] ** 2:.4g} for gradient descent to "
                             f"converge, got {eta}.")
        steps = check_positive(steps, "steps", allow_zero=True)
        with np.errstate(divide="ignore"):  # 2 eta s^2 = 1: log1p(-1) = -inf, and expm1(-inf) = -1 is right
            return -np.expm1(steps * np.log1p(-2.0 * eta * self.s ** 2)) / self.s

    def coefficients(self, y_train, lam=0.0, factors=None):
        """V^T w (r, C) of the ridge fit (or of ``factors`` f, e.g. gradient descent's) to y_train (n, C)."""
        f = self.factors(lam) if factors is None else np.asarray(factors, dtype=float)
        return f[:, None] * (self.U.T @ y_train)

    def weights(self, y_train, lam=0.0, factors=None):
        """w (p, C) = V diag(f) U^T y_train; needs ``keep_basis=True``."""
        if self.Vt is None:
            raise ValueError("weights need the basis V: construct SpectralFit(..., keep_basis=True).")
        return self.Vt.T @ self.coefficients(y_train, lam, factors)

    def test_outputs(self, y_train, lam=0.0, factors=None):
        """The test outputs (M, C) of the ridge fit (or of ``factors``) to y_train (n, C)."""
        return self.test_in_basis @ self.coefficients(y_train, lam, factors)

    def factors(self, lam):
        """f (r,): the factor each singular direction gets, s / (s^2 + lam), or the pseudo-inverse's 1/s."""
        lam = check_positive(lam, "lam", allow_zero=True)
        s = self.s
        if lam == 0:
            keep = s > np.finfo(float).eps * max(self.n, self.p) * s[0]
            return np.where(keep, 1.0 / np.where(keep, s, 1.0), 0.0)
        return s / (s * s + lam)

    def test_error(self, y_train, y_test, lam=0.0):
        """Test MSE (per example, summed over outputs) of the ridge fit to y_train : (n, C); y_test : (M, C)."""
        out = self.test_in_basis @ (self.factors(lam)[:, None] * (self.U.T @ y_train))
        return float(np.mean(np.sum((out - y_test) ** 2, axis=1)))

    def measure(self, y_train, y_test, lam=0.0):
        """A ``FeatureFit`` of the ridge fit (lam = 0: minimum norm) to y_train : (n, C), tested on y_test : (M, C).

        ||w|| = ||diag(f) U^T y|| because V has orthonormal columns; the
        training outputs are U diag(s f) U^T y.
        """
        coefficients = self.factors(lam)[:, None] * (self.U.T @ y_train)        # (r, C) = V^T w
        out = self.test_in_basis @ coefficients
        fitted = self.U @ (self.s[:, None] * coefficients)
        return FeatureFit(p=self.p, n=self.n, train_error=float(np.mean(np.sum((fitted - y_train) ** 2, axis=1))),
                          test_error=float(np.mean(np.sum((out - y_test) ** 2, axis=1))),
                          test_misclassified=float(np.mean(out.argmax(1) != y_test.argmax(1))),
                          weight_norm=float(np.linalg.norm(coefficients)), condition=float(self.s[0] / self.s[-1]))


def gradient_descent(phi, y, eta, steps, w0=None):
    """Plain gradient descent on E(w) = ||phi w - y||^2: w <- w - eta grad, grad = 2 phi^T (phi w - y).

    Parameters
    ----------
    phi : array_like (N, p); y : array_like (N,) or (N, C)
    eta : float > 0, the learning rate; steps : int >= 0
    w0 : array_like, the start (default: zeros, shape (p,) or (p, C))

    Returns
    -------
    w : ndarray, shape (p,) or (p, C), after ``steps`` steps. Started at 0, every
    step adds a combination of the rows of phi, so w stays in their span: if it
    converges, it converges to the minimum-norm solution.
    """
    phi, y = _check_system(phi, y)
    eta = check_positive(eta, "eta")
    steps = check_int_at_least(steps, "steps", 0)
    w = np.zeros((phi.shape[1],) + y.shape[1:]) if w0 is None else np.array(w0, dtype=float)
    if w.shape != (phi.shape[1],) + y.shape[1:]:
        raise ValueError(f"w0 must have shape {(phi.shape[1],) + y.shape[1:]}, got {w.shape}.")
    for _ in range(steps):
        grad = 2.0 * phi.T @ (phi @ w - y)
        w -= eta * grad
    return w


def tuned_ridge_sweep(sweep, x_train, lams, fraction=0.2, label_noises=(0.0,)):
    """Ridge with lam chosen per seed and width on a validation split, then refitted on all n images.

    For each seed of ``sweep`` (a ``FeatureSweep``): its n training images are
    split by ``validation_split(fraction, seed=seed, stratify=False)`` into a
    fit part and a validation part (not stratified, so that the split, and
    with it the decompositions, are the same for every label noise); for each
    width the same first layer (``first_layer_rng(seed, p)``) is fitted on the
    fit part for every lam in ``lams`` (0 allowed: minimum norm), with the
    labels (noisy as in ``sweep.evaluate(label_noise=...)``, in the validation
    part too), the lam with the lowest validation error is kept, and the fit on
    all n images with that lam is tested. The test set plays no part in the choice.

    Parameters
    ----------
    sweep : FeatureSweep; x_train : the (N, 64) images it was built from
    lams : sequence of float >= 0, the candidates
    label_noises : sequence of fractions of wrong training labels

    Returns
    -------
    dict label_noise -> (SweepResult of the refitted models, chosen lam : ndarray (S, K))
    """
    from ..datasets import validation_split  # datasets sits below topics

    if not isinstance(sweep, FeatureSweep):
        raise TypeError(f"sweep must be a FeatureSweep, got {type(sweep).__name__}.")
    lams = np.array([check_positive(v, "lams", allow_zero=True) for v in lams])
    if not lams.size:
        raise ValueError("lams must list at least one ridge strength.")
    label_noises = tuple(check_probability(v, "label_noises") for v in label_noises)
    start = time.perf_counter()
    rows = {noise: [] for noise in label_noises}
    chosen = {noise: [] for noise in label_noises}
    for seed, idx, fits in zip(sweep.seeds, sweep.indices, sweep.fits):
        order = np.arange(sweep.n)
        fit_rows, _, val_rows, _ = validation_split(order, order, fraction=fraction, seed=seed, stratify=False)
        inputs_fit, inputs_val = digit_inputs(x_train[idx[fit_rows]], x_train[idx[val_rows]])
        held_out = [SpectralFit(inputs_fit, inputs_val, int(p), seed=first_layer_rng(seed, int(p))) for p in sweep.widths]
        for noise in label_noises:
            labels = sweep.training_labels(seed, noise)
            y_fit, y_val, y_train = np.eye(10)[labels[fit_rows]], np.eye(10)[labels[val_rows]], np.eye(10)[labels]
            row, lam_row = [], []
            for fit, part in zip(fits, held_out):
                errors = [part.test_error(y_fit, y_val, lam) for lam in lams]
                best = float(lams[int(np.argmin(errors))])
                lam_row.append(best)
                row.append(fit.measure(y_train, sweep.y_test, best))
            rows[noise].append(row)
            chosen[noise].append(lam_row)
    seconds = time.perf_counter() - start
    return {noise: (SweepResult(sweep.widths, rows[noise], seconds), np.array(chosen[noise])) for noise in label_noises}


class BiasVariance:
    """Test error split over seeds (``bias_variance``); arrays of shape (K,), one value per width.

    error = bias2 + variance exactly (the mean over seeds of each seed's test MSE).
    """

    def __init__(self, values, bias2, variance, error):
        self.values, self.bias2, self.variance, self.error = values, bias2, variance, error


def split_bias_variance(outputs, y_test):
    """bias^2, variance and their sum for the predictions of K models on the same test set.

    Parameters
    ----------
    outputs : array_like (K, M, C), the test outputs y_hat_k of K fits (K >= 2), e.g. one per seed k
    y_test : array_like (M, C)

    Returns
    -------
    (bias2, variance, error) floats with error = mean_k mean_m ||y_hat_k - y||^2 = bias2 + variance.
    With y_hat_bar the mean over the K fits, the plain estimates are
    B = mean_m ||y_hat_bar - y||^2 and V = mean_m mean_k ||y_hat_k - y_hat_bar||^2; B also
    holds V / (K - 1) of the variance (y_hat_bar is a mean of only K draws), so
    bias2 = B - V / (K - 1) and variance = V K / (K - 1) (unbiased; the sum is unchanged).
    """
    outputs = as_float_array(outputs, "outputs")
    y_test = as_float_array(y_test, "y_test")
    if outputs.ndim != 3 or outputs.shape[1:] != y_test.shape or outputs.shape[0] < 2:
        raise ValueError(f"outputs must have shape (K >= 2, M, C), one row of test outputs per fit, with (M, C) = "
                         f"y_test's shape {y_test.shape}, got {outputs.shape}.")
    K = outputs.shape[0]
    mean = outputs.mean(axis=0)
    plain_bias = float(np.mean(np.sum((mean - y_test) ** 2, axis=1)))
    plain_variance = float(np.mean(np.sum((outputs - mean) ** 2, axis=2)))
    return plain_bias - plain_variance / (K - 1), plain_variance * K / (K - 1), plain_bias + plain_variance


def bias_variance(sweep, lam=0.0, label_noise=0.0):
    """``split_bias_variance`` over the seeds of a ``FeatureSweep`` at each width.

    Each seed has its own n training images, its own first layer and, with
    label noise, its own wrong labels: the variance is over all three.
    """
    if not isinstance(sweep, FeatureSweep):
        raise TypeError(f"sweep must be a FeatureSweep, got {type(sweep).__name__}.")
    parts = []
    for k in range(len(sweep.widths)):
        outputs = [fits[k].test_outputs(np.eye(10)[sweep.training_labels(seed, label_noise)], lam)
                   for seed, fits in zip(sweep.seeds, sweep.fits)]
        parts.append(split_bias_variance(np.array(outputs), sweep.y_test))
    bias2, variance, error = (np.array(v) for v in zip(*parts))
    return BiasVariance(sweep.widths, bias2, variance, error)


class DescentPath:
    """Gradient descent from w = 0 along ``steps`` (T,), next to ridge at lam = 1 / (2 eta t); arrays (T,).

    Attributes: p, eta, steps, test_error, train_error (MSE per example, summed over outputs),
    distance (||w_t - w+|| / ||w+||, w+ the minimum-norm solution), ridge_lam, ridge_test_error,
    min_norm_test_error (float).
    """

    def __init__(self, **values):
        self.__dict__.update(values)


def gradient_descent_path(fit, y_train, y_test, eta, steps):
    """Test error, training error and distance to the minimum-norm solution of gradient descent after each t.

    fit : SpectralFit; y_train (n, C); y_test (M, C); eta : learning rate (< 1 / s_max^2);
    steps : increasing step counts t > 0. Uses ``fit.gradient_descent_factors``
    (exact gradient descent on ||phi w - Y||^2 from w = 0, as many steps as asked
    without running them). Ridge with lam = 1 / (2 eta t) is evaluated beside it:
    (1 - 2 eta s^2)^t ~ exp(-2 eta t s^2) leaves directions with s^2 >> 1 / (2 eta t)
    fitted and those with s^2 << 1 / (2 eta t) nearly untouched, as ridge's
    s / (s^2 + lam) does around s^2 = lam.
    """
    if not isinstance(fit, SpectralFit):
        raise TypeError(f"fit must be a SpectralFit, got {type(fit).__name__}.")
    steps = np.asarray(steps, dtype=float)
    if steps.ndim != 1 or np.any(steps <= 0) or np.any(np.diff(steps) <= 0):
        raise ValueError("steps must be an increasing 1-D sequence of positive step counts.")
    projected = fit.U.T @ y_train                                     # (r, C)
    outside = float(np.sum(y_train ** 2) - np.sum(projected ** 2))    # the part of Y no w can fit
    c_plus = fit.coefficients(y_train)

    def errors(f):
        out = fit.test_in_basis @ (f[:, None] * projected)
        train = (np.sum(((fit.s * f - 1.0)[:, None] * projected) ** 2) + outside) / fit.n
        return float(np.mean(np.sum((out - y_test) ** 2, axis=1))), float(train)

    rows, ridge = [], []
    for t in steps:
        f = fit.gradient_descent_factors(eta, t)
        test, train = errors(f)
        rows.append((test, train, float(np.linalg.norm(f[:, None] * projected - c_plus) / np.linalg.norm(c_plus))))
        ridge.append(fit.test_error(y_train, y_test, 1.0 / (2.0 * eta * t)))
    test, train, distance = (np.array(v) for v in zip(*rows))
    return DescentPath(p=fit.p, eta=float(eta), steps=steps, test_error=test, train_error=train, distance=distance,
                       ridge_lam=1.0 / (2.0 * eta * steps), ridge_test_error=np.array(ridge),
                       min_norm_test_error=fit.test_error(y_train, y_test))
