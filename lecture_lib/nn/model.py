"""A Keras-style ``Sequential`` model: layers + loss + optimiser + metrics.

The slides' Keras code runs unchanged apart from the imports::

    x_train, y_train = load_digits('train', one_hot=True)   # lecture_lib.datasets.digits
    x_test, y_test = load_digits('test', one_hot=True)
    model = Sequential([Flatten(), Dense(128, activation='sigmoid'),
                        Dense(10, activation='softmax')])
    model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['acc'])
    history = model.fit(x_train, y_train, batch_size=200, epochs=80)
    loss, acc = model.evaluate(x_test, y_test)            # acc ~0.94, in under a second

One training step on a mini-batch (x : (N, ...), y : (N, C)) is the loop of
chapter 05: predict (forward through the layers) -> loss -> gradients
(backward through the layers in reverse) -> update (the optimiser). All of
it is vectorised over the batch; there is no Python loop over examples.

One training path: ``forward`` and ``backward`` check their data once,
then run ``_forward`` / ``_backward``, the same two methods that ``fit`` runs
on every batch; the gradient checker (``lecture_lib.nn.gradcheck``) checks
exactly that code. Speed (``benchmarks/engine_speed.py``) comes from how fit
calls them, not from a second implementation: the data are checked once per
fit, activations are written in place into buffers the layers reuse from
batch to batch (``buffered=True``), dE/dx of the first layer with
parameters is skipped (nothing below it needs it), the loss and the
optimiser run without per-batch input checks, and the model's dtype is kept
end to end.

Training options (chapters 05-07): ``compile(optimizer=...)`` takes every
optimiser of ``lecture_lib.nn.optimizers`` by name or object, plus
``weight_decay`` and the clipping thresholds; ``train_on_batch(x, y)`` is
one step of fit's loop; ``fit(callbacks=[...])`` calls objects at the start
and end of every epoch and batch (``lecture_lib.nn.callbacks``: live plots,
per-epoch learning-rate schedules, the diagnostics and NaN trap of
``lecture_lib.nn.diagnostics``); an optimiser that needs the loss as a
function (L-BFGS) is run full batch, one iteration per epoch. Without
callbacks the batch loop does no more work than before them.
"""
from __future__ import annotations

import math

import numpy as np

from .._validate import (as_float_array, as_generator, check_choice, check_positive, check_positive_int, check_shape,
                         resolve_dtype)
from .callbacks import callback_hooks
from .divergence import (REMEDIES, TrainingDivergedError, as_finite_array, divergence_error,
                         first_nonfinite_weight)
from .clipping import check_clip_threshold
from .layers import Layer
from .losses import _check_one_hot, _check_probabilities, _output_error, get_loss
from .optimizers import Optimizer, _pairs, get_optimizer
from .one_hot import to_one_hot

__all__ = ["Sequential", "History", "TrainingDivergedError", "to_one_hot"]

_METRICS = ("acc", "accuracy")

class History:
    """What ``fit`` returns.

    Attributes
    ----------
    history : dict of str -> list of float
        One value per epoch under 'loss', each metric name (e.g. 'acc'), and
        with validation data 'val_loss', 'val_acc'.
    epoch : list of int
        The epoch numbers 1, 2, ...
    stop_reason : str or None
        Why training ended before ``epochs`` (a callback set
        ``model.stop_training``; L-BFGS converged), None when every epoch ran.
    """

    def __init__(self, keys):
        self.history = {key: [] for key in keys}
        self.epoch = []
        self.stop_reason = None

    def __repr__(self):
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)})"


