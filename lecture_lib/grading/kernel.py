"""The grader's side of a learner kernel: run cells, look up names, and call the learner's functions by proxy.

A :class:`KernelSession` owns one submission's kernel (a
:mod:`lecture_lib.grading.learner_kernel` process, sandboxed when
:func:`~lecture_lib.grading.sandbox.sandbox_status` allows). It runs the
learner's cells one by one and, at an exercise, binds in the grader's own
namespace a :class:`LearnerFunction` for each learner function the tests
use. Calling it sends the arguments (plain data, :mod:`.wire`) to the kernel,
which calls the real function there; the proxy returns the decoded result,
copies changes the call made to its array/list/dict arguments back into the
caller's objects (so mutation tests see them), re-raises the learner's
exception as the same built-in type (message bounded, with the learner's
line), and re-issues the warnings the call emitted. Which arguments a call changed is decided here: the
kernel sends the final state of every argument that can change in place, and the grader compares it with
what it sent (a kernel whose code was altered cannot hide a change by leaving it out: a missing state is
``tampered``). Callable arguments travel
as callbacks: the kernel asks the grader to evaluate them on its arguments.

If a call does not answer in time, is interrupted (e.g. by a check's time
limit), or the kernel dies, the kernel is killed; :class:`KernelLost` (a
``BaseException``, so that no ``except Exception`` in a check takes it for
the learner's error) is raised unless the interruption itself is the
exception. The next use starts a new kernel and re-runs the learner cells
that ran before (:meth:`KernelSession.ensure_kernel`).
"""
from __future__ import annotations

import builtins
import io
import os
import secrets
import selectors
import sys
import time
import warnings
from pathlib import Path

from . import wire
from .safe_sympy import UnsafeExpression, parse_srepr
from .limits import SubmissionGroup, cgroup_status
from .sandbox import end_processes, start_kernel

TIMEOUT, KERNEL_DIED, TAMPERED = "timeout", "kernel died", "tampered"
START_SECONDS = 60.0


class KernelLost(BaseException):
    """The kernel was stopped or died during an operation; ``reason`` is TIMEOUT, KERNEL_DIED or TAMPERED."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason, self.detail = reason, detail


class CannotSend(BaseException):
    """An argument of the tests that the wire format cannot carry: a limit of the grader, not the learner's fault."""


class LearnerError(Exception):
    """An exception of the learner's code whose type is not a built-in one (its name is the learner's type)."""


def _exception_class(name: str, module: str):
    value = getattr(builtins, name, None) if module == "builtins" else None
    if isinstance(value, type) and issubclass(value, Exception):
        return value
    if module.startswith("numpy") and name == "LinAlgError":
        import numpy
        return numpy.linalg.LinAlgError
    safe = "".join(c for c in str(name) if c.isalnum() or c == "_")[:60] or "Error"
    return type(safe, (LearnerError,), {"__module__": "learner"})


def _warning_class(name: str):
    value = getattr(builtins, name, None)
    return value if isinstance(value, type) and issubclass(value, Warning) else RuntimeWarning


def _clean_float_state() -> tuple:
    import numpy
    return numpy.errstate.__enter__, numpy.seterr, warnings.simplefilter


_CLEAN_FLOAT_STATE = _clean_float_state()  # taken at import, before any check could disarm them


def _under_float_regime() -> bool:
    """True while a check disarms ``np.errstate`` & co. around a call (``lecture_lib.checks.isolation``)."""
    return _clean_float_state() != _CLEAN_FLOAT_STATE


def _reenact(silenced) -> None:
    """Repeat in the grader what the learner's call did to hide float warnings (disarmed here too: recorded only)."""
    import numpy

    for entry in silenced[:50] if isinstance(silenced, list) else []:
        try:
            kind, args, kwargs = entry
            args, kwargs = wire.decode(args), wire.decode(kwargs)
            if not (isinstance(args, list) and isinstance(kwargs, dict)):
                continue
            if kind == "errstate":
                numpy.errstate(**{str(k): v for k, v in kwargs.items()}).__enter__()
            elif kind == "seterr":
                numpy.seterr(*args, **{str(k): v for k, v in kwargs.items()})
            elif kind in ("simplefilter", "filterwarnings"):
                getattr(warnings, kind)(*[a for a in args if isinstance(a, str)][:1])
        except (ValueError, TypeError, wire.WireError):
            continue


