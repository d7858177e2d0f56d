"""Symbolic proofs with SymPy: the sigmoid's derivative and the backprop formulas.

Chapter 02 proves sigma'(h) = sigma(h)(1 - sigma(h)); chapter 04 checks the
slides' error terms on a small network (one hidden layer, and any number of layers
with biases): for every weight, SymPy's
dE/dw minus the backprop formula eps_j g_i simplifies to exactly 0.

SymPy is imported inside this module only (the rest of the package needs
NumPy alone).
"""
from __future__ import annotations

from dataclasses import dataclass

try:
    import sympy as sp
except ImportError:  # SymPy is an optional dependency (the 'notebooks' extra)
    raise ImportError(
        "lecture_lib.topics.symbolic needs SymPy: pip install sympy (or pip install 'lecture-lib[notebooks]')."
    ) from None

from .._validate import check_positive_int

__all__ = [
    "sigmoid_expr", "prove_sigmoid_derivative", "TwoLayerNetwork",
    "symbolic_two_layer_network", "backprop_error_terms", "verify_backprop_formulas",
    "symbolic_equal", "LayeredNetwork", "symbolic_layered_network", "layered_error_terms",
    "verify_layered_backprop",
]


def sigmoid_expr(h=None):
    """The sigmoid 1 / (1 + exp(-h)) as a SymPy expression.

    Parameters
    ----------
    h : sympy expression or str, optional
        The argument; default the real symbol h.
    """
    h = sp.Symbol("h", real=True) if h is None else sp.sympify(h)
    return 1 / (1 + sp.exp(-h))


def prove_sigmoid_derivative():
    """Prove d sigma/dh = sigma (1 - sigma) symbolically.

    Returns
    -------
    derivative : sympy expression
        SymPy's d/dh of 1 / (1 + exp(-h)), i.e. exp(-h) / (1 + exp(-h))^2.
    difference : sympy expression
        simplify(derivative - sigma (1 - sigma)); 0 proves the identity.
    holds : bool
        ``difference == 0``.
    """
    h = sp.Symbol("h", real=True)
    sigma = sigmoid_expr(h)
    derivative = sp.diff(sigma, h)
    difference = sp.simplify(derivative - sigma * (1 - sigma))
    return derivative, difference, difference == 0


@dataclass
class TwoLayerNetwork:
    """Symbols and expressions of a sigmoid network input -> hidden -> output.

    Indices as on the slides: i input, j hidden, k output (1-based names).

    Attributes
    ----------
    x : list of Symbol, length n_in            inputs x_i
    y : list of Symbol, length n_out           targets y_k
    w_ij : sympy Matrix (n_in, n_hidden)       input -> hidden weights, named w^{(1)}_{ij}
    w_jk : sympy Matrix (n_hidden, n_out)      hidden -> output weights, named w^{(2)}_{jk}
    b_j, b_k : list of Symbol or None          biases (weights from a constant input 1)
    h_j, g_j : list of expressions             hidden sums h_j = sum_i w_ij x_i (+ b_j), g_j = sigma(h_j)
    h_k, y_hat : list of expressions           output sums h_k = sum_j w_jk g_j (+ b_k), yhat_k = sigma(h_k)
    E : expression                             E = 1/2 sum_k (yhat_k - y_k)^2
    g_symbols, y_hat_symbols : list of Symbol  short names g_j, yhat_k for writing eps formulas
    """

    x: list
    y: list
    w_ij: sp.Matrix
    w_jk: sp.Matrix
    b_j: list | None
    b_k: list | None
    h_j: list
    g_j: list
    h_k: list
    y_hat: list
    E: sp.Expr
    g_symbols: list
    y_hat_symbols: list

    @property
    def weights(self):
        """Every trainable symbol: w_ij row by row, then b_j, then w_jk, then b_k."""
        out = list(self.w_ij) + list(self.b_j or [])
        return out + list(self.w_jk) + list(self.b_k or [])


