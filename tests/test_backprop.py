"""lecture_lib.topics.backprop: the per-example loop, the batch form and finite differences agree; costs are counted."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lecture_lib.nn.gradcheck import numerical_gradient, relative_error
from lecture_lib.nn.losses import mean_squared_error
from lecture_lib.topics.backprop import (backprop_batch, backprop_one_example, backprop_loop, forward,
                                         forward_difference_gradients, hidden_error_term,
                                         measure_gradient_costs, output_error_term, sgd_update, squared_error,
                                         train_per_example)


def network(seed, n=5, d=3, h=4, k=2):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.random((n, k)), rng.normal(size=(d, h)), rng.normal(size=(h, k))


def loss(x, y, W1, W2):
    """E written independently of the module: sigmoid by np.exp, mean over examples of 1/2 sum_k."""
    g = 1 / (1 + np.exp(-x @ W1))
    y_hat = 1 / (1 + np.exp(-g @ W2))
    return 0.5 * np.sum((y_hat - y) ** 2) / len(x)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 6), d=st.integers(1, 4), h=st.integers(1, 5),
       k=st.integers(1, 3))
def test_per_example_loop_equals_batch_form(seed, n, d, h, k):
    x, y, W1, W2 = network(seed, n, d, h, k)
    loop, batch = backprop_loop(x, y, W1, W2), backprop_batch(x, y, W1, W2)
    for a, b in zip(loop, batch):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_batch_gradients_pass_the_gradient_check(seed):
    x, y, W1, W2 = network(seed)
    dW1, dW2 = backprop_batch(x, y, W1, W2)
    assert relative_error(dW1, numerical_gradient(lambda W: loss(x, y, W, W2), W1.copy())) < 1e-7
    assert relative_error(dW2, numerical_gradient(lambda W: loss(x, y, W1, W), W2.copy())) < 1e-7


def test_one_example_is_the_batch_of_one():
    x, y, W1, W2 = network(3, n=1)
    for a, b in zip(backprop_one_example(x[0], y[0], W1, W2), backprop_batch(x, y, W1, W2)):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_forward_and_loss_match_an_independent_computation():
    x, y, W1, W2 = network(4)
    g, y_hat = forward(x, W1, W2)
    assert g.shape == (5, 4) and y_hat.shape == (5, 2)
    assert squared_error(y_hat, y) == pytest.approx(loss(x, y, W1, W2), rel=1e-12)
    assert squared_error(y_hat, y) == pytest.approx(mean_squared_error(y, y_hat), rel=1e-12)  # the engine's loss


def test_error_terms_are_derivatives_with_respect_to_h():
    rng = np.random.default_rng(5)
    h_k, y = rng.normal(size=3), rng.random(3)

    def e_of_h(h):
        return 0.5 * np.sum((1 / (1 + np.exp(-h)) - y) ** 2)
    y_hat = 1 / (1 + np.exp(-h_k))
    assert relative_error(output_error_term(y_hat, y), numerical_gradient(e_of_h, h_k.copy())) < 1e-7

    W2, h_j = rng.normal(size=(4, 3)), rng.normal(size=4)

    def e_of_hidden(h):
        return e_of_h((1 / (1 + np.exp(-h))) @ W2)
    g = 1 / (1 + np.exp(-h_j))
    eps_k = output_error_term(1 / (1 + np.exp(-g @ W2)), y)
    assert relative_error(hidden_error_term(eps_k, W2, g), numerical_gradient(e_of_hidden, h_j.copy())) < 1e-7


def test_forward_differences_count_w_plus_one_passes_and_agree():
    x, y, W1, W2 = network(6, n=2)
    dW1, dW2, passes = forward_difference_gradients(x, y, W1, W2, step=1e-7)
    assert passes == W1.size + W2.size + 1
    exact = backprop_batch(x, y, W1, W2)
    assert relative_error(dW1, exact[0]) < 1e-5 and relative_error(dW2, exact[1]) < 1e-5


def test_measured_costs_count_passes_and_finite_differences_are_slower():
    costs = measure_gradient_costs(hidden_units=(2, 40), n_inputs=20, n_outputs=5, repeats=1)
    np.testing.assert_array_equal(costs.n_weights, [50, 1000])
    np.testing.assert_array_equal(costs.finite_difference_passes, costs.n_weights + 1)
    np.testing.assert_array_equal(costs.backprop_passes, [2, 2])
    assert np.all(costs.finite_difference_seconds > 0) and np.all(costs.backprop_seconds > 0)
    assert costs.ratio[-1] > 10  # 1001 forward passes against one forward and one backward


def test_sgd_update_descends_and_does_not_modify_its_input():
    x, y, W1, W2 = network(7)
    dW1, dW2 = backprop_batch(x, y, W1, W2)
    W1_before = W1.copy()
    new_W1, new_W2 = sgd_update(W1, dW1, 0.1), sgd_update(W2, dW2, 0.1)
    assert np.array_equal(W1, W1_before)
    assert loss(x, y, new_W1, new_W2) < loss(x, y, W1, W2)


def test_training_per_example_follows_the_gradient_and_learns_xor():
    x = np.array([[1.0, 0.0, 0.0], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0], [1.0, 1.0, 1.0]])  # x_0 = 1 first
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    rng = np.random.default_rng(0)
    W1, W2 = rng.normal(size=(3, 4)), rng.normal(size=(4, 1))
    W1_before = W1.copy()
    new_W1, new_W2, losses = train_per_example(x, y, W1, W2, eta=2.0, epochs=600, seed=0)
    assert np.array_equal(W1, W1_before) and losses.shape == (601,)
    assert losses[0] == pytest.approx(loss(x, y, W1, W2)) and losses[-1] == pytest.approx(loss(x, y, new_W1, new_W2))
    assert losses[-1] < 0.01 < losses[0]
    # one epoch on one example is exactly one step against its gradient
    one_W1, one_W2, _ = train_per_example(x[:1], y[:1], W1, W2, eta=0.5, epochs=1)
    dW1, dW2 = backprop_one_example(x[0], y[0], W1, W2)
    np.testing.assert_allclose(one_W1, W1 - 0.5 * dW1)
    np.testing.assert_allclose(one_W2, W2 - 0.5 * dW2)


@pytest.mark.parametrize("call, words", [
    (lambda x, y, W1, W2: backprop_batch(x, y, W1.T, W2), "W1 must have one row per input"),
    (lambda x, y, W1, W2: backprop_batch(x, y, W1, W2.T), "W2 must have one row per hidden unit"),
    (lambda x, y, W1, W2: backprop_batch(x, y[:, :1], W1, W2), "y must have shape (N, K) = (5, 2)"),
    (lambda x, y, W1, W2: backprop_loop(x[0], y, W1, W2), "x.reshape(1, -1)"),
    (lambda x, y, W1, W2: backprop_one_example(x, y, W1, W2), "must be 1-D"),
    (lambda x, y, W1, W2: sgd_update(W1, W1, -0.1), "eta must be > 0"),
    (lambda x, y, W1, W2: sgd_update(W1, W2, 0.1), "dW must have the shape of W"),
    (lambda x, y, W1, W2: output_error_term(y, y[:, :1]), "same shape"),
    (lambda x, y, W1, W2: hidden_error_term(y, W2.T, y), "eps_next must have shape"),
    (lambda x, y, W1, W2: measure_gradient_costs(hidden_units=()), "at least one size"),
    (lambda x, y, W1, W2: train_per_example(x, y, W1, W2, epochs=0), "epochs must be a positive integer"),
])
def test_bad_input_names_what_was_expected(call, words):
    with pytest.raises(ValueError) as info:
        call(*network(8))
    assert words in str(info.value)


def test_operation_counts_by_hand_and_their_growth():
    from lecture_lib.topics.backprop import gradient_operation_counts
    counts = gradient_operation_counts(hidden_units=(3, 30), n_inputs=2, n_outputs=1)
    # 2-3-1: W = 9; a forward pass is 9 multiply-adds; finite differences 10 passes = 90;
    # backprop 9 forward + 3 (dW2) + 3 (eps back) + 6 (dW1) = 21
    assert list(counts.n_weights) == [9, 90] and list(counts.finite_difference_passes) == [10, 91]
    assert counts.finite_difference_multiply_adds[0] == 90 and counts.backprop_multiply_adds[0] == 21
    assert list(counts.backprop_passes) == [2, 2]
    # ten times the weights: finite differences about 100 times the work, backprop 10 times
    assert counts.finite_difference_multiply_adds[1] / counts.finite_difference_multiply_adds[0] > 90
    assert counts.backprop_multiply_adds[1] / counts.backprop_multiply_adds[0] == 10
    with pytest.raises(ValueError, match="at least one size"):
        gradient_operation_counts(hidden_units=())


def test_operation_count_of_a_forward_pass_matches_the_multiplications_made():
    """Count the products of an explicit loop forward pass: one per weight."""
    from lecture_lib.topics.backprop import gradient_operation_counts
    D, H, K = 4, 5, 3
    products = sum(1 for _ in range(D) for _ in range(H)) + sum(1 for _ in range(H) for _ in range(K))
    counts = gradient_operation_counts(hidden_units=(H,), n_inputs=D, n_outputs=K)
    assert counts.finite_difference_multiply_adds[0] == (D * H + H * K + 1) * products
