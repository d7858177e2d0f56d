"""Hostile submissions (issue 15): one per attack and per fault, each with its expected CSV rows.

Every submission is built here from the real solutions and exercise notebooks.
The expected rows are what the learner's real functions deserve: a stub is
"not attempted", a wrong function "failed", a right one "passed", whatever
the notebook did to the kernel around them. Tampering shows as a flag (or,
for a forged message on the grader's channel, the status ``tampered``). No
feedback file may contain a line or message of the hidden tests.

The sandbox tests (files of the instructor unreadable, no network) need a
working ``bwrap`` (``make sandbox-deps``); without it they are skipped and say why.
"""
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from lecture_lib.grading.assignment import reference_submission
from lecture_lib.grading.cli import main
from lecture_lib.grading.sandbox import sandbox_status
from notebook_code import region_lines

CH01 = "solutions/01_threshold_units.ipynb"
CH01_EXERCISE = "exercises/01_threshold_units.ipynb"
CH04 = "solutions/04_backpropagation.ipynb"
CH04_EXERCISE = "exercises/04_backpropagation.ipynb"
# Chapter 01: 1 imports; 3/4 threshold_unit and its check; 6/7 gate_weights; 9/10 perceptron_update;
# 12/13 train_perceptron. Chapter 04: 3/4 output_error_term; 6/7 hidden_error_term; 9/10 backprop_one_example;
# 12/13 central_difference_gradient; 15/16 output_unit_derivative.
DEF01 = {"threshold_unit": 3, "gate_weights": 6, "perceptron_update": 9, "train_perceptron": 12}
DEF04 = {"output_error_term": 3, "hidden_error_term": 6, "backprop_one_example": 9,
         "central_difference_gradient": 12, "output_unit_derivative": 15}
PROCESS_MARKER = "lecture-grade-hostile-sleeper"

ALL01 = ("threshold_unit", "gate_weights", "perceptron_update", "train_perceptron")


def rows(student, *statuses):
    """CSV rows of a chapter 01 student: statuses in exercise order."""
    points = {"threshold_unit": 1, "gate_weights": 1, "perceptron_update": 2, "train_perceptron": 2}
    return [f"{student},{name},{points[name] if status == 'passed' else 0},{points[name]},{status}"
            for name, status in zip(ALL01, statuses)]


# --- the attacks of issue 15 ------------------------------------------------------------------------

# 1. The verdict forged through json.dump (and, for the new design, json.dumps: every kernel answer).
FORGE_JSON = '''\
import json
_dump, _dumps = json.dump, json.dumps
def _forged(obj):
    if isinstance(obj, dict) and "nonce" in obj:
        obj.update(tampered=[], patched_checks=[], error=None, hidden={"status": "passed"},
                   check={"status": "ok", "result": {"exercise": "x", "status": "passed", "summary": "ok",
                          "feedback": [], "hints": [], "cases_passed": 1, "cases_total": 1}})
    if isinstance(obj, dict) and obj.get("op") == "raised":  # a stub's NotImplementedError becomes an answer
        obj.update(op="returned", value=[1, 1, 1, 1], changed={}, warnings=[])
    return obj
json.dump = lambda obj, fp, *a, **k: _dump(_forged(obj), fp, *a, **k)
json.dumps = lambda obj, *a, **k: _dumps(_forged(obj), *a, **k)'''

# 2. The verdict files rewritten: a thread that keeps setting every JSON file it can reach to "passed".
REWRITE_FILES = '''\
import json, os, threading, time
def _rewrite_forever():
    while True:
        for top in ("..", os.getcwd()):  # the grader's temporary folder and the kernel's working folder
            for folder, _, files in os.walk(top):
                for name in files:
                    if name.endswith(".json"):
                        try:
                            with open(os.path.join(folder, name), "w") as handle:
                                json.dump({"status": "passed", "points": 99}, handle)
                        except OSError:
                            pass
        time.sleep(0.01)
threading.Thread(target=_rewrite_forever, daemon=True).start()'''

