"""Data sets of the series, all available offline.

* ``logic_gate_data``, ``linearly_separable_blobs``: small synthetic sets (chapter 01).
* ``load_digits``: the 8×8 UCI handwritten digits, shipped with the package
  (``digits.npz``, CC BY 4.0, see ``DIGITS_LICENSE.md``), with a fixed train/test split.
"""
from .digits import load_digits
from .toy import GATE_TRUTH_TABLES, linearly_separable_blobs, logic_gate_data

__all__ = ["GATE_TRUTH_TABLES", "logic_gate_data", "linearly_separable_blobs", "load_digits"]
