"""Drive a notebook in a real JupyterLab page (Playwright, sync API) and report what a person would see.

The page must come from a ``LabServer(expose_app=True)``: ``window.jupyterapp``
is JupyterLab's application object, used to run all cells, to wait for the
kernel and to read each cell's outputs. Everything that is judged (sliders,
plots, error messages) is read from the rendered page.

``check_sliders`` is the assertion helper of the suite: it returns a list of
problems in plain words (empty when every slider moves and its plot follows),
so the same helper can be run on a deliberately broken notebook to prove that
it reports the problem.
"""
from __future__ import annotations

import statistics
import time
from pathlib import Path

from notebook_code import widget_cells

# Filled by the tests, printed at the end of the run by conftest.pytest_terminal_summary.
REPORT = {"latency": {}, "screenshots": None}

_CURRENT = "window.jupyterapp.shell.currentWidget"
_KERNEL_READY = f"""() => {{
  const nb = window.jupyterapp && {_CURRENT};
  return !!(nb && nb.sessionContext && nb.sessionContext.session && nb.sessionContext.session.kernel
            && nb.sessionContext.session.kernel.connectionStatus === 'connected' && nb.content.widgets.length);
}}"""
_ALL_RUN = f"""() => {{
  const nb = {_CURRENT};
  const code = nb.content.widgets.filter(c => c.model.type === 'code');
  const failed = code.some(c => c.model.outputs.toJSON().some(o => o.output_type === 'error'));
  return nb.sessionContext.session.kernel.status === 'idle'
         && code.every(c => (c.model.executionCount !== null || failed) && c.model.executionState !== 'running');
}}"""
_KERNEL_IDLE = f"() => {_CURRENT}.sessionContext.session.kernel.status === 'idle'"

# A signature of the pixels of every image in one cell's output area:
# decoded, drawn on a canvas, hashed (FNV-1a). Works for data: and blob: URLs.
_PLOT_SIGNATURE = """async (cellIndex) => {
  const cell = window.jupyterapp.shell.currentWidget.content.widgets[cellIndex].node;
  const images = Array.from(cell.querySelectorAll('.jp-Cell-outputArea img'));
  const parts = [];
  for (const img of images) {
    try { await img.decode(); } catch (e) { parts.push('undecodable'); continue; }
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
    const context = canvas.getContext('2d');
    context.drawImage(img, 0, 0);
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
    let hash = 2166136261;
    for (let i = 0; i < data.length; i += 1) { hash ^= data[i]; hash = Math.imul(hash, 16777619) >>> 0; }
    parts.push(`${canvas.width}x${canvas.height}:${hash.toString(16)}`);
  }
  return parts.join('|');
}"""

# Problems a reader sees in the page: error outputs of cells, tracebacks inside
# widget outputs, widgets that failed to render.
_PAGE_ERRORS = """() => {
  const problems = [];
  const cells = window.jupyterapp.shell.currentWidget.content.widgets;
  cells.forEach((cell, index) => {
    if (cell.model.type !== 'code') return;
    for (const output of cell.model.outputs.toJSON()) {
      if (output.output_type === 'error') problems.push(`cell ${index}: ${output.ename}: ${output.evalue}`);
    }
    for (const node of cell.node.querySelectorAll('.jp-OutputArea-output')) {
      const text = node.innerText || '';
      const mime = node.getAttribute('data-mime-type') || '';
      if (mime.includes('stderr') && /Traceback|Error/.test(text))
        problems.push(`cell ${index}: error shown: ${text.trim().split('\\n').slice(-1)[0].slice(0, 200)}`);
      if (/Error displaying widget|Error rendering output item|Failed to load model class/.test(text))
        problems.push(`cell ${index}: widget did not render: ${text.trim().slice(0, 200)}`);
    }
  });
  return Array.from(new Set(problems));
}"""


def widget_notebooks(folder) -> list[Path]:
    """Notebooks in ``folder`` with a cell that displays an ipywidget (in its committed outputs)."""
    return [path for path in sorted(Path(folder).glob("*.ipynb")) if widget_cells(path)]


