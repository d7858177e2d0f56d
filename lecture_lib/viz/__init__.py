"""Drawing and interaction, on top of the engine and the topic modules.

``plotting`` (the lecture's style, colours, one marker code, data points, decision lines),
``diagrams`` (the slides' diagrams: a unit, a network with bias nodes, learning by
backpropagation, layers n-1, n, n+1), ``live_figure`` (figures that follow a slider in
milliseconds), and one module per figure family or explorer widget, named after what it
draws, each explorer with its static twin beside it:

* 01 ``threshold_unit_explorer``; 02 ``logistic_explorer``; 03 ``playground_explorer``;
  04 ``loss_surface_explorer``
* 05 ``training_progress`` (the live loss/accuracy fit callback and its static twin),
  ``loss_function_plots``; 06 ``optimiser_explorer``; 07 ``diagnostics_dashboard``,
  ``feature_scaling_histograms``
* 08 ``dropout_explorer``, ``dropout_mechanism_plots``; 09 ``normalisation_plots``; 10 ``deep_training_plots``
* 11 ``approximation_rates``, ``loss_slices``; 12 ``double_descent_curves``; 13 ``lottery_curves``

matplotlib and ipywidgets are imported inside the functions that need them.
"""
