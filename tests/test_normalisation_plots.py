"""viz.normalisation_plots: running-mean lines and accuracy maps."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lecture_lib.viz.normalisation_plots import draw_accuracy_map, draw_running_means  # noqa: E402


def test_running_means_one_line_per_convention_and_the_true_mean():
    fig, ax = plt.subplots()
    traces = {"a": (np.zeros((5, 2)), np.ones((5, 2))), "b": (np.ones((5, 2)), np.ones((5, 2)))}
    draw_running_means(ax, traces, 0.5, feature=1, title="t")
    assert len(ax.lines) == 3 and ax.get_title() == "t"
    with pytest.raises(ValueError, match="empty"):
        draw_running_means(ax, {}, 0.0)
    plt.close(fig)


def test_accuracy_map_marks_diverged_runs_and_checks_the_shape():
    fig, ax = plt.subplots()
    acc = np.array([[[0.9, 0.8], [np.nan, 0.5]]])
    draw_accuracy_map(ax, acc, depths=(3,), etas=(0.1, 1.0))
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == ["0.25\n1 div", "0.85"]
    with pytest.raises(ValueError, match="shape"):
        draw_accuracy_map(ax, acc, depths=(3, 4), etas=(0.1, 1.0))
    plt.close(fig)


def test_saturation_and_gradient_drawings():
    import matplotlib.pyplot as plt

    from lecture_lib.viz.normalisation_plots import (draw_gradient_norms_per_layer, draw_last_layer_histograms,
                                                     draw_saturation_per_layer)
    fig, (a, b, c) = plt.subplots(1, 3)
    draw_last_layer_histograms(a, {"net": [np.zeros((4, 3)), np.array([[-1.0, 0.995], [0.2, 0.3]])]})
    assert len(a.patches) == 1 and "last hidden layer" in a.get_xlabel()
    draw_saturation_per_layer(b, {"net": [0.0, 0.5, 1.0]})
    np.testing.assert_allclose(b.lines[0].get_ydata(), [0, 50, 100])
    draw_gradient_norms_per_layer(c, {"a": [1e-6, 1e-3], "b": [0.5, 0.4]})
    assert len(c.lines) == 2 and c.get_yscale() == "log"
    for draw in (draw_last_layer_histograms, draw_saturation_per_layer, draw_gradient_norms_per_layer):
        with pytest.raises(ValueError, match="empty"):
            draw(a, {})
    plt.close(fig)


def test_seed_sweep_draws_mean_and_min_max_band():
    from lecture_lib.viz.normalisation_plots import draw_seed_sweep
    fig, ax = plt.subplots()
    results = {"plain": {"acc": np.array([[0.1, 0.3], [0.8, np.nan]])}, "bn": {"acc": np.array([[0.9, 0.9], [0.9, 1.0]])}}
    draw_seed_sweep(ax, (0.1, 1.0), results, "acc", xlabel="scale", log_x=True)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [0.2, 0.8])  # the diverged run left out
    assert len(ax.collections) == 2 and ax.get_xscale() == "log" and "min-max" in ax.get_legend().get_texts()[0].get_text()
    with pytest.raises(ValueError, match="shape"):
        draw_seed_sweep(ax, (0.1, 1.0, 10.0), results, "acc", xlabel="scale")
    with pytest.raises(ValueError, match="empty"):
        draw_seed_sweep(ax, (0.1,), {}, "acc", xlabel="scale")
    plt.close(fig)


def test_layer_histograms_titles_give_the_saturated_share():
    from lecture_lib.viz.normalisation_plots import draw_layer_histograms
    fig, axes = plt.subplots(2, 2)
    g = [np.array([[0.995, -0.999], [0.1, 0.2]]), np.array([[0.0, 0.1], [0.2, 0.3]])]
    eps = [np.array([[1e-3, 1e-4], [1e-2, 0.0]]), np.array([[1e-1, 1e-2], [1e-3, 1e-4]])]
    shares = draw_layer_histograms(axes, g, eps, layers=(1, 2), label="net")
    assert shares == [50.0, 0.0]
    assert axes[0, 0].get_title() == "layer 1: 50 % saturated" and "0 %" in axes[0, 1].get_title()
    assert axes[1, 0].get_xlabel().startswith("log10") and "net" in axes[0, 0].get_ylabel()
    # layer 1 has one error term of four exactly 0: the drawn fractions sum to 3/4 and the note says 25 %
    assert axes[1, 0].patches[0].get_data().values.sum() == pytest.approx(0.75)
    assert [t.get_text() for t in axes[1, 0].texts] == ["25 % exactly 0\n(not drawn)"] and not axes[1, 1].texts
    fig2, axes2 = plt.subplots(2, 1, squeeze=False)
    draw_layer_histograms(axes2, g, eps, layers=(2,), error_range=(-6.0, 0.0))
    assert axes2[1, 0].patches[0].get_data().edges[0] == pytest.approx(-6.0)  # the common axis
    plt.close(fig2)
    with pytest.raises(ValueError, match="does not exist"):
        draw_layer_histograms(axes, g, eps, layers=(1, 3))
    with pytest.raises(ValueError, match="shape"):
        draw_layer_histograms(axes[0], g, eps, layers=(1, 2))
    plt.close(fig)