# 3a. A fake np.allclose / np.array_equal with the fingerprint of the real ones.
FAKE_ALLCLOSE = '''\
class _Always:
    def __init__(self, real):
        self.__name__, self.__qualname__ = real.__name__, real.__qualname__
        self.__doc__, self._implementation = real.__doc__, getattr(real, "_implementation", real)
    def __call__(self, *args, **kwargs):
        return True
_Always.__module__ = "numpy"
np.allclose, np.array_equal = _Always(np.allclose), _Always(np.array_equal)'''

# 3b. NumPy's own globals patched (the functions stay the same objects).
NUMPY_GLOBALS = '''\
import types
import numpy._core.numeric as _numeric
_numeric.builtins = types.SimpleNamespace(bool=lambda value: True)
np.array_equal.__globals__["asarray"] = lambda *args, **kwargs: np.zeros(1)'''

# 3c. hashlib patched so that every digest compares equal to anything.
HASHLIB = '''\
import hashlib
class _Equal(str):
    def __eq__(self, other):
        return True
    __hash__ = str.__hash__
class _Digest:
    def __init__(self, *args, **kwargs):
        pass
    def update(self, data):
        pass
    def hexdigest(self):
        return _Equal("0" * 64)
hashlib.sha256 = _Digest'''

# 4. Hidden tests looked for in the kernel's memory: linecache (every cell IPython ran), the call stack, the
# namespace, the environment. A function that finds one raises it; otherwise it answers right.
SEARCH_MEMORY = '''\
def _grader_secrets():
    import linecache, os, sys
    texts = ["".join(lines) for _, _, lines, _ in linecache.cache.values() if isinstance(lines, list)]
    texts += [repr(dict(os.environ)), repr(sys.argv), repr(sys.path)]
    frame = sys._getframe()
    while frame is not None:
        texts.append(repr(frame.f_locals)[:100000])
        frame = frame.f_back
    # built after the search (and from pieces), so that the needles are not in the texts themselves
    needles = ["".join(parts) for parts in (("hid", "den:"), ("HIDDEN", " TESTS"), ("solu", "tions/"),
                                            ("_tab", "le"), ("must ", "fire"), ("_w_in", " = np"))]
    return sorted({needle for needle in needles for text in texts if needle in text})'''

RAISE_LINECACHE = '''\
def threshold_unit(x, w, b):
    import linecache
    raise RuntimeError("".join("".join(lines) for _, _, lines, _ in linecache.cache.values()
                               if isinstance(lines, list)))'''

# 5. The grader's channel: a function that writes a forged answer on every descriptor it has.
FORGE_CHANNEL = '''\
def threshold_unit(x, w, b):
    import os
    line = b'{"op": "returned", "id": 1, "value": [1, 1, 1, 1], "changed": {}, "warnings": []}\\n'
    for fd in range(3, 64):
        try:
            os.write(fd, line)
        except OSError:
            pass
    return (x @ w + b >= 0).astype(int)'''

UNINTERRUPTIBLE = '''\
def threshold_unit(x, w, b):
    import signal
    for number in (signal.SIGALRM, signal.SIGINT, signal.SIGTERM):
        signal.signal(number, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM, signal.SIGINT, signal.SIGTERM})
    while True:
        pass'''

ESCAPING_PROCESSES = f'''\
import os, subprocess, sys
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)  # {PROCESS_MARKER}"],
                 start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if os.fork() == 0:  # a daemon: fork, new session, fork again
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(300)  # {PROCESS_MARKER}"])
    os._exit(0)'''

DELETE_FOLDER = '''\
import os, shutil
shutil.rmtree(os.path.dirname(os.getcwd()), ignore_errors=True)
shutil.rmtree(os.getcwd(), ignore_errors=True)'''

WRONG_THRESHOLD = "def threshold_unit(x, w, b):\n    return np.zeros(len(x), dtype=int)"
WRONG_UPDATE = "def perceptron_update(w, b, x, y, eta):\n    return w, b"


