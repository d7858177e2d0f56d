"""Residual: h + f(h), parameters as one prefixed dict, both paths in backward, branch scaling, shape errors."""
import numpy as np
import pytest

from lecture_lib.nn import Activation, BatchNorm, Dense, Dropout, Residual, Sequential
from lecture_lib.nn.gradcheck import check_layer_gradients, check_model_gradients


def test_forward_is_input_plus_branch():
    rng = np.random.default_rng(0)
    branch = Dense(4, activation="tanh", input_dim=4, rng=rng)
    block = Residual([branch], branch_scale=1.0)
    x = rng.normal(size=(3, 4))
    expected = x + np.tanh(x @ branch.params["W"] + branch.params["b"])
    np.testing.assert_allclose(block.forward(x), expected, rtol=1e-12)


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_gradients_with_a_two_layer_branch_and_batchnorm(mode):
    rng = np.random.default_rng(1)
    block = Residual([Dense(6, activation="relu"), BatchNorm(), Dense(4)], branch_scale=0.5)
    block.build((4,), rng=rng)
    for key, p in block.params.items():
        if key.endswith(("b", "beta")):
            p[:] = rng.normal(size=p.shape)
    block.forward(rng.normal(size=(5, 4)))  # running statistics away from 0 and 1
    getattr(block, mode)()
    x = rng.normal(size=(5, 4))
    errors = check_layer_gradients(block, x)
    assert set(errors) == {"x", "dense_1.W", "dense_1.b", "batchnorm_1.gamma", "batchnorm_1.beta",
                           "dense_2.W", "dense_2.b"}
    assert max(errors.values()) < 1e-7, errors


def test_backward_adds_the_identity_path():
    block = Residual([Dense(3, input_dim=3, rng=0)], branch_scale=0.0)  # f = 0 at the start
    x = np.random.default_rng(2).normal(size=(2, 3))
    np.testing.assert_array_equal(block.forward(x), x)
    dout = np.random.default_rng(3).normal(size=(2, 3))
    np.testing.assert_array_equal(block.backward(dout), dout)  # W = 0: only the identity path
    np.testing.assert_allclose(block.grads["dense_1.W"], x.T @ dout)


def test_params_are_the_branch_arrays_and_the_optimiser_updates_them():
    branch = Dense(3, activation="tanh")
    model = Sequential([Dense(3, input_dim=2), Residual([branch]), Dense(1)], seed=0)
    block = model.layers[1]
    assert block.params["dense_1.W"] is branch.params["W"]
    assert block.grads["dense_1.b"] is branch.grads["b"]
    assert model.count_params() == 9 + 12 + 4
    model.compile(loss="mean_squared_error", optimizer="sgd")
    before = branch.params["W"].copy()
    x = np.random.default_rng(4).normal(size=(10, 2))
    model.fit(x, x[:, :1], batch_size=5, epochs=2)
    assert not np.array_equal(branch.params["W"], before)
    errors = check_model_gradients(model, x, x[:, :1])
    assert "residual_1.dense_1.W" in errors and max(errors.values()) < 1e-7, errors


def test_branch_scale_scales_the_last_weights_only():
    def weights(scale):
        model = Sequential([Residual([Dense(5, activation="relu"), Dense(3)], branch_scale=scale)], seed=3)
        model.build((3,))
        return model.layers[0].layers[0].params["W"], model.layers[0].layers[1].params["W"]
    first_1, last_1 = weights(1.0)
    first_s, last_s = weights(0.1)
    np.testing.assert_array_equal(first_1, first_s)
    np.testing.assert_allclose(last_s, 0.1 * last_1, rtol=1e-15)


def test_mismatched_shapes_are_a_clear_error():
    with pytest.raises(ValueError, match=r"maps inputs of shape \(N, 4\) to \(N, 3\).*output 4 units"):
        Residual([Dense(3)]).build((4,))
    model = Sequential([Dense(8), Residual([Dense(4)])])
    with pytest.raises(ValueError, match="same shape as h.*previous layer 'dense_1'"):
        model.forward(np.ones((1, 2)))
    with pytest.raises(ValueError, match="same shape"):
        Sequential([Dense(8, input_dim=2), Residual([Dense(4)])])


@pytest.mark.parametrize("bad", [[], None, [np.ones(2)], Dense(3)])
def test_bad_branch(bad):
    with pytest.raises(TypeError, match="list of layers|Layer objects"):
        Residual(bad)


