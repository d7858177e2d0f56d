"""Topic modules: one per thing a chapter teaches, named after it; they use the engine (``lecture_lib.nn``).

* 01: ``units`` (threshold units, logic gates), ``perceptron``
* 02: ``logistic``; 02/04: ``symbolic`` (SymPy proofs)
* 03: ``playground_data``, ``playground``
* 04: ``backprop`` (one hidden layer, the slides' derivation), ``layered_backprop`` (any number
  of layers with biases; stochastic and full-batch training), ``computational_graph`` (local
  gradients, what autodiff does), ``loss_surface``
* 05: ``loss_functions`` (squared error vs Huber, cross-entropy from logits vs probabilities)
* 06: ``optimisation_landscapes`` (quadratics, Rosenbrock, trajectories, rates)
* 07: ``training_pitfalls``, ``feature_scaling``
* 08: ``dropout_ensemble``, ``dropout_mechanisms``; 09: ``normalisation``; 10: ``deep_training``
* 11: ``approximation``, ``flatness``; 12: ``double_descent``; 13: ``pruning``

None of them imports matplotlib or ipywidgets: their figures are in ``lecture_lib.viz``.
"""
