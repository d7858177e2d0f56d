"""Sequential's training options: optimisers by name and object, clipping/decay in compile, train_on_batch,
callbacks in fit, learning-rate schedules, L-BFGS full batch."""
import copy

import numpy as np
import pytest

from lecture_lib.nn.callbacks import Callback, LambdaCallback, LearningRateScheduler
from lecture_lib.nn.clipping import clip_by_global_norm
from lecture_lib.nn.layers import Dense
from lecture_lib.nn.model import Sequential, TrainingDivergedError
from lecture_lib.nn.optimizers import LBFGS, SGD, Adam, RMSProp
from lecture_lib.nn.schedules import StepDecay


def _data(seed=0, n=60):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    y = (x @ [1.0, -2.0, 0.5] + 0.3 * rng.normal(size=n) > 0).astype(float)
    return x, y


def _model(optimizer="sgd", seed=0, **options):
    model = Sequential([Dense(5, activation="tanh", input_dim=3), Dense(1, activation="sigmoid")], seed=seed)
    return model.compile(loss="binary_crossentropy", optimizer=optimizer, metrics=["acc"], **options)


@pytest.mark.parametrize("name", ["sgd", "adagrad", "rmsprop", "adam", "adamw", "lbfgs"])
def test_every_optimiser_name_trains(name):
    x, y = _data()
    model = _model(name)
    before = model.evaluate(x, y)[0]
    history = model.fit(x, y, epochs=20, **({} if name == "lbfgs" else {"batch_size": 10}))
    assert history.history["loss"][-1] < before
    assert type(model.optimizer).__name__.lower() == name


def test_optimiser_objects_are_used_as_given():
    opt = SGD(eta=0.2, momentum=0.9, nesterov=True)
    model = _model(opt)
    assert model.optimizer is opt
    x, y = _data()
    model.fit(x, y, epochs=2, batch_size=20)
    assert opt.iterations == 6


def test_compile_options_go_to_the_optimiser_and_are_checked():
    model = _model("adam", weight_decay=1e-3, global_clipnorm=1.0, clipvalue=0.5)
    assert (model.optimizer.weight_decay, model.optimizer.global_clipnorm, model.optimizer.clipvalue) == (1e-3, 1.0, 0.5)
    with pytest.raises(ValueError, match=r"global_clipnorm must be > 0 \(or None for no clipping\), got 0"):
        _model("sgd", global_clipnorm=0)
    with pytest.raises(ValueError, match="weight_decay must be >= 0, got -0.1"):
        _model("sgd", weight_decay=-0.1)
    with pytest.raises(ValueError, match="takes no clipnorm"):
        _model("lbfgs", clipnorm=1.0)
    opt = SGD()
    with pytest.raises(ValueError):
        _model(opt, clipvalue=-1.0)
    assert opt.clipvalue is None  # a refused compile changes nothing


def test_fit_with_global_clipnorm_equals_the_hand_written_loop():
    x, y = _data(1)
    model = _model(SGD(eta=0.5), global_clipnorm=0.05)
    hand = _model(SGD(eta=0.5))
    model.fit(x, y, batch_size=15, epochs=1, shuffle=False)
    for start in range(0, 60, 15):
        xb, yb = x[start:start + 15], y[start:start + 15].reshape(-1, 1)
        hand.backward(yb, hand.forward(xb))
        clipped, norm = clip_by_global_norm(hand.grads, 0.05)
        assert norm > 0.05  # the threshold is active
        hand.optimizer.step(hand.params, clipped)
    for ours, theirs in zip(model.params, hand.params):
        np.testing.assert_allclose(ours["W"], theirs["W"], rtol=1e-12)


def test_train_on_batch_is_one_full_batch_epoch_of_fit():
    x, y = _data(2)
    a, b = _model(Adam(eta=0.05)), _model(Adam(eta=0.05))
    before = a.evaluate(x, y)
    scores = a.train_on_batch(x, y)
    b.fit(x, y, batch_size=60, epochs=1, shuffle=False)
    np.testing.assert_allclose(scores, before, rtol=1e-12)  # measured before the update
    for pa, pb in zip(a.params, b.params):
        np.testing.assert_array_equal(pa["W"], pb["W"])
    assert a.train_on_batch(x, y)[0] < scores[0]


def _exploding():
    """Linear regression with η far above 2/λ_max: the weights grow ~100x per step, to inf in ~160 steps."""
    return Sequential([Dense(1, input_dim=3)], seed=0).compile(loss="mse", optimizer=SGD(eta=50.0))


def test_train_on_batch_reports_divergence():
    x, y = _data(3)
    model = _exploding()
    with pytest.raises(TrainingDivergedError, match="train_on_batch"):
        for _ in range(1000):
            model.train_on_batch(x, y)


class Recorder(Callback):
    def __init__(self):
        self.calls = []

    def on_train_begin(self, model, logs):
        self.calls.append(("train_begin", logs["epochs"], logs["batches"]))

    def on_epoch_begin(self, model, logs):
        self.calls.append(("epoch_begin", logs["epoch"]))

    def on_batch_end(self, model, logs):
        self.calls.append(("batch_end", logs["epoch"], logs["batch"], logs["x"].shape[0], round(logs["loss"], 12)))

    def on_epoch_end(self, model, logs):
        self.calls.append(("epoch_end", logs["epoch"], round(logs["loss"], 12), "acc" in logs, "val_loss" in logs))

    def on_train_end(self, model, logs):
        self.calls.append(("train_end",))