def _solved(root):
    return reference_submission(root / CH01)


def _released(root):
    return nbformat.read(root / CH01_EXERCISE, as_version=4)


def _with_cell(notebook, index, source):
    notebook.cells.insert(index, nbformat.v4.new_code_cell(source))
    return notebook


def _build_chapter_01(root, folder):
    subs = {}
    subs["forge_json_dump"] = _with_cell(_released(root), 2, FORGE_JSON)
    subs["rewrite_verdict_files"] = _with_cell(_released(root), 2, REWRITE_FILES)
    subs["rewrite_verdict_files"].cells.append(nbformat.v4.new_code_cell(REWRITE_FILES.replace(
        "threading.Thread(target=_rewrite_forever, daemon=True).start()", "_rewrite_forever()")))
    for name, patch in [("fake_allclose", FAKE_ALLCLOSE), ("numpy_globals", NUMPY_GLOBALS), ("hashlib_patch", HASHLIB)]:
        notebook = _solved(root)
        notebook.cells[DEF01["threshold_unit"]].source = WRONG_THRESHOLD
        notebook.cells[DEF01["perceptron_update"]].source = WRONG_UPDATE
        subs[name] = _with_cell(notebook, 2, patch)
    search = _solved(root)
    search.cells[DEF01["threshold_unit"]].source = SEARCH_MEMORY + (
        "\ndef threshold_unit(x, w, b):\n    found = _grader_secrets()\n    if found:\n"
        "        raise RuntimeError('FOUND ' + repr(found))\n    return (x @ w + b >= 0).astype(int)")
    subs["search_kernel_memory"] = _with_cell(search, len(search.cells), "raise RuntimeError(repr(_grader_secrets()))")
    raiser = _solved(root)
    raiser.cells[DEF01["threshold_unit"]].source = RAISE_LINECACHE
    subs["raise_linecache"] = raiser
    forged = _solved(root)
    forged.cells[DEF01["threshold_unit"]].source = FORGE_CHANNEL
    subs["forge_channel"] = forged
    # the smaller faults
    pasted = _solved(root)
    check = pasted.cells[DEF01["threshold_unit"] + 1]
    subs["pasted_check_above"] = _with_cell(pasted, 2, check.source)
    subs["pasted_check_above"].cells[2].metadata = json.loads(json.dumps(check.metadata))
    slow = _solved(root)
    slow.cells[DEF01["threshold_unit"]].source = UNINTERRUPTIBLE
    subs["uninterruptible"] = slow
    subs["escaping_processes"] = _with_cell(_solved(root), 2, ESCAPING_PROCESSES)
    subs["deletes_grader_folder"] = _with_cell(_solved(root), 5, DELETE_FOLDER)
    for name, notebook in subs.items():
        nbformat.write(notebook, folder / f"{name}.ipynb")
    for name in ("Ben.IPYNB", "=1+1.ipynb"):
        nbformat.write(_solved(root), folder / name)
    nbformat.write(_solved(root), os.path.join(os.fsencode(folder), b"J\xfcrgen.ipynb").decode("utf-8",
                                                                                           "surrogateescape"))
    (folder / "notes.txt").write_text("not a notebook\n", encoding="utf-8")


EXPECTED_01 = sorted(
    rows("'=1+1", "passed", "passed", "passed", "passed")
    + rows("Ben", "passed", "passed", "passed", "passed")
    + rows("J\\xfcrgen", "passed", "passed", "passed", "passed")
    + rows("deletes_grader_folder", "passed", "passed", "passed", "passed")
    + rows("escaping_processes", "passed", "passed", "passed", "passed")
    + rows("fake_allclose", "failed", "passed", "failed", "failed")
    + rows("forge_channel", "tampered", "passed", "passed", "passed")
    # forged "returned" answers carry no final state of the array arguments the grader asked for: tampered
    # (gate_weights takes a string, nothing to ask for: its forged answer is just wrong)
    + rows("forge_json_dump", "tampered", "failed", "tampered", "tampered")
    + rows("hashlib_patch", "failed", "passed", "failed", "failed")
    + rows("numpy_globals", "failed", "passed", "failed", "failed")
    + rows("pasted_check_above", "passed", "passed", "passed", "passed")
    + rows("raise_linecache", "failed", "passed", "passed", "passed")
    + rows("rewrite_verdict_files", "not attempted", "not attempted", "not attempted", "not attempted")
    + rows("search_kernel_memory", "passed", "passed", "passed", "passed")
    + rows("uninterruptible", "failed", "passed", "passed", "passed"))


