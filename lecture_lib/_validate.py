"""Input validation shared by every public function of ``lecture_lib``.

Each helper raises an error that names the argument, what was expected and
what actually came, so a learner can fix the call without reading our code.
Validation never changes the caller's array in place.
"""
from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "as_float_array",
    "as_matrix",
    "as_vector",
    "as_scalar",
    "as_binary_labels",
    "check_positive",
    "check_probability",
    "check_choice",
    "resolve_dtype",
    "float_dtype_of",
    "check_positive_int",
    "check_int_at_least",
]

_FLOAT_DTYPES = {"float64": np.float64, "float32": np.float32}


def resolve_dtype(dtype) -> np.dtype:
    """Return ``np.float64`` or ``np.float32`` for ``dtype``; anything else is an error."""
    if dtype is None:
        return np.dtype(np.float64)
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise ValueError(
            f"dtype must be 'float64' or 'float32', got {dtype!r}."
        )
    return resolved


def float_dtype_of(value) -> np.dtype:
    """Return the float dtype a computation on ``value`` should keep.

    ``float32`` arrays stay ``float32``; everything else (float64, integers,
    booleans, lists) computes in ``float64``. Used by functions that follow
    their input's precision instead of taking a ``dtype`` argument.
    """
    if getattr(value, "dtype", None) == np.float32:
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def as_float_array(value, name: str, dtype=np.float64, allow_nan: bool = False) -> np.ndarray:
    """Convert ``value`` to a floating-point array, refusing non-numeric input.

    Booleans and integers are accepted and converted (0/1 data is common in
    chapter 01); strings, objects and complex numbers are refused.
    """
    dtype = resolve_dtype(dtype)
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be numeric (an array of numbers), got a string {value!r}.")
    try:
        array = np.asarray(value)
    except Exception as exc:  # ragged lists raise here in NumPy >= 1.24
        raise TypeError(f"{name} must be a rectangular array of numbers: {exc}") from None
    if array.dtype == object or array.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} must contain real numbers, got an array of dtype {array.dtype}."
        )
    array = array.astype(dtype, copy=False)
    if not allow_nan and not np.all(np.isfinite(array)):
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        raise ValueError(f"{name} contains {bad} NaN or infinite value(s); all values must be finite.")
    return array


def as_matrix(value, name: str, n_columns: int | None = None, dtype=np.float64) -> np.ndarray:
    """Validate a batch of examples: a 2-D array of shape ``(N, D)``.

    ``n_columns`` fixes D when the caller knows it (e.g. 2 for the
    logic-gate inputs).
    """
    array = as_float_array(value, name, dtype=dtype)
    if array.ndim != 2:
        expected = f"(N, {n_columns})" if n_columns is not None else "(N, D)"
        hint = " Use x.reshape(1, -1) for a single example." if array.ndim == 1 else ""
        raise ValueError(
            f"{name} must be a 2-D array of shape {expected}, got shape {array.shape}.{hint}"
        )
    if n_columns is not None and array.shape[1] != n_columns:
        raise ValueError(
            f"{name} must have {n_columns} column(s), shape (N, {n_columns}); got shape {array.shape}."
        )
    if array.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one example (row), got shape {array.shape}.")
    return array


def as_vector(value, name: str, length: int | None = None, dtype=np.float64) -> np.ndarray:
    """Validate a 1-D array, optionally of a given length."""
    array = as_float_array(value, name, dtype=dtype)
    if array.ndim != 1:
        expected = f"({length},)" if length is not None else "(D,)"
        raise ValueError(f"{name} must be a 1-D array of shape {expected}, got shape {array.shape}.")
    if length is not None and array.shape[0] != length:
        raise ValueError(f"{name} must have length {length}, shape ({length},); got shape {array.shape}.")
    return array


def as_scalar(value, name: str) -> float:
    """Validate a finite real number (a Python or NumPy scalar, or a 0-d array)."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.ndarray, np.generic)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}.")
    array = np.asarray(value)
    if array.ndim != 0 or array.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be a single real number, got an array of shape {array.shape}.")
    number = float(array)
    if not np.isfinite(number):
        raise ValueError(f"{name} must be finite, got {number}.")
    return number


def as_binary_labels(value, name: str, n_rows: int | None = None) -> np.ndarray:
    """Validate 0/1 labels of shape ``(N,)`` and return them as ``int64``."""
    array = np.asarray(value)
    if array.dtype == object or array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold the numbers 0 and 1, got dtype {array.dtype}.")
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of shape (N,), got shape {array.shape}.")
    if n_rows is not None and array.shape[0] != n_rows:
        raise ValueError(
            f"{name} must have one label per example: expected shape ({n_rows},), got {array.shape}."
        )
    values = set(np.unique(array).tolist())
    if not values <= {0, 1}:
        raise ValueError(f"{name} must contain only 0 and 1, got the values {sorted(values)}.")
    return array.astype(np.int64)


def check_positive(value, name: str, allow_zero: bool = False) -> float:
    """Validate a positive (or non-negative) real number, such as a learning rate."""
    number = as_scalar(value, name)
    if number < 0 or (number == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {bound}, got {number}.")
    return number


def check_int_at_least(value, name: str, minimum: int, expected=None) -> int:
    """Validate a whole number >= ``minimum`` (bools and floats such as 10.0 are refused).

    ``expected`` words the requirement in the message; default "an integer >= minimum".
    """
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be {expected or f'an integer >= {minimum}'}, got {value!r}.")
    return int(value)


def check_positive_int(value, name: str) -> int:
    """Validate a positive whole number, such as a number of units or epochs."""
    return check_int_at_least(value, name, 1, expected="a positive integer")


def check_probability(value, name: str) -> float:
    """Validate a probability in the closed interval [0, 1]."""
    number = as_scalar(value, name)
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1], got {number}.")
    return number


def check_choice(value, name: str, choices) -> str:
    """Validate that ``value`` is one of the named ``choices``; the error lists them all."""
    choices = list(choices)
    if value not in choices:
        raise ValueError(f"Unknown {name} {value!r}; valid names are: {', '.join(map(repr, choices))}.")
    return value


def as_generator(value, name: str = "seed"):
    """A ``numpy.random.Generator`` from a seed: None (fresh, unseeded), an int >= 0, or a Generator.

    Floats (1.5 would be silently truncated by some callers), bools, strings
    and negative numbers are refused with the package's wording.
    """
    if value is None or isinstance(value, np.random.Generator):
        return np.random.default_rng(value)
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)) or value < 0:
        raise ValueError(f"{name} must be None, an integer >= 0 or a numpy.random.Generator, got {value!r}.")
    return np.random.default_rng(int(value))


def check_shape(value, name: str = "input_shape", allow_empty: bool = False) -> tuple:
    """Validate a per-example shape: a tuple or list of positive integers, e.g. (784,) or (8, 8).

    ``allow_empty``: () is accepted too (each example a scalar, for layers without weights).
    """
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)) or not (value or allow_empty):
        raise ValueError(f"{name} must be a non-empty tuple of positive integers such as (784,) or (8, 8),"
                         f" got {value!r}.")
    return tuple(check_positive_int(n, f"every entry of {name} {tuple(value)!r}") for n in value)
