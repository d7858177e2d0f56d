"""Learning-rate schedules: η as a function of the step.

A schedule is a small callable object: ``schedule(step) -> η``. Hand one
to an optimiser in place of a number and it is evaluated before every
update, at ``step`` = the number of updates done so far (0 for the first
one), as Keras does with ``learning_rate=ExponentialDecay(...)``::

    opt = SGD(eta=ExponentialDecay(0.1, decay_rate=0.5, decay_steps=1000))

Or change η once per epoch from ``fit`` with the callback
``lecture_lib.nn.callbacks.LearningRateScheduler(schedule)``: then ``step``
is the epoch index 0, 1, ... (what PyTorch's ``lr_scheduler`` classes do
when ``scheduler.step()`` is called once per epoch).

Any function of one integer returning a positive number works too
(``lambda t: 0.1 / (1 + t)``); the classes below add a readable ``repr``
and checked arguments.
"""
from __future__ import annotations

import math

from .._validate import check_int_at_least, check_positive, check_probability

__all__ = ["Schedule", "Constant", "ExponentialDecay", "StepDecay", "InverseTimeDecay", "CosineDecay", "LinearWarmup"]


class Schedule:
    """Base class: ``__call__(step)`` returns the learning rate for ``step`` = 0, 1, 2, ..."""

    def __call__(self, step) -> float:
        return self.eta(check_int_at_least(step, "step", 0))

    def eta(self, step: int) -> float:
        raise NotImplementedError


class Constant(Schedule):
    """η(t) = eta0."""

    def __init__(self, eta0):
        self.eta0 = check_positive(eta0, "eta0")

    def __repr__(self):
        return f"Constant({self.eta0})"

    def eta(self, step):
        return self.eta0


class ExponentialDecay(Schedule):
    """η(t) = eta0 · decay_rate^(t / decay_steps); with ``staircase`` the exponent is ⌊t / decay_steps⌋.

    Keras: ``keras.optimizers.schedules.ExponentialDecay(initial_learning_rate,
    decay_steps, decay_rate, staircase)``, the same formula. PyTorch's
    ``ExponentialLR(gamma)`` is decay_steps = 1, decay_rate = gamma.
    """

    def __init__(self, eta0, decay_rate, decay_steps=1, staircase=False):
        self.eta0 = check_positive(eta0, "eta0")
        self.decay_rate = check_probability(decay_rate, "decay_rate")
        if self.decay_rate == 0:
            raise ValueError("decay_rate must lie in (0, 1], got 0.0: η would be 0 after the first decay.")
        self.decay_steps = check_int_at_least(decay_steps, "decay_steps", 1)
        self.staircase = bool(staircase)

    def __repr__(self):
        return (f"ExponentialDecay({self.eta0}, decay_rate={self.decay_rate}, decay_steps={self.decay_steps}"
                f"{', staircase=True' if self.staircase else ''})")

    def eta(self, step):
        exponent = step // self.decay_steps if self.staircase else step / self.decay_steps
        return self.eta0 * self.decay_rate ** exponent


