"""The 8x8 handwritten digits of the UCI "Optical Recognition of Handwritten Digits" data set.

1797 grey-level images of the digits 0-9, 8x8 pixels with values 0..16
(Alpaydin & Kaynak, UCI Machine Learning Repository, CC BY 4.0,
DOI 10.24432/C50P49; see DIGITS_LICENSE.md). Shipped with the package in
``digits.npz`` (about 50 kB), built once by ``lecture_lib/tools/build_digits.py``.

The train/test split is fixed and stored in the file: a stratified split
with 20% of each digit's images (rounded) in the test set, 1438 training and
359 test images, drawn with seed 2024. Every learner gets the same split.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .._validate import check_choice, resolve_dtype
from ..nn.one_hot import to_one_hot

__all__ = ["load_digits", "DIGITS_PATH"]

DIGITS_PATH = Path(__file__).with_name("digits.npz")
_SPLITS = ("train", "test", "all")


def load_digits(split="train", one_hot=False, flatten=False, scale=True, dtype="float64"):
    """Load the 8x8 digits.

    Parameters
    ----------
    split : {'train', 'test', 'all'}
        'train' (1438 images), 'test' (359) or 'all' (1797, in file order).
    one_hot : bool
        Return targets as one-hot rows (N, 10) in ``dtype`` instead of
        integer labels (N,).
    flatten : bool
        Return images as rows of 64 pixels (N, 64) instead of (N, 8, 8).
    scale : bool
        Divide the pixel values 0..16 by 16, giving values in [0, 1].
    dtype : {'float64', 'float32'}
        dtype of x (and of y when one_hot=True).

    Returns
    -------
    x : ndarray, shape (N, 8, 8), or (N, 64) with flatten=True
    y : ndarray of int64, shape (N,), or of dtype, shape (N, 10) with one_hot=True

    Examples
    --------
    >>> x, y = load_digits('train', one_hot=True)
    >>> x.shape, y.shape
    ((1438, 8, 8), (1438, 10))
    """
    check_choice(split, "split", _SPLITS)
    dtype = resolve_dtype(dtype)
    with np.load(DIGITS_PATH) as data:
        images, labels = data["images"], data["labels"]
        if split != "all":
            index = data[f"{split}_index"]
            images, labels = images[index], labels[index]
    x = images.astype(dtype)
    if scale:
        x /= 16
    if flatten:
        x = x.reshape(x.shape[0], -1)
    y = to_one_hot(labels, 10, dtype=dtype) if one_hot else labels.astype(np.int64)
    return x, y
