"""The learner's side of ``lecture-grade``: runs a submission's cells and calls its functions on request.

Started by the grader (:mod:`lecture_lib.grading.sandbox`) as ``python -I``
running :func:`main` with the memory limit in bytes, the grader's own copy of
``lecture_lib`` first on ``sys.path``, inside the sandbox when there is one. It talks to the grader through its
standard input and output, which it moves to private descriptors at start;
the descriptors 0, 1 and 2 then point to ``/dev/null``, so nothing the
learner's code prints can reach the grader. Messages are lines of JSON
(:mod:`lecture_lib.grading.wire`); the grader sends

Every request carries an ``id`` that its answer repeats.

* ``{"op": "run", "source": ...}``: run one learner cell with IPython
  (magics work); answer ``{"op": "ran", "error": "ValueError: ..." or null}``;
* ``{"op": "lookup", "names": [...]}``: what these names are in the learner's
  namespace: missing, callable, or a value (sent as plain data);
* ``{"op": "call", "target": ..., "args": [...], "kwargs": {...}, "errstate": {...}}``:
  call the learner's function (looked up by name at that moment, or a handle
  to an object the learner's code returned) on the decoded arguments, under
  NumPy's error state of the grader's caller, recording warnings; answer
  ``returned`` (the value, the final state of each argument listed in the request's ``watch``, the
  warnings)
  or ``raised`` (the exception's type, a bounded message and the learner's
  line). A callable argument is a stub that asks the grader
  (``{"op": "callback"}``) and waits for its answer.

The grader sends only the learner's own cells, names, and the arguments of
the calls: never test code, expected values, nonces or file paths. Whatever
this program answers is, for the grader, only "what the learner's function
returned", so a submission that replaces this program's code gains nothing.
"""
from __future__ import annotations

import io
import linecache
import os
import sys
import traceback
import warnings

from . import wire

MESSAGE_CHARACTERS = 300


class _Channel:
    """The private pipe to the grader (descriptors taken from 0 and 1 before any learner code runs)."""

    def __init__(self):
        self.incoming = os.fdopen(os.dup(0), "rb", buffering=0)
        self.outgoing = os.fdopen(os.dup(1), "wb", buffering=0)
        self._buffer = io.BufferedReader(self.incoming, buffer_size=1 << 16)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.close(null)
        sys.stdin = open(os.devnull, encoding="utf-8")
        sys.stdout = sys.__stdout__ = open(os.devnull, "w", encoding="utf-8")
        sys.stderr = sys.__stderr__ = open(os.devnull, "w", encoding="utf-8")

    def send(self, message: dict) -> None:
        try:
            line = wire.dumps(message)
        except (wire.WireError, TypeError, ValueError) as exc:
            line = wire.dumps({"op": "error", "message": f"{type(exc).__name__}: {exc}"[:MESSAGE_CHARACTERS]})
        self.outgoing.write(line)

    def receive(self) -> dict:
        line = self._buffer.readline(wire.MAX_MESSAGE_BYTES + 1)
        if not line:
            raise SystemExit(0)  # the grader is gone
        return wire.loads(line)


def _bounded(text: str) -> str:
    text = str(text)
    return text if len(text) <= MESSAGE_CHARACTERS else text[:MESSAGE_CHARACTERS - 3] + "..."


def _exception_text(exc: BaseException) -> str:
    try:
        message = str(exc)
    except Exception:
        message = "(an exception whose message cannot be shown)"
    return _bounded(f"{type(exc).__name__}: {message}" if message else type(exc).__name__)


def _learner_line(exc: BaseException) -> str:
    """``in f, line 3: return x @ w`` for the last frame of the learner's own code (not a library's)."""
    library_dirs = tuple({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)} |
                         {os.path.dirname(os.path.dirname(os.path.realpath(__file__)))})
    frames = [frame for frame in traceback.extract_tb(exc.__traceback__)
              if not os.path.realpath(frame.filename).startswith(library_dirs)]
    if not frames:
        return ""
    frame = frames[-1]
    source = (frame.line or linecache.getline(frame.filename, frame.lineno) or "").strip()
    return _bounded(f"in {frame.name}, line {frame.lineno}: {source}")