def symbolic_two_layer_network(n_in=2, n_hidden=2, n_out=2, bias=False) -> TwoLayerNetwork:
    """Build a symbolic sigmoid network with squared-error loss.

    Parameters
    ----------
    n_in, n_hidden, n_out : int
        Layer widths (2-2-2 by default, as in chapter 04).
    bias : bool
        Add biases b_j, b_k (a weight from a constant input 1, like w_0 with
        x_0 = 1 on the slides). Default False: the slides' derivation has none.

    Returns
    -------
    TwoLayerNetwork
    """
    n_in, n_hidden, n_out = (check_positive_int(n, name) for n, name in
                             [(n_in, "n_in"), (n_hidden, "n_hidden"), (n_out, "n_out")])
    real = {"real": True}
    x = [sp.Symbol(f"x_{i + 1}", **real) for i in range(n_in)]
    y = [sp.Symbol(f"y_{k + 1}", **real) for k in range(n_out)]
    w_ij = sp.Matrix(n_in, n_hidden, lambda i, j: sp.Symbol(f"w^{{(1)}}_{{{i + 1}{j + 1}}}", **real))
    w_jk = sp.Matrix(n_hidden, n_out, lambda j, k: sp.Symbol(f"w^{{(2)}}_{{{j + 1}{k + 1}}}", **real))
    b_j = [sp.Symbol(f"b^{{(1)}}_{{{j + 1}}}", **real) for j in range(n_hidden)] if bias else None
    b_k = [sp.Symbol(f"b^{{(2)}}_{{{k + 1}}}", **real) for k in range(n_out)] if bias else None
    h_j = [sum(w_ij[i, j] * x[i] for i in range(n_in)) + (b_j[j] if bias else 0) for j in range(n_hidden)]
    g_j = [sigmoid_expr(h) for h in h_j]
    h_k = [sum(w_jk[j, k] * g_j[j] for j in range(n_hidden)) + (b_k[k] if bias else 0) for k in range(n_out)]
    y_hat = [sigmoid_expr(h) for h in h_k]
    E = sp.Rational(1, 2) * sum((y_hat[k] - y[k]) ** 2 for k in range(n_out))
    g_symbols = [sp.Symbol(f"g_{j + 1}", positive=True) for j in range(n_hidden)]
    y_hat_symbols = [sp.Symbol(f"yhat_{k + 1}", positive=True) for k in range(n_out)]
    return TwoLayerNetwork(x, y, w_ij, w_jk, b_j, b_k, h_j, g_j, h_k, y_hat, E, g_symbols, y_hat_symbols)


def backprop_error_terms(net):
    """The slides' error terms, written with the short symbols g_j and yhat_k.

    Returns
    -------
    eps_k : list, length n_out
        Output layer: eps_k = (yhat_k - y_k) yhat_k (1 - yhat_k).
    eps_j : list, length n_hidden
        Hidden layer: eps_j = (sum_k eps_k w_jk) g_j (1 - g_j).
    """
    yh, g = net.y_hat_symbols, net.g_symbols
    eps_k = [(yh[k] - net.y[k]) * yh[k] * (1 - yh[k]) for k in range(len(yh))]
    eps_j = [sum(eps_k[k] * net.w_jk[j, k] for k in range(len(yh))) * g[j] * (1 - g[j])
             for j in range(len(g))]
    return eps_k, eps_j


def verify_backprop_formulas(net, eps_k=None, eps_j=None) -> dict:
    """For every weight, simplify dE/dw - eps * (input of that weight).

    Parameters
    ----------
    net : TwoLayerNetwork
    eps_k, eps_j : list of expressions, optional
        Error terms to test (default: ``backprop_error_terms(net)``). They
        may use the short symbols g_j, yhat_k or the full expressions
        ``net.g_j``, ``net.y_hat``; pass a wrong formula to see a non-zero
        difference.

    Returns
    -------
    differences : dict of Symbol -> expression
        dE/dw_ij - eps_j x_i, dE/dw_jk - eps_k g_j (and dE/db - eps for
        biases), simplified. All 0 means the formulas are right.

    Notes
    -----
    Speed: ``simplify`` on the raw derivative (nested exponentials) is slow.
    Instead we substitute the identity exp(-h) = (1 - g)/g, where
    g = sigma(h), for every unit (outputs first, as their exponents contain
    the hidden units); a sigmoid 1/(1 + exp(-h)) becomes 1/(1 + (1 - g)/g),
    i.e. g. What is left is a rational function of x, y, w, g, yhat, and ``cancel`` decides
    exactly whether it is 0. The substitution is an identity, so a 0 here
    is a proof for all inputs. If some exponential survives the
    substitution (it should not), we fall back to ``simplify``.
    """
    default_k, default_j = backprop_error_terms(net)
    eps_k = default_k if eps_k is None else [sp.sympify(e) for e in eps_k]
    eps_j = default_j if eps_j is None else [sp.sympify(e) for e in eps_j]
    if len(eps_k) != len(net.y) or len(eps_j) != len(net.g_j):
        raise ValueError(f"Expected {len(net.y)} eps_k and {len(net.g_j)} eps_j, got {len(eps_k)} and {len(eps_j)}.")

    # exp(-h) = (1 - g) / g for every unit. Output units first: their h_k
    # contains the hidden g_j, which the second pass would otherwise change.
    outer = {sp.exp(-h): (1 - s) / s for h, s in zip(net.h_k, net.y_hat_symbols)}
    inner = {sp.exp(-h): (1 - s) / s for h, s in zip(net.h_j, net.g_symbols)}
    back = {**{s: e for e, s in zip(net.y_hat, net.y_hat_symbols)},
            **{s: e for e, s in zip(net.g_j, net.g_symbols)}}

    def to_short(expr):
        return sp.sympify(expr).xreplace(outer).xreplace(inner)

    def difference(weight, eps, unit_input):
        diff = to_short(sp.diff(net.E, weight)) - to_short(eps * unit_input)
        if diff.has(sp.exp):
            return sp.simplify(diff.xreplace(back))
        return sp.cancel(diff)

    results = {}
    n_in, n_hidden = net.w_ij.shape
    for i in range(n_in):
        for j in range(n_hidden):
            results[net.w_ij[i, j]] = difference(net.w_ij[i, j], eps_j[j], net.x[i])
    for j in range(n_hidden):
        if net.b_j:
            results[net.b_j[j]] = difference(net.b_j[j], eps_j[j], 1)
    for j in range(n_hidden):
        for k in range(net.w_jk.shape[1]):
            results[net.w_jk[j, k]] = difference(net.w_jk[j, k], eps_k[k], net.g_symbols[j])
    for k in range(net.w_jk.shape[1]):
        if net.b_k:
            results[net.b_k[k]] = difference(net.b_k[k], eps_k[k], 1)
    return results


