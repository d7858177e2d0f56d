"""Start a learner kernel in a sandbox (bubblewrap) when the machine allows it, and end all its processes.

With ``bwrap`` (Debian/Ubuntu package ``bubblewrap``; ``make sandbox-deps``)
every kernel runs in new user, PID, network, IPC and UTS namespaces
(``--unshare-all``), as user ``nobody`` without capabilities, and sees only:

* read-only: ``/usr`` and the system's library folders, Python's installation
  (``sys.base_prefix``), the virtualenv (``sys.prefix``), the site-packages
  folders, and the ``lecture_lib`` package (code that is public anyway);
* read-write: the submission's own temporary folder (also ``HOME`` and ``TMPDIR``);
* a private ``/proc`` and a minimal ``/dev``; no network at all.

``solutions/``, the ``--out`` folder, the other submissions and the rest of the
instructor's files do not exist inside it. ``--die-with-parent`` and the PID
namespace end every process the submission started (also with
``start_new_session``) when the kernel is killed.

Whether bwrap works is tested once per process by running ``true`` in the
same sandbox (containers often forbid user namespaces): :func:`sandbox_status`.
Without it the kernel runs as a plain process with a cleared environment, and
the summary says so; :func:`end_processes` then ends the kernel's process group
and every process that still carries the submission's marker variable.
"""
from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

MARKER = "LECTURE_GRADE_SUBMISSION"
_SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/localtime", "/etc/alternatives", "/etc/fonts", "/etc/ssl/certs")


def _package_dir() -> str:
    return str(Path(__file__).resolve().parent.parent)


def _readonly_paths() -> list:
    import site
    import sysconfig

    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, _package_dir(),
             sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    paths.update(site.getsitepackages() if hasattr(site, "getsitepackages") else [])
    paths.add(str(Path(sys.executable).resolve().parent.parent))
    return sorted(p for p in paths if p and os.path.isdir(p))


DEFAULT_DISK_BYTES = 512 * 2**20


def bwrap_command(workdir: Path, bwrap: str = "bwrap", disk_bytes: int = 0) -> list:
    """The bwrap arguments (up to the program to run) for a kernel whose writable folder is ``workdir``.

    ``disk_bytes`` > 0: ``workdir`` inside the sandbox is a new tmpfs of that size (the submission's files
    are bounded, and charged to its memory group, :mod:`.limits`) instead of the host folder; either way the
    rest of the sandbox's root is read-only.
    """
    command = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
               "--uid", "65534", "--gid", "65534", "--proc", "/proc", "--dev", "/dev"]
    for path in _SYSTEM_DIRS:
        if os.path.islink(path):
            command += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            command += ["--ro-bind", path, path]
    for path in _SYSTEM_FILES:
        if os.path.exists(path):
            command += ["--ro-bind", path, path]
    for path in _readonly_paths():
        command += ["--ro-bind", path, path]
    if disk_bytes:
        command += ["--size", str(int(disk_bytes)), "--tmpfs", str(workdir)]
    else:
        command += ["--bind", str(workdir), str(workdir)]
    command += ["--chdir", str(workdir)]
    if not str(workdir).startswith("/tmp/"):  # otherwise /tmp already exists inside, holding only workdir
        command += ["--symlink", str(workdir), "/tmp"]
    command += ["--remount-ro", "/"]  # the sandbox's own root (a tmpfs) takes no files: only workdir does
    return command


@functools.lru_cache(maxsize=None)
def sandbox_status() -> tuple:
    """(True, "bubblewrap 0.8.0: ...") when kernels run sandboxed; (False, why not) otherwise."""
    if os.environ.get("LECTURE_GRADE_NO_SANDBOX"):
        return False, "switched off by LECTURE_GRADE_NO_SANDBOX"
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return False, "bwrap not found (install the bubblewrap package: make sandbox-deps)"
    import tempfile

    with tempfile.TemporaryDirectory(prefix="lecture-grade-probe-") as folder:
        try:
            probe = subprocess.run(bwrap_command(Path(folder), bwrap) + [sys.executable, "-I", "-c", "import numpy"],
                                   capture_output=True, text=True, timeout=60, env=kernel_environment(Path(folder), ""))
        except (OSError, subprocess.TimeoutExpired) as exc:
            return False, f"bwrap does not start here ({type(exc).__name__})"
    if probe.returncode != 0:
        reason = (probe.stderr.strip().splitlines() or ["no message"])[-1][:200]
        return False, f"bwrap is installed but cannot create its sandbox here: {reason}"
    version = subprocess.run([bwrap, "--version"], capture_output=True, text=True).stdout.strip()
    return True, f"{version or 'bwrap'}: no network, only the submission's temporary folder writable"


def kernel_environment(workdir: Path, marker: str) -> dict:
    """A clean environment: none of the instructor's variables, only what Python and the libraries need."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(workdir), "TMPDIR": str(workdir),
           "LANG": "C.UTF-8", "MPLBACKEND": "Agg", "MPLCONFIGDIR": str(workdir / ".matplotlib"),
           "IPYTHONDIR": str(workdir / ".ipython"), "USER": "learner", "LOGNAME": "learner",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", MARKER: marker}
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # the machine's BLAS tuning, as for every notebook
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def start_kernel(workdir: Path, marker: str, memory_limit: int, sandboxed: bool, group=None,
                 disk_bytes: int = 0) -> subprocess.Popen:
    """Start ``lecture_lib.grading.learner_kernel`` (in the sandbox if ``sandboxed``), pipes on stdin/stdout.

    group : :class:`~lecture_lib.grading.limits.SubmissionGroup` or None, joined before the kernel starts
    (every process it starts stays in it); disk_bytes : size of the sandbox's writable folder.
    """
    workdir.mkdir(parents=True, exist_ok=True)  # the learner may have deleted it
    # -I: no user site, no PYTHON* variables, no working folder on sys.path; the grader's own copy of
    # lecture_lib comes first (also when it is not installed but found through PYTHONPATH)
    parent = str(Path(_package_dir()).parent)
    program = [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {parent!r}); "
               f"from lecture_lib.grading.learner_kernel import main; sys.exit(main([{str(int(memory_limit))!r}]))"]
    command = bwrap_command(workdir, disk_bytes=disk_bytes) + program if sandboxed else program
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            cwd=str(workdir), env=kernel_environment(workdir, marker), start_new_session=True,
                            close_fds=True, preexec_fn=group.join if group is not None else None)


def _marked_processes(marker: str) -> list:
    found = []
    needle = f"{MARKER}={marker}".encode()
    for entry in os.scandir("/proc") if os.path.isdir("/proc") else []:
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry.name}/environ", "rb") as handle:
                if needle in handle.read().split(b"\0"):
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


def end_processes(process: subprocess.Popen | None, marker: str) -> None:
    """Kill the kernel, its process group and every process carrying ``marker``; reap the kernel."""
    if process is not None:
        for kill in (lambda: os.killpg(process.pid, signal.SIGKILL), process.kill):
            try:
                kill()
            except (ProcessLookupError, PermissionError, OSError):
                pass
        for stream in (process.stdin, process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    for _ in range(5):  # processes that left the group (setsid) but kept the environment
        pids = _marked_processes(marker) if marker else []
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.05)