class RemoteObject:
    """An object of the learner's kernel that is not plain data (a callable it returned, a custom object)."""

    def __init__(self, session, handle: int, type_name: str, is_callable: bool):
        self._session, self._handle, self._type, self._callable = session, handle, type_name, is_callable

    def __repr__(self):
        return f"<{self._type} object of the submission>"

    def __deepcopy__(self, memo):
        return self

    def __call__(self, *args, **kwargs):
        if not self._callable:
            raise TypeError(f"'{self._type}' object is not callable")
        return self._session.call(self._handle, args, kwargs)


class LearnerFunction:
    """Stands for the learner's function ``name`` in the grader: calls it in the kernel (see the module docstring)."""

    def __init__(self, session, name: str):
        self._session = session
        self.__name__ = self.__qualname__ = name

    def __call__(self, *args, **kwargs):
        return self._session.call(self.__name__, args, kwargs)

    def __repr__(self):
        return f"<function {self.__name__} of the submission>"

    def __deepcopy__(self, memo):
        return self

    def __copy__(self):
        return self


def _changeable(value) -> bool:
    """Arguments a call can change in place (their final state is asked for after every call)."""
    import numpy

    return type(value) in (list, dict) or isinstance(
        value, (numpy.ndarray, numpy.random.Generator, numpy.random.RandomState))


def _same_value(a, b, depth=0) -> bool:
    """``a`` and ``b`` hold the same data (arrays: shape, dtype and values, NaN equal to NaN; generators: state)."""
    import numpy

    if depth > wire.MAX_DEPTH:
        return False
    if isinstance(a, numpy.ndarray):
        return (isinstance(b, numpy.ndarray) and a.shape == b.shape and a.dtype == b.dtype
                and bool(numpy.array_equal(a, b, equal_nan=a.dtype.kind in "fc")))
    if isinstance(a, numpy.random.Generator):
        return isinstance(b, numpy.random.Generator) and wire.encode(a) == wire.encode(b)
    if isinstance(a, numpy.random.RandomState):
        return isinstance(b, numpy.random.RandomState) and wire.encode(a) == wire.encode(b)
    if type(a) in (list, tuple):
        return type(b) is type(a) and len(a) == len(b) and all(_same_value(x, y, depth + 1) for x, y in zip(a, b))
    if type(a) is dict:
        return (type(b) is dict and a.keys() == b.keys()
                and all(_same_value(a[k], b[k], depth + 1) for k in a))
    try:
        return type(a) is type(b) and bool(a == b) or (a != a and b != b)  # NaN stays NaN
    except Exception:
        return False


def _write_back(original, changed) -> None:
    """Copy a call's changes to an argument back into the grader's object (same object, new contents)."""
    import numpy

    try:
        if isinstance(original, numpy.ndarray) and isinstance(changed, numpy.ndarray):
            if changed.shape == original.shape:
                numpy.copyto(original, changed, casting="unsafe")
            elif changed.size == original.size:
                numpy.copyto(original, changed.reshape(original.shape), casting="unsafe")
        elif isinstance(original, numpy.random.Generator) and isinstance(changed, numpy.random.Generator):
            original.bit_generator.state = changed.bit_generator.state  # the call drew numbers from it
        elif isinstance(original, numpy.random.RandomState) and isinstance(changed, numpy.random.RandomState):
            original.set_state(changed.get_state(legacy=False))
        elif type(original) is list and type(changed) is list:
            original[:] = changed
        elif type(original) is dict and type(changed) is dict:
            original.clear()
            original.update(changed)
    except (ValueError, TypeError, KeyError):
        pass  # e.g. a read-only array of the caller: the change stays in the kernel


