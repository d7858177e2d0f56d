"""The playground: its data sets, L2-regularised training, learning each data set, drawing and the widget."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from lecture_lib.nn.gradcheck import numerical_gradient, relative_error  # noqa: E402
from lecture_lib.topics.playground import (LEARNING_RATES, PlaygroundRun, backward_with_l2, build_network,  # noqa: E402
                                    l2_penalty, train_step)
from lecture_lib.viz.playground_explorer import Playground, PlaygroundFigure, draw_playground, update_playground  # noqa: E402
from lecture_lib.topics.playground_data import (PLAYGROUND_DATASETS, make_circle, make_gaussian,  # noqa: E402
                                         make_playground_data, make_spiral, make_xor, train_test_split)

# --- data sets -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PLAYGROUND_DATASETS)
def test_data_sets_have_the_promised_form_and_are_reproducible(name):
    x, y = make_playground_data(name, n_samples=101, noise=0.2, seed=3)
    assert x.shape == (101, 2) and x.dtype == np.float64
    assert y.shape == (101,) and y.dtype == np.int64 and set(np.unique(y)) == {0, 1}
    assert abs(int(y.sum()) - 50) <= 1 or name == "xor"
    x2, y2 = make_playground_data(name, n_samples=101, noise=0.2, seed=3)
    assert np.array_equal(x, x2) and np.array_equal(y, y2)
    x3, _ = make_playground_data(name, n_samples=101, noise=0.2, seed=4)
    assert not np.allclose(x, x3)
    x_noisiest, _ = make_playground_data(name, n_samples=400, noise=0.5, seed=3)
    assert np.all(np.abs(x_noisiest) < 1.6)  # inside the drawn square, even at the largest noise


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_noise_free_geometry(seed):
    x, y = make_circle(60, 0.0, seed)
    radius = np.hypot(x[:, 0], x[:, 1])
    assert np.all(radius[y == 1] <= 0.5) and np.all(radius[y == 0] >= 0.7)
    x, y = make_xor(60, 0.0, seed)
    assert np.array_equal(y, (x[:, 0] * x[:, 1] >= 0).astype(int)) and np.all(np.abs(x) >= 0.05)
    x, y = make_spiral(60, 0.0, seed)
    assert np.all(np.hypot(x[:, 0], x[:, 1]) < 1.0)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), noise=st.floats(0.0, 0.5))
def test_noise_shifts_points_by_at_most_noise_and_keeps_labels(seed, noise):
    for make in (make_circle, make_xor, make_spiral):
        x0, y0 = make(40, 0.0, seed)
        x1, y1 = make(40, noise, seed)
        # the same clean points (same draws), then a uniform shift in [-noise, noise]
        assert np.array_equal(y0, y1)
        assert np.all(np.abs(x1 - x0) <= noise + 1e-12)


def test_gaussian_noise_widens_the_clusters():
    x_tight, y = make_gaussian(400, 0.0, 0)
    x_wide, _ = make_gaussian(400, 0.5, 0)
    assert np.allclose(x_tight[y == 1].mean(axis=0), [0.5, 0.5], atol=0.05)
    assert np.allclose(x_tight[y == 0].mean(axis=0), [-0.5, -0.5], atol=0.05)
    assert x_wide[y == 1].std() > 3 * x_tight[y == 1].std()


@pytest.mark.parametrize("kwargs, message", [
    ({"name": "moons"}, "Unknown data set 'moons'; valid names are: 'circle', 'xor', 'gaussian', 'spiral'"),
    ({"name": "circle", "noise": 0.7}, r"noise must lie in \[0, 0.5\], got 0.7"),
    ({"name": "circle", "n_samples": 2}, "n_samples must be an integer >= 4"),
    ({"name": "circle", "n_samples": 10.0}, "n_samples must be an integer >= 4"),
])
def test_bad_data_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_playground_data(**kwargs)


def test_split_is_a_partition_of_the_requested_size():
    x, y = make_xor(50, 0.1, 0)
    x_tr, y_tr, x_te, y_te = train_test_split(x, y, 0.7, seed=1)
    assert len(y_tr) == 35 and len(y_te) == 15
    rows = {tuple(r) for r in np.vstack([x_tr, x_te])}
    assert rows == {tuple(r) for r in x}
    lookup = {tuple(r): label for r, label in zip(x, y)}
    assert all(lookup[tuple(r)] == label for r, label in zip(x_tr, y_tr))
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        train_test_split(x, y, 1.0)
    with pytest.raises(ValueError, match="one label per example"):
        train_test_split(x, y[:-1])


# --- network and L2 ----------------------------------------------------------------------------------------

def test_network_has_the_requested_layers():
    model = build_network((4, 2), "relu", eta=0.1)
    assert repr(model) == ("Sequential([Dense(2 -> 4, activation='relu'), Dense(4 -> 2, activation='relu'),"
                           " Dense(2 -> 1, activation='sigmoid')])")
    assert model.optimizer.eta == 0.1 and model.loss.name == "binary_crossentropy"
    assert repr(build_network((), "tanh")) == "Sequential([Dense(2 -> 1, activation='sigmoid')])"
    with pytest.raises(ValueError, match="Unknown activation 'softmax'"):
        build_network((3,), "softmax")
    with pytest.raises(ValueError, match="units of a hidden layer must be a positive integer"):
        build_network((3, 0))


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_l2_gradients_match_central_differences(activation):
    x, y = make_circle(12, 0.1, 0)
    y = y.reshape(-1, 1).astype(float)
    model = build_network((3, 2), activation, seed=1)
    for layer in model.layers:  # random biases: no ReLU input sits exactly on the kink at 0
        layer.params["b"][:] = np.random.default_rng(2).normal(size=layer.params["b"].shape)
    l2 = 0.3

    def objective(_):
        return model.loss.value(y, model.forward(x)) + l2_penalty(model, l2)

    backward_with_l2(model, x, y, l2)
    for layer in model.layers:
        for key, p in layer.params.items():
            analytic = layer.grads[key].copy()
            # some gradients are ~1e-4: central-difference rounding (~1e-10) limits the agreement to ~1e-6
            assert relative_error(analytic, numerical_gradient(objective, p)) < 1e-6, (layer, key)


def test_l2_penalises_weights_not_biases_and_shrinks_them():
    model = build_network((3,), seed=0)
    for layer in model.layers:
        layer.params["b"][:] = 5.0
    expected = 0.5 * 2.0 * sum(np.sum(layer.params["W"] ** 2) for layer in model.layers)
    assert np.isclose(l2_penalty(model, 2.0), expected)
    norms = {}
    for l2 in (0.0, 0.3):
        run = PlaygroundRun("gaussian", noise=0.2, hidden=(4,), l2=l2, eta=0.1).train(60)
        norms[l2] = sum(np.sum(layer.params["W"] ** 2) for layer in run.model.layers)
    assert norms[0.3] < 0.5 * norms[0.0]
    with pytest.raises(ValueError, match="l2 must be >= 0"):
        l2_penalty(model, -1.0)


def test_train_step_moves_downhill():
    x, y = make_gaussian(40, 0.1, 0)
    y = y.reshape(-1, 1).astype(float)
    model = build_network((4,), eta=0.1)
    losses = [train_step(model, x, y, l2=0.01) for _ in range(30)]
    assert losses[-1] < 0.5 * losses[0]


# --- the playground learns every data set (about 2 s in total) ---------------------------------------------

@pytest.mark.parametrize("dataset, settings_, epochs, train_acc, test_acc", [
    ("circle", {"hidden": (4, 2), "eta": 0.1}, 100, 0.95, 0.9),
    ("xor", {"hidden": (4, 2), "eta": 0.1}, 100, 0.95, 0.9),
    ("gaussian", {"hidden": (4, 2), "eta": 0.03}, 30, 0.95, 0.9),
    ("spiral", {"hidden": (8, 8), "eta": 0.3}, 1000, 0.9, 0.8),
])
def test_the_network_learns_each_data_set(dataset, settings_, epochs, train_acc, test_acc):
    run = PlaygroundRun(dataset, noise=0.0, activation="tanh", **settings_)
    assert run.history["train_acc"][0] < 0.8  # it starts far from the goal
    run.train(epochs)
    assert run.accuracy("train") >= train_acc, run.history["train_acc"][-1]
    assert run.accuracy("test") >= test_acc, run.history["test_acc"][-1]
    assert run.history["train_loss"][-1] < 0.5 * run.history["train_loss"][0]


def test_without_a_hidden_layer_xor_stays_unsolved():
    run = PlaygroundRun("xor", hidden=(), eta=0.3).train(100)
    assert run.accuracy("train") < 0.75


def test_run_history_and_rates():
    run = PlaygroundRun("circle", eta=0.03, l2=0.0)
    run.train(3)
    assert run.epoch == 3 and run.history["epoch"] == [0, 1, 2, 3]
    assert all(len(values) == 4 for values in run.history.values())
    run.eta, run.l2 = 0.3, 0.01
    assert run.model.optimizer.eta == 0.3 and run.l2 == 0.01
    with pytest.raises(ValueError, match="eta must be > 0"):
        run.eta = 0.0
    probabilities = run.grid_probabilities(7)
    assert probabilities.shape == (7, 7) and np.all((probabilities >= 0) & (probabilities <= 1))
    with pytest.raises(ValueError, match="Unknown split 'validation'"):
        run.loss("validation")


def test_divergence_stops_training_without_warnings():
    # the clipped cross-entropy stays finite for most bad rates; an absurd one overflows the ReLU outputs
    run = PlaygroundRun("circle", hidden=(8, 8), activation="relu", eta=1e30)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # an unsilenced overflow would raise here
        run.train(20)
    assert run.diverged and run.epoch < 20
    assert "diverged" in PlaygroundFigure(run, resolution=10).artists["title"].get_text()


# --- drawing and the widget ------------------------------------------------------------------------------------

def test_draw_and_update_reuse_the_artists():
    run = PlaygroundRun("xor")
    fig, (ax, ax_loss) = plt.subplots(1, 2)
    artists = draw_playground(ax, run, ax_loss, resolution=20)
    n_images, n_collections = len(ax.images), len(ax.collections)
    before = artists["image"].get_array().copy()
    run.train(20)
    update_playground(artists, run, resolution=20)
    assert len(ax.images) == n_images == 1 and len(ax.collections) == n_collections == 2
    assert not np.allclose(before, artists["image"].get_array())
    assert list(artists["train_line"].get_xdata()) == list(range(21))
    assert "xor, epoch 20" in artists["title"].get_text()
    plt.close(fig)


def test_one_marker_code_class_by_colour_and_shape_split_by_fill():
    from matplotlib.colors import to_rgba

    from lecture_lib.viz.plotting import CLASS_COLORS

    run = PlaygroundRun("xor", train_fraction=0.5)
    fig, ax = plt.subplots()
    artists = draw_playground(ax, run, resolution=10, legend=True, colorbar=True)
    for split, (x, y) in [("train", (run.x_train, run.y_train)), ("test", (run.x_test, run.y_test))]:
        paths = artists[split].get_paths()
        assert len(paths) == len(y)
        # a circle path has many vertices, a square 5: the shape follows the class
        assert {len(paths[i].vertices) for i in np.flatnonzero(y == 1)} == {5}
        assert all(len(paths[i].vertices) > 5 for i in np.flatnonzero(y == 0))
    train_faces, test_faces = artists["train"].get_facecolors(), artists["test"].get_facecolors()
    assert np.allclose(train_faces[run.y_train == 1][0], to_rgba(CLASS_COLORS[1]))
    assert np.allclose(test_faces, to_rgba("white"))                          # test points are hollow
    assert np.allclose(artists["test"].get_edgecolors()[run.y_test == 0][0], to_rgba(CLASS_COLORS[0]))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1", "train (filled)",
                                                                     "test (hollow)"]
    assert len(fig.axes) == 2 and "P(y = 1" in fig.axes[1].get_ylabel()        # the colour bar
    # a new run moves the points and their shapes with them
    other = PlaygroundRun("circle", train_fraction=0.5, seed=3)
    update_playground(artists, other, resolution=10)
    assert {len(artists["train"].get_paths()[i].vertices) for i in np.flatnonzero(other.y_train == 1)} == {5}
    plt.close(fig)


def test_blitted_frame_matches_a_full_render():
    run = PlaygroundRun("spiral", hidden=(8,), eta=0.3).train(20)
    figure = PlaygroundFigure(run, resolution=30)
    figure.rgba()                                    # first frame: renders the background
    figure.update(PlaygroundRun("xor", noise=0.2))   # epoch 0: the loss axes' limits change
    figure.rgba()                                    # so the background is rendered again
    renders = figure.full_renders
    assert renders == 2
    figure.update(PlaygroundRun("circle", noise=0.3, activation="relu"))
    blitted = figure.rgba().astype(float)            # same limits: background restored, artists drawn on it
    assert figure.full_renders == renders
    for artist in figure.artists.values():
        artist.set_animated(False)
    figure.figure.canvas.draw()                      # the slow way: everything drawn from scratch
    full = np.asarray(figure.figure.canvas.buffer_rgba()).astype(float)
    assert blitted.shape == full.shape
    assert np.mean(np.abs(blitted - full)) < 1.0 and np.mean(np.any(blitted != full, axis=2)) < 0.01


def _redraw_after(playground, name, value):
    before = playground.image.value
    playground.controls[name].value = value
    return playground.image.value != before


def test_playground_controls_redraw_and_train_only_on_the_button():
    playground = Playground(epochs_per_click=10)
    names = {"dataset", "noise", "hidden_layers", "units", "activation", "eta", "l2", "train_fraction",
             "epochs", "train", "reset"}
    assert set(playground.controls) == names
    assert "application/vnd.jupyter.widget-view+json" in playground._repr_mimebundle_()
    figure = playground.figure.figure
    assert _redraw_after(playground, "dataset", "spiral") and playground.run.settings["dataset"] == "spiral"
    assert _redraw_after(playground, "noise", 0.3) and playground.run.settings["noise"] == 0.3
    assert _redraw_after(playground, "hidden_layers", 3) and playground.run.settings["hidden"] == (4, 4, 4)
    assert _redraw_after(playground, "units", 6) and playground.run.settings["hidden"] == (6, 6, 6)
    assert _redraw_after(playground, "activation", "relu")
    assert _redraw_after(playground, "train_fraction", 0.8) and len(playground.run.y_train) == 160
    assert playground.run.epoch == 0  # no slider trains
    assert playground.figure.full_renders == 1  # sliders only blit onto the cached background
    assert playground.controls["train"].description == "train 10 epochs"
    playground.controls["train"].click()
    assert playground.run.epoch == 10 and len(playground.run.history["train_loss"]) == 11
    playground.controls["eta"].value = 0.3          # rates apply to the running training, no reset
    playground.controls["l2"].value = 0.01
    assert playground.run.epoch == 10 and playground.run.eta == 0.3 and playground.run.l2 == 0.01
    playground.controls["reset"].click()
    assert playground.run.epoch == 0 and playground.run.eta == 0.3
    playground.controls["epochs"].value = 100
    assert playground.controls["train"].description == "train 100 epochs"
    assert playground.figure.figure is figure and len(figure.axes[0].images) == 1  # one figure, reused
    assert plt.get_fignums() == []  # nothing went through pyplot


def test_slider_moves_are_blits_not_full_renders():
    """What keeps a slider move cheap (no timing here: benchmarks/playground_latency.py measures it).

    Each noise change produces a new frame, but the figure is rendered in full only once;
    every later frame restores the cached background and redraws the changing artists.
    """
    playground = Playground()
    frames = {playground.image.value}
    for noise in [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4]:
        playground.controls["noise"].value = noise
        frames.add(playground.image.value)
    assert len(frames) == 9 and len(playground.redraw_seconds) == 8
    assert playground.figure.full_renders == 1


@pytest.mark.parametrize("kwargs, message", [
    ({"dataset": "moons"}, "Unknown dataset 'moons'"),
    ({"eta": 0.5}, "Unknown eta"),
    ({"hidden_layers": 7}, "hidden_layers must be an integer from 0 to 4"),
    ({"units": 0}, "units must be an integer from 1 to 8"),
    ({"noise": 0.8}, r"noise must lie in \[0, 0.5\], got 0.8"),
    ({"train_fraction": 0.95}, r"train_fraction must lie in \[0.1, 0.9\]"),
    ({"epochs_per_click": 7}, "Unknown epochs_per_click 7"),
])
def test_playground_validates_its_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Playground(**kwargs)


def test_learning_rate_menu_is_the_playgrounds():
    assert list(LEARNING_RATES) == sorted(LEARNING_RATES) and 0.03 in LEARNING_RATES
    with pytest.raises(ValueError, match="valid names are: 0.001"):
        Playground(eta=0.02)


def test_loss_legend_sits_above_the_curves():
    """The test loss that climbs back up (overfitting) must not run under the legend (upper right)."""
    run = PlaygroundRun("xor", noise=0.3, hidden=(8, 8), eta=0.1, train_fraction=0.2).train(600)  # chapter 03's
    assert run.history["test_loss"][-1] == max(run.history["test_loss"])   # it climbs to its highest at the end
    fig, axes = plt.subplots(2, 2, figsize=(9, 7), gridspec_kw={"height_ratios": [3, 2]})
    ax, ax_loss = axes[:, 0]
    draw_playground(ax, run, ax_loss, resolution=10)
    fig.tight_layout()
    fig.canvas.draw()
    legend = ax_loss.get_legend().get_window_extent()
    for line in ax_loss.get_lines():
        x, y = ax_loss.transData.transform(line.get_xydata()).T
        assert not np.any((x >= legend.x0) & (x <= legend.x1) & (y >= legend.y0)), line.get_label()
    plt.close(fig)
    # an untrained run keeps the limits (0, 1), so a slider move does not re-render the background
    for name in PLAYGROUND_DATASETS:
        assert PlaygroundFigure(PlaygroundRun(name), resolution=10).figure.axes[1].get_ylim() == (0.0, 1.0)


def test_hidden_unit_grids_are_the_first_layer_outputs_and_validate_the_layer():
    run = PlaygroundRun("circle", hidden=(3, 2), seed=1)
    grids = run.hidden_unit_grids(layer=1, resolution=7)
    assert grids.shape == (3, 7, 7)
    W, b = run.hidden_unit_weights(1)
    grid = np.linspace(-1.6, 1.6, 7)
    # row i is x2 = grid[i], column k is x1 = grid[k]
    assert np.allclose(grids[2, 5, 1], np.tanh(grid[1] * W[0, 2] + grid[5] * W[1, 2] + b[2]))
    assert not np.allclose(grids[2, 1, 5], grids[2, 5, 1])           # x1 and x2 not swapped (generic weights)
    assert run.hidden_unit_grids(layer=2, resolution=4).shape == (2, 4, 4)
    for bad in (0, 3, True):
        with pytest.raises(ValueError, match="hidden layer"):
            run.hidden_unit_grids(layer=bad)
    with pytest.raises(ValueError, match="no hidden layer"):
        PlaygroundRun("circle", hidden=()).hidden_unit_grids(1)


def test_validation_split_is_carved_from_the_training_points():
    plain = PlaygroundRun("spiral", hidden=(4,), seed=0)
    held = PlaygroundRun("spiral", hidden=(4,), seed=0, validation_fraction=0.2)
    assert len(held.y_train) + len(held.y_val) == len(plain.y_train) and len(held.y_val) == 20
    assert np.array_equal(held.x_test, plain.x_test)                # the test points are untouched
    fit_rows = {tuple(row) for row in held.x_train}
    assert not fit_rows & {tuple(row) for row in held.x_val}
    assert fit_rows | {tuple(row) for row in held.x_val} == {tuple(row) for row in plain.x_train}
    held.train(2)
    assert len(held.history["val_loss"]) == 3 and "val_acc" in held.history
    assert "val_loss" not in plain.history
    with pytest.raises(ValueError):
        plain.loss("val")


def test_hidden_unit_maps_draw_one_image_per_unit_with_edges_and_a_colour_bar():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from lecture_lib.viz.playground_explorer import draw_hidden_unit_maps

    run = PlaygroundRun("circle", hidden=(3,), seed=0)
    fig, axes = plt.subplots(1, 3)
    images = draw_hidden_unit_maps(axes, run, resolution=9)
    assert len(images) == 3 and images[0].get_array().shape == (9, 9)
    assert all(len(ax.lines) == 1 for ax in axes)                   # the edge h_j = 0
    assert images[0].get_clim() == (-1.0, 1.0)
    assert len(fig.axes) == 4 and "unit output" in fig.axes[-1].get_ylabel()
    assert axes[0].get_xlabel() == "$x_1$" and axes[0].get_ylabel() == "$x_2$"
    with pytest.raises(ValueError, match="one Axes per unit"):
        draw_hidden_unit_maps(axes[:2], run)
    plt.close(fig)


def test_edge_crosses_square_both_ways():
    from lecture_lib.topics.playground import edge_crosses_square
    assert edge_crosses_square([1.0, 1.0], 0.0)                      # through the centre
    assert edge_crosses_square([1.0, 0.0], -1.5)                     # x1 = 1.5, inside [-1.6, 1.6]
    assert not edge_crosses_square([1.0, 0.0], -1.7)                 # x1 = 1.7, outside
    assert not edge_crosses_square([-0.01, 0.18], 1.25)              # x2 = -6.9: far below the square
    assert edge_crosses_square([-0.01, 0.18], 1.25, lim=8.0)
    with pytest.raises(ValueError, match="two input weights"):
        edge_crosses_square([1.0, 2.0, 3.0], 0.0)
