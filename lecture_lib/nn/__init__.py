"""The engine: a small Keras stand-in that every chapter builds on (NumPy only).

    from lecture_lib.nn import Sequential, Dense, Flatten
    model = Sequential([Flatten(), Dense(128, activation="sigmoid"), Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["acc"])

Modules: ``activations`` (functions and derivatives), ``losses`` (values and
gradients), ``layers`` (the layer contract, ``Dense``, ``Flatten``,
``Activation``), ``model`` (``Sequential``: compile / fit / evaluate /
predict), ``optimizers`` (one ``step(params, grads)`` interface),
``one_hot`` (label encoding), ``gradcheck`` (central differences for any
function, layer or model). Nothing here imports the topic or drawing
modules of the package.
The layers for training deep networks: ``dropout`` (``Dropout``), ``batchnorm``
(``BatchNorm``), ``residual`` (``Residual``); each has a training and an inference mode.
"""
from .activations import ACTIVATIONS, get_activation
from .batchnorm import BatchNorm
from .dropout import Dropout
from .gradcheck import check_layer_gradients, check_model_gradients, numerical_gradient, relative_error
from .layers import Activation, Dense, Flatten, Layer
from .losses import LOSSES, get_loss
from .model import History, Sequential, TrainingDivergedError
from .one_hot import from_one_hot, to_one_hot
from .optimizers import OPTIMIZERS, SGD, Adam, Optimizer, get_optimizer
from .residual import Residual

__all__ = [
    "Sequential", "History", "TrainingDivergedError",
    "Layer", "Dense", "Flatten", "Activation",
    "Dropout", "BatchNorm", "Residual",
    "ACTIVATIONS", "get_activation", "LOSSES", "get_loss",
    "Optimizer", "SGD", "Adam", "OPTIMIZERS", "get_optimizer",
    "to_one_hot", "from_one_hot",
    "numerical_gradient", "relative_error", "check_layer_gradients", "check_model_gradients",
]
