"""Topic modules: one per thing a chapter teaches, named after it; they use the engine (``lecture_lib.nn``).

``units`` (threshold units, logic gates) and ``perceptron`` for chapter 01,
``logistic`` for 02, ``playground_data`` and ``playground`` for 03,
``backprop`` (one hidden layer, the slides' derivation), ``layered_backprop`` (any number of
layers with biases; stochastic and full-batch training), ``computational_graph`` (local
gradients, what autodiff does), ``loss_surface`` and ``symbolic`` (SymPy proofs) for 02/04.
None of them imports matplotlib or ipywidgets: their figures are in
``lecture_lib.viz``.
"""
