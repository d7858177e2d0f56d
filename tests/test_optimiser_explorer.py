"""lecture_lib.viz.optimiser_explorer: small multiples and the live widget."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from lecture_lib.viz.optimiser_explorer import optimiser_explorer, trajectory_small_multiples  # noqa: E402
from widget_tools import find_control  # noqa: E402


def test_small_multiples_draw_one_panel_per_optimiser_and_landscape():
    fig, runs = trajectory_small_multiples(("gradient descent", "lbfgs"), condition_number=20)
    assert len(fig.axes) == 4 and len(runs) == 4
    assert "lbfgs" in fig.axes[1].get_title() and "steps" in fig.axes[1].get_title()
    plt.close(fig)


def test_explorer_redraws_when_a_control_changes():
    widget = optimiser_explorer(optimiser="gradient descent", eta=0.5)
    image = widget.children[-1]
    first = image.value
    find_control(widget, "κ").value = 300.0
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
