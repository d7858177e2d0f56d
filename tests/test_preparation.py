"""validation_split and Standardiser (lecture_lib.datasets.preparation)."""
import numpy as np
import pytest

from lecture_lib.datasets import Standardiser, load_digits, validation_split


def test_validation_split_is_disjoint_complete_and_stratified():
    x, y = load_digits("train", flatten=True)
    x_fit, y_fit, x_val, y_val = validation_split(x, y, fraction=0.2, seed=3)
    assert x_fit.shape[0] + x_val.shape[0] == x.shape[0]
    rows = {r.tobytes() for r in x}
    assert {r.tobytes() for r in x_val}.isdisjoint({r.tobytes() for r in x_fit}) or len(rows) < len(x)
    for digit in range(10):
        share = np.mean(y_val == digit) / np.mean(y == digit)
        assert 0.85 < share < 1.15, (digit, share)
    again = validation_split(x, y, fraction=0.2, seed=3)
    np.testing.assert_array_equal(again[2], x_val)
    other = validation_split(x, y, fraction=0.2, seed=4)
    assert not np.array_equal(other[2], x_val)


def test_validation_split_one_hot_and_real_targets():
    x, y = load_digits("train", one_hot=True, flatten=True)
    _, y_fit, _, y_val = validation_split(x, y, fraction=0.25, seed=0)
    assert y_val.shape[1] == 10 and abs(len(y_val) - 0.25 * len(y)) <= 10
    xr = np.arange(20.0).reshape(10, 2)
    yr = np.linspace(0, 1, 10)
    x_fit, y_fit, x_val, y_val = validation_split(xr, yr, fraction=0.3, seed=0)
    assert len(y_val) == 3 and len(y_fit) == 7
    np.testing.assert_array_equal(np.sort(np.concatenate([y_fit, y_val])), yr)


@pytest.mark.parametrize("fraction", [0, 1, 1.5, -0.1, "0.2", True])
def test_validation_split_refuses_bad_fraction(fraction):
    with pytest.raises(ValueError, match="fraction"):
        validation_split(np.zeros((10, 2)), np.zeros(10), fraction=fraction)


def test_validation_split_refuses_mismatched_rows():
    with pytest.raises(ValueError, match="same number of rows"):
        validation_split(np.zeros((10, 2)), np.zeros(9))


def test_standardiser_guards_constant_columns():
    rng = np.random.default_rng(0)
    x_train = rng.normal(size=(50, 3))
    x_train[:, 1] = 0.0                        # a pixel that is always 0 in training
    x_test = rng.normal(size=(5, 3))
    x_test[0, 1] = 1.0
    s = Standardiser().fit(x_train)
    z = s.transform(x_test)
    assert np.all(np.abs(z) < 10)              # x.std() + 1e-8 would give 1e8 here
    assert s.constant_.tolist() == [False, True, False]
    z_train = s.transform(x_train)
    np.testing.assert_allclose(z_train[:, [0, 2]].mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(z_train[:, [0, 2]].std(axis=0), 1, rtol=1e-12)
    naive = (x_test - x_train.mean(0)) / (x_train.std(0) + 1e-8)
    assert np.abs(naive).max() > 1e7           # the bug the guard removes


def test_standardiser_errors():
    with pytest.raises(RuntimeError, match="fit"):
        Standardiser().transform(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="features"):
        Standardiser().fit(np.zeros((3, 2))).transform(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="NaN"):
        Standardiser().fit(np.array([[np.nan, 1.0]]))
    with pytest.raises(ValueError, match=r"\(N, D\)"):
        Standardiser().fit(np.zeros(3))
