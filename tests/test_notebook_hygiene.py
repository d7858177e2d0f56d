"""Series-wide hygiene of the notebooks and the package (issue 19, rules 3, 4 and 6).

* **Model selection never on the test set** (rule 4): no code in a notebook (notebooks/,
  solutions/) or in the package's topics/viz/checks modules hands test data to ``validation_data=`` (or a ``x_val=``-style argument),
  monitors a test metric, or picks an epoch or a setting with ``argmin``/``argmax`` of a test
  metric (``np.argmin(history["test_loss"])``) or into a ``best_…``/``stop…`` variable.
  Selection uses ``lecture_lib.datasets.validation_split``; the test set is evaluated once, at the end.
* **Stale text** (rule 6): no notebook says "to come" beside a chapter that exists; no package
  docstring or comment carries development notes ("the issue", "what the issue calls", "this
  issue", "the brief").
* **Notation** (rule 3): every chapter notebook links to the notation page
  ``00_start_here.ipynb#Notation``.

Each rule has its planted cases both ways. Notebooks or modules that do not follow a rule yet sit
in that rule's pending set and run as strict xfail: once one is fixed, the test fails until it is
removed from the set.
"""
import ast
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CHAPTERS = [p for p in NOTEBOOKS if re.match(r"(0[1-9]|1\d)_", p.name)]
PACKAGE = ROOT / "lecture_lib"
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
SELECTION_MODULES = sorted(p for part in ("topics", "viz", "checks") for p in (PACKAGE / part).glob("*.py"))


def _pending(paths, pending, root, reason):
    """pytest params of ``paths``; those whose name (relative to ``root``) is in ``pending`` are strict xfail."""
    params = []
    for path in paths:
        name = str(path.relative_to(root))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if name in pending else []
        params.append(pytest.param(path, id=name, marks=marks))
    return params


def _code_cells(path):
    notebook = nbformat.read(path, as_version=4)
    return [(i, c.source) for i, c in enumerate(notebook.cells) if c.cell_type == "code"]


def _markdown_cells(path):
    notebook = nbformat.read(path, as_version=4)
    return [(i, c.source) for i, c in enumerate(notebook.cells) if c.cell_type == "markdown"]


# ------------------------------------------------------------------------------------------
# Rule 4: model selection never on the test set
# ------------------------------------------------------------------------------------------
#: Keyword arguments that carry data for validation / model selection.
VALIDATION_KEYWORD = re.compile(r"^(validation_data|val_data|validation|x_val|y_val|x_valid|y_valid|val_x|val_y)$")
#: A name or string that reads a test metric.
TEST_METRIC = re.compile(r"test_?(loss|losses|acc|accuracy|accuracies|err|error|errors|score|scores|metric|mse)",
                         re.I)
SELECTORS = {"argmin", "argmax", "nanargmin", "nanargmax"}
SELECTION_TARGET = re.compile(r"best|stop", re.I)