class KernelSession:
    """One submission's kernel, restarted and replayed on demand.

    workdir : Path, the submission's temporary folder (the only writable one)
    memory_limit : int, bytes of memory: of the whole submission in its control group when
        :func:`~lecture_lib.grading.limits.cgroup_status` allows, and of each process's address space (0: none)
    process_limit : int, processes of the submission at once (control group; 0: none)
    disk_limit : int, bytes of files in the sandbox's writable folder (0: the host folder, unbounded)
    sandboxed : bool, start it under bubblewrap
    deadline : float, ``time.monotonic()`` when the whole submission must be done
    """

    def __init__(self, workdir: Path, memory_limit: int, sandboxed: bool, deadline: float, process_limit: int = 0,
                 disk_limit: int = 0):
        self.workdir, self.memory_limit, self.sandboxed, self.deadline = workdir, memory_limit, sandboxed, deadline
        self.process_limit, self.disk_limit = process_limit, disk_limit
        self.group = None  # the submission's control group (memory and processes as a whole), when available
        self.callable_modules: dict = {}  # name -> __module__ of the callable, as the kernel last reported it
        self.marker = secrets.token_hex(12)
        self.process = None
        self._buffer = b""
        self.history: list = []           # sources of the learner cells run so far, replayed by a new kernel
        self.starts = 0
        self.call_deadline = float("inf")  # set by the caller for each phase (check, hidden tests)
        self.replay_timeout = START_SECONDS  # seconds per cell when a new kernel re-runs the history
        self.lost_reason = None  # why the kernel was last lost; reset by the caller before each phase
        self.busy = False
        self._next_id = 0
        self.workdir_recreated = False     # the learner deleted the folder between two kernels

    # --- process ------------------------------------------------------------------------------------------

    def close(self) -> None:
        """Kill the kernel and every process the submission started."""
        process, self.process, self._buffer = self.process, None, b""
        end_processes(process, self.marker)
        group, self.group = self.group, None
        if group is not None:
            group.close()

    def lose(self, reason: str, detail: str = "") -> KernelLost:
        """Kill the kernel and remember why (:attr:`lost_reason`, also when a check swallows the exception)."""
        self.close()
        self.lost_reason = self.lost_reason or reason
        return KernelLost(reason, detail)

    def _start(self) -> None:
        self.close()
        if self.starts and not self.workdir.is_dir():
            self.workdir_recreated = True
        self.starts += 1
        if cgroup_status()[0] and (self.memory_limit or self.process_limit):
            self.group = SubmissionGroup(self.memory_limit, self.process_limit)
        extra = {"group": self.group} if self.group is not None else {}
        if self.sandboxed and self.disk_limit:
            extra["disk_bytes"] = self.disk_limit
        self.process = start_kernel(self.workdir, self.marker, self.memory_limit, self.sandboxed, **extra)
        try:
            message = self._receive(min(self.deadline, time.monotonic() + START_SECONDS))
        except KernelLost as lost:
            if lost.reason == TIMEOUT and time.monotonic() >= self.deadline:
                raise
            # no learner code runs before "ready": this is the grader's environment, not the submission
            raise RuntimeError(f"the learner kernel did not start ({lost.reason}); try: {sys.executable} -I -c "
                               "'import lecture_lib.grading.learner_kernel, IPython, numpy'") from None
        if message.get("op") != "ready":
            raise RuntimeError("the learner kernel did not start properly")

    def ensure_kernel(self, replay_timeout: float) -> None:
        """A running kernel; a new one runs the learner cells of :attr:`history` first (errors not reported again)."""
        if self.process is not None and self.process.poll() is None:
            return
        self._start()
        for source in self.history:
            request = self._request({"op": "run", "source": source})
            self._expect("ran", request, min(self.deadline, time.monotonic() + replay_timeout))

    # --- messages -----------------------------------------------------------------------------------------

    def _request(self, message: dict) -> int:
        """Send a request with a new id; return the id its answer must carry."""
        self._next_id += 1
        self._send(dict(message, id=self._next_id))
        return self._next_id

    def _send(self, message: dict) -> None:
        try:
            self.process.stdin.write(wire.dumps(message))
            self.process.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            raise self.lose(KERNEL_DIED) from None

    def _receive(self, deadline: float) -> dict:
        """The next message; KernelLost on time-out, death or a message that breaks the format."""
        stream = self.process.stdout
        fd = stream.fileno()
        while b"\n" not in self._buffer:
            remaining = min(deadline, self.deadline) - time.monotonic()
            if remaining <= 0:
                raise self.lose(TIMEOUT)
            with selectors.DefaultSelector() as selector:
                selector.register(fd, selectors.EVENT_READ)
                ready = selector.select(remaining)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise self.lose(KERNEL_DIED)
            self._buffer += chunk
            if len(self._buffer) > wire.MAX_MESSAGE_BYTES:
                raise self.lose(TAMPERED, "a message larger than the grader accepts")
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            return wire.loads(line)
        except wire.WireError as exc:
            raise self.lose(TAMPERED, str(exc)) from None

    def _expect(self, op: str, request_id: int, deadline: float) -> dict:
        message = self._receive(deadline)
        if message["op"] != op or message.get("id") != request_id:
            raise self.lose(TAMPERED, f"expected {op!r} from the kernel, got {message['op'][:30]!r}")
        return message

    def _conversation(self, operation):
        """Run ``operation()`` (send + receive); if anything interrupts it half-way, the kernel is killed."""
        self.busy = True
        try:
            result = operation()
        except BaseException:
            if self.process is not None:
                self.close()  # the kernel is in an unknown state (a check's time limit, Ctrl-C, a bad message)
            raise
        finally:
            self.busy = False
        return result

    # --- operations ---------------------------------------------------------------------------------------

    def run_cell(self, source: str, timeout: float, replay_timeout: float):
        """Run one learner cell; return its error text (or None). KernelLost if it times out or kills Python.

        A cell that completes is added to :attr:`history`; one that loops or kills is not (it is skipped).
        """
        self.ensure_kernel(replay_timeout)

        def operation():
            request = self._request({"op": "run", "source": source})
            return self._expect("ran", request, time.monotonic() + timeout)

        message = self._conversation(operation)
        self.history.append(source)
        error = message.get("error")
        return str(error)[:300] if error is not None else None

    def lookup(self, names, replay_timeout: float) -> dict:
        """{name: LearnerFunction, value or RemoteObject} for the names the learner's namespace has."""
        self.ensure_kernel(replay_timeout)

        def operation():
            request = self._request({"op": "lookup", "names": list(names)})
            return self._expect("names", request, time.monotonic() + self.replay_timeout)

        answers = self._conversation(operation).get("names")
        bound = {}
        for name in names:
            answer = answers.get(name) if isinstance(answers, dict) else None
            kind = answer.get("kind") if isinstance(answer, dict) else "missing"
            if kind == "callable":
                bound[name] = LearnerFunction(self, name)
                module = answer.get("module")
                self.callable_modules[name] = module[:200] if isinstance(module, str) else None
            elif kind == "value":
                try:
                    bound[name] = self._decode(answer.get("value"), None)
                except (wire.WireError, UnsafeExpression):
                    bound[name] = RemoteObject(self, 0, "unreadable", False)
            elif kind == "object":
                bound[name] = RemoteObject(self, 0, str(answer.get("type", "object"))[:60], False)
        return bound

    def _decode(self, data, arguments):
        def remote(body):
            if not isinstance(body, dict) or type(body.get("handle")) is not int:
                raise wire.WireError("bad remote handle")
            return RemoteObject(self, body["handle"], str(body.get("type", "object"))[:60], bool(body.get("callable")))

        def argument(key):
            if arguments is None or key not in arguments:
                raise wire.WireError("bad argument reference")
            return arguments[key]

        try:
            return wire.decode(data, on_sympy=parse_srepr, on_remote=remote, on_arg=argument)
        except (wire.WireError, UnsafeExpression):
            raise
        except Exception as exc:  # any other failure on what the kernel sent is the submission's, not the grader's
            raise wire.WireError(f"a value the grader cannot read ({type(exc).__name__})") from None

    def call(self, target, args, kwargs):
        """Call the learner's function ``target`` (a name, or a handle of a RemoteObject) in the kernel."""
        import numpy

        if self.lost_reason:  # lost earlier in this phase (a check may have caught that): no new kernel
            raise KernelLost(self.lost_reason)
        self.ensure_kernel(self.replay_timeout)
        callbacks: dict = {}

        def as_callback(function):
            callbacks[len(callbacks)] = function
            return {"$callback": len(callbacks) - 1}

        def encode(value):
            return wire.encode(value, on_callable=as_callback)

        try:
            message = {"op": "call", "target": target, "args": [encode(a) for a in args],
                       "kwargs": {str(k): encode(v) for k, v in kwargs.items()}, "errstate": numpy.geterr(),
                       "disarm": _under_float_regime()}
        except wire.WireError as exc:
            raise CannotSend(str(exc)) from None
        arguments = {str(i): a for i, a in enumerate(args)} | {str(k): v for k, v in kwargs.items()}
        # The grader, not the kernel, decides what the call changed: it asks for the final state of every
        # argument that can be changed in place and compares it with what it sent (issue 23, item 2).
        watched = [key for key, value in arguments.items() if _changeable(value)]
        message["watch"] = watched
        reply = self._conversation(lambda: self._exchange(message, callbacks))
        if message["disarm"]:
            _reenact(reply.get("silenced"))
        output = reply.get("output")
        if message["disarm"] and isinstance(output, str) and output and isinstance(sys.stdout, io.StringIO):
            sys.stdout.write(output[:2000])  # the check captures what the call printed: it sees it
        for category, text in reply.get("warnings", [])[:20] if isinstance(reply.get("warnings"), list) else []:
            warnings.warn_explicit(str(text)[:300], _warning_class(str(category)), "<the submission>", 0)
        if reply["op"] == "raised":
            text = str(reply.get("message", ""))[:300]
            where = str(reply.get("where", ""))[:300]
            raise _exception_class(str(reply.get("type", "Exception")), str(reply.get("module", "")))(
                text + (f"\n  {where}" if where else ""))
        after = reply.get("after")
        if watched and not (isinstance(after, dict) and all(key in after for key in watched)):
            raise self.lose(TAMPERED, "an answer without the final state of the arguments")
        try:
            value = self._decode(reply["value"], arguments)
            for key in watched:
                final = self._decode(after[key], None)
                if not _same_value(arguments[key], final):
                    _write_back(arguments[key], final)
        except (wire.WireError, UnsafeExpression, AttributeError) as exc:
            raise TypeError(f"the grader cannot read what your function returned: {exc}") from None
        except Exception as exc:  # the answer was readable but writing it back failed: still the submission's answer
            raise TypeError(f"the grader cannot read what your function returned ({type(exc).__name__})") from None
        return value

    def _exchange(self, message, callbacks) -> dict:
        request = self._request(message)
        while True:
            reply = self._receive(self.call_deadline)
            if reply["op"] in ("returned", "raised"):
                if reply.get("id") != request:
                    raise self.lose(TAMPERED, "an answer to a call that was not made")
                return reply
            if reply["op"] != "callback":
                raise self.lose(TAMPERED, f"unexpected {reply['op'][:30]!r} during a call")
            self._answer_callback(reply, callbacks)

    def _answer_callback(self, request, callbacks) -> None:
        function = callbacks.get(request.get("callback"))
        try:
            if function is None:
                raise wire.WireError("unknown callback")
            args = [self._decode(a, None) for a in request.get("args", [])]
            kwargs = {str(k): self._decode(v, None) for k, v in (request.get("kwargs") or {}).items()}
            value = function(*args, **kwargs)
            self._send({"op": "callback_result", "value": wire.encode(value)})
        except Exception as exc:  # the test's function failed on the learner's arguments: say which type only
            self._send({"op": "callback_error", "type": type(exc).__name__})

