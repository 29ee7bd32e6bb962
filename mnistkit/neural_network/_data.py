"""The data a network trains on and gives back: which inputs are pixels, which weights the
loss can take, and probabilities as scikit-learn reads them."""

import numpy as np

__all__ = ["FLOAT32_MAX", "check_weight", "looks_like_pixels", "probabilities"]

FLOAT32_MAX = float(np.finfo(np.float32).max)


def looks_like_pixels(X, largest):
    """Whether training inputs are pixels on the 0-255 scale (see ``_scale``).

    uint8 always; other dtypes when every value lies in [0, 255] and the brightest passes half
    the 8-bit range: images on that scale have ink near 255 (deskewed MNIST reaches 255),
    while features that merely exceed 1 (counts, standardised or PCA values) rarely pass 127.5
    without leaving [0, 255] or going negative.
    """
    if X.dtype == np.uint8:
        return True
    return bool(X.size) and 127.5 < largest <= 255 and float(np.min(X)) >= 0


def probabilities(output):
    """The network's outputs as float64 rows that sum to 1 (scikit-learn's ``log_loss``
    checks the sum to float64 precision; float32 softmax rows miss it by about 1e-7)."""
    output = np.asarray(output, dtype=np.float64)
    if output.shape[1] == 1:
        return np.hstack([1 - output, output])
    return output / output.sum(axis=1, keepdims=True)


def check_weight(weight, name):
    """A class weight as a float: finite, non-negative and representable in float32."""
    try:
        value = float(weight)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number; got {weight!r}.") from None
    if not np.isfinite(value) or value < 0 or value > FLOAT32_MAX:
        raise ValueError(
            f"{name} is {weight!r}; class weights must be finite, non-negative numbers up to "
            f"{FLOAT32_MAX:.3g} (float32, the loss's precision)."
        )
    return value
