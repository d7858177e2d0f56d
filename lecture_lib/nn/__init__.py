"""The engine: a small Keras stand-in that every chapter builds on (NumPy only).

    from lecture_lib.nn import Sequential, Dense, Flatten
    model = Sequential([Flatten(), Dense(128, activation="sigmoid"), Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["acc"])

Modules: ``activations`` (functions and derivatives), ``losses`` (values and
gradients), ``layers`` (the layer contract, ``Dense``, ``Flatten``,
``Activation``, ``PReLU``), ``model`` (``Sequential``: compile / fit / evaluate /
predict), ``optimizers`` (a package: one ``step(params, grads)``
interface for SGD/momentum/Nesterov, AdaGrad, RMSProp, Adam, AdamW, and
L-BFGS with its closure), ``clipping`` (by global norm, per array, by
value), ``schedules`` (learning rate as a function of the step),
``regularization`` (the L2 penalty term), ``callbacks`` (fit's hooks per
epoch and batch), ``diagnostics`` (per-layer gradient norms, saturation,
dead units, update ratios, the NaN trap), ``one_hot`` (label encoding),
``gradcheck`` (central differences for any function, layer or model).
Nothing here imports the topic or drawing modules of the package.
The layers for training deep networks: ``dropout`` (``Dropout``), ``batchnorm``
(``BatchNorm``), ``residual`` (``Residual``); each has a training and an inference mode.
``layernorm`` (``LayerNorm``) normalises each example over its units: the same in both modes.
Both norms share ``normalising`` (normalise along an axis, scale, shift, and the backward pass).
"""
from .activations import ACTIVATIONS, get_activation
from .batchnorm import BatchNorm
from .dropout import Dropout
from .layernorm import LayerNorm
from .diagnostics import DiagnosticsRecorder, NaNTrap, NonFiniteError, diagnose, trace_nonfinite
from .gradcheck import check_layer_gradients, check_model_gradients, numerical_gradient, relative_error
from .layers import Activation, Dense, Flatten, Layer, PReLU
from .losses import LOSSES, get_loss
from .model import History, Sequential, TrainingDivergedError
from .one_hot import from_one_hot, to_one_hot
from .callbacks import Callback, LambdaCallback, LearningRateScheduler
from .clipping import clip_by_global_norm, clip_by_norm, clip_by_value, global_norm
from .optimizers import LBFGS, OPTIMIZERS, SGD, AdaGrad, Adam, AdamW, Optimizer, RMSProp, get_optimizer
from .regularization import l2_penalty
from .residual import Residual
from .schedules import Constant, CosineDecay, ExponentialDecay, InverseTimeDecay, StepDecay

__all__ = [
    "Sequential", "History", "TrainingDivergedError",
    "Layer", "Dense", "Flatten", "Activation", "PReLU",
    "Dropout", "BatchNorm", "LayerNorm", "Residual",
    "ACTIVATIONS", "get_activation", "LOSSES", "get_loss",
    "Optimizer", "SGD", "AdaGrad", "RMSProp", "Adam", "AdamW", "LBFGS", "OPTIMIZERS", "get_optimizer",
    "global_norm", "clip_by_global_norm", "clip_by_norm", "clip_by_value", "l2_penalty",
    "Callback", "LambdaCallback", "LearningRateScheduler",
    "diagnose", "trace_nonfinite", "NaNTrap", "NonFiniteError", "DiagnosticsRecorder",
    "Constant", "ExponentialDecay", "StepDecay", "InverseTimeDecay", "CosineDecay",
    "to_one_hot", "from_one_hot",
    "numerical_gradient", "relative_error", "check_layer_gradients", "check_model_gradients",
]
