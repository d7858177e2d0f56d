"""Trace every figure a notebook's prose states to the notebook's own run.

Usage::

    python -m lecture_lib.tools.prose_figures notebooks/06_optimisers.ipynb notebooks/08_dropout.ipynb
    python -m lecture_lib.tools.prose_figures notebooks          # every notebook in the folder

It prints each untraced figure (cell index and sentence), each phrase that
points at a run the reader cannot see, and each allowlist entry that is stale
or cites a source the chapter does not list; it exits 1 if there is any.

What counts as a figure
-----------------------
In a markdown cell (math ``$…$`` is prose; inline code in backticks and fenced
code are code and skipped), a figure is

* a number with a decimal point: ``0.83``, ``2.2e-9``, and a number in scientific notation with
  a mantissa: ``1.8 × 10^{308}``, ``3 × 10⁻⁴`` (a bare power ``10^{-5}`` or ``1e-5`` is not a figure);
* a percentage: ``84 %``, ``11.7%``, ``5\\,\\%`` (and every number of a range
  ending in one: ``15–19 %``);
* each number of ``a ± b`` (also ``\\pm``);
* the number of ``N times``, ``×N``, ``N×`` (also ``\\times``), and a number word before
  "times" (``ten times smaller``, ``one and a half times as long``; ``NUMBER_WORDS``; a word is
  as precise as its last unit: "ten" matches a printed 9.6, "one and a half" a printed
  1.46);
* a time: ``0.2 s``, ``20 ms``, ``3 seconds``, ``2 min`` (ns, µs, ms, s, sec,
  second(s), min, minute(s), hour(s); "s" only after a space, so "0s and 1s" are digits; never
  inside math, where s is a symbol).

Other integers (counts, seeds, years, chapter numbers) are not figures.

What is not a measurement (``EXCLUSIONS``; masked before figures are read)
--------------------------------------------------------------------------
* references into documents: ``slide 8.3``, ``slides 8.1–8.4``, ``§4.2``,
  ``Eq. 3.1``, ``equation (2.4)``, ``section 4.2``, ``chapter 8.3``,
  ``Table 2.1``, ``Fig. 3.2``, ``Algorithm 2.1``, ``page 3.4``, and a number
  opening a heading (``## 3.1 Momentum``);
* version numbers: a tool's name followed by its version (``Python 3.11``,
  ``NumPy 2.4``, ``Keras 3``, ``version 1.2``, ``v2.0``) and any ``a.b.c``;
* shapes: ``8×8``, ``28 × 28``, ``2 \\times 3`` (an integer on each side of ×); in a product
  with a decimal (``0.8 × 2``) the decimal stays a figure but neither number is a ratio;
* link targets ``[text](target)``, URLs, HTML tags with their attributes,
  DOIs (``doi:10.1000/xyz``, ``10.1000/xyz``) and arXiv ids (``arXiv:1412.6980``);
* years and chapter numbers are integers, never figures.

How a figure is traced
----------------------
(a) **Printed**: a code cell's output in the same notebook (stream text,
    ``text/plain``, ``text/html``, ``text/markdown``; images are not read)
    contains a number that equals the figure at the figure's shown precision.
    Prose may round a printed value but not add digits: prose ``0.83`` matches
    printed ``0.8312`` or ``0.83``, not ``0.8``; prose ``×8.0`` matches printed
    ``8.0`` or ``7.96``, not ``8``. A percentage ``P %`` also matches the
    printed fraction (prose ``84 %`` matches ``0.8371``); a time matches only
    a printed time, in any unit (prose ``0.45 s`` matches a printed ``452 ms``
    or ``0.45 s``, not a bare ``0.45``).
    Signs are ignored (prose "drops by 0.3" matches a printed ``-0.3``).
    Integers are compared to the unit: prose ``300×`` does not match ``297.6``.
(b) **A parameter**: the number is a literal in a code cell's source
    (``eta = 0.1``; a literal is exact, so prose ``0.10`` and ``10 %`` match it).
    Comments are not code. A time is measured, never set: only a printed time traces it.
(c) **Cited**: an entry of the allowlist ``cited_figures.json`` beside the
    notebooks::

        {"notebook": "06_optimisers.ipynb", "figure": "0.999",
         "context": "a few words of the sentence",
         "source": "Kingma & Ba", "reason": "the paper's recommended default"}

    ``figure`` is the figure as written (``"0.999"``, ``"3 %"``; spaces do not
    matter), ``context`` is matched case-insensitively against the sentence
    that holds it (as the command line prints it: a clause ends at . ! ? : ;),
    and ``source`` must appear in the notebook's reference
    section (a markdown heading containing References, Reading, Sources,
    Literature, Bibliography, Papers or Citations, e.g. "## References" or
    "## Further reading", up to the next heading of the same level).
    An entry that matches no figure of its notebook is stale, and an entry
    whose source is not in the chapter's references is wrong: both fail.

Phrases that point at runs the reader cannot see (``UNSEEN_RUN_PHRASES``,
case-insensitive) fail wherever they stand in the prose: "earlier run(s)",
"earlier measurement(s)", "earlier experiment(s)", "previous run(s)", "in a
previous run", "previous measurement(s)", "measured earlier", "measured
before", "when we tried", "when I tried", "found by the author", "the author
found", "the author measured", "the engine's author", "in another run", "in
other runs", "an earlier version of this notebook". Refer to the printed
output instead ("the table above shows …").
"""
from __future__ import annotations

