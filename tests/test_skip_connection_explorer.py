"""viz.skip_connection_explorer (and topics.deep_training.skip_traces): the grid, the static twin, the widget."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lecture_lib.datasets.digits import load_digits  # noqa: E402
from lecture_lib.topics.deep_training import skip_traces, training_trace, deep_relu_mlp  # noqa: E402
from lecture_lib.viz.skip_connection_explorer import (skip_connection_explorer,  # noqa: E402
                                                      skip_connection_small_multiples, trace_grid)
from widget_tools import assert_redraws  # noqa: E402

X, Y = load_digits("train", one_hot=True, flatten=True)


@pytest.fixture(scope="module")
def traces():
    return skip_traces(X, Y, depths=(3, 6), branch_scales=(0.0, 1.0), steps=8, eta=0.01)


def test_traces_cover_the_grid_and_record_the_loss(traces):
    assert trace_grid(traces) == ([3, 6], [0.0, 1.0])
    norms, losses = traces[(6, 0.0)]
    assert norms.shape == (8, 7) and losses.shape == (8,) and np.all(np.isfinite(losses))
    assert losses[0] == pytest.approx(deep_relu_mlp(6, "residual", branch_scale=0.0).evaluate(
        X[np.random.default_rng(0).choice(len(X), 32, replace=False)],
        Y[np.random.default_rng(0).choice(len(X), 32, replace=False)])[0])  # the first batch's loss, before any update
    exploding_norms, exploding = training_trace(deep_relu_mlp(40, "residual_unscaled"), X, Y, steps=3)
    assert not np.isfinite(exploding).all()  # divergence shows as nan
    with pytest.raises(ValueError, match="lacks"):
        trace_grid({(3, 0.0): traces[(3, 0.0)]})


def test_small_multiples_has_a_panel_per_pair_and_the_plain_column(traces):
    fig = skip_connection_small_multiples(traces)
    assert len(fig.axes) == 2 * 3 + 1 and "plain" in fig.axes[0].get_title()
    plt.close(fig)


def test_explorer_redraws_on_both_sliders(traces):
    assert_redraws(skip_connection_explorer(traces), {"stages": 3, "branch scale": 0.0})
    with pytest.raises(ValueError, match="one of"):
        skip_connection_explorer(traces, depth=5)
