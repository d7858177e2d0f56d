"""Drawing helpers and widgets: the static twin and the live widget draw the same lesson."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lecture_lib.datasets import logic_gate_data  # noqa: E402
from lecture_lib.viz.threshold_unit_explorer import (draw_threshold_unit, step_function_slider,  # noqa: E402
                                 threshold_unit_explorer, truth_table_text)
from widget_tools import find_control  # noqa: E402


def test_draw_counts_correct_points_and_titles_the_finding():
    x, y = logic_gate_data("AND")
    fig, ax = plt.subplots()
    assert draw_threshold_unit(ax, x, y, [1.0, 1.0], -1.5) == 4
    assert "4/4 correct" in ax.get_title()
    assert draw_threshold_unit(ax, x, y, [1.0, 1.0], -0.5) == 2  # OR differs from AND on 01 and 10
    plt.close(fig)


def test_truth_table_marks_wrong_rows():
    x, y = logic_gate_data("XOR")
    text = truth_table_text(x, y, [1.0, 1.0], -0.5)
    assert text.count("<- wrong") == 1 and text.endswith("3/4 correct")


def test_explorer_has_the_lecture_controls_and_redraws_on_change():
    import ipywidgets

    open_before = plt.get_fignums()
    explorer = threshold_unit_explorer(gate="AND", w=(1.0, 1.0), b=-0.5)
    for name in ("w1", "w2", "b", "gate"):
        find_control(explorer, name)
    image, status = explorer.children[2], explorer.children[3]
    assert isinstance(image, ipywidgets.Image) and isinstance(status, ipywidgets.Label)
    first = image.value
    assert status.value == "AND: w = (1, 1), b = -0.5: 2/4 correct; the unit computes OR"
    find_control(explorer, "b").value = -1.5
    assert status.value.endswith("4/4 correct; the unit computes AND") and image.value != first  # the plot follows
    find_control(explorer, "gate").value = "XOR"
    assert status.value.startswith("XOR") and "4/4" not in status.value and status.value.endswith("computes AND")
    find_control(explorer, "gate").value = "AND"
    find_control(explorer, "b").value = -0.5
    assert image.value == first                                             # same setting, same frame
    assert plt.get_fignums() == open_before          # the widget opened no pyplot figure


def test_explorer_opens_on_a_bias_that_computes_its_gate():
    explorer = threshold_unit_explorer()
    assert explorer.children[3].value == "AND: w = (1, 1), b = -1.5: 4/4 correct; the unit computes AND"


def test_explorer_on_a_data_set_counts_its_points():
    x = np.array([[0.0, 0.0], [2.0, 2.0], [2.0, 0.0]])
    explorer = threshold_unit_explorer(x=x, y=np.array([0, 1, 1]), w=(1.0, 0.0), b=-1.0)
    assert explorer.children[-1].value == "w = (1, 0), b = -1: 3/3 correct"


def test_explorer_validates_its_arguments():
    with pytest.raises(ValueError, match="Unknown gate 'XNOR'"):
        threshold_unit_explorer(gate="XNOR")
    with pytest.raises(ValueError, match="both x and y"):
        threshold_unit_explorer(x=np.zeros((3, 2)))
    with pytest.raises(ValueError, match="low < high"):
        threshold_unit_explorer(slider_range=(1.0, -1.0))


def test_start_here_slider_moves_the_step(monkeypatch):
    titles = []
    monkeypatch.setattr(plt, "show", lambda *a, **k: titles.append(plt.gcf().axes[0].get_title()))
    demo = step_function_slider()
    find_control(demo, "b").value = 1.0
    assert titles[-1].startswith("The step moves to x = -1.0")


def test_start_here_slider_title_has_no_negative_zero(monkeypatch):
    titles = []
    monkeypatch.setattr(plt, "show", lambda *a, **k: titles.append(plt.gcf().axes[0].get_title()))
    demo = step_function_slider(b=0.5)
    find_control(demo, "b").value = 0.0
    assert titles[-1] == "The step moves to x = 0.0 as b changes"
    plt.close("all")


def test_threshold_function_figure_marks_f_of_zero_and_is_labelled():
    from lecture_lib.viz.threshold_unit_explorer import draw_threshold_function
    fig, ax = plt.subplots()
    draw_threshold_function(ax)
    assert ax.get_xlabel() and ax.get_ylabel() and "geq" in ax.get_title()
    step, filled, hollow = ax.lines
    assert filled.get_ydata()[0] == 1 and hollow.get_ydata()[0] == 0 and hollow.get_markerfacecolor() == "white"
    with pytest.raises(ValueError, match="contain 0"):
        draw_threshold_function(ax, h_range=(1.0, 3.0))
    plt.close(fig)


def test_mistakes_per_epoch_draws_one_labelled_line_per_run():
    from lecture_lib.topics.perceptron import train_perceptron
    from lecture_lib.viz.threshold_unit_explorer import draw_mistakes_per_epoch
    runs = {"AND": train_perceptron(*logic_gate_data("AND")), "XOR": train_perceptron(*logic_gate_data("XOR"), max_epochs=7)}
    fig, ax = plt.subplots()
    draw_mistakes_per_epoch(ax, runs)
    assert [line.get_label() for line in ax.lines] == ["AND", "XOR"]
    assert len(ax.lines[1].get_xdata()) == 7 and ax.get_legend() is not None and ax.get_xlabel() == "epoch"
    with pytest.raises(ValueError, match="at least one"):
        draw_mistakes_per_epoch(ax, {})
    plt.close(fig)
