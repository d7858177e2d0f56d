"""lecture_lib.topics.computational_graph: local gradients of add, multiply, max, sigmoid and the chain rule."""
import math

import pytest

from lecture_lib.topics.computational_graph import Node, node_max, sigmoid_node


def central(f, values, i, step=1e-6):
    up, down = list(values), list(values)
    up[i] += step
    down[i] -= step
    return (f(*up) - f(*down)) / (2 * step)


def test_local_gradients_of_add_mul_max():
    a, b = Node(3.0), Node(-2.0)
    (a + b).backward()
    assert (a.grad, b.grad) == (1.0, 1.0)            # add passes the gradient on
    (a * b).backward()
    assert (a.grad, b.grad) == (-2.0, 3.0)           # multiply swaps the inputs
    node_max(a, b).backward()
    assert (a.grad, b.grad) == (1.0, 0.0)            # max routes to the larger


def test_a_sigmoid_unit_gives_the_backprop_formula():
    # E = 1/2 (sigma(w1 x1 + w2 x2 + b) - y)^2: dE/dw_i = (yhat - y) yhat (1 - yhat) x_i
    x1, x2, y = 0.5, -1.5, 1.0
    w1, w2, b = Node(0.8), Node(-0.3), Node(0.1)
    y_hat = sigmoid_node(w1 * x1 + w2 * x2 + b)
    error = y_hat + (-y)
    E = 0.5 * (error * error)
    E.backward()
    eps = (y_hat.value - y) * y_hat.value * (1 - y_hat.value)
    assert w1.grad == pytest.approx(eps * x1, rel=1e-12)
    assert w2.grad == pytest.approx(eps * x2, rel=1e-12)
    assert b.grad == pytest.approx(eps, rel=1e-12)


def test_a_value_used_twice_gets_the_sum_of_both_paths():
    def f(a, c):
        return a * a * c + node_max(a, c) if isinstance(a, Node) else a * a * c + max(a, c)

    a, c = Node(1.3), Node(0.4)
    out = f(a, c)
    out.backward()
    assert a.grad == pytest.approx(central(f, [1.3, 0.4], 0), rel=1e-6)
    assert c.grad == pytest.approx(central(f, [1.3, 0.4], 1), rel=1e-6)


def test_backward_twice_gives_the_same_gradients():
    a = Node(2.0)
    out = a * a
    out.backward()
    out.backward()
    assert a.grad == 4.0


def test_sigmoid_node_is_stable_and_relu_is_max_with_zero():
    assert sigmoid_node(-1000.0).value == 0.0 and sigmoid_node(1000.0).value == 1.0
    h = Node(-0.5)
    relu = node_max(h, 0.0)
    relu.backward()
    assert relu.value == 0.0 and h.grad == 0.0
    assert math.isclose(sigmoid_node(0.0).parents[0][1], 0.25)


@pytest.mark.parametrize("bad", ["1.0", float("nan"), True, None])
def test_a_node_needs_a_finite_real_number(bad):
    with pytest.raises(TypeError, match="finite real number"):
        Node(bad)