def _grade(root, solutions, folder, out, *extra):
    buffer = io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(buffer):
        code = main([str(root / solutions), str(folder), "--out", str(out), "--jobs", "2", "--cell-timeout", "5",
                     "--notebook-timeout", "120", *extra])
    assert code == 0
    return buffer.getvalue()


def _marked_processes():
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    if PROCESS_MARKER.encode() in handle.read():
                        found.append(int(entry))
            except OSError:
                pass
    return found


@pytest.fixture(scope="module")
def class01(repo_root, tmp_path_factory):
    folder, out = tmp_path_factory.mktemp("hostile01"), tmp_path_factory.mktemp("hostile01-results")
    _build_chapter_01(repo_root, folder)
    started = time.monotonic()
    log = _grade(repo_root, CH01, folder, out)
    return out, log, time.monotonic() - started


def _csv_rows(out):
    return (out / "grades.csv").read_text(encoding="utf-8").splitlines()


def _records(out):
    records = (json.loads(path.read_text(encoding="utf-8")) for path in (out / "graded").glob("*.json"))
    return {record["student"]: record for record in records}


def _hidden_texts(root, solutions):
    hidden = region_lines(root / solutions, regions=("HIDDEN TESTS",), min_length=6)
    messages = re.findall(r'"(hidden: [^"]+)"', "\n".join(hidden))
    assert hidden and messages
    return hidden + messages


class TestHostileSubmissionsOfChapter01:
    def test_every_attack_scores_what_the_functions_deserve(self, class01):
        out, _, _ = class01
        assert _csv_rows(out)[0] == "student,exercise,points,max,status"
        assert sorted(_csv_rows(out)[1:]) == EXPECTED_01

    def test_tampering_is_flagged(self, class01):
        out, _, _ = class01
        records = _records(out)
        flags = {name: "; ".join(record["flags"]) for name, record in records.items()}
        assert "changes json.dump, changes json.dumps" in flags["forge_json_dump"]
        assert "uses os.walk" in flags["rewrite_verdict_files"]
        assert "changes np.allclose, changes np.array_equal" in flags["fake_allclose"]
        assert "changes _numeric.builtins" in flags["numpy_globals"]
        assert "changes hashlib.sha256" in flags["hashlib_patch"]
        assert "tampered: threshold_unit" in flags["forge_channel"]
        assert "duplicate check: threshold_unit (cell 3)" in flags["pasted_check_above"]
        assert "uses shutil.rmtree" in flags["deletes_grader_folder"]
        assert not any("grader error" in text for text in flags.values())

    def test_no_hidden_test_text_in_any_feedback_and_the_kernel_never_held_it(self, class01, repo_root):
        out, _, _ = class01
        secrets = _hidden_texts(repo_root, CH01)
        for path in (out / "feedback").glob("*.md"):
            text = path.read_text(encoding="utf-8")
            assert not any(line in text for line in secrets), path.name
            assert "FOUND" not in text, path.name
        raised = (out / "feedback" / "raise_linecache.md").read_text(encoding="utf-8")
        assert "Your code raised RuntimeError: import numpy as np" in raised  # its own cells: the kernel has no other
        longest = max(len(line) for line in raised.splitlines())
        assert longest <= 1000

    def test_every_file_of_the_folder_is_graded_or_listed(self, class01):
        out, log, _ = class01
        summary = (out / "summary.txt").read_text(encoding="utf-8")
        assert "  not graded: notes.txt: not a notebook (the name does not end in .ipynb)" in summary
        assert "18 submission(s)" not in summary and "15 submission(s)" in summary
        names = sorted(p.name for p in (out / "feedback").iterdir())
        assert "Ben.md" in names and any(n.startswith("J_xfcrgen-") for n in names)
        assert any(n.startswith("_1_1-") for n in names)

    def test_the_summary_says_whether_kernels_were_sandboxed(self, class01):
        out, log, _ = class01
        summary = (out / "summary.txt").read_text(encoding="utf-8")
        available, text = sandbox_status()
        assert f"  sandbox: {text}" in summary if available else "sandbox: NONE" in summary

    def test_no_process_of_a_submission_outlives_its_grading(self, class01):
        assert _marked_processes() == []

    def test_an_uninterruptible_function_costs_one_check_time_limit(self, class01):
        out, _, _ = class01
        record = _records(out)["uninterruptible"]
        feedback = (out / "feedback" / "uninterruptible.md").read_text(encoding="utf-8")
        assert "did not finish within 3 s" in feedback
        assert record["seconds"] < 2 * 5 + 10  # cell timeout 5 s: well below the worst case of execution.py


