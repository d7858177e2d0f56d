"""Lecture mode: present one chapter full screen in JupyterLab, sliders live.

Usage::

    make lecture CHAPTER=01                       # = the command below
    python -m lecture_lib.tools.lecture 01        # chapter number or notebook path
    python -m lecture_lib.tools.lecture 01 --port 8899 --no-browser
    python -m lecture_lib.tools.lecture --add-slides notebooks/03_*.ipynb   # slide metadata at headings

It starts JupyterLab on localhost with its own settings (in a temporary
directory, so a learner's own JupyterLab settings are never touched):

* the Simple Interface (one document, no side panels), large fonts
  (``lab_settings/lecture.json``);
* the notebook opened as a slide deck by the ``jupyterlab-slideshow``
  extension (prebuilt, from PyPI): one slide per cell whose metadata says
  ``"slideshow": {"slide_type": "slide"}``, the cells between two such
  cells on the same slide, ``subslide`` going down, ``skip`` hidden. The
  slides are ordinary notebook cells, so the kernel runs and the sliders
  stay live. ``Ctrl+Shift+Enter`` runs all cells (the deck has no menu
  bar); Space / Shift+Space or the arrow keys move between slides (arrow
  keys on a focused slider move the slider); the deck button at the bottom
  right returns to the notebook view.

Autosave is off in lecture mode: running the chapter in front of a class
does not rewrite the committed notebook (File > Save still works).

The same ``LabServer`` starts the JupyterLab of the browser test suite
(``tests/browser``).
"""
from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_FILE = Path(__file__).resolve().parent / "lab_settings" / "lecture.json"
SLIDE_TYPES = ("slide", "subslide", "fragment", "skip", "notes", "-")

