"""Training all widths at once equals training each width alone; label noise; bad input."""
import numpy as np
import pytest

from lecture_lib.topics.width_sweep import (
    check_widths, flip_labels, sweep_flops, train_one_width, train_width_sweep)


def _tiny_problem(n_train=37, n_test=11, d=6, seed=1):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n_train, d)), rng.integers(0, 10, n_train),
            rng.normal(size=(n_test, d)), rng.integers(0, 10, n_test))


def test_the_stacked_sweep_equals_a_plain_loop_per_width():
    data = _tiny_problem()
    widths = (3, 1, 8, 5)
    # 37 examples in batches of 10: 4 steps per epoch, the last one smaller; 3 epochs = 12 steps
    history = train_width_sweep(widths, *data, eta=0.05, batch_size=10, epochs=3, dtype=np.float64)
    for g, w in enumerate(widths):
        alone = train_one_width(w, *data, eta=0.05, batch_size=10, epochs=3)
        stacked = (history.train_loss[-1, g], history.train_error[-1, g],
                   history.test_loss[-1, g], history.test_error[-1, g])
        np.testing.assert_allclose(stacked, alone, rtol=1e-10, atol=1e-12)
    # training moved the losses: the comparison is not between two untrained networks
    assert np.all(np.abs(history.train_loss[-1] - history.train_loss[0]) > 1e-3)


def test_a_different_width_list_does_not_change_a_width_run():
    data = _tiny_problem()
    both = train_width_sweep((2, 7), *data, batch_size=10, epochs=2, dtype=np.float64)
    alone = train_width_sweep((7,), *data, batch_size=10, epochs=2, dtype=np.float64)
    np.testing.assert_allclose(both.test_loss[:, 1], alone.test_loss[:, 0], rtol=1e-10)


def test_a_different_seed_gives_a_different_run():
    data = _tiny_problem()
    a = train_width_sweep((4,), *data, batch_size=10, epochs=2, seed=0, dtype=np.float64)
    b = train_width_sweep((4,), *data, batch_size=10, epochs=2, seed=1, dtype=np.float64)
    assert not np.allclose(a.train_loss[-1], b.train_loss[-1])


def test_history_shapes_and_recorded_epochs():
    history = train_width_sweep((2, 3, 4), *_tiny_problem(), batch_size=16, epochs=5, record_every=2)
    assert list(history.epochs) == [0, 2, 4, 5]
    for name in ("train_loss", "train_error", "test_loss", "test_error"):
        assert getattr(history, name).shape == (4, 3)
    assert np.all((history.test_error >= 0) & (history.test_error <= 1))


def test_the_sweep_learns_a_separable_problem():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 5))
    y = (x[:, 0] > 0).astype(int) * 3
    history = train_width_sweep((16,), x, y, x, y, eta=0.05, batch_size=20, epochs=30)
    assert history.train_error[-1, 0] < 0.1 < history.train_error[0, 0]


@pytest.mark.parametrize("fraction", [0.0, 0.15, 0.5, 1.0])
def test_flip_labels_changes_exactly_the_fraction(fraction):
    y = np.arange(1000) % 10
    noisy, flipped = flip_labels(y, fraction, seed=3)
    assert np.sum(noisy != y) == round(fraction * len(y)) == flipped.sum()
    assert np.array_equal(noisy != y, flipped)
    assert noisy.min() >= 0 and noisy.max() <= 9


def test_flip_labels_is_seeded():
    y = np.arange(500) % 10
    assert np.array_equal(flip_labels(y, 0.2, seed=1)[0], flip_labels(y, 0.2, seed=1)[0])
    assert not np.array_equal(flip_labels(y, 0.2, seed=1)[0], flip_labels(y, 0.2, seed=2)[0])


def test_flop_count_of_one_width():
    # D=40, w=2: forward 2(80 + 4 + 20) = 208, backward 2(80 + 8 + 40) = 256 per example
    assert sweep_flops([2], n_train=1, n_test=0, epochs=1, evaluations=0) == 208 + 256


@pytest.mark.parametrize("widths", [[], [0], [3, -1], [2.0], [True], ["4"]])
def test_bad_widths_are_refused(widths):
    with pytest.raises(ValueError, match="width"):
        check_widths(widths)


def test_mismatched_data_is_refused():
    x, y, xt, yt = _tiny_problem()
    with pytest.raises(ValueError, match="labels must have shape"):
        train_width_sweep((2,), x, y[:-1], xt, yt, epochs=1)
    with pytest.raises(ValueError, match="features"):
        train_width_sweep((2,), x, y, xt[:, :3], yt, epochs=1)
    with pytest.raises(ValueError, match="2-D"):
        train_width_sweep((2,), x[:, 0], y, xt, yt, epochs=1)
    with pytest.raises(ValueError, match="0..9"):
        train_width_sweep((2,), x, y + 10, xt, yt, epochs=1)
    with pytest.raises(ValueError, match="batch_size"):
        train_width_sweep((2,), x, y, xt, yt, epochs=1, batch_size=0)


