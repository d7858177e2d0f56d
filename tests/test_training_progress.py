"""The live training plot (a fit callback) and its static twin drawn from the History."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lecture_lib.nn.callbacks import LambdaCallback  # noqa: E402
from lecture_lib.nn.layers import Dense  # noqa: E402
from lecture_lib.nn.model import Sequential  # noqa: E402
from lecture_lib.nn.one_hot import to_one_hot  # noqa: E402
from lecture_lib.viz.training_progress import TrainingProgressPlot, draw_training_curves  # noqa: E402


def _data(seed=0, n=60):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    return x, to_one_hot((x[:, 0] + x[:, 1] > 0).astype(int), 2)


def _model(metrics=("acc",)):
    model = Sequential([Dense(4, activation="tanh"), Dense(2, activation="softmax")], seed=0)
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=list(metrics))
    return model


def test_live_plot_follows_every_epoch_and_ends_on_the_history():
    x, y = _data()
    progress = TrainingProgressPlot(min_interval=0, display=False)
    pixels = []
    grab = LambdaCallback(on_epoch_end=lambda model, logs: pixels.append(progress.live.rgba().copy()))
    history = _model().fit(x, y, epochs=6, batch_size=20, validation_data=_data(1), callbacks=[progress, grab])
    assert progress.frames == 6 + 1                                  # one per epoch, then the final frame
    assert progress.values == history.history                        # it plotted exactly the History
    assert set(progress._lines) == {"loss", "acc", "val_loss", "val_acc"}
    for key, line in progress._lines.items():
        assert np.allclose(line.get_ydata(), history.history[key])
    assert progress._title.get_text().startswith("epoch 6/6: loss ")
    assert not np.array_equal(pixels[0], pixels[-1])                 # the picture changed as training went on
    low, high = progress._ax_loss.get_ylim()
    assert low <= min(history.history["loss"]) and max(history.history["loss"]) <= high


def test_min_interval_limits_the_frames_but_keeps_the_first_and_last():
    x, y = _data()
    progress = TrainingProgressPlot(min_interval=3600, display=False)
    _model().fit(x, y, epochs=8, batch_size=30, callbacks=[progress])
    assert progress.frames == 3                                      # epoch 1, epoch 8, train end
    assert len(progress.values["loss"]) == 8


def test_without_metrics_only_the_loss_panel():
    x, y = _data()
    progress = TrainingProgressPlot(min_interval=0, display=False)
    history = _model(metrics=()).fit(x, y, epochs=3, callbacks=[progress])
    assert progress._ax_acc is None and list(progress._lines) == ["loss"]
    fig = draw_training_curves(history)
    assert len(fig.axes) == 1
    plt.close(fig)


def test_displayed_frames_go_to_one_display_handle(monkeypatch):
    import IPython.display

    shown, updated = [], []

    class Handle:
        def update(self, obj):
            updated.append(obj)

    def fake_display(obj, display_id=False):
        shown.append(obj)
        return Handle()

    monkeypatch.setattr(IPython.display, "display", fake_display)
    x, y = _data()
    progress = TrainingProgressPlot(min_interval=0)
    _model().fit(x, y, epochs=4, batch_size=30, callbacks=[progress])
    assert len(shown) == 1 and len(updated) == 4                     # one image, updated in place
    assert updated[-1].data.startswith(b"\x89PNG")


def test_static_twin_draws_the_history():
    x, y = _data()
    history = _model().fit(x, y, epochs=5, validation_data=_data(2))
    fig = draw_training_curves(history)
    ax_loss, ax_acc = fig.axes
    assert ax_loss.get_yscale() == "log"
    labels = {line.get_label(): line for line in ax_loss.lines + ax_acc.lines}
    assert set(labels) == {"training loss", "validation loss", "training accuracy", "validation accuracy"}
    assert np.allclose(labels["validation accuracy"].get_ydata(), history.history["val_acc"])
    assert fig._suptitle.get_text().startswith("epoch 5/5")
    plt.close(fig)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="min_interval"):
        TrainingProgressPlot(min_interval=-1)
    with pytest.raises(TypeError, match="display"):
        TrainingProgressPlot(display="yes")
    with pytest.raises(ValueError, match="History"):
        draw_training_curves({"acc": [0.5]})