def open_and_run(page, url, timeout_s=180.0, run_all_keys=None) -> float:
    """Open a notebook URL, run all cells, wait until every cell ran; return the seconds it took.

    ``run_all_keys`` (e.g. ``"Control+Shift+Enter"``): run all by pressing these keys, as a person
    would, instead of calling JupyterLab's command.
    """
    start = time.monotonic()
    page.goto(url + ("&" if "?" in url else "?") + "reset")  # a fresh workspace: only this notebook open
    page.wait_for_function(_KERNEL_READY, timeout=90_000, polling=200)
    if run_all_keys:
        page.evaluate(f"() => {_CURRENT}.content.node.focus()")
        page.keyboard.press(run_all_keys)
    else:
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(_ALL_RUN, timeout=timeout_s * 1000, polling=250)
    return time.monotonic() - start


def page_errors(page) -> list[str]:
    """Error outputs and widget rendering failures visible in the notebook, as short strings."""
    return page.evaluate(_PAGE_ERRORS)


def plot_signature(page, cell_index) -> str:
    """Pixel hash of every image in the outputs of cell ``cell_index`` ('' when it shows none)."""
    return page.evaluate(_PLOT_SIGNATURE, cell_index)


def show_cell(page, cell_index) -> None:
    """Make ``cell_index`` the active cell (in a slide deck: go to its slide) and scroll it into view."""
    page.evaluate(f"(i) => {{ {_CURRENT}.content.activeCellIndex = i; }}", cell_index)
    page.evaluate(f"(i) => {_CURRENT}.content.widgets[i].node.scrollIntoView({{block: 'center'}})", cell_index)
    page.wait_for_timeout(300)


def cell_locator(page, cell_index):
    """Locator of cell ``cell_index`` of the notebook in front (other open documents ignored)."""
    panel_id = page.evaluate(f"() => {_CURRENT}.id")
    return page.locator(f"[id='{panel_id}'] .jp-Notebook .jp-Cell").nth(cell_index)


def sliders(page, cell_index):
    """Locator of the sliders (ipywidgets 8, noUiSlider) in the outputs of ``cell_index``."""
    return cell_locator(page, cell_index).locator(".widget-slider")


def slider_label(slider) -> str:
    return slider.locator(".widget-label").first.inner_text().strip() or "(no label)"


def slider_value(slider) -> str:
    return slider.locator(".noUi-handle").first.get_attribute("aria-valuenow") or ""


def _wait_for_new_plot(page, cell_index, before, timeout_s) -> str:
    """Poll the plot signature until it is non-empty and differs from ``before``; return the last one."""
    deadline = time.monotonic() + timeout_s
    current = before
    while time.monotonic() < deadline:
        page.wait_for_timeout(100)
        current = plot_signature(page, cell_index)
        if current and current != before:
            page.wait_for_function(_KERNEL_IDLE, timeout=30_000, polling=100)
            return plot_signature(page, cell_index)
    return current


def move_by_keyboard(slider, key="ArrowRight") -> None:
    handle = slider.locator(".noUi-handle").first
    handle.focus()
    handle.press(key)


def move_by_drag(page, slider, fraction=0.3) -> None:
    """Drag the handle by ``fraction`` of the track width (left when the handle sits right of centre)."""
    handle = slider.locator(".noUi-handle").first
    track = slider.locator(".noUi-base").first.bounding_box()
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    direction = -1 if x > track["x"] + track["width"] / 2 else 1
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + direction * fraction * track["width"], y, steps=8)
    page.mouse.up()