def test_modes_reach_the_branch_and_eval_is_deterministic():
    model = Sequential([Dense(6, input_dim=3), Residual([Dense(6, activation="relu"), Dropout(0.5)])], seed=0)
    x = np.random.default_rng(5).normal(size=(4, 3))
    model.eval()
    assert not model.layers[1].layers[1].training
    np.testing.assert_array_equal(model.predict(x), model.predict(x))
    model.train()
    assert model.layers[1].layers[1].training
    assert not np.array_equal(model.forward(x), model.forward(x))


def test_nested_blocks_prefix_twice_and_check():
    inner = Residual([Dense(3, activation="tanh")], branch_scale=1.0, name="inner")
    outer = Residual([inner, Activation("tanh")], branch_scale=1.0)
    outer.build((3,), rng=np.random.default_rng(0))
    assert set(outer.params) == {"inner.dense_1.W", "inner.dense_1.b"}
    x = np.random.default_rng(6).normal(size=(3, 3))
    assert max(check_layer_gradients(outer, x).values()) < 1e-7


def _train_steps(model, steps=3, seed=7):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(32, 4))
    y = np.eye(3)[rng.integers(0, 3, 32)]
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    model.fit(x, y, batch_size=8, epochs=steps)


def test_a_zero_initialised_branch_ending_in_a_linear_layer_learns():
    block = Residual([Dense(6, activation="relu"), Dense(4)], branch_scale=0.0)
    model = Sequential([Dense(4, activation="tanh"), block, Dense(3, activation="softmax")], seed=0)
    model.build((4,))
    first, last = block.layers
    assert not np.any(last.params["W"]) and np.any(first.params["W"])
    x = np.random.default_rng(8).normal(size=(5, 4))
    np.testing.assert_array_equal(block.forward(model.layers[0].forward(x)), model.layers[0].forward(x))  # identity
    _train_steps(model)
    assert np.abs(last.params["W"]).max() > 1e-3  # the last layer left zero at once
    first_before = Sequential([Dense(4, activation="tanh"), Residual([Dense(6, activation="relu"), Dense(4)],
                                                                      branch_scale=0.0), Dense(3)], seed=0)
    first_before.build((4,))
    assert not np.allclose(first.params["W"], first_before.layers[1].layers[0].params["W"])  # and then the first


@pytest.mark.parametrize("branch", [
    lambda: [Dense(4, activation="relu")],
    lambda: [Dense(6, activation="tanh"), Dense(4, activation="relu")],
    lambda: [Dense(6, activation="tanh"), Dense(4), Activation("relu")],
])
def test_a_zero_branch_that_could_never_learn_is_refused(branch):
    with pytest.raises(ValueError, match=r"branch_scale=0.*'relu'.*slope 0.*End the branch in a linear layer"):
        Residual(branch(), branch_scale=0.0).build((4,))


@pytest.mark.parametrize("branch", [
    lambda: [Dense(4, activation="tanh")],  # tanh'(0) = 1
    lambda: [Dense(4, activation="sigmoid"), Activation("relu")],  # relu'(sigmoid(0)) = relu'(0.5) = 1
    lambda: [Dense(6, activation="relu"), Dense(4), BatchNorm()],
])
def test_zero_branches_that_get_a_gradient_are_accepted(branch):
    block = Residual(branch(), branch_scale=0.0)
    block.build((4,), rng=np.random.default_rng(0))
    x = np.random.default_rng(9).normal(size=(6, 4))
    block.forward(x)
    block.backward(np.random.default_rng(10).normal(size=(6, 4)))
    assert any(np.any(g) for g in block.grads.values())


def test_the_dead_branch_the_guard_prevents_really_gets_no_gradient():
    """The case the guard refuses, built by hand: a ReLU-ending branch with W = 0 never changes."""
    block = Residual([Dense(4, activation="relu")], branch_scale=1.0)
    model = Sequential([Dense(4, activation="tanh"), block, Dense(3, activation="softmax")], seed=0)
    model.build((4,))
    block.layers[0].params["W"][:] = 0
    _train_steps(model)
    assert not np.any(block.layers[0].params["W"]) and not np.any(block.layers[0].params["b"])


# --- the projection shortcut: h' = h W_s + f(h), the width may change --------------------------------------

