"""A submission's memory, processes and files are bounded as a whole, whatever it forks (issue 23, item 4).

Each test runs one hostile cell in a real learner kernel (:class:`KernelSession`), sandboxed, in its own
control group, and reads back what the cell managed to take. Without bubblewrap or the right to create
control groups the tests are skipped, saying why (the summary says the same to the instructor).
"""
import re
import time

import pytest

from lecture_lib.grading.execution import Limits
from lecture_lib.grading.grader import limits_text
from lecture_lib.grading.kernel import KernelLost, KernelSession
from lecture_lib.grading.limits import SubmissionGroup, _limit_holds, cgroup_status
from lecture_lib.grading.sandbox import sandbox_status

MiB = 2**20
needs_both = pytest.mark.skipif(not (sandbox_status()[0] and cgroup_status()[0]),
                                reason=f"sandbox: {sandbox_status()[1]}; control groups: {cgroup_status()[1]}")

FORKED_MEMORY = '''
import os
held = 0
children = []
for _ in range(4):
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            block = bytearray(200 * 2**20)
            block[::4096] = b"x" * len(block[::4096])   # touch every page
            os.write(write, b"1")
        except MemoryError:
            os.write(write, b"0")
        import time; time.sleep(30)
        os._exit(0)
    os.close(write)
    children.append((pid, read))
reported = [os.read(read, 1) == b"1" for pid, read in children]
# Some kernels enforce a group's limit a moment after the memory is touched (seen: 0.1-0.5 s, longer
# under load), so a child may report before it is killed: count those still alive a while later.
import time
deadline = time.monotonic() + 5
while True:
    alive = [ok and os.waitpid(pid, os.WNOHANG)[0] == 0 for ok, (pid, _) in zip(reported, children)]
    if sum(alive) < 4 or time.monotonic() > deadline:
        break
    time.sleep(0.1)
held = sum(alive)
for pid, _ in children:
    try:
        os.kill(pid, 9)
    except OSError:
        pass
raise RuntimeError(f"children holding 200 MiB: {held}")
'''

FORK_BOMB = '''
import os
pids = []
try:
    for _ in range(300):
        pid = os.fork()
        if pid == 0:
            import time; time.sleep(30)
            os._exit(0)
        pids.append(pid)
except OSError:
    pass
for pid in pids:
    os.kill(pid, 9)
raise RuntimeError(f"processes started: {len(pids)}")
'''

FILL_DISK = '''
import os
written = 0
block = b"x" * 2**20
try:
    for name in ("a", "b", "c"):
        with open(name, "wb") as handle:
            for _ in range(40):
                handle.write(block)
                written += len(block)
except OSError as exc:
    raise RuntimeError(f"written {written} bytes, then {exc.strerror}")
raise RuntimeError(f"written {written} bytes")
'''

WRITE_ROOT = '''
import os
places = []
for path in ("/spill", "/usr/spill", "/var/spill"):
    try:
        with open(path, "wb") as handle:
            handle.write(b"x")
        places.append(path)
    except OSError:
        pass
raise RuntimeError(f"writable outside the folder: {places}")
'''


def _session(tmp_path, memory_mb=600, processes=32, disk_mb=64):
    deadline = time.monotonic() + 120
    return KernelSession(tmp_path / "work", memory_mb * MiB, True, deadline, process_limit=processes,
                         disk_limit=disk_mb * MiB)


def _run(session, source):
    try:
        return session.run_cell(source, 60, 60)
    finally:
        session.close()


@needs_both
def test_memory_is_bounded_for_all_processes_together(tmp_path):
    # each child stays under the per-process limit (600 MiB of address space): only the group's limit
    # can stop four of them together (800 MiB + the kernel)
    session = _session(tmp_path, memory_mb=600)
    try:
        error = _run(session, FORKED_MEMORY)
    except KernelLost as lost:  # the kernel itself was chosen by the out-of-memory killer: bounded too
        assert lost.reason == "kernel died"
        return
    held = int(re.search(r"holding 200 MiB: (\d)", error).group(1))
    assert held < 4, error


@needs_both
def test_processes_are_bounded(tmp_path):
    error = _run(_session(tmp_path, processes=32), FORK_BOMB)
    started = int(re.search(r"processes started: (\d+)", error).group(1))
    assert 0 < started < 32, error


@needs_both
def test_files_are_bounded_and_only_the_folder_is_writable(tmp_path):
    error = _run(_session(tmp_path, disk_mb=64), FILL_DISK)
    written = int(re.search(r"written (\d+) bytes", error).group(1))
    assert written <= 64 * MiB and "No space left on device" in error, error
    error = _run(_session(tmp_path), WRITE_ROOT)
    assert "writable outside the folder: []" in error, error


@pytest.mark.skipif(not cgroup_status()[0], reason=f"control groups: {cgroup_status()[1]}")
def test_a_group_is_deleted_with_what_it_holds():
    group = SubmissionGroup(64 * MiB, 8)
    folders = list(group.dirs)
    assert folders and all(folder.is_dir() for folder in folders)
    group.close()
    assert not any(folder.exists() for folder in folders)


def _creatable():
    try:
        SubmissionGroup(64 * MiB, 8).close()
    except OSError as exc:
        return False, f"{type(exc).__name__}: {exc}"
    return True, ""


@pytest.mark.skipif(not _creatable()[0], reason=f"control groups: {_creatable()[1]}")
def test_the_probe_tells_a_group_whose_memory_limit_holds_from_one_without():
    # the status claims whole-submission limits only when a process past the limit is really killed
    limited, unlimited = SubmissionGroup(64 * MiB, 8), SubmissionGroup(0, 8)
    try:
        assert _limit_holds(limited) == (True, "")
        holds, why = _limit_holds(unlimited)
        assert not holds and "does not hold" in why
    finally:
        limited.close()
        unlimited.close()


def test_the_summary_line_says_how_limits_are_enforced(monkeypatch):
    import lecture_lib.grading.grader as grader

    limits = Limits(memory_limit_mb=2048, process_limit=64, disk_limit_mb=512)
    monkeypatch.setattr(grader, "cgroup_status", lambda: (True, "cgroup v1"))
    text = limits_text(limits, sandboxed=True)
    assert text.startswith("per submission, all its processes together (cgroup v1)")
    assert "2048 MiB of memory" in text and "64 processes" in text and "512 MiB of files" in text
    monkeypatch.setattr(grader, "cgroup_status", lambda: (False, "cannot create a control group here"))
    assert limits_text(limits, sandboxed=False).startswith("per process only")
