"""What a network is compiled with: the optimizer (with the learning-rate schedule), the loss
and the metrics, made fresh for every fit from the estimator's parameters.

A parameter may be a Keras name or a Keras object. Objects are never trained themselves: each
fit gets a copy (the optimizer is rebuilt from its config, so that the schedule can replace
its learning rate), so the estimator clones, pickles and grid-searches as usual.
"""

import copy
import types

__all__ = ["loss_name", "make_loss", "make_metrics", "make_optimizer", "takes_one_hot"]


def _fresh(value):
    """A name or a plain function as it is; an object as a copy of its own."""
    if isinstance(value, str | types.FunctionType | types.BuiltinFunctionType):
        return value
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


def loss_name(loss):
    """The name of a loss given by name, as a ``keras.losses.Loss`` or as a function."""
    if isinstance(loss, str):
        return loss
    return str(getattr(loss, "name", None) or getattr(loss, "__name__", type(loss).__name__))


def takes_one_hot(loss, n_outputs, metrics=None):
    """Whether the targets of a softmax over ``n_outputs`` classes are one-hot rows.

    One output unit (two classes) takes 0/1. A sparse loss takes class codes, any other
    given loss on a softmax (categorical cross-entropy with label smoothing, the focal loss,
    KL divergence, ...) one-hot rows. The default loss takes class codes, unless an extra
    metric compares probabilities with one-hot targets (``"auc"``, ``keras.metrics.
    Precision()``: every metric whose name does not say ``sparse``); the loss is then the
    same cross-entropy in its categorical form.
    """
    if n_outputs == 1:
        return False
    if loss is None:
        names = [loss_name(metric) for metric in metrics or [] if metric != "accuracy"]
        return any("sparse" not in name.lower() for name in names)
    return "sparse" not in loss_name(loss).lower()


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