import argparse
import io
import json
import re
import sys
import tokenize
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple
from pathlib import Path

import nbformat

ALLOWLIST_NAME = "cited_figures.json"
ALLOWLIST_KEYS = ("notebook", "figure", "context", "source", "reason")

# ---------------------------------------------------------------------------------------------
# What is masked before figures are read: code, links, and numbers that are not measurements.
# ---------------------------------------------------------------------------------------------
_NUM = r"\d+(?:\.\d+)*"
_NUM_LIST = rf"{_NUM}(?:\s*(?:,|–|—|-|to|and|&)\s*{_NUM}(?![\d.]|\s*(?:%|\\%|×|times|ms\b|s\b|±)))*"
_TOOLS = (r"python|numpy|keras|tensorflow|tf|pytorch|torch|matplotlib|ipywidgets|sympy|scipy|pandas|"
          r"scikit-learn|sklearn|jupyterlab|jupyter|ipython|nbformat|nbclient|nbval|openblas|mkl|"
          r"chromium|playwright|node|ubuntu|debian|windows|macos|cuda|version|versions|release")
_REFERENCE_WORDS = (r"slides?|§|eqs?\.|eqn\.|equations?|sections?|sec\.|chapters?|ch\.|tables?|figures?|"
                    r"figs?\.|algorithms?|pages?|pp?\.|appendix|theorems?|lemmas?|definitions?|lectures?")

#: (name, pattern) of what is not a measurement; each match is blanked out before figures are read.
EXCLUSIONS = (
    ("fenced code", re.compile(r"```.*?```|~~~.*?~~~", re.S)),
    ("inline code", re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)),
    ("HTML comment", re.compile(r"<!--.*?-->", re.S)),
    ("link target", re.compile(r"(?<=\])\([^)\s]*(?:\s+\"[^\"]*\")?\)|^\s*\[[^\]]+\]:\s*\S+.*$", re.M)),
    ("URL", re.compile(r"(?:https?|ftp|file)://[^\s)>\]]+|www\.[^\s)>\]]+", re.I)),
    ("HTML tag", re.compile(r"</?[A-Za-z][^>]*>")),
    ("DOI", re.compile(r"\bdoi:\s*\S+|\b10\.\d{4,9}/\S+", re.I)),
    ("arXiv id", re.compile(r"\barxiv:?\s*\d{4}\.\d{4,5}(?:v\d+)?", re.I)),
    ("reference into a document", re.compile(rf"(?:(?<![\w])(?:{_REFERENCE_WORDS})|§)\s*\(?{_NUM_LIST}\)?",
                                             re.I)),
    ("heading number", re.compile(rf"^\s*#+\s*{_NUM}", re.M)),
    ("version number", re.compile(rf"(?<![\w])(?:(?:{_TOOLS})(?:\s+|==|>=|<=|~=)|v(?=\d)){_NUM}(?:\.x)?", re.I)),
    ("dotted version a.b.c", re.compile(r"(?<![\w.])\d+\.\d+\.\d+(?:\.\d+)*")),
    ("shape N×M", re.compile(r"(?<![\w.])\d+\s*(?:×|\\times)\s*\d+(?:\s*(?:×|\\times)\s*\d+)*(?![\d.^⁰¹²³⁴⁵⁶⁷⁸⁹⁻])")),
)

