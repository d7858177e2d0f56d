"""Looking at a learner's answer: how to show it, what is wrong with its kind, whether it equals the reference.

Answers arrive as plain data (see :mod:`.isolation`). Numbers must be real
numbers of the stated type: a numeric string, a complex number (even with a
zero imaginary part), a boolean or NaN is refused with a message saying what
was expected, never converted silently. Values are compared at a tolerance
that fits the answer's precision: a float32 answer is right when it is right
to float32's rounding.
"""
from __future__ import annotations

import numpy as np

from .isolation import Opaque

__all__ = ["describe_value", "precision_of", "tolerance_for", "same_answer", "real_number_problem",
           "real_array_problem", "array_kind_problem", "array_and_number_problem"]


def _short(value, limit=70) -> str:
    """A compact one-line rendering of an argument or a returned value (never raises)."""
    try:
        if isinstance(value, np.ndarray):
            text = np.array2string(value, precision=3, separator=", ", threshold=12, max_line_width=10_000)
            text = " ".join(text.split())
            if value.ndim >= 2 or value.size > 6:
                text = f"array of shape {value.shape} {text}"
        elif isinstance(value, (tuple, list)):
            inner = ", ".join(_short(item, limit) for item in value)
            text = (f"({inner},)" if len(value) == 1 else f"({inner})") if isinstance(value, tuple) else f"[{inner}]"
        elif isinstance(value, (float, np.floating)):
            text = f"{float(value):g}"
        else:
            text = repr(value)
    except Exception:  # an argument of the check's own making that cannot be shown: show its type
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe_value(value) -> str:
    """Type and shape of a value, for 'you returned ...' messages."""
    if isinstance(value, np.ndarray):
        return f"an ndarray of shape {value.shape} and dtype {value.dtype}: {_short(value)}"
    if value is None:
        return "None (did you forget `return`?)"
    if isinstance(value, Opaque):
        shown = f": {_short(value.text)}" if value.text is not None else " (it could not be printed)"
        return f"an object of type {value.type_name}{shown}"
    if isinstance(value, str):
        return f"a str (text, not a number): {_short(value)}"
    name = type(value).__name__
    return f"{'an' if name[:1] in 'aeiou' else 'a'} {name}: {_short(value)}"


# --- comparing answers ---------------------------------------------------------------------------

_FLOAT64_EPS = float(np.finfo(np.float64).eps)
#: The floor of precision every check accepts (one rule for all checks): float32. An answer in a less
#: precise float (float16: about 3 digits) is never judged at its own, wider tolerance: it is refused
#: with a message naming its dtype (:func:`low_precision_problem`), so ``(1.04 * right).astype(np.float16)``
#: cannot pass by rounding.
_FLOOR_EPS = float(np.finfo(np.float32).eps)


def low_precision_problem(value, what="your answer"):
    """A message when an answer holds floats less precise than float32 (float16), else None."""
    if isinstance(value, (tuple, list)):
        return next((problem for item in value if (problem := low_precision_problem(item, what))), None)
    dtype = getattr(value, "dtype", None)
    if dtype is not None and dtype.kind in "fc" and float(np.finfo(dtype).eps) > _FLOOR_EPS:
        return (f"Expected float32 or float64 values in {what}, got {dtype}: {dtype} keeps about "
                f"{int(np.finfo(dtype).precision)} digits, too few for the checks (compute in float32 or float64).")
    return None


def precision_of(value) -> float:
    """Machine epsilon of the least precise float in an answer (float64's when it holds no lower-precision float),
    never coarser than float32's (the floor every check accepts).

    A correct answer computed in float32 carries ~7 digits: comparing it at
    float64's tolerance would fail it for rounding.
    """
    if isinstance(value, (tuple, list)):
        return max([precision_of(item) for item in value] + [_FLOAT64_EPS])
    dtype = getattr(value, "dtype", None)
    if dtype is not None and dtype.kind in "fc":
        return min(max(float(np.finfo(dtype).eps), _FLOAT64_EPS), _FLOOR_EPS)
    return _FLOAT64_EPS


def tolerance_for(precision, rtol=1e-7, atol=1e-12, scale=1.0, condition=1.0):
    """(rtol, atol) for comparing an answer of ``precision`` (machine epsilon) with a float64 reference.

    ``scale``: the size of the reference values (atol grows with it for low
    precision); ``condition``: how much the exercise's own computation
    amplifies rounding (e.g. |w| / step for a finite difference).
    """
    if precision <= _FLOAT64_EPS:
        return rtol, atol
    slack = 64 * precision * condition
    return max(rtol, slack), max(atol, slack * max(scale, 1e-30))


def _scale(b) -> float:
    try:
        array = np.abs(np.asarray(b, dtype=float))
        array = array[np.isfinite(array)]
        return float(array.max()) if array.size else 1.0
    except (TypeError, ValueError):
        return 1.0


