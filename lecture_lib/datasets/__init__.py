"""Data sets of the series, all available offline.

* ``logic_gate_data``, ``linearly_separable_blobs``: small synthetic sets (chapter 01).
* ``load_digits``: the 8×8 UCI handwritten digits, shipped with the package
  (``digits.npz``, CC BY 4.0, see ``DIGITS_LICENSE.md``), with a fixed train/test split.
* ``validation_split``: the held-out part of the training data that model selection uses
  (never the test set); ``Standardiser``: z-scores fitted on training data, safe for constant features.
"""
from .digits import load_digits
from .preparation import Standardiser, validation_split
from .toy import GATE_TRUTH_TABLES, linearly_separable_blobs, logic_gate_data

__all__ = ["GATE_TRUTH_TABLES", "logic_gate_data", "linearly_separable_blobs", "load_digits", "Standardiser", "validation_split"]
