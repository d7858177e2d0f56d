"""Read a SymPy expression sent by a learner's kernel as ``srepr`` text, without ``eval``.

``sympy.srepr`` writes an expression as nested constructor calls, e.g.
``Mul(Integer(-1), Pow(Symbol('h', real=True), Integer(2)))``. This module
parses that text with :mod:`ast` and builds the expression by calling the
constructors itself, accepting only:

* calls of SymPy classes (subclasses of ``sympy.Basic``, e.g. ``Add``, ``exp``,
  ``Symbol``) and of ``Function('f')``; SymPy constants by name (``pi``, ``E``, ``I``, ``oo``);
* as arguments: such calls, integers (``|n| <= 10**6``), floats, ``True``/``False``/``None``,
  tuples, and strings only as the name of ``Symbol``/``Dummy``/``Function`` or the digits
  of ``Float`` (SymPy parses strings elsewhere with ``eval``);
* keyword arguments with constant values (assumptions such as ``real=True``);
* at most :data:`MAX_NODES` syntax nodes, :data:`MAX_CHARACTERS` characters and
  :data:`MAX_POW_NESTING` powers inside powers;
* a power's exponent is either a number literal of size at most :data:`MAX_EXPONENT`
  or contains a symbol;
* every rational number built on the way (SymPy evaluates while it builds, bottom up)
  has at most :data:`MAX_NUMBER_BITS` bits, checked as soon as it is built, and only
  ``Add``, ``Mul`` and ``Pow`` take a number larger than :data:`MAX_INTEGER`, so
  ``10**(10**(10**10))`` or ``factorial(factorial(100))`` is refused after at most one
  bounded computation, not computed.

Anything else raises :class:`UnsafeExpression`. Work on an accepted expression can
still be slow (``simplify``); the grader bounds its own CPU time for that
(:mod:`lecture_lib.grading.verdict`).
"""
from __future__ import annotations

import ast

MAX_CHARACTERS = 100_000
MAX_NODES = 5_000
MAX_INTEGER = 10**5
MAX_NUMBER_BITS = 100_000
MAX_POW_NESTING = 3
MAX_EXPONENT = 100
_NAMED_BY_STRING = {"Symbol", "Dummy", "Function", "Float"}


class UnsafeExpression(ValueError):
    """The text is not the srepr of a SymPy expression built from the allowed parts."""


def _sympy_name(sympy, name):
    value = getattr(sympy, name, None)
    if value is None and name == "ExprCondPair":  # srepr of Piecewise; not exported at the top level
        from sympy.functions.elementary.piecewise import ExprCondPair as value
    if name.startswith("_") or value is None:
        raise UnsafeExpression(f"unknown name {name!r}")
    is_class = isinstance(value, type) and issubclass(value, sympy.Basic)
    if name == "Function" or is_class or isinstance(value, sympy.Basic):
        return value
    raise UnsafeExpression(f"{name!r} is not a SymPy class or constant")


def _constant(node, where):
    if isinstance(node, ast.Constant):
        value = node.value
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)) and \
            isinstance(node.operand, ast.Constant) and type(node.operand.value) in (int, float):
        value = -node.operand.value if isinstance(node.op, ast.USub) else node.operand.value
    else:
        return False, None
    if type(value) is int and abs(value) > MAX_INTEGER:
        raise UnsafeExpression(f"the integer in {where} is larger than {MAX_INTEGER}")
    if value is not None and type(value) not in (bool, int, float, str):
        raise UnsafeExpression(f"a constant of type {type(value).__name__} in {where}")
    return True, value


