"""Gradient clipping: by the global norm, by each array's norm, by value.

The gradients of a model are a list of dicts of arrays (``model.grads``:
one dict per layer, keys 'W', 'b'); every function here also takes a single
dict, a list of arrays or one array, and returns the same structure.

Three ways, three different results (the exercise of chapter 07 is about
the difference)::

    clipped, norm = clip_by_global_norm(model.grads, max_norm=1.0)

* by the **global norm** ``clip_by_global_norm``: one factor for all
  arrays, g <- g * c / max(c, ||g||) with ||g|| the norm of all gradients
  concatenated. The direction of the whole update is kept. PyTorch:
  ``torch.nn.utils.clip_grad_norm_(params, max_norm)`` (it divides by
  ||g|| + 1e-6, so its factor is smaller by ~1e-6 relative); Keras:
  ``global_clipnorm=`` of every optimiser; TensorFlow:
  ``tf.clip_by_global_norm``.
* by **each array's norm** ``clip_by_norm``: every array rescaled on its
  own (Keras's ``clipnorm=``, which is *per variable*, not global). The
  direction of the whole update changes.
* by **value** ``clip_by_value``: every element into [-c, c] (PyTorch
  ``clip_grad_value_``, Keras ``clipvalue=``). The direction changes too.

None of them touches the caller's arrays unless ``inplace=True``. A
non-finite gradient gives a NaN norm and NaN results (clipping does not
repair a NaN; ``lecture_lib.nn.diagnostics`` finds where it came from).
"""
from __future__ import annotations

import math

import numpy as np

from .._validate import as_scalar

__all__ = ["global_norm", "clip_by_global_norm", "clip_by_norm", "clip_by_value", "check_clip_threshold"]


def check_clip_threshold(value, name):
    """None (no clipping) or a finite number > 0; the error names the value and the valid range."""
    if value is None:
        return None
    number = as_scalar(value, name)
    if number <= 0:
        raise ValueError(f"{name} must be > 0 (or None for no clipping), got {number}:"
                         f" a threshold of {number} would {'zero' if number == 0 else 'flip'} every gradient.")
    return number


def _arrays(grads):
    """The arrays of a gradient structure, in order, and a function that rebuilds the structure."""
    if isinstance(grads, np.ndarray):
        return [grads], lambda arrays: arrays[0]
    if isinstance(grads, dict):
        keys = list(grads)
        return [grads[k] for k in keys], lambda arrays: dict(zip(keys, arrays))
    if isinstance(grads, (list, tuple)):
        parts = [_arrays(item) for item in grads]
        sizes = [len(arrays) for arrays, _ in parts]

        def rebuild(arrays):
            out, start = [], 0
            for (_, build), size in zip(parts, sizes):
                out.append(build(arrays[start:start + size]))
                start += size
            return out

        return [a for arrays, _ in parts for a in arrays], rebuild
    raise TypeError("grads must be an ndarray, a dict of arrays, or a list of those (model.grads),"
                    f" got {type(grads).__name__}.")


def _float_arrays(grads):
    arrays, rebuild = _arrays(grads)
    for i, a in enumerate(arrays):
        if not isinstance(a, np.ndarray) or a.dtype.kind != "f":
            raise TypeError(f"gradient array {i} must be a float ndarray, got {type(a).__name__}"
                            f"{'' if not isinstance(a, np.ndarray) else ' of dtype ' + str(a.dtype)}.")
    return arrays, rebuild


def _norm(arrays) -> float:
    """sqrt of the sum of squares of every value (a NaN/inf value gives NaN/inf)."""
    total = 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        for a in arrays:
            flat = a.reshape(-1)
            total += float(np.dot(flat, flat))
    return math.sqrt(total) if total == total else math.nan


def global_norm(grads) -> float:
    """||g|| = sqrt(sum of g^2 over every element of every array).

    Parameters
    ----------
    grads : ndarray, dict of arrays, or list of those (e.g. ``model.grads``)

    Returns
    -------
    float
        NaN when a value is NaN, inf when a value is inf or the sum overflows.
    """
    return _norm(_float_arrays(grads)[0])


def _scaled(arrays, factors, inplace):
    out = []
    for a, factor in zip(arrays, factors):
        if factor == 1.0:
            out.append(a if inplace else a.copy())
        elif inplace:
            a *= factor
            out.append(a)
        else:
            out.append(a * a.dtype.type(factor))
    return out


def _factor(norm, max_norm):
    # c / max(c, ||g||): exactly 1 when no clipping is needed; NaN for a NaN norm
    if norm != norm:
        return math.nan
    return max_norm / max(max_norm, norm)


def clip_by_global_norm(grads, max_norm, inplace=False):
    """Rescale all gradients by one factor so that their global norm is at most ``max_norm``.

    Parameters
    ----------
    grads : ndarray, dict of arrays, or list of those (e.g. ``model.grads``)
    max_norm : float > 0
        c in g <- g * c / max(c, ||g||).
    inplace : bool
        Overwrite the given arrays (default: return new ones).

    Returns
    -------
    clipped : same structure as grads
    norm : float
        The global norm *before* clipping (what to log and plot).
    """
    max_norm = check_clip_threshold(max_norm, "max_norm")
    arrays, rebuild = _float_arrays(grads)
    norm = _norm(arrays)
    factor = _factor(norm, max_norm)
    return rebuild(_scaled(arrays, [factor] * len(arrays), inplace)), norm


def clip_by_norm(grads, max_norm, inplace=False):
    """Rescale each array on its own so that its norm is at most ``max_norm`` (Keras's ``clipnorm``).

    Returns the clipped structure and the list of the arrays' norms before clipping.
    """
    max_norm = check_clip_threshold(max_norm, "max_norm")
    arrays, rebuild = _float_arrays(grads)
    norms = [_norm([a]) for a in arrays]
    return rebuild(_scaled(arrays, [_factor(n, max_norm) for n in norms], inplace)), norms


def clip_by_value(grads, clipvalue, inplace=False):
    """Clip every element into [-clipvalue, clipvalue]; returns the clipped structure.

    NaN stays NaN (``np.clip`` keeps it).
    """
    clipvalue = check_clip_threshold(clipvalue, "clipvalue")
    arrays, rebuild = _float_arrays(grads)
    out = [np.clip(a, -clipvalue, clipvalue, out=a if inplace else None) for a in arrays]
    return rebuild(out)
