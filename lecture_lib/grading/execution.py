"""Time and memory limits of one submission, and what happened to its cells.

Worst case, per submission: nothing runs longer than ``notebook_timeout``
seconds (every wait of the grader is cut at that deadline), plus the second
or so it takes to kill the kernel. Within it:

* a learner cell: at most ``cell_timeout`` seconds, then it is skipped (the
  kernel is killed; a new one re-runs the cells before it, each again within
  ``cell_timeout``);
* an exercise: looking up the learner's names waits at most ``cell_timeout``
  seconds, its public check at most ``cell_timeout`` seconds in all for the
  learner's functions (each call also within the check's own limit, 3 s), its
  hidden tests another ``cell_timeout`` seconds, and the grader's own
  computing on each of the two is limited to ``cell_timeout`` seconds of CPU
  time; so at most about ``5 × cell_timeout`` (2.5 min with the default
  30 s), plus re-running the earlier cells after a call that was stopped.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Limits:
    """Time and memory limits of one submission's run.

    cell_timeout : float, seconds per learner cell (and for each phase of an exercise, see the module docstring)
    notebook_timeout : float, seconds for the whole submission
    memory_limit_mb : int, MiB of memory for the submission as a whole (its files in the sandbox included) where
        control groups can be made, else per process (address space); 0: none (:mod:`.limits`)
    process_limit : int, processes of the submission at once (cgroup ``pids``; 0: none)
    disk_limit_mb : int, MiB of files in the sandbox's writable folder (a tmpfs of that size; 0: 512)
    """

    cell_timeout: float = 30.0
    notebook_timeout: float = 600.0
    memory_limit_mb: int = 4096
    process_limit: int = 64
    disk_limit_mb: int = 512


@dataclass
class RunReport:
    """What happened to the plan's steps.

    skipped : dict step index -> "timeout", "kernel died" or "tampered" (a learner cell that was skipped)
    out_of_time : bool, the notebook time limit was reached
    errors : dict step index -> "ExceptionName: message" of a learner cell that raised
    restarts : int, kernels replaced
    """

    skipped: dict = field(default_factory=dict)
    out_of_time: bool = False
    errors: dict = field(default_factory=dict)
    restarts: int = 0