class Kernel:
    def __init__(self, channel: _Channel):
        from IPython.core.interactiveshell import InteractiveShell
        from traitlets.config import Config

        class _Shell(InteractiveShell):
            """IPython's shell as in a notebook: ``%matplotlib inline`` and ``exit()`` work, and do nothing here."""

            def enable_gui(self, gui=None):
                return None

            def ask_exit(self):
                return None

        config = Config()
        config.HistoryManager.hist_file = ":memory:"
        config.InteractiveShell.colors = "NoColor"
        config.InteractiveShell.xmode = "Plain"
        self.shell = _Shell.instance(config=config)
        self.channel = channel
        self.remote: dict = {}  # handle -> object the learner's code returned that cannot be sent as data

    # --- values -----------------------------------------------------------------------------------------

    def _remote(self, value) -> dict:
        handle = len(self.remote) + 1
        self.remote[handle] = value
        return {"$remote": {"handle": handle, "type": _bounded(type(value).__name__)[:60], "callable": callable(value)}}

    def encode(self, value):
        return wire.encode(value, on_other=self._remote)

    def decode(self, data):
        def sympy_value(text):
            import sympy
            return sympy.sympify(text)  # the grader's own srepr of its arguments

        return wire.decode(data, on_sympy=sympy_value, on_callback=self._callback,
                           on_remote=lambda body: self.remote[body["handle"]])

    def _callback(self, body):
        kernel = self

        def callback(*args, **kwargs):
            kernel.channel.send({"op": "callback", "callback": body, "args": [kernel.encode(a) for a in args],
                                 "kwargs": {k: kernel.encode(v) for k, v in kwargs.items()}})
            while True:
                message = kernel.channel.receive()
                if message["op"] == "callback_result":
                    return kernel.decode(message["value"])
                if message["op"] == "callback_error":
                    raise RuntimeError(f"the test's function raised {message['type']}")
                kernel.dispatch(message)  # a call made by the grader while it computed the callback

        callback.__name__ = callback.__qualname__ = "f"
        return callback

    # --- operations -------------------------------------------------------------------------------------

    def run(self, message):
        result = self.shell.run_cell(message["source"], store_history=True)
        error = result.error_before_exec or result.error_in_exec
        self.channel.send({"op": "ran", "id": message.get("id"),
                           "error": _exception_text(error) if error is not None else None})

    def lookup(self, message):
        answers = {}
        for name in message["names"]:
            if name not in self.shell.user_ns:
                answers[name] = {"kind": "missing"}
                continue
            value = self.shell.user_ns[name]
            if callable(value):
                module = getattr(value, "__module__", None)
                answers[name] = {"kind": "callable", "type": _bounded(type(value).__name__)[:60],
                                 "module": module[:200] if isinstance(module, str) else None}
                continue
            try:
                answers[name] = {"kind": "value", "value": wire.encode(value)}
            except wire.WireError:
                answers[name] = {"kind": "object", "type": _bounded(type(value).__name__)[:60]}
        self.channel.send({"op": "names", "id": message.get("id"), "names": answers})

    def call(self, message):
        import numpy

        target = message["target"]
        function = self.shell.user_ns.get(target) if isinstance(target, str) else self.remote.get(target)
        args = [self.decode(a) for a in message["args"]]
        kwargs = {k: self.decode(v) for k, v in message["kwargs"].items()}
        silenced: list = []
        output = io.StringIO()
        streams = sys.stdout, sys.stderr
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                with numpy.errstate(**message.get("errstate", {})), _disarmed(message.get("disarm"), silenced):
                    if function is None:
                        raise NameError(f"name {target!r} is not defined")
                    sys.stdout = sys.stderr = output
                    try:
                        value = function(*args, **kwargs)
                    finally:
                        sys.stdout, sys.stderr = streams
            except BaseException as exc:  # also SystemExit and KeyboardInterrupt: the learner's doing
                self.channel.send({"op": "raised", "id": message.get("id"), "type": type(exc).__name__,
                                   "module": type(exc).__module__,
                                   "message": _bounded(str(exc)) if _safe_str(exc) else "",
                                   "where": _learner_line(exc), "warnings": _warnings(caught),
                                   "silenced": silenced, "output": output.getvalue()[:2000]})
                return
        try:
            encoded = self._encode_result(value, args, kwargs)
            # The final state of every argument the grader asks for ("watch"): the grader compares it with
            # what it sent and decides itself what the call changed (nothing here decides it).
            watch = [str(key) for key in message.get("watch") or []]
            after = {key: self.encode(args[int(key)] if key.isdigit() else kwargs[key]) for key in watch
                     if (key.isdigit() and int(key) < len(args)) or (not key.isdigit() and key in kwargs)}
        except (wire.WireError, RecursionError) as exc:
            self.channel.send({"op": "raised", "id": message.get("id"), "type": "TypeError", "module": "builtins",
                               "message": _bounded(f"the grader cannot read what your function returned: {exc}"),
                               "where": "", "warnings": []})
            return
        reply = {"op": "returned", "id": message.get("id"), "value": encoded, "after": after,
                 "warnings": _warnings(caught), "silenced": silenced, "output": output.getvalue()[:2000]}
        try:
            wire.dumps(reply)
        except wire.WireError as exc:  # e.g. an array larger than a message may be
            reply = {"op": "raised", "id": message.get("id"), "type": "TypeError", "module": "builtins",
                     "message": _bounded(f"the grader cannot read what your function returned: {exc}"),
                     "where": "", "warnings": []}
        self.channel.send(reply)

    def _encode_result(self, value, args, kwargs):
        def alias(item):
            for index, arg in enumerate(args):
                if item is arg and _mutable(arg):
                    return {"$arg": str(index)}
            for name, arg in kwargs.items():
                if item is arg and _mutable(arg):
                    return {"$arg": name}
            return None

        top = alias(value)
        if top is not None:
            return top
        if type(value) in (tuple, list) or (isinstance(value, tuple) and hasattr(type(value), "_fields")):
            items = [alias(item) or self.encode(item) for item in (tuple.__iter__(value) if isinstance(value, tuple)
                                                                   else value)]
            return {"$tuple": items} if isinstance(value, tuple) else items
        return self.encode(value)

    def dispatch(self, message):
        operation = {"run": self.run, "lookup": self.lookup, "call": self.call}.get(message["op"])
        if operation is None:
            raise SystemExit(0)  # "bye", or a message this version does not know
        operation(message)


