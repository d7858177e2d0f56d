"""Chapter 02 drawings and widget: logistic regression trained by gradient descent.

``draw_logistic_training`` draws one training run (data, decision line
w x + b = 0 with the probability contours, and the loss curve); the widget
``logistic_regression_explorer`` redraws it as the learning rate and the
number of steps change, and the notebooks call the same function for the
static small multiples. matplotlib and ipywidgets are imported lazily.
"""
from __future__ import annotations

import numpy as np

from ._validate import as_binary_labels, as_matrix, as_scalar, check_positive, check_positive_int
from .activations import sigmoid
from .logistic import LogisticResult, overlapping_blobs, train_logistic_regression
from .plotting import COLORS, plot_decision_line, plot_points

__all__ = ["draw_logistic_training", "logistic_regression_explorer"]


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
    import matplotlib.pyplot as plt

    if (x is None) != (y is None):
        raise ValueError("Give both x and y (a data set), or neither (the default overlapping blobs).")
    if x is None:
        x, y = overlapping_blobs(seed=0)
    x = as_matrix(x, "x", n_columns=2)
    y = as_binary_labels(y, "y", n_rows=x.shape[0])
    eta = check_positive(eta, "eta")
    n_steps = check_positive_int(n_steps, "n_steps")
    lim = (float(x.min()) - 0.5, float(x.max()) + 0.5)
    eta_slider = widgets.FloatLogSlider(value=float(np.clip(eta, 1e-3, 100)), base=10, min=-3, max=2, step=0.1,
                                        description="η", readout_format=".3g", continuous_update=False)
    steps_slider = widgets.IntSlider(value=min(n_steps, 300), min=1, max=300, step=1, description="steps",
                                     continuous_update=False)

    def redraw(eta, steps):
        fig, (ax_data, ax_loss) = plt.subplots(1, 2, figsize=(10, 4))
        try:
            result = train_logistic_regression(x, y, eta=as_scalar(eta, "eta"), n_steps=steps)
        except FloatingPointError as exc:
            ax_data.text(0.5, 0.5, str(exc), ha="center", va="center", wrap=True, transform=ax_data.transAxes)
        else:
            draw_logistic_training(ax_data, ax_loss, x, y, result, lim=lim)
            ax_data.legend(loc="upper left", fontsize=9)
        plt.show()

    output = widgets.interactive_output(redraw, {"eta": eta_slider, "steps": steps_slider})
    return widgets.VBox([widgets.HBox([eta_slider, steps_slider]), output])