def same_answer(a, b, rtol=1e-7, atol=1e-12, equal_nan=False, precision=None, condition=1.0) -> bool:
    """Equal answers: same structure (tuples/lists element by element), same shapes, values equal up to rounding.

    ``a`` is the learner's answer, ``b`` the reference (float64). The
    tolerance fits the precision of ``a`` (``precision``, by default
    :func:`precision_of` ``a``): float64's rtol=1e-7, wider for float32.
    ``equal_nan=True`` lets a wrong variant that overflows to NaN in the same
    places as the learner's answer be recognised (references are never NaN).
    Only real numbers compare equal: strings and complex numbers never do.
    """
    if precision is None:
        precision = precision_of(a)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(same_answer(p, q, rtol, atol, equal_nan, precision, condition)
                                        for p, q in zip(a, b))
    if isinstance(a, (tuple, list, dict, str, bytes, Opaque)) or a is None or isinstance(a, (bool, np.bool_)):
        return False
    try:
        a_arr = np.asarray(a)
        b_arr = np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return False
    if a_arr.dtype.kind not in "iuf" or a_arr.shape != b_arr.shape:
        return False
    rtol, atol = tolerance_for(precision, rtol, atol, _scale(b_arr), condition)
    return bool(np.allclose(a_arr.astype(float), b_arr, rtol=rtol, atol=atol, equal_nan=equal_nan))


# --- what is wrong with the kind of an answer --------------------------------------------------------

def real_number_problem(value, what="a single number", finite=True):
    """What is wrong with an answer that must be one finite real number (int or float), or None.

    Strings ("0.5"), complex numbers (even with a zero imaginary part),
    booleans, arrays with more than one entry and (unless ``finite=False``)
    NaN/inf are refused with a message stating the expected type, never
    converted silently.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating, np.ndarray)):
        return f"Expected {what} (an int or a float), got {describe_value(value)}."
    if low_precision_problem(value, what):
        return low_precision_problem(value, what)
    if isinstance(value, np.ndarray) and (value.ndim != 0 or value.dtype.kind not in "iuf"):
        return f"Expected {what} (an int or a float), got {describe_value(value)}."
    if finite and not np.isfinite(float(value)):
        return f"Expected {what}, a finite number; got {value}."
    return None


def real_array_problem(value, shape, what, require_ndarray=True):
    """What is wrong with an answer that must be an array of finite real numbers of ``shape``, or None.

    With ``require_ndarray=False`` a list or tuple of numbers is accepted too
    (as ``np.asarray`` would read it), but never one of strings, booleans or
    complex numbers.
    """
    if require_ndarray and not isinstance(value, np.ndarray):
        return f"Expected {what}: an ndarray of shape {shape}, got {describe_value(value)}."
    if not isinstance(value, (np.ndarray, list, tuple)):
        return f"Expected {what}: an array of shape {shape}, got {describe_value(value)}."
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):  # a ragged nested list
        return f"Expected {what}: an array of shape {shape}, got {describe_value(value)}."
    if array.shape != shape:
        return f"Expected {what} of shape {shape}, got shape {array.shape}."
    if low_precision_problem(array, what):
        return low_precision_problem(array, what)
    if array.dtype.kind not in "iuf":
        kind = {"c": "complex numbers", "b": "booleans", "U": "strings", "S": "bytes"}.get(array.dtype.kind,
                                                                                            f"dtype {array.dtype}")
        return f"Expected real numbers (int or float) in {what}, got {kind}."
    if not np.all(np.isfinite(array)):
        return f"Expected finite real numbers in {what}."  # (the values are on the 'Returned:' line)
    return None


def array_kind_problem(value, shape, what):
    """What is wrong with the kind of an array answer (ndarray, shape, finite real numbers), or None.

    ``what`` names the answer in the message, e.g. ``"the gradient (shape of w)"``.
    """
    return real_array_problem(value, shape, what)


def array_and_number_problem(array, number, shape, names):
    """What is wrong with an answer made of an array and a number, such as ``(w, b)``, or None.

    ``array`` must be an array (or list) of finite real numbers of ``shape``,
    ``number`` one finite real number; strings, complex numbers, booleans,
    None and NaN are caught here, so that the check can then call
    ``float(number)`` safely. ``names`` = ("w", "b") names the two parts.
    """
    array_name, number_name = names
    try:
        array_shape, number_ndim = np.shape(array), np.ndim(number)
    except ValueError:  # a ragged nested list
        return f"Expected {array_name} an array of shape {shape}, got {describe_value(array)}."
    if array_shape != shape or number_ndim != 0:
        return (f"Expected {array_name} of shape {shape} and {number_name} a single number; got "
                f"{array_name} of shape {array_shape} and {number_name} of shape {np.shape(number)}.")
    return (real_array_problem(array, shape, array_name, require_ndarray=False)
            or real_number_problem(number, f"{number_name} a single number"))
