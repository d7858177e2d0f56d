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


def test_zero_gradient_norms_are_drawn_at_the_bottom_and_labelled():
    import matplotlib.pyplot as plt
    from lecture_lib.viz.diagnostics_dashboard import ZERO_FLOOR

    run = train_deep_network(depth=2, activation="relu", n_train=64, epochs=1)
    rows = run.after.layers
    rows[0].grad_norm = 0.0  # as when every unit of the layers above is dead
    fig, ax = plt.subplots()
    draw_gradient_norms(ax, [run.after], label="after")
    marks = [line for line in ax.lines if line.get_label().startswith("exactly 0")]
    assert len(marks) == 1 and list(marks[0].get_ydata()) == [ZERO_FLOOR]
    plt.close(fig)
    fig, ax = plt.subplots()
    draw_gradient_norms(ax, [train_deep_network(depth=2, n_train=64, epochs=1).after])
    assert not [line for line in ax.lines if line.get_label().startswith("exactly 0")]  # nothing to mark
    plt.close(fig)


def test_a_diverged_run_says_so_on_its_panel():
    import matplotlib.pyplot as plt

    fig, runs = diagnostics_small_multiples([dict(depth=10, activation="relu", init="large", optimizer="sgd",
                                                  eta=0.1), dict(depth=2)], seeds=(0,), epochs=3)
    assert runs[0][0].diverged and not runs[1][0].diverged
    texts = [[t.get_text() for t in ax.texts] for ax in fig.axes[2:]]
    assert any("NaN" in t for t in texts[0]) and not any("NaN" in t for t in texts[1])
    plt.close(fig)
    box = diagnostics_dashboard(depth=10, init="large", optimizer="sgd", eta=0.1, epochs=3, n_train=480)
    assert box.children[2].value  # drawn; the note itself is checked on the figure above


def test_elu_panel_and_spread_and_histograms():
    import matplotlib.pyplot as plt
    from lecture_lib.topics.training_pitfalls import deep_network, digits_split, layer_outputs, output_spread
    from lecture_lib.viz.diagnostics_dashboard import draw_centred_histograms, draw_output_spread

    run = train_deep_network(depth=2, activation="elu", n_train=64, epochs=1)
    fig, (a, b, c) = plt.subplots(1, 3)
    draw_unit_health(a, run.after)
    assert "not measured" in a.texts[0].get_text()
    x = digits_split(50)[0]
    model = deep_network(4, activation="sigmoid", init="lecun")
    draw_output_spread(b, [output_spread(model, x)], label="sigmoid")
    assert len(b.lines[0].get_xdata()) == 5 and b.get_yscale() == "log"
    draw_centred_histograms(c, layer_outputs(model, x), layers=(1, 4))
    assert [t.get_text() for t in c.get_legend().get_texts()] == ["layer 1", "layer 4"]
    plt.close(fig)


def test_dashboard_draws_the_forward_spread_of_every_layer():
    box = diagnostics_dashboard(depth=4, activation="sigmoid", init="lecun", epochs=1, n_train=64)
    assert box.children[2].value
    from lecture_lib.viz import diagnostics_dashboard as module
    x, values = module._numbered([1.0, float("nan"), 1e-3])
    assert list(x) == [1, 2, 3] and np.isnan(values[1]) and values[2] == 1e-3