def symbolic_equal(expr_a, expr_b) -> bool:
    """True when simplify(expr_a - expr_b) == 0 (strings are parsed with sympify)."""
    return sp.simplify(sp.sympify(expr_a) - sp.sympify(expr_b)) == 0


# --- any number of layers, with biases (chapter 04, slide 8/8 step 4) -------------------------------

@dataclass
class LayeredNetwork:
    """Symbols and expressions of a sigmoid network with L weight layers and biases.

    Layer 0 is the input; layer n = 1..L has weights W[n-1] (a sympy Matrix of
    shape (units of n-1, units of n), entries named w^{(n)}_{ij}) and biases
    b[n-1] (named b^{(n)}_{j}).

    Attributes
    ----------
    x, y : list of Symbol                 inputs x_i, targets y_k
    W : list of sympy Matrix              W[n-1][i, j] = w^{(n)}_{ij}
    b : list of list of Symbol            b[n-1][j] = b^{(n)}_{j}
    h, g : list of list of expressions    h[n-1][j] = sum_i w_ij g^{(n-1)}_i + b_j,  g[n-1][j] = sigma(h[n-1][j])
    E : expression                        1/2 sum_k (g^{(L)}_k - y_k)^2
    g_symbols : list of list of Symbol    short names g^{(n)}_{j} of the unit outputs (layer L: yhat_k)
    """

    x: list
    y: list
    W: list
    b: list
    h: list
    g: list
    E: sp.Expr
    g_symbols: list

    @property
    def parameters(self):
        """Every trainable symbol, layer by layer: the weights row by row, then the biases."""
        out = []
        for W, b in zip(self.W, self.b):
            out += list(W) + list(b)
        return out


def symbolic_layered_network(sizes=(2, 2, 2, 2)) -> LayeredNetwork:
    """Build a symbolic sigmoid network with biases and the squared-error loss.

    Parameters
    ----------
    sizes : sequence of int
        Units per layer, input first; default 2-2-2-2 (two hidden layers).

    Returns
    -------
    LayeredNetwork
    """
    sizes = [check_positive_int(n, "units of a layer") for n in sizes]
    if len(sizes) < 2:
        raise ValueError(f"sizes needs an input and an output layer, got {sizes}.")
    real = {"real": True}
    x = [sp.Symbol(f"x_{i + 1}", **real) for i in range(sizes[0])]
    y = [sp.Symbol(f"y_{k + 1}", **real) for k in range(sizes[-1])]
    W, b, h, g, short = [], [], [], [], []
    previous = x
    n_layers = len(sizes) - 1
    for n, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]), start=1):
        W_n = sp.Matrix(n_in, n_out, lambda i, j: sp.Symbol(f"w^{{({n})}}_{{{i + 1}{j + 1}}}", **real))
        b_n = [sp.Symbol(f"b^{{({n})}}_{{{j + 1}}}", **real) for j in range(n_out)]
        h_n = [sum(W_n[i, j] * previous[i] for i in range(n_in)) + b_n[j] for j in range(n_out)]
        g_n = [sigmoid_expr(expr) for expr in h_n]
        names = [f"yhat_{j + 1}" if n == n_layers else f"g^{{({n})}}_{{{j + 1}}}" for j in range(n_out)]
        short.append([sp.Symbol(name, positive=True) for name in names])
        W.append(W_n), b.append(b_n), h.append(h_n), g.append(g_n)
        previous = g_n
    E = sp.Rational(1, 2) * sum((g[-1][k] - y[k]) ** 2 for k in range(sizes[-1]))
    return LayeredNetwork(x, y, W, b, h, g, E, short)


