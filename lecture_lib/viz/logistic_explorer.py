"""Chapter 02 drawings and widget: logistic regression trained by gradient descent.

``draw_logistic_training`` draws one training run (data, decision line
w x + b = 0 with the probability contours, and the loss curve); the notebooks
call it for the static small multiples. The widget
``logistic_regression_explorer`` shows the same run with artists of its own
(a probability image, the lines yhat = 0.5, 0.1, 0.9, the loss curve),
updated in place in a ``LiveFigure`` as the learning rate and the number of
steps change. matplotlib and ipywidgets are imported lazily.
"""
from __future__ import annotations

import numpy as np

from .._validate import as_binary_labels, as_matrix, check_positive, check_positive_int
from ..nn.activations import sigmoid, sigmoid_derivative, threshold
from ..topics.logistic import LogisticResult, cross_entropy_loss, overlapping_blobs, train_logistic_regression
from .live_figure import LiveFigure, new_figure
from .plotting import COLORS, line_through_box, plot_decision_line, plot_points

__all__ = ["draw_logistic_training", "logistic_regression_explorer", "draw_sigmoid_and_step",
           "draw_saturation_error_terms", "draw_loss_and_accuracy"]


def draw_logistic_training(ax_data, ax_loss, x, y, result, lim=None, title=None):
    """Draw a training run: the learned boundary over the data, and the loss per step.

    Parameters
    ----------
    ax_data : matplotlib Axes
        Gets the data, the line w x + b = 0 (where yhat = 0.5) and the
        contours yhat = 0.1 and 0.9.
    ax_loss : matplotlib Axes or None
        Gets the loss against the step number (skipped when None).
    x : ndarray, shape (N, 2)
    y : ndarray, shape (N,), values 0/1
    result : LogisticResult
        From ``train_logistic_regression`` on the same data.
    lim : (float, float), optional
        Limits of both data axes (default: data range plus a margin).
    title : str, optional
        Title of the data panel (default: eta, steps and final loss).

    Returns
    -------
    final_loss : float
    """
    x = as_matrix(x, "x", n_columns=2)
    y = as_binary_labels(y, "y", n_rows=x.shape[0])
    if not isinstance(result, LogisticResult):
        raise TypeError("result must be a LogisticResult (from train_logistic_regression), "
                        f"got {type(result).__name__}.")
    if result.w.shape != (2,):
        raise ValueError(f"result must come from 2-D data (w of shape (2,)), got w of shape {result.w.shape}.")
    if lim is None:
        lim = (float(x.min()) - 0.5, float(x.max()) + 0.5)
    n_steps = len(result.losses) - 1
    plot_decision_line(ax_data, result.w, result.b, xlim=lim, ylim=lim, label="$w^\\top x + b = 0$")
    grid_1, grid_2 = np.meshgrid(np.linspace(*lim, 121), np.linspace(*lim, 121))
    y_hat = sigmoid(result.w[0] * grid_1 + result.w[1] * grid_2 + result.b)
    if y_hat.min() < 0.1 and y_hat.max() > 0.9:
        ax_data.contour(grid_1, grid_2, y_hat, levels=[0.1, 0.9], colors=[COLORS["grey"]],
                        linestyles="dashed", linewidths=1)
        # a contour set has no legend entry of its own: an empty line with its style stands in for it
        ax_data.plot([], [], color=COLORS["grey"], linestyle="dashed", linewidth=1, label="$\\hat y$ = 0.1 and 0.9")
    plot_points(ax_data, x, y, size=30)
    if title is None:
        title = f"η = {result.eta:g}, {n_steps} steps: E = {result.final_loss:.3f}"
    ax_data.set_title(title)
    if ax_loss is not None:
        ax_loss.plot(np.arange(n_steps + 1), result.losses, color=COLORS["train"])
        ax_loss.set(xlabel="gradient-descent step", ylabel=f"E(w) ({result.loss.replace('_', ' ')})",
                    title=f"Loss after {n_steps} steps: {result.final_loss:.3f}")
    return result.final_loss


