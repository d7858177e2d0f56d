"""Run a grading plan in a fresh kernel, surviving endless loops and dying kernels.

The steps of a plan (:class:`~lecture_lib.grading.submission.Step`) run one by
one in a new IPython kernel (nbclient), in an empty working directory, with
the kernel's address space limited (``resource.setrlimit(RLIMIT_AS)``) so that
a memory blow-up raises ``MemoryError`` instead of swapping the machine.

* A step that exceeds its time limit, or during which the kernel dies
  (``os._exit``, a segfault, the memory limit), is *skipped*: the kernel is
  replaced by a new one, the learner cells before it run again, and grading
  goes on after it. Grade steps already done are not repeated.
* When the whole notebook exceeds its time limit, the remaining grade steps
  are reported as ``timeout``.

The grade steps write their verdict to ``<result_dir>/<nonce>-<step>.json``
(see :mod:`lecture_lib.grading.kernel_runner`); :func:`run_plan` returns
where things went wrong, and the grader reads the verdict files.
"""
from __future__ import annotations

import json
import math
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from . import kernel_runner

RUNNER_PATH = str(Path(kernel_runner.__file__).resolve())
TIMEOUT, KERNEL_DIED = "timeout", "kernel died"

_SETUP = """\
def _lecture_grade_setup(limit):
    import resource
    if limit:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
_lecture_grade_setup({limit!r})
del _lecture_grade_setup
"""

_GRADE = """\
# lecture-grade: a grading cell added by the grader (not part of the submission)
def _lecture_grade_step(namespace):
    import importlib.util, json
    spec = importlib.util.spec_from_file_location("_lecture_grade_runner_{nonce}", {runner!r})
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    runner.grade_exercise(namespace, json.loads({spec!r}))
_lecture_grade_step(globals())
del _lecture_grade_step
"""


@dataclass
class Limits:
    """Time and memory limits of one submission's run.

    cell_timeout : float, seconds per learner cell (and for the hidden tests of an exercise)
    notebook_timeout : float, seconds for the whole submission
    memory_limit_mb : int, address-space limit of the kernel in MiB (0: none)
    """

    cell_timeout: float = 30.0
    notebook_timeout: float = 600.0
    memory_limit_mb: int = 4096

    @property
    def grade_timeout(self) -> float:
        """A grade step runs the check (3 s per call at most) and the hidden tests (``cell_timeout``)."""
        return 2 * self.cell_timeout + 30


@dataclass
class RunReport:
    """What happened to the plan's steps.

    skipped : dict step index -> TIMEOUT or KERNEL_DIED
    out_of_time : bool, the notebook time limit was reached
    errors : dict step index -> "ExceptionName: message" of a learner cell that raised
    restarts : int, kernels replaced
    """

    skipped: dict = field(default_factory=dict)
    out_of_time: bool = False
    errors: dict = field(default_factory=dict)
    restarts: int = 0


def grade_source(step_index: int, exercise, imports: str, expected: dict, nonce: str, result_dir: Path,
                 hidden_time_limit: float) -> str:
    """The code of the grading cell of ``exercise`` (hidden tests, public check, integrity reference inside)."""
    spec = {"exercise": exercise.name, "nonce": nonce, "result_path": str(result_dir / f"{nonce}-{step_index}.json"),
            "imports": imports, "public": exercise.public, "hidden": exercise.hidden, "expected": expected,
            "hidden_time_limit": hidden_time_limit}
    return _GRADE.format(nonce=nonce, runner=RUNNER_PATH, spec=json.dumps(spec))


def _learner_error(cell) -> str | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"{output.get('ename', 'Error')}: {str(output.get('evalue', ''))[:300]}"
    return None


def run_plan(steps, sources, workdir: Path, limits: Limits) -> RunReport:
    """Run ``sources`` (one per step, grade steps already rendered) in fresh kernels; see the module docstring.

    steps : list of Step; sources : list of str, same length; workdir : an empty directory for the kernel.
    """
    report = RunReport()
    deadline = time.monotonic() + limits.notebook_timeout
    done: set = set()
    setup = _SETUP.format(limit=int(limits.memory_limit_mb) * 2**20 if limits.memory_limit_mb else 0)
    while True:
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [nbformat.v4.new_code_cell(setup)] + [nbformat.v4.new_code_cell(s) for s in sources]
        client = NotebookClient(notebook, timeout=limits.grade_timeout, kernel_name="python3", allow_errors=True,
                                interrupt_on_timeout=False, shutdown_kernel="immediate", record_timing=False,
                                resources={"metadata": {"path": str(workdir)}})
        restart = False
        with client.setup_kernel(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
            client.execute_cell(notebook.cells[0], 0, store_history=False)
            for index, step in enumerate(steps):
                if index in report.skipped or index in done:
                    continue
                remaining = deadline - time.monotonic()
                limit = limits.cell_timeout if step.kind == "learner" else limits.grade_timeout
                if remaining <= 0:
                    report.out_of_time = True
                    break
                client.timeout = max(1, math.ceil(min(limit, remaining)))
                cell = notebook.cells[index + 1]
                try:
                    client.execute_cell(cell, index + 1, store_history=step.kind == "learner")
                except CellTimeoutError:
                    if remaining < limit:
                        report.out_of_time = True
                        break
                    report.skipped[index], restart = TIMEOUT, True
                    break
                except DeadKernelError:
                    report.skipped[index], restart = KERNEL_DIED, True
                    break
                if step.kind == "grade":
                    done.add(index)
                elif _learner_error(cell):
                    report.errors[index] = _learner_error(cell)
                cell.outputs = []  # keep memory low: the grader never reads outputs
        if not restart or report.out_of_time:
            return report
        report.restarts += 1