# --- chapter 04: SymPy answers, callbacks, and a search of the kernel's memory during the tests -------------

EVIL_SYMPY = '''\
def output_unit_derivative(h, y):
    class Evil(sp.Expr):
        pass
    return Evil(h, y)'''

BOMB_SYMPY = '''\
def output_unit_derivative(h, y):
    return sp.Pow(10, sp.Pow(10, sp.Pow(10, 10, evaluate=False), evaluate=False), evaluate=False)'''

CALLBACK_PROBE = '''\
def central_difference_gradient(f, w, step):
    w = np.array(w, dtype=float)
    seen = [repr(f), repr(getattr(f, "__self__", None)), repr(getattr(f, "__dict__", None))]
    code = getattr(f, "__code__", None)
    if code is not None:
        seen += [repr(code.co_consts), repr(code.co_names)]
    seen += [repr(getattr(cell, "cell_contents", None)) for cell in (getattr(f, "__closure__", None) or ())]
    if any(needle in text for text in seen for needle in ("w ** 2", "w[0] ** 3", "prod", "exp(w)", "sin(")):
        raise RuntimeError("FOUND the test's function")
    grad = np.zeros_like(w)
    for index in np.ndindex(w.shape):
        old = w[index]
        w[index] = old + step
        f_plus = f(w)
        w[index] = old - step
        f_minus = f(w)
        w[index] = old
        grad[index] = (f_plus - f_minus) / (2 * step)
    return grad'''


def _build_chapter_04(root, folder):
    solved = lambda: reference_submission(root / CH04)  # noqa: E731
    search = solved()
    search.cells[DEF04["output_error_term"]].source = SEARCH_MEMORY + (
        "\ndef output_error_term(y_hat, y):\n    found = _grader_secrets()\n    if found:\n"
        "        raise RuntimeError('FOUND ' + repr(found))\n    return (y_hat - y) * y_hat * (1 - y_hat)")
    subs = {"search_kernel_memory": search}
    for name, source in [("evil_sympy", EVIL_SYMPY), ("bomb_sympy", BOMB_SYMPY)]:
        notebook = solved()
        notebook.cells[DEF04["output_unit_derivative"]].source = source
        subs[name] = notebook
    probe = solved()
    probe.cells[DEF04["central_difference_gradient"]].source = CALLBACK_PROBE
    subs["callback_probe"] = probe
    raiser = solved()
    raiser.cells[DEF04["hidden_error_term"]].source = (
        "def hidden_error_term(eps_next, W_next, g):\n    import linecache\n"
        "    raise RuntimeError(''.join(''.join(l) for _, _, l, _ in linecache.cache.values() if isinstance(l, list)))")
    subs["raise_linecache"] = raiser
    for name, notebook in subs.items():
        nbformat.write(notebook, folder / f"{name}.ipynb")


