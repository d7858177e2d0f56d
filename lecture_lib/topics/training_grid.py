"""The slides' Keras model trained on a grid of settings, for a slider that only redraws (chapter 05).

``train_grid`` trains Flatten -> Dense(H, sigmoid) -> Dense(10, softmax)
with Adam and categorical cross-entropy (the slides' model) once for every
combination of learning rate eta, batch size and hidden units H, with the
same epochs, seed and validation split, and keeps the four curves of each run
('loss', 'acc' on the fitting part, as ``fit`` reports them: the mean over
the epoch's batches while the weights change; 'val_loss', 'val_acc' on the
validation part after each epoch). The live explorer
(``lecture_lib.viz.training_explorer``) then looks a run up instead of
training while the instructor drags a slider.

What the grid shows (and the chapter reads from it): a larger batch makes
fewer updates per epoch, so with the same epochs it ends higher on the loss;
too small a learning rate crawls, too large a one makes the curves noisy;
more hidden units fit faster. The test set takes no part: settings are
compared on the validation curves.

The grid is one seed (27 runs fit the chapter's time budget; three seeds would
not). ``one_at_a_time`` trains two more seeds for the settings that differ from
a reference in one setting only (what the static twin draws), so the chapter can
say whether a difference between settings exceeds the spread over seeds.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product

import numpy as np

from .._validate import as_float_array, check_positive, check_positive_int
from ..nn.layers import Dense, Flatten
from ..nn.model import Sequential
from ..nn.optimizers import Adam

__all__ = ["CURVES", "TrainingGrid", "train_grid", "slides_model", "SeedRuns", "one_at_a_time"]

#: The history keys every run keeps, one value per epoch.
CURVES = ("loss", "acc", "val_loss", "val_acc")


def slides_model(hidden_units, learning_rate, seed=0):
    """The slides' model: Flatten, Dense(H, sigmoid), Dense(10, softmax); Adam(eta), cross-entropy, 'acc'."""
    model = Sequential([Flatten(), Dense(hidden_units, activation="sigmoid"), Dense(10, activation="softmax")],
                       seed=seed)
    return model.compile(loss="categorical_crossentropy", optimizer=Adam(eta=learning_rate), metrics=["acc"])


@dataclass(frozen=True)
class TrainingGrid:
    """The curves of one run per (learning rate, batch size, hidden units).

    Attributes
    ----------
    learning_rates, batch_sizes, hidden_units : tuple
        The grid's axes, in increasing order.
    epochs : int
    curves : dict of str -> ndarray, shape (n_rates, n_batches, n_hidden, epochs)
        One entry per ``CURVES`` key.
    updates_per_epoch : dict of int -> int
        ceil(N_fit / batch size) for each batch size.
    """

    learning_rates: tuple
    batch_sizes: tuple
    hidden_units: tuple
    epochs: int
    curves: dict = field(repr=False)
    updates_per_epoch: dict = field(repr=False)

    def run(self, learning_rate, batch_size, hidden_units) -> dict:
        """The four curves (shape (epochs,) each) of one setting; a setting off the grid raises."""
        index = (self._index(self.learning_rates, learning_rate, "learning_rate"),
                 self._index(self.batch_sizes, batch_size, "batch_size"),
                 self._index(self.hidden_units, hidden_units, "hidden_units"))
        return {key: values[index] for key, values in self.curves.items()}

    def final(self, key="val_acc"):
        """The last epoch's value of ``key`` for every setting, shape (n_rates, n_batches, n_hidden)."""
        if key not in self.curves:
            raise ValueError(f"key must be one of {CURVES}, got {key!r}.")
        return self.curves[key][..., -1]

    @staticmethod
    def _index(axis, value, name):
        for i, v in enumerate(axis):
            if np.isclose(v, value, rtol=1e-9, atol=0):
                return i
        raise ValueError(f"{name}={value!r} is not on the grid; choose one of {list(axis)}.")


def _axis(values, name, check):
    if isinstance(values, (str, bytes)) or not np.iterable(values) or len(values) == 0:
        raise TypeError(f"{name} must be a non-empty sequence of values such as (1, 2), got {values!r}.")
    checked = tuple(check(v, name) for v in values)
    if list(checked) != sorted(set(checked)):
        raise ValueError(f"{name} must be increasing and without repeats, got {values!r}.")
    return checked