def test_callbacks_see_every_epoch_and_batch_in_order():
    x, y = _data(4)
    recorder = Recorder()
    history = _model().fit(x, y, batch_size=25, epochs=2, callbacks=[recorder], validation_data=(x, y))
    kinds = [c[0] for c in recorder.calls]
    assert kinds == (["train_begin"] + (["epoch_begin"] + ["batch_end"] * 3 + ["epoch_end"]) * 2 + ["train_end"])
    assert recorder.calls[0] == ("train_begin", 2, 3)
    assert [c[3] for c in recorder.calls if c[0] == "batch_end"] == [25, 25, 10] * 2
    epoch_ends = [c for c in recorder.calls if c[0] == "epoch_end"]
    assert [c[2] for c in epoch_ends] == [round(v, 12) for v in history.history["loss"]]
    assert all(c[3] and c[4] for c in epoch_ends)


def test_callbacks_change_nothing_in_the_numbers():
    x, y = _data(5)
    a, b = _model("adam"), _model("adam")
    ha = a.fit(x, y, batch_size=16, epochs=3)
    hb = b.fit(x, y, batch_size=16, epochs=3, callbacks=[Recorder(), LambdaCallback(on_batch_begin=lambda m, l: None)])
    assert ha.history == hb.history


def test_a_callback_can_stop_training():
    x, y = _data(6)
    stopper = LambdaCallback(on_batch_end=lambda model, logs: setattr(model, "stop_training", logs["batch"] == 2))
    history = _model().fit(x, y, batch_size=10, epochs=5, callbacks=[stopper])
    assert history.epoch == [1] and history.stop_reason == "a callback set model.stop_training"


def test_learning_rate_scheduler_sets_eta_per_epoch():
    x, y = _data(7)
    scheduler = LearningRateScheduler(StepDecay(0.4, drop=0.5, every=2))
    model = _model(SGD(eta=0.4))
    model.fit(x, y, batch_size=30, epochs=5, callbacks=[scheduler])
    assert scheduler.rates == [0.4, 0.4, 0.2, 0.2, 0.1]
    assert model.optimizer.eta == 0.1


def test_a_per_update_schedule_inside_the_optimiser():
    x, y = _data(8)
    model = _model(SGD(eta=StepDecay(0.4, drop=0.5, every=3)))
    model.fit(x, y, batch_size=20, epochs=2)  # 6 updates
    assert model.optimizer.iterations == 6 and model.optimizer.learning_rate == 0.2


def test_on_diverged_sees_the_error_and_the_batch():
    x, y = _data(9)
    seen = []
    watcher = LambdaCallback(on_diverged=lambda model, logs: seen.append((logs["epoch"], logs["batch"],
                                                                          type(logs["error"]).__name__)))
    with pytest.raises(TrainingDivergedError):
        _exploding().fit(x, y, batch_size=20, epochs=1000, callbacks=[watcher])
    assert seen and seen[0][2] == "TrainingDivergedError" and seen[0][0] >= 1


def test_callbacks_are_checked():
    x, y = _data(10)
    with pytest.raises(TypeError, match="list of callback objects"):
        _model().fit(x, y, callbacks=Recorder())
    with pytest.raises(TypeError, match="is not a callback"):
        _model().fit(x, y, callbacks=[object()])


def test_lbfgs_in_fit_reaches_the_minimum_of_minimize():
    x, y = _data(11)
    model = Sequential([Dense(1, activation="sigmoid", input_dim=3)], seed=0)
    model.compile(loss="binary_crossentropy", optimizer=LBFGS(gtol=1e-9, ftol=0))
    reference = copy.deepcopy(model)
    history = model.fit(x, y, epochs=200)
    assert history.stop_reason is not None and history.stop_reason.startswith("LBFGS")
    assert len(history.epoch) < 200
    # the same optimiser as one minimize call on the same function
    closure = reference._full_batch_closure(reference._prepare_x(x), reference._prepare_y(y, 60))
    LBFGS(max_iter=500, gtol=1e-9, ftol=0).step(reference.params, reference.grads, closure)
    np.testing.assert_allclose(model.params[0]["W"], reference.params[0]["W"], atol=1e-6)
    assert all(later <= earlier + 1e-15 for earlier, later in zip(history.history["loss"], history.history["loss"][1:]))


def test_lbfgs_refuses_mini_batches():
    x, y = _data(12)
    with pytest.raises(ValueError, match="trains full batch.*batch_size=10 for 60 examples"):
        _model("lbfgs").fit(x, y, batch_size=10)


def test_rmsprop_train_on_batch_uses_the_same_state_as_fit():
    x, y = _data(13)
    a, b = _model(RMSProp(eta=0.01)), _model(RMSProp(eta=0.01))
    for _ in range(3):
        a.train_on_batch(x, y)
    b.fit(x, y, batch_size=60, epochs=3, shuffle=False)
    np.testing.assert_array_equal(a.params[0]["W"], b.params[0]["W"])