class _Builder:
    def __init__(self, sympy):
        self.sympy = sympy

    def build(self, node, pow_depth=0):
        sympy = self.sympy
        if isinstance(node, ast.Name):
            value = _sympy_name(sympy, node.id)
            if not isinstance(value, sympy.Basic):
                raise UnsafeExpression(f"{node.id} must be called")
            return value
        if isinstance(node, ast.Tuple):
            return tuple(self.argument(item, "a tuple", pow_depth) for item in node.elts)
        if not isinstance(node, ast.Call):
            raise UnsafeExpression(f"unexpected {type(node).__name__}")
        if isinstance(node.func, ast.Name):
            name = node.func.id
            function = _sympy_name(sympy, name)
        elif (isinstance(node.func, ast.Call) and isinstance(node.func.func, ast.Name)
              and node.func.func.id == "Function"):
            name, function = "Function(...)", self.build(node.func, pow_depth)
        else:
            raise UnsafeExpression("only SymPy classes can be called")
        if isinstance(function, sympy.Basic) and not callable(function):
            raise UnsafeExpression(f"{name} cannot be called")
        depth = pow_depth + (name == "Pow")
        if depth > MAX_POW_NESTING:
            raise UnsafeExpression(f"more than {MAX_POW_NESTING} powers inside powers")
        args = []
        for position, item in enumerate(node.args):
            is_constant, value = _constant(item, name)
            if is_constant:
                if isinstance(value, str) and not (name in _NAMED_BY_STRING and position == 0 and len(value) <= 200):
                    raise UnsafeExpression(f"a string argument to {name}")
                args.append(value)
            else:
                args.append(self.argument(item, name, depth))
        kwargs = {}
        for keyword in node.keywords:
            is_constant, value = _constant(keyword.value, name)
            if keyword.arg is None or not is_constant or isinstance(value, str):
                raise UnsafeExpression(f"keyword arguments of {name} must be numbers or True/False/None")
            kwargs[keyword.arg] = value
        if name == "Function" and not (len(args) == 1 and isinstance(args[0], str)):
            raise UnsafeExpression("Function takes one name")
        if name == "Pow" and len(args) == 2:
            exponent = args[1]
            symbolic = isinstance(exponent, sympy.Basic) and bool(exponent.free_symbols)
            small = isinstance(exponent, (int, float, sympy.Integer, sympy.Rational, sympy.Float)) and \
                abs(float(exponent)) <= MAX_EXPONENT
            if not (symbolic or small):
                raise UnsafeExpression(f"a power whose exponent is a number larger than {MAX_EXPONENT} "
                                       "or not a literal")
        if name not in ("Add", "Mul", "Pow", "Rational"):
            for arg in args:
                if isinstance(arg, sympy.Rational) and max(abs(int(arg.p)), int(arg.q)) > MAX_INTEGER:
                    raise UnsafeExpression(f"a number larger than {MAX_INTEGER} as argument of {name}")
        value = function(*args, **kwargs)
        if isinstance(value, sympy.Rational) and \
                max(int(value.p).bit_length(), int(value.q).bit_length()) > MAX_NUMBER_BITS:
            raise UnsafeExpression(f"a number of more than {MAX_NUMBER_BITS} bits")
        return value

    def argument(self, node, where, pow_depth):
        is_constant, value = _constant(node, where)
        if is_constant:
            if isinstance(value, str):
                raise UnsafeExpression(f"a string inside {where}")
            return value
        return self.build(node, pow_depth)


def parse_srepr(text: str):
    """The SymPy object written by ``sympy.srepr`` as ``text``; :class:`UnsafeExpression` if not allowed."""
    import sympy

    if not isinstance(text, str):
        raise UnsafeExpression(f"expected text, got {type(text).__name__}")
    if len(text) > MAX_CHARACTERS:
        raise UnsafeExpression(f"the expression has {len(text)} characters (at most {MAX_CHARACTERS})")
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise UnsafeExpression("not the text of an expression") from None
    count = sum(1 for _ in ast.walk(tree))
    if count > MAX_NODES:
        raise UnsafeExpression(f"the expression has {count} parts (at most {MAX_NODES})")
    try:
        return _Builder(sympy).build(tree.body)
    except UnsafeExpression:
        raise
    except RecursionError:
        raise UnsafeExpression("the expression is nested too deeply") from None
    except (TypeError, ValueError, AttributeError, sympy.SympifyError) as exc:
        raise UnsafeExpression(f"SymPy refused it: {type(exc).__name__}") from None
