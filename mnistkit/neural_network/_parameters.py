"""The training parameters every Keras classifier shares: their constraints, their documentation
(written once, into each class's docstring) and the ``epochs="auto"`` budget."""

import inspect
import math
import textwrap
from numbers import Integral, Real

from ..utils._sklearn_compat import HasMethods, Interval, StrOptions

__all__ = [
    "ACTIVATIONS",
    "AUTO_MAX_EPOCHS",
    "AUTO_MIN_EPOCHS",
    "AUTO_MIN_STEPS",
    "TRAINING_PARAMETER_CONSTRAINTS",
    "TRAINING_PARAMETER_DOCS",
    "auto_epochs",
    "document_training_parameters",
]

ACTIVATIONS = {"relu", "tanh", "sigmoid", "elu", "selu", "gelu", "swish", "linear"}


TRAINING_PARAMETER_CONSTRAINTS = {
    "optimizer": [str, HasMethods(["get_config"])],
    "loss": [None, str, callable],
    "metrics": [None, list],
    "target_encoding": [StrOptions({"auto", "sparse", "one-hot"})],
    "learning_rate": [None, Interval(Real, 0, None, closed="neither")],
    "learning_rate_schedule": [StrOptions({"constant", "cosine"})],
    "warmup_epochs": [Interval(Real, 0, None, closed="left")],
    "momentum": [Interval(Real, 0, 1, closed="left")],
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "precision": [StrOptions({"auto", "float32", "mixed_bfloat16"})],
    "epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    "early_stopping": ["boolean"],
    "validation_fraction": [None, Interval(Real, 0, 1, closed="left")],
    "patience": [Interval(Integral, 1, None, closed="left")],
    "class_weight": [None, dict, StrOptions({"balanced"})],
    "callbacks": [None, list],
    "rescale": ["boolean", StrOptions({"auto"})],
    "warm_start": ["boolean"],
    "random_state": ["random_state"],
    "verbose": [Interval(Integral, 0, 2, closed="both"), "boolean"],  # True is 1, as in Keras
}