class Sequential:
    """A stack of layers, trained Keras style.

    Parameters
    ----------
    layers : list of Layer, optional
        Applied in order. More can be added with ``add``.
    dtype : {'float64', 'float32'}
        dtype of every parameter, activation and gradient (kept end to end);
        inputs are converted once when passed to fit/predict/evaluate.
    seed : int or None
        Seeds the generator that initialises the weights of layers created
        without their own ``rng`` (None: not reproducible).
    """

    def __init__(self, layers=None, dtype="float64", seed=0):
        self.dtype = resolve_dtype(dtype)
        self.rng = as_generator(seed, "seed")
        if layers is not None and not isinstance(layers, (list, tuple)):
            raise TypeError(f"Sequential takes a list of layers, e.g. Sequential([Dense(3)]), got {layers!r}.")
        self.layers = []
        self.input_shape = None
        self.loss = self.optimizer = None
        self.metrics = []
        for layer in layers or []:
            self.add(layer)

    def __repr__(self):
        return "Sequential([" + ", ".join(map(repr, self.layers)) + "])"

    # --- building ------------------------------------------------------------------
    def add(self, layer):
        """Append a layer (its dtype is set to the model's; a clash is an error)."""
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential takes Layer objects (Dense, Flatten, ...), got {layer!r}.")
        if layer.dtype is None:
            layer.dtype = self.dtype
        elif layer.dtype != self.dtype:
            raise ValueError(f"{layer!r} has dtype {layer.dtype}, but the model's dtype is {self.dtype}.")
        if layer.name is None:
            kind = type(layer).__name__.lower()
            layer.name = f"{kind}_{1 + sum(type(other) is type(layer) for other in self.layers)}"
        self.layers.append(layer)
        if self.input_shape is not None:
            self.build(self.input_shape)
        elif len(self.layers) == 1 and (layer.built or getattr(layer, "input_dim", None)):
            self.build(layer.input_shape if layer.built else (layer.input_dim,))
        return self

    def build(self, input_shape):
        """Create every layer's weights for examples of shape ``input_shape`` (no batch axis), e.g. (784,)."""
        shape = check_shape(input_shape)
        input_shape, previous = shape, None
        for layer in self.layers:
            if not layer.built:
                try:
                    layer.build(shape, rng=self.rng)
                except ValueError as exc:
                    raise ValueError(_after(previous, shape, str(exc))) from None
            elif layer.input_shape != shape:
                raise ValueError(_after(previous, shape, f"{layer.describe()} expects inputs of shape "
                                                         f"(N, {', '.join(map(str, layer.input_shape))})."))
            shape, previous = layer.output_shape(shape), layer
        self.input_shape = input_shape  # only once every layer accepted its input
        return self

    @property
    def output_shape(self):
        """Per-example output shape, or None before the model is built."""
        if self.input_shape is None:
            return None
        shape = self.input_shape
        for layer in self.layers:
            shape = layer.output_shape(shape)
        return shape

    @property
    def params(self):
        """List of the layers' parameter dicts (the arrays themselves, not copies)."""
        return [layer.params for layer in self.layers]

    @property
    def grads(self):
        """List of the layers' gradient dicts, same structure as ``params``."""
        return [layer.grads for layer in self.layers]

    def count_params(self) -> int:
        return sum(layer.n_params for layer in self.layers)

    def train(self):
        for layer in self.layers:
            layer.train()
        return self

    def eval(self):
        for layer in self.layers:
            layer.eval()
        return self

    # --- compile ---------------------------------------------------------------------
    def compile(self, loss="mean_squared_error", optimizer="sgd", metrics=None, weight_decay=None,
                global_clipnorm=None, clipnorm=None, clipvalue=None):
        """Choose the loss, the optimiser and the metrics.

        Parameters
        ----------
        loss : str or Loss
            'mean_squared_error', 'binary_crossentropy',
            'categorical_crossentropy', 'Huber' (see ``lecture_lib.nn.losses``).
        optimizer : str or Optimizer
            'sgd', 'adagrad', 'rmsprop', 'adam', 'adamw', 'lbfgs', or an
            instance such as ``Adam(eta=0.01)`` or ``SGD(eta=0.1, momentum=0.9)``
            (``lecture_lib.nn.optimizers``). A learning-rate schedule goes
            into the optimiser (``SGD(eta=ExponentialDecay(...))``, per
            update) or into fit (``callbacks=[LearningRateScheduler(...)]``,
            per epoch).
        metrics : list of str, optional
            'acc' / 'accuracy'. For one output, accuracy thresholds yhat at
            0.5; for C > 1 outputs it compares the argmax of yhat and y.
        weight_decay : float >= 0, optional
            L2 weight decay λ of the optimiser (coupled, g + λw, unless the
            optimiser is decoupled such as AdamW); see ``Optimizer``.
        global_clipnorm, clipnorm, clipvalue : float > 0, optional
            Gradient clipping by the global norm, by each array's norm, by
            value (``lecture_lib.nn.clipping``), applied before every update.

        The options given (not None) are set on the optimiser object: an
        instance you pass is changed. L-BFGS takes none of them (its line
        search needs the true gradient).
        """
        options = {"weight_decay": None if weight_decay is None else check_positive(weight_decay, "weight_decay",
                                                                                    allow_zero=True),
                   **{name: check_clip_threshold(value, name) for name, value in
                      [("global_clipnorm", global_clipnorm), ("clipnorm", clipnorm), ("clipvalue", clipvalue)]}}
        options = {name: value for name, value in options.items() if value is not None}
        optimizer = get_optimizer(optimizer)
        if options and optimizer.needs_closure:
            raise ValueError(f"{optimizer!r} takes no {', '.join(options)}: L-BFGS's line search needs the"
                             " gradient of the loss it evaluates. Add an L2 term to the loss instead.")
        if metrics is not None and not isinstance(metrics, (str, list, tuple)):
            raise TypeError(f"metrics must be a list of names such as ['acc'], got {metrics!r}.")
        metrics = [metrics] if isinstance(metrics, str) else list(metrics or [])
        metrics = [check_choice(m, "metric", _METRICS) for m in metrics]
        self.loss = get_loss(loss)
        self.optimizer, self.metrics = optimizer, metrics
        for name, value in options.items():
            setattr(optimizer, name, value)
        return self

    # --- forward / backward ---------------------------------------------------------------
    def forward(self, x, outputs=None):
        """Run x : (N, ...) through every layer and return y_hat (a new array).

        Checks x once, then runs ``_forward``, the code ``fit`` runs. Each
        layer's output is appended to the list ``outputs`` if one is given.
        """
        return self._forward(self._prepare_x(x), buffered=False, outputs=outputs)

    def _forward(self, x, buffered=True, outputs=None):
        """The layers' ``_forward`` in order on a checked batch; ``buffered`` in fit (arrays reused)."""
        for layer in self.layers:
            x = layer._forward(x, buffered)
            if outputs is not None:
                outputs.append(x)
        return x

    def backward(self, y, y_hat):
        """Backpropagate the loss of y_hat against y; overwrite every layer's grads; return dE/dx.

        Parameters
        ----------
        y : array_like, targets as for ``fit``
        y_hat : ndarray, shape (N, C), the output of the last ``forward``

        Returns
        -------
        dx : ndarray, shape of the model's input batch (a new array)

        When the last layer's activation matches the loss (softmax +
        categorical_crossentropy, sigmoid + binary_crossentropy, linear +
        mean_squared_error), the error term eps = (yhat - y)/N is passed to
        it directly: stable, no 1/yhat times yhat.
        """
        self._require_compiled()
        if self.input_shape is None:
            raise RuntimeError("Call model.forward(x) on a batch before model.backward(y, y_hat).")
        y_hat = as_float_array(y_hat, "y_hat", dtype=self.dtype, allow_nan=True)
        if y_hat.ndim == 0:
            raise ValueError(f"y_hat must be the model's output, of shape (N, C), got a scalar {y_hat!r}.")
        y = self._prepare_y(y, y_hat.shape[0])
        if y_hat.shape != y.shape:
            raise ValueError(f"y_hat must have the shape of the model's output {y.shape}, got {y_hat.shape}.")
        for layer in self.layers:
            seen = layer._forward_batch_size()
            if seen != y_hat.shape[0]:
                ran = "has not run forward yet" if seen is None else f"last ran forward on {seen} examples"
                raise RuntimeError(f"Call model.forward(x) on this batch before model.backward(y, y_hat): "
                                   f"{layer.describe()} {ran}, y_hat has {y_hat.shape[0]} rows.")
        return self._backward(y, y_hat, input_gradient=True, buffered=False)

    def _backward(self, y, y_hat, input_gradient=False, buffered=True):
        """The layers' ``_backward`` in reverse on checked y, y_hat; overwrites every layer's grads.

        Returns dE/dx of the input when ``input_gradient``; otherwise stops at
        the first layer with parameters, which computes no dE/dx, and returns None.
        """
        last = len(self.layers) - 1
        first = 0 if input_gradient else next((i for i, lay in enumerate(self.layers) if lay.params), last + 1)
        if first > last:
            return None
        layer = self.layers[last]
        if self._fused():
            d = layer._backward_from_eps(_output_error(y, y_hat), last > first or input_gradient, buffered)
        else:
            if self.loss.gradient_kernel is not None:
                dout = self.loss.gradient_kernel(y, y_hat)  # a fresh array: the layer may overwrite it
            else:  # a loss of the caller's: its gradient might be y or y_hat themselves
                dout = np.array(self.loss.gradient(y, y_hat), dtype=y_hat.dtype)
            d = layer._backward(dout, last > first or input_gradient, buffered)
        for i in range(last - 1, first - 1, -1):
            d = self.layers[i]._backward(d, i > first or input_gradient, buffered)
        return d

    def _fused(self) -> bool:
        last = self.layers[-1]
        activation = getattr(last, "activation", None)
        return (self.loss.output_activation is not None and activation is not None
                and activation.name == self.loss.output_activation and hasattr(last, "_backward_from_eps"))

    # --- data checks ---------------------------------------------------------------------------
    def _prepare_x(self, x):
        x = as_finite_array(x, "x", self.dtype)
        if x.ndim < 2 or x.shape[0] == 0:
            raise ValueError(f"x must be a batch of shape (N, ...) with N >= 1, got shape {x.shape}."
                             " For a single example use x.reshape(1, -1).")
        if not self.layers:
            raise ValueError("The model has no layers; pass them to Sequential([...]) or use add().")
        if self.input_shape is None:
            self.build(x.shape[1:])
        elif x.shape[1:] != self.input_shape:
            raise ValueError(
                f"The model was built for inputs of shape (N, {', '.join(map(str, self.input_shape))})"
                f" (its first layer is {self.layers[0].describe()}), got shape {x.shape}."
            )
        return x

    def _prepare_y(self, y, n):
        y = as_finite_array(y, "y", self.dtype)
        if y.ndim == 0 or y.shape[0] != n:
            raise ValueError(f"x has {n} examples but y has shape {y.shape}; give one target row per example.")
        out = self.output_shape
        if y.ndim == 1 and out == (1,):
            y = y.reshape(-1, 1)  # Keras accepts labels (N,) for a single output
        if y.shape[1:] != out:
            expected = f"(N, {', '.join(map(str, out))})"
            if self.loss.name == "categorical_crossentropy" and y.ndim == 1:
                raise ValueError(
                    f"categorical_crossentropy needs one-hot targets of shape {expected}, got a label vector of"
                    f" shape {y.shape}. Convert integer labels first: y = to_one_hot(y, {out[-1]})"
                    f" (from lecture_lib.nn.one_hot import to_one_hot)."
                )
            raise ValueError(f"The model outputs shape {expected} but y has shape {y.shape}.")
        if self.loss.name == "categorical_crossentropy":
            _check_one_hot(y)
        elif self.loss.name == "binary_crossentropy":
            _check_probabilities(y, "binary_crossentropy")
        return y

    def _require_compiled(self):
        if self.loss is None:
            raise RuntimeError("Call model.compile(loss=..., optimizer=...) before fit/evaluate.")

    # --- training ------------------------------------------------------------------------------------
    def fit(self, x, y, batch_size=None, epochs=1, validation_data=None, shuffle=True, seed=0, verbose=False,
            callbacks=None):
        """Train with mini-batch gradient descent; return a ``History``.

        Parameters
        ----------
        x : array_like, shape (N, ...)
        y : array_like, shape (N, C) (one-hot for categorical_crossentropy),
            or (N,) for a model with one output.
        batch_size : int, optional
            Examples per update (default 32, as Keras); the last batch of an
            epoch may be smaller. L-BFGS trains full batch: leave it unset.
        epochs : int
            Passes over the data (for L-BFGS: iterations, one per epoch).
        validation_data : tuple (x_val, y_val), optional
            Evaluated after every epoch ('val_loss', 'val_acc').
        shuffle : bool
            Visit the examples in a new random order every epoch.
        seed : int
            Seeds the shuffling.
        verbose : bool or {0, 1, 2}
            Print one line per epoch (True, 1 or 2, as Keras's levels); nothing
            is printed otherwise.
        callbacks : list, optional
            Objects with ``on_epoch_end(model, logs)``, ``on_batch_end``, ...
            (``lecture_lib.nn.callbacks``): a live plot, a learning-rate
            schedule per epoch, the diagnostics and NaN trap of
            ``lecture_lib.nn.diagnostics``. ``model.stop_training = True``
            from a callback ends training after the current batch.

        Returns
        -------
        History
            ``history.history['loss']`` etc., one value per epoch. The training
            loss/accuracy of an epoch is the average over its batches,
            measured while the weights change (as in Keras).

        Raises
        ------
        TrainingDivergedError
            As soon as the loss becomes NaN/inf, or when a weight is NaN/inf
            before training or at the end of an epoch; the message names the
            epoch, the batch, and the weight or the first layer whose output
            is NaN/inf. The weights are checked then, not after every update
            (see ``_diverged_at_loss``), so a weight that became NaN/inf is
            reported with the batches whose updates may have made it so.
        """
        self._require_compiled()
        x = self._prepare_x(x)
        y = self._prepare_y(y, x.shape[0])
        full_batch = self.optimizer.needs_closure
        if full_batch and batch_size is not None and batch_size < x.shape[0]:
            raise ValueError(f"{self.optimizer!r} trains full batch (its line search needs the loss of the whole"
                             f" training set): leave batch_size unset, got batch_size={batch_size} for"
                             f" {x.shape[0]} examples.")
        batch_size = x.shape[0] if full_batch else (32 if batch_size is None else batch_size)
        batch_size, epochs = check_positive_int(batch_size, "batch_size"), check_positive_int(epochs, "epochs")
        shuffle, verbose = _check_flag(shuffle, "shuffle"), _check_flag(verbose, "verbose", keras_levels=True)
        rng = as_generator(seed, "seed")
        hooks = callback_hooks(callbacks)
        val = None
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise ValueError("validation_data must be a tuple (x_val, y_val).")
            x_val = self._prepare_x(validation_data[0])
            val = (x_val, self._prepare_y(validation_data[1], x_val.shape[0]))
        keys = ["loss", *self.metrics] + (["val_loss", *(f"val_{m}" for m in self.metrics)] if val else [])
        history = History(keys)
        n = x.shape[0]
        n_batches = math.ceil(n / batch_size)
        self._start_fit()
        bad = first_nonfinite_weight(self.layers)
        if bad is not None:
            raise self._diverged(1, 1, n_batches, math.nan, bad_weight=bad, before_update=True)
        self.stop_training = False
        where = {}  # the epoch and batch being trained, for on_diverged
        for hook in hooks.get("on_train_begin", ()):
            hook(self, {"epochs": epochs, "batches": n_batches})
        try:
            if full_batch:
                self._fit_full_batch(x, y, epochs, val, history, hooks, verbose)
            else:
                self._fit_batches(x, y, batch_size, epochs, shuffle, rng, val, history, hooks, where, verbose)
        except TrainingDivergedError as error:
            for hook in hooks.get("on_diverged", ()):
                hook(self, {**where, "error": error})
            raise
        finally:
            self.eval()
        for hook in hooks.get("on_train_end", ()):
            hook(self, {})
        return history

    def _fit_batches(self, x, y, batch_size, epochs, shuffle, rng, val, history, hooks, where, verbose):
        """fit's loop over epochs and mini-batches (x, y checked; the weights checked finite)."""
        n = x.shape[0]
        n_batches = math.ceil(n / batch_size)
        if shuffle:  # each shuffled batch is gathered into these two arrays, reused every batch
            x_buffer = np.empty((min(batch_size, n), *x.shape[1:]), dtype=x.dtype)
            y_buffer = np.empty((min(batch_size, n), *y.shape[1:]), dtype=y.dtype)
        batch_begin, batch_end = hooks.get("on_batch_begin", ()), hooks.get("on_batch_end", ())
        for epoch in range(1, epochs + 1):
            self.train()
            for hook in hooks.get("on_epoch_begin", ()):
                hook(self, {"epoch": epoch})
            order = rng.permutation(n) if shuffle else None
            loss_sum = correct = 0.0
            seen = 0
            for b in range(n_batches):
                idx = slice(b * batch_size, (b + 1) * batch_size)
                if shuffle:
                    idx = order[idx]
                    m = idx.shape[0]  # (mode='clip' is never needed: it only skips take's own buffering)
                    xb = np.take(x, idx, axis=0, out=x_buffer[:m], mode="clip")
                    yb = np.take(y, idx, axis=0, out=y_buffer[:m], mode="clip")
                else:
                    xb, yb = x[idx], y[idx]  # slices are views: no copy
                if hooks:
                    where.update(epoch=epoch, batch=b + 1, x=xb, y=yb)
                    for hook in batch_begin:
                        hook(self, {"epoch": epoch, "batch": b + 1, "x": xb, "y": yb})
                loss, y_hat = self._train_batch(xb, yb, where=(epoch, b + 1, n_batches))
                loss_sum += loss * xb.shape[0]
                seen += xb.shape[0]
                if self.metrics:
                    correct += _n_correct(yb, y_hat)
                for hook in batch_end:
                    hook(self, {"epoch": epoch, "batch": b + 1, "x": xb, "y": yb, "loss": loss})
                if self.stop_training:
                    break
            # A NaN/inf weight that left every loss of the epoch finite (a saturated sigmoid, say).
            bad = first_nonfinite_weight(self.layers)
            if bad is not None:
                raise self._diverged(epoch, n_batches, n_batches, self._fit_last_loss, bad_weight=bad,
                                     hidden=True)
            self._end_epoch(epoch, epochs, [loss_sum / seen] + [correct / seen for _ in self.metrics], val,
                            history, hooks, verbose)
            if self.stop_training:
                history.stop_reason = history.stop_reason or "a callback set model.stop_training"
                break

    def _end_epoch(self, epoch, epochs, scores, val, history, hooks, verbose):
        """Record an epoch's [loss, metrics...] (and the validation scores), call on_epoch_end, print."""
        history.epoch.append(epoch)
        for key, value in zip(["loss", *self.metrics], scores):
            history.history[key].append(value)
        if val:
            val_scores = self._evaluate(*val, batch_size=None)
            for key, value in zip(["val_loss", *(f"val_{m}" for m in self.metrics)], val_scores):
                history.history[key].append(value)
        for hook in hooks.get("on_epoch_end", ()):
            hook(self, {"epoch": epoch, **{key: values[-1] for key, values in history.history.items()}})
        if verbose:
            print(f"Epoch {epoch}/{epochs} - " + " - ".join(
                f"{key}: {values[-1]:.4f}" for key, values in history.history.items()))

    def _fit_full_batch(self, x, y, epochs, val, history, hooks, verbose):
        """fit with an optimiser that needs the loss as a function (L-BFGS): one iteration per epoch.

        The loss and metrics of an epoch are measured on the whole training
        set after its iteration. Training stops early (``history.stop_reason``)
        when the optimiser converged.
        """
        closure = self._full_batch_closure(x, y)
        for epoch in range(1, epochs + 1):
            self.train()
            for hook in hooks.get("on_epoch_begin", ()):
                hook(self, {"epoch": epoch})
            result = self.optimizer.step(self.params, self.grads, closure, max_iter=1)
            scores = self._evaluate(x, y, batch_size=None)
            if not math.isfinite(scores[0]):
                raise TrainingDivergedError(f"Training diverged in epoch {epoch} (full batch): the loss is"
                                            f" {scores[0]} ({result.message}). "
                                            + REMEDIES.format(optimizer=self.optimizer))
            self._end_epoch(epoch, epochs, scores, val, history, hooks, verbose)
            if result.converged or result.n_iter == 0 or self.stop_training:
                history.stop_reason = ("a callback set model.stop_training" if self.stop_training
                                       else f"{type(self.optimizer).__name__}: {result.message}")
                break

    def _full_batch_closure(self, x, y):
        """closure() -> loss of the whole (x, y) at the current weights, overwriting the grads (inf if NaN/inf)."""
        def closure():
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                y_hat = self._forward(x, buffered=True)
                loss = (self.loss.value_kernel or self.loss.value)(y, y_hat)
                if not math.isfinite(loss):
                    return math.inf  # the line search then shortens its step
                self._backward(y, y_hat, buffered=True)
            return loss
        return closure

    def train_on_batch(self, x, y):
        """One update on the batch (x, y); return [loss, metric1, ...] measured before the update (as Keras).

        Parameters
        ----------
        x : array_like, shape (N, ...)
        y : array_like, shape (N, C), or (N,) for one output

        Returns
        -------
        scores : list of float
            The batch's loss, then each compiled metric, both computed from
            the forward pass before the update.

        The same forward -> loss -> backward -> update as each batch of
        ``fit`` (for L-BFGS: one ``step`` of up to ``max_iter`` iterations).
        Raises ``TrainingDivergedError`` when the loss or an updated weight
        is NaN/inf.
        """
        self._require_compiled()
        x = self._prepare_x(x)
        y = self._prepare_y(y, x.shape[0])
        self.train()
        try:
            if self.optimizer.needs_closure:
                closure = self._full_batch_closure(x, y)
                y_hat = self._forward(x, buffered=False)
                scores = [self.loss.value(y, y_hat)] + [_n_correct(y, y_hat) / x.shape[0] for _ in self.metrics]
                self.optimizer.step(self.params, self.grads, closure)
            else:
                self._start_fit()
                loss, y_hat = self._train_batch(x, y, where=None)
                scores = [loss] + [_n_correct(y, y_hat) / x.shape[0] for _ in self.metrics]
            bad = first_nonfinite_weight(self.layers)
            if bad is not None:
                raise self._diverged(None, None, None, scores[0], bad_weight=bad)
        finally:
            self.eval()
        return scores

    def _start_fit(self):
        """Check the parameter/gradient structure once and prepare the per-batch fast path."""
        self._fit_pairs = [(p, g) for _, p, g in _pairs(self.params, self.grads)]
        self._fit_last_loss = math.nan  # the loss of the batch whose update ran last
        # step() itself for an optimiser that replaces it, or gradients of another dtype (step converts them).
        self._fit_apply = (type(self.optimizer).step is Optimizer.step
                           and all(getattr(g, "dtype", None) == p.dtype for p, g in self._fit_pairs))

    def _train_batch(self, xb, yb, where):
        """One step: forward, loss, backward, update. Returns (loss, y_hat).

        ``where`` = (epoch, batch, n_batches) for the divergence message.
        ``xb``, ``yb`` are validated (``fit`` checked x and y once). y_hat is
        a buffer that the next batch overwrites.
        """
        outputs = []
        # Overflow is expected when training diverges; we detect it below
        # and raise one clear error instead of a stream of warnings.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            y_hat = self._forward(xb, buffered=True, outputs=outputs)
            loss = (self.loss.value_kernel or self.loss.value)(yb, y_hat)
            if not math.isfinite(loss):
                raise self._diverged_at_loss(where, loss, outputs)
            self._backward(yb, y_hat, buffered=True)
            if self._fit_apply:
                self.optimizer._apply(self._fit_pairs)
            else:
                self.optimizer.step(self.params, self.grads)
        self._fit_last_loss = loss
        return loss, y_hat

    def _diverged_at_loss(self, where, loss, outputs):
        """The error for a NaN/inf loss; names a NaN/inf weight first, since that is the cause.

        The weights are not checked after every update (that took ~6% of an
        epoch of the 784-512-512-10 MLP) but before training, at the end of
        every epoch and here. A NaN/inf weight usually makes the very next
        loss NaN/inf, so the update of the batch before is the likely cause;
        an earlier update of this epoch is possible when saturated units hid
        it for a while, and the message says so. (Batch 1 cannot get here
        with a NaN/inf weight: the check before it passed.)
        """
        epoch, batch, n_batches = where if where is not None else (None, None, None)
        bad = first_nonfinite_weight(self.layers)
        if bad is None:
            return self._diverged(epoch, batch, n_batches, loss, outputs=outputs)
        return self._diverged(epoch, None if batch is None else batch - 1, n_batches, self._fit_last_loss,
                              bad_weight=bad)

    def _diverged(self, epoch, batch, n_batches, loss, outputs=None, bad_weight=None, before_update=False,
                  hidden=False):
        """``divergence_error`` for this model's layers and optimiser."""
        return divergence_error(self.layers, self.optimizer, epoch, batch, n_batches, loss, outputs, bad_weight,
                                before_update, hidden)

    # --- inference ----------------------------------------------------------------------------------------
    def predict(self, x, batch_size=None):
        """Return the model's output for x.

        Parameters
        ----------
        x : array_like, shape (N, ...)
        batch_size : int, optional
            Process this many examples at a time (default: all at once).

        Returns
        -------
        y_hat : ndarray, shape (N, C), dtype of the model
        """
        x = self._prepare_x(x)
        self.eval()
        return np.concatenate([self._forward(x[s], buffered=False) for s in _chunks(x.shape[0], batch_size)])

    def evaluate(self, x, y, batch_size=None):
        """Return [loss, metric1, ...] on (x, y), like Keras (always a list).

        Parameters
        ----------
        x : array_like, shape (N, ...)
        y : array_like, shape (N, C), or (N,) for one output
        batch_size : int, optional
            Examples per forward pass (default: all at once).

        Returns
        -------
        scores : list of float
            The loss, then each compiled metric (e.g. [loss, acc]).
        """
        self._require_compiled()
        x = self._prepare_x(x)
        return self._evaluate(x, self._prepare_y(y, x.shape[0]), batch_size)

    def _evaluate(self, x, y, batch_size):
        self.eval()
        loss_sum = correct = 0.0
        for s in _chunks(x.shape[0], batch_size):
            y_hat = self._forward(x[s], buffered=False)
            loss_sum += self.loss.value(y[s], y_hat) * y_hat.shape[0]
            correct += _n_correct(y[s], y_hat) if self.metrics else 0
        n = x.shape[0]
        return [loss_sum / n] + [correct / n for _ in self.metrics]

    # --- summary --------------------------------------------------------------------------------------------
    def summary(self) -> str:
        """Return a table of the layers, their output shapes and parameter counts (print it)."""
        if self.input_shape is None:
            raise ValueError("The model is not built yet: give the first layer input_dim=..., call"
                             " model.build(input_shape), or call fit/predict once.")
        rows, shape = [], self.input_shape
        for layer in self.layers:
            shape = layer.output_shape(shape)
            rows.append((f"{layer.name} ({type(layer).__name__})", str((None, *shape)), f"{layer.n_params:,}"))
        width = 66
        lines = [f"Model: Sequential ({self.dtype})", "_" * width,
                 f"{'Layer (type)':<30}{'Output Shape':<24}{'Param #':>12}", "=" * width]
        lines += [f"{name:<30}{out:<24}{count:>12}" for name, out, count in rows]
        lines += ["=" * width, f"Total params: {self.count_params():,}"]
        return "\n".join(lines)


