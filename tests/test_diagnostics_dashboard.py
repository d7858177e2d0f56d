"""viz.diagnostics_dashboard and viz.feature_scaling_histograms: the figures and the widget redraw."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lecture_lib.topics.training_pitfalls import train_deep_network  # noqa: E402
from lecture_lib.viz.diagnostics_dashboard import (MAX_DEPTH, diagnostics_dashboard, diagnostics_small_multiples,  # noqa: E402
                                                   draw_gradient_norms, draw_unit_health)
from lecture_lib.viz.feature_scaling_histograms import draw_scaling_histograms  # noqa: E402


def test_gradient_norms_and_unit_health_draw_one_value_per_layer():
    import matplotlib.pyplot as plt

    run = train_deep_network(depth=3, activation="relu", n_train=64, epochs=1)
    fig, (a, b) = plt.subplots(1, 2)
    draw_gradient_norms(a, [run.before, run.after], label="x")
    assert len(a.lines) == 2 and len(a.lines[0].get_xdata()) == 4  # 3 hidden layers + the output
    draw_unit_health(b, run.after)
    heights = [p.get_height() for p in b.patches]
    assert np.allclose(heights, [100 * v for v in run.after.column("dead_fraction").values()])
    assert "dead" in b.get_ylabel()
    plt.close(fig)


def test_small_multiples_one_column_per_setting():
    import matplotlib.pyplot as plt

    fig, runs = diagnostics_small_multiples([dict(depth=2, activation="sigmoid", init="lecun"),
                                             dict(depth=2, activation="relu")], seeds=(0, 1), epochs=1, n_train=64)
    assert len(runs) == 2 and len(runs[0]) == 2 and len(fig.axes) == 4
    assert "saturated" in fig.axes[2].get_ylabel() and "dead" in fig.axes[3].get_ylabel()
    plt.close(fig)


def test_dashboard_redraws_on_every_control():
    box = diagnostics_dashboard(depth=3, epochs=1, n_train=64)
    (eta, depth), (activation, init, optimizer), image = box.children[0].children, box.children[1].children, \
        box.children[2]
    seen = {image.value}
    for control, value in [(eta, 0.1), (depth, 5), (activation, "sigmoid"), (init, "large"), (optimizer, "sgd")]:
        control.value = value
        assert image.value not in seen, f"{control.description} did not redraw"
        seen.add(image.value)
    depth.value = MAX_DEPTH  # the deepest network still fits the fixed axes
    assert image.value not in seen


def test_dashboard_rejects_bad_settings():
    with pytest.raises(ValueError, match="depth"):
        diagnostics_dashboard(depth=MAX_DEPTH + 1)
    with pytest.raises(ValueError, match="activation"):
        diagnostics_dashboard(activation="swish")


def test_scaling_histograms_one_panel_per_version():
    import matplotlib.pyplot as plt

    fig = draw_scaling_histograms({"raw": np.arange(10.0), "log": np.log1p(np.arange(10.0))}, title="t")
    assert [ax.get_title() for ax in fig.axes] == ["raw", "log"]
    plt.close(fig)
    with pytest.raises(ValueError):
        draw_scaling_histograms({})
