"""SymPy proofs: sigmoid derivative and the backprop error terms, plus a cross-check with the engine."""
import numpy as np
import pytest
import sympy as sp

from lecture_lib.nn.layers import Dense
from lecture_lib.nn.model import Sequential
from lecture_lib.topics.symbolic import (backprop_error_terms, prove_sigmoid_derivative, sigmoid_expr,
                                         symbolic_equal, symbolic_two_layer_network, verify_backprop_formulas)


def test_sigmoid_derivative_is_proved():
    derivative, difference, holds = prove_sigmoid_derivative()
    h = sp.Symbol("h", real=True)
    assert sp.simplify(derivative - sp.exp(-h) / (1 + sp.exp(-h)) ** 2) == 0
    assert difference == 0
    assert holds is True


def test_sigmoid_expr_takes_any_argument():
    a, b = sp.symbols("a b")
    assert sigmoid_expr(a + b) == 1 / (1 + sp.exp(-a - b))
    assert sigmoid_expr("z").free_symbols == {sp.Symbol("z")}


@pytest.mark.parametrize("sizes, bias", [((2, 2, 2), False), ((2, 2, 2), True), ((3, 2, 1), False)])
def test_backprop_formulas_are_exact(sizes, bias):
    net = symbolic_two_layer_network(*sizes, bias=bias)
    differences = verify_backprop_formulas(net)
    assert set(differences) == set(net.weights)
    assert len(differences) == sizes[0] * sizes[1] + sizes[1] * sizes[2] + (sizes[1] + sizes[2]) * bias
    assert all(d == 0 for d in differences.values())


def test_network_structure():
    net = symbolic_two_layer_network()
    assert net.w_ij.shape == (2, 2) and net.w_jk.shape == (2, 2)
    y1, yhat1 = net.y[0], net.y_hat[0]
    assert sp.simplify(net.E - (sp.Rational(1, 2) * ((yhat1 - y1) ** 2 + (net.y_hat[1] - net.y[1]) ** 2))) == 0
    assert net.g_j[0] == sigmoid_expr(net.w_ij[0, 0] * net.x[0] + net.w_ij[1, 0] * net.x[1])


def test_wrong_output_error_term_is_detected():
    net = symbolic_two_layer_network()
    # forgetting the sigmoid's derivative yhat (1 - yhat) in eps_k
    wrong_k = [yh - y for yh, y in zip(net.y_hat_symbols, net.y)]
    differences = verify_backprop_formulas(net, eps_k=wrong_k)
    assert all(differences[w] != 0 for w in net.w_jk)


def test_wrong_hidden_error_term_is_detected():
    net = symbolic_two_layer_network()
    eps_k, _ = backprop_error_terms(net)
    # summing over the wrong index: w_kj instead of w_jk (the transpose)
    wrong_j = [sum(eps_k[k] * net.w_jk[k, j] for k in range(2)) * g * (1 - g)
               for j, g in enumerate(net.g_symbols)]
    differences = verify_backprop_formulas(net, eps_j=wrong_j)
    assert any(differences[w] != 0 for w in net.w_ij)
    assert all(differences[w] == 0 for w in net.w_jk)


def test_error_terms_may_use_full_expressions():
    net = symbolic_two_layer_network()
    eps_k = [(yh - y) * yh * (1 - yh) for yh, y in zip(net.y_hat, net.y)]  # no short symbols
    assert all(d == 0 for d in verify_backprop_formulas(net, eps_k=eps_k).values())


