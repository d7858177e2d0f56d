"""lecture_lib.viz.optimiser_explorer: small multiples and the live widget."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from lecture_lib.viz.optimiser_explorer import optimiser_explorer, trajectory_small_multiples  # noqa: E402
from widget_tools import find_control  # noqa: E402


def test_small_multiples_draw_one_panel_per_optimiser_and_landscape():
    fig, runs = trajectory_small_multiples(("gradient descent", "lbfgs"), condition_number=20)
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(panels) == 4 and len(runs) == 4 and len(bars) == 2
    assert "lbfgs" in panels[1].get_title() and "evals" in panels[1].get_title()
    assert "evals" not in panels[0].get_title()
    assert all(ax.get_xlabel() == "$w_1$" and "$w_2$" in ax.get_ylabel() for ax in panels)
    assert all(ax.get_aspect() == 1.0 for ax in panels)  # a 30° valley is drawn at 30°
    assert all("log" in bar.get_ylabel() for bar in bars)
    plt.close(fig)


def test_explorer_redraws_when_a_control_changes():
    widget = optimiser_explorer(optimiser="gradient descent", eta=0.5)
    image = widget.children[-1]
    first = image.value
    find_control(widget, "c (cond.)").value = 300.0
    assert image.value != first
    second = image.value
    find_control(widget, "optimiser").value = "adam"
    find_control(widget, "landscape").value = "Rosenbrock"
    assert image.value != second


def test_explorer_validates_its_arguments():
    with pytest.raises(ValueError, match="optimiser"):
        optimiser_explorer(optimiser="sgdx")
    with pytest.raises(ValueError, match="eta"):
        optimiser_explorer(eta=-1)


def test_seed_band_figure_labels_median_and_band():
    import numpy as np
    from lecture_lib.viz.optimiser_explorer import seed_band_figure

    curves = {"a": [np.linspace(1, 0.1, 5), np.linspace(2, 0.2, 5), np.linspace(3, 0.3, 5)]}
    fig = seed_band_figure(curves, title="t")
    ax = fig.axes[0]
    assert "median of 3 seeds (band: min–max)" in ax.get_legend().get_texts()[0].get_text()
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "step"
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), np.linspace(2, 0.2, 5))
    plt.close(fig)
    with pytest.raises(ValueError, match="empty"):
        seed_band_figure({})


def test_moving_the_condition_number_re_blits_and_only_a_new_landscape_re_renders():
    widget = optimiser_explorer(optimiser="momentum", eta=1.9, momentum=0.5)
    renders = widget.live_figure.full_renders
    find_control(widget, "c (cond.)").value = 300.0
    find_control(widget, "μ").value = 0.2
    assert widget.live_figure.full_renders == renders  # fixed colour scale: the colour bar does not move
    find_control(widget, "landscape").value = "Rosenbrock"
    assert widget.live_figure.full_renders == renders + 1