class _disarmed:
    """While the call runs, ``np.errstate``, ``np.seterr`` and the warning filters do nothing but are recorded.

    Used when the grader's caller runs the call under a float regime that the learner may not change
    (``lecture_lib.checks.isolation``): the grader re-enacts the recorded calls there, so that the check
    sees them exactly as in a notebook. ``silenced`` gets ``[kind, args, kwargs]`` (plain data).
    """

    def __init__(self, active, silenced):
        self.active, self.silenced = bool(active), silenced

    def _record(self, kind, args, kwargs):
        try:
            self.silenced.append([kind, wire.encode(list(args)), wire.encode(dict(kwargs))])
        except wire.WireError:
            self.silenced.append([kind, [], {}])

    def __enter__(self):
        if not self.active:
            return self
        import numpy

        errstate = numpy.errstate
        self.saved = (errstate.__enter__, errstate.__exit__, numpy.seterr, warnings.simplefilter,
                      warnings.filterwarnings)
        geterr = numpy.geterr
        record = self._record

        def enter(state):
            record("errstate", (), {name: getattr(state, f"_{name}", None) for name in
                                    ("all", "over", "under", "divide", "invalid") if getattr(state, f"_{name}", None)})
            return state

        errstate.__enter__, errstate.__exit__ = enter, lambda state, *exc: None
        numpy.seterr = lambda *a, **k: (record("seterr", a, k), geterr())[1]
        warnings.simplefilter = lambda *a, **k: record("simplefilter", a, k)
        warnings.filterwarnings = lambda *a, **k: record("filterwarnings", a, k)
        return self

    def __exit__(self, *exc):
        if self.active:
            import numpy

            errstate = numpy.errstate
            errstate.__enter__, errstate.__exit__, numpy.seterr, warnings.simplefilter, warnings.filterwarnings = \
                self.saved
        return False


def _safe_str(exc) -> bool:
    try:
        str(exc)
        return True
    except Exception:
        return False


def _mutable(value) -> bool:
    numpy = sys.modules.get("numpy")
    return type(value) in (list, dict) or (numpy is not None and isinstance(
        value, (numpy.ndarray, numpy.random.Generator, numpy.random.RandomState)))


def _warnings(caught) -> list:
    return [[item.category.__name__, _bounded(item.message)] for item in caught[:20]]


def _limit_resources(memory_bytes: int) -> None:
    import resource

    limits = [(resource.RLIMIT_CORE, 0), (resource.RLIMIT_FSIZE, 2**30)]
    if memory_bytes:
        limits.append((resource.RLIMIT_AS, memory_bytes))
    for kind, value in limits:
        soft, hard = resource.getrlimit(kind)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(kind, (value, value))


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    channel = _Channel()
    _limit_resources(int(argv[0]) if argv else 0)
    kernel = Kernel(channel)
    channel.send({"op": "ready"})
    while True:
        kernel.dispatch(channel.receive())


if __name__ == "__main__":
    sys.exit(main())
