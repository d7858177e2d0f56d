"""viz.running_statistics_explorer: the trace it draws, the static twin and the widget."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lecture_lib.viz.running_statistics_explorer import (BATCH_SIZES, MOMENTA, running_mean_trace,  # noqa: E402
                                                         running_statistics_explorer,
                                                         running_statistics_small_multiples, trace_limits)
from widget_tools import assert_redraws  # noqa: E402

H = np.random.default_rng(0).normal(3.0, 2.0, size=(500, 2))


def test_trace_converges_with_large_batches_and_small_momentum_lags():
    trace, error = running_mean_trace(H, 256, 0.1, n_batches=200)
    assert error < 0.1 and trace.shape == (200,)
    slow, slow_error = running_mean_trace(H, 256, 0.001, n_batches=50)
    assert slow_error > 2.0  # after 50 batches with 0.1 % weight the running mean is still near its start, 0
    noisy = [running_mean_trace(H, 2, 0.9, n_batches=100, seed=s)[1] for s in range(10)]
    calm = [running_mean_trace(H, 2, 0.01, n_batches=1000, seed=s)[1] for s in range(10)]
    assert np.mean(noisy) > 2 * np.mean(calm)


@pytest.mark.parametrize("kwargs, match", [({"batch_size": 1}, "batch_size"), ({"batch_size": 501}, "at most"),
                                           ({"feature": 2}, "feature")])
def test_trace_refuses_bad_arguments(kwargs, match):
    args = {"batch_size": 4, "momentum": 0.1} | kwargs
    with pytest.raises(ValueError, match=match):
        running_mean_trace(H, **args)


def test_small_multiples_has_a_panel_per_pair():
    fig = running_statistics_small_multiples(H, batch_sizes=(4, 32), momenta=(0.1, 0.9), n_batches=20)
    assert len(fig.axes) == 4 and "error" in fig.axes[0].get_title()
    plt.close(fig)


def test_explorer_redraws_on_both_sliders():
    assert_redraws(running_statistics_explorer(H, n_batches=30), {"batch size": 256, "momentum": 0.9})
    with pytest.raises(ValueError, match="one of"):
        running_statistics_explorer(H, batch_size=5)


def test_every_slider_setting_draws_its_trace_inside_the_fixed_y_range():
    # the old range, the mean +- 1.5 standard deviations, left the trace of momentum 0.001 (which stays near its
    # start 0) entirely below the axes: an empty picture
    data = np.random.default_rng(1).normal(1.9, 0.75, size=(1438, 1))
    low, high = trace_limits(data)
    assert low <= 0.0 < data.mean() < high
    for batch_size in (BATCH_SIZES[0], BATCH_SIZES[-1]):
        for momentum in (MOMENTA[0], MOMENTA[-1]):
            trace, _ = running_mean_trace(data, batch_size, momentum)
            assert low <= trace.min() and trace.max() <= high, (batch_size, momentum, trace.min(), trace.max())
    old_low = data.mean() - 1.5 * data.std()
    assert running_mean_trace(data, 16, MOMENTA[0])[0].max() < old_low  # the defect this range mends


def test_the_error_is_the_tail_mean_so_a_lucky_last_batch_cannot_hide_the_noise():
    # momentum 0.99 follows single pairs of examples; its error must exceed that of a calm setting for every
    # seed (the error after the last batch alone did not: a pair near the mean gave a tiny error)
    for seed in range(10):
        trace, noisy = running_mean_trace(H, 2, 0.99, n_batches=300, seed=seed)
        _, calm = running_mean_trace(H, 256, 0.1, n_batches=300, seed=seed)
        assert noisy > 3 * calm, (seed, noisy, calm)
        assert noisy == pytest.approx(np.mean(np.abs(trace[-100:] - H[:, 0].mean())))
