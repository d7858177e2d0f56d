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
from ..nn.diagnostics import NaNTrap, NonFiniteError, diagnose, gradient_norms
from ..nn.layers import Dense, PReLU
from ..nn.model import Sequential, TrainingDivergedError
from ..nn.optimizers import SGD, Adam

__all__ = ["INITIALISATIONS", "ACTIVATIONS", "OPTIMIZERS", "digits_split", "deep_network", "PitfallRun",
           "train_deep_network", "mean_dead_fraction", "seed_summary", "CHUNK", "ADAM_KAPPA", "layer_outputs",
           "output_spread", "batch_gradient_rms", "adam_step_fraction", "OutputCollapse", "output_collapse",
           "tally", "span", "start_diagnostics", "RangeTest", "learning_rate_range_test", "PReluRun",
           "train_prelu_network", "always_negative_fractions"]

#: gain of N(0, gain² / fan_in) for each initialisation name (None: the engine's Glorot uniform).
INITIALISATIONS = {"lecun": 1.0, "he": math.sqrt(2.0), "large": 2.0, "glorot": None}
#: hidden activations the experiments use
ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu")
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
    activation : {'sigmoid', 'tanh', 'relu', 'leaky_relu', 'elu'}
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
class StartGradients:
    """The per-layer gradient norms alone (``train_deep_network(diagnose_before=False)``), {layer name: norm}."""

    grad_norms: dict

    @property
    def gradient_ratio(self):
        """||∇W|| of the first layer over that of the last, as ``Diagnostics.gradient_ratio``."""
        norms = list(self.grad_norms.values())
        return norms[0] / norms[-1] if len(norms) >= 2 and norms[-1] != 0 else math.nan

    def column(self, name):
        if name != "grad_norm":
            raise ValueError(f"only 'grad_norm' was measured (diagnose_before=False), not {name!r}.")
        return dict(self.grad_norms)


@dataclass
class PitfallRun:
    """One training run of ``train_deep_network`` and what was measured.

    Attributes
    ----------
    setting : dict
        The arguments of the run.
    before : Diagnostics or StartGradients
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
    train_accuracy : float
        On the training images it was trained on (nan when diverged).
    losses : list of float
        Training loss per completed epoch.
    diverged_epoch : int or None
        The epoch (1 = first) in which training produced NaN/inf.
    model : Sequential
        The network as training left it (for further measurements).
    """

    setting: dict
    before: object
    after: object = None
    diverged: bool = False
    error: str | None = None
    nan_report: object = None
    test_accuracy: float = math.nan
    train_accuracy: float = math.nan
    losses: list = field(default_factory=list)
    diverged_epoch: int | None = None
    model: object = None


def _optimizer(name, eta):
    check_choice(name, "optimizer", OPTIMIZERS)
    return SGD(eta=eta) if name == "sgd" else Adam(eta=eta)


