import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lecture_lib.datasets import linearly_separable_blobs, logic_gate_data
from lecture_lib.topics.perceptron import perceptron_update, train_perceptron
from lecture_lib.topics.units import threshold_unit, weighted_sum


def test_update_moves_towards_a_missed_positive_and_leaves_input_alone():
    w = np.array([0.0, -1.0])
    w_new, b_new = perceptron_update(w, 0.0, np.array([1.0, 2.0]), 1, eta=0.5)
    assert np.allclose(w_new, [0.5, 0.0]) and b_new == 0.5
    assert np.allclose(w, [0.0, -1.0])


def test_update_does_nothing_on_a_correct_example():
    w_new, b_new = perceptron_update(np.array([1.0, 1.0]), 0.0, np.array([1.0, 1.0]), 1, eta=1.0)
    assert np.allclose(w_new, [1.0, 1.0]) and b_new == 0.0


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([0.1, 1.0, 3.0]))
def test_converges_on_separable_data(seed, eta):
    x, y = linearly_separable_blobs(n_samples=30, margin=0.3, seed=seed)
    result = train_perceptron(x, y, eta=eta, max_epochs=1000)
    assert result.converged
    assert result.mistakes_per_epoch[-1] == 0
    assert np.array_equal(threshold_unit(x, result.w, result.b), y)


def test_xor_never_converges_and_uses_every_epoch():
    x, y = logic_gate_data("XOR")
    result = train_perceptron(x, y, max_epochs=25)
    assert not result.converged and result.epochs == 25
    assert min(result.mistakes_per_epoch) > 0


def test_history_starts_at_initial_weights_and_ends_at_result():
    x, y = linearly_separable_blobs(n_samples=20, seed=2)
    result = train_perceptron(x, y, w0=np.array([0.5, 0.5]), b0=0.1)
    assert np.allclose(result.history[0][0], [0.5, 0.5]) and result.history[0][1] == 0.1
    assert np.allclose(result.history[-1][0], result.w) and result.history[-1][1] == result.b


def test_blobs_respect_the_margin_and_hold_both_classes():
    for seed in range(20):
        x, y = linearly_separable_blobs(n_samples=10, margin=0.5, seed=seed)
        assert set(y.tolist()) == {0, 1}
        result = train_perceptron(x, y, max_epochs=5000)
        assert result.converged


@pytest.mark.parametrize("kwargs, message", [
    (dict(eta=0.0), "eta must be > 0"),
    (dict(max_epochs=0), "max_epochs must be an integer >= 1"),
    (dict(max_epochs=2.5), "max_epochs must be an integer"),
])
def test_bad_training_arguments(kwargs, message):
    x, y = logic_gate_data("AND")
    with pytest.raises(ValueError, match=message):
        train_perceptron(x, y, **kwargs)


def test_labels_must_be_binary_and_match_rows():
    x, _ = logic_gate_data("AND")
    with pytest.raises(ValueError, match="only 0 and 1"):
        train_perceptron(x, np.array([0, 1, 2, 1]))
    with pytest.raises(ValueError, match=r"expected shape \(4,\)"):
        train_perceptron(x, np.array([0, 1, 1]))


def test_update_rejects_wrong_length_example():
    with pytest.raises(ValueError, match="x must have length 2"):
        perceptron_update(np.zeros(2), 0.0, np.ones(3), 1)
    assert weighted_sum(np.ones((1, 2)), np.ones(2), 0.0)[0] == 2.0


# --- an exact test of linear separability -----------------------------------------------------------

from lecture_lib.topics.logistic import overlapping_blobs  # noqa: E402
from lecture_lib.topics.perceptron import linearly_separable  # noqa: E402


@pytest.mark.parametrize("gate, separable", [("AND", True), ("OR", True), ("NAND", True), ("XOR", False)])
def test_linear_separability_of_the_gates(gate, separable):
    assert linearly_separable(*logic_gate_data(gate)) is separable


def test_separable_blobs_are_separable_and_overlapping_ones_are_not():
    assert linearly_separable(*linearly_separable_blobs(n_samples=40, margin=0.2, seed=8))
    x, y = overlapping_blobs(n_samples=100, seed=0)
    assert not linearly_separable(x, y)
    # the perceptron's line, when it converges, is a witness: separable data it separates exactly
    result = train_perceptron(*linearly_separable_blobs(n_samples=30, margin=0.4, seed=1), eta=1.0, max_epochs=100)
    assert result.converged


def test_one_point_moved_across_breaks_separability():
    x = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [3.0, 3.0]])
    assert linearly_separable(x, np.array([0, 0, 0, 1, 1]))
    assert not linearly_separable(x, np.array([0, 0, 0, 1, 0]))    # (3, 3) of class 0 beyond (1, 1)