def train_grid(x_fit, y_fit, x_val, y_val, learning_rates=(0.001, 0.01, 0.1), batch_sizes=(20, 200, 1000),
               hidden_units=(8, 32, 128), epochs=30, seed=0) -> TrainingGrid:
    """Train the slides' model once per grid setting and keep its curves.

    Parameters
    ----------
    x_fit : array_like, shape (N, 8, 8) or (N, 64)
    y_fit : array_like, shape (N, 10), one-hot
    x_val, y_val : the validation part (never the test set), same layout
    learning_rates : increasing floats > 0 (Adam's eta)
    batch_sizes : increasing ints > 0 (a size above N trains full batch)
    hidden_units : increasing ints > 0
    epochs : int
        The same for every run, so a run with larger batches makes fewer updates.
    seed : int
        The same initial-weight and shuffling seed for every run.

    Returns
    -------
    TrainingGrid
    """
    rates = _axis(learning_rates, "learning_rates", check_positive)
    batches = _axis(batch_sizes, "batch_sizes", check_positive_int)
    hidden = _axis(hidden_units, "hidden_units", check_positive_int)
    epochs = check_positive_int(epochs, "epochs")
    x_fit, x_val = as_float_array(x_fit, "x_fit"), as_float_array(x_val, "x_val")
    shape = (len(rates), len(batches), len(hidden), epochs)
    curves = {key: np.empty(shape) for key in CURVES}
    for (i, eta), (j, batch), (k, units) in product(enumerate(rates), enumerate(batches), enumerate(hidden)):
        model = slides_model(units, eta, seed=seed)
        history = model.fit(x_fit, y_fit, batch_size=batch, epochs=epochs, seed=seed,
                            validation_data=(x_val, y_val)).history
        for key in CURVES:
            curves[key][i, j, k] = history[key]
    n_fit = x_fit.shape[0]
    updates = {batch: -(-n_fit // batch) for batch in batches}
    return TrainingGrid(rates, batches, hidden, epochs, curves, updates)


#: The grid axes by the name of the keyword that selects one value of them.
_AXIS_NAMES = (("learning_rate", "learning_rates"), ("batch_size", "batch_sizes"), ("hidden_units", "hidden_units"))


@dataclass(frozen=True)
class SeedRuns:
    """Curves of one setting over several seeds.

    Attributes
    ----------
    setting : dict with keys 'learning_rate', 'batch_size', 'hidden_units'
    seeds : tuple of int
    curves : dict of str -> ndarray, shape (n_seeds, epochs), one entry per ``CURVES`` key
    """

    setting: dict
    seeds: tuple
    curves: dict = field(repr=False)

    def final_range(self, key="val_acc"):
        """(min, max) over the seeds of the last epoch's ``key``."""
        last = self.curves[key][:, -1]
        return float(last.min()), float(last.max())


def one_at_a_time(x_fit, y_fit, x_val, y_val, grid, around, extra_seeds=(1, 2)):
    """Every grid setting that differs from ``around`` in at most one setting, over seed 0 (the grid's) and more.

    Parameters
    ----------
    x_fit, y_fit, x_val, y_val : the data ``grid`` was trained on
    grid : TrainingGrid (seed 0)
    around : dict with keys 'learning_rate', 'batch_size', 'hidden_units', a grid setting
    extra_seeds : ints, the seeds trained here besides the grid's seed 0

    Returns
    -------
    dict of (name, value) -> SeedRuns
        name is the setting varied ('learning_rate', ...), value its value; the
        reference itself appears once per name (the same runs).
    """
    if not isinstance(grid, TrainingGrid):
        raise TypeError(f"grid must be a TrainingGrid, got {type(grid).__name__}.")
    grid.run(**around)  # validates the reference setting
    seeds = (0, *(check_positive_int(seed, "extra_seeds") for seed in extra_seeds))
    done = {}
    out = {}
    for name, axis_name in _AXIS_NAMES:
        for value in getattr(grid, axis_name):
            setting = {**around, name: value}
            key = tuple(setting[n] for n, _ in _AXIS_NAMES)
            if key not in done:
                runs = {k: [v] for k, v in grid.run(**setting).items()}
                for seed in seeds[1:]:
                    model = slides_model(setting["hidden_units"], setting["learning_rate"], seed=seed)
                    history = model.fit(x_fit, y_fit, batch_size=setting["batch_size"], epochs=grid.epochs, seed=seed,
                                        validation_data=(x_val, y_val)).history
                    for k in CURVES:
                        runs[k].append(history[k])
                done[key] = SeedRuns(setting, seeds, {k: np.array(v) for k, v in runs.items()})
            out[(name, value)] = done[key]
    return out
