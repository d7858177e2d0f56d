"""Check of the chapter 04 SymPy exercise: dE/dh of a sigmoid output unit with the cross-entropy loss.

E = -(y log sigma(h) + (1 - y) log(1 - sigma(h))), chapter 02's loss; the learner derives dE/dh
(it is sigma(h) - y: the sigmoid's derivative cancels, unlike with the squared error of exercise 1).

The learner returns a SymPy expression. The check, run with the learner's
call in the child process of :mod:`.isolation` and within its time limit
(an expression can be made that SymPy takes minutes to simplify), judges it
in four steps:

1. it must be a SymPy expression whose every node is an object of one of
   SymPy's own classes (a subclass whose ``__sub__`` returns 0 would fool any
   ``simplify(answer - truth) == 0``), built from the arguments ``h`` and ``y``;
2. it is rebuilt from its ``sympy.srepr`` text with SymPy's classes looked
   up by name, so only genuine SymPy objects take part in what follows;
3. it is compared with the true derivative at sample points (h, y), to 30
   significant digits: this decides the verdict, and accepts every correct
   form (``Piecewise`` of the two branches of the stable sigmoid, ``tanh``,
   ``sech``, ...); a wrong expression of this kind that agrees at all the
   points would have to agree on a set SymPy's functions cannot produce;
4. an exact proof is tried for a short time (rewrite in exponentials,
   substitute h = 2 log z, ``cancel``); it names the result, it never fails
   an answer that the sample points accept.

Kept apart from ``ch04`` (which re-exports the check) so each module stays short.
"""
from __future__ import annotations

import signal
import threading

from .core import Case, CheckRun, Mistake, Verdict, checks_learner_code, hint_when_call_fails, describe_value, run_cases
from .isolation import Opaque, Symbolic, plain

__all__ = ["check_output_unit_derivative", "SYMBOLIC_TIME_LIMIT"]

#: Seconds for the learner's call plus the judging of its expression, per case.
SYMBOLIC_TIME_LIMIT = 10.0
#: Seconds the exact proof may take inside that time before the check settles for the sample points.
PROOF_TIME_LIMIT = 2.0

#: (h, y) where answers are compared: both signs of h, targets inside and outside [0, 1].
SAMPLE_POINTS = [("-3.7", "0"), ("-1.3", "0.35"), ("-0.4", "1"), ("0", "0.5"), ("0", "0.2"), ("0.55", "-0.6"),
                 ("1.9", "1"), ("4.2", "0.9"), ("-6.1", "1.8"), ("2.75", "0"), ("-0.05", "0.7"), ("7.3", "0.25")]
_DIGITS = 30


# --- Exercise 5: dE/dh of a sigmoid output unit, in SymPy ----------------------------------------

def _symbolic_cases():
    import sympy as sp

    return [Case({"h": sp.Symbol("h", real=True), "y": sp.Symbol("y", real=True)}, "symbols h and y"),
            Case({"h": sp.Symbol("a", real=True), "y": sp.Symbol("t", real=True)},
                 "other names: your function must use its arguments")]


class _ProofTimeLimit(BaseException):
    pass


def _proved_equal(a, b, h) -> bool:
    """True when SymPy reduces a - b to exactly 0 within PROOF_TIME_LIMIT (False: not proved, not 'unequal').

    Write every function in exponentials and substitute h = 2 log z (z > 0, a
    one-to-one change of variable for real h), which turns exp(h), exp(h/2),
    tanh(h/2), sech, ... into rational functions of z; ``cancel`` puts those
    in a canonical form, so the result is 0 exactly when the two agree.
    Runs in the child process of the check, where the alarm is ours.
    """
    import sympy as sp

    armed = [True]

    def on_alarm(signum, frame):
        if armed[0]:
            raise _ProofTimeLimit()

    use_alarm = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGALRM, on_alarm) if use_alarm else None
    try:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, PROOF_TIME_LIMIT)
        z = sp.Symbol("z_positive", positive=True)
        difference = (a - b).rewrite(sp.exp).subs(h, 2 * sp.log(z))
        return sp.cancel(sp.together(sp.powsimp(sp.expand_power_exp(difference)))) == 0
    except (_ProofTimeLimit, Exception):
        return False
    finally:
        armed[0] = False
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def _sympy_names() -> dict:
    """SymPy's public classes and functions by name, to rebuild an expression from its srepr text."""
    import sympy as sp
    from sympy.core import numbers, relational
    from sympy.functions.elementary import piecewise
    from sympy.logic import boolalg

    names = {}
    for module in (boolalg, relational, piecewise, numbers, sp):
        names.update({name: value for name, value in vars(module).items() if not name.startswith("_")})
    return names


