"""Running the learner's function so that nothing it does can hang, crash or fool the check.

Every call of a learner's function made by a check goes through
:func:`run_calls`. By default (on Linux) the calls run in a **child process**
made by ``os.fork()``: the child calls the function on each case, turns every
answer into plain data (:func:`plain`) and sends it back through a pipe; the
check, in the notebook's own process, waits at most ``time_limit`` seconds for
each answer and kills the child (``SIGKILL``) when it does not come.

Why a child process (the design choice, measured)
-------------------------------------------------
An alarm in the learner's own thread can be defeated: a bare ``except:``
swallows the exception it raises, ``signal.signal(SIGALRM, SIG_IGN)`` turns it
off, and one long C-level call (a huge matrix product, ``time.sleep``) does not
look at signals until it returns. A watchdog thread has the same limits. A
child process is stopped by ``SIGKILL`` whatever it runs, and whatever the
learner's code does there (``sys.exit``, ``os._exit``, a segfault,
``np.seterr(all="raise")``, replacing a function of NumPy or of these checks,
changing signal handlers) ends with the child: the notebook's process, and
the verdict of every later check, are untouched. ``fork`` copies the process
lazily (copy-on-write), so the child needs no import and no pickling of the
arguments (a test function ``f`` or a SymPy symbol travels for free). A check
makes one child for all its cases. Measured on the course machine (2 cores,
shared): one fork + pipe round trip costs 4-13 ms in a process with NumPy and
SymPy loaded (0.03 ms inline); a whole check of correct code takes 10-35 ms
(``check_softmax``: 33 ms forked, 8 ms inline), the SymPy check about 150 ms.
``tests/test_checks_bank.py`` asserts < 0.5 s per check on every exercise.

What comes back is plain data (:func:`plain`): exact ``ndarray`` of a numeric,
boolean or string dtype, NumPy scalars, ``int``, ``float``, ``complex``,
``bool``, ``str``, ``None``, SymPy expressions of SymPy's own classes as
their ``srepr`` text (:class:`Symbolic`) and tuples, lists and dicts (str
keys) of those.
Anything else (a learner's object whose ``__repr__`` or ``__array__`` raises,
a float subclass with its own ``__eq__``, an array of dtype object) becomes an
:class:`Opaque` description, so the check never runs the learner's code
itself. The same holds when the function is a *proxy* that forwards the call
to another kernel and returns plain data (lecture-grade): a check only calls
the function and compares what comes back, plus the arguments after the call.

Inside the child the call runs under one floating-point regime that the
learner's code cannot change: NumPy warns on overflow, division by zero and
invalid operations (underflow is ignored), the warnings are recorded (see
``Outcome.warnings``), and ``np.errstate``, ``np.seterr``,
``warnings.simplefilter`` and ``warnings.filterwarnings`` are disarmed for
the duration of the call (their use is recorded in ``Outcome.silenced``), so
an overflow hidden behind ``np.errstate(over="ignore")`` is still seen.

A proxy that runs the learner's function in another kernel (lecture-grade)
should use :func:`set_isolation` ``("inline")`` in its own process (a fork
must not share the proxy's sockets) and, on the kernel's side, call the
learner's function through :func:`run_calls` so the limits and the float
regime apply where the learner's code runs; to let the checks see what
happened there, it writes the arguments after the call back into the arrays
it was given (mutation), re-emits ``Outcome.warnings`` as ``RuntimeWarning``
and raises for an error outcome (``NotImplementedError`` for the stub).

Where ``fork`` is not available or not safe (Windows, macOS, or when the
lecture-grade proxy asks for it with :func:`set_isolation`), the calls run
*inline*: in the main thread under ``SIGALRM``, otherwise in a daemon thread
abandoned after the limit, with NumPy's error state, the warning filters and
the ``SIGALRM`` handler restored afterwards. Inline mode cannot stop a call
that ignores the alarm; it is the fallback, not the default.
"""
from __future__ import annotations

import copy
import io
import linecache
import os
import pickle
import select
import signal
import struct
import sys
import threading
import time
import traceback
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Outcome", "Opaque", "Symbolic", "plain", "run_calls", "set_isolation", "isolation", "current_isolation"]

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_PLAIN_SCALARS = (type(None), bool, int, float, complex, str, bytes)
_PLAIN_DTYPE_KINDS = "biufcUS"
_MAX_DEPTH = 6
_MAX_ITEMS = 10_000


