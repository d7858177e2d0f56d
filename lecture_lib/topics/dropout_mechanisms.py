"""Chapter 08's mechanisms: what dropout does to the learned function, and what it does to batch norm.

* ``noisy_sine``, ``regression_mlp``, ``fit_curve``, ``curve_sweep``: a 1-D
  regression (a few noisy samples of sin(pi x) on [-1, 1]) fitted by the same
  ReLU network with and without dropout, same budget; ``total_variation``
  measures how much a fitted curve goes up and down.
* ``spread_inside_and_beyond``: Monte Carlo dropout's spread (the standard
  deviation over sampled masks, ``dropout_ensemble.mc_dropout_samples``)
  inside the training range and beyond it.
* ``dropout_bn_mlp``, ``train_dropout_bn``, ``layer_input``,
  ``variance_shift``, ``evaluate_with_refreshed_statistics``: the variance
  shift of Li et al. (2019) when a dropout layer precedes batch
  normalisation: in training the unit's input h varies more (dropout on)
  than at inference (dropout off), and batch norm's running variance keeps
  the training value.

The variance shift, exactly: with inverted dropout a_i m_i / (1 - p) in
front of a linear layer h_j = sum_i W_ij a_i m_i / (1 - p) + b_j, the masks
independent of the example and of each other, Var(m_i / (1 - p)) = p/(1 - p),
so over examples and masks

    Var_on(h_j) = Var_off(h_j) + p/(1 - p) * mean_n sum_i W_ij^2 a_ni^2,

which ``variance_shift`` returns as ``predicted_var_on`` beside the measured one.

Shapes: 1-D inputs x : (N, 1), targets y : (N, 1); digits x : (N, 64).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import as_float_array, as_generator, check_int_at_least, check_positive, check_positive_int, \
    check_probability
from ..datasets.digits import load_digits
from ..nn import Activation, Adam, BatchNorm, CosineDecay, Dense, Dropout, Sequential
from .dropout_ensemble import noisy_digits_subset

__all__ = ["sine_target", "noisy_sine", "regression_mlp", "CurveFit", "fit_curve", "curve_sweep",
           "total_variation", "spread_inside_and_beyond", "dropout_bn_mlp", "DropoutBatchNormRun",
           "train_dropout_bn", "layer_input", "VarianceShift", "variance_shift",
           "evaluate_with_refreshed_statistics"]

#: The 1-D fit's training interval; beyond it the network has seen no data.
TRAIN_RANGE = (-1.0, 1.0)


def sine_target(x):
    """The noise-free function sin(pi x) that the 1-D fit should recover; same shape as x."""
    return np.sin(np.pi * as_float_array(x, "x"))


def noisy_sine(n_train=15, noise_std=0.3, seed=0):
    """``n_train`` points x uniform on ``TRAIN_RANGE``, y = sin(pi x) + Gaussian noise of std ``noise_std``.

    Returns
    -------
    x, y : ndarray, shape (n_train, 1) each
    """
    n_train = check_int_at_least(n_train, "n_train", 2)
    noise_std = check_positive(noise_std, "noise_std", allow_zero=True)
    rng = as_generator(seed, "seed")
    x = rng.uniform(*TRAIN_RANGE, size=(n_train, 1))
    return x, sine_target(x) + noise_std * rng.normal(size=(n_train, 1))


def regression_mlp(p_drop, width=128, hidden_layers=2, seed=0, eta=0.02, decay_steps=None):
    """1-width-...-1 ReLU network, ``Dropout(p_drop)`` after each hidden layer, squared error, Adam(eta).

    p_drop = 0 gives the same network without dropout layers (same initial weights).
    ``decay_steps``: η falls from ``eta`` to 0 along a cosine over that many
    steps (``nn.schedules.CosineDecay``). Why: with a constant η, Adam's
    steps on a network that memorises its few points stay large and chaotic,
    so the final fit depends on rounding (two BLAS builds gave test errors
    differing in the second digit); annealed to 0 the fit settles.
    """
    p_drop = check_probability(p_drop, "p_drop")
    if p_drop == 1:
        raise ValueError("regression_mlp needs p_drop < 1 (p_drop = 1 drops every hidden unit).")
    layers = []
    for _ in range(check_positive_int(hidden_layers, "hidden_layers")):
        layers.append(Dense(check_positive_int(width, "width"), activation="relu"))
        if p_drop > 0:
            layers.append(Dropout(p_drop))
    layers.append(Dense(1))
    model = Sequential(layers, seed=seed)
    model.build((1,))
    eta = check_positive(eta, "eta")
    if decay_steps is not None:
        eta = CosineDecay(eta, check_positive_int(decay_steps, "decay_steps"))
    model.compile(loss="mean_squared_error", optimizer=Adam(eta=eta))
    return model


def total_variation(values):
    """sum_k |v_{k+1} - v_k| of a curve sampled on a grid, shape (G,) or (G, 1): how far it goes up and down.

    A curve that wiggles through noisy points has a larger total variation
    than the smooth function it should recover (sin(pi x) on [-1, 1]: 4).
    """
    values = as_float_array(values, "values").reshape(len(values), -1)
    if values.shape[1] != 1 or len(values) < 2:
        raise ValueError(f"total_variation needs one curve of at least 2 points, shape (G,) or (G, 1); "
                         f"got shape {np.shape(values)}.")
    return float(np.abs(np.diff(values[:, 0])).sum())


@dataclass
class CurveFit:
    """One 1-D fit: the trained model (inference mode), its data and its scores.

    train_mse: mean squared error on the noisy training points; test_mse: on
    a grid of the training range against the noise-free sin(pi x) (what the
    fit should have recovered); total_variation of the fit on that grid.
    """

    p_drop: float
    seed: int
    model: Sequential
    x: np.ndarray
    y: np.ndarray
    train_mse: float
    test_mse: float
    total_variation: float


def fit_curve(p_drop, seed=0, n_train=15, noise_std=0.3, epochs=1000, width=128, n_grid=401, eta=0.02):
    """Train ``regression_mlp(p_drop)`` on ``noisy_sine(n_train, noise_std, seed)``, full batch; a ``CurveFit``.

    One step per epoch; Adam's η falls from ``eta`` to 0 over the ``epochs`` steps.

    The seed chooses the data, the initial weights and the masks; the same
    seed with another p_drop gives the same data and initial weights.
    """
    x, y = noisy_sine(n_train, noise_std, seed=seed)
    epochs = check_positive_int(epochs, "epochs")
    model = regression_mlp(p_drop, width=width, seed=seed, eta=eta, decay_steps=epochs)
    model.fit(x, y, batch_size=len(x), epochs=epochs, seed=seed)
    grid = np.linspace(*TRAIN_RANGE, check_int_at_least(n_grid, "n_grid", 2))[:, None]
    fitted = model.predict(grid)
    return CurveFit(float(p_drop), seed, model, x, y, float(np.mean((model.predict(x) - y) ** 2)),
                    float(np.mean((fitted - sine_target(grid)) ** 2)), total_variation(fitted))


def curve_sweep(p_values, seeds=(0, 1, 2), **kwargs):
    """``fit_curve`` for every p and seed: fits[i][s], and scores 'train_mse', 'test_mse', 'total_variation'

    as arrays of shape (len(p_values), len(seeds)).
    """
    fits = [[fit_curve(p, seed=s, **kwargs) for s in seeds] for p in p_values]
    scores = {key: np.array([[getattr(fit, key) for fit in row] for row in fits])
              for key in ("train_mse", "test_mse", "total_variation")}
    return fits, scores


def spread_inside_and_beyond(x_grid, spread, x_train, margin=1.0):
    """Mean spread on the grid points inside the training data's range, and at distance >= ``margin`` beyond it.

    Parameters
    ----------
    x_grid : ndarray, shape (G,) or (G, 1)
    spread : ndarray, shape (G,) or (G, 1), e.g. the standard deviation over masks
    x_train : ndarray, shape (N,) or (N, 1)
    margin : float > 0

    Returns
    -------
    (inside, beyond) : tuple of float

    Raises
    ------
    ValueError
        If no grid point lies inside the range or none that far beyond it.
    """
    x_grid = as_float_array(x_grid, "x_grid").ravel()
    spread = as_float_array(spread, "spread").ravel()
    if spread.shape != x_grid.shape:
        raise ValueError(f"spread must have one value per grid point ({x_grid.size}), got {spread.size}.")
    x_train = as_float_array(x_train, "x_train").ravel()
    low, high = x_train.min(), x_train.max()
    inside = (x_grid >= low) & (x_grid <= high)
    beyond = (x_grid <= low - check_positive(margin, "margin")) | (x_grid >= high + margin)
    if not inside.any() or not beyond.any():
        raise ValueError(f"the grid needs points inside [{low:.3g}, {high:.3g}] and at least {margin} beyond it.")
    return float(spread[inside].mean()), float(spread[beyond].mean())


# --- dropout before batch normalisation ----------------------------------------------------------------------

def dropout_bn_mlp(p_drop, width=128, seed=0):
    """64 -> Dense(width, relu) -> Dropout(p_drop) -> Dense(width) -> BatchNorm -> relu -> Dense(10, softmax).

    The order Li et al. (2019) warn about: a dropout layer, then (through a
    linear layer) batch normalisation. Compiled with Adam and cross-entropy.
    """
    p_drop = check_probability(p_drop, "p_drop")
    width = check_positive_int(width, "width")
    model = Sequential([Dense(width, activation="relu"), Dropout(p_drop), Dense(width), BatchNorm(),
                        Activation("relu"), Dense(10, activation="softmax")], seed=seed)
    model.build((64,))
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["acc"])
    return model


@dataclass
class DropoutBatchNormRun:
    """One ``train_dropout_bn`` run: the model (inference mode), its training digits and its accuracies."""

    p_drop: float
    seed: int
    model: Sequential
    x: np.ndarray
    y: np.ndarray
    train_acc: float
    test_acc: float


def train_dropout_bn(p_drop, seed=0, n_train=300, epochs=40, batch_size=32, width=128):
    """Train ``dropout_bn_mlp(p_drop)`` on ``n_train`` clean training digits; a ``DropoutBatchNormRun``.

    The seed chooses the subset (as ``dropout_ensemble.train_dropout_mlp``
    does), the initial weights, the masks and the shuffling. ``batch_size``
    must not leave a last batch of one example (batch norm needs two).
    """
    x, y, _ = noisy_digits_subset(n_train, 0.0, seed=1000 + seed)
    model = dropout_bn_mlp(p_drop, width=width, seed=seed)
    model.fit(x, y, batch_size=batch_size, epochs=check_positive_int(epochs, "epochs"), seed=seed)
    x_test, y_test = load_digits("test", one_hot=True, flatten=True)
    return DropoutBatchNormRun(float(p_drop), seed, model, x, y, model.evaluate(x, y)[1],
                               model.evaluate(x_test, y_test)[1])


def layer_input(model, x, index, dropout_on=False, seed=0):
    """The input of ``model.layers[index]`` for x: every layer before it in inference mode, dropout on or off.

    ``dropout_on=True`` runs the Dropout layers in training mode with masks
    from ``seed`` (as during training); every other layer stays in
    inference mode, so no running statistic is changed. The model is left
    in inference mode.

    Returns
    -------
    ndarray, shape (N, D) of that layer's input
    """
    index = check_int_at_least(index, "index", 0)
    if index >= len(model.layers):
        raise ValueError(f"index must be below the number of layers ({len(model.layers)}), got {index}.")
    rng = as_generator(seed, "seed")
    model.eval()
    h = np.asarray(x, dtype=float)
    try:
        for layer in model.layers[:index]:
            if isinstance(layer, Dropout) and dropout_on:
                layer.training, saved_rng, layer.rng = True, layer.rng, rng
                try:
                    h = layer.forward(h)
                finally:
                    layer.training, layer.rng = False, saved_rng
            else:
                h = layer.forward(h)
    finally:
        model.eval()
    return h


@dataclass
class VarianceShift:
    """Per unit j of the batch-norm layer's input h (arrays of shape (D,)).

    var_dropout_on: Var over the examples (and masks) of h_j with dropout on,
    as in training; var_dropout_off: with dropout off, as at inference;
    predicted_var_on: var_dropout_off + p/(1 - p) mean_n sum_i W_ij^2 a_ni^2
    (see the module docstring); running_var: what batch norm stored in
    training and divides by at inference. normalised_var_at_inference:
    var_dropout_off / (running_var + kappa), the variance of batch norm's
    normalised output ĥ_j at inference (1 if nothing were shifted).
    """

    p_drop: float
    var_dropout_on: np.ndarray
    var_dropout_off: np.ndarray
    predicted_var_on: np.ndarray
    running_var: np.ndarray
    normalised_var_at_inference: np.ndarray


def variance_shift(model, x, seed=0, n_mask_draws=20):
    """Measure the variance shift at the first BatchNorm of a Dropout -> Dense (linear) -> BatchNorm chain.

    Variances are over the rows of x (the training digits); with dropout on,
    over ``n_mask_draws`` copies of x with fresh masks.

    Raises
    ------
    ValueError
        If the model has no BatchNorm right after a linear Dense right after a Dropout.
    """
    layers = model.layers
    index = next((i for i, layer in enumerate(layers) if isinstance(layer, BatchNorm)), None)
    if (index is None or index < 2 or not isinstance(layers[index - 1], Dense)
            or layers[index - 1].activation.name != "linear" or not isinstance(layers[index - 2], Dropout)):
        raise ValueError("variance_shift needs a model with Dropout -> Dense (no activation) -> BatchNorm.")
    dropout, dense, batchnorm = layers[index - 2], layers[index - 1], layers[index]
    if dropout.variant != "inverted":
        raise ValueError("variance_shift assumes inverted dropout (the engine's default).")
    n_mask_draws = check_positive_int(n_mask_draws, "n_mask_draws")
    x = np.asarray(x, dtype=float)
    h_off = layer_input(model, x, index, dropout_on=False)
    h_on = layer_input(model, np.concatenate([x] * n_mask_draws), index, dropout_on=True, seed=seed)
    a = layer_input(model, x, index - 2)  # the dropout layer's input, shape (N, D_in)
    p = dropout.p_drop
    extra = p / (1.0 - p) * np.mean((a ** 2) @ (dense.params["W"] ** 2), axis=0)
    var_off = h_off.var(axis=0)
    return VarianceShift(float(p), h_on.var(axis=0), var_off, var_off + extra, batchnorm.running_var.copy(),
                         var_off / (batchnorm.running_var + batchnorm.eps))


def evaluate_with_refreshed_statistics(model, x_statistics, x, y):
    """[loss, accuracy] on (x, y) after re-estimating every BatchNorm's running mean and variance with dropout off.

    Each BatchNorm (in order) gets the mean and the unbiased variance of its
    input over ``x_statistics`` (the training inputs) with every Dropout
    layer in inference mode: the statistics batch norm will meet at
    inference. One remedy of Li et al. (2019); the model is restored after.
    """
    indices = [i for i, layer in enumerate(model.layers) if isinstance(layer, BatchNorm)]
    if not indices:
        raise ValueError("evaluate_with_refreshed_statistics needs a model with a BatchNorm layer.")
    saved = [(model.layers[i].running_mean, model.layers[i].running_var) for i in indices]
    try:
        for i in indices:
            h = layer_input(model, x_statistics, i)
            model.layers[i].running_mean, model.layers[i].running_var = h.mean(axis=0), h.var(axis=0, ddof=1)
        return model.evaluate(x, y)
    finally:
        for i, (mean, var) in zip(indices, saved):
            model.layers[i].running_mean, model.layers[i].running_var = mean, var