class StepDecay(Schedule):
    """η(t) = eta0 · drop^⌊t / every⌋: divide by 1/drop every ``every`` steps (PyTorch ``StepLR(step_size, gamma)``)."""

    def __init__(self, eta0, drop=0.5, every=10):
        self.eta0 = check_positive(eta0, "eta0")
        self.drop = check_probability(drop, "drop")
        if self.drop == 0:
            raise ValueError("drop must lie in (0, 1], got 0.0: η would be 0 after the first drop.")
        self.every = check_int_at_least(every, "every", 1)

    def __repr__(self):
        return f"StepDecay({self.eta0}, drop={self.drop}, every={self.every})"

    def eta(self, step):
        return self.eta0 * self.drop ** (step // self.every)


class InverseTimeDecay(Schedule):
    """η(t) = eta0 / (1 + decay_rate · t / decay_steps) (Keras ``InverseTimeDecay``).

    The classical stochastic-approximation schedule (η ~ 1/t: Σ η = ∞,
    Σ η² < ∞, Robbins & Monro 1951) under which SGD converges despite its noise.
    """

    def __init__(self, eta0, decay_rate=1.0, decay_steps=1):
        self.eta0 = check_positive(eta0, "eta0")
        self.decay_rate = check_positive(decay_rate, "decay_rate", allow_zero=True)
        self.decay_steps = check_int_at_least(decay_steps, "decay_steps", 1)

    def __repr__(self):
        return f"InverseTimeDecay({self.eta0}, decay_rate={self.decay_rate}, decay_steps={self.decay_steps})"

    def eta(self, step):
        return self.eta0 / (1 + self.decay_rate * step / self.decay_steps)


class CosineDecay(Schedule):
    """η(t) = eta_min + (eta0 - eta_min) (1 + cos(π t / decay_steps)) / 2 for t <= decay_steps, then eta_min.

    Loshchilov & Hutter (SGDR, 2017) without restarts. Keras ``CosineDecay``
    (with ``alpha`` = eta_min / eta0), also after ``decay_steps``. PyTorch's
    ``CosineAnnealingLR(T_max=decay_steps, eta_min)`` agrees only for
    t <= T_max: after it, PyTorch's η follows the cosine back up (it returns to
    eta0 at t = 2 T_max, a period of 2 T_max), while this schedule and Keras's
    stay at eta_min.
    """

    def __init__(self, eta0, decay_steps, eta_min=0.0):
        self.eta0 = check_positive(eta0, "eta0")
        self.decay_steps = check_int_at_least(decay_steps, "decay_steps", 1)
        self.eta_min = check_positive(eta_min, "eta_min", allow_zero=True)
        if self.eta_min > self.eta0:
            raise ValueError(f"eta_min must lie in [0, eta0] = [0, {self.eta0}], got {self.eta_min}.")

    def __repr__(self):
        return f"CosineDecay({self.eta0}, decay_steps={self.decay_steps}, eta_min={self.eta_min})"

    def eta(self, step):
        progress = min(step, self.decay_steps) / self.decay_steps
        return self.eta_min + (self.eta0 - self.eta_min) * (1 + math.cos(math.pi * progress)) / 2


class LinearWarmup(Schedule):
    """η rises linearly from eta_start to ``schedule(0)`` over ``warmup_steps``, then follows ``schedule``.

    η(t) = eta_start + (schedule(0) - eta_start) · t / warmup_steps for t < warmup_steps, then
    schedule(t - warmup_steps). Keras 3's ``CosineDecay(initial_learning_rate, decay_steps, alpha,
    warmup_target, warmup_steps)`` is ``LinearWarmup(CosineDecay(warmup_target, decay_steps,
    alpha · warmup_target), warmup_steps, eta_start=initial_learning_rate)``; in PyTorch, ``LinearLR``
    followed by another scheduler in ``SequentialLR``. Why: the first updates of an optimiser are its
    least informed (Adam's moments rest on a few gradients and its steps are about η each whatever the
    gradient's size), so a large η is reached gradually.
    """

    def __init__(self, schedule, warmup_steps, eta_start=0.0):
        if not callable(schedule):
            raise TypeError(f"schedule must be a schedule (a callable of the step), got {schedule!r}.")
        self.schedule = schedule
        self.warmup_steps = check_int_at_least(warmup_steps, "warmup_steps", 1)
        self.eta_start = check_positive(eta_start, "eta_start", allow_zero=True)

    def __repr__(self):
        return f"LinearWarmup({self.schedule!r}, warmup_steps={self.warmup_steps}, eta_start={self.eta_start})"

    def eta(self, step):
        if step < self.warmup_steps:
            return self.eta_start + (self.schedule(0) - self.eta_start) * step / self.warmup_steps
        return self.schedule(step - self.warmup_steps)
