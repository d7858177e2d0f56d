"""The similarity report: planted near-copies rank above honest independent solutions (issue 23)."""
import nbformat

from lecture_lib.grading.similarity import REPORT_THRESHOLD, normalised_tokens, similarity_pairs, similarity_report

ORIGINAL = '''
def train_perceptron(x, y, eta=1.0, max_epochs=100):
    w, b = np.zeros(x.shape[1]), 0.0
    for epoch in range(1, max_epochs + 1):
        mistakes = 0
        for x_i, y_i in zip(x, y):
            w_new, b_new = perceptron_update(w, b, x_i, y_i, eta)
            mistakes += int(b_new != b or not np.array_equal(w_new, w))
            w, b = w_new, b_new
        if mistakes == 0:
            break
    return w, b, epoch
'''

# near-copies: renamed, re-spaced, commented, literals changed, a docstring added
COPIES = {
    "copy_renamed": '''
def train_perceptron(inputs, labels, eta=1.0, max_epochs=100):
    """Train."""
    weights, bias = np.zeros(inputs.shape[1]), 0.0   # start at zero
    for ep in range(1, max_epochs + 1):
        errors = 0
        for xi, yi in zip(inputs, labels):
            nw, nb = perceptron_update(weights, bias, xi, yi, eta)
            errors += int(nb != bias or not np.array_equal(nw, weights))
            weights, bias = nw, nb
        if errors == 0:
            break
    return weights, bias, ep
''',
    "copy_literals": ORIGINAL.replace("0.0", "0.").replace("range(1,", "range(1 ,").replace("== 0:", "== 0:  # done")
                                 .replace("1.0", "0.5"),
}

HONEST = {
    "honest_while": '''
def train_perceptron(x, y, eta=1.0, max_epochs=100):
    weights = np.zeros(x.shape[1])
    bias = 0.0
    epochs = 0
    converged = False
    while not converged and epochs < max_epochs:
        epochs += 1
        converged = True
        for k in range(len(y)):
            prediction = 1 if x[k] @ weights + bias >= 0 else 0
            if prediction != y[k]:
                weights = weights + eta * (y[k] - prediction) * x[k]
                bias += eta * (y[k] - prediction)
                converged = False
    return weights, bias, epochs
''',
    "honest_vector": '''
def train_perceptron(x, y, eta=1.0, max_epochs=100):
    w = np.zeros(x.shape[1]); b = 0.0
    for t in range(max_epochs):
        changed = False
        for i in range(x.shape[0]):
            err = y[i] - int(np.dot(w, x[i]) + b >= 0)
            if err:
                w = w + eta * err * x[i]
                b = b + eta * err
                changed = True
        if not changed:
            return w, b, t + 1
    return w, b, max_epochs
''',
    "honest_count": '''
def train_perceptron(x, y, eta=1.0, max_epochs=100):
    params = [np.zeros(x.shape[1]), 0.0]
    history = []
    for epoch in range(max_epochs):
        wrong = [i for i in range(len(x)) if int(x[i] @ params[0] + params[1] >= 0) != y[i]]
        history.append(len(wrong))
        for i in range(len(x)):
            params[0], params[1] = perceptron_update(params[0], params[1], x[i], y[i], eta)
        if not wrong:
            break
    return params[0], params[1], len(history)
''',
}


def _notebook(source):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import numpy as np"),
                                           nbformat.v4.new_code_cell(source)])


def _class():
    submissions = {"original": _notebook(ORIGINAL)}
    submissions.update({name: _notebook(source) for name, source in {**COPIES, **HONEST}.items()})
    return submissions


def test_normalised_tokens_ignore_names_literals_comments_and_layout():
    a = normalised_tokens("def f(x):\n    '''doc'''\n    return x + 1  # one\n")
    b = normalised_tokens("def g(y):\n    return y+2\n")
    assert a == b
    assert normalised_tokens("def f(x):\n    return x * 1\n") != b


def test_near_copies_rank_above_every_honest_pair():
    pairs = similarity_pairs(_class(), ["train_perceptron"])
    copies = {"original", *COPIES}
    copy_scores = [score for score, a, b, _ in pairs if {a, b} <= copies]
    honest_scores = [score for score, a, b, _ in pairs if not {a, b} <= copies]
    assert len(copy_scores) == 3 and min(copy_scores) >= REPORT_THRESHOLD
    assert max(honest_scores) < REPORT_THRESHOLD
    assert min(copy_scores) > max(honest_scores)


def test_the_report_shows_the_flagged_pairs_with_their_shared_lines():
    report = similarity_report(_class(), ["train_perceptron"])
    assert "## copy_literals ~ copy_renamed" in report or "## copy_literals ~ original" in report
    assert "honest_" not in report.split("## ", 1)[1]
    assert "| `        if errors == 0:` | `        if mistakes == 0:` |" in report
    assert report.count("\n## ") == 3


def test_the_released_stub_is_not_evidence():
    stub = "def train_perceptron(x, y, eta=1.0, max_epochs=100):\n    # YOUR CODE HERE\n" \
           "    w, b = np.zeros(x.shape[1]), 0.0\n    raise NotImplementedError()\n"
    shared_stub = {name: _notebook(stub + "\n" + source.replace("def train_perceptron", "def _helper"))
                   for name, source in HONEST.items()}
    pairs = similarity_pairs(shared_stub, ["train_perceptron"], released=_notebook(stub))
    assert all(score < REPORT_THRESHOLD for score, *_ in pairs)


def test_malformed_notebooks_are_skipped_not_fatal():
    broken = {"cells": [{"cell_type": "code"}, {"cell_type": "code", "source": ["a list"]}, "text"]}
    submissions = {**_class(), "broken": broken, "empty": {}}
    pairs = similarity_pairs(submissions, ["train_perceptron"])
    assert not any("broken" in (a, b) or "empty" in (a, b) for _, a, b, _ in pairs)
