"""Trajectories of the optimisers on two-weight landscapes: static small multiples and the live explorer (chapter 06).

The computations are in ``lecture_lib.topics.optimisation_landscapes``;
matplotlib and ipywidgets are imported inside the functions that need them.
"""
from __future__ import annotations

import numpy as np

from .._validate import as_scalar, check_choice, check_positive, check_positive_int
from ..topics.optimisation_landscapes import OPTIMISER_NAMES, make_optimizer, quadratic, rosenbrock, run_optimizer
from .live_figure import LiveFigure, new_figure
from .plotting import COLORS

__all__ = ["DEFAULT_ETAS", "COLOUR_LABEL", "draw_landscape", "draw_trajectory", "trajectory_row", "trajectory_small_multiples",
           "seed_band_figure", "optimiser_explorer"]

#: Learning rates for the live explorer's first drawing and for a quick static figure. The chapter
#: itself picks each optimiser's rate by a sweep (``topics.optimisation_landscapes.sweep_learning_rates``)
#: and passes the winners as ``etas``.
DEFAULT_ETAS = {
    "quadratic": {"gradient descent": 1.0, "momentum": 0.3, "nesterov": 0.3, "adagrad": 0.5, "rmsprop": 0.05,
                  "adam": 0.1, "lbfgs": 1.0},
    "Rosenbrock": {"gradient descent": 0.001, "momentum": 0.0005, "nesterov": 0.0005, "adagrad": 0.3,
                   "rmsprop": 0.01, "adam": 0.05, "lbfgs": 1.0},
}
_STEPS = {"quadratic": 200, "Rosenbrock": 1000}

#: What the colour of every landscape panel encodes (the 1e-3 keeps the minimum, E = 0, finite).
COLOUR_LABEL = "$\\log_{10}(E + 10^{-3})$"


def _landscape(kind, condition_number):
    kind = check_choice(kind, "landscape", ("quadratic", "Rosenbrock"))
    return quadratic(condition_number) if kind == "quadratic" else rosenbrock()


def _colour_limits(kind):
    """Fixed colour limits of log10(E + 1e-3) for the explorer: from the minimum (E = 0) to the largest E drawn.

    For the quadratic the largest E on the drawn square is the roundest one's (c = 1: no direction is
    flatter than λ_max), so one scale serves every c.
    """
    landscape = _landscape(kind, 1.0)
    return -3.0, float(np.log10(landscape.loss_grid(80)[2].max() + 1e-3))


def draw_landscape(ax, landscape, resolution=120, contours=True):
    """log10(E + 1e-3) as a shaded image (with contour lines unless ``contours=False``) on ``ax``; the minimum marked with a star.

    The axes get equal aspect (one unit of w₁ as long as one of w₂), so that
    a valley turned by 30° is drawn at 30°, and the labels w₁, w₂.

    Returns the image (an AxesImage of shape (resolution, resolution)), for a colour bar.
    """
    w1_grid, w2_grid, loss = landscape.loss_grid(resolution)
    log_loss = np.log10(loss + 1e-3)
    image = ax.imshow(log_loss, origin="lower", extent=landscape.extent, cmap="viridis", alpha=0.6)
    if contours:
        ax.contour(w1_grid, w2_grid, log_loss, levels=12, colors="black", linewidths=0.4, alpha=0.5)
        ax.plot(*landscape.minimum, "*", color=COLORS["highlight"], markersize=14, markeredgecolor="black")
    ax.set_xlim(landscape.extent[0], landscape.extent[1])
    ax.set_ylim(landscape.extent[2], landscape.extent[3])
    ax.set_aspect("equal")
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    return image


def draw_trajectory(ax, trajectory, color=None, label=None):
    """The iterates joined by lines, the start as a circle; returns the line."""
    line, = ax.plot(trajectory.weights[:, 0], trajectory.weights[:, 1], ".-", color=color or COLORS["test"],
                    markersize=3, linewidth=1.2, label=label)
    ax.plot(*trajectory.weights[0], "o", color=COLORS["test"], markeredgecolor="black")
    return line


def _summary(trajectory, landscape):
    if trajectory.diverged:
        return "diverged"
    distance = trajectory.distance_to(landscape.minimum)[-1]
    evaluations = f" ({trajectory.evaluations} evals)" if trajectory.evaluations > len(trajectory.losses) else ""
    return f"{len(trajectory.losses) - 1} steps{evaluations}, |w - w*| = {distance:.1g}"


