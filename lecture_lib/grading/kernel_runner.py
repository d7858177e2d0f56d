"""The kernel side of ``lecture-grade``: runs one exercise's tests inside the learner's kernel.

This file is self-contained (standard library, plus NumPy when the kernel has
it) because each grading cell loads it *by file path* under a private module
name, fresh every time: whatever the submission did to ``sys.modules`` or to
an imported ``lecture_lib`` module, the grader's code is the original.

For one exercise, :func:`grade_exercise`

1. compares every module the tests rely on (``builtins``, ``math``, NumPy, the
   chapter's imports, the check modules) with fingerprints computed by the
   grader in a clean process (:func:`fingerprint_modules`); a difference in a
   check module is *neutralised* (reported as an attempt), a difference
   elsewhere (e.g. ``np.allclose`` replaced) makes the exercise "tampered";
2. drops every ``lecture_lib`` module from ``sys.modules`` and runs the
   chapter's import lines from the solutions notebook in a *copy* of the
   learner's namespace, so the check functions are fresh originals;
3. runs the public check taken from the solutions notebook, then (unless the
   function is still the stub) the hidden tests, under NumPy's default error
   handling and default warning filters, the hidden tests within a time limit;
4. compares the modules once more (the learner's function ran in between);
5. writes the verdict as JSON to a file whose name holds a nonce the
   submission never sees before this cell runs (the grader reads only that
   file: printed text, displayed objects and the learner's own check cells
   are ignored).

Shapes of the data: ``spec`` is a dict with keys ``exercise`` (str),
``nonce`` (str), ``result_path`` (str), ``imports``/``public``/``hidden``
(Python source, str), ``expected`` (dict module name -> dict attribute ->
12-hex-digit fingerprint) and ``hidden_time_limit`` (float seconds).
"""
from __future__ import annotations

import ast
import hashlib
import json
import os
import signal
import sys
import types
import warnings

#: builtins that IPython/ipykernel replace in every kernel: not compared.
KERNEL_BUILTINS = frozenset({"display", "get_ipython", "input", "exit", "quit", "execfile", "runfile",
                             "_", "__IPYTHON__"})
_SIMPLE = (type(None), bool, int, float, complex, str, bytes)


def _code_text(code: types.CodeType) -> str:
    parts = [code.co_name, code.co_code.hex(), ",".join(code.co_names), ",".join(code.co_varnames)]
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            parts.append(_code_text(const))
        elif isinstance(const, frozenset):
            parts.append("{" + ",".join(sorted(map(repr, const))) + "}")
        else:
            parts.append(repr(const) if isinstance(const, _SIMPLE + (tuple,)) else type(const).__name__)
    return "|".join(parts)


def _defaults_text(values) -> str:
    if values is None:
        return ""
    items = values.items() if isinstance(values, dict) else enumerate(values)
    return ",".join(f"{key}={value!r}" if isinstance(value, _SIMPLE) else f"{key}:{type(value).__name__}"
                    for key, value in sorted(items, key=lambda item: str(item[0])))


def _function_text(function: types.FunctionType) -> str:
    return (f"function {function.__module__}.{function.__qualname__} {_code_text(function.__code__)} "
            f"{_defaults_text(function.__defaults__)} {_defaults_text(function.__kwdefaults__)}")


def describe_object(value) -> str:
    """A process-independent description of ``value``: what it is, never where it lives in memory."""
    if isinstance(value, types.ModuleType):
        return "module " + value.__name__
    if isinstance(value, types.FunctionType):
        return _function_text(value)
    if isinstance(value, type):
        methods = []
        for name, member in sorted(vars(value).items()):
            member = getattr(member, "__func__", member)        # staticmethod, classmethod
            member = getattr(member, "fget", member)            # property
            if isinstance(member, types.FunctionType):
                methods.append(f"{name}={_code_text(member.__code__)}")
        return f"class {getattr(value, '__module__', '')}.{value.__qualname__} " + ";".join(methods)
    if isinstance(value, _SIMPLE):
        return f"value {type(value).__name__} {value!r}"
    wrapped = getattr(value, "_implementation", None) or getattr(value, "__wrapped__", None)
    name = getattr(value, "__qualname__", None) or getattr(value, "__name__", None)
    text = f"{type(value).__module__}.{type(value).__qualname__} {name if isinstance(name, str) else ''}"
    if isinstance(wrapped, types.FunctionType):
        text += " wraps " + _function_text(wrapped)
    return text


def fingerprint_module(module: types.ModuleType) -> dict:
    """{attribute name: 12-hex-digit digest of :func:`describe_object`} for every non-dunder attribute."""
    keep_dunders = {"__import__", "__build_class__"} if module.__name__ == "builtins" else set()
    prints = {}
    for name, value in list(vars(module).items()):
        if (name.startswith("__") and name not in keep_dunders) or (
                module.__name__ == "builtins" and name in KERNEL_BUILTINS):
            continue
        try:
            text = describe_object(value)
        except Exception as exc:  # an exotic object: describe its type only
            text = f"undescribable {type(value).__qualname__} {type(exc).__name__}"
        prints[name] = hashlib.sha256(text.encode("utf-8", "backslashreplace")).hexdigest()[:12]
    return prints


