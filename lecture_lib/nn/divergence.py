"""When training diverges: finding the NaN/inf and saying so, with what to try.

``Sequential.fit`` and ``train_on_batch`` raise ``TrainingDivergedError`` as
soon as a loss is NaN/inf, or when a weight is NaN/inf before training or at
the end of an epoch; the message names the epoch, the batch, and the weight
or the first layer whose output is NaN/inf, then the remedies. The finiteness
tests here are also what the data checks of ``fit`` and the diagnostics of
``lecture_lib.nn.diagnostics`` use.
"""
from __future__ import annotations

import numpy as np

from .._validate import as_float_array

__all__ = ["TrainingDivergedError", "REMEDIES", "divergence_error", "first_nonfinite_weight", "all_finite",
           "as_finite_array"]

REMEDIES = (
    "Remedies: lower the learning rate ({optimizer}); standardise the inputs "
    "(z-score: subtract each feature's mean, divide by its standard deviation); "
    "clip the gradients by norm; use smaller initial weights or a stable "
    "output/loss pair (softmax + categorical_crossentropy)."
)



class TrainingDivergedError(RuntimeError):
    """Training produced NaN or inf (a loss, a layer output or a weight)."""


def first_nonfinite_weight(layers):
    """(layer, key) of the first parameter array holding NaN/inf, or None when all are finite."""
    with np.errstate(over="ignore", invalid="ignore"):  # the sum of squares may overflow
        for layer in layers:
            for key, p in layer.params.items():
                if not all_finite(p):
                    return layer, key
    return None



def divergence_error(layers, optimizer, epoch, batch, n_batches, loss, outputs=None, bad_weight=None,
                     before_update=False, hidden=False):
    """The TrainingDivergedError for batch ``batch`` of ``epoch`` (None, None, None: ``train_on_batch``).

    ``layers`` are the model's layers, ``optimizer`` is named in the remedies.

    ``bad_weight`` = (layer, key) of a NaN/inf weight: found before the
    batch (``before_update``, i.e. before training), or after its update;
    ``hidden``: found at the end of the epoch although every loss was
    finite. Otherwise ``outputs`` (the layers' outputs) name the first
    layer whose output is NaN/inf.
    """
    where = (f"Training diverged in epoch {epoch}, batch {batch} of {n_batches}: " if epoch is not None
             else "Training diverged in train_on_batch: ")
    if bad_weight is not None:
        layer, key = bad_weight
        if before_update:
            what = f"the weights {key!r} of {layer.describe()} were NaN/inf before this batch."
        else:
            what = (f"the weights {key!r} of {layer.describe()} are NaN/inf after this batch's update"
                    f" (its loss was {loss:.3g}).")
            if hidden:
                what += " Every loss of the epoch was finite: saturated units hid them."
            if batch is not None and batch > 1:  # the weights were last checked before the epoch's first batch
                earlier = "batch 1" if batch == 2 else f"batches 1 to {batch - 1}"
                what += (" The weights are checked after each epoch and when a loss is NaN/inf: this"
                         f" update is the likely cause, an earlier one ({earlier}) possible.")
    else:
        layer = next((lay for lay, out in zip(layers, outputs) if not np.isfinite(out).all()), None)
        if layer is not None:
            what = f"the output of {layer.describe()} became NaN/inf, so the loss is {loss}."
        else:
            what = (f"every layer output is finite but the loss overflowed to {loss}; the outputs of"
                    f" {layers[-1].describe()} are too large.")
    return TrainingDivergedError(where + what + " " + REMEDIES.format(optimizer=optimizer))


def as_finite_array(value, name, dtype):
    """``as_float_array(value, name, dtype)``, checking finiteness in blocks of rows.

    The same result and the same error as ``as_float_array``, but the
    NaN/inf test (``all_finite``) works on one block of the data set at a
    time: no boolean array as large as the whole of it.
    """
    array = as_float_array(value, name, dtype=dtype, allow_nan=True)
    rows = max(1, _CHECK_BLOCK // max(1, array[:1].size)) if array.ndim else 1
    blocks = range(0, array.shape[0], rows) if array.ndim else [None]
    with np.errstate(over="ignore", invalid="ignore"):  # the sum of squares may overflow
        for start in blocks:
            if not all_finite(array if start is None else array[start:start + rows]):
                return as_float_array(array, name, dtype=dtype)  # raises, counting the bad values
    return array


#: Values per block of the input checks (1 MiB of booleans).
_CHECK_BLOCK = 1 << 20


def all_finite(a) -> bool:
    """True when no value of the float array ``a`` is NaN or inf.

    First the sum of squares, one BLAS dot product (faster than isfinite):
    it is NaN or inf when any value is. Only when it is not finite (also
    when finite values are so large that it overflows) are the values
    tested one by one.
    """
    flat = a.reshape(-1)
    if flat.size and np.isfinite(np.dot(flat, flat)):
        return True
    return bool(np.isfinite(a).all())
