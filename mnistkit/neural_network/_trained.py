"""Reading a network trained elsewhere, for ``KerasClassifier.from_trained``: its input shape,
its output units and whether its outputs are probabilities or logits."""

import numpy as np

__all__ = ["declared_input_shape", "last_activation", "output_kind", "trained_shapes"]


def declared_input_shape(network):
    """The per-sample input shape a network was built for, or None."""
    try:
        inputs = network.inputs
    except (AttributeError, ValueError):
        return None
    if not inputs or len(inputs) != 1:
        return None
    return tuple(inputs[0].shape[1:])


_OUTPUTS = ("auto", "probabilities", "logits")


def last_activation(keras, model):
    """The name of the activation the network's output passes through last (``None``: it
    cannot be read, as for a subclassed model)."""
    try:
        layer = model.outputs[0]._keras_history.operation
    except (AttributeError, IndexError, ValueError):
        layer = model.layers[-1] if getattr(model, "layers", None) else None
    if isinstance(layer, keras.layers.Softmax):
        return "softmax"
    activation = getattr(layer, "activation", None)
    if activation is None:
        return None
    return getattr(activation, "__name__", str(activation))


def output_kind(keras, model, units, outputs):
    """``"probabilities"`` or ``"logits"`` for a trained network's output (see from_trained)."""
    if outputs not in _OUTPUTS:
        raise ValueError(
            f"from_trained: outputs must be one of {', '.join(map(repr, _OUTPUTS))}; got "
            f"{outputs!r}."
        )
    if outputs != "auto":
        return outputs
    activation = last_activation(keras, model)
    if activation == "softmax" and units > 1:
        return "probabilities"
    if activation == "sigmoid" and units == 1:
        return "probabilities"
    if activation == "linear":
        return "logits"
    what = (
        f"ends in a {activation!r} activation over {units} unit(s), which is neither a "
        "softmax over the classes, one sigmoid unit, nor linear logits"
        if activation
        else "has a last layer whose activation cannot be read (a subclassed model?)"
    )
    raise ValueError(
        f"from_trained: {model.name!r} {what}. Say what it outputs: outputs='logits' (softmax "
        "or sigmoid is applied) or outputs='probabilities' (used as they are)."
    )


def trained_shapes(keras, model, input_shape):
    """``(input_shape, output units)`` of a trained network for ``from_trained``: read from
    the network where it declares them, else from ``input_shape`` (and one call on zeros)."""
    if not model.built:
        raise ValueError(
            f"from_trained: {model.name!r} has not been built, so it holds no trained "
            "weights. Train it first, or pass it as model= to KerasClassifier, which trains it."
        )
    declared = declared_input_shape(model)
    if hasattr(model, "inputs") and (len(model.inputs) != 1 or len(model.outputs) != 1):
        raise ValueError(
            f"from_trained takes a network with one input and one output; "
            f"{model.name!r} has {len(model.inputs)} and {len(model.outputs)}."
        )
    if input_shape is not None:
        given = tuple(input_shape) if isinstance(input_shape, tuple | list) else None
        if not given or not all(
            isinstance(side, int | np.integer) and not isinstance(side, bool) and side > 0
            for side in given
        ):
            raise ValueError(
                f"from_trained: input_shape must be the shape of one sample, a tuple of "
                f"positive integers such as (28, 28); got {input_shape!r}."
            )
        given = tuple(int(side) for side in given)
        if declared is not None and (
            len(declared) != len(given)
            or any(
                side is not None and side != mine
                for side, mine in zip(declared, given, strict=True)
            )
        ):
            raise ValueError(
                f"from_trained: input_shape={given} does not fit {model.name!r}, which takes "
                f"inputs of shape {declared}."
            )
        input_shape = given
    elif declared is None:
        raise ValueError(
            f"from_trained: the input shape of {model.name!r} cannot be read (a subclassed "
            "model declares none); pass the shape of one sample, e.g. input_shape=(28, 28)."
        )
    elif None in declared:
        raise ValueError(
            f"from_trained: {model.name!r} takes inputs of variable size {declared}; pass the "
            "shape of the samples it will get, e.g. input_shape="
            f"{tuple(28 if side is None else side for side in declared)}."
        )
    else:
        input_shape = tuple(int(side) for side in declared)
    if hasattr(model, "outputs"):
        return input_shape, int(model.outputs[0].shape[-1])
    output = model(np.zeros((1, *input_shape), dtype="float32"), training=False)
    return input_shape, int(keras.ops.shape(output)[-1])
