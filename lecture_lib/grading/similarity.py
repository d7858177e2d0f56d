"""Which submissions' solutions are suspiciously alike: a ranked report for the instructor to read.

No public grader offers this, so here is what it does and does not do. For every exercise, the
learner's function (the ``def`` of the exercise's name, as the grader found it in the notebook) is
turned into tokens with names, numbers and strings replaced by placeholders and comments, docstrings and
formatting dropped; so renaming variables, changing constants or re-indenting does not hide a copy. Its
token 5-grams are compared between every two submissions (Jaccard similarity: shared / all), after
removing the 5-grams of the released stub and those that more than half of the class share (the
"obvious" code of a short exercise, that honest learners write alike). A pair's score is the mean over
the exercises both attempted, weighted by the size of their code.

``similarity.md`` lists the pairs whose score is at least :data:`REPORT_THRESHOLD`, highest first, each
with the exercises that match and their shared lines side by side. It is a list of things to look at:
two short correct answers can be alike by chance, and a copy rewritten by hand is not found.
"""
from __future__ import annotations

import ast
import io
import itertools
import keyword
import tokenize

K = 5
REPORT_THRESHOLD = 0.6
MIN_TOKENS = 12  # an exercise whose code has fewer tokens than this is too short to say anything


def _functions(notebook, names) -> dict:
    """{name: source of its last definition} in the notebook's code cells."""
    found = {}
    for cell in notebook.get("cells", []) if isinstance(notebook, dict) else []:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code" or not isinstance(cell.get("source"), str):
            continue
        text = cell["source"]
        if not text:
            continue
        source = "\n".join("pass" if line.lstrip().startswith(("%", "!")) else line
                           for line in text.splitlines())
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError):
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in names:
                found[node.name] = ast.get_source_segment(source, node) or ""
    return found


def normalised_tokens(source: str) -> list:
    """(kind, text) tokens of ``source`` with identifiers → ``N``, numbers → ``0``, strings → ``S``, keywords and
    operators kept, comments, docstrings and line layout dropped."""
    tokens = []
    try:
        stream = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return tokens
    previous, skipping = None, False
    for token in stream:
        kind, text = token.type, token.string
        if kind in (tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER):
            continue
        if kind == tokenize.STRING and previous in (tokenize.INDENT, tokenize.NEWLINE, None):
            skipping = True  # a docstring or a bare string statement, up to its NEWLINE
            continue
        if skipping:
            skipping = False
            if kind == tokenize.NEWLINE:
                continue
        previous = kind
        if kind == tokenize.NAME:
            tokens.append(text if keyword.iskeyword(text) else "N")
        elif kind == tokenize.NUMBER:
            tokens.append("0")
        elif kind == tokenize.STRING:
            tokens.append("S")
        elif kind in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
            tokens.append(tokenize.tok_name[kind])
        else:
            tokens.append(text)
    return tokens


def _grams(tokens) -> set:
    return {tuple(tokens[i:i + K]) for i in range(len(tokens) - K + 1)}


def similarity_pairs(submissions: dict, exercise_names, released=None) -> list:
    """Ranked pairs: [(score, name_a, name_b, {exercise: similarity})], highest first.

    submissions : {student: notebook}; exercise_names : the exercises' function names;
    released : the released exercise notebook (its stubs' 5-grams are ignored), or None.
    """
    code = {student: _functions(notebook, set(exercise_names)) for student, notebook in submissions.items()}
    stub = _functions(released, set(exercise_names)) if released is not None else {}
    grams, sizes = {}, {}
    for exercise in exercise_names:
        ignore = _grams(normalised_tokens(stub.get(exercise, "")))
        per_student = {}
        for student, functions in code.items():
            tokens = normalised_tokens(functions.get(exercise, ""))
            if len(tokens) >= MIN_TOKENS:
                per_student[student] = _grams(tokens) - ignore
        counts = {}
        for found in per_student.values():
            for gram in found:
                counts[gram] = counts.get(gram, 0) + 1
        common = {gram for gram, n in counts.items() if len(per_student) >= 4 and n > len(per_student) / 2}
        for student, found in per_student.items():
            grams[student, exercise] = found - common
            sizes[student, exercise] = len(found - common)
    pairs = []
    for a, b in itertools.combinations(sorted(submissions), 2):
        per_exercise, weight, total = {}, 0, 0.0
        for exercise in exercise_names:
            ga, gb = grams.get((a, exercise)), grams.get((b, exercise))
            if not ga or not gb:
                continue
            value = len(ga & gb) / len(ga | gb)
            size = min(sizes[a, exercise], sizes[b, exercise])
            per_exercise[exercise] = value
            weight += size
            total += value * size
        if weight:
            pairs.append((total / weight, a, b, per_exercise))
    return sorted(pairs, key=lambda p: (-p[0], p[1], p[2]))


def _shared_lines(source_a: str, source_b: str) -> list:
    """Lines of A and B whose normalised tokens are equal (at most 12 pairs)."""
    def lines(source):
        return [(line, tuple(normalised_tokens(line.strip()))) for line in source.splitlines() if line.strip()]

    la, lb = lines(source_a), lines(source_b)
    shared = []
    for line_a, tokens_a in la:
        match = next((line_b for line_b, tokens_b in lb if tokens_b == tokens_a and len(tokens_a) >= 4), None)
        if match is not None:
            shared.append((line_a.rstrip(), match.rstrip()))
    return shared[:12]


def similarity_report(submissions: dict, exercise_names, released=None, threshold: float = REPORT_THRESHOLD) -> str:
    """The Markdown report: pairs at or above ``threshold``, each with its exercises and shared lines."""
    from .report import printable

    pairs = similarity_pairs(submissions, exercise_names, released)
    code = {student: _functions(notebook, set(exercise_names)) for student, notebook in submissions.items()}
    flagged = [p for p in pairs if p[0] >= threshold]
    lines = ["# Similar solutions", "",
             f"{len(submissions)} submissions, {len(pairs)} pairs compared; {len(flagged)} at or above "
             f"{threshold:.2f} (token 5-grams with names and literals replaced; see lecture_lib/grading/similarity.py). "
             "Alike is not proof of copying: read the shared lines.", ""]
    for score, a, b, per_exercise in flagged:
        a_shown, b_shown = printable(a, False), printable(b, False)
        lines += [f"## {a_shown} ~ {b_shown}: {score:.2f}", ""]
        for exercise, value in sorted(per_exercise.items(), key=lambda item: -item[1]):
            lines.append(f"* `{exercise}`: {value:.2f}")
            shared = _shared_lines(code[a].get(exercise, ""), code[b].get(exercise, ""))
            if shared and value >= threshold:
                lines += ["", f"  | {a_shown} | {b_shown} |", "  |---|---|"]
                lines += [f"  | `{printable(x, False).replace('|', '¦')}` | `{printable(y, False).replace('|', '¦')}` |"
                          for x, y in shared]
                lines.append("")
        lines.append("")
    return "\n".join(lines) + "\n"


def read_notebooks(paths) -> dict:
    """{student name: notebook} for the paths that are readable notebooks."""
    from .grader import student_name
    from .submission import InvalidNotebook, read_submission

    found = {}
    for path in paths:
        try:
            found[student_name(path)] = read_submission(path)
        except InvalidNotebook:
            continue  # graded as "invalid notebook"; nothing to compare
    return found