def logistic_regression_explorer(x=None, y=None, eta=1.0, n_steps=50):
    """Sliders for the learning rate η and the number of steps; boundary and loss follow.

    Parameters
    ----------
    x : ndarray, shape (N, 2), optional
    y : ndarray, shape (N,), optional
        The data (default: ``overlapping_blobs(seed=0)``, not linearly separable).
    eta : float, > 0
        Initial learning rate (the slider is logarithmic, 0.001 to 100).
    n_steps : int, >= 1
        Initial number of steps (slider 1 to 300).

    Returns
    -------
    ipywidgets.VBox
        Display it (last expression of a cell).
    """
    import ipywidgets as widgets

    if (x is None) != (y is None):
        raise ValueError("Give both x and y (a data set), or neither (the default overlapping blobs).")
    if x is None:
        x, y = overlapping_blobs(seed=0)
    x = as_matrix(x, "x", n_columns=2)
    y = as_binary_labels(y, "y", n_rows=x.shape[0])
    eta = check_positive(eta, "eta")
    n_steps = check_positive_int(n_steps, "n_steps")
    lim = (float(x.min()) - 0.5, float(x.max()) + 0.5)
    max_steps = 300
    eta_slider = widgets.FloatLogSlider(value=float(np.clip(eta, 1e-3, 100)), base=10, min=-3, max=2, step=0.1,
                                        description="η", readout_format=".3g", continuous_update=False)
    steps_slider = widgets.IntSlider(value=min(n_steps, max_steps), min=1, max=max_steps, step=1,
                                     description="steps", continuous_update=False)

    # One figure for the whole session: data and axes are drawn once, a slider move redraws only the
    # probability image, the three lines, the loss curve and the titles (see LiveFigure).
    figure = new_figure(figsize=(10, 4))
    ax_data, ax_loss = figure.subplots(1, 2, gridspec_kw={"left": 0.07, "right": 0.98, "bottom": 0.13,
                                                          "top": 0.9, "wspace": 0.25})
    grid = np.linspace(*lim, 60)
    grid_points = np.stack(np.meshgrid(grid, grid), axis=-1).reshape(-1, 2)   # (3600, 2)
    probability = ax_data.imshow(np.zeros((60, 60)), origin="lower", extent=(*lim, *lim), vmin=0, vmax=1,
                                 cmap=_probability_colormap(), alpha=0.35, interpolation="bilinear")
    boundary, = ax_data.plot([], [], color=COLORS["line"], linewidth=2, label="$w^\\top x + b = 0$")
    low, = ax_data.plot([], [], color=COLORS["grey"], linestyle="dashed", linewidth=1,
                        label="$\\hat y$ = 0.1 and 0.9")
    high, = ax_data.plot([], [], color=COLORS["grey"], linestyle="dashed", linewidth=1)
    plot_points(ax_data, x, y, size=30)
    points = list(ax_data.collections)   # drawn over the probability image, so dynamic too
    ax_data.set(xlim=lim, ylim=lim, aspect="equal")
    legend = ax_data.legend(loc="upper left", fontsize=9, framealpha=0.8)
    loss_curve, = ax_loss.plot([], [], color=COLORS["train"])
    ax_loss.set(ylim=(0, 3), xlabel="gradient-descent step", ylabel="E(w) (cross entropy)")
    live = LiveFigure(figure, [probability, boundary, low, high, *points, legend, loss_curve,
                               ax_data.title, ax_loss.title])

    def redraw(change=None):
        try:
            result = train_logistic_regression(x, y, eta=eta_slider.value, n_steps=steps_slider.value)
        except FloatingPointError as exc:
            for line in (boundary, low, high, loss_curve):
                line.set_data([], [])
            probability.set_data(np.full((60, 60), 0.5))
            ax_data.set_title(f"η = {eta_slider.value:.3g}: {exc}", fontsize=9)
            ax_loss.set_title("no loss curve: the weights overflowed")
        else:
            w, b = result.w, result.b
            probability.set_data(sigmoid(grid_points @ w + b).reshape(60, 60))
            # yhat = 0.5, 0.1, 0.9 where w x + b = 0, -log 9, +log 9
            for line, level in ((boundary, 0.0), (low, -np.log(9.0)), (high, np.log(9.0))):
                line.set_data(*line_through_box(w, b, level, lim))
            n_done = len(result.losses) - 1
            loss_curve.set_data(np.arange(n_done + 1), result.losses)
            ax_loss.set_xlim(0, n_done)   # a new step count re-renders the axes once (new ticks)
            ax_data.set_title(f"η = {result.eta:g}, {n_done} steps: E = {result.final_loss:.3f}", fontsize=12)
            ax_loss.set_title(f"Loss after {n_done} steps: {result.final_loss:.3f}")
        live.refresh()

    image = live.image_widget()
    redraw()
    eta_slider.observe(redraw, names="value")
    steps_slider.observe(redraw, names="value")
    return widgets.VBox([widgets.HBox([eta_slider, steps_slider]), image])