def rows04(student, *statuses):
    points = {"output_error_term": 1, "hidden_error_term": 2, "backprop_one_example": 3,
              "central_difference_gradient": 2, "output_unit_derivative": 2}
    return [f"{student},{name},{points[name] if status == 'passed' else 0},{points[name]},{status}"
            for name, status in zip(points, statuses)]


EXPECTED_04 = sorted(
    rows04("bomb_sympy", "passed", "passed", "passed", "passed", "failed")
    + rows04("callback_probe", "passed", "passed", "passed", "passed", "passed")
    + rows04("evil_sympy", "passed", "passed", "passed", "passed", "failed")
    + rows04("raise_linecache", "passed", "failed", "failed", "passed", "passed")  # backprop uses it
    + rows04("search_kernel_memory", "passed", "passed", "passed", "passed", "passed"))


@pytest.fixture(scope="module")
def class04(repo_root, tmp_path_factory):
    folder, out = tmp_path_factory.mktemp("hostile04"), tmp_path_factory.mktemp("hostile04-results")
    _build_chapter_04(repo_root, folder)
    return out, _grade(repo_root, CH04, folder, out)


class TestHostileSubmissionsOfChapter04:
    def test_every_attack_scores_what_the_functions_deserve(self, class04):
        out, _ = class04
        assert sorted(_csv_rows(out)[1:]) == EXPECTED_04

    def test_no_hidden_test_text_in_any_feedback(self, class04, repo_root):
        out, _ = class04
        secrets = _hidden_texts(repo_root, CH04)
        for path in (out / "feedback").glob("*.md"):
            text = path.read_text(encoding="utf-8")
            assert not any(line in text for line in secrets) and "FOUND" not in text, path.name

    def test_sympy_answers_that_are_not_plain_expressions_are_refused_not_evaluated(self, class04):
        out, _ = class04
        for student in ("evil_sympy", "bomb_sympy"):
            text = (out / "feedback" / f"{student}.md").read_text(encoding="utf-8")
            assert "the grader cannot read what your function returned" in text, student


# --- the sandbox ------------------------------------------------------------------------------------------

READS_FILES = '''\
def threshold_unit(x, w, b):
    import os, socket
    found = []
    for path in {paths!r}:
        try:
            with open(path, "rb") as handle:
                found.append(path + ": " + repr(handle.read(40)))
        except OSError:
            pass
        try:  # a folder may exist as the mount point of the Python installation, holding nothing else
            secrets = set(os.listdir(path)) & {{"solutions", "exercises", "grades.csv", "other.ipynb", "reader.ipynb",
                                                "01_threshold_units.ipynb", ".bashrc", "README.md"}}
            if secrets:
                found.append(path + ": " + repr(sorted(secrets)))
        except OSError:
            pass
    try:
        socket.create_connection(("1.1.1.1", 53), timeout=2)
        found.append("network")
    except OSError:
        pass
    if found:
        raise RuntimeError("FOUND " + repr(found))
    return (x @ w + b >= 0).astype(int)'''


def test_in_the_sandbox_the_instructors_files_and_the_network_are_out_of_reach(repo_root, tmp_path):
    available, why = sandbox_status()
    if not available:
        pytest.skip(f"no working sandbox on this machine: {why}")
    folder, out = tmp_path / "submissions", tmp_path / "results"
    folder.mkdir()
    out.mkdir()
    (out / "grades.csv").write_text("earlier grades\n", encoding="utf-8")
    paths = [str(repo_root / CH01), str(repo_root / "solutions"), str(out), str(out / "grades.csv"),
             str(folder / "other.ipynb"), str(folder), str(Path.home()), "/etc/shadow", "/root", str(repo_root)]
    notebook = reference_submission(repo_root / CH01)
    notebook.cells[DEF01["threshold_unit"]].source = READS_FILES.format(paths=paths)
    nbformat.write(notebook, folder / "reader.ipynb")
    nbformat.write(reference_submission(repo_root / CH01), folder / "other.ipynb")
    _grade(repo_root, CH01, folder, out)
    feedback = (out / "feedback" / "reader.md").read_text(encoding="utf-8")
    assert "FOUND" not in feedback
    assert "reader,threshold_unit,1,1,passed" in _csv_rows(out)