#: Phrases that point at runs the reader cannot see (case-insensitive regular expressions).
UNSEEN_RUN_PHRASES = (
    r"earlier runs?",
    r"earlier measurements?",
    r"earlier experiments?",
    r"previous runs?",
    r"previous measurements?",
    r"measured earlier",
    r"measured before",
    r"when we tried",
    r"when i tried",
    r"found by the author",
    r"the author found",
    r"the author measured",
    r"the engine['’]s author",
    r"in another run",
    r"in other runs",
    r"an earlier version of this notebook",
)
_PHRASE_RE = re.compile("|".join(rf"\b{p}\b" for p in UNSEEN_RUN_PHRASES), re.I)

# ---------------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------------
_PROSE_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?:[eE]([-+−]?\d+))?(?![\w])"
                           r"|(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?=[%×]|ms\b|s\b|min\b)")
_PRINTED_NUMBER = re.compile(r"(?<![\d.])(\d{1,3}(?:,\d{3})+(?![\d])|\d+)(?:\.(\d+))?(?:[eE]([-+−]?\d+))?")
_SPACE = r"(?:\s|\\,|\\;|\\ |~|\u00a0|\u2009|\u202f)*"
_PERCENT_AFTER = re.compile(rf"{_SPACE}(?:\\?%|percent\b|per cent\b)", re.I)
_RANGE_PERCENT_AFTER = re.compile(rf"{_SPACE}(?:–|—|-|to){_SPACE}\d+(?:\.\d+)?{_SPACE}(?:\\?%|percent\b|per cent\b)",
                                  re.I)
_PM = rf"{_SPACE}(?:±|\\pm|\+/-){_SPACE}"
_PM_AFTER = re.compile(_PM)
_PM_BEFORE = re.compile(_PM + r"[-+−]?$")
_RANGE_TIMES_AFTER = re.compile(rf"{_SPACE}(?:–|—|-|to){_SPACE}\d+(?:,\d{{3}})*(?:\.\d+)?{_SPACE}(?:×|times\b)")
_SUPERSCRIPTS = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")
_SCIENTIFIC_AFTER = re.compile(rf"{_SPACE}(?:×|\\times|\\cdot|·){_SPACE}10(?:\^\{{?([-−]?\d+)\}}?|([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+))")
# "N×", "N times", "×N"; but in a product "0.8 × 2" neither number is a ratio (shapes "8×8" are masked)
_TIMES_AFTER = re.compile(rf"{_SPACE}(?:(?:×|\\times(?![A-Za-z]))(?!{_SPACE}[-−]?\.?\d)|times\b)")
_TIMES_BEFORE = re.compile(rf"(?:×|\\times){_SPACE}$")
_PRODUCT_BEFORE = re.compile(rf"\d\}}?{_SPACE}(?:×|\\times){_SPACE}$")
#: Number words before "times" (a ratio in words is a figure too: "ten times smaller").
NUMBER_WORDS = {"one and a half": ("1.5", "0.1"), "two and a half": ("2.5", "0.1"), "two": "2", "three": "3",
                "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10",
                "eleven": "11", "twelve": "12", "fifteen": "15", "twenty": "20", "thirty": "30", "fifty": "50",
                "a hundred": "100", "hundred": "100", "a thousand": "1000", "thousand": "1000",
                "a million": "1000000", "million": "1000000"}
_WORD_TIMES = re.compile(r"\b(" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")\s+times\b", re.I)
#: Seconds per time unit (prose and printed).
TIME_UNITS = {"ns": Decimal("1e-9"), "µs": Decimal("1e-6"), "μs": Decimal("1e-6"), "us": Decimal("1e-6"),
              "ms": Decimal("1e-3"), "s": Decimal(1), "sec": Decimal(1), "secs": Decimal(1), "second": Decimal(1),
              "seconds": Decimal(1), "min": Decimal(60), "mins": Decimal(60), "minute": Decimal(60),
              "minutes": Decimal(60), "h": Decimal(3600), "hour": Decimal(3600), "hours": Decimal(3600)}
# prose: "0.2 s" needs the space ("0s and 1s" are digits); longer units may be attached ("20ms")
_TIME_AFTER = re.compile(r"(?:(?:\s|\\,|~|\u00a0|\u2009|\u202f)+(s|ns|µs|μs|ms|secs?|seconds?|min|mins|minutes?|hours?)"
                         r"|(ns|µs|μs|ms|secs?|seconds?|min|mins|minutes?|hours?))\b")
