"""The shipped 8x8 digits: shapes, values, the fixed split, options, attribution."""
from pathlib import Path

import numpy as np
import pytest

from lecture_lib.datasets.digits import DIGITS_PATH, load_digits


def test_sizes_of_the_splits():
    x_all, y_all = load_digits("all")
    x_train, y_train = load_digits("train")
    x_test, y_test = load_digits("test")
    assert x_all.shape == (1797, 8, 8) and y_all.shape == (1797,)
    assert x_train.shape[0] + x_test.shape[0] == 1797
    assert 0.19 < x_test.shape[0] / 1797 < 0.21
    assert y_train.dtype == np.int64 and set(np.unique(y_all)) == set(range(10))


def test_split_is_a_disjoint_stratified_partition():
    with np.load(DIGITS_PATH) as data:
        train, test, labels = data["train_index"], data["test_index"], data["labels"]
    assert np.intersect1d(train, test).size == 0
    np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(1797))
    for digit in range(10):
        count = np.sum(labels == digit)
        assert abs(np.sum(labels[test] == digit) - 0.2 * count) <= 0.5  # rounded 20% of each digit


def test_split_matches_the_stored_indices():
    x_all, y_all = load_digits("all", scale=False)
    x_test, y_test = load_digits("test", scale=False)
    with np.load(DIGITS_PATH) as data:
        index = data["test_index"]
    np.testing.assert_array_equal(x_test, x_all[index])
    np.testing.assert_array_equal(y_test, y_all[index])


def test_values_raw_and_scaled():
    raw, _ = load_digits("all", scale=False)
    scaled, _ = load_digits("all")
    assert raw.min() == 0 and raw.max() == 16
    np.testing.assert_array_equal(raw, np.round(raw))
    np.testing.assert_allclose(scaled, raw / 16)


def test_one_hot_flatten_and_dtype():
    x, y = load_digits("train", one_hot=True, flatten=True, dtype="float32")
    _, labels = load_digits("train")
    assert x.shape == (1438, 64) and y.shape == (1438, 10)
    assert x.dtype == y.dtype == np.float32
    np.testing.assert_array_equal(y.argmax(axis=1), labels)
    np.testing.assert_array_equal(y.sum(axis=1), 1)
    images, _ = load_digits("train", dtype="float32")
    np.testing.assert_array_equal(x[7], images[7].ravel())


def test_loading_is_deterministic_and_returns_fresh_arrays():
    a, _ = load_digits("test")
    a[0, 0, 0] = 123.0
    b, _ = load_digits("test")
    assert b[0, 0, 0] != 123.0
    np.testing.assert_array_equal(load_digits("test")[0], b)


def test_file_is_small_and_uint8():
    assert DIGITS_PATH.stat().st_size < 200_000
    with np.load(DIGITS_PATH) as data:
        assert data["images"].dtype == np.uint8 and data["images"].shape == (1797, 8, 8)
        assert data["labels"].dtype == np.uint8


def test_bad_arguments():
    with pytest.raises(ValueError) as info:
        load_digits("validation")
    for name in ["'train'", "'test'", "'all'"]:
        assert name in str(info.value)
    with pytest.raises(ValueError, match="dtype"):
        load_digits(dtype="int8")


def test_attribution_is_shipped():
    text = (Path(DIGITS_PATH).parent / "DIGITS_LICENSE.md").read_text()
    for required in ["Optical Recognition of Handwritten Digits", "Alpaydin", "Kaynak",
                     "UCI Machine Learning Repository", "CC BY 4.0", "10.24432/C50P49"]:
        assert required in text
