"""Optimizer.masked: steps on the surviving entries of pruned parameters only; bitwise the masked full step."""
import numpy as np
import pytest

from lecture_lib.nn import LBFGS, SGD, AdaGrad, Adam, AdamW, RMSProp
from lecture_lib.nn.optimizers import MaskedStep

OPTIMISERS = {
    "sgd_momentum": lambda: SGD(eta=0.1, momentum=0.9),
    "adagrad": lambda: AdaGrad(eta=0.1),
    "rmsprop": lambda: RMSProp(eta=0.01),
    "adam": lambda: Adam(eta=0.01),
    "adamw": lambda: AdamW(eta=0.01, weight_decay=0.1),
    "adam_coupled_decay_clipvalue": lambda: Adam(eta=0.01, weight_decay=0.05, clipvalue=0.5),
}


def _problem(dtype, seed=0):
    """params (a (6, 5) W with a mask, a (5,) b without), the mask, and a gradient sequence."""
    rng = np.random.default_rng(seed)
    params = {"W": rng.normal(size=(6, 5)).astype(dtype), "b": rng.normal(size=5).astype(dtype)}
    mask = (rng.random((6, 5)) < 0.4).astype(dtype)
    grads = [{"W": rng.normal(size=(6, 5)).astype(dtype), "b": rng.normal(size=5).astype(dtype)} for _ in range(6)]
    return params, mask, grads


def _copy(arrays):
    return {key: value.copy() for key, value in arrays.items()}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", list(OPTIMISERS))
def test_masked_steps_are_bitwise_the_full_step_on_the_masked_gradient_masked_again(name, dtype):
    params, mask, grads = _problem(dtype)
    fast, slow = _copy(params), _copy(params)
    fast_opt, slow_opt = OPTIMISERS[name](), OPTIMISERS[name]()
    for p in (fast, slow):                         # dense steps first: momentum / moments for every weight
        opt = fast_opt if p is fast else slow_opt
        for g in grads[:2]:
            opt.step(p, g)
    fast["W"] *= mask
    slow["W"] *= mask
    pruned = fast_opt.masked(fast, {"W": mask})
    for g in grads[2:]:
        kept = _copy(g)
        pruned.step(g)
        assert all(np.array_equal(g[k], kept[k]) for k in g)       # grads are not modified
        slow_opt.step(slow, {"W": g["W"] * mask, "b": g["b"]})
        slow["W"] *= mask
    for key in ("W", "b"):
        assert fast[key].dtype == np.dtype(dtype)
        assert np.array_equal(fast[key], slow[key]), key
    assert np.all(fast["W"][mask == 0] == 0) and np.all(fast["W"][mask == 1] != params["W"][mask == 1])
    assert fast_opt.iterations == 2 + 4 == pruned.optimizer.iterations
    assert pruned.n_trained == int(mask.sum()) + 5


def test_pruned_entries_are_never_written_while_a_plain_step_with_the_masked_gradient_moves_them():
    params, mask, grads = _problem("float64", seed=1)
    plain, masked = _copy(params), _copy(params)
    plain_opt, masked_opt = Adam(eta=0.01), Adam(eta=0.01)
    for g in grads[:2]:
        plain_opt.step(plain, g)
        masked_opt.step(masked, g)
    before = masked["W"].copy()                    # the pruned entries are not zeroed here: they keep their values
    pruned = masked_opt.masked([masked], [{"W": mask.astype(bool)}])
    for g in grads[2:]:
        plain_opt.step(plain, {"W": g["W"] * mask, "b": g["b"]})
        pruned.step([g])
    assert np.array_equal(masked["W"][mask == 0], before[mask == 0])
    assert np.all(plain["W"][mask == 0] != before[mask == 0])       # Adam's momentum moves them
    assert np.array_equal(plain["b"], masked["b"])                  # unmasked: the plain step


def test_weights_set_between_steps_are_the_ones_stepped():
    params, mask, grads = _problem("float64", seed=2)
    opt = SGD(eta=0.1)
    pruned = opt.masked(params, {"W": mask})
    params["W"][...] = 1.0                         # e.g. rewound by the caller after masked(...)
    pruned.step(grads[0])
    np.testing.assert_array_equal(params["W"][mask == 1], 1.0 - 0.1 * grads[0]["W"][mask == 1])
    np.testing.assert_array_equal(params["W"][mask == 0], 1.0)


def test_a_model_trains_through_its_masks():
    from lecture_lib.nn import Dense, Sequential
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(32, 4)), rng.normal(size=(32, 1))
    model = Sequential([Dense(8, activation="tanh", input_dim=4), Dense(1)], seed=0)
    model.compile(loss="mean_squared_error", optimizer=Adam(eta=0.01))
    masks = [{"W": (rng.random((4, 8)) < 0.5).astype(float)}, {}]
    model.layers[0].params["W"] *= masks[0]["W"]
    pruned = model.optimizer.masked(model.params, masks)
    before = model.evaluate(x, y)
    for _ in range(50):
        model.backward(y, model.forward(x))
        pruned.step(model.grads)
    assert model.evaluate(x, y) < before
    assert np.all(model.layers[0].params["W"][masks[0]["W"] == 0] == 0)


@pytest.mark.parametrize("masks, error, match", [
    ({"W": np.ones((5, 6))}, ValueError, r"masks\[0\]\['W'\] has shape \(5, 6\), but the parameter has shape \(6, 5\)"),
    ({"W": np.ones(30)}, ValueError, r"has shape \(30,\).*\(6, 5\)"),
    ({"W": np.full((6, 5), "1")}, TypeError, r"booleans or of 0s and 1s.*dtype <U1"),
    ({"W": np.ones((6, 5), dtype=complex)}, TypeError, r"booleans or of 0s and 1s.*complex128"),
    ({"W": np.full((6, 5), 0.5)}, ValueError, r"only 0 \(pruned\) and 1 \(trained\), found 0.5"),
    ({"V": np.ones((6, 5))}, ValueError, r"keys \['V'\].*its keys: \['W', 'b'\]"),
    ([{"W": np.ones((6, 5))}, {}], ValueError, r"list of 1 dict"),
    (["W"], TypeError, r"masks\[0\] must be a dict"),
])
def test_bad_masks_name_what_was_expected(masks, error, match):
    params, _, _ = _problem("float64")
    with pytest.raises(error, match=match):
        Adam().masked(params, masks)


def test_other_misuse_is_a_clear_error():
    params, mask, grads = _problem("float64")
    with pytest.raises(TypeError, match="needs the loss as a function"):
        LBFGS().masked(params, {"W": mask})
    with pytest.raises(ValueError, match="C-contiguous"):
        Adam().masked({"W": np.asfortranarray(params["W"])}, {"W": mask})
    pruned = Adam().masked(params, {"W": mask})
    with pytest.raises(ValueError, match=r"grads\[0\]\['W'\] has shape \(5, 6\)"):
        pruned.step({"W": np.ones((5, 6)), "b": grads[0]["b"]})
    params["W"] = params["W"].copy()
    with pytest.raises(ValueError, match="no longer the array the masks were prepared for"):
        pruned.step(grads[0])
    assert isinstance(pruned, MaskedStep)