#: The documentation of every parameter in TRAINING_PARAMETER_CONSTRAINTS: (type, description).
#: :func:`document_training_parameters` adds ``default=...`` from each class's own signature.
TRAINING_PARAMETER_DOCS = {
    "optimizer": (
        "str or keras.optimizers.Optimizer",
        'Any Keras optimizer, by name (``"adam"``, ``"adamw"``, ``"sgd"``, ``"rmsprop"``, '
        '``"nadam"``, ...) or as an instance (``keras.optimizers.AdamW(weight_decay=0.05)``). '
        "Each fit trains a new one built from its config, so the instance given here is never "
        "trained and the estimator clones and pickles as usual; ``learning_rate`` (when set) "
        "and the schedule replace its learning rate.",
    ),
    "loss": (
        "str, keras.losses.Loss, callable or None",
        "The loss. ``None``: cross-entropy matching the head (binary for one sigmoid unit and "
        "for multilabel targets, sparse categorical otherwise). Any Keras loss the head can "
        "take, by name, as an instance (a subclass of your own included) or as a function: a "
        "sparse loss gets class codes, one sigmoid unit 0/1, and any other Keras loss on a "
        "softmax one-hot rows (so ``keras.losses.CategoricalCrossentropy(label_smoothing=0.1)`` "
        "works as it is); see ``target_encoding``. A softmax's loss on a sigmoid head (two "
        "classes, multilabel) is refused.",
    ),
    "metrics": (
        "list or None",
        "Metrics recorded per epoch in ``history_`` besides the loss and the accuracy (Keras "
        'names such as ``"auc"`` or ``keras.metrics`` instances, copied per fit); the '
        "validation ones appear as ``val_<name>``. A metric that compares probabilities with "
        'one-hot targets (``"auc"``) gets them, with the default loss in its categorical form; '
        "Keras gives the loss and all metrics the same targets, so a sparse metric beside it is "
        "refused, naming its one-hot form.",
    ),
    "target_encoding": (
        '{"auto", "sparse", "one-hot"}',
        "What the targets of a softmax are given to Keras as: class codes or one-hot rows. "
        '``"auto"`` decides by what the loss and the metrics are (not their names): '
        '``SparseCategoricalCrossentropy(name="xent")`` takes codes, ``"auc"`` or '
        "``CategoricalFocalCrossentropy()`` one-hot rows, and a loss and metrics that disagree "
        "are refused, naming the form that fits. A loss or metric of your own code cannot be "
        "read: say what it takes here. Two classes and multilabel targets are always 0/1.",
    ),
    "learning_rate": (
        "float or None",
        "Initial (peak) learning rate; ``None`` uses the optimizer's own (Keras's default for "
        "a name: 0.01 for SGD, 0.001 for the others).",
    ),
    "learning_rate_schedule": (
        '{"constant", "cosine"}',
        '``"cosine"`` decays the rate to 0 over ``epochs``, after ``warmup_epochs`` of linear '
        "warm-up from a tenth of it.",
    ),
    "warmup_epochs": ("float", "Length of the warm-up, in epochs."),
    "momentum": ("float", 'Momentum of ``optimizer="sgd"`` (an SGD instance keeps its own).'),
    "batch_size": ("int", "Samples per gradient step."),
    "precision": (
        '{"auto", "float32", "mixed_bfloat16"}',
        'Number format of the computation. ``"mixed_bfloat16"`` computes in bfloat16 and keeps '
        "the weights and the output layer in float32 (Keras's mixed precision); on a 2-core "
        "CPU with native bfloat16 instructions a CNN epoch on 60,000 MNIST images took 7.3 s "
        'against 10.8 s in float32. ``"auto"`` chooses it under TensorFlow on a CPU with native '
        "bfloat16 (the ``avx512_bf16`` or ``amx_bf16`` flag; emulated bfloat16 is slower "
        'than float32) and no GPU, else ``"float32"``; ``precision_`` says which was used.',
    ),
    "epochs": (
        'int or "auto"',
        'Passes over the training data. ``"auto"`` adapts the budget to the data size: at '
        "least {auto_min_epochs} epochs (the full-MNIST recipe) and at least {auto_min_steps} "
        "gradient steps, at most 500 epochs; with the default batch size, {auto_60000} epochs "
        "on 60,000 images and {auto_1000} on 1,000.",
    ),
    "early_stopping": (
        "bool",
        "Stop when the validation loss has not improved for ``patience`` epochs, and keep the "
        "best weights.",
    ),
    "validation_fraction": (
        "float or None",
        "Fraction of the training data held out to report validation loss and accuracy per "
        "epoch (and to stop early on): a stratified split (every class in its proportion), "
        "shuffled with ``random_state``, so inside a grid search it comes from the fold's "
        "training part only. ``None`` means 0.1 with early stopping, else no hold-out. Ignored "
        "when ``fit`` gets ``validation_data``.",
    ),
    "patience": ("int", "Epochs without improvement before early stopping."),
    "class_weight": (
        'dict, "balanced" or None',
        "Weights of the classes in the loss (``{label: weight}``); multiplied with ``fit``'s "
        "``sample_weight`` when both are given.",
    ),
    "callbacks": (
        "list of keras.callbacks.Callback or None",
        "Keras callbacks for training (checkpoints, logging, learning-rate changes). Each "
        "``fit`` trains with fresh copies, so the instances given here are never mutated and "
        "the estimator clones and pickles as usual.",
    ),
    "rescale": (
        'bool or "auto"',
        'Divide inputs by 255: ``"auto"`` for pixels on the 0-255 scale (uint8, or values '
        "within [0, 255] reaching above 127.5, as ``Deskewer``'s float output), True always, "
        "False never. The choice is made on the training data and applied unchanged at "
        'predict (float copies of uint8 training pixels are divided too); under ``"auto"``, '
        "inputs on the other scale "
        "(floats within [0, 1] for a network trained on 0-255 pixels, or the reverse) are "
        "refused.",
    ),
    "warm_start": (
        "bool",
        "Continue training the fitted network on the next ``fit`` (also after :meth:`load`). "
        "With the cosine schedule, each ``fit`` runs a new schedule over its ``epochs`` (with "
        "a fresh optimizer state).",
    ),
    "random_state": (
        "int, RandomState instance or None",
        "Seed for weight initialisation, dropout, shuffling and the validation split (on CPU, "
        "the same seed gives the same predictions).",
    ),
    "verbose": (
        "{0, 1, 2}",
        "Keras's training output: 0 silent, 1 progress bar, 2 one line per epoch.",
    ),
}