# --- helpers ---------------------------------------------------------------------------------------------------

def _n_correct(y, y_hat) -> int:
    """Number of correct predictions: threshold 0.5 for one output, argmax for C > 1."""
    y, y_hat = y.reshape(len(y), -1), y_hat.reshape(len(y_hat), -1)
    if y_hat.shape[1] == 1:
        return int(np.count_nonzero((y_hat > 0.5) == (y > 0.5)))
    return int(np.count_nonzero(np.argmax(y_hat, axis=1) == np.argmax(y, axis=1)))


def _check_flag(value, name, keras_levels=False):
    """A bool (or, for ``verbose``, Keras's levels 0, 1, 2); 'no' or 5 are errors, not silently truthy."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if keras_levels and isinstance(value, (int, np.integer)) and value in (0, 1, 2):
        return bool(value)
    expected = "True/False or 0, 1, 2" if keras_levels else "True or False"
    raise ValueError(f"{name} must be {expected}, got {value!r}.")


def _chunks(n, batch_size):
    size = n if batch_size is None else check_positive_int(batch_size, "batch_size")
    return [slice(i, i + size) for i in range(0, n, size)]


def _after(previous, shape, message):
    if previous is None:
        return message
    return f"{message} The previous {previous.describe()} outputs shape (N, {', '.join(map(str, shape))})."
