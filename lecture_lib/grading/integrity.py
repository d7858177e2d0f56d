"""Reference fingerprints of the modules the tests rely on, computed in a clean subprocess.

The grader never runs learner code in its own process, but to be sure that
nothing imported there has touched NumPy or the checks, the reference is
computed by a fresh ``python -m lecture_lib.grading.integrity`` that only runs
the chapter's import lines. Each grading cell compares the kernel's modules
with it (see :mod:`lecture_lib.grading.kernel_runner`).

Usage (what :func:`reference_fingerprints` runs)::

    echo '{"imports": "import numpy as np"}' | python -m lecture_lib.grading.integrity
"""
from __future__ import annotations

import json
import subprocess
import sys
import types

#: Modules always compared: what hidden tests and checks use besides the chapter's imports.
BASE_MODULES = ("builtins", "math", "numpy", "numpy.linalg", "numpy.random", "lecture_lib.checks.core")


def imported_module_names(imports: str) -> list:
    """Names of the modules bound (or imported from) by running ``imports`` in a fresh namespace."""
    namespace: dict = {}
    exec(compile(imports, "<imports>", "exec"), namespace)
    names = []
    for value in namespace.values():
        if isinstance(value, types.ModuleType):
            names.append(value.__name__)
            parent = value.__name__.rpartition(".")[0]
            if parent:
                names.append(parent)
        elif getattr(value, "__module__", None):
            names.append(value.__module__)
    return names


def _main() -> int:
    spec = json.load(sys.stdin)
    import importlib

    names = list(BASE_MODULES) + imported_module_names(spec.get("imports", ""))
    for name in names:
        importlib.import_module(name)
    from .kernel_runner import fingerprint_modules

    json.dump(fingerprint_modules(dict.fromkeys(names)), sys.stdout)
    return 0


def reference_fingerprints(imports: str, python: str = sys.executable) -> dict:
    """Run the clean subprocess; return {module name: {attribute: digest}}.

    imports : str, the import lines of the chapter (from the solutions notebook).
    Raises RuntimeError naming the failing import when the subprocess fails.
    """
    completed = subprocess.run([python, "-m", "lecture_lib.grading.integrity"], input=json.dumps({"imports": imports}),
                               capture_output=True, text=True, timeout=300)
    if completed.returncode != 0:
        raise RuntimeError("could not import the chapter's modules in a clean Python:\n" + completed.stderr[-2000:])
    return json.loads(completed.stdout)


if __name__ == "__main__":
    sys.exit(_main())