#: ``epochs="auto"``: at least this many epochs (the full-MNIST recipes' budget) ...
AUTO_MIN_EPOCHS = 12
#: ... and at least this many gradient steps, so that small data sets are not underfitted.
AUTO_MIN_STEPS = 2000
#: ... but never more epochs than this (a few dozen samples would otherwise take thousands).
AUTO_MAX_EPOCHS = 500


def auto_epochs(n_samples, batch_size, min_epochs=AUTO_MIN_EPOCHS, min_steps=AUTO_MIN_STEPS):
    """The epochs ``epochs="auto"`` trains for on ``n_samples`` training samples.

    Examples
    --------
    >>> from mnistkit.neural_network._parameters import auto_epochs
    >>> auto_epochs(60_000, 128), auto_epochs(1_000, 128), auto_epochs(50, 128)
    (12, 250, 500)
    >>> auto_epochs(60_000, 512, min_epochs=10, min_steps=1000)  # KerasCNN's defaults
    10
    """
    steps_per_epoch = max(1, math.ceil(n_samples / batch_size))
    return int(min(AUTO_MAX_EPOCHS, max(min_epochs, math.ceil(min_steps / steps_per_epoch))))


#: The placeholder a class docstring puts where the training parameters go.
TRAINING_PARAMETERS_PLACEHOLDER = "    {training_parameters}\n"


def _format_default(value):
    return f'"{value}"' if isinstance(value, str) else repr(value)


def document_training_parameters(cls):
    """Class decorator: write the training parameters' entries into ``cls``'s docstring.

    The docstring's line ``{training_parameters}`` becomes one numpydoc entry per training
    parameter, with the description from :data:`TRAINING_PARAMETER_DOCS` and the default read
    from ``cls.__init__``'s signature, so no class's documentation can drift from its code.
    """
    if cls.__doc__ is None:  # python -OO
        return cls
    if TRAINING_PARAMETERS_PLACEHOLDER not in cls.__doc__:
        raise ValueError(f"{cls.__name__}'s docstring has no {{training_parameters}} line.")
    signature = inspect.signature(cls.__init__).parameters
    batch_size = signature["batch_size"].default
    minima = {"min_epochs": cls._auto_min_epochs, "min_steps": cls._auto_min_steps}
    values = {
        "auto_min_epochs": cls._auto_min_epochs,
        "auto_min_steps": f"{cls._auto_min_steps:,}",
        "auto_60000": auto_epochs(60_000, batch_size, **minima),
        "auto_1000": auto_epochs(1_000, batch_size, **minima),
    }
    entries = []
    for name in TRAINING_PARAMETER_CONSTRAINTS:
        kind, description = TRAINING_PARAMETER_DOCS[name]
        for key, value in values.items():  # not str.format: descriptions hold literal braces
            description = description.replace(f"{{{key}}}", str(value))
        default = _format_default(signature[name].default)
        entries.append(f"    {name} : {kind}, default={default}\n")
        entries.append(
            textwrap.fill(description, 92, initial_indent=" " * 8, subsequent_indent=" " * 8) + "\n"
        )
    cls.__doc__ = cls.__doc__.replace(TRAINING_PARAMETERS_PLACEHOLDER, "".join(entries))
    return cls
