"""Training pitfalls (chapter 07): vanishing and exploding gradients, dead ReLU units, the NaN trap.

Every experiment is a deep fully connected network on the shipped 8x8
digits (64 inputs, 10 classes), trained with the engine (``Sequential``)
and measured with the engine's diagnostics (``lecture_lib.nn.diagnostics``):

    run = train_deep_network(depth=10, activation="sigmoid", init="lecun", seed=0)
    run.before.gradient_ratio     # ||∇W_1|| / ||∇W_last|| at the start: ~1e-6, vanishing
    run.test_accuracy             # ~0.10: chance, the network did not learn

Initialisation. Every weight matrix W of shape (fan_in, fan_out) is drawn
from N(0, gain² / fan_in), biases 0; the names of ``INITIALISATIONS`` give
the gain:

* ``'lecun'``: gain 1, std √(1/fan_in) (LeCun; the usual start for
  sigmoid networks): keeps the variance of h about constant for
  a linear unit, but a sigmoid's slope is at most 1/4, so every sigmoid
  layer shrinks the back-propagated error by 4 or more;
* ``'he'``: gain √2, std √(2/fan_in) (He et al. 2015): ReLU zeroes half its
  inputs, so twice the variance keeps the signal's size through the layers;
* ``'large'``: gain 2, std 2/√fan_in: √2 times He, so a ReLU layer doubles
  the variance of its signal; over 10 layers the output and the gradients
  grow by about 2^10 in variance (exploding gradients);
* ``'glorot'``: the engine's Glorot uniform (Keras's default), for comparison.

The defaults (batch 32, width 64) and the diagnostics and evaluation in
chunks of ``CHUNK`` examples keep every matrix product below the size at
which OpenBLAS starts threads: on a busy 2-core machine its threads made
``diagnose`` on all 1438 images 30x slower (5 s instead of 0.15 s), and one
thread gives the same numbers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .._validate import as_generator, check_choice, check_positive, check_positive_int
from ..datasets import load_digits
from ..nn.activations import get_activation
from ..nn.diagnostics import NaNTrap, NonFiniteError, diagnose
from ..nn.layers import Dense
from ..nn.model import Sequential, TrainingDivergedError
from ..nn.optimizers import SGD, Adam

__all__ = ["INITIALISATIONS", "ACTIVATIONS", "OPTIMIZERS", "digits_split", "deep_network", "PitfallRun",
           "train_deep_network", "mean_dead_fraction", "seed_summary", "CHUNK"]

#: gain of N(0, gain² / fan_in) for each initialisation name (None: the engine's Glorot uniform).
INITIALISATIONS = {"lecun": 1.0, "he": math.sqrt(2.0), "large": 2.0, "glorot": None}
#: hidden activations the experiments use
ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu")
OPTIMIZERS = ("sgd", "adam")
#: examples per forward/backward pass of the diagnostics and of the test evaluation
CHUNK = 32

_DIGITS = {}


def digits_split(n_train=None):
    """The digits as (x_train (N, 64), y_train (N, 10) one-hot, x_test (359, 64), y_test (359, 10)).

    ``n_train``: keep only the first n_train training images (the split is
    stratified and shuffled, so the first ones are a fair sample).
    Pixels in [0, 1]. The arrays are shared between calls: do not modify them.
    """
    if not _DIGITS:
        x_train, y_train = load_digits("train", one_hot=True, flatten=True)
        x_test, y_test = load_digits("test", one_hot=True, flatten=True)
        _DIGITS.update(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    n = _DIGITS["x_train"].shape[0] if n_train is None else min(check_positive_int(n_train, "n_train"),
                                                                 _DIGITS["x_train"].shape[0])
    return _DIGITS["x_train"][:n], _DIGITS["y_train"][:n], _DIGITS["x_test"], _DIGITS["y_test"]


def _hidden_activation(activation, slope):
    if isinstance(activation, str):
        check_choice(activation, "activation", ACTIVATIONS)
        return get_activation(activation, slope=slope) if activation == "leaky_relu" else activation
    return activation


def deep_network(depth, width=64, activation="relu", init="he", seed=0, n_inputs=64, n_classes=10, slope=0.01):
    """An MLP n_inputs -> depth x width (``activation``) -> n_classes (softmax), weights drawn as ``init`` says.

    Parameters
    ----------
    depth : int >= 1
        Number of hidden layers.
    width : int
        Units per hidden layer.
    activation : {'sigmoid', 'tanh', 'relu', 'leaky_relu'}
    init : {'lecun', 'he', 'large', 'glorot'}
        See the module docstring; the output layer is drawn the same way.
    seed : int
        Seeds the weights.
    slope : float
        Negative-side slope of 'leaky_relu'.

    Returns
    -------
    Sequential, built for inputs (N, n_inputs), not compiled.
    """
    depth, width = check_positive_int(depth, "depth"), check_positive_int(width, "width")
    check_choice(init, "init", tuple(INITIALISATIONS))
    hidden = _hidden_activation(activation, slope)
    model = Sequential([Dense(width, activation=hidden) for _ in range(depth)]
                       + [Dense(n_classes, activation="softmax")], seed=seed)
    model.build((n_inputs,))
    gain = INITIALISATIONS[init]
    if gain is not None:
        rng = as_generator(seed, "seed")
        for layer in model.layers:
            w = layer.params["W"]
            w[...] = rng.standard_normal(w.shape) * (gain / math.sqrt(w.shape[0]))
    return model


@dataclass
class PitfallRun:
    """One training run of ``train_deep_network`` and what was measured.

    Attributes
    ----------
    setting : dict
        The arguments of the run.
    before : Diagnostics
        ``diagnose`` on the training set at the start (per-layer gradient
        norms, saturation, dead units, update ratios).
    after : Diagnostics or None
        The same at the end (None when training diverged).
    diverged : bool
        Training produced NaN/inf (``TrainingDivergedError``).
    error : str or None
        The engine's message when it diverged.
    nan_report : NonFiniteReport or None
        What the NaN trap found (with ``nan_trap=True``).
    test_accuracy : float
        On the 359 test images (nan when diverged).
    losses : list of float
        Training loss per completed epoch.
    """

    setting: dict
    before: object
    after: object = None
    diverged: bool = False
    error: str | None = None
    nan_report: object = None
    test_accuracy: float = math.nan
    losses: list = field(default_factory=list)


def _optimizer(name, eta):
    check_choice(name, "optimizer", OPTIMIZERS)
    return SGD(eta=eta) if name == "sgd" else Adam(eta=eta)


def train_deep_network(depth=10, width=64, activation="relu", init="he", optimizer="adam", eta=0.01, epochs=10,
                       batch_size=32, global_clipnorm=None, seed=0, n_train=None, slope=0.01, nan_trap=False,
                       diagnose_after=True):
    """Build ``deep_network``, diagnose it, train it on the digits, diagnose it again; return a ``PitfallRun``.

    Parameters
    ----------
    depth, width, activation, init, slope : see ``deep_network``
    optimizer : {'sgd', 'adam'}
    eta : float > 0
        Learning rate η.
    epochs, batch_size : int
    global_clipnorm : float > 0, optional
        Clip the gradients by their global norm before every update.
    seed : int
        Seeds the weights and the order of the batches.
    n_train : int, optional
        Train on the first n_train images only (default all 1438).
    nan_trap : bool
        Train with the engine's ``NaNTrap`` callback: on NaN/inf it replays
        the step and ``nan_report`` says where the first non-finite tensor appeared.
    diagnose_after : bool
        Run ``diagnose`` at the end too (``after``).
    """
    eta = check_positive(eta, "eta")
    x_train, y_train, x_test, y_test = digits_split(n_train)
    model = deep_network(depth, width, activation, init, seed=seed, slope=slope)
    model.compile(loss="categorical_crossentropy", optimizer=_optimizer(optimizer, eta), metrics=["acc"],
                  global_clipnorm=global_clipnorm)
    setting = dict(depth=depth, width=width, activation=activation if isinstance(activation, str) else
                   activation.name, init=init, optimizer=optimizer, eta=eta, epochs=epochs, batch_size=batch_size,
                   global_clipnorm=global_clipnorm, seed=seed, n_train=x_train.shape[0], slope=slope)
    run = PitfallRun(setting, before=diagnose(model, x_train, y_train, batch_size=CHUNK))
    trap = NaNTrap() if nan_trap else None
    epoch_losses = []

    class _Losses:  # keeps the losses of the epochs that finished, also when a later one diverges
        @staticmethod
        def on_epoch_end(model, logs):
            epoch_losses.append(logs["loss"])

    callbacks = [_Losses()] + ([trap] if trap else [])
    try:
        model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, seed=seed, callbacks=callbacks)
    except NonFiniteError as error:
        run.diverged, run.error, run.nan_report = True, str(error), error.report
    except TrainingDivergedError as error:
        run.diverged, run.error = True, str(error)
    run.losses = epoch_losses
    if not run.diverged:
        run.test_accuracy = model.evaluate(x_test, y_test, batch_size=CHUNK)[1]
        if diagnose_after:
            run.after = diagnose(model, x_train, y_train, batch_size=CHUNK)
    return run


def mean_dead_fraction(diagnostics):
    """The fraction of dead units over all (equally wide) ReLU / leaky ReLU layers of a ``Diagnostics``."""
    dead = list(diagnostics.column("dead_fraction").values())
    if not dead:
        raise ValueError("these diagnostics have no ReLU or leaky ReLU layer: no dead fraction to average.")
    return float(np.mean(dead))


def seed_summary(values, digits=2):
    """'mean ± half-range (min-max)' of a few runs' values, with ``digits`` significant digits.

    Parameters
    ----------
    values : sequence of float
    digits : int
    """
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        raise ValueError("seed_summary needs at least one value.")
    fmt = f"{{:.{digits}g}}"
    return (f"{fmt.format(values.mean())} (range {fmt.format(values.min())}–{fmt.format(values.max())},"
            f" {values.size} seeds)")
