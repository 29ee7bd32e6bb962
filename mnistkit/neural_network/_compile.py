"""What a network is compiled with: the optimizer (with the learning-rate schedule), the loss
and the metrics, made fresh for every fit from the estimator's parameters.

A parameter may be a Keras name or a Keras object. Objects are never trained themselves: each
fit gets a copy (the optimizer is rebuilt from its config, so that the schedule can replace
its learning rate), so the estimator clones, pickles and grid-searches as usual.
"""

import copy
import re
import types

import numpy as np

__all__ = [
    "TARGET_ENCODINGS",
    "make_loss",
    "make_metrics",
    "make_optimizer",
    "target_encoding",
]


def _fresh(value):
    """A name or a plain function as it is; an object as a copy of its own.

    A Keras loss or metric is rebuilt from its config by its own class, as Keras's
    ``clone_metric`` does: ``deepcopy`` would go through Keras serialization, which finds only
    registered classes, and a user's unregistered subclass compiles in plain Keras.
    """
    if isinstance(value, str | types.FunctionType | types.BuiltinFunctionType):
        return value
    if hasattr(value, "get_config") and hasattr(type(value), "from_config"):
        try:
            return type(value).from_config(value.get_config())
        except (TypeError, ValueError, KeyError):
            pass  # a get_config that does not return the __init__ arguments: copy instead
    return copy.deepcopy(value)


def _significant(rate):
    """A float32 learning rate read back as the decimal it was given (0.001, not 0.0010000000475),
    so that a schedule built from it is the one built from the number the user typed."""
    return float(f"{float(rate):.7g}")


def make_optimizer(
    keras, optimizer, *, learning_rate, momentum, schedule, warmup_epochs, steps_per_epoch, epochs
):
    """A new optimizer for one fit.

    ``optimizer`` is a Keras optimizer name or instance; ``learning_rate`` (when not None)
    replaces its rate, and under ``schedule="cosine"`` (with ``epochs`` known) the rate becomes
    the peak of a cosine decay over the fit, after ``warmup_epochs`` of linear warm-up from a
    tenth of it. ``momentum`` is applied to ``"sgd"`` given by name (an instance keeps its own).
    """
    if isinstance(optimizer, str):
        try:
            template = keras.optimizers.get(optimizer)
        except ValueError:
            raise ValueError(
                f"optimizer={optimizer!r} is not a Keras optimizer; use a name such as "
                "'adam', 'adamw', 'sgd', 'rmsprop' or 'nadam', or an instance of "
                "keras.optimizers.Optimizer."
            ) from None
    elif isinstance(optimizer, keras.optimizers.Optimizer):
        template = optimizer
    else:
        raise TypeError(
            f"optimizer must be a Keras optimizer name or a keras.optimizers.Optimizer; got "
            f"{type(optimizer).__name__}."
        )
    config = template.get_config()
    if isinstance(optimizer, str) and type(template).__name__ == "SGD":
        config["momentum"] = momentum
    rate = config.get("learning_rate")
    if learning_rate is not None:
        rate = learning_rate
    elif isinstance(rate, int | float):
        rate = _significant(rate)
    if schedule == "cosine" and epochs is not None and isinstance(rate, int | float):
        total = max(1, steps_per_epoch * epochs)
        warmup = min(total - 1, round(warmup_epochs * steps_per_epoch))
        rate = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=rate / 10 if warmup else rate,
            decay_steps=max(1, total - warmup),
            warmup_target=rate if warmup else None,
            warmup_steps=warmup,
        )
    if "learning_rate" in config and rate is not None:
        config["learning_rate"] = rate
    return type(template).from_config(config)


def make_loss(keras, loss, *, binary, one_hot=False):
    """The loss for one fit: cross-entropy matching the head (and the targets: ``one_hot``)
    by default, else a fresh ``loss`` (a name is checked to be a Keras loss)."""
    if loss is None:
        if binary:
            return "binary_crossentropy"
        return "categorical_crossentropy" if one_hot else "sparse_categorical_crossentropy"
    if isinstance(loss, str):
        try:
            keras.losses.get(loss)
        except ValueError:
            raise ValueError(
                f"loss={loss!r} is not a Keras loss; use a name such as "
                "'categorical_crossentropy' or 'categorical_focal_crossentropy', or an "
                "instance of keras.losses.Loss."
            ) from None
        return loss
    if not callable(loss):
        raise TypeError(f"loss must be a Keras loss name, Loss or function; got {loss!r}.")
    return _fresh(loss)


def make_metrics(metrics):
    """Accuracy and fresh copies of the extra ``metrics``, for ``compile``."""
    extra = list(metrics or [])
    return ["accuracy", *(_fresh(metric) for metric in extra if metric != "accuracy")]


# --- What the targets are ---------------------------------------------------------------------

