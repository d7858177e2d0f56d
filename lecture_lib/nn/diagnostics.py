"""Training diagnostics from one call: what each layer's gradients, units and updates look like.

    report = diagnose(model, x_train, y_train)
    print(report)                  # one row per layer
    report.gradient_ratio          # ||∇W_first|| / ||∇W_last||: ~1e-6 means vanishing gradients

What is measured (on the whole data set given, in chunks of ``batch_size``
examples, with the model in inference mode so that the numbers are
deterministic):

* ``grad_norm``: ||∂E/∂W|| of each layer's weight matrix, E the mean loss
  over the data set (the gradients of all chunks averaged with their sizes).
  Vanishing gradients show as norms falling by orders of magnitude from the
  last layer to the first; exploding ones as the opposite.
* ``saturation``: for sigmoid and tanh units, the fraction of outputs within
  ``tol`` of the asymptotes (g < tol or g > 1 - tol; |g| > 1 - tol), where
  f'(h) is nearly 0 and the unit passes almost no gradient back.
* ``dead_fraction``: for ReLU (and leaky ReLU) units, the fraction of units
  whose output is <= 0 for *every* example of the data set. A ReLU unit
  like that gets zero gradient from every example and never recovers; one
  batch is not enough to call a unit dead (it may fire on another batch).
  A leaky unit in that state still gets a small gradient: it is counted,
  but it can come back.
* ``update_ratio``: ||ΔW|| / ||W|| of the step the optimiser would take now
  on the data set's gradient, computed on a copy of the model and its
  optimiser state (the model is not changed). A common rule of thumb
  (CS231n) is ~1e-3: much smaller, learning crawls; much larger, it jumps.
  (During ``fit`` the steps are taken on mini-batches; the ratio of those
  differs by the batch's gradient noise.)
* ``nonfinite``: the NaN trap, ``trace_nonfinite``: the first NaN/inf tensor
  of one training step on (x, y): the input, a weight, a layer's forward
  output, the loss, a layer's gradient (backward), or the updated weights,
  with the remedies for that place. ``NaNTrap`` does it inside ``fit``.

Everything uses the public API of the model and its layers (``forward``,
``backward``, ``params``, ``grads``, ``optimizer.step``).
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np

from .._validate import check_positive, check_positive_int
from .callbacks import Callback
from .clipping import _norm
from .losses import _output_error
from .divergence import TrainingDivergedError, all_finite

__all__ = ["diagnose", "Diagnostics", "LayerDiagnostics", "gradient_norms", "activation_saturation",
           "dead_unit_fraction", "update_ratios", "trace_nonfinite", "NonFiniteReport", "NonFiniteError",
           "NaNTrap", "DiagnosticsRecorder"]

_SATURATING = ("sigmoid", "tanh")
_RECTIFIED = ("relu", "leaky_relu")


# --- helpers over the data set ---------------------------------------------------------------------

def _targets(model, y):
    y = np.asarray(y, dtype=model.dtype)
    return y.reshape(-1, 1) if y.ndim == 1 and model.output_shape == (1,) else y


def _chunks(n, batch_size):
    size = n if batch_size is None else check_positive_int(batch_size, "batch_size")
    return [slice(start, start + size) for start in range(0, n, size)]


def _activation_name(layer):
    activation = getattr(layer, "activation", None)
    return None if activation is None else activation.name


def _weight_key(layer):
    return "W" if "W" in layer.params else next(iter(layer.params), None)


def _data_gradients(model, x, y, batch_size):
    """(mean loss, [copies of every layer's grads]) of the whole data set, chunk by chunk."""
    if model.loss is None:
        raise RuntimeError("Compile the model first: the diagnostics need its loss (model.compile(loss=...)).")
    x, y = np.asarray(x), _targets(model, y)
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x has {x.shape[0]} examples but y has {y.shape[0]}.")
    n, total, summed = x.shape[0], 0.0, None
    model.eval()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for s in _chunks(n, batch_size):
            y_hat = model.forward(x[s])
            weight = y_hat.shape[0] / n
            total += model.loss.value(y[s], y_hat) * weight
            model.backward(y[s], y_hat)
            if summed is None:
                summed = [{k: g * weight for k, g in grads.items()} for grads in model.grads]
            else:
                for acc, grads in zip(summed, model.grads):
                    for k, g in grads.items():
                        acc[k] += g * weight
    return total, summed


def _layer_outputs(model, x, batch_size):
    """Yield the list of every layer's output for each chunk of x (inference mode)."""
    model.eval()
    x = np.asarray(x)
    for s in _chunks(x.shape[0], batch_size):
        outputs = []
        with np.errstate(over="ignore", invalid="ignore"):
            model.forward(x[s], outputs=outputs)
        yield outputs


# --- the four measurements -------------------------------------------------------------------------------

def gradient_norms(model, x, y, batch_size=None):
    """{layer name: ||∂E/∂W||} for every layer with weights; E = mean loss over (x, y).

    Parameters
    ----------
    model : compiled Sequential
    x : array_like, shape (N, ...)
    y : array_like, targets as for ``fit``
    batch_size : int, optional
        Examples per forward/backward pass (default all at once).
    """
    _, grads = _data_gradients(model, x, y, batch_size)
    return {layer.name: _norm([g[_weight_key(layer)]]) for layer, g in zip(model.layers, grads) if layer.params}


def activation_saturation(model, x, tol=0.01, batch_size=None):
    """{layer name: fraction of saturated outputs} for the sigmoid and tanh layers.

    Saturated: sigmoid g < tol or g > 1 - tol; tanh |g| > 1 - tol. Over
    every output of every example of x.
    """
    tol = check_positive(tol, "tol")
    if tol >= 0.5:
        raise ValueError(f"tol must lie in (0, 0.5), got {tol}: with tol >= 0.5 every sigmoid output counts.")
    layers = [(i, layer) for i, layer in enumerate(model.layers) if _activation_name(layer) in _SATURATING]
    counts = {layer.name: 0 for _, layer in layers}
    total = {layer.name: 0 for _, layer in layers}
    for outputs in _layer_outputs(model, x, batch_size):
        for i, layer in layers:
            g = outputs[i]
            if _activation_name(layer) == "sigmoid":
                saturated = np.count_nonzero((g < tol) | (g > 1 - tol))
            else:
                saturated = np.count_nonzero(np.abs(g) > 1 - tol)
            counts[layer.name] += int(saturated)
            total[layer.name] += g.size
    return {name: counts[name] / total[name] for name in counts}


def dead_unit_fraction(model, x, batch_size=None):
    """{layer name: fraction of units never positive on any example of x} for the ReLU / leaky ReLU layers.

    A unit is one output column (one position of an example's output);
    it is dead on x when its output is <= 0 for all N examples.
    """
    layers = [(i, layer) for i, layer in enumerate(model.layers) if _activation_name(layer) in _RECTIFIED]
    alive = {}
    for outputs in _layer_outputs(model, x, batch_size):
        for i, layer in layers:
            g = outputs[i].reshape(outputs[i].shape[0], -1)
            fired = np.any(g > 0, axis=0)
            alive[layer.name] = fired if layer.name not in alive else (alive[layer.name] | fired)
    return {name: 1.0 - float(np.mean(fired)) for name, fired in alive.items()}


def update_ratios(model, x, y, batch_size=None):
    """{layer name: ||ΔW|| / ||W||} of the optimiser's next step on the gradient of (x, y).

    The step is taken on a deep copy of the model (its optimiser state
    included), so ``model`` is unchanged. None for L-BFGS (its step is a
    line search, not one update of the gradient).
    """
    if model.optimizer is None:
        raise RuntimeError("Compile the model first: the update ratio needs its optimiser.")
    if model.optimizer.needs_closure:
        return {layer.name: None for layer in model.layers if layer.params}
    trial = copy.deepcopy(model)
    _, grads = _data_gradients(trial, x, y, batch_size)
    before = [{k: p.copy() for k, p in d.items()} for d in trial.params]
    with np.errstate(over="ignore", invalid="ignore"):
        trial.optimizer.step(trial.params, grads)
    ratios = {}
    for layer, old, new in zip(model.layers, before, trial.params):
        if layer.params:
            key = _weight_key(layer)
            size = _norm([old[key]])
            change = _norm([new[key] - old[key]])
            ratios[layer.name] = change / size if size > 0 else (math.inf if change > 0 else 0.0)
    return ratios


# --- the NaN trap --------------------------------------------------------------------------------------------

_REMEDIES = {
    "input": ["the data contain NaN/inf: clean or impute them before training"],
    "weights": ["the weights were already NaN/inf: re-initialise the model (or restore saved weights)",
                "then find the update that made them so (NaNTrap inside fit)"],
    "forward": ["the weighted sums overflow: lower the learning rate (the weights grew too large)",
                "standardise the inputs (z-score, statistics from the training split)",
                "use smaller initial weights (Glorot/He) or fewer layers; batch normalisation (chapter 09)"],
    "loss": ["the loss itself overflowed (log of 0, or huge squared errors): pair the output with its loss "
             "(softmax + categorical_crossentropy, sigmoid + binary_crossentropy) so that it is computed "
             "stably, and scale regression targets",
             "lower the learning rate"],
    "backward": ["exploding gradients: clip the gradients by global norm (compile(global_clipnorm=1.0))",
                 "lower the learning rate; use a better initialisation (He for ReLU) or fewer layers",
                 "weight decay (weight_decay=...) keeps the weights, and so the gradients, smaller"],
    "update": ["the update overflowed although the gradients were finite: lower the learning rate",
               "clip the gradients by global norm; for Adam/RMSProp, a larger eps"],
}


@dataclass
class NonFiniteReport:
    """Where the first NaN/inf tensor of a training step appeared.

    Attributes
    ----------
    stage : {'input', 'weights', 'forward', 'loss', 'backward', 'update'}
    layer : str or None
        The layer's description (None for the input and the loss).
    tensor : str
        What held the NaN/inf ('x', "weights 'W'", 'output', "grads['W']", 'dE/dx', 'loss', ...).
    n_nan, n_inf, size : int
        How many values were NaN / ±inf, out of how many.
    largest_finite : float
        The largest finite |value| of that tensor (how close to overflow it was).
    remedies : list of str
    """

    stage: str
    layer: str | None
    tensor: str
    n_nan: int
    n_inf: int
    size: int
    largest_finite: float
    remedies: list = field(default_factory=list)

    def __str__(self):
        where = f"{self.tensor} of {self.layer}" if self.layer else self.tensor
        largest = ("no finite value" if math.isnan(self.largest_finite)
                   else f"largest finite |value| {self.largest_finite:.3g}")
        lines = [f"First NaN/inf at the {self.stage} stage: {where} "
                 f"({self.n_nan} NaN, {self.n_inf} inf of {self.size} values; {largest})."]
        lines += ["Remedies:"] + [f"  - {r}" for r in self.remedies]
        return "\n".join(lines)


def _report(stage, layer, tensor, array):
    array = np.asarray(array)
    finite = np.isfinite(array)
    largest = float(np.max(np.abs(array[finite]))) if finite.any() else math.nan
    return NonFiniteReport(stage, None if layer is None else layer.describe(), tensor,
                           int(np.count_nonzero(np.isnan(array))), int(np.count_nonzero(np.isinf(array))),
                           int(array.size), largest, list(_REMEDIES[stage]))


def _first_bad(items):
    for layer, tensor, array in items:
        if not all_finite(np.asarray(array, dtype=float).reshape(-1)):
            return layer, tensor, array
    return None


def trace_nonfinite(model, x, y):
    """Run one training step on (x, y) on a copy of the model, checking every tensor in order.

    Order: the input x, every weight, each layer's forward output, the loss,
    each layer's gradients and dE/dx from the last layer back to the first,
    then the weights after the optimiser's update. The model itself is not
    changed.

    Returns
    -------
    NonFiniteReport, or None when every tensor is finite.
    """
    if model.loss is None or model.optimizer is None:
        raise RuntimeError("Compile the model first: the trace runs a training step (loss and optimiser).")
    trial = copy.deepcopy(model)
    x, y = np.asarray(x, dtype=model.dtype), _targets(model, y)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        bad = _first_bad([(None, "x (the input batch)", x)])
        if bad:
            return _report("input", *bad)
        bad = _first_bad([(layer, f"weights {key!r}", p) for layer in trial.layers for key, p in layer.params.items()])
        if bad:
            return _report("weights", *bad)
        trial.train()
        out = x
        for layer in trial.layers:
            out = layer.forward(out)
            if not all_finite(out.reshape(-1)):
                return _report("forward", layer, "output", out)
        y_hat = out
        loss = trial.loss.value(y, y_hat)
        if not math.isfinite(loss):
            return _report("loss", None, f"loss {trial.loss.name}", np.array([loss]))
        last = trial.layers[-1]
        fused = (trial.loss.output_activation is not None and _activation_name(last) == trial.loss.output_activation
                 and hasattr(last, "backward_from_eps"))
        d = None
        for i in range(len(trial.layers) - 1, -1, -1):
            layer = trial.layers[i]
            if d is None:
                d = (last.backward_from_eps(_output_error(y, y_hat)) if fused
                     else last.backward(trial.loss.gradient(y, y_hat)))
            else:
                d = layer.backward(d)
            bad = _first_bad([(layer, f"grads[{key!r}]", g) for key, g in layer.grads.items()]
                             + [(layer, "dE/dx (the gradient passed to the layer below)", d)])
            if bad:
                return _report("backward", *bad)
        trial.optimizer.step(trial.params, trial.grads)
        bad = _first_bad([(layer, f"weights {key!r} after the update", p) for layer in trial.layers
                          for key, p in layer.params.items()])
        if bad:
            return _report("update", *bad)
    return None


class NonFiniteError(TrainingDivergedError):
    """Training produced NaN/inf; ``report`` (a NonFiniteReport) says where it first appeared."""

    def __init__(self, message, report):
        super().__init__(message)
        self.report = report


class NaNTrap(Callback):
    """A fit callback that stops training at the first NaN/inf and says where it came from.

    Before every batch it keeps a copy of the weights, of the optimiser's
    state and of the batch; after the batch it checks the weights. When the
    loss or a weight became NaN/inf, it replays that batch from the copy
    with ``trace_nonfinite`` and raises ``NonFiniteError`` with the report
    (also kept as ``trap.report``). The copies cost about one pass over the
    weights and optimiser state per batch: use it to find a NaN, not on
    every run.
    """

    def __init__(self):
        self.report = None
        self._snapshot = None

    def on_batch_begin(self, model, logs):
        # one deepcopy: the optimiser copy's state then refers to the copied weight arrays
        self._snapshot = copy.deepcopy((model.params, model.optimizer, logs["x"], logs["y"]))

    def on_batch_end(self, model, logs):
        with np.errstate(over="ignore", invalid="ignore"):  # the finiteness test's sum of squares may overflow
            finite = all(all_finite(p.reshape(-1)) for d in model.params for p in d.values())
        if not (finite and math.isfinite(logs["loss"])):
            self._trip(model, logs, None)

    def on_diverged(self, model, logs):
        if self._snapshot is not None and "batch" in logs:
            self._trip(model, logs, logs.get("error"))

    def _trip(self, model, logs, error):
        params, optimizer, xb, yb = self._snapshot
        replay = copy.deepcopy(model)
        for layer, saved in zip(replay.layers, params):
            layer.params.update(saved)  # the saved arrays themselves: the saved optimiser state refers to them
        replay.optimizer = optimizer
        self.report = trace_nonfinite(replay, xb, yb)
        where = f"epoch {logs['epoch']}, batch {logs['batch']}"
        if self.report is None:
            message = (f"NaN trap: training diverged in {where}, but replaying that batch gave finite values"
                       " everywhere (the model or data changed outside the step?).")
        else:
            message = f"NaN trap, {where}:\n{self.report}"
        raise NonFiniteError(message, self.report) from error


class DiagnosticsRecorder(Callback):
    """A fit callback that runs ``diagnose(model, x, y)`` at the end of every ``every``-th epoch.

    Attributes
    ----------
    records : list of (epoch, Diagnostics)
    """

    def __init__(self, x, y, every=1, batch_size=None, tol=0.01):
        self.x, self.y = x, y
        self.every = check_positive_int(every, "every")
        self.batch_size, self.tol = batch_size, tol
        self.records = []

    def on_epoch_end(self, model, logs):
        if logs["epoch"] % self.every == 0:
            self.records.append((logs["epoch"], diagnose(model, self.x, self.y, self.batch_size, self.tol)))
            model.train()


# --- everything at once -----------------------------------------------------------------------------------------

@dataclass
class LayerDiagnostics:
    """One layer's row of a ``Diagnostics`` report (None where a measure does not apply)."""

    name: str
    layer: str
    grad_norm: float | None = None
    update_ratio: float | None = None
    saturation: float | None = None
    dead_fraction: float | None = None


@dataclass
class Diagnostics:
    """What ``diagnose`` returns: the loss, one ``LayerDiagnostics`` per layer, the NaN trace."""

    loss: float
    layers: list
    nonfinite: NonFiniteReport | None

    @property
    def gradient_ratio(self):
        """||∇W|| of the first layer with weights over that of the last (vanishing << 1, exploding >> 1)."""
        norms = [row.grad_norm for row in self.layers if row.grad_norm is not None]
        if len(norms) < 2 or norms[-1] == 0:
            return math.nan
        return norms[0] / norms[-1]

    def column(self, name):
        """{layer name: value} of one measure ('grad_norm', 'update_ratio', 'saturation', 'dead_fraction')."""
        return {row.name: getattr(row, name) for row in self.layers if getattr(row, name) is not None}

    def table(self, digits=3):
        """The report as text, one row per layer."""
        def cell(value, percent=False):
            if value is None:
                return "-"
            return f"{100 * value:.1f} %" if percent else f"{value:.{digits}g}"

        lines = [f"loss {self.loss:.{digits + 1}g}; ||grad W|| first/last layer = {self.gradient_ratio:.{digits}g}",
                 f"{'layer':<14}{'||grad W||':>12}{'update/W':>11}{'saturated':>11}{'dead':>9}"]
        for row in self.layers:
            lines.append(f"{row.name:<14}{cell(row.grad_norm):>12}{cell(row.update_ratio):>11}"
                         f"{cell(row.saturation, True):>11}{cell(row.dead_fraction, True):>9}")
        lines.append("no NaN/inf in a training step" if self.nonfinite is None else str(self.nonfinite))
        return "\n".join(lines)

    def __str__(self):
        return self.table()


def diagnose(model, x, y, batch_size=None, tol=0.01):
    """All the diagnostics of a compiled model on (x, y) in one call; returns ``Diagnostics``.

    Parameters
    ----------
    model : compiled Sequential
    x : array_like, shape (N, ...)
    y : array_like, targets as for ``fit``
    batch_size : int, optional
        Examples per pass (default all at once); the results are over all N.
    tol : float in (0, 0.5)
        Saturation margin of sigmoid/tanh outputs.

    The model's weights and optimiser state are not changed; its layers'
    last outputs and gradients are overwritten (as by ``forward``/``backward``).
    """
    loss, grads = _data_gradients(model, x, y, batch_size)
    saturation = activation_saturation(model, x, tol, batch_size)
    dead = dead_unit_fraction(model, x, batch_size)
    ratios = update_ratios(model, x, y, batch_size)
    rows = []
    for layer, g in zip(model.layers, grads):
        rows.append(LayerDiagnostics(
            layer.name, repr(layer),
            grad_norm=_norm([g[_weight_key(layer)]]) if layer.params else None,
            update_ratio=ratios.get(layer.name), saturation=saturation.get(layer.name),
            dead_fraction=dead.get(layer.name)))
    nonfinite = None
    if not math.isfinite(loss) or any(r.grad_norm is not None and not math.isfinite(r.grad_norm) for r in rows):
        sample = slice(0, None if batch_size is None else batch_size)
        nonfinite = trace_nonfinite(model, np.asarray(x)[sample], np.asarray(y)[sample])
    return Diagnostics(loss, rows, nonfinite)