def train_deep_network(depth=10, width=64, activation="relu", init="he", optimizer="adam", eta=0.01, epochs=10,
                       batch_size=32, global_clipnorm=None, seed=0, n_train=None, slope=0.01, nan_trap=False,
                       diagnose_after=True, diagnose_before=True):
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
    diagnose_before : bool
        Run ``diagnose`` at the start (``before``). Each ``diagnose`` costs
        about three passes over the data (gradients, unit counts, the update
        ratio's trial step); without it ``before`` holds only the start's
        ``gradient_ratio`` (one pass, ``StartGradients``).
    """
    eta = check_positive(eta, "eta")
    x_train, y_train, x_test, y_test = digits_split(n_train)
    model = deep_network(depth, width, activation, init, seed=seed, slope=slope)
    model.compile(loss="categorical_crossentropy", optimizer=_optimizer(optimizer, eta), metrics=["acc"],
                  global_clipnorm=global_clipnorm)
    setting = dict(depth=depth, width=width, activation=activation if isinstance(activation, str) else
                   activation.name, init=init, optimizer=optimizer, eta=eta, epochs=epochs, batch_size=batch_size,
                   global_clipnorm=global_clipnorm, seed=seed, n_train=x_train.shape[0], slope=slope)
    before = (diagnose(model, x_train, y_train, batch_size=CHUNK) if diagnose_before
              else StartGradients(gradient_norms(model, x_train, y_train, batch_size=CHUNK)))
    run = PitfallRun(setting, before=before)
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
    run.model = model
    if run.diverged:
        run.diverged_epoch = len(epoch_losses) + 1
    else:
        run.test_accuracy = model.evaluate(x_test, y_test, batch_size=CHUNK)[1]
        run.train_accuracy = model.evaluate(x_train, y_train, batch_size=CHUNK)[1]
        if diagnose_after:
            run.after = diagnose(model, x_train, y_train, batch_size=CHUNK)
    return run


def start_diagnostics(depth=10, width=64, activation="relu", init="he", optimizer="adam", eta=0.01, seed=0,
                      n_train=None, slope=0.01):
    """``diagnose`` of the network ``train_deep_network`` would start from (the same arguments), untrained.

    For a run made with ``diagnose_before=False`` whose start is needed after all
    (the dashboard shows the start's unit counts when a run ended in NaN).
    """
    x_train, y_train, _, _ = digits_split(n_train)
    model = deep_network(depth, width, activation, init, seed=seed, slope=slope)
    model.compile(loss="categorical_crossentropy", optimizer=_optimizer(optimizer, check_positive(eta, "eta")))
    return diagnose(model, x_train, y_train, batch_size=CHUNK)


@dataclass
class PReluRun:
    """One PReLU network trained on the digits (``train_prelu_network``).

    test_accuracy, train_accuracy : float
    always_negative : list of float
        Per hidden layer, the fraction of units whose weighted sum h is <= 0 on every training image (a ReLU
        unit there would be dead; a PReLU unit still passes a · h and its slope still learns).
    slopes : list of ndarray, shape (width,)
        Per hidden layer, the learned slopes a.
    model : Sequential
        The trained network (layers: Dense, PReLU, ..., Dense softmax).
    """

    test_accuracy: float
    train_accuracy: float
    always_negative: list
    slopes: list
    model: Sequential = field(repr=False, default=None)


def always_negative_fractions(model, x):
    """Per PReLU layer of ``model``, the fraction of its units whose input h is <= 0 on every example of x."""
    outputs = layer_outputs(model, x)
    inputs = [x] + outputs[:-1]  # what each layer received
    return [float(np.mean(np.all(inputs[i] <= 0, axis=0))) for i, layer in enumerate(model.layers)
            if isinstance(layer, PReLU)]


def train_prelu_network(depth=3, width=64, eta=0.01, epochs=10, batch_size=32, seed=0, initial_slope=0.25):
    """``depth`` hidden layers of ``width`` PReLU units (Dense, He-normal, then ``PReLU``), softmax output,
    trained with Adam on the digits like ``train_deep_network``; returns a ``PReluRun``.

    The weights are He-normal, Var(w) = 2/fan_in, as for the ReLU networks they are compared with; He et al.
    (2015) derive 2/((1 + a²) fan_in) for PReLU, about 6 % smaller at the initial a = 0.25.
    """
    depth, width = check_positive_int(depth, "depth"), check_positive_int(width, "width")
    x_train, y_train, x_test, y_test = digits_split()
    layers = []
    for _ in range(depth):
        layers += [Dense(width, init="he_normal"), PReLU(initial_slope)]
    model = Sequential(layers + [Dense(y_train.shape[1], activation="softmax")], seed=seed)
    model.compile(loss="categorical_crossentropy", optimizer=Adam(eta=check_positive(eta, "eta")), metrics=["acc"])
    model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, seed=seed)
    return PReluRun(test_accuracy=model.evaluate(x_test, y_test, batch_size=CHUNK)[1],
                    train_accuracy=model.evaluate(x_train, y_train, batch_size=CHUNK)[1],
                    always_negative=always_negative_fractions(model, x_train),
                    slopes=[model.layers[2 * i + 1].params["a"].copy() for i in range(depth)], model=model)


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


#: Adam's stabiliser κ in the experiments (the engine's default, as Keras's epsilon=1e-7)
ADAM_KAPPA = Adam().eps


def layer_outputs(model, x):
    """Every layer's output g for all of x: a list (one per layer) of arrays (N, units), in chunks of CHUNK."""
    chunks = []
    model.eval()
    for start in range(0, x.shape[0], CHUNK):
        outputs = []
        model.forward(x[start:start + CHUNK], outputs=outputs)
        chunks.append(outputs)
    return [np.concatenate([c[i] for c in chunks]) for i in range(len(model.layers))]


def output_spread(model, x):
    """How much each layer's output varies from example to example: [one float per layer].

    For each unit, the standard deviation of its output g over the N
    examples of x; averaged over the layer's units. A layer whose spread is
    far below the first layer's has forgotten its input (the forward
    signal collapsed): every example gives almost the same output.
    """
    return [float(np.mean(np.std(g, axis=0))) for g in layer_outputs(model, np.asarray(x))]


def batch_gradient_rms(model, x, y, batch_size=32):
    """Root mean square of the mini-batch gradient's entries ∂E/∂w, per weight matrix: [one float per layer].

    Over one pass of x in batches of ``batch_size`` (the batches the
    optimiser sees): √(mean over batches and entries of (∂E/∂w)²). This is
    what Adam's second moment ŝ estimates for a weight, so it is the size of
    √ŝ that Adam divides by. The model is not changed.
    """
    check_positive_int(batch_size, "batch_size")
    if model.loss is None:
        raise RuntimeError("Compile the model first: the gradient needs its loss (model.compile(loss=...)).")
    x, y = np.asarray(x), np.asarray(y)
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x has {x.shape[0]} examples but y has {y.shape[0]}.")
    model.eval()
    sums, count = None, 0
    for start in range(0, x.shape[0], batch_size):
        y_hat = model.forward(x[start:start + batch_size])
        model.backward(y[start:start + batch_size], y_hat)
        squares = [float(np.mean(g["W"] ** 2)) for g in model.grads if "W" in g]
        sums = squares if sums is None else [a + b for a, b in zip(sums, squares)]
        count += 1
    return [math.sqrt(v / count) for v in sums]


def adam_step_fraction(gradient_rms, kappa=ADAM_KAPPA):
    """The fraction of Adam's full step η that a weight with gradients of size ``gradient_rms`` takes.

    Adam's step is η m̂ / (√ŝ + κ); for a gradient of steady size r, m̂ ≈ ±r
    and √ŝ ≈ r, so the step is η r / (r + κ): about η when r ≫ κ (Adam's
    normalisation), about η r/κ when r ≪ κ (then κ, not the gradient, sets
    the step). Accepts a float or a sequence; returns the same.
    """
    kappa = check_positive(kappa, "kappa")
    r = np.asarray(gradient_rms, dtype=float)
    if np.any(r < 0) or not np.all(np.isfinite(r)):
        raise ValueError("gradient_rms must be finite and >= 0 (a root mean square).")
    fraction = r / (r + kappa)
    return float(fraction) if fraction.ndim == 0 else fraction.tolist()


@dataclass
class OutputCollapse:
    """How far a classifier's outputs ŷ have collapsed to the class proportions (``output_collapse``).

    Attributes
    ----------
    spread : float
        Standard deviation of ŷ over the examples, averaged over the classes
        (0: the same output for every input).
    largest_gap : float
        max over classes c of |mean of ŷ_c − proportion of class c|.
    loss : float
        The mean cross-entropy of ŷ on (x, y).
    proportion_loss : float
        The cross-entropy of predicting the class proportions for every
        input, −Σ_c p_c log p_c: the best a network that ignores its input
        can do.
    """

    spread: float
    largest_gap: float
    loss: float
    proportion_loss: float

    def collapsed(self, tol=0.01):
        """True when every output is within ``tol`` of the class proportions on average and barely varies."""
        return self.spread < tol and self.largest_gap < tol


def output_collapse(model, x, y):
    """Compare a softmax classifier's outputs with the class proportions of the one-hot targets y (N, C)."""
    y = np.asarray(y, dtype=float)
    y_hat = layer_outputs(model, np.asarray(x))[-1]
    if y_hat.shape != y.shape:
        raise ValueError(f"y must be one-hot of the output's shape {y_hat.shape}, got {y.shape}.")
    proportions = y.mean(axis=0)
    loss = float(-np.mean(np.sum(y * np.log(np.clip(y_hat, 1e-300, None)), axis=1)))
    present = proportions > 0
    return OutputCollapse(spread=float(np.mean(np.std(y_hat, axis=0))),
                          largest_gap=float(np.max(np.abs(y_hat.mean(axis=0) - proportions))),
                          loss=loss, proportion_loss=float(-np.sum(proportions[present] * np.log(proportions[present]))))


def tally(flags):
    """'k/n': how many of the n flags are true (e.g. ``tally([a > 80 for a in accuracies])``)."""
    flags = [bool(f) for f in flags]
    if not flags:
        raise ValueError("tally needs at least one flag.")
    return f"{sum(flags)}/{len(flags)}"


def span(values, spec=".0e", unit=""):
    """'low to high' of a few seeds' values formatted with ``spec``; one value when both ends print the same."""
    values = [float(v) for v in values]
    if not values:
        raise ValueError("span needs at least one value.")
    low, high = format(min(values), spec) + unit, format(max(values), spec) + unit
    return low if low == high else f"{low} to {high}"


@dataclass
class RangeTest:
    """A learning-rate range test (``learning_rate_range_test``).

    Attributes
    ----------
    etas, losses : list of float
        The learning rate of every step and the loss of its batch (measured before the update; inf once diverged).
    smoothed : list of float
        The losses averaged over the last ``window`` steps.
    lowest_eta : float
        The learning rate at the lowest smoothed loss.
    blow_up_eta : float or None
        The first learning rate at which the smoothed loss exceeds 4 times its lowest value so far
        or a loss is NaN/inf (None: it never blew up).
    """

    etas: list
    losses: list
    smoothed: list
    lowest_eta: float
    blow_up_eta: float | None


def learning_rate_range_test(depth=3, activation="relu", init="he", optimizer="adam", eta_min=1e-5, eta_max=1.0,
                             steps=90, batch_size=32, window=5, seed=0):
    """Train once while η grows geometrically from eta_min to eta_max, one batch per value (Smith 2017).

    The loss first barely moves (η too small), then falls (a useful η),
    then rises or overflows (too large). The usual reading: take η a few
    times below the one where the loss is lowest, well below where it blows
    up. Batches cycle through the digits' training split in a seeded order.

    Returns
    -------
    RangeTest
    """
    eta_min, eta_max = check_positive(eta_min, "eta_min"), check_positive(eta_max, "eta_max")
    if eta_max <= eta_min:
        raise ValueError(f"eta_max must exceed eta_min, got {eta_min} and {eta_max}.")
    steps, window = check_positive_int(steps, "steps"), check_positive_int(window, "window")
    x_train, y_train, _, _ = digits_split()
    model = deep_network(depth, activation=activation, init=init, seed=seed)
    model.compile(loss="categorical_crossentropy", optimizer=_optimizer(optimizer, eta_min))
    order = as_generator(seed, "seed").permutation(x_train.shape[0])
    etas = list(eta_min * (eta_max / eta_min) ** (np.arange(steps) / max(steps - 1, 1)))
    losses = []
    for step, eta in enumerate(etas):
        model.optimizer.eta = float(eta)
        rows = order[(step * batch_size + np.arange(batch_size)) % x_train.shape[0]]
        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                loss = float(model.train_on_batch(x_train[rows], y_train[rows])[0])
        except TrainingDivergedError:
            loss = math.inf
        losses.append(loss if math.isfinite(loss) else math.inf)
        if not math.isfinite(loss):
            break
    etas = [float(e) for e in etas[:len(losses)]]
    smoothed = [float(np.mean(losses[max(0, i - window + 1):i + 1])) for i in range(len(losses))]
    lowest = int(np.argmin(smoothed))
    blow_up, best = None, math.inf
    for eta, value in zip(etas, smoothed):
        if not math.isfinite(value) or value > 4 * best:
            blow_up = eta
            break
        best = min(best, value)
    return RangeTest(etas, losses, smoothed, etas[lowest], blow_up)