@dataclass
class Outcome:
    """What happened when the learner's function was called on one case.

    value : the answer as plain data (:func:`plain`)
    not_attempted : the function raised ``NotImplementedError`` (the stub)
    error : the learner's exception (or exit, or a crash of the process), described
    timed_out : stopped at the time limit
    warnings : NumPy floating-point warnings raised during the call, e.g. ``"overflow encountered in exp"``
    silenced : what the call did to hide them (``"np.errstate(over='ignore')"``); disarmed, only recorded
    mutated : names of arguments (arrays, or lists/dicts holding arrays) whose values changed during the call
    output : what the call printed (shown to the learner by the check)
    """

    value: Any = None
    not_attempted: bool = False
    error: str | None = None
    timed_out: bool = False
    warnings: list = field(default_factory=list)
    silenced: list = field(default_factory=list)
    mutated: list = field(default_factory=list)
    output: str = ""

    @property
    def ok(self) -> bool:
        return not (self.not_attempted or self.error or self.timed_out)


@dataclass(frozen=True)
class Opaque:
    """Stands for an answer that is not plain data: its type name and, when it could be taken, its repr."""

    type_name: str
    text: str | None = None

    def __repr__(self):
        return self.text if self.text is not None else f"<{self.type_name} object>"


@dataclass(frozen=True)
class Symbolic:
    """A SymPy expression made only of SymPy's own classes, as its ``sympy.srepr`` text (plain data)."""

    srepr: str

    def __repr__(self):
        return f"Symbolic({self.srepr[:60]}{'...' if len(self.srepr) > 60 else ''})"


def _symbolic(value):
    """A SymPy object as :class:`Symbolic`, or Opaque when a node is of a class not SymPy's own (a learner's subclass)."""
    import sympy

    foreign = sorted({type(node).__qualname__ for node in sympy.preorder_traversal(value)
                      if not (getattr(type(node), "__module__", "") or "").startswith("sympy.")})
    if foreign:
        return Opaque(", ".join(foreign), f"a SymPy object containing the class(es) {', '.join(foreign)}")
    return Symbolic(sympy.srepr(value))


def _safe_repr(value, limit=200) -> str | None:
    try:
        text = repr(value)
    except BaseException:  # noqa: B036 - the learner's __repr__ may raise anything
        return None
    return text if isinstance(text, str) and len(text) <= limit else (text[: limit - 3] + "..." if isinstance(text, str) else None)


def plain(value, depth=0):
    """``value`` as plain data the check can inspect without running the learner's code; see the module docstring."""
    kind = type(value)
    if kind in _PLAIN_SCALARS:
        return value
    if kind is np.ndarray:
        if value.dtype.kind in _PLAIN_DTYPE_KINDS and value.dtype.names is None:
            return np.array(value, copy=True)
        return Opaque(f"ndarray of dtype {value.dtype}")
    if isinstance(value, np.generic) and kind.__module__ == "numpy":
        return value if value.dtype.kind in _PLAIN_DTYPE_KINDS else Opaque(f"numpy {kind.__name__}")
    if kind in (tuple, list) and depth < _MAX_DEPTH and len(value) <= _MAX_ITEMS:
        return kind(plain(item, depth + 1) for item in value)
    if isinstance(value, tuple) and hasattr(kind, "_fields") and depth < _MAX_DEPTH and len(value) <= _MAX_ITEMS:
        # a namedtuple is a tuple for every check (one contract for several results, book/learners.md)
        return tuple(plain(item, depth + 1) for item in tuple.__iter__(value))
    sympy = sys.modules.get("sympy")
    if sympy is not None and isinstance(value, sympy.Basic):
        try:
            return _symbolic(value)
        except Exception:  # noqa: BLE001 - an object that breaks SymPy's own traversal
            return Opaque(getattr(kind, "__qualname__", "object"))
    if kind is dict and depth < _MAX_DEPTH and len(value) <= _MAX_ITEMS and all(type(k) is str for k in value):
        return {key: plain(item, depth + 1) for key, item in value.items()}
    return Opaque(getattr(kind, "__qualname__", "object"), _safe_repr(value))


# --- the floating-point regime of a learner's call ---------------------------------------------

class _FloatRecord:
    def __init__(self):
        self.silenced: list[str] = []


