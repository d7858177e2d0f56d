"""lecture_lib: the companion package of the neural-network lecture series.

Conventions used everywhere in the package
------------------------------------------
* Batch-first arrays: ``x`` has shape ``(N, D)`` (N examples, D features);
  labels of a binary task have shape ``(N,)``; one-hot targets of a C-class
  task have shape ``(N, C)``.
* float64 by default; float32 where a function offers a ``dtype`` argument.
* Randomness comes from a ``numpy.random.Generator`` (``rng``) or a ``seed``
  passed in, never from NumPy's global seed.
* The slides' names: ``h`` weighted sum, ``g`` unit output, ``eps`` error
  term, ``eta`` learning rate.
* Bad input raises ``ValueError``/``TypeError`` naming what was expected.

The core needs NumPy only. Plotting (matplotlib), widgets (ipywidgets) and
symbolic maths (SymPy) are imported lazily by the modules that use them.
"""

__version__ = "0.1.0"
