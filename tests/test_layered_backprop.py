"""lecture_lib.topics.layered_backprop: L layers with biases, checked against central differences
and against the one-hidden-layer module; stochastic and full-batch training."""
import numpy as np
import pytest

from lecture_lib.nn.gradcheck import numerical_gradient, relative_error
from lecture_lib.topics.backprop import backprop_batch
from lecture_lib.topics.layered_backprop import (Network, backprop_layers, forward_layers, layered_loss,
                                                 small_random_network, train)


def independent_loss(x, y, weights, biases):
    """E written without the module: np.exp sigmoid, mean over examples of 1/2 sum_k."""
    g = x
    for W, b in zip(weights, biases):
        g = 1 / (1 + np.exp(-(g @ W + b)))
    return 0.5 * np.sum((g - y) ** 2) / len(x)


@pytest.mark.parametrize("sizes", [(2, 2, 2, 2), (3, 4, 1), (2, 3, 3, 3, 2)])
@pytest.mark.parametrize("seed", [0, 1])
def test_every_gradient_passes_the_gradient_check(sizes, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(5, sizes[0])), rng.random((5, sizes[-1]))
    net = small_random_network(sizes, scale=1.5, seed=seed)
    d_weights, d_biases = backprop_layers(x, y, net)
    for n in range(len(net.weights)):
        numeric_W = numerical_gradient(lambda W: independent_loss(x, y, [*net.weights[:n], W, *net.weights[n + 1:]],
                                                                  net.biases), net.weights[n].copy())
        numeric_b = numerical_gradient(lambda b: independent_loss(x, y, net.weights,
                                                                  [*net.biases[:n], b, *net.biases[n + 1:]]),
                                       net.biases[n].copy())
        assert relative_error(d_weights[n], numeric_W) < 1e-7
        assert relative_error(d_biases[n], numeric_b) < 1e-7


def test_two_layers_without_biases_equal_the_one_hidden_layer_module():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(6, 3)), rng.random((6, 2))
    W1, W2 = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    net = Network([W1, W2], [np.zeros(4), np.zeros(2)])
    d_weights, _ = backprop_layers(x, y, net)
    for a, b in zip(d_weights, backprop_batch(x, y, W1, W2)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_bias_gradient_is_the_error_term_summed_over_examples():
    # dE/db_j = eps_j: equal to the gradient of the weight w_0j of a constant input x_0 = 1
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(4, 2)), rng.random((4, 1))
    net = small_random_network((2, 3, 1), scale=1.0, seed=5)
    d_weights, d_biases = backprop_layers(x, y, net)
    x1 = np.hstack([np.ones((4, 1)), x])
    one_layer = Network([np.vstack([net.biases[0], net.weights[0]]), net.weights[1]], [np.zeros(3), net.biases[1]])
    d_weights_1, _ = backprop_layers(x1, y, one_layer)
    np.testing.assert_allclose(d_weights_1[0][0], d_biases[0], rtol=1e-12)
    np.testing.assert_allclose(d_weights_1[0][1:], d_weights[0], rtol=1e-12)


def test_forward_keeps_every_layer_and_the_loss_matches():
    net = small_random_network((2, 3, 4, 1), seed=1)
    x, y = np.ones((5, 2)), np.zeros((5, 1))
    outputs = forward_layers(x, net)
    assert [o.shape for o in outputs] == [(5, 2), (5, 3), (5, 4), (5, 1)]
    assert layered_loss(x, y, net) == pytest.approx(independent_loss(x, y, net.weights, net.biases), rel=1e-12)


def test_small_random_start_is_small_and_seeded():
    a, b = small_random_network((2, 4, 1), scale=0.1, seed=7), small_random_network((2, 4, 1), scale=0.1, seed=7)
    assert all(np.abs(W).max() <= 0.1 for W in a.weights)
    assert all(np.array_equal(u, v) for u, v in zip(a.weights, b.weights))
    assert not np.array_equal(a.weights[0], small_random_network((2, 4, 1), scale=0.1, seed=8).weights[0])
    assert all(np.all(b == 0) for b in small_random_network((2, 4, 1), bias=False).biases)


XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def test_stochastic_training_learns_xor_and_counts_updates():
    run = train(XOR_X, XOR_Y, small_random_network((2, 3, 1), scale=0.5, seed=0), eta=2.0, epochs=2000)
    assert run.updates == 4 * 2000 and run.losses.shape == (2001,)
    assert np.array_equal(np.round(forward_layers(XOR_X, run.net)[-1]), XOR_Y)