def test_projection_forward_is_h_Ws_plus_branch():
    rng = np.random.default_rng(11)
    first, second = Dense(6, activation="relu"), Dense(3)
    block = Residual([first, second], branch_scale=1.0, shortcut="projection")
    block.build((5,), rng=rng)
    assert block.params["shortcut.W"].shape == (5, 3) and block.output_shape((5,)) == (3,)
    x = rng.normal(size=(4, 5))
    by_hand = (x @ block.params["shortcut.W"] + np.maximum(x @ first.params["W"] + first.params["b"], 0)
               @ second.params["W"] + second.params["b"])
    np.testing.assert_allclose(block.forward(x), by_hand, rtol=1e-12)
    assert "shortcut='projection'" in repr(block)


@pytest.mark.parametrize("widths", [(5, 3), (3, 7), (4, 4)])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_projection_gradients_check(widths, mode):
    d_in, d_out = widths
    rng = np.random.default_rng(12)
    block = Residual([Dense(6, activation="tanh"), BatchNorm(), Dense(d_out)], branch_scale=0.7, shortcut="projection")
    block.build((d_in,), rng=rng)
    block.forward(rng.normal(size=(5, d_in)))
    getattr(block, mode)()
    x = rng.normal(size=(5, d_in))
    errors = check_layer_gradients(block, x)
    assert {"x", "shortcut.W", "dense_1.W", "dense_2.b"} <= set(errors)
    assert max(errors.values()) < 1e-7, errors


def test_projection_backward_adds_the_two_paths():
    block = Residual([Dense(2, input_dim=3, rng=0)], branch_scale=0.0, shortcut="projection")
    block.build((3,), rng=np.random.default_rng(1))
    x, dout = np.random.default_rng(13).normal(size=(4, 3)), np.random.default_rng(14).normal(size=(4, 2))
    block.forward(x)
    dx = block.backward(dout)  # W of the branch = 0: only the projection path
    np.testing.assert_allclose(dx, dout @ block.params["shortcut.W"].T, rtol=1e-12)
    np.testing.assert_allclose(block.grads["shortcut.W"], x.T @ dout, rtol=1e-12)
    block.layers[0].params["W"][:] = 1.0  # now the branch adds dout W^T
    block.forward(x)
    np.testing.assert_allclose(block.backward(dout), dout @ block.params["shortcut.W"].T + dout @ np.ones((2, 3)),
                               rtol=1e-12)


def test_a_network_that_changes_width_between_stages_trains_and_checks():
    model = Sequential([Dense(8, activation="relu"),
                        Residual([Dense(8, activation="relu"), Dense(4)], shortcut="projection"),
                        Residual([Dense(4, activation="relu"), Dense(4)]),
                        Dense(3, activation="softmax")], seed=0)
    model.build((5,))
    assert model.output_shape == (3,)
    assert model.count_params() == (5 * 8 + 8) + (8 * 8 + 8 + 8 * 4 + 4 + 8 * 4) + (4 * 4 + 4 + 4 * 4 + 4) + (4 * 3 + 3)
    rng = np.random.default_rng(15)
    x, y = rng.normal(size=(6, 5)), np.eye(3)[rng.integers(0, 3, 6)]
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    errors = check_model_gradients(model, x, y)
    assert "residual_1.shortcut.W" in errors and max(errors.values()) < 1e-7, errors
    before = model.layers[1].params["shortcut.W"].copy()
    model.fit(x, y, batch_size=3, epochs=2)
    assert not np.array_equal(model.layers[1].params["shortcut.W"], before)


def test_projection_misuses_are_clear_errors():
    with pytest.raises(ValueError, match="Unknown shortcut 'conv'.*'identity', 'projection'"):
        Residual([Dense(3)], shortcut="conv")
    with pytest.raises(ValueError, match=r"projection shortcut.*inputs \(N, D\).*\(N, 2, 3\).*Flatten"):
        Residual([Activation("tanh")], shortcut="projection").build((2, 3))
    with pytest.raises(ValueError, match="'shortcut' would clash"):
        Residual([Dense(3, name="shortcut")], shortcut="projection")
    # without the option, a change of width is still refused, and the error names the option
    with pytest.raises(ValueError, match=r"same shape as h.*shortcut='projection'"):
        Residual([Dense(3)]).build((4,))
    model = Sequential([Dense(8, input_dim=2), Residual([Dense(4)], shortcut="projection"), Dense(1)])
    with pytest.raises(ValueError, match=r"expects input of shape \(N, 8\).*layer before it"):
        model.layers[1].forward(np.ones((1, 4)))
