"""topics.training_grid and viz.training_explorer: the grid of runs, the slider that only redraws, the static twin."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lecture_lib.datasets import load_digits, validation_split  # noqa: E402
from lecture_lib.topics import training_grid as tg  # noqa: E402
from lecture_lib.topics.training_grid import CURVES, TrainingGrid, slides_model, train_grid  # noqa: E402
from lecture_lib.viz.training_explorer import draw_training_grid, training_explorer  # noqa: E402
from widget_tools import assert_redraws, find_control  # noqa: E402


@pytest.fixture(scope="module")
def data():
    x, y = load_digits("train", one_hot=True)
    x_fit, y_fit, x_val, y_val = validation_split(x[:300], y[:300], fraction=0.2, seed=0)
    return x_fit, y_fit, x_val, y_val


@pytest.fixture(scope="module")
def grid(data):
    return train_grid(*data, learning_rates=(0.001, 0.01), batch_sizes=(20, 200), hidden_units=(8, 128), epochs=3)


def test_each_run_is_the_slides_model_trained_alone(data, grid):
    x_fit, y_fit, x_val, y_val = data
    model = slides_model(8, 0.01, seed=0)
    history = model.fit(x_fit, y_fit, batch_size=200, epochs=3, seed=0, validation_data=(x_val, y_val)).history
    run = grid.run(learning_rate=0.01, batch_size=200, hidden_units=8)
    for key in CURVES:
        np.testing.assert_array_equal(run[key], history[key])
    assert grid.curves["loss"].shape == (2, 2, 2, 3)
    assert grid.updates_per_epoch == {20: -(-len(x_fit) // 20), 200: -(-len(x_fit) // 200)}


def test_settings_differ_and_off_grid_settings_are_refused(grid):
    a = grid.run(learning_rate=0.001, batch_size=20, hidden_units=8)
    b = grid.run(learning_rate=0.01, batch_size=20, hidden_units=8)
    assert not np.array_equal(a["loss"], b["loss"])
    with pytest.raises(ValueError, match=r"batch_size=32 is not on the grid; choose one of \[20, 200\]"):
        grid.run(learning_rate=0.001, batch_size=32, hidden_units=8)
    assert grid.final("val_acc").shape == (2, 2, 2)
    with pytest.raises(ValueError, match="key must be one of"):
        grid.final("test_acc")


@pytest.mark.parametrize("axes, error", [
    (dict(learning_rates=0.1), TypeError), (dict(batch_sizes=(200, 20)), ValueError),
    (dict(hidden_units=(8, 8)), ValueError), (dict(learning_rates=(-0.1,)), ValueError), (dict(epochs=0), ValueError),
])
def test_train_grid_bad_axes(data, axes, error):
    with pytest.raises(error):
        train_grid(*data, **axes)


def test_explorer_only_redraws_on_every_slider(grid, monkeypatch):
    def no_training(*args, **kwargs):
        raise AssertionError("a slider move must not train")

    monkeypatch.setattr(tg.Sequential, "fit", no_training)
    explorer = training_explorer(grid)
    assert find_control(explorer, "learning rate").value == 0.001
    assert find_control(explorer, "batch size").value == 200
    assert find_control(explorer, "hidden units").value == 128
    assert_redraws(explorer, {"learning rate": 0.01, "batch size": 20, "hidden units": 8})


def test_explorer_refuses_a_start_off_the_grid_and_a_non_grid(grid):
    with pytest.raises(ValueError, match="not on the grid"):
        training_explorer(grid, batch_size=64)
    with pytest.raises(TypeError, match="grid must be a TrainingGrid"):
        training_explorer({"loss": []})


def test_static_twin_varies_one_setting_per_column_with_legends(grid):
    fig = draw_training_grid(grid)
    assert len(fig.axes) == 6
    top = fig.axes[:3]
    assert all(len(ax.get_legend().get_texts()) == 2 for ax in fig.axes)
    assert "learning rate varied" in top[0].get_title() and "(slides)" in top[0].get_legend().get_texts()[0].get_text()
    assert all(ax.get_xlabel() == "epoch" for ax in fig.axes[3:])
    plt.close(fig)
    assert isinstance(grid, TrainingGrid)


def test_one_at_a_time_adds_seeds_to_the_settings_of_the_static_twin(data, grid):
    around = {"learning_rate": 0.001, "batch_size": 200, "hidden_units": 128}
    runs = tg.one_at_a_time(*data, grid, around, extra_seeds=(1,))
    assert set(runs) == {("learning_rate", 0.001), ("learning_rate", 0.01), ("batch_size", 20), ("batch_size", 200),
                         ("hidden_units", 8), ("hidden_units", 128)}
    reference = runs[("batch_size", 200)]
    assert reference is runs[("learning_rate", 0.001)]                      # trained once
    np.testing.assert_array_equal(reference.curves["val_loss"][0], grid.run(**around)["val_loss"])  # seed 0 = grid
    assert not np.array_equal(reference.curves["val_loss"][0], reference.curves["val_loss"][1])
    low, high = reference.final_range()
    assert low <= high
    fig = draw_training_grid(grid, around, seed_runs=runs)
    assert all("min–max over seeds 0, 1" in ax.get_legend().get_texts()[-1].get_text() for ax in fig.axes)
    plt.close(fig)
    with pytest.raises(ValueError, match="not on the grid"):
        tg.one_at_a_time(*data, grid, {**around, "batch_size": 64})


def test_a_setting_seen_before_shows_its_kept_frame(grid, monkeypatch):
    explorer = training_explorer(grid)
    image, rate = explorer.children[1], find_control(explorer, "learning rate")
    first = image.value
    rate.value = 0.01
    second = image.value

    def no_lookup(*args, **kwargs):
        raise AssertionError("a setting seen before must not be looked up and drawn again")

    monkeypatch.setattr(TrainingGrid, "run", no_lookup)
    rate.value = 0.001
    assert image.value == first
    rate.value = 0.01
    assert image.value == second != first
