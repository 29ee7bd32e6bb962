"""Layer helpers the Keras classifiers share: per-layer settings and the dense block."""

from numbers import Integral, Real

__all__ = ["check_rates", "dense_stack", "parameter_counts", "per_layer"]


def per_layer(value, n_layers, name):
    """Broadcast a scalar to one value per layer, or check a sequence has one per layer."""
    if isinstance(value, tuple | list):
        if len(value) != n_layers:
            raise ValueError(
                f"{name} has {len(value)} values but there are {n_layers} layers; give one value "
                f"or one per layer."
            )
        return tuple(value)
    return (value,) * n_layers


def check_rates(values, name):
    """Check dropout rates are within [0, 1)."""
    for rate in values:
        if not isinstance(rate, Real) or not 0 <= rate < 1:
            raise ValueError(f"{name} must be in [0, 1); got {rate!r}.")
    return values


def dense_stack(
    keras,
    sizes,
    *,
    activation,
    dropout,
    batch_normalization=False,
    sizes_name="hidden_layer_sizes",
    dropout_name="dropout",
):
    """The dense block: per size a ``Dense`` layer, then (optionally) batch normalisation and
    dropout, named ``dense_1``, ``batch_norm_1``, ``dropout_1``, ...

    ``sizes`` is an int or a sequence of positive ints and ``dropout`` one rate or one per
    layer; ``sizes_name`` and ``dropout_name`` are the parameters they came from, named in
    the errors.
    """
    sizes = (sizes,) if isinstance(sizes, Integral) else tuple(sizes)
    if not all(isinstance(size, Integral) and size >= 1 for size in sizes):
        raise ValueError(f"{sizes_name} must be positive ints; got {sizes!r}.")
    rates = check_rates(per_layer(dropout, len(sizes), dropout_name), dropout_name)
    layers = []
    for index, (units, rate) in enumerate(zip(sizes, rates, strict=True), start=1):
        layers.append(keras.layers.Dense(units, activation=activation, name=f"dense_{index}"))
        if batch_normalization:
            layers.append(keras.layers.BatchNormalization(name=f"batch_norm_{index}"))
        if rate:
            layers.append(keras.layers.Dropout(rate, name=f"dropout_{index}"))
    return layers


def parameter_counts(model):
    """Parameters of each layer of ``model`` by layer name, counting the layers of nested
    networks (not the networks themselves)."""

    def leaves(layers):
        for layer in layers:
            nested = getattr(layer, "layers", None)
            yield from leaves(nested) if nested is not None else [layer]

    return {layer.name: int(layer.count_params()) for layer in leaves(model.layers)}