def _foreign_classes(value) -> list:
    """Names of the classes in the expression tree that are not SymPy's own."""
    import sympy as sp

    found = []
    for node in sp.preorder_traversal(value):
        kind = type(node)
        if not (getattr(kind, "__module__", "") or "").startswith("sympy."):
            found.append(kind.__qualname__)
    return sorted(set(found))


def _values_at_points(expression, h, y):
    """The expression's value at every sample point (complex, or None where it is not a finite number)."""
    import sympy as sp

    values = []
    for h_text, y_text in SAMPLE_POINTS:
        try:
            value = complex(expression.evalf(_DIGITS, subs={h: sp.Float(h_text, _DIGITS), y: sp.Float(y_text, _DIGITS)}))
        except (TypeError, ValueError, ZeroDivisionError, AttributeError):
            value = None
        values.append(value if value is not None and value == value and abs(value) != float("inf") else None)
    return values


def _close(value, reference) -> bool:
    """Equal to 20 digits, and real: dE/dh is real for real h and y, so an imaginary part (even 1e-40 i) is wrong."""
    return value is not None and value.imag == 0 and abs(value - reference) <= 1e-20 * (1 + abs(reference))


def _agree(values, reference) -> bool:
    return all(_close(v, r) for v, r in zip(values, reference))


def _judge(value, h, y) -> dict:
    """The verdict on a learner's expression as plain data (runs in the child, after the learner's call).

    ``value`` is what the learner's function returned: a SymPy object, or
    already :class:`~.isolation.Symbolic` text when the function is a proxy
    for a function in another process.
    """
    import sympy as sp

    if isinstance(value, sp.Basic):
        if not isinstance(value, sp.Expr):
            return {"verdict": "not_expression", "returned": describe_value(plain(value))}
        foreign = _foreign_classes(value)
        if foreign:
            return {"verdict": "foreign_class", "names": foreign}
        text = sp.srepr(value)
    elif isinstance(value, Symbolic):
        text = value.srepr
    else:
        if isinstance(value, Opaque) and value.text and "SymPy object containing" in value.text:
            return {"verdict": "foreign_class", "names": value.type_name.split(", ")}
        return {"verdict": "not_expression", "returned": describe_value(plain(value))}
    try:
        rebuilt = eval(text, {"__builtins__": {}}, _sympy_names())  # noqa: S307 - srepr of SymPy's own classes only
    except Exception as exc:
        return {"verdict": "not_rebuilt", "error": f"{type(exc).__name__}: {exc}"}
    if not isinstance(rebuilt, sp.Expr):
        return {"verdict": "not_expression", "returned": describe_value(plain(rebuilt))}
    extra = rebuilt.free_symbols - {h, y}
    if extra:
        return {"verdict": "foreign_symbols", "names": sorted(str(s) for s in extra)}
    reference = _values_at_points(_symbolic_reference(h, y), h, y)
    values = _values_at_points(rebuilt, h, y)
    if not _agree(values, reference):
        wrong = [index for index, (v, r) in enumerate(zip(values, reference)) if not _close(v, r)]
        hints = [m.id for m in _SYMBOLIC_MISTAKES
                 if _agree(values, _values_at_points(m.variant(h, y), h, y))]
        return {"verdict": "wrong", "first_wrong": SAMPLE_POINTS[wrong[0]], "hints": hints, "text": str(rebuilt)[:300]}
    return {"verdict": "right", "proved": _proved_equal(rebuilt, _symbolic_reference(h, y), h)}


def _judged(function):
    """The learner's function followed by the judging of its answer, as one call for the child process."""
    def call(h, y):
        return _judge(function(h=h, y=y), h, y)
    return call


def _symbolic_reference(h, y):
    from ..topics.symbolic import sigmoid_expr

    return sigmoid_expr(h) - y


def _symbolic_variant(kind):
    def variant(h, y):
        import sympy as sp

        from ..topics.symbolic import sigmoid_expr

        s = sigmoid_expr(h)
        return {"squared_error_habit": lambda: (s - y) * s * (1 - s),
                "wrong_sign": lambda: y - s,
                "stopped_at_dE_dyhat": lambda: (s - y) / (s * (1 - s)),
                "one_term_only": lambda: -y * (1 - s),
                "other_term_only": lambda: (1 - y) * s,
                "returned_E": lambda: -(y * sp.log(s) + (1 - y) * sp.log(1 - s))}[kind]()
    return variant