_RANGE_TIME_AFTER = re.compile(r"(\s*(?:–|—|-|to)\s*\d+(?:\.\d+)?)(?=" + _TIME_AFTER.pattern + ")")
_PRINTED_UNIT = re.compile(r"[ \u00a0]?(ns|µs|μs|us|ms|s|secs?|seconds?|min|mins|minutes?|h|hours?)\b")
_MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]*\$", re.S)


@dataclass(frozen=True)
class Number:
    """A number as written: its value (sign dropped) and its resolution (one unit of its last digit).

    Decimal arithmetic, so that ``1.8 × 10^{308}`` and ``0.1 + 0.2`` compare as written.
    """

    value: Decimal
    resolution: Decimal

    @classmethod
    def parse(cls, integer: str, fraction: str | None, exponent: str | None) -> "Number":
        digits = integer.replace(",", "") + ("." + fraction if fraction else "")
        exp = int(exponent.replace("−", "-")) if exponent else 0
        return cls(Decimal(digits).scaleb(exp), Decimal(1).scaleb(exp - len(fraction or "")))

    @classmethod
    def exact(cls, value) -> "Number":
        """A literal of the code: exact, so any precision of the prose may show it."""
        return cls(abs(Decimal(repr(float(value)))), Decimal(0))

    def shows(self, other: "Number", scale=1) -> bool:
        """True if this (prose) number is ``other`` * scale rounded to this number's precision
        (``other`` must have at least this number's digits: prose may round, never add digits)."""
        scale = Decimal(scale)
        value, resolution = other.value * scale, other.resolution * scale
        tolerance = Decimal("1e-9") * self.resolution
        if resolution > self.resolution + tolerance:
            return False
        return abs(value - self.value) <= self.resolution / 2 + tolerance


@dataclass
class Figure:
    """One figure in a markdown cell."""

    cell: int
    text: str            # the number as written, e.g. "0.83"
    written: str         # with its mark, e.g. "84 %", "×8.0", "20 ms", "0.83"
    kind: str            # "decimal", "percent", "plus-minus", "times" or "time"
    number: Number
    sentence: str

    def describe(self) -> str:
        return f"cell {self.cell}: {self.written!r} ({self.kind}) in: {self.sentence}"


@dataclass
class Phrase:
    """A phrase pointing at a run the reader cannot see."""

    cell: int
    phrase: str
    sentence: str

    def describe(self) -> str:
        return f"cell {self.cell}: {self.phrase!r} points at a run the reader cannot see, in: {self.sentence}"


@dataclass
class Report:
    """What ``check_notebook`` found in one notebook."""

    notebook: Path
    untraced: list = field(default_factory=list)        # [Figure]
    phrases: list = field(default_factory=list)         # [Phrase]
    allowlist_problems: list = field(default_factory=list)  # [str]
    traced: list = field(default_factory=list)          # [(Figure, how)], how in printed/parameter/cited

    @property
    def ok(self) -> bool:
        return not (self.untraced or self.phrases or self.allowlist_problems)

    def lines(self) -> list:
        name = self.notebook.name
        out = [f"{name}: untraced figure, {f.describe()}" for f in self.untraced]
        out += [f"{name}: unseen run, {p.describe()}" for p in self.phrases]
        out += [f"{name}: allowlist, {problem}" for problem in self.allowlist_problems]
        return out


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def mask_non_figures(text: str) -> str:
    """``text`` with code, links and every ``EXCLUSIONS`` match replaced by spaces (positions kept)."""
    for _, pattern in EXCLUSIONS:
        text = pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    return text


_BOUNDARY = re.compile(r"\n\s*\n|\n(?=\s*(?:[-*+]\s|\d+\.\s|#|\|))|(?<=[.!?:;])[*_)\]\"'”’]*\s+(?=\S)|\|")


def _sentence_at(text: str, start: int, end: int) -> str:
    """The sentence (or list item, table cell) of ``text`` around ``text[start:end]``, one line."""
    left = 0
    for m in _BOUNDARY.finditer(text, 0, start):
        left = m.end()
    m = _BOUNDARY.search(text, end)
    right = m.start() if m else len(text)
    return " ".join(text[left:right].split())


