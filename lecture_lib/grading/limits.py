"""Limits for a submission as a whole: memory, processes and files, whatever it forks.

A kernel's own ``RLIMIT_AS`` bounds one process; a submission that forks four processes, or fills the
sandbox's RAM-backed folders, would otherwise hold several times ``--memory-limit``. Here every process
of one submission shares:

* **memory** (``--memory-limit``, MiB): a Linux control group (cgroup v1 ``memory`` controller, or v2
  ``memory.max``) holding the kernel and every process it starts. Files written to the sandbox's
  writable folder are RAM (tmpfs) and are charged to the same group, so memory and files together stay
  within the limit. Past it the kernel (or the process that took the most) is killed ("kernel died").
  Some kernels enforce the limit a moment late (here, on a sandboxed kernel that emulates control
  groups, 0.1-0.5 s after the memory was touched, longer under load): a submission may exceed the
  limit for that moment, never hold it.
* **processes** (``--process-limit``): the cgroup ``pids`` controller; a fork bomb gets
  ``BlockingIOError: Resource temporarily unavailable`` once the submission has that many.
* **files** (``--disk-limit``, MiB): the sandbox's only writable folder is a tmpfs of that size
  (``bwrap --size``); the rest of the sandbox's root is remounted read-only. Writing past it gives
  ``OSError: No space left on device``.

Control groups need the right to create them (root, or a delegated subtree); where the machine does not
give it, :func:`cgroup_status` says why, the summary says that memory and processes are limited per
process only, and the tests of the whole-submission limits are skipped with that reason.
"""
from __future__ import annotations

import functools
import os
import secrets
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")


def _own_cgroup_paths() -> dict:
    """{controller or "" (v2): path of this process's cgroup} from /proc/self/cgroup."""
    paths = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return paths
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        for controller in (parts[1].split(",") if parts[1] else [""]):
            paths[controller] = parts[2]
    return paths


def _v1_dirs() -> dict | None:
    """{"memory": dir, "pids": dir} where this process may create child cgroups (cgroup v1), else None."""
    own = _own_cgroup_paths()
    dirs = {}
    for controller in ("memory", "pids"):
        base = CGROUP_ROOT / controller
        if controller not in own or not (base / "cgroup.procs").exists():
            return None
        dirs[controller] = base / own[controller].lstrip("/")
    return dirs


def _v2_dir() -> Path | None:
    if not (CGROUP_ROOT / "cgroup.controllers").exists():
        return None
    return CGROUP_ROOT / _own_cgroup_paths().get("", "/").lstrip("/")


class SubmissionGroup:
    """The control group(s) of one submission: create, let a starting process join, delete.

    memory_bytes : int, 0 for no memory limit; max_processes : int, 0 for no process limit
    """

    def __init__(self, memory_bytes: int, max_processes: int):
        self.memory_bytes, self.max_processes = int(memory_bytes), int(max_processes)
        self.name = f"lecture-grade-{os.getpid()}-{secrets.token_hex(4)}"
        self.dirs: list = []
        self._create()

    def _create(self) -> None:
        v1 = _v1_dirs()
        if v1 is not None:
            memory, pids = v1["memory"] / self.name, v1["pids"] / self.name
            memory.mkdir()
            self.dirs.append(memory)
            pids.mkdir()
            self.dirs.append(pids)
            if self.memory_bytes:
                (memory / "memory.limit_in_bytes").write_text(str(self.memory_bytes))
                swap = memory / "memory.memsw.limit_in_bytes"
                if swap.exists():
                    swap.write_text(str(self.memory_bytes))
            if self.max_processes:
                (pids / "pids.max").write_text(str(self.max_processes))
            return
        v2 = _v2_dir()
        if v2 is None:
            raise OSError("no cgroup v1 memory/pids hierarchy and no cgroup v2 here")
        group = v2 / self.name
        group.mkdir()
        self.dirs.append(group)
        if self.memory_bytes:
            (group / "memory.max").write_text(str(self.memory_bytes))
            if (group / "memory.swap.max").exists():
                (group / "memory.swap.max").write_text("0")
        if self.max_processes:
            (group / "pids.max").write_text(str(self.max_processes))

    def join(self) -> None:
        """Move the calling process into the group (called in the child before it runs the kernel)."""
        pid = str(os.getpid())
        for folder in self.dirs:
            with open(folder / "cgroup.procs", "w") as handle:
                handle.write(pid)

    def processes(self) -> list:
        found = set()
        for folder in self.dirs:
            try:
                found.update(int(p) for p in (folder / "cgroup.procs").read_text().split())
            except (OSError, ValueError):
                continue
        return sorted(found)

    def close(self) -> None:
        """Kill what is left in the group and delete it."""
        import signal
        import time

        for _ in range(20):
            left = self.processes()
            if not left:
                break
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.05)
        for folder in reversed(self.dirs):
            for _ in range(20):
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.05)
        self.dirs = []


# A process in the probe group touches this much memory under a limit of half of it: if it survives, the
# group's limit does not hold on this machine (seen once on a CI checkout whose group accepted the limit
# file and then let four children hold 800 MiB under 600 MiB), and the grader must not claim it does.
PROBE_LIMIT = 64 * 2**20
PROBE_TOUCH = 2 * PROBE_LIMIT
# Seconds the probe waits after touching: a group's limit may be enforced a moment late (measured here
# 0.1-0.5 s on a sandboxed kernel whose control groups are emulated), and a probe that exits at once
# would then be reported as "the limit does not hold".
PROBE_GRACE = 3
_PROBE_SOURCE = """
import sys
name = sys.argv[1]
if name not in open("/proc/self/cgroup").read():
    sys.exit(3)                       # join did not move the process into the group
block = bytearray(%d)
block[::4096] = b"x" * len(block[::4096])
import time
time.sleep(%s)                        # some kernels enforce the limit a moment after the touch
sys.exit(0)                           # survived: the memory limit did not hold
""" % (PROBE_TOUCH, PROBE_GRACE)


def _limit_holds(group: SubmissionGroup) -> tuple:
    """(True, "") when a process that joined ``group`` is killed for touching twice its memory limit."""
    import subprocess
    import sys

    try:
        done = subprocess.run([sys.executable, "-I", "-S", "-c", _PROBE_SOURCE, group.name],
                              preexec_fn=group.join, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        return False, f"the probe process did not run ({type(exc).__name__})"
    if done.returncode == 3:
        return False, "a process that joined the group is not listed in it"
    if done.returncode == 1 and b"MemoryError" in done.stderr:
        return False, "the probe ran out of address space before the group's limit was reached"
    if done.returncode == 0:
        return False, (f"a process in a group limited to {PROBE_LIMIT // 2**20} MiB touched "
                       f"{PROBE_TOUCH // 2**20} MiB: the group's memory limit does not hold here")
    return True, ""


@functools.lru_cache(maxsize=None)
def cgroup_status() -> tuple:
    """(True, "cgroup v1") when this process may create a submission's control group and its memory limit
    holds (a probe process is killed past it); (False, why) otherwise."""
    if os.environ.get("LECTURE_GRADE_NO_CGROUP"):
        return False, "switched off by LECTURE_GRADE_NO_CGROUP"
    try:
        group = SubmissionGroup(PROBE_LIMIT, 8)
    except OSError as exc:
        return False, f"cannot create a control group here ({type(exc).__name__}: {str(exc)[:120]})"
    try:
        kind = "cgroup v1" if "memory" in str(group.dirs[0]) else "cgroup v2"
        holds, why = _limit_holds(group)
    finally:
        group.close()
    return (True, kind) if holds else (False, why)