def _describe_call(name, args, kwargs) -> str:
    parts = [repr(a) if isinstance(a, (str, int, float)) else type(a).__name__ for a in args]
    parts += [f"{k}={v!r}" if isinstance(v, (str, int, float)) else f"{k}=..." for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


@contextmanager
def _float_regime():
    """NumPy warns (underflow ignored), warnings are recorded, and the call cannot change either."""
    record = _FloatRecord()
    errstate, numpy_module = np.errstate, sys.modules["numpy"]
    saved = {"enter": errstate.__enter__, "exit": errstate.__exit__, "seterr": numpy_module.seterr,
             "simplefilter": warnings.simplefilter, "filterwarnings": warnings.filterwarnings}

    def disarmed_enter(self):
        settings = {name: getattr(self, f"_{name}", None) for name in ("all", "over", "under", "divide", "invalid")}
        record.silenced.append("np.errstate(" + ", ".join(f"{k}={v!r}" for k, v in settings.items() if v) + ")")
        return self

    def disarmed_exit(self, *exc_info):
        return None

    def disarmed_seterr(*args, **kwargs):
        record.silenced.append(_describe_call("np.seterr", args, kwargs))
        return saved_geterr()

    def disarmed_filter(name):
        def replacement(*args, **kwargs):
            record.silenced.append(_describe_call(f"warnings.{name}", args, kwargs))
        return replacement

    saved_geterr = np.geterr
    # NumPy >= 2 keeps the error state in a context variable that every Python-level setter goes through
    # (np.errstate used as a decorator, np.seterr imported under another name, np.seterrcall): a stand-in
    # for it records those calls and changes nothing. The ufuncs read the real variable from C.
    config = sys.modules.get("numpy._core._ufunc_config")
    real_variable = getattr(config, "_extobj_contextvar", None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
            errstate.__enter__, errstate.__exit__ = disarmed_enter, disarmed_exit
            numpy_module.seterr = disarmed_seterr
            warnings.simplefilter, warnings.filterwarnings = disarmed_filter("simplefilter"), disarmed_filter("filterwarnings")
            if real_variable is not None:
                config._extobj_contextvar = _DisarmedErrorState(real_variable, record)
            try:
                yield record, caught
            finally:
                if real_variable is not None:
                    config._extobj_contextvar = real_variable
                errstate.__enter__, errstate.__exit__ = saved["enter"], saved["exit"]
                numpy_module.seterr = saved["seterr"]
                warnings.simplefilter, warnings.filterwarnings = saved["simplefilter"], saved["filterwarnings"]


class _DisarmedErrorState:
    """Stands in for NumPy's error-state context variable during a learner's call: reads pass, writes are recorded."""

    def __init__(self, variable, record):
        self._variable, self._record = variable, record

    def get(self, *default):
        return self._variable.get(*default)

    def set(self, value):
        self._record.silenced.append("a change of NumPy's error state (np.errstate as a decorator, np.seterr)")
        return None

    def reset(self, token):
        return None


def _is_learner_frame(filename: str) -> bool:
    """Frames of the learner's code: not this package, not an installed library."""
    path = os.path.abspath(filename)
    if path.startswith(_PACKAGE_DIR):
        return False
    return not any(marker in path for marker in ("site-packages", "dist-packages", os.sep + "lib" + os.sep + "python"))


def describe_exception(exc: BaseException) -> str:
    """'Your code raised X: message' and the learner's own line, for any exception (also SystemExit)."""
    if isinstance(exc, SystemExit):
        return f"Your code called sys.exit({_safe_repr(exc.code)}) (or raised SystemExit); a function should return its answer."
    try:
        message = str(exc)
    except BaseException:  # noqa: B036 - a learner's exception class whose __str__ raises
        message = "(its message could not be printed)"
    text = f"Your code raised {type(exc).__name__}: {message}"
    try:
        frames = traceback.extract_tb(exc.__traceback__)
    except BaseException:  # noqa: B036
        frames = []
    learner_frames = [frame for frame in frames if _is_learner_frame(frame.filename)]
    if learner_frames:
        frame = learner_frames[-1]
        source = (frame.line or linecache.getline(frame.filename, frame.lineno)).strip()
        text += f"\n  in {frame.name}, line {frame.lineno}: {source}"
    return text


def _is_plain_container(value, depth=0) -> bool:
    """Arrays, plain scalars, and lists, tuples and dicts made only of those (nested): what a call could change
    in place and what can be copied and compared without running the learner's code (params: a list of dicts
    of arrays; masks: a list of arrays; layer_sizes: a list of ints)."""
    kind = type(value)
    if kind is np.ndarray or kind in _PLAIN_SCALARS:
        return True
    if depth >= _MAX_DEPTH:
        return False
    if kind in (list, tuple):
        return len(value) <= _MAX_ITEMS and all(_is_plain_container(item, depth + 1) for item in value)
    if kind is dict:
        return len(value) <= _MAX_ITEMS and all(_is_plain_container(item, depth + 1) for item in value.values())
    return False


def _arrays_of(kwargs) -> dict:
    """Copies of the arguments a call could change in place: arrays, and lists/dicts of arrays and plain values."""
    kept = {name: value.copy() for name, value in kwargs.items() if type(value) is np.ndarray}
    kept.update({name: copy.deepcopy(value) for name, value in kwargs.items()
                 if type(value) in (list, dict, tuple) and _is_plain_container(value)})
    return kept


def _same_value(old, new) -> bool:
    """``new`` is still ``old``: same type, and recursively the same shapes, dtypes and values (NaN equals NaN)."""
    if type(old) is np.ndarray:
        return (type(new) is np.ndarray and new.shape == old.shape and new.dtype == old.dtype
                and np.array_equal(new, old, equal_nan=old.dtype.kind in "fc"))
    if type(old) in (list, tuple):
        return type(new) is type(old) and len(new) == len(old) and all(map(_same_value, old, new))
    if type(old) is dict:
        return (type(new) is dict and new.keys() == old.keys()
                and all(_same_value(item, new[key]) for key, item in old.items()))
    if type(new) is not type(old):
        return False
    return bool(new == old) or (new != new and old != old)  # a NaN left as it was


def _changed(before: dict, kwargs) -> list:
    """Names of the arguments whose value after the call differs from ``before`` (their copies), at any depth."""
    return [name for name, old in before.items() if not _same_value(old, kwargs.get(name))]


def _call_once(function, kwargs) -> Outcome:
    """Call ``function(**kwargs)`` under the float regime; every exception becomes data. Used in the child and inline."""
    before = _arrays_of(kwargs)
    out = io.StringIO()
    saved_streams = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = out
    try:
        with _float_regime() as (record, caught):
            try:
                value = function(**kwargs)
            finally:
                messages = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
        outcome = Outcome(value=plain(value), warnings=messages, silenced=list(record.silenced))
    except NotImplementedError:
        outcome = Outcome(not_attempted=True)
    except _TimeLimitExceeded:
        raise
    except BaseException as exc:  # noqa: B036 - the learner's bug, exit or interrupt becomes feedback
        outcome = Outcome(error=describe_exception(exc))
    finally:
        sys.stdout, sys.stderr = saved_streams
    outcome.mutated = _changed(before, kwargs)
    outcome.output = out.getvalue()[-2000:]
    return outcome


# --- the child process ---------------------------------------------------------------------------

_HEADER = struct.Struct("!Q")


def _child(write_fd, function, kwargs_list):
    """Runs in the forked child: one message per case, then exit without running any cleanup of the parent."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # an interrupt of the kernel is the parent's business
        for kwargs in kwargs_list:
            outcome = _call_once(function, kwargs)
            try:
                data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException as exc:  # noqa: B036 - plain data always pickles; be safe anyway
                data = pickle.dumps(Outcome(value=Opaque("unpicklable answer", repr(exc))))
            os.write(write_fd, _HEADER.pack(len(data)))
            view = memoryview(data)
            while view:
                view = view[os.write(write_fd, view):]
            if not outcome.ok:
                break
    finally:
        os._exit(0)


def _read_exactly(fd, size, deadline):
    chunks, missing = [], size
    while missing:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            return None
        chunk = os.read(fd, min(missing, 1 << 20))
        if not chunk:
            return b""  # the child ended
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


_DIED = ("Your code ended the Python process it ran in (os._exit, a fatal signal or a crash in compiled code), "
         "so it returned no answer.")


def _run_forked(function, kwargs_list, time_limit) -> list:
    read_fd, write_fd = os.pipe()
    with warnings.catch_warnings():  # Python >= 3.12 warns about fork in a threaded process (a Jupyter kernel)
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child
        os.close(read_fd)
        _child(write_fd, function, kwargs_list)
    os.close(write_fd)
    outcomes = []
    try:
        for _ in kwargs_list:
            deadline = time.monotonic() + time_limit
            header = _read_exactly(read_fd, _HEADER.size, deadline)
            if header is None:
                outcomes.append(Outcome(timed_out=True))
                break
            if not header:
                outcomes.append(Outcome(error=_DIED))
                break
            (size,) = _HEADER.unpack(header)
            data = _read_exactly(read_fd, size, time.monotonic() + max(time_limit, 5.0))
            if not data:
                outcomes.append(Outcome(error=_DIED) if data == b"" else Outcome(timed_out=True))
                break
            outcome = pickle.loads(data)  # written by this module's own child: plain data only
            outcomes.append(outcome)
            if not outcome.ok:
                break
    finally:
        os.close(read_fd)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
    return outcomes


# --- inline: the fallback --------------------------------------------------------------------------

class _TimeLimitExceeded(BaseException):
    """Raised inside the learner's code by the alarm (inline mode only)."""


@contextmanager
def _restored_process_state():
    """Inline calls: put back what a learner's call may have changed in this process."""
    errors = np.geterr()
    filters = list(warnings.filters)
    has_alarm = hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
    handler = signal.getsignal(signal.SIGALRM) if has_alarm else None
    streams = sys.stdout, sys.stderr
    try:
        yield
    finally:
        np.seterr(**errors)
        warnings.filters[:] = filters
        if has_alarm and handler is not None:
            signal.signal(signal.SIGALRM, handler)
        sys.stdout, sys.stderr = streams


def _inline_with_alarm(function, kwargs, time_limit) -> Outcome:
    def on_alarm(signum, frame):
        raise _TimeLimitExceeded()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, time_limit)
    try:
        return _call_once(function, kwargs)
    except _TimeLimitExceeded:
        return Outcome(timed_out=True)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _inline_in_thread(function, kwargs, time_limit) -> Outcome:
    box: dict = {}
    worker = threading.Thread(target=lambda: box.update(outcome=_call_once(function, kwargs)), daemon=True)
    worker.start()
    worker.join(time_limit)
    return box.get("outcome", Outcome(timed_out=True))


def _run_inline(function, kwargs_list, time_limit) -> list:
    use_alarm = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    outcomes = []
    for kwargs in kwargs_list:
        kwargs = copy.deepcopy(kwargs)  # the learner may modify its inputs: the cases stay intact
        with _restored_process_state():
            outcome = (_inline_with_alarm if use_alarm else _inline_in_thread)(function, kwargs, time_limit)
        outcomes.append(outcome)
        if not outcome.ok:
            break
    return outcomes


# --- choosing the mode -------------------------------------------------------------------------------

def _default_isolation() -> str:
    return "fork" if hasattr(os, "fork") and sys.platform.startswith("linux") else "inline"


_ISOLATION = [_default_isolation()]


def current_isolation() -> str:
    """``"fork"`` (a child process per check, the default on Linux) or ``"inline"``."""
    return _ISOLATION[0]


def set_isolation(mode: str) -> None:
    """Choose how learner calls run: ``"fork"`` or ``"inline"`` (e.g. for a proxy that must stay in this process)."""
    if mode not in ("fork", "inline"):
        raise ValueError(f"mode must be 'fork' or 'inline', got {mode!r}.")
    if mode == "fork" and not hasattr(os, "fork"):
        raise ValueError("'fork' isolation needs os.fork, which this platform does not have.")
    _ISOLATION[0] = mode


@contextmanager
def isolation(mode: str):
    """``with isolation("inline"): ...`` runs the checks inside in that mode, then restores the previous one."""
    previous = current_isolation()
    set_isolation(mode)
    try:
        yield
    finally:
        _ISOLATION[0] = previous


def run_calls(function, kwargs_list, time_limit) -> list:
    """Call ``function(**kwargs)`` for each ``kwargs`` in order, each within ``time_limit`` seconds.

    Returns one :class:`Outcome` per call made; the calls stop after the first
    one that is not ``ok`` (not attempted, error, timeout), so the list may be
    shorter than ``kwargs_list``. The caller's ``kwargs`` are never modified.
    """
    kwargs_list = list(kwargs_list)
    if not kwargs_list:
        return []
    if current_isolation() == "fork":
        return _run_forked(function, kwargs_list, time_limit)
    return _run_inline(function, kwargs_list, time_limit)
