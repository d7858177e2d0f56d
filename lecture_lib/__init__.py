"""lecture_lib: the companion package of the neural-network lecture series.

Layout: three layers, each importing only from the ones below it
------------------------------------------------------------------
``nn/``       the engine, a small Keras stand-in that every chapter builds on:
              activations, losses, layers, the ``Sequential`` model,
              optimisers, one-hot encoding, gradient checking. NumPy only;
              it imports nothing of the layers above (``import lecture_lib.nn``
              works on its own).
``topics/``   one module per thing a chapter teaches, named after it
              (``perceptron``, ``logistic``, ``backprop``, ``playground``, ...);
              they use the engine and never draw.
``viz/``      drawing and interaction: the lecture's plot style, ``LiveFigure``,
              and one module per explorer widget, named after what it draws
              (``threshold_unit_explorer``, ``loss_surface_explorer``, ...).
              Each explorer's static twin lives beside it.

Beside them: ``datasets/`` (offline data), ``checks/`` (exercise checks, one
module per chapter), ``grading/`` (``lecture-grade``), ``tools/`` (exercise
generator, notebook runner, lecture mode) and ``_validate`` (the input checks
every layer shares).

Where does new code go? Into the lowest layer that has everything it needs:
a layer, loss or optimiser any chapter may use goes into ``nn/``; the
computations of one chapter's topic into ``topics/<topic>.py``; anything
that imports matplotlib or ipywidgets into ``viz/``. No module outside
``checks/`` is named after a chapter number (``tests/test_layout.py``
checks the names and the direction of every import).

Conventions used everywhere in the package
------------------------------------------
* Batch-first arrays: ``x`` has shape ``(N, D)`` (N examples, D features);
  labels of a binary task have shape ``(N,)``; one-hot targets of a C-class
  task have shape ``(N, C)``.
* float64 by default; float32 where a function offers a ``dtype`` argument.
* Randomness comes from a ``numpy.random.Generator`` (``rng``) or a ``seed``
  passed in, never from NumPy's global seed.
* The slides' names: ``h`` weighted sum, ``g`` unit output, ``eps`` error
  term (in backpropagation code; in an optimiser or batch norm ``eps`` is the
  stabiliser kappa, PyTorch's name), ``eta`` learning rate. Every symbol and
  its code names: the Notation section of ``notebooks/00_start_here.ipynb``.
* Bad input raises ``ValueError``/``TypeError`` naming what was expected.

The core needs NumPy only. Plotting (matplotlib), widgets (ipywidgets) and
symbolic maths (SymPy) are imported lazily by the modules that use them.
"""

__version__ = "0.1.0"