def test_symbolic_gradient_equals_the_engine_at_random_numbers():
    """SymPy's dE/dw of the 2-2-2 sigmoid network with E = 1/2 sum (yhat - y)^2
    equals what Sequential's backward computes for one example (same loss convention)."""
    net = symbolic_two_layer_network(bias=True)
    rng = np.random.default_rng(0)
    model = Sequential([Dense(2, activation="sigmoid", input_dim=2), Dense(2, activation="sigmoid")])
    model.compile(loss="mean_squared_error", optimizer="sgd")
    for layer in model.layers:
        layer.params["b"][:] = rng.normal(size=2)
    x, y = rng.normal(size=(1, 2)), rng.random((1, 2))
    model.backward(y, model.forward(x))
    w1, b1 = model.layers[0].params["W"], model.layers[0].params["b"]
    w2, b2 = model.layers[1].params["W"], model.layers[1].params["b"]
    values = {**dict(zip(net.x, x[0])), **dict(zip(net.y, y[0])),
              **{net.w_ij[i, j]: w1[i, j] for i in range(2) for j in range(2)},
              **{net.w_jk[j, k]: w2[j, k] for j in range(2) for k in range(2)},
              **dict(zip(net.b_j, b1)), **dict(zip(net.b_k, b2))}
    symbolic = {w: float(sp.diff(net.E, w).evalf(subs=values)) for w in net.weights}
    engine = {**{net.w_ij[i, j]: model.layers[0].grads["W"][i, j] for i in range(2) for j in range(2)},
              **{net.w_jk[j, k]: model.layers[1].grads["W"][j, k] for j in range(2) for k in range(2)},
              **dict(zip(net.b_j, model.layers[0].grads["b"])), **dict(zip(net.b_k, model.layers[1].grads["b"]))}
    for w in net.weights:
        assert engine[w] == pytest.approx(symbolic[w], rel=1e-10, abs=1e-14), w


def test_symbolic_equal():
    h = sp.Symbol("h")
    s = sigmoid_expr(h)
    assert symbolic_equal(sp.diff(s, h), s * (1 - s))
    assert not symbolic_equal(sp.diff(s, h), s)
    assert symbolic_equal("sin(x)**2 + cos(x)**2", 1)


def test_bad_sizes():
    with pytest.raises(ValueError, match="n_hidden"):
        symbolic_two_layer_network(2, 0, 2)
    with pytest.raises(ValueError, match="eps_k"):
        verify_backprop_formulas(symbolic_two_layer_network(), eps_k=[0])


# --- L layers with biases --------------------------------------------------------------------------

def test_layered_backprop_formulas_hold_on_a_2_2_2_2_network_with_biases():
    from lecture_lib.topics.symbolic import symbolic_layered_network, verify_layered_backprop

    net = symbolic_layered_network((2, 2, 2, 2))
    differences = verify_layered_backprop(net)
    assert len(differences) == 18 == len(net.parameters)          # 3 layers x (4 weights + 2 biases)
    assert all(d == 0 for d in differences.values())


def test_layered_check_finds_a_middle_layer_without_its_sigmoid_derivative():
    from lecture_lib.topics.symbolic import layered_error_terms, symbolic_layered_network, verify_layered_backprop

    net = symbolic_layered_network((2, 2, 2, 2))
    eps = layered_error_terms(net)
    wrong = [list(layer) for layer in eps]
    wrong[1] = [sum(eps[2][k] * net.W[2][j, k] for k in range(2)) for j in range(2)]   # no g (1 - g)
    differences = verify_layered_backprop(net, eps=wrong)
    nonzero = {str(p) for p, d in differences.items() if d != 0}
    assert nonzero == {str(p) for p in list(net.W[1]) + net.b[1]}


def test_layered_network_rejects_a_wrong_number_of_error_terms():
    from lecture_lib.topics.symbolic import symbolic_layered_network, verify_layered_backprop

    net = symbolic_layered_network((1, 1, 1))
    with pytest.raises(ValueError, match="error terms per layer"):
        verify_layered_backprop(net, eps=[[0]])


def test_a_bug_planted_in_layer_2_flows_down_to_layer_1():
    """Dropping g(1 - g) in hidden layer 2 and propagating on: layers 2 and 1 wrong, layer 3 right."""
    from lecture_lib.topics.symbolic import layered_error_terms, symbolic_layered_network, verify_layered_backprop

    net = symbolic_layered_network((2, 2, 2, 2))
    wrong = layered_error_terms(net, without_derivative_in=2)
    right = layered_error_terms(net)
    assert wrong[2] == right[2] and wrong[1] != right[1] and wrong[0] != right[0]
    differences = verify_layered_backprop(net, eps=wrong)
    nonzero = {str(p) for p, d in differences.items() if d != 0}
    expected = {str(p) for n in (0, 1) for p in list(net.W[n]) + net.b[n]}
    assert nonzero == expected
    with pytest.raises(ValueError, match="hidden layer"):
        layered_error_terms(net, without_derivative_in=3)
