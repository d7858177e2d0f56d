"""Figures that follow a slider in a few milliseconds.

``plt.show()`` inside ``interactive_output`` builds, lays out and encodes a
whole new figure at every slider move (100–300 ms). A ``LiveFigure`` keeps
one figure outside pyplot: what does not change (axes, contours, data
points) is rendered once and cached as a background; at each frame only the
artists marked *dynamic* are drawn over it (blitting), and the pixels go to
an ``ipywidgets.Image`` as PNG. The cache is rebuilt whenever the limits of
an axes change.

matplotlib, Pillow and ipywidgets are imported lazily.
"""
from __future__ import annotations

import io

import numpy as np

__all__ = ["new_figure", "LiveFigure"]


def new_figure(figsize, dpi=80):
    """A matplotlib Figure with its own Agg canvas, not managed by pyplot (so it is never shown twice)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(figure)
    return figure


class LiveFigure:
    """Blitting renderer of ``figure`` whose ``dynamic`` artists change between frames.

    Parameters
    ----------
    figure : matplotlib Figure
        Made by ``new_figure``; lay it out with fixed margins (a layout
        engine would move the axes between frames).
    dynamic : sequence of matplotlib Artist
        Redrawn at every frame (lines, images, texts whose data change).

    Attributes
    ----------
    full_renders : int
        How often the whole figure was rendered; every other frame was a blit.
    image : ipywidgets.Image or None
        Created by ``image_widget()``; ``refresh()`` pushes a new frame to it.
    """

    def __init__(self, figure, dynamic=()):
        self.figure = figure
        self.dynamic = list(dynamic)
        for artist in self.dynamic:
            artist.set_animated(True)  # left out of the cached background
        self._background = self._limits = None
        self.full_renders = 0
        self.image = None

    def _axes_limits(self):
        return tuple((ax.get_xlim(), ax.get_ylim()) for ax in self.figure.axes)

    def rgba(self) -> np.ndarray:
        """Render a frame; return its pixels, shape (height, width, 4), uint8 (a view of the canvas)."""
        canvas = self.figure.canvas
        limits = self._axes_limits()
        if self._background is None or limits != self._limits:
            canvas.draw()  # everything but the dynamic artists
            self._background, self._limits = canvas.copy_from_bbox(self.figure.bbox), limits
            self.full_renders += 1
        else:
            canvas.restore_region(self._background)
        for artist in self.dynamic:
            self.figure.draw_artist(artist)
        return np.asarray(canvas.buffer_rgba())

    def png(self) -> bytes:
        """A frame as PNG bytes (fast zlib level: a live frame, not an archive)."""
        from PIL import Image

        buffer = io.BytesIO()
        Image.fromarray(self.rgba()).save(buffer, format="png", compress_level=1)
        return buffer.getvalue()

    def image_widget(self):
        """An ``ipywidgets.Image`` showing the current frame (kept as ``self.image``)."""
        import ipywidgets as widgets

        self.image = widgets.Image(value=self.png(), format="png")
        return self.image

    def refresh(self):
        """Render a new frame into ``self.image``."""
        if self.image is None:
            raise RuntimeError("Call image_widget() first: there is no image to refresh.")
        self.image.value = self.png()
