"""Batch grading of exercise notebooks: verdicts computed outside the learner's process.

``lecture-grade solutions/NN_name.ipynb submissions/ --out results/`` grades
every submitted notebook and writes a CSV, a summary and one feedback file
per student (see :mod:`lecture_lib.grading.cli`).

The design: the learner's kernel only runs the learner's code
----------------------------------------------------------------
A submission's cells run in a *learner kernel* (:mod:`.learner_kernel`, an
IPython shell in its own process, sandboxed by bubblewrap where the machine
allows: :mod:`.sandbox`). The public check and the hidden tests of the
solutions notebook never go there. They run in the grader's own, clean
process (:mod:`.verdict`), in a namespace where each learner function the
tests use is a *proxy* (:class:`.kernel.LearnerFunction`). Calling the proxy
sends the arguments to the kernel, the kernel calls the learner's real
function on them and sends back what it returned. So:

* **What crosses the boundary** (:mod:`.wire`, one line of JSON per message,
  no pickle): grader → kernel: the learner's own cell sources, the names to
  look up, and the arguments of each call (numbers, strings, lists, tuples,
  dicts, NumPy arrays as dtype/shape/base64 bytes, SymPy objects as
  ``srepr`` text, callables as callback ids), NumPy's error state of the
  caller and whether the caller disarms float settings (the checks' float
  regime); kernel → grader: "ran"/the cell's error, what the names are, and
  for each call the returned value (same encoding; SymPy answers read by a
  restricted parser, :mod:`.safe_sympy`, never ``eval``), the arguments the
  call changed (copied back into the caller's objects, so mutation tests
  work), the warnings it emitted, the float settings it tried to change
  (re-enacted in the grader, where the check records them), up to 2000
  characters it printed, and an exception's type, bounded message and line.
  A callable argument (a check passing ``f`` to the learner's
  numerical gradient) is called back: the kernel sends its arguments, the
  grader evaluates ``f`` and answers with the value, or only the exception's
  type name.
* **Why it cannot be forged:** the comparisons, the hints and the hidden
  tests' assertions all run in the grader, with the grader's NumPy, ``json``
  and checks. Whatever the kernel sends is only ever taken as "what the
  learner's function returned" (or raised), which a learner can do anyway by
  writing that function. Patching ``json.dump``, NumPy, ``hashlib`` or the
  checks in the kernel changes only the learner's own code. No verdict file
  exists: the grader keeps results in memory, so rewriting files gains
  nothing. A message that breaks the format ends the kernel and scores that
  exercise ``tampered``.
* **What never enters the kernel:** hidden-test code, expected values,
  the check's reference answers, result paths, nonces, and (with the
  sandbox) any of the instructor's files. The kernel does see the *inputs*
  the tests pass to the learner's functions (it has to); see
  :mod:`.grader` for how their echo in later error messages is kept out
  of the feedback.
* **No hidden test runs inside the kernel.** The tests of chapters 01-04
  only call the learner's functions and compare what comes back; a test
  that needs to inspect a live object of the kernel could not be written
  this way (a returned object that is not plain data arrives as an opaque
  :class:`.kernel.RemoteObject` that can only be called).
* **Order:** the cells run in notebook order; at each check cell the grader
  evaluates that exercise against the kernel's functions as they are at that
  point. Cells after the last check cell are not run.

Modules, in the order a submission meets them:

* :mod:`.assignment`  read the solutions notebook: exercises, points, hidden tests, released check cells;
* :mod:`.submission`  read a submission, match its check cells (checksums), plan the cells, flag odd code;
* :mod:`.sandbox`     bubblewrap command, the kernel's clean environment, ending every process of a submission;
* :mod:`.kernel`      the grader's side of a learner kernel: cells, names, calls by proxy, restarts;
* :mod:`.learner_kernel`  the program inside the kernel;
* :mod:`.wire`, :mod:`.safe_sympy`  the data format and the SymPy reader;
* :mod:`.verdict`     public check and hidden tests in the grader's process;
* :mod:`.execution`   time and memory limits (the worst case per cell and per exercise);
* :mod:`.grader`      records; a whole folder in parallel, resumable, ended cleanly by SIGTERM/SIGINT;
* :mod:`.report`      CSV, summary and feedback files, written atomically, safe for any student name.

The Python API mirrors the command::

    from lecture_lib.grading import grade_folder, Limits
    records = grade_folder("solutions/01_threshold_units.ipynb", "submissions", "results", jobs=2)
"""
__all__ = ["grade_folder", "grade_submission", "Limits"]


def __getattr__(name):
    # Imported on first use: the kernel side (:mod:`.learner_kernel`, :mod:`.wire`) lives in this
    # package too and needs none of the grader's machinery.
    if name == "Limits":
        from .execution import Limits
        return Limits
    if name in ("grade_folder", "grade_submission"):
        from . import grader
        return getattr(grader, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