def figures_in_markdown(text: str, cell: int = 0) -> list:
    """Every figure stated in one markdown cell's ``text`` (see the module docstring)."""
    masked = mask_non_figures(text)
    found, consumed_to = [], -1
    math_spans = [(a.start(), a.end()) for a in _MATH.finditer(masked)]
    for m in _PROSE_NUMBER.finditer(masked):
        if m.start() < consumed_to:
            continue  # the power of ten of a number in scientific notation
        if m.group(1) is not None:
            integer, fraction, exponent = m.group(1), m.group(2), m.group(3)
        else:
            integer, fraction, exponent = m.group(4), m.group(5), None
        before, after = masked[max(0, m.start() - 12):m.start()], masked[m.end():m.end() + 40]
        scientific = _SCIENTIFIC_AFTER.match(after)
        in_math = any(a <= m.start() < b for a, b in math_spans)
        kind = None
        if scientific:
            # "1.8 × 10^{308}", "3 × 10⁻⁴": one number, its mantissa's digits give the precision
            exponent = (scientific.group(1) or scientific.group(2).translate(_SUPERSCRIPTS)).replace("−", "-")
            consumed_to = m.end() + scientific.end()
            kind = "decimal"
        elif _PERCENT_AFTER.match(after) or _RANGE_PERCENT_AFTER.match(after):
            kind = "percent"
        elif (_TIME_AFTER.match(after) or _RANGE_TIME_AFTER.match(after)) and not in_math:  # in math, s is a symbol (a step, a moment)
            kind = "time"
        elif (_TIMES_AFTER.match(after) or _RANGE_TIMES_AFTER.match(after)
              or (_TIMES_BEFORE.search(before) and not _PRODUCT_BEFORE.search(before))):
            kind = "times"
        elif _PM_AFTER.match(after) or _PM_BEFORE.search(before):
            kind = "plus-minus"
        elif fraction is not None:
            kind = "decimal"
        if kind == "plus-minus":
            # "a ± b %": both numbers are percentages
            rest = _PM_AFTER.match(after)
            tail = after[rest.end():] if rest else ""
            pm_number = re.match(r"[-+−]?\d+(?:\.\d+)?", tail)
            if pm_number and _PERCENT_AFTER.match(tail[pm_number.end():]):
                kind = "percent"
        if kind is None:
            continue
        written = m.group(0)
        if scientific:
            written += scientific.group(0)
        elif kind == "percent":
            written += "%"
        elif kind == "time":
            unit = _TIME_AFTER.match(after) or _TIME_AFTER.match(after, _RANGE_TIME_AFTER.match(after).end(1))
            written += " " + (unit.group(1) or unit.group(2))
        elif kind == "times":
            written = (written + "×") if (_TIMES_AFTER.match(after) or _RANGE_TIMES_AFTER.match(after)) \
                else ("×" + written)
        found.append((m.start(), Figure(cell, m.group(0), written, kind, Number.parse(integer, fraction, exponent),
                                        _sentence_at(text, m.start(), m.end()))))
    for m in _WORD_TIMES.finditer(masked):
        value = NUMBER_WORDS[m.group(1).lower()]
        value, resolution = value if isinstance(value, tuple) else (value, "1")
        found.append((m.start(), Figure(cell, " ".join(m.group(1).split()), " ".join(m.group(0).split()), "times", Number(Decimal(value), Decimal(resolution)),
                                        _sentence_at(text, m.start(), m.end()))))
    return [figure for _, figure in sorted(found, key=lambda pair: pair[0])]


def unseen_run_phrases(text: str, cell: int = 0) -> list:
    """Every phrase of ``UNSEEN_RUN_PHRASES`` in one markdown cell's ``text`` (code spans skipped)."""
    masked = EXCLUSIONS[1][1].sub(lambda m: " " * len(m.group(0)), EXCLUSIONS[0][1].sub(
        lambda m: re.sub(r"[^\n]", " ", m.group(0)), text))
    return [Phrase(cell, m.group(0), _sentence_at(text, m.start(), m.end())) for m in _PHRASE_RE.finditer(masked)]


_TEXT_MIMES = ("text/plain", "text/html", "text/markdown")


class Printed(NamedTuple):
    """A number printed by a code cell, and the time unit printed right after it (None if none)."""

    number: Number
    unit: str | None