@pytest.mark.parametrize("n_train, n_test", [(30, 20), (301, 999)])
def test_mnist1d_data_has_the_asked_sizes(n_train, n_test):
    pytest.importorskip("mnist1d")
    from lecture_lib.topics.width_sweep import mnist1d_data

    x, y, x_test, y_test = mnist1d_data(n_train, n_test)
    assert x.shape == (n_train, 40) and y.shape == (n_train,)
    assert x_test.shape == (n_test, 40) and y_test.shape == (n_test,)
    assert set(np.unique(y)) <= set(range(10))


def test_mnist1d_data_refuses_a_total_the_classes_cannot_share():
    pytest.importorskip("mnist1d")
    from lecture_lib.topics.width_sweep import mnist1d_data

    with pytest.raises(ValueError, match="multiple of 10"):
        mnist1d_data(30, 13)


def test_width_sweep_over_seeds_equals_one_sweep_per_seed_with_that_seeds_noise():
    from lecture_lib.topics.width_sweep import width_sweep_over_seeds

    data = _tiny_problem()
    result = width_sweep_over_seeds((2, 6), *data, label_noise=0.3, seeds=(4, 5), batch_size=10, epochs=2,
                                    dtype=np.float64)
    assert result.train_error.shape == result.test_error.shape == (2, 2)
    for row, seed in enumerate((4, 5)):
        noisy = flip_labels(data[1], 0.3, seed=seed)[0]
        alone = train_width_sweep((2, 6), data[0], noisy, data[2], data[3], seed=seed, batch_size=10, epochs=2,
                                  dtype=np.float64)
        np.testing.assert_array_equal(result.test_error[row], alone.test_error[-1])
        np.testing.assert_array_equal(result.train_error[row], alone.train_error[-1])
    clean = width_sweep_over_seeds((2, 6), *data, seeds=(4,), batch_size=10, epochs=2, dtype=np.float64)
    assert not np.array_equal(clean.train_error[0], result.train_error[0])
    # several noise levels in two processes: the same numbers as one at a time
    both = width_sweep_over_seeds((2, 6), *data, label_noise=(0.0, 0.3), seeds=(4, 5), processes=2, batch_size=10,
                                  epochs=2, dtype=np.float64)
    np.testing.assert_array_equal(both[0.3].test_error, result.test_error)
    np.testing.assert_array_equal(both[0.0].train_error[0], clean.train_error[0])
    with pytest.raises(ValueError, match="processes"):
        width_sweep_over_seeds((2,), *data, processes=0)


def test_interpolation_width_needs_an_unbroken_run_of_zero_training_error():
    from lecture_lib.topics.width_sweep import interpolation_width

    widths = (2, 4, 8, 16)
    assert interpolation_width(widths, [[0.3, 0.1, 0.0, 0.0], [0.2, 0.0, 0.0, 0.0]]) == 8
    # width 4 fits in every seed, width 8 not in one: the run starts at 16
    assert interpolation_width(widths, [[0.3, 0.0, 0.01, 0.0], [0.2, 0.0, 0.0, 0.0]]) == 16
    assert interpolation_width(widths, [[0.3, 0.0, 0.0, 0.002]]) is None
    with pytest.raises(ValueError, match="one column per width"):
        interpolation_width(widths, [[0.1, 0.0]])


def test_peak_near_threshold_calls_a_peak_only_beyond_the_seeds_spread():
    from lecture_lib.topics.width_sweep import peak_near_threshold

    widths = (2, 4, 8, 16, 32)
    train = [[0.5, 0.2, 0.05, 0.0, 0.0]] * 3
    peaked = [[0.40, 0.36, 0.52, 0.45, 0.34], [0.41, 0.35, 0.50, 0.44, 0.35], [0.39, 0.37, 0.51, 0.46, 0.33]]
    verdict = peak_near_threshold(widths, train, peaked, window=2)
    assert verdict.appears and verdict.threshold == 16 and verdict.peak_width == 8
    assert verdict.before == pytest.approx(0.36) and verdict.after == pytest.approx(0.34)
    # the same means, but seeds spread wider than the bump: not a peak
    spread = [[0.40, 0.16, 0.71, 0.45, 0.14], [0.41, 0.56, 0.31, 0.44, 0.54], [0.39, 0.36, 0.51, 0.46, 0.34]]
    assert not peak_near_threshold(widths, train, spread, window=2).appears
    # a window of 3 widths puts width 4 among the candidates: the lowest narrower mean is width 2's
    assert peak_near_threshold(widths, train, peaked).before == pytest.approx(0.40)
    # a curve that keeps falling has no peak
    falling = [[0.50, 0.45, 0.40, 0.38, 0.35]] * 3
    assert not peak_near_threshold(widths, train, falling).appears
    # no width interpolates: no threshold, no verdict of a peak
    assert peak_near_threshold(widths, [[0.5, 0.2, 0.05, 0.01, 0.01]], falling[:1]).threshold is None
