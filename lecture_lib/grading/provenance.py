"""Answers handed in from the package itself: the grader's own reference code is visible to every kernel.

``lecture_lib.topics`` holds the series' implementations of what many exercises ask for (the threshold
unit, the perceptron rule, ...): a learner could import one, or paste its installed source, and pass.
Such an exercise gets the status ``package answer`` and no points, with the reason, whatever its checks
say; the instructor sees it in ``grades.csv`` and decides. Detected three ways:

* **from the submission's code** (static): the exercise's name bound to something imported from
  ``lecture_lib`` (``from lecture_lib.topics.units import threshold_unit``, ``… import logic_gate_unit as
  gate_weights``, ``gate_weights = units.logic_gate_unit``), or the exercise's function using a
  ``lecture_lib`` name that the chapter's own imports do not give, or naming ``lecture_lib`` in a string
  (``importlib.import_module("lecture_lib…")``, ``getattr(__import__("lecture_lib…"), …)``);
* **from the kernel** (dynamic): the object the exercise's name holds when it is graded comes from a
  ``lecture_lib`` module (its ``__module__``), however it got there;
* **copied source**: the exercise's function is, up to names, comments and docstrings, the source of a
  function of ``lecture_lib`` (only for functions of at least :data:`MIN_COPY_NODES` syntax nodes:
  a one-line answer written independently looks the same as the package's; and never where the
  solutions' own reference answer is that same code: writing the reference answer is no evidence).

What remains possible (book/instructors.md, "Grading a class"): a copy rewritten by hand beyond
renaming; code hidden from static reading (``exec`` of a built string, flagged as suspicious code)
together with a kernel altered to misreport ``__module__``. The similarity report compares submissions with each other, not with the package.
"""
from __future__ import annotations

import ast
import functools
import hashlib
from pathlib import Path

from .submission import _dotted, _parse_cell

PACKAGE = "lecture_lib"
ALLOWED_PREFIXES = ("lecture_lib.checks",)  # the checks a notebook calls: not answers
MIN_COPY_NODES = 40
PACKAGE_ANSWER = "package answer"


def _package_imports(tree) -> dict:
    """{local name: dotted origin} of every name a module imports from ``lecture_lib`` (not the checks)."""
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE and not alias.name.startswith(ALLOWED_PREFIXES):
                    found[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else PACKAGE
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == PACKAGE and node.level == 0:
            for alias in node.names:
                origin = f"{node.module}.{alias.name}"
                if not origin.startswith(ALLOWED_PREFIXES):
                    found[alias.asname or alias.name] = origin
    return found


def _resolve(name: str, imported: dict) -> str | None:
    """The lecture_lib origin of a dotted name read in the learner's code, if it has one."""
    head, _, rest = name.partition(".")
    if head not in imported:
        return None
    origin = imported[head]
    return f"{origin}.{rest}" if rest else origin


def normalised_shape(function: ast.FunctionDef) -> tuple:
    """(hash, node count) of a function's syntax with its docstring dropped and every local name renamed."""
    function = ast.parse(ast.unparse(function)).body[0]  # a copy
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str):
        function.body = body[1:] or [ast.Pass()]
    local = {}
    for node in ast.walk(function):
        if isinstance(node, ast.arg):
            local.setdefault(node.arg, f"v{len(local)}")
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            local.setdefault(node.id, f"v{len(local)}")
    for node in ast.walk(function):
        if isinstance(node, ast.arg):
            node.arg = local[node.arg]
        elif isinstance(node, ast.Name) and node.id in local:
            node.id = local[node.id]
    function.name = "f"
    function.returns = None
    for arg in function.args.args + function.args.kwonlyargs + function.args.posonlyargs:
        arg.annotation = None
    text = ast.dump(function, annotate_fields=False, include_attributes=False)
    return hashlib.sha256(text.encode()).hexdigest(), sum(1 for _ in ast.walk(function))


@functools.lru_cache(maxsize=1)
def package_function_shapes() -> dict:
    """{normalised hash: "lecture_lib.module.function"} of every function of the package outside checks/ and
    grading/ with at least :data:`MIN_COPY_NODES` nodes."""
    root = Path(__file__).resolve().parents[1]
    shapes = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if rel.parts[0] in ("checks", "grading", "tools") or "__pycache__" in rel.parts:
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            continue
        module = ".".join((PACKAGE,) + rel.with_suffix("").parts)
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                digest, size = normalised_shape(node)
                if size >= MIN_COPY_NODES:
                    shapes.setdefault(digest, f"{module}.{node.name}")
    return shapes


def package_answers(learner_sources, exercises, chapter_imports: str, reference_shapes=()) -> dict:
    """{exercise name: reason} for the exercises whose answer comes from the package (static and copy checks).

    learner_sources : list of str, the learner's cells in order; exercises : the assignment's exercises
    (``name``); chapter_imports : the solutions' import lines (what they import from lecture_lib is allowed);
    reference_shapes : normalised shapes of the solutions' own functions: matching the package where the
    reference solution matches it too is no evidence of copying (an honest learner may write the same).
    """
    allowed = set(_package_imports(_parse_cell(chapter_imports) or ast.Module(body=[], type_ignores=[])).values())
    trees = [tree for tree in (_parse_cell(source) for source in learner_sources) if tree is not None]
    imported = {}
    for tree in trees:
        imported.update(_package_imports(tree))
    found = {}
    names = {exercise.name for exercise in exercises}
    shapes = package_function_shapes()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    local = alias.asname or alias.name.split(".")[0]
                    origin = imported.get(local)
                    if local in names and origin and origin not in allowed:
                        found.setdefault(local, f"`{local}` is imported from {origin}")
            elif isinstance(node, ast.Assign):
                origin = _resolve(_dotted(node.value), imported)
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id in names and origin and origin not in allowed:
                        found.setdefault(target.id, f"`{target.id}` is set to {origin}")
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in names:
                for inner in ast.walk(node):
                    if isinstance(inner, (ast.Name, ast.Attribute)) and isinstance(getattr(inner, "ctx", None),
                                                                                  ast.Load):
                        origin = _resolve(_dotted(inner), imported)
                        if origin and origin not in allowed and not any(origin.startswith(a + ".") for a in allowed):
                            found.setdefault(node.name, f"`{node.name}` uses {origin}")
                    elif isinstance(inner, ast.Constant) and isinstance(inner.value, str) and PACKAGE in inner.value:
                        found.setdefault(node.name, f"`{node.name}` names {PACKAGE} in a string")
                digest, size = normalised_shape(node)
                if size >= MIN_COPY_NODES and digest in shapes and digest not in set(reference_shapes):
                    found.setdefault(node.name, f"`{node.name}` is the source of {shapes[digest]}, renamed")
    return found


def from_package_module(module) -> bool:
    """True when a function's ``__module__`` (as the kernel reports it) is a lecture_lib module other than the checks."""
    return isinstance(module, str) and (module == PACKAGE or module.startswith(PACKAGE + ".")) and \
        not module.startswith(ALLOWED_PREFIXES)
