"""Check of the chapter 04 SymPy exercise: dE/dh of a sigmoid output unit with squared error.

The learner returns a SymPy expression; the check PROVES it equal to the
reference (an identity for every h and y), it does not sample points. Kept
apart from ``ch04`` (which re-exports the check) so each module stays short.
"""
from __future__ import annotations

from .core import DEFAULT_TIME_LIMIT, Case, CheckRun, Mistake, describe_value

__all__ = ["check_output_unit_derivative"]


# --- Exercise 5: dE/dh of a sigmoid output unit, in SymPy ----------------------------------------

def _symbolic_cases():
    import sympy as sp

    return [Case({"h": sp.Symbol("h", real=True), "y": sp.Symbol("y", real=True)}, "symbols h and y"),
            Case({"h": sp.Symbol("a", real=True), "y": sp.Symbol("t", real=True)},
                 "other names: your function must use its arguments")]


def _proved_equal(a, b, h) -> bool:
    """True when SymPy reduces a - b to exactly 0 (an identity for every real h and y, not a numerical test).

    Fast route: write every function in exponentials and substitute h = 2 log z (z > 0, a one-to-one
    change of variable for real h), which turns exp(h), exp(h/2), tanh(h/2), ... into rational
    functions of z; ``cancel`` puts those in a canonical form, so the result is 0 exactly when the
    two agree. If something else is left (e.g. log(z) from a stray h), ``simplify`` decides.
    """
    import sympy as sp

    from ..topics.symbolic import symbolic_equal

    try:
        z = sp.Symbol("z_positive", positive=True)
        difference = (sp.sympify(a) - sp.sympify(b)).rewrite(sp.exp).subs(h, 2 * sp.log(z))
        difference = sp.cancel(sp.together(sp.powsimp(sp.expand_power_exp(difference))))
        if difference == 0:
            return True
        if not difference.atoms(sp.Function):
            return False          # a non-zero rational function of z and y: not equal
        return symbolic_equal(a, b)
    except (TypeError, ValueError, AttributeError, sp.SympifyError):
        return False


def _symbolic_reference(h, y):
    from ..topics.symbolic import sigmoid_expr

    s = sigmoid_expr(h)
    return (s - y) * s * (1 - s)


def _symbolic_variant(kind):
    def variant(h, y):
        from ..topics.symbolic import sigmoid_expr

        s = sigmoid_expr(h)
        return {"missing_sigma_prime": lambda: s - y,
                "wrong_sign": lambda: (y - s) * s * (1 - s),
                "derivative_of_h": lambda: (s - y) * h * (1 - h),
                "missing_one_minus": lambda: (s - y) * s,
                "factor_two": lambda: 2 * (s - y) * s * (1 - s),
                "returned_E": lambda: (s - y) ** 2 / 2}[kind]()
    return variant


_SYMBOLIC_MISTAKES = [
    Mistake("missing_sigma_prime",
            "your expression is dE/dyhat = sigma(h) - y. dE/dh needs one more chain-rule factor: dyhat/dh.",
            _symbolic_variant("missing_sigma_prime")),
    Mistake("wrong_sign",
            "the sign is reversed: d/dyhat of 1/2 (yhat - y)^2 is (yhat - y).", _symbolic_variant("wrong_sign")),
    Mistake("derivative_of_h",
            "the sigmoid's derivative is sigma(h) (1 - sigma(h)), written with the output sigma(h), not h (1 - h).",
            _symbolic_variant("derivative_of_h")),
    Mistake("missing_one_minus",
            "the sigmoid's derivative has two factors, sigma(h) and (1 - sigma(h)); one is missing.",
            _symbolic_variant("missing_one_minus")),
    Mistake("factor_two",
            "twice too large: the 1/2 in E cancels the 2 from differentiating the square.",
            _symbolic_variant("factor_two")),
    Mistake("returned_E",
            "you returned the loss E itself; the exercise asks for its derivative dE/dh.",
            _symbolic_variant("returned_E")),
]


def check_output_unit_derivative(output_unit_derivative, time_limit=DEFAULT_TIME_LIMIT):
    """Check ``output_unit_derivative(h, y)`` → a SymPy expression equal to dE/dh, E = 1/2 (sigma(h) - y)^2.

    Equality is proved exactly by SymPy (the difference must reduce to 0, see ``_proved_equal``).
    """
    import sympy as sp

    cases = _symbolic_cases()
    run = CheckRun("ch04.output_unit_derivative", output_unit_derivative, time_limit, n_cases=len(cases))
    for case in cases:
        outcome = run.call(case)
        if outcome is None:
            break
        value = outcome.value
        h, y = case.kwargs["h"], case.kwargs["y"]
        if not isinstance(value, sp.Basic) or isinstance(value, sp.logic.boolalg.Boolean):
            run.fail(case, "Expected a SymPy expression built from the symbols h and y (e.g. with sp.exp), got "
                     f"{describe_value(value)}.", returned=None)
            break
        extra = value.free_symbols - {h, y}
        if extra:
            names = ", ".join(sorted(str(s) for s in extra))
            run.fail(case, f"Your expression contains the symbol(s) {names}, which are not the arguments "
                     f"h={h} and y={y}. Build it from the arguments passed to the function (a Symbol you create "
                     "yourself is a different variable for SymPy, even with the same name).",
                     hint_ids=["foreign_symbols"])
            break
        if not _proved_equal(value, _symbolic_reference(h, y), h):
            found = [m for m in _SYMBOLIC_MISTAKES if _proved_equal(value, m.variant(h, y), h)]
            run.fail(case, f"SymPy could not simplify (your expression) - dE/dh to 0; your expression: {value}",
                     mistakes=found)
            break
        run.case_passed()
    return run.finish()
