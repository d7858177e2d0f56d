"""Data sets of the series, all available offline.

* ``logic_gate_data``, ``linearly_separable_blobs``: small synthetic sets (chapter 01).
"""
from .toy import GATE_TRUTH_TABLES, linearly_separable_blobs, logic_gate_data

__all__ = ["GATE_TRUTH_TABLES", "logic_gate_data", "linearly_separable_blobs"]