def _probability_colormap():
    """Class-0 blue at yhat = 0, white at 0.5, class-1 orange at 1."""
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list("probability", [COLORS["class0"], "#ffffff", COLORS["class1"]])


def draw_sigmoid_and_step(ax_f, ax_d, h_range=(-8.0, 8.0)):
    """The sigmoid beside the step (``ax_f``) and their derivatives (``ax_d``), with legends."""
    h_grid = np.linspace(*h_range, 401)
    g_grid = sigmoid(h_grid)
    ax_f.plot(h_grid, threshold(h_grid), color=COLORS["grey"], drawstyle="steps-post", label="step $f(h)$")
    ax_f.plot(h_grid, g_grid, color=COLORS["line"], label=r"sigmoid $\sigma(h)$")
    ax_f.set(xlabel="weighted sum $h$", ylabel="unit output $g$", title="The sigmoid is a smooth step")
    ax_f.legend(loc="upper left")
    ax_d.plot(h_grid, np.zeros_like(h_grid), color=COLORS["grey"], label="step: 0 (for $h \\neq 0$)")
    ax_d.plot(h_grid, sigmoid_derivative(g_grid), color=COLORS["line"], label=r"sigmoid: $\sigma'(h)$")
    ax_d.set(xlabel="weighted sum $h$", ylabel="derivative", ylim=(-0.01, 0.34),   # room for the legend
             title="Only the sigmoid has a slope to follow")
    ax_d.legend(loc="upper left")


def draw_saturation_error_terms(ax, h_range=(-15.0, 5.0), saturated_below=-4.0):
    """|dE/dh| of cross-entropy and of squared error for target y = 1, on a log axis, the saturated side shaded."""
    h_wrong = np.linspace(*h_range, 401)          # y = 1 throughout: h < 0 is the wrong side
    g_wrong = sigmoid(h_wrong)
    ax.semilogy(h_wrong, np.abs(g_wrong - 1), color=COLORS["train"], label="cross-entropy $|\\hat y - y|$")
    ax.semilogy(h_wrong, np.abs((g_wrong - 1) * g_wrong * (1 - g_wrong)), color=COLORS["test"],
                label="squared error $|\\hat y - y|\\,\\hat y(1-\\hat y)$")
    ax.axvspan(h_range[0], saturated_below, color=COLORS["grey"], alpha=0.15, label="saturated and wrong")
    ax.set(xlabel="weighted sum $h$ (target $y = 1$)", ylabel="$|\\partial E / \\partial h|$ (log scale)",
           title="Squared error's gradient vanishes when the unit is confidently wrong")
    ax.legend(loc="lower right", fontsize=9)


def draw_loss_and_accuracy(ax_loss, ax_acc, x, y, runs):
    """Cross-entropy (``ax_loss``) and training accuracy (``ax_acc``) after every step of each run.

    Parameters
    ----------
    ax_loss, ax_acc : matplotlib Axes
    x : ndarray, shape (N, D);  y : ndarray of 0/1, shape (N,)
    runs : dict of str -> LogisticResult
        Legend label -> a run on (x, y) that kept its weights (``result.weights``, ``result.biases``).

    Returns
    -------
    dict of str -> ndarray
        The training accuracy after every step of each run (step 0 first), for printing.
    """
    x = as_matrix(x, "x")
    y = as_binary_labels(y, "y", n_rows=x.shape[0])
    accuracies = {}
    for (label, run), colour in zip(runs.items(), [COLORS["train"], COLORS["test"], COLORS["line"], COLORS["grey"]]):
        losses = [cross_entropy_loss(x, y, w_t, b_t) for w_t, b_t in zip(run.weights, run.biases)]
        accuracies[label] = np.array([np.mean((x @ w_t + b_t >= 0) == y) for w_t, b_t in zip(run.weights, run.biases)])
        ax_loss.plot(losses, color=colour, label=label)
        ax_acc.plot(accuracies[label], color=colour, label=label)
    ax_loss.set(xlabel="gradient-descent step", ylabel="cross-entropy $E(w)$")
    ax_acc.set(xlabel="gradient-descent step", ylabel="training accuracy")
    ax_loss.legend()
    ax_acc.legend(loc="center right")
    return accuracies
