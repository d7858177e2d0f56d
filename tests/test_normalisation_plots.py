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