def fingerprint_modules(names) -> dict:
    """Fingerprints of the modules ``names`` that are imported in this process."""
    return {name: fingerprint_module(sys.modules[name]) for name in names if name in sys.modules}


def changed_attributes(expected: dict) -> list:
    """``"module.attribute"`` for every attribute that differs from ``expected`` (modules not imported are skipped)."""
    changed = []
    for module_name, attributes in expected.items():
        module = sys.modules.get(module_name)
        if module is None:
            continue
        actual = fingerprint_module(module)
        changed += [f"{module_name}.{name}" for name, digest in attributes.items()
                    if name in actual and actual[name] != digest]
    return changed


class _HiddenTimeLimit(BaseException):
    """Raised by the alarm inside the hidden tests; a BaseException so ``except Exception`` cannot swallow it."""


def _run_hidden(source: str, namespace: dict, time_limit: float) -> dict:
    if not source.strip():
        return {"status": "none"}
    code = compile(source, "<hidden tests>", "exec")

    def on_alarm(signum, frame):
        raise _HiddenTimeLimit()

    use_alarm = hasattr(signal, "setitimer")
    previous = signal.signal(signal.SIGALRM, on_alarm) if use_alarm else None
    if use_alarm:
        signal.setitimer(signal.ITIMER_REAL, time_limit)
    try:
        exec(code, namespace)
        return {"status": "passed"}
    except _HiddenTimeLimit:
        return {"status": "timeout", "message": f"stopped after {time_limit:g} s"}
    except NotImplementedError:
        return {"status": "not attempted"}
    except AssertionError as exc:
        return {"status": "failed", "message": str(exc)}
    except BaseException as exc:  # the learner's exception, SystemExit, ...
        return {"status": "error", "message": f"{type(exc).__name__}: {exc}"}
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def _run_check(source: str, namespace: dict) -> dict:
    tree = ast.parse(source, "<public check>")
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return {"status": "error", "message": "the check cell of the solutions does not end with a check call"}
    body, last = tree.body[:-1], tree.body[-1]
    try:
        exec(compile(ast.Module(body=body, type_ignores=[]), "<public check>", "exec"), namespace)
        value = eval(compile(ast.Expression(last.value), "<public check>", "eval"), namespace)
    except NameError as exc:
        return {"status": "error", "message": f"{exc}: did the cell that defines it run without an error?"}
    except BaseException as exc:
        return {"status": "error", "message": f"the check stopped: {type(exc).__name__}: {exc}"}
    core = sys.modules.get("lecture_lib.checks.core")
    if core is None or type(value) is not core.CheckResult:
        return {"status": "error", "message": f"the check returned a {type(value).__name__}, not a CheckResult"}
    return {"status": "ok", "result": value.as_dict()}


def _numpy_defaults():
    numpy = sys.modules.get("numpy")
    if numpy is None:
        import contextlib
        return contextlib.nullcontext()
    return numpy.errstate(divide="warn", over="warn", under="ignore", invalid="warn")


def _grade(user_ns: dict, spec: dict, result: dict) -> None:
    expected = spec["expected"]
    changed = changed_attributes(expected)
    result["patched_checks"] = [name for name in changed if name.startswith("lecture_lib.")]
    result["tampered"] = [name for name in changed if not name.startswith("lecture_lib.")]
    for name in [name for name in sys.modules if name == "lecture_lib" or name.startswith("lecture_lib.")]:
        del sys.modules[name]
    namespace = dict(user_ns)
    exec(compile(spec["imports"], "<grader imports>", "exec"), namespace)
    fresh = {name: value for name, value in expected.items() if name.startswith("lecture_lib")}
    result["tampered"] += [f"{name} (fresh import)" for name in changed_attributes(fresh)]
    if result["tampered"]:
        return  # the tests could not be trusted: do not run them
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        with _numpy_defaults():
            result["check"] = _run_check(spec["public"], namespace)
            check = result["check"].get("result") or {}
            if check.get("status") == "not attempted":  # still the stub: nothing to test
                result["hidden"] = {"status": "not run"}
            else:
                result["hidden"] = _run_hidden(spec["hidden"], namespace, spec["hidden_time_limit"])
    # the learner's function ran during the tests: it must not have changed anything either
    result["tampered"] += [f"{name} (during the tests)" for name in changed_attributes(expected)]


def grade_exercise(user_ns: dict, spec: dict) -> None:
    """Grade one exercise in ``user_ns`` (the learner's globals) and write the verdict to ``spec["result_path"]``."""
    result = {"nonce": spec["nonce"], "exercise": spec["exercise"], "patched_checks": [], "tampered": [],
              "check": None, "hidden": None, "error": None}
    try:
        _grade(user_ns, spec, result)
    except BaseException as exc:  # never let the grading cell itself fail silently
        result["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        temporary = spec["result_path"] + ".tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(result, handle)
        os.replace(temporary, spec["result_path"])