def _words(node):
    """Every identifier, attribute name and string constant inside ``node``."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            yield sub.id
        elif isinstance(sub, ast.Attribute):
            yield sub.attr
        elif isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            yield sub.value


def _mentions_test(node):
    return any("test" in word.lower() for word in _words(node))


def _mentions_test_metric(node):
    return any(TEST_METRIC.search(word) for word in _words(node))


def _call_name(call):
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")


def selection_on_test_data(source: str) -> list:
    """Lines of ``source`` (Python; IPython magics allowed) that select on test data, with why."""
    code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    found = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg and VALIDATION_KEYWORD.match(keyword.arg) and _mentions_test(keyword.value):
                    found.append((node.lineno, f"{keyword.arg}= is given test data"))
                if keyword.arg == "monitor" and _mentions_test(keyword.value):
                    found.append((node.lineno, "monitor= watches a test metric"))
            if _call_name(node) in SELECTORS and any(_mentions_test_metric(a) for a in node.args):
                found.append((node.lineno, f"{_call_name(node)} of a test metric picks an epoch or a setting"))
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [w for t in targets for w in _words(t)]
            if node.value is not None and any(SELECTION_TARGET.search(n) for n in names) \
                    and _mentions_test_metric(node.value):
                found.append((node.lineno, f"{', '.join(names)} is chosen from a test metric"))
    return sorted(set(found))


#: Notebooks that still select on the test set (strict xfail; remove a notebook once it is fixed).
SELECTION_PENDING: set = set()
#: Package modules that still select on the test set.
SELECTION_PENDING_MODULES: set = set()


@pytest.mark.parametrize("path", _pending(NOTEBOOKS + SOLUTIONS, SELECTION_PENDING, ROOT, "selects on the test set"))
def test_notebook_selects_nothing_on_the_test_set(path):
    problems = [f"cell {i} line {line}: {why}" for i, source in _code_cells(path)
                for line, why in selection_on_test_data(source)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", _pending(SELECTION_MODULES, SELECTION_PENDING_MODULES, PACKAGE,
                                          "selects on the test set"))
def test_package_selects_nothing_on_the_test_set(path):
    problems = [f"line {line}: {why}" for line, why in selection_on_test_data(path.read_text(encoding="utf-8"))]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("source", [
    "model.fit(x_train, y_train, epochs=80, validation_data=(x_test, y_test))",
    "model.fit(x, y, validation_data=test_data)",
    "train(x_fit, y_fit, x_val=x_test, y_val=y_test)",
    "stop = EarlyStopping(monitor='test_loss', patience=3)",
    "best = int(np.argmin(history['test_loss']))",
    "epoch = np.argmax(run.history['test_acc'])",
    "best_epoch = min(range(80), key=lambda e: test_losses[e])",
    "%matplotlib inline\nbest_eta = etas[np.nanargmin(test_error)]",
])
def test_selection_on_test_data_is_found(source):
    assert selection_on_test_data(source)


@pytest.mark.parametrize("source", [
    "x_fit, y_fit, x_val, y_val = validation_split(x_train, y_train, fraction=0.2, seed=0)\n"
    "model.fit(x_fit, y_fit, validation_data=(x_val, y_val))\n"
    "best = int(np.argmin(history['val_loss']))\n"
    "loss, acc = model.evaluate(x_test, y_test)",
    "largest = int(np.argmax(test_income))",                    # reading the data, not a metric
    "print(f'test accuracy {test_acc.max():.2f} (best seed)')",  # a spread over seeds, no choice
    "band = (test_acc.min(axis=0), test_acc.max(axis=0))",
])
def test_selection_on_validation_data_passes(source):
    assert selection_on_test_data(source) == []


# ------------------------------------------------------------------------------------------
# Rule 6: stale text
# ------------------------------------------------------------------------------------------
TO_COME = re.compile(r"to come", re.I)
CHAPTER_NUMBER = re.compile(r"\b(\d\d)\b")


def stale_to_come(markdown: str, chapter_numbers) -> list:
    """Lines of ``markdown`` that say "to come" beside the number of a chapter in ``chapter_numbers``."""
    return [line.strip() for line in markdown.splitlines() if TO_COME.search(line)
            and set(CHAPTER_NUMBER.findall(line)) & set(chapter_numbers)]


EXISTING = {p.name[:2] for p in CHAPTERS}
#: Notebooks that still announce an existing chapter as "to come".
TO_COME_PENDING: set = set()


@pytest.mark.parametrize("path", _pending(NOTEBOOKS, TO_COME_PENDING, ROOT, "says 'to come' for an existing chapter"))
def test_no_to_come_for_an_existing_chapter(path):
    stale = [f"cell {i}: {line}" for i, source in _markdown_cells(path) for line in stale_to_come(source, EXISTING)]
    assert not stale, "\n".join(stale)


@pytest.mark.parametrize("markdown, stale", [
    ("Next chapter: 06 Optimisers (to come).", True),
    ("| 05 | The training framework | to come |", True),
    ("Next chapter: [06 Optimisers](06_optimisers.ipynb).", False),
    ("Next chapter: 14 Transformers (to come).", False),
])
def test_to_come_is_found_only_for_existing_chapters(markdown, stale):
    assert bool(stale_to_come(markdown, {"05", "06"})) is stale


#: Development notes that do not belong in the package's docstrings and comments.
DEVELOPMENT_NOTE = re.compile(r"\bthe issue\b|\bwhat the issue calls\b|\bthis issue\b|\bthe brief\b|\bissue #?\d+",
                              re.I)
PACKAGE_MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)
#: Modules that still carry development notes (the chapter engineers' checks/chNN.py among them).
NOTES_PENDING = set()


def development_notes(source: str) -> list:
    """(line number, line) of every development note in ``source``."""
    return [(n, line.strip()) for n, line in enumerate(source.splitlines(), 1) if DEVELOPMENT_NOTE.search(line)]


@pytest.mark.parametrize("path", _pending(PACKAGE_MODULES, NOTES_PENDING, PACKAGE, "carries development notes"))
def test_package_has_no_development_notes(path):
    notes = development_notes(path.read_text(encoding="utf-8"))
    assert not notes, "\n".join(f"line {n}: {line}" for n, line in notes)


@pytest.mark.parametrize("line, note", [
    ("(LeCun; what the issue calls the sigmoid's start)", True),
    ("# as this issue asks", True),
    ("# see the brief", True),
    ("# issue 19", True),
    ("# the test set is used once, at the end", False),
    ("raise ValueError('an issue with the input')", False),
])
def test_development_notes_are_found(line, note):
    assert bool(development_notes(line)) is note


# ------------------------------------------------------------------------------------------
# Rule 3: every chapter links to the notation page
# ------------------------------------------------------------------------------------------
NOTATION_LINK = "00_start_here.ipynb#Notation"
#: Chapters that do not link to the notation page yet.
NOTATION_PENDING: set = set()


def links_to_notation(markdown_sources) -> bool:
    return any(f"]({NOTATION_LINK})" in source or f'href="{NOTATION_LINK}"' in source for source in markdown_sources)


@pytest.mark.parametrize("path", _pending(CHAPTERS, NOTATION_PENDING, ROOT, "does not link to the notation page"))
def test_chapter_links_to_the_notation_page(path):
    assert links_to_notation(source for _, source in _markdown_cells(path)), \
        f"no markdown link [..]({NOTATION_LINK}) in {path.name}"


def test_notation_page_has_its_anchor():
    sources = [source for _, source in _markdown_cells(ROOT / "notebooks" / "00_start_here.ipynb")]
    assert any(re.search(r'<a id="Notation"></a>\s*\n## Notation\b', s) for s in sources)


@pytest.mark.parametrize("sources, links", [
    (["Symbols: see the [notation page](00_start_here.ipynb#Notation)."], True),
    (["Symbols: see the notation page in 00_start_here.ipynb."], False),
    (["[start here](00_start_here.ipynb)"], False),
])
def test_notation_link_is_found(sources, links):
    assert links_to_notation(sources) is links