_SYMBOLIC_MISTAKES = [
    Mistake("squared_error_habit",
            "your expression has the factor sigma(h) (1 - sigma(h)) of the squared error's error term. With the "
            "cross-entropy, dE/dyhat has sigma(h) (1 - sigma(h)) in its denominator: multiply the two chain-rule "
            "factors and simplify.", _symbolic_variant("squared_error_habit")),
    Mistake("wrong_sign",
            "the sign is reversed: E has a minus in front, and d/dyhat of -y log(yhat) is -y / yhat.",
            _symbolic_variant("wrong_sign")),
    Mistake("stopped_at_dE_dyhat",
            "your expression is dE/dyhat. dE/dh needs one more chain-rule factor: dyhat/dh, the sigmoid's derivative.",
            _symbolic_variant("stopped_at_dE_dyhat")),
    Mistake("one_term_only",
            "you differentiated only the term -y log(yhat); the term -(1 - y) log(1 - yhat) depends on h too.",
            _symbolic_variant("one_term_only")),
    Mistake("one_term_only",
            "you differentiated only the term -(1 - y) log(1 - yhat); the term -y log(yhat) depends on h too.",
            _symbolic_variant("other_term_only")),
    Mistake("returned_E",
            "you returned the loss E itself; the exercise asks for its derivative dE/dh.",
            _symbolic_variant("returned_E")),
]


@checks_learner_code
def check_output_unit_derivative(output_unit_derivative, time_limit=SYMBOLIC_TIME_LIMIT):
    """Check ``output_unit_derivative(h, y)`` → a SymPy expression equal to dE/dh,
    E = -(y log sigma(h) + (1 - y) log(1 - sigma(h))).

    See the module docstring: SymPy's own classes only, rebuilt from srepr,
    compared at :data:`SAMPLE_POINTS` to 30 digits, within ``time_limit``
    seconds per case (the learner's call and the judging together).
    """
    cases = _symbolic_cases()
    function = _judged(output_unit_derivative) if callable(output_unit_derivative) else output_unit_derivative
    proved = []

    def judge(case, verdict, expected):  # the child judged the answer (_judge): read its verdict
        verdict = verdict if isinstance(verdict, dict) else {"verdict": "not_rebuilt", "error": "?"}
        h, y = case.kwargs["h"], case.kwargs["y"]
        kind = verdict.get("verdict")
        if kind == "right":
            proved.append(bool(verdict.get("proved")))
            return None, None
        if kind == "not_expression":
            problem, hint_ids = ("Expected a SymPy expression built from the symbols h and y (e.g. with sp.exp), "
                                 f"got {verdict['returned']}."), ()
        elif kind == "foreign_class":
            problem, hint_ids = ("Your expression contains object(s) of class " + ", ".join(verdict["names"]) +
                                 ", which is not one of SymPy's own classes. Build the expression with SymPy's "
                                 "functions (sp.exp, +, *, /, **) only."), ["not_sympy_class"]
        elif kind == "foreign_symbols":
            problem, hint_ids = (f"Your expression contains the symbol(s) {', '.join(verdict['names'])}, which are "
                                 f"not the arguments h={h} and y={y}. Build it from the arguments passed to the "
                                 "function (a Symbol you create yourself is a different variable for SymPy, even "
                                 "with the same name)."), ["foreign_symbols"]
        elif kind == "not_rebuilt":
            problem, hint_ids = ("SymPy could not rebuild your expression from its own classes "
                                 f"({verdict['error']}). Use SymPy's functions (sp.exp, +, *, /, **) only."), ()
        else:
            h_text, y_text = verdict["first_wrong"]
            return Verdict(f"Your expression differs from dE/dh, e.g. at h = {h_text}, y = {y_text} (compared to "
                           f"{_DIGITS} digits at {len(SAMPLE_POINTS)} points); your expression: {verdict['text']}",
                           otherwise=[m for m in _SYMBOLIC_MISTAKES if m.id in verdict["hints"]], show_returned=False)
        return Verdict(problem, hint_ids=hint_ids, show_returned=False)

    call_hints = hint_when_call_fails("expression_too_slow", "building or evaluating your expression took too long. "
                                      "Write dE/dh as a short product of factors, without expand() or large powers.",
                                      timed_out=True)

    run = CheckRun("ch04.output_unit_derivative", function, time_limit)
    result = run_cases(run, cases, lambda h, y: None, [], judge, call_hints=call_hints)
    if result.passed:  # the result is the one latest_results() keeps: the remark shows there too
        result.feedback.append("SymPy also proved your expression equal to dE/dh exactly." if all(proved) else
                               f"Equal to dE/dh at all {len(SAMPLE_POINTS)} sample points ({_DIGITS} digits); "
                               f"SymPy's exact proof did not finish within {PROOF_TIME_LIMIT:g} s for this form.")
    return result