def printed_numbers(notebook) -> list:
    """Every number (a ``Printed``) in the text outputs of the notebook's code cells (images are not read)."""
    numbers = []
    for cell in notebook.cells:
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                continue
            texts = [output.get("text", "")] if output.get("output_type") == "stream" else []
            for mime in _TEXT_MIMES:
                data = output.get("data", {}).get(mime)
                if data is not None:
                    texts.append("".join(data) if isinstance(data, list) else data)
            for text in texts:
                text = re.sub(r"<[^>]+>", " ", text)
                for m in _PRINTED_NUMBER.finditer(text):
                    unit = _PRINTED_UNIT.match(text, m.end())
                    numbers.append(Printed(Number.parse(*m.groups()), unit.group(1) if unit else None))
    return numbers


def _code_without_magics(source: str) -> str:
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def code_literals(notebook) -> list:
    """The value of every numeric literal in the source of the notebook's code cells (comments skipped)."""
    values = []
    for cell in notebook.cells:
        if cell.get("cell_type") != "code":
            continue
        source = _code_without_magics(_source(cell))
        try:
            tokens = [tok.string for tok in tokenize.generate_tokens(io.StringIO(source).readline)
                      if tok.type == tokenize.NUMBER]
        except (tokenize.TokenError, IndentationError, SyntaxError):
            no_comments = re.sub(r"#[^\n]*", "", source)
            tokens = re.findall(r"(?<![\w.])\d[\d_]*(?:\.\d*)?(?:[eE][-+]?\d+)?", no_comments)
        for token in tokens:
            try:
                values.append(Number.exact(float(token.replace("_", "").rstrip("jJ"))))
            except (ValueError, OverflowError):
                continue
    return values


def _in_seconds(number: Number, unit: str) -> Number:
    factor = TIME_UNITS[unit]
    return Number(number.value * factor, number.resolution * factor)


def _printed_match(figure: Figure, printed) -> bool:
    """Printed at the figure's precision: a percentage also as a fraction; a time only as a printed
    time, in any unit (``0.45 s`` matches ``452 ms``, not a bare ``0.45``)."""
    if figure.kind == "time":
        prose = _in_seconds(figure.number, figure.written.split()[-1])
        return any(prose.shows(_in_seconds(p.number, p.unit)) for p in printed if p.unit)
    scales = [1, 100] if figure.kind == "percent" else [1]
    return any(figure.number.shows(p.number, s) for p in printed for s in scales)


def _literal_match(figure: Figure, literals: list) -> bool:
    if figure.kind == "time":
        return False  # a time is measured, never set: it must be printed
    scales = [1, 100] if figure.kind == "percent" else [1]
    return any(figure.number.shows(v, s) for v in literals for s in scales)


def _normalise(text: str) -> str:
    return re.sub(r"\s|\\,|\\;|\\ ", "", text.replace("−", "-").replace("\\%", "%").replace("×", "x")).lower()


def _squash(text: str) -> str:
    return " ".join(text.lower().split())


_REFERENCE_HEADING = re.compile(r"^(#+)\s*(.*?(?:references?|reading|sources?|literature|bibliography|papers|citations).*)$",
                                re.I | re.M)


def reference_section(notebook) -> str:
    """The text of the notebook's reference section(s): from a heading naming References, Reading,
    Sources, Literature, Bibliography, Papers or Citations up to the next heading of the same or a
    higher level."""
    sections, level = [], None
    for cell in notebook.cells:
        if cell.get("cell_type") != "markdown":
            continue
        for line in _source(cell).splitlines():
            heading = re.match(r"^(#+)\s", line)
            if heading and level is not None and len(heading.group(1)) <= level:
                level = None
            if heading and _REFERENCE_HEADING.match(line):
                level = len(heading.group(1))
            if level is not None:
                sections.append(line)
    return "\n".join(sections)


def load_allowlist(path: Path) -> list:
    """The entries of an allowlist file (a JSON list), each checked for its five keys."""
    path = Path(path)
    if not path.exists():
        return []
    entries = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(entries, list):
        raise ValueError(f"{path}: expected a JSON list of entries, got {type(entries).__name__}.")
    for i, entry in enumerate(entries):
        missing = [k for k in ALLOWLIST_KEYS if not isinstance(entry, dict) or not str(entry.get(k, "")).strip()]
        if missing:
            raise ValueError(f"{path}: entry {i} needs a non-empty {', '.join(missing)} "
                             f"(every entry has {', '.join(ALLOWLIST_KEYS)}).")
    return entries


