"""Batch grading of exercise notebooks: hidden tests, points, feedback, tamper checks.

``lecture-grade solutions/NN_name.ipynb submissions/ --out results/`` grades
every submitted notebook in a fresh kernel and writes a CSV, a summary and
one feedback file per student (see :mod:`lecture_lib.grading.cli`).

Modules, in the order a submission meets them:

* :mod:`.assignment`  read the solutions notebook: exercises, points, hidden tests, released check cells;
* :mod:`.submission`  read a submission, match its check cells (checksums), plan the kernel's cells;
* :mod:`.integrity`   reference fingerprints of NumPy and the checks, from a clean subprocess;
* :mod:`.execution`   run the plan in fresh kernels with time and memory limits;
* :mod:`.kernel_runner`  the grading cell's code, inside the kernel;
* :mod:`.grader`      verdicts and records; a whole folder in parallel, resumable;
* :mod:`.report`      CSV, summary and feedback files, written atomically.

The Python API mirrors the command::

    from lecture_lib.grading import grade_folder, Limits
    records = grade_folder("solutions/01_threshold_units.ipynb", "submissions", "results", jobs=2)
"""
__all__ = ["grade_folder", "grade_submission", "Limits"]


def __getattr__(name):
    # Imported on first use: the clean reference process (:mod:`.integrity`) and the kernel side
    # (:mod:`.kernel_runner`) live in this package too and need none of nbclient's machinery.
    if name == "Limits":
        from .execution import Limits
        return Limits
    if name in ("grade_folder", "grade_submission"):
        from . import grader
        return getattr(grader, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