def trajectory_row(axes, landscape, runs, colorbar=True):
    """One panel per run on ``landscape``, each titled with its label and summary; one colour bar for the row.

    Parameters
    ----------
    axes : sequence of matplotlib Axes
        As many as ``runs``.
    landscape : Landscape
    runs : dict
        {title: Trajectory}, drawn in order.
    colorbar : bool

    Returns
    -------
    The colour bar (or None).
    """
    axes = list(axes)
    if len(axes) != len(runs):
        raise ValueError(f"need one axes per run: {len(axes)} axes for {len(runs)} runs.")
    image = None
    for ax, (title, run) in zip(axes, runs.items()):
        image = draw_landscape(ax, landscape, resolution=80)
        draw_trajectory(ax, run)
        ax.set_title(f"{title}\n{_summary(run, landscape)}", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.xaxis.label.set_size(8)
        ax.yaxis.label.set_size(8)
    if not colorbar or image is None:
        return None
    bar = axes[0].figure.colorbar(image, ax=axes, shrink=0.8, pad=0.01)
    bar.set_label(COLOUR_LABEL, fontsize=8)
    bar.ax.tick_params(labelsize=7)
    return bar


def trajectory_small_multiples(optimisers=OPTIMISER_NAMES, condition_number=50.0, etas=None):
    """The static twin of ``optimiser_explorer``: one panel per optimiser, quadratic (top) and Rosenbrock (bottom).

    Parameters
    ----------
    optimisers : sequence of str
        Names from ``OPTIMISER_NAMES``.
    condition_number : float
        c, the condition number of the quadratic.
    etas : dict, optional
        {landscape kind: {optimiser: η}} ('quadratic' and 'Rosenbrock'; L-BFGS
        needs none); default ``DEFAULT_ETAS``.

    Returns
    -------
    fig : matplotlib Figure
    runs : dict
        {(kind, optimiser): Trajectory}
    """
    import matplotlib.pyplot as plt

    etas = DEFAULT_ETAS if etas is None else etas
    fig, axes = plt.subplots(2, len(optimisers), figsize=(2.5 * len(optimisers) + 1.2, 5.4), squeeze=False,
                             layout="constrained")
    runs = {}
    for row, kind in enumerate(("quadratic", "Rosenbrock")):
        landscape = _landscape(kind, condition_number)
        titled = {}
        for name in optimisers:
            eta = etas[kind].get(name)
            if eta is None and name != "lbfgs":
                raise ValueError(f"etas[{kind!r}] has no learning rate for {name!r}.")
            run = run_optimizer(landscape, make_optimizer(name, eta), _STEPS[kind])
            runs[(kind, name)] = run
            titled[name if name == "lbfgs" else f"{name}, η={eta:.3g}"] = run
        trajectory_row(axes[row], landscape, titled)
        axes[row][0].set_ylabel(f"{kind}\n$w_2$", fontsize=8)
    return fig, runs


def seed_band_figure(curves, title="", ylabel="$E - E_{\\min}$"):
    """Loss curves over seeds: per setting the median (line) and the min–max band, log y axis.

    Parameters
    ----------
    curves : dict
        {setting label: sequence of 1-D arrays of equal length (one per seed)}.
    title, ylabel : str

    Returns
    -------
    matplotlib Figure
    """
    import matplotlib.pyplot as plt

    if not curves:
        raise ValueError("curves is empty: give {label: [curve of each seed, ...]}.")
    fig, ax = plt.subplots(figsize=(7, 3.6), layout="constrained")
    for label, runs in curves.items():
        stacked = np.asarray(runs, dtype=float)
        if stacked.ndim != 2:
            raise ValueError(f"curves[{label!r}] must be equally long 1-D arrays, one per seed; got shape {stacked.shape}.")
        steps = np.arange(stacked.shape[1])
        line, = ax.semilogy(steps, np.median(stacked, axis=0),
                            label=f"{label}: median of {len(stacked)} seeds (band: min–max)")
        ax.fill_between(steps, stacked.min(axis=0), stacked.max(axis=0), color=line.get_color(), alpha=0.2)
    ax.set(xlabel="step", ylabel=ylabel, title=title)
    ax.legend(fontsize=8)
    return fig


def optimiser_explorer(optimiser="momentum", eta=0.3, momentum=0.9, condition_number=50.0, landscape="quadratic"):
    """A widget: optimiser, learning rate η (log scale), momentum μ, condition number c and landscape.

    The landscape is redrawn as an image (a dynamic artist of a
    ``LiveFigure``) together with the trajectory, so each move of a slider
    costs one run of the optimiser (200 steps on the quadratic, 1000 on
    Rosenbrock) and one blit.

    The sliders step by 0.1 (η and c in log10 units, μ in [0, 0.9]): with
    finer steps (0.01–0.05) the arrow keys did not move the sliders in
    JupyterLab (the browser suite's keyboard test), while 0.1 works there
    as in the other explorers.

    Returns
    -------
    ipywidgets.VBox
        With the attribute ``live_figure`` (the ``LiveFigure`` it draws into).
    """
    import ipywidgets as widgets

    optimiser = check_choice(optimiser, "optimiser", OPTIMISER_NAMES)
    eta = check_positive(eta, "eta")
    momentum = as_scalar(momentum, "momentum")
    condition_number = check_positive(condition_number, "condition_number")
    figure = new_figure(figsize=(10, 4))
    ax_path, ax_loss = figure.subplots(1, 2, gridspec_kw={"left": 0.07, "right": 0.98, "bottom": 0.13, "top": 0.88,
                                                          "wspace": 0.25})
    start_land = _landscape(landscape, condition_number)
    image = draw_landscape(ax_path, start_land, resolution=80, contours=False)  # contours could not follow c
    image.set_clim(*_colour_limits(landscape))
    # The colour scale is fixed per landscape, so a move of the c slider only re-blits the image; the bar
    # (and a full render) changes only when the landscape does.
    bar = figure.colorbar(image, ax=ax_path, fraction=0.05, pad=0.02)
    bar.set_label(COLOUR_LABEL)
    star, = ax_path.plot(*start_land.minimum, "*", color=COLORS["highlight"], markersize=14, markeredgecolor="black")
    path_line, = ax_path.plot([], [], ".-", color=COLORS["test"], markersize=3, linewidth=1.2)
    loss_line, = ax_loss.semilogy([], [], color=COLORS["train"])
    ax_loss.set(xlim=(0, 1000), ylim=(1e-12, 1e3), xlabel="step", ylabel="loss $E$")
    live = LiveFigure(figure, [image, star, path_line, loss_line, ax_path.title, ax_loss.title])

    def redraw(change=None):
        land = _landscape(controls["landscape"].value, controls["condition"].value)
        _, _, loss = land.loss_grid(80)
        image.set_data(np.log10(loss + 1e-3))
        image.set_clim(*_colour_limits(controls["landscape"].value))
        image.set_extent(land.extent)
        ax_path.set_xlim(land.extent[0], land.extent[1])
        ax_path.set_ylim(land.extent[2], land.extent[3])
        star.set_data([land.minimum[0]], [land.minimum[1]])
        name = controls["optimiser"].value
        run = run_optimizer(land, make_optimizer(name, controls["eta"].value, controls["momentum"].value),
                            _STEPS[controls["landscape"].value])
        path_line.set_data(run.weights[:, 0], run.weights[:, 1])
        losses = np.maximum(run.losses, 1e-12)
        loss_line.set_data(np.arange(len(losses)), losses)
        ax_path.set_title(f"{name}: {_summary(run, land)}")
        ax_loss.set_title(f"final E = {run.final_loss:.3g}")
        live.refresh()

    controls = {
        "optimiser": widgets.Dropdown(options=list(OPTIMISER_NAMES), value=optimiser, description="optimiser"),
        "landscape": widgets.Dropdown(options=["quadratic", "Rosenbrock"], value=start_land.name.split(",")[0],
                                      description="landscape"),
        "eta": widgets.FloatLogSlider(value=eta, base=10, min=-4, max=1, step=0.1, description="η",
                                      readout_format=".3g", continuous_update=False),
        "momentum": widgets.FloatSlider(value=momentum, min=0.0, max=0.9, step=0.1, description="μ",
                                        continuous_update=False),
        "condition": widgets.FloatLogSlider(value=condition_number, base=10, min=0, max=3, step=0.1, description="c (cond.)",
                                        readout_format=".3g", continuous_update=False),
    }
    live_image = live.image_widget()
    redraw()
    for control in controls.values():
        control.observe(redraw, names="value")
    box = widgets.VBox([widgets.HBox([controls["optimiser"], controls["landscape"], controls["condition"]]),
                        widgets.HBox([controls["eta"], controls["momentum"]]), live_image])
    box.live_figure = live  # its ``full_renders`` count shows which moves re-render everything (tests)
    return box