def _entry_matches(entry: dict, figure: Figure) -> bool:
    return (_normalise(entry["figure"]) in (_normalise(figure.text), _normalise(figure.written))
            and _squash(entry["context"]) in _squash(figure.sentence))


def check_notebook(path, allowlist=None) -> Report:
    """Trace every figure of the notebook at ``path``; ``allowlist`` is a list of entries or None
    (None: read ``cited_figures.json`` beside the notebook if it exists)."""
    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    if allowlist is None:
        allowlist = load_allowlist(path.parent / ALLOWLIST_NAME)
    entries = [e for e in allowlist if e["notebook"] == path.name]
    report = Report(path)
    printed, literals = set(printed_numbers(notebook)), set(code_literals(notebook))
    references = _squash(reference_section(notebook))
    used = set()
    for index, cell in enumerate(notebook.cells):
        if cell.get("cell_type") != "markdown":
            continue
        text = _source(cell)
        report.phrases.extend(unseen_run_phrases(text, index))
        for figure in figures_in_markdown(text, index):
            cited = [i for i, e in enumerate(entries) if _entry_matches(e, figure)]
            used.update(cited)
            if _printed_match(figure, printed):
                report.traced.append((figure, "printed"))
            elif _literal_match(figure, literals):
                report.traced.append((figure, "parameter"))
            elif cited:
                report.traced.append((figure, "cited"))
            else:
                report.untraced.append(figure)
    for i, entry in enumerate(entries):
        if i not in used:
            report.allowlist_problems.append(
                f"stale entry: figure {entry['figure']!r} with context {entry['context']!r} matches no figure "
                f"of the notebook (remove the entry or fix its context)")
        if _squash(entry["source"]) not in references:
            report.allowlist_problems.append(
                f"entry for {entry['figure']!r}: source {entry['source']!r} is not in the notebook's "
                f"references (a markdown heading 'References' or 'Further reading' and what follows it)")
    return report


def suggested_entry(notebook_name: str, figure: Figure) -> dict:
    """An allowlist entry for ``figure`` with its context filled in; source and reason are left to write
    (an entry whose source is not in the chapter's references fails, so a stub cannot pass)."""
    words = figure.sentence.split()
    at = next((i for i, w in enumerate(words) if figure.text.split()[0] in w), 0)
    context = " ".join(words[max(0, at - 3):at + 3])
    return {"notebook": notebook_name, "figure": figure.written, "context": context,
            "source": "AUTHOR (YEAR) as listed under References", "reason": "WHY this value is cited, not measured"}


def stale_notebook_entries(allowlist: list, notebooks_dir) -> list:
    """Allowlist entries whose notebook does not exist in ``notebooks_dir``."""
    names = {p.name for p in Path(notebooks_dir).glob("*.ipynb")}
    return [e for e in allowlist if e["notebook"] not in names]


def _collect(paths) -> list:
    notebooks = []
    for p in map(Path, paths):
        notebooks.extend(sorted(p.glob("*.ipynb")) if p.is_dir() else [p])
    return notebooks


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="notebooks or folders of notebooks")
    parser.add_argument("--allowlist", type=Path, default=None,
                        help=f"the allowlist file (default: {ALLOWLIST_NAME} beside each notebook)")
    parser.add_argument("--traced", action="store_true", help="also print how each traced figure was traced")
    parser.add_argument("--suggest", action="store_true",
                        help="print an allowlist entry to complete for each untraced figure (only for values "
                             "cited from a source in the chapter's references)")
    args = parser.parse_args(argv)
    allowlist = load_allowlist(args.allowlist) if args.allowlist else None
    failed = 0
    for path in _collect(args.paths):
        report = check_notebook(path, allowlist)
        for line in report.lines():
            print(line)
        if args.traced:
            for figure, how in report.traced:
                print(f"{path.name}: {how}, {figure.describe()}")
        if args.suggest:
            for figure in report.untraced:
                print(json.dumps(suggested_entry(path.name, figure), ensure_ascii=False))
        n_figures = len(report.traced) + len(report.untraced)
        print(f"{path.name}: {'OK' if report.ok else 'FAILED'} ({n_figures} figures, {len(report.untraced)} "
              f"untraced, {len(report.phrases)} unseen-run phrases, {len(report.allowlist_problems)} "
              f"allowlist problems)")
        failed += not report.ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
