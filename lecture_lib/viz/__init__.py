"""Drawing and interaction, on top of the engine and the topic modules.

``plotting`` (the lecture's style, colours, one marker code, data points, decision lines),
``diagrams`` (the slides' diagrams: a unit, a network with bias nodes, learning by
backpropagation, layers n-1, n, n+1),
``live_figure`` (figures that follow a slider in milliseconds), and one
module per explorer widget, named after what it draws, with its static
twin beside it: ``threshold_unit_explorer`` (01), ``logistic_explorer``
(02), ``playground_explorer`` (03), ``loss_surface_explorer`` (04).
matplotlib and ipywidgets are imported inside the functions that need them.
"""