__all__ = ["LabServer", "free_port", "chapter_notebook", "slide_outline", "add_slide_metadata", "write_lab_settings",
           "main"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def chapter_notebook(chapter, notebooks_dir=None) -> Path:
    """The notebook of a chapter.

    Parameters
    ----------
    chapter : str or int
        A chapter number (``1``, ``"01"``) or the path of a notebook.
    notebooks_dir : Path, optional (default: ``notebooks/`` of the repository)

    Returns
    -------
    Path of the ``.ipynb`` file. Raises ``ValueError`` naming the chapters
    that exist when none (or several) match.
    """
    as_path = Path(str(chapter))
    if as_path.suffix == ".ipynb":
        if not as_path.is_file():
            raise ValueError(f"No notebook at {as_path}.")
        return as_path.resolve()
    notebooks_dir = Path(notebooks_dir) if notebooks_dir is not None else ROOT / "notebooks"
    text = str(chapter).strip()
    if not text.isdigit():
        raise ValueError(f"CHAPTER must be a number such as 01 or a notebook path, got {chapter!r}.")
    found = sorted(notebooks_dir.glob(f"{int(text):02d}_*.ipynb"))
    if len(found) != 1:
        existing = ", ".join(p.name for p in sorted(notebooks_dir.glob("*.ipynb"))) or "none"
        raise ValueError(f"Expected one notebook for chapter {int(text):02d} in {notebooks_dir}, "
                         f"found {len(found)}. Chapters: {existing}.")
    return found[0].resolve()


def slide_outline(path) -> list[tuple[int, str]]:
    """The slides of a notebook: (cell index, first line) of every cell starting a slide.

    Raises ``ValueError`` when a cell's ``slideshow.slide_type`` is not one of
    ``SLIDE_TYPES`` or when the notebook has no slide at all (lecture mode
    would then show the whole chapter as one slide).
    """
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    outline = []
    for index, cell in enumerate(cells):
        slide_type = cell.get("metadata", {}).get("slideshow", {}).get("slide_type")
        if slide_type is None:
            continue
        if slide_type not in SLIDE_TYPES:
            raise ValueError(f"{Path(path).name}, cell {index}: slide_type must be one of {SLIDE_TYPES}, "
                             f"got {slide_type!r}.")
        if slide_type == "slide":
            source = "".join(cell.get("source", "")).strip()
            outline.append((index, source.splitlines()[0] if source else "(empty cell)"))
    if not outline:
        raise ValueError(f"{Path(path).name} has no cell with slideshow.slide_type 'slide': "
                         "add slide metadata (see book/instructors.md, 'Presenting a chapter').")
    return outline


def add_slide_metadata(path) -> int:
    """Slide metadata from the notebook's structure: a slide per section, a sub-slide per step.

    A Markdown cell starting with a ``#`` or ``##`` heading starts a slide
    (``"slideshow": {"slide_type": "slide"}``); any other Markdown cell that
    follows a code cell starts a sub-slide (the next step of the section,
    reached with the down arrow or Space). Only cell metadata changes; a cell
    that already has a slide type keeps it. Re-execute the notebook
    afterwards (``python -m lecture_lib.tools.run_notebooks PATH``).

    Returns
    -------
    int: how many cells were marked.
    """
    path = Path(path)
    notebook = json.loads(path.read_text(encoding="utf-8"))
    marked, previous = 0, None
    for cell in notebook["cells"]:
        source = "".join(cell.get("source", "")).lstrip()
        heading = source.startswith("# ") or source.startswith("## ")
        if cell["cell_type"] == "markdown" and "slideshow" not in cell.get("metadata", {}):
            slide_type = "slide" if heading or previous is None else "subslide" if previous == "code" else None
            if slide_type:
                cell.setdefault("metadata", {})["slideshow"] = {"slide_type": slide_type}
                marked += 1
        previous = cell["cell_type"]
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return marked


def write_lab_settings(settings_dir, lecture=True, autosave=False) -> Path:
    """Write JupyterLab user settings into ``settings_dir`` (one file per plugin).

    ``lecture=True`` adds the lecture look (large fonts, Simple Interface,
    slide deck on); ``False`` writes only what every run needs (no autosave,
    every cell rendered so widgets below the fold exist in the page).
    """
    presets = json.loads(SETTINGS_FILE.read_text(encoding="utf-8"))
    chosen = dict(presets["always"])
    if lecture:
        chosen.update(presets["lecture"])
    chosen.setdefault("@jupyterlab/docmanager-extension:plugin", {})["autosave"] = bool(autosave)
    settings_dir = Path(settings_dir)
    for plugin, values in chosen.items():
        package, _, name = plugin.partition(":")
        target = settings_dir / package / f"{name}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values, indent=2), encoding="utf-8")
    return settings_dir


class LabServer:
    """JupyterLab on 127.0.0.1, no token, its own config/runtime/settings/workspaces dirs.

    Use as a context manager; the server (its whole process group) is stopped
    on exit, whatever happened inside.

    Parameters
    ----------
    root_dir : Path
        What the file browser shows (``/lab/tree/...`` URLs are relative to it).
    lecture : bool
        Lecture look (see ``write_lab_settings``).
    port : int, optional (default: a free port)
    expose_app : bool
        Set ``window.jupyterapp`` in the page (the browser tests drive it).
    extra_args : list of str
    """

    def __init__(self, root_dir, lecture=False, port=None, expose_app=False, extra_args=(), log_path=None):
        self.root_dir = Path(root_dir)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.lecture = lecture
        self.expose_app = expose_app
        self.extra_args = list(extra_args)
        self.log_path = log_path
        self.process = None
        self._home = None

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
                   "--ServerApp.port_retries=0", "--IdentityProvider.token=", "--ServerApp.password=",
                   f"--ServerApp.root_dir={self.root_dir}", "--ServerApp.open_browser=False"]
        if self.expose_app:
            command.append("--LabApp.expose_app_in_browser=True")
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")
        return command + self.extra_args

    def start(self, timeout=90.0) -> "LabServer":
        self._home = Path(tempfile.mkdtemp(prefix="lecture-lab-"))
        env = dict(os.environ)
        for variable, name in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                               ("JUPYTERLAB_SETTINGS_DIR", "settings"), ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
                               ("IPYTHONDIR", "ipython")]:
            env[variable] = str(self._home / name)
            (self._home / name).mkdir()
        write_lab_settings(self._home / "settings", lecture=self.lecture)
        log = open(self.log_path or self._home / "server.log", "wb")
        self.log_file = Path(log.name)
        self.process = subprocess.Popen(self.command(), cwd=self.root_dir, env=env, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        atexit.register(self.stop)  # also when the caller forgets, or exits through sys.exit
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/api/status", timeout=2):
                    return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    tail = self.log_file.read_text(errors="replace")[-3000:]
                    self.stop()
                    raise RuntimeError(f"JupyterLab did not answer on {self.url} within {timeout:.0f} s:\n{tail}")
                time.sleep(0.3)

    def stop(self) -> None:
        """Stop the server and everything it started (kernels included)."""
        if self.process is not None and self.process.poll() is None:
            for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
                try:
                    os.killpg(self.process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.process.wait(wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        if self.process is not None:
            try:  # kernels run in the same process group; make sure none survives the server
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self._home is not None:
            shutil.rmtree(self._home, ignore_errors=True)
            self._home = None

    def tree_url(self, path) -> str:
        """The URL opening ``path`` (inside ``root_dir``) in JupyterLab."""
        relative = Path(path).resolve().relative_to(self.root_dir.resolve()).as_posix()
        return f"{self.url}/lab/tree/{urllib.request.quote(relative)}"

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapter", nargs="?", help="chapter number (01) or notebook path")
    parser.add_argument("--add-slides", nargs="+", metavar="NOTEBOOK", help="mark a slide at every # / ## heading")
    parser.add_argument("--port", type=int, default=None, help="default: a free port")
    parser.add_argument("--no-browser", action="store_true", help="only print the URL")
    args = parser.parse_args(argv)
    if args.add_slides:
        for path in args.add_slides:
            print(f"{add_slide_metadata(path):3d} slides / sub-slides marked in {path}")
        return 0
    if args.chapter is None:
        parser.error("give a chapter number such as 01 (or --add-slides NOTEBOOK...)")
    try:
        notebook = chapter_notebook(args.chapter)
        outline = slide_outline(notebook)
    except ValueError as exc:
        print(f"lecture: {exc}", file=sys.stderr)
        return 2
    server = LabServer(ROOT, lecture=True, port=args.port)
    for sig in (signal.SIGTERM, signal.SIGHUP):  # a closed terminal or `kill` also stops the server
        signal.signal(sig, lambda *_: sys.exit(0))
    try:
        server.start()
        url = server.tree_url(notebook)
        print(f"Presenting {notebook.name}: {len(outline)} slides")
        for number, (_, title) in enumerate(outline, start=1):
            print(f"  {number:2d}  {title}")
        print(f"\nOpen {url}\nCtrl+Shift+Enter runs all cells; Space / Shift+Space (or the arrow keys) move "
              "between slides; F11 for full screen. Ctrl+C here stops the server.")
        if not args.no_browser:
            import webbrowser
            webbrowser.open(url)
        server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