def check_sliders(page, cell_index, timeout_s=15.0, how=("keyboard", "drag"), without_redraw=()) -> list[str]:
    """Move every slider of cell ``cell_index`` (by keyboard and by drag) and check its plot follows.

    Parameters
    ----------
    without_redraw : collection of str
        Labels of sliders that by design do not redraw (a training setting
        that takes effect at the next 'train' click): they must still move
        and cause no error, but their plot may stay the same.

    Returns
    -------
    list of str
        One line per problem: no slider, a slider whose value does not move,
        a plot that does not change, an error shown in the page. Empty when
        all is well.
    """
    problems = []
    show_cell(page, cell_index)
    found = sliders(page, cell_index)
    if found.count() == 0:
        return [f"cell {cell_index}: no slider rendered"]
    for number in range(found.count()):
        slider = found.nth(number)
        label = slider_label(slider)
        for method in how:
            slider.scroll_into_view_if_needed()
            page.wait_for_function(_KERNEL_IDLE, timeout=30_000, polling=100)
            before_plot, before_value = plot_signature(page, cell_index), slider_value(slider)
            if not before_plot:
                problems.append(f"cell {cell_index}, slider {label!r}: no plot shown before moving it")
                continue
            if method == "keyboard":
                handle = slider.locator(".noUi-handle").first
                at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
                move_by_keyboard(slider, "ArrowLeft" if at_max else "ArrowRight")
            else:
                move_by_drag(page, slider)
            wait_s = 1.0 if label in without_redraw else timeout_s
            after_plot = _wait_for_new_plot(page, cell_index, before_plot, wait_s)
            after_value = slider_value(slider)
            if after_value == before_value:
                problems.append(f"cell {cell_index}, slider {label!r}: {method} did not move it "
                                f"(value stayed {before_value})")
            elif not after_plot or (after_plot == before_plot and label not in without_redraw):
                problems.append(f"cell {cell_index}, slider {label!r}: moved by {method} "
                                f"({before_value} -> {after_value}) but the plot did not change")
    problems += page_errors(page)
    return problems


_LATENCY_PROBE = """(cellIndex) => {
  const cell = window.jupyterapp.shell.currentWidget.content.widgets[cellIndex].node;
  const sources = () => Array.from(cell.querySelectorAll('.jp-Cell-outputArea img')).map(i => i.src).join('|');
  const before = sources();
  const probe = {t0: null, t1: null};
  window.__latencyProbe = probe;
  document.addEventListener('keydown', () => { probe.t0 = performance.now(); }, {capture: true, once: true});
  const observer = new MutationObserver(async () => {
    const now = sources();
    if (probe.t0 === null || probe.t1 !== null || !now || now === before) return;
    observer.disconnect();
    await Promise.all(Array.from(cell.querySelectorAll('.jp-Cell-outputArea img')).map(i => i.decode().catch(() => null)));
    probe.t1 = performance.now();
  });
  observer.observe(cell, {subtree: true, childList: true, attributes: true, attributeFilter: ['src']});
}"""


def slider_latency(page, cell_index, presses=15, slider_number=0) -> dict:
    """Milliseconds from a key press on a slider to its new plot image being decoded in the page.

    Alternates ArrowRight / ArrowLeft so the slider stays in range; waits for
    the kernel to be idle between presses.

    Returns
    -------
    dict with 'slider' (label), 'samples' (list of float, ms), 'median', 'p95', 'missed' (presses with no new image)
    """
    show_cell(page, cell_index)
    slider = sliders(page, cell_index).nth(slider_number)
    slider.scroll_into_view_if_needed()
    samples, missed = [], 0
    for press in range(presses):
        page.wait_for_function(_KERNEL_IDLE, timeout=30_000, polling=50)
        page.evaluate(_LATENCY_PROBE, cell_index)
        handle = slider.locator(".noUi-handle").first
        handle.focus()
        handle.press("ArrowRight" if press % 2 == 0 else "ArrowLeft")
        try:
            page.wait_for_function("() => window.__latencyProbe.t1 !== null", timeout=15_000, polling="raf")
        except Exception:  # noqa: BLE001 - a press with no new image is counted, not fatal here
            missed += 1
            continue
        probe = page.evaluate("() => window.__latencyProbe")
        samples.append(probe["t1"] - probe["t0"])
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))] if ordered else float("nan")
    return {"slider": slider_label(slider), "samples": samples, "missed": missed,
            "median": statistics.median(samples) if samples else float("nan"), "p95": p95}


def shut_down_kernels(page) -> None:
    """Shut down every kernel of the server from the page, so notebooks do not pile up (errors ignored)."""
    try:
        page.evaluate("() => window.jupyterapp && window.jupyterapp.serviceManager.sessions.shutdownAll()")
    except Exception:  # noqa: BLE001 - the page may be gone; the server's teardown kills kernels anyway
        pass