#: ``target_encoding``'s values: decide from the loss and metrics, class codes, one-hot rows.
TARGET_ENCODINGS = ("auto", "sparse", "one-hot")

# The Keras losses and metrics that take class codes, and those that take one-hot rows over a
# softmax (and so make no sense for one sigmoid unit or for multilabel targets), by their
# function's name in keras.losses / keras.metrics; each maps to its counterpart of the other
# encoding, where Keras has one. Every other Keras loss or metric compares targets of the
# output's own shape (mean squared error, AUC, precision, ...): one-hot rows for a softmax.
_SPARSE = {
    "sparse_categorical_crossentropy": "categorical_crossentropy",
    "sparse_categorical_accuracy": "categorical_accuracy",
    "sparse_top_k_categorical_accuracy": "top_k_categorical_accuracy",
}
_CATEGORICAL = {
    **{one_hot: sparse for sparse, one_hot in _SPARSE.items()},
    "categorical_focal_crossentropy": None,
    "categorical_hinge": None,
}


def _keras_function(keras, value, kind):
    """The Keras function behind a loss or metric (a name, a Keras function or a wrapper of
    one: ``SparseCategoricalCrossentropy(name="xent")`` is ``sparse_categorical_crossentropy``
    whatever its name), or the Keras class it is an instance of; ``None`` for the user's own
    code, which mnistkit cannot read."""
    module = keras.losses if kind == "loss" else keras.metrics
    if isinstance(value, str):
        try:
            value = module.get(value)
        except ValueError:
            return None
    for attribute in ("fn", "_fn", "func"):  # Loss, MeanMetricWrapper, functools.partial
        inner = getattr(value, attribute, None)
        if callable(inner) and getattr(inner, "__module__", "").startswith("keras"):
            return inner
    if isinstance(value, types.FunctionType | type):
        return value if value.__module__.startswith("keras") else None
    for base in type(value).__mro__:  # a Keras class, or the Keras class a user's derives from
        if base.__module__.startswith("keras") and base.__name__ not in _GENERIC_BASES:
            return base
    return None


# Keras base classes that say nothing about the targets (a user's subclass of one is unknown).
_GENERIC_BASES = {
    "Loss",
    "LossFunctionWrapper",
    "Metric",
    "Mean",
    "MeanMetricWrapper",
    "Sum",
    "Reduce",
    "KerasSaveable",
    "Operation",
}


def _snake(name):
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def _encoding_of(keras, value, kind):
    """``"sparse"``, ``"one-hot"`` (a softmax's one-hot rows only), ``"dense"`` (targets the
    output's shape), ``"either"`` (Keras's ``"accuracy"``, which adapts) or ``None`` (unknown),
    with the name of its counterpart of the other encoding (or None)."""
    if kind == "metric" and value in ("accuracy", "acc"):
        return "either", None
    found = _keras_function(keras, value, kind)
    if found is None:
        return None, None
    name = _snake(found.__name__) if isinstance(found, type) else found.__name__
    if name in _SPARSE:
        return "sparse", _SPARSE[name]
    if name in _CATEGORICAL:
        return "one-hot", _CATEGORICAL[name]
    return "dense", None


def _describe(argument, value):
    if isinstance(value, str):
        return f"{argument}={value!r}"
    name = getattr(value, "name", None) or getattr(value, "__name__", None)
    return f"{argument} ({type(value).__name__}{f' {name!r}' if name else ''})"