def layered_error_terms(net, without_derivative_in=None):
    """The error terms eps^{(n)}_j of every layer, from the output down, in the short symbols.

    Parameters
    ----------
    net : LayeredNetwork
    without_derivative_in : int, optional
        A hidden layer n (1 <= n < L) whose error terms leave out the factor
        g^{(n)}_j (1 - g^{(n)}_j): a planted bug. The layers below are computed
        from the wrong terms, as a real backward pass would, so the bug reaches
        layer n and every layer under it.

    Returns
    -------
    eps : list of list of expressions
        eps[n-1][j] for layer n: eps^{(L)}_k = (yhat_k - y_k) yhat_k (1 - yhat_k) and
        eps^{(n)}_j = (sum_k eps^{(n+1)}_k w^{(n+1)}_{jk}) g^{(n)}_j (1 - g^{(n)}_j).
    """
    n_layers = len(net.W)
    if without_derivative_in is not None and not (isinstance(without_derivative_in, int)
                                                  and 1 <= without_derivative_in < n_layers):
        raise ValueError(f"without_derivative_in must be a hidden layer, an int from 1 to {n_layers - 1}; "
                         f"got {without_derivative_in!r}.")
    eps = [None] * n_layers
    out = net.g_symbols[-1]
    eps[-1] = [(out[k] - net.y[k]) * out[k] * (1 - out[k]) for k in range(len(out))]
    for n in range(n_layers - 2, -1, -1):
        g, W_next = net.g_symbols[n], net.W[n + 1]
        dropped = without_derivative_in == n + 1                        # eps[n] belongs to layer n + 1
        eps[n] = [sum(eps[n + 1][k] * W_next[j, k] for k in range(W_next.shape[1]))
                  * (1 if dropped else g[j] * (1 - g[j])) for j in range(len(g))]
    return eps


def verify_layered_backprop(net, eps=None) -> dict:
    """For every weight and bias, simplify dE/dw - eps_j g_i (and dE/db - eps_j).

    Parameters
    ----------
    net : LayeredNetwork
    eps : list of list of expressions, optional
        Error terms per layer to test (default ``layered_error_terms(net)``).

    Returns
    -------
    differences : dict of Symbol -> expression
        All 0 proves the formulas for every input, target and weight.

    Notes
    -----
    As in ``verify_backprop_formulas``: exp(-h) = (1 - g)/g is substituted for
    every unit, outer layers first (their h contains the inner g), which
    turns the derivative into a rational function that ``cancel`` decides.
    """
    eps = layered_error_terms(net) if eps is None else [[sp.sympify(e) for e in layer] for layer in eps]
    if [len(layer) for layer in eps] != [len(layer) for layer in net.g_symbols]:
        raise ValueError(f"eps needs {[len(layer) for layer in net.g_symbols]} error terms per layer, got "
                         f"{[len(layer) for layer in eps]}.")
    passes = [{sp.exp(-h): (1 - s) / s for h, s in zip(h_n, s_n)}
              for h_n, s_n in zip(reversed(net.h), reversed(net.g_symbols))]
    back = {s: e for g_n, s_n in zip(net.g, net.g_symbols) for s, e in zip(s_n, g_n)}

    def to_short(expr):
        expr = sp.sympify(expr)
        for substitution in passes:
            expr = expr.xreplace(substitution)
        return expr

    def difference(parameter, formula):
        diff = to_short(sp.diff(net.E, parameter)) - to_short(formula)
        if diff.has(sp.exp):
            return sp.simplify(diff.xreplace(back))
        return sp.cancel(diff)

    results = {}
    for n, (W, b) in enumerate(zip(net.W, net.b)):
        inputs = net.x if n == 0 else net.g_symbols[n - 1]
        for i in range(W.shape[0]):
            for j in range(W.shape[1]):
                results[W[i, j]] = difference(W[i, j], eps[n][j] * inputs[i])
        for j in range(W.shape[1]):
            results[b[j]] = difference(b[j], eps[n][j])
    return results
