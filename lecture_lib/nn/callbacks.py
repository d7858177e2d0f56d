"""Callbacks: code that ``Sequential.fit`` runs at the start and end of every epoch and batch.

A callback is any object with some of these methods (each optional; the
base class ``Callback`` has them all, doing nothing)::

    on_train_begin(model, logs)   logs: {'epochs', 'batches'}
    on_epoch_begin(model, logs)   logs: {'epoch'}
    on_batch_begin(model, logs)   logs: {'epoch', 'batch', 'x', 'y'}
    on_batch_end(model, logs)     logs: {'epoch', 'batch', 'x', 'y', 'loss'}
    on_epoch_end(model, logs)     logs: {'epoch', 'loss', 'acc', 'val_loss', ...} (this epoch's history)
    on_train_end(model, logs)     logs: {}
    on_diverged(model, logs)      logs: {'epoch', 'batch', 'x', 'y', 'error'}: the TrainingDivergedError
                                  fit is about to raise (the NaN trap of ``diagnostics`` uses it)

``epoch`` and ``batch`` count from 1 (as fit's messages). ``x``/``y`` are
the batch, in arrays that the next batch overwrites: copy what you keep.
A callback may set ``model.stop_training = True`` to end ``fit`` after
the current batch (Keras's convention).

Keras passes ``(epoch, logs)`` and reaches the model through
``self.model``; here the model is the first argument, so one callback
object can serve several models.
"""
from __future__ import annotations

from .._validate import as_scalar

__all__ = ["Callback", "LambdaCallback", "LearningRateScheduler", "HOOKS", "callback_hooks"]

HOOKS = ("on_train_begin", "on_epoch_begin", "on_batch_begin", "on_batch_end", "on_epoch_end", "on_train_end",
         "on_diverged")


class Callback:
    """Base class with every hook doing nothing; override the ones you need."""

    def on_train_begin(self, model, logs):
        pass

    def on_epoch_begin(self, model, logs):
        pass

    def on_batch_begin(self, model, logs):
        pass

    def on_batch_end(self, model, logs):
        pass

    def on_epoch_end(self, model, logs):
        pass

    def on_train_end(self, model, logs):
        pass

    def on_diverged(self, model, logs):
        pass


class LambdaCallback(Callback):
    """A callback from functions: ``LambdaCallback(on_epoch_end=lambda model, logs: print(logs['loss']))``."""

    def __init__(self, on_train_begin=None, on_epoch_begin=None, on_batch_begin=None, on_batch_end=None,
                 on_epoch_end=None, on_train_end=None, on_diverged=None):
        given = dict(on_train_begin=on_train_begin, on_epoch_begin=on_epoch_begin, on_batch_begin=on_batch_begin,
                     on_batch_end=on_batch_end, on_epoch_end=on_epoch_end, on_train_end=on_train_end,
                     on_diverged=on_diverged)
        for name, function in given.items():
            if function is not None:
                if not callable(function):
                    raise TypeError(f"{name} must be a function (model, logs) -> None, got {function!r}.")
                setattr(self, name, function)


class LearningRateScheduler(Callback):
    """Set the optimiser's η at the start of every epoch: η = schedule(epoch - 1).

    Parameters
    ----------
    schedule : callable
        ``schedule(epoch_index) -> float`` with epoch_index = 0, 1, ...
        (``lecture_lib.nn.schedules`` or any function).

    Keras: ``keras.callbacks.LearningRateScheduler(schedule)``, whose
    schedule also receives the current rate; PyTorch: a
    ``torch.optim.lr_scheduler`` with ``scheduler.step()`` once per epoch.
    For a rate that changes at every update instead, give the optimiser the
    schedule itself: ``SGD(eta=ExponentialDecay(...))``.

    Attributes
    ----------
    rates : list of float
        The rate used in each epoch.
    """

    def __init__(self, schedule):
        if not callable(schedule):
            raise TypeError(f"schedule must be a callable epoch -> learning rate, got {schedule!r}.")
        self.schedule = schedule
        self.rates = []

    def on_epoch_begin(self, model, logs):
        epoch_index = logs["epoch"] - 1
        eta = as_scalar(self.schedule(epoch_index), f"the schedule's learning rate for epoch {logs['epoch']}")
        model.optimizer.eta = eta  # the optimiser's setter checks eta > 0
        self.rates.append(eta)


def callback_hooks(callbacks):
    """{hook name: [bound methods]} of the callbacks that define each hook (for fit's loop).

    Only methods a callback overrides are listed, so a batch hook nobody
    uses costs nothing per batch.
    """
    if callbacks is None:
        return {}
    if not isinstance(callbacks, (list, tuple)):
        raise TypeError(f"callbacks must be a list of callback objects, got {type(callbacks).__name__}.")
    hooks = {name: [] for name in HOOKS}
    for callback in callbacks:
        methods = [name for name in HOOKS if callable(getattr(callback, name, None))]
        if not methods:
            raise TypeError(f"{callback!r} is not a callback: it has none of the methods {', '.join(HOOKS)}.")
        for name in methods:
            method = getattr(callback, name)
            if getattr(type(callback), name, None) is getattr(Callback, name, None) and name not in vars(callback):
                continue  # the base class's no-op
            hooks[name].append(method)
    return {name: methods for name, methods in hooks.items() if methods}
