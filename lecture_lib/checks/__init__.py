"""Exercise checks: ``from lecture_lib.checks import ch01`` then ``ch01.check_threshold_unit(threshold_unit)``.

Every check returns a :class:`CheckResult` (status ``passed``, ``not attempted``
or ``failed``, with feedback); see :mod:`lecture_lib.checks.core`.
"""
from .core import FAILED, NOT_ATTEMPTED, PASSED, CheckResult, latest_results

__all__ = ["CheckResult", "PASSED", "NOT_ATTEMPTED", "FAILED", "latest_results"]
