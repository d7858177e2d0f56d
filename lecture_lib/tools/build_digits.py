"""Build lecture_lib/datasets/digits.npz from scikit-learn's copy of the UCI digits.

Run ONCE, by a maintainer, with a Python that has scikit-learn installed
(the package itself never needs scikit-learn)::

    python3 -m venv /tmp/skvenv && /tmp/skvenv/bin/pip install scikit-learn
    /tmp/skvenv/bin/python lecture_lib/tools/build_digits.py

The script uses NumPy and the standard library only. It reads
``sklearn/datasets/data/digits.csv.gz`` (1797 rows of 64 pixel values 0..16
and the label; the test partition ``optdigits.tes`` of the UCI "Optical
Recognition of Handwritten Digits" data set, Alpaydin & Kaynak, CC BY 4.0,
DOI 10.24432/C50P49) and writes

* ``images`` uint8 (1797, 8, 8), ``labels`` uint8 (1797,);
* ``train_index``, ``test_index`` uint16: a fixed stratified split, 20% of
  each digit's images (rounded) in the test set, drawn with
  ``numpy.random.default_rng(SEED)``. The indices are stored, so the split
  does not depend on the NumPy version that reads the file.
"""
from __future__ import annotations

import argparse
import gzip
import importlib.util
from pathlib import Path

import numpy as np

SEED = 2024
TEST_FRACTION = 0.2
OUTPUT = Path(__file__).resolve().parents[1] / "datasets" / "digits.npz"


def find_sklearn_csv() -> Path:
    """Locate digits.csv.gz inside the installed scikit-learn (without importing it)."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("scikit-learn is not installed in this Python; see the module docstring.")
    path = Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data" / "digits.csv.gz"
    if not path.exists():
        raise SystemExit(f"{path} not found; is this a complete scikit-learn installation?")
    return path


def read_csv(path: Path):
    """Return images uint8 (N, 8, 8) and labels uint8 (N,), checking the format."""
    with gzip.open(path, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    if table.shape != (1797, 65):
        raise SystemExit(f"expected 1797 rows of 65 numbers, got shape {table.shape}")
    pixels, labels = table[:, :64], table[:, 64]
    if pixels.min() < 0 or pixels.max() > 16 or set(np.unique(labels)) != set(range(10)):
        raise SystemExit("unexpected values: pixels must be 0..16 and labels 0..9")
    return pixels.reshape(-1, 8, 8).astype(np.uint8), labels.astype(np.uint8)


def stratified_split(labels, test_fraction=TEST_FRACTION, seed=SEED):
    """Sorted train and test indices; each class contributes round(fraction * count) test images."""
    rng = np.random.default_rng(seed)
    test = []
    for digit in range(10):
        members = np.flatnonzero(labels == digit)
        n_test = int(round(test_fraction * members.size))
        test.append(rng.permutation(members)[:n_test])
    test_index = np.sort(np.concatenate(test))
    train_index = np.setdiff1d(np.arange(labels.size), test_index)
    return train_index.astype(np.uint16), test_index.astype(np.uint16)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, help="path to digits.csv.gz (default: find it in sklearn)")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    images, labels = read_csv(args.csv or find_sklearn_csv())
    train_index, test_index = stratified_split(labels)
    np.savez_compressed(args.output, images=images, labels=labels,
                        train_index=train_index, test_index=test_index)
    print(f"wrote {args.output}: {images.shape[0]} images, "
          f"{train_index.size} train / {test_index.size} test, {args.output.stat().st_size} bytes")


if __name__ == "__main__":
    main()