def target_encoding(keras, loss, metrics, *, n_outputs, multilabel, encoding="auto"):
    """What the targets of one fit are: ``"binary"`` (0/1, for one sigmoid unit or multilabel
    targets), ``"sparse"`` (class codes) or ``"one-hot"`` (rows), decided by what the loss and
    each metric take, not by their names.

    Keras gives the loss and every metric the same targets, so a loss and metrics that take
    different encodings are refused, naming the counterpart that fits; so are losses and
    metrics for a softmax's classes on sigmoid outputs. Where nothing Keras knows decides (a
    loss or metric of the user's own code), ``encoding`` must say it (``target_encoding``).
    """
    given = [("loss", loss)] if loss is not None else []
    given += [(f"metrics[{i}]", metric) for i, metric in enumerate(metrics or [])]
    kinds = [
        (argument, value, *_encoding_of(keras, value, "loss" if argument == "loss" else "metric"))
        for argument, value in given
    ]
    for argument, value, kind, _ in kinds:
        if kind is None and isinstance(value, str):
            raise ValueError(
                f"{_describe(argument, value)} is not a Keras "
                f"{'loss' if argument == 'loss' else 'metric'} name; use a name such as "
                f"{'binary_crossentropy' if argument == 'loss' else 'auc'!r}, or an instance."
            )
    if n_outputs == 1 or multilabel:
        _try_own_code(keras, kinds, "binary", n_outputs)
        what = (
            "multilabel targets, scored by one sigmoid unit per label"
            if multilabel
            else "two classes, scored by one sigmoid unit"
        )
        if encoding != "auto":
            raise ValueError(
                f"target_encoding={encoding!r} chooses between class codes and one-hot rows "
                f"for a softmax over three or more classes; these are {what}, whose targets "
                "are 0/1. Leave target_encoding='auto'."
            )
        for argument, value, kind, _ in kinds:
            if kind in ("sparse", "one-hot"):
                fits = "loss=None (binary cross-entropy)" if argument == "loss" else "'auc'"
                raise ValueError(
                    f"{_describe(argument, value)} is for a softmax over several classes, but "
                    f"these are {what} (0/1 targets). Use a binary "
                    f"{'loss' if argument == 'loss' else 'metric'} such as "
                    f"{'binary_crossentropy' if argument == 'loss' else 'binary_accuracy'!r} or "
                    f"{fits}."
                )
        return "binary"
    needs = {"sparse": [], "one-hot": []}
    for argument, value, kind, counterpart in kinds:
        if kind in ("sparse", "one-hot", "dense"):
            needs["sparse" if kind == "sparse" else "one-hot"].append(
                (argument, value, counterpart)
            )
    if needs["sparse"] and needs["one-hot"]:
        (a_arg, a_value, a_other), (b_arg, b_value, b_other) = (
            needs["sparse"][0],
            needs["one-hot"][0],
        )
        fix = (
            f"use {a_other!r} (its one-hot form) in place of {a_arg}"
            if a_other
            else f"use {b_other!r} (its class-code form) in place of {b_arg}"
            if b_other
            else f"drop one of {a_arg} and {b_arg}"
        )
        raise ValueError(
            f"{_describe(a_arg, a_value)} takes class codes but {_describe(b_arg, b_value)} "
            f"takes one-hot rows, and Keras gives the loss and every metric the same "
            f"targets: {fix}."
        )
    known = "sparse" if needs["sparse"] else "one-hot" if needs["one-hot"] else None
    if encoding != "auto":
        if known is not None and known != encoding:
            argument, value, _ = needs[known][0]
            raise ValueError(
                f"target_encoding={encoding!r} contradicts {_describe(argument, value)}, which "
                f"takes {'class codes' if known == 'sparse' else 'one-hot rows'}; leave "
                "target_encoding='auto'."
            )
        _try_own_code(keras, kinds, encoding, n_outputs)
        return encoding
    unknown = [(argument, value) for argument, value, kind, _ in kinds if kind is None]
    if known is not None:
        _try_own_code(keras, kinds, known, n_outputs)
    if unknown and known is None:
        argument, value = unknown[0]
        raise ValueError(
            f"{_describe(argument, value)} is your own code, so mnistkit cannot tell whether "
            "it takes class codes or one-hot rows (and nothing else given decides it). Say "
            "which: target_encoding='sparse' (class codes, as "
            "sparse_categorical_crossentropy takes) or target_encoding='one-hot'."
        )
    return known or "sparse"


def _try_own_code(keras, kinds, encoding, n_outputs):
    """Call each loss and metric of the user's own code once on two targets of ``encoding``
    and uniform probabilities, so that one that cannot take them is named before training
    rather than failing inside TensorFlow's graph."""
    if n_outputs == 1 or encoding == "binary":
        y_true = np.array([[0.0] * n_outputs, [1.0] * n_outputs], dtype=np.float32)
    elif encoding == "sparse":
        y_true = np.array([0, 1])
    else:
        y_true = np.eye(n_outputs, dtype=np.float32)[[0, 1]]
    y_pred = np.full((2, n_outputs), 1 / n_outputs if n_outputs > 1 else 0.5, np.float32)
    for argument, value, kind, _ in kinds:
        if kind is not None:
            continue
        try:
            if isinstance(value, keras.metrics.Metric):
                probe = _fresh(value)
                probe.update_state(y_true, y_pred)
                result = probe.result()
            else:
                result = value(y_true, y_pred)
            finite = np.isfinite(keras.ops.convert_to_numpy(result)).all()
        except Exception as exc:  # the user's code may raise anything
            text = re.sub(r"\{\{.*?\}\}\s*", "", str(exc).strip()).splitlines()
            finite, reason = False, f"{type(exc).__name__}: {(text or [''])[0][:160]}"
        else:
            reason = "it returned a value that is not finite"
        if not finite:
            form = {"binary": "0/1 targets", "sparse": "class codes", "one-hot": "one-hot rows"}
            other = {
                "sparse": " (or target_encoding='one-hot')",
                "one-hot": " (or target_encoding='sparse')",
            }.get(encoding, "")
            raise ValueError(
                f"{_describe(argument, value)} fails on {form[encoding]}, the targets these "
                f"classes and this target_encoding give it ({reason}). Fix it to take them"
                f"{other}."
            )