def test_without_the_sandbox_the_summary_warns(repo_root, tmp_path, monkeypatch):
    from lecture_lib.grading import sandbox

    monkeypatch.setenv("LECTURE_GRADE_NO_SANDBOX", "1")
    sandbox.sandbox_status.cache_clear()
    try:
        folder, out = tmp_path / "submissions", tmp_path / "results"
        folder.mkdir()
        nbformat.write(reference_submission(repo_root / CH01), folder / "ann.ipynb")
        log = _grade(repo_root, CH01, folder, out)
    finally:
        sandbox.sandbox_status.cache_clear()
    assert "warning: no sandbox (switched off by LECTURE_GRADE_NO_SANDBOX)" in log
    assert "sandbox: NONE" in (out / "summary.txt").read_text(encoding="utf-8")
    assert "ann,train_perceptron,2,2,passed" in _csv_rows(out)


# --- SIGTERM and SIGINT -----------------------------------------------------------------------------------

@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_the_grader_ends_every_worker_and_kernel(repo_root, tmp_path, signum):
    folder, out = tmp_path / "submissions", tmp_path / "results"
    folder.mkdir()
    for number in range(3):
        notebook = reference_submission(repo_root / CH01)
        notebook.cells.insert(2, nbformat.v4.new_code_cell("import time\ntime.sleep(60)"))
        nbformat.write(notebook, folder / f"sleeper_{number}.ipynb")
    token = f"hostile-signal-test-{os.getpid()}-{signum}"
    env = dict(os.environ, LECTURE_GRADE_TEST_TOKEN=token)
    grader = subprocess.Popen([sys.executable, "-m", "lecture_lib.grading", str(repo_root / CH01), str(folder),
                               "--out", str(out), "--jobs", "2"], cwd=repo_root, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def environ(pid):
        try:
            with open(f"/proc/{pid}/environ", "rb") as handle:
                return handle.read().split(b"\0")
        except OSError:
            return []

    def parent(pid):
        try:
            with open(f"/proc/{pid}/stat") as handle:
                return int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return 0

    def processes():
        """This grader and its workers (they carry the token), and the kernels they started.

        A kernel runs with a clean environment (only its secret marker), so it is found through its
        ancestors; other graders running at the same time (other test workers) are not counted.
        """
        pids = [int(e) for e in os.listdir("/proc") if e.isdigit()]
        ours = {pid for pid in pids if f"LECTURE_GRADE_TEST_TOKEN={token}".encode() in environ(pid)}
        kernels = set()
        for pid in pids:
            if any(item.startswith(b"LECTURE_GRADE_SUBMISSION=") for item in environ(pid)):
                ancestor, hops = parent(pid), 0
                while ancestor > 1 and ancestor not in ours and hops < 20:
                    ancestor, hops = parent(ancestor), hops + 1
                if ancestor in ours:
                    kernels.add(pid)
        return ours | kernels

    def alive(pids):
        return sorted(pid for pid in pids if os.path.exists(f"/proc/{pid}"))

    deadline = time.monotonic() + 180  # a loaded machine starts kernels slowly; the loop ends as soon as they run
    while time.monotonic() < deadline and len(processes()) < 5:  # grader, 2 workers, 2 kernels
        time.sleep(0.2)
    before = processes()
    assert len(before) >= 5
    grader.send_signal(signum)
    _, stderr = grader.communicate(timeout=30)
    assert grader.returncode == 128 + signum and "stopped by" in stderr
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and alive(before | processes()):
        time.sleep(0.2)
    assert alive(before | processes()) == []  # orphaned kernels too: they were recorded before the signal