def test_full_batch_makes_one_update_per_epoch_and_follows_the_mean_gradient():
    net = small_random_network((2, 3, 1), scale=0.5, seed=0)
    run = train(XOR_X, XOR_Y, net, eta=0.5, epochs=1, batch_size=None)
    d_weights, d_biases = backprop_layers(XOR_X, XOR_Y, net)
    assert run.updates == 1
    for n in range(2):
        np.testing.assert_allclose(run.net.weights[n], net.weights[n] - 0.5 * d_weights[n], rtol=1e-14)
        np.testing.assert_allclose(run.net.biases[n], net.biases[n] - 0.5 * d_biases[n], rtol=1e-14)


def test_train_does_not_change_the_start_and_can_freeze_biases():
    net = small_random_network((2, 3, 1), scale=0.5, seed=2, bias=False)
    before = net.copy()
    run = train(XOR_X, XOR_Y, net, eta=1.0, epochs=5, train_biases=False)
    assert all(np.array_equal(a, b) for a, b in zip(net.weights, before.weights))
    assert all(np.all(b == 0) for b in run.net.biases)
    assert not np.array_equal(run.net.weights[0], net.weights[0])


@pytest.mark.parametrize("call, message", [
    (lambda: Network([np.ones((2, 3))], [np.ones(2)]), "shape \\(3,\\)"),
    (lambda: Network([np.ones((2, 3)), np.ones((2, 1))], [np.ones(3), np.ones(1)]), "one row per unit"),
    (lambda: forward_layers(np.ones((4, 3)), small_random_network((2, 1))), "shape \\(N, 2\\)"),
    (lambda: backprop_layers(np.ones((4, 2)), np.ones((4, 2)), small_random_network((2, 1))), "y must have shape"),
    (lambda: train(XOR_X, XOR_Y, "net"), "Network"),
    (lambda: small_random_network((2,)), "input and an output"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_the_internal_sigmoid_is_the_engines_and_never_overflows():
    from lecture_lib.nn.activations import sigmoid
    from lecture_lib.topics.layered_backprop import _sigmoid

    h = np.array([-1000.0, -30.0, -1.0, 0.0, 2.5, 40.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        np.testing.assert_array_equal(_sigmoid(h.copy()), sigmoid(h))  # the engine's own kernel, bit for bit


def test_gradient_and_parameter_norms_are_the_lengths_of_all_entries():
    net = Network([np.array([[3.0]]), np.array([[0.0]])], [np.array([4.0]), np.array([0.0])])
    from lecture_lib.topics.layered_backprop import gradient_norm, parameter_norm
    assert parameter_norm(net) == pytest.approx(5.0)
    x, y = np.array([[1.0]]), np.array([[0.5]])          # output sigma(0) = 0.5 = y: zero gradient
    assert gradient_norm(x, y, net) == pytest.approx(0.0)
    assert gradient_norm(x, np.array([[1.0]]), net) > 0


def test_strictly_decreasing_is_false_for_a_rise_or_a_tie():
    from lecture_lib.topics.layered_backprop import strictly_decreasing
    assert strictly_decreasing([3.0, 2.0, 1.0])
    assert not strictly_decreasing([3.0, 2.0, 2.5])
    assert not strictly_decreasing([1.0, 1.0])
    with pytest.raises(ValueError, match="at least two"):
        strictly_decreasing([1.0])


def test_follow_run_records_a_stalled_xor_run_creeping_on():
    """A 2-2-1 XOR run that stalls (seed 4) keeps lowering E while |w| grows; its gradient is not 0."""
    from lecture_lib.topics.layered_backprop import follow_run
    x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    stalled = train(x, y, small_random_network((2, 2, 1), scale=1.0, seed=4), eta=2.0, epochs=3000,
                    batch_size=None).net
    trace = follow_run(x, y, stalled, eta=2.0, steps_between=1000, checkpoints=2)
    assert list(trace.steps) == [0, 1000, 2000]
    assert trace.fell_at_every_step and np.all(np.diff(trace.losses) < 0)
    assert np.all(np.diff(trace.parameter_norms) > 0) and np.all(trace.gradient_norms > 0)
    assert trace.losses[-1] > 0.05                         # still far from E = 0 (not solved)
    # too large a step: E rises at some step, and the trace says so
    wild = follow_run(x, y, small_random_network((2, 2, 1), scale=1.0, seed=0), eta=60.0, steps_between=50,
                      checkpoints=1)
    assert not wild.fell_at_every_step
