"""The data a network trains on and gives back: input scaling, the targets' encoding, the
loss's sample weights, the validation hold-out, shuffled batches, and probabilities as
scikit-learn reads them.

Each is a function of arrays and settings, not of the estimator, so the estimator's stages
(``_base.py``) read as the order of training and each rule here can be tested on its own.
"""

import warnings

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import column_or_1d

from ..exceptions import MnistkitWarning
from ..utils._validation import check_fits_float_dtype, sorted_labels

__all__ = [
    "FLOAT32_MAX",
    "check_sample_weight",
    "check_weight",
    "class_weight_factors",
    "crop_in_chunks",
    "encode_multilabel",
    "encode_targets",
    "given_validation",
    "hold_out",
    "looks_like_pixels",
    "loss_targets",
    "loss_weights",
    "mean_one",
    "padded_rows",
    "probabilities",
    "scale_inputs",
    "shift_offsets",
    "shifted_array_batches",
    "shifted_images",
    "shuffled_batches",
    "split_validation",
]

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


def probabilities(output, *, multilabel=False):
    """The network's outputs as float64 rows that sum to 1 (scikit-learn's ``log_loss``
    checks the sum to float64 precision; float32 softmax rows miss it by about 1e-7); for
    multilabel targets, each label's own probability."""
    output = np.asarray(output, dtype=np.float64)
    if multilabel:
        return output
    if output.shape[1] == 1:
        return np.hstack([1 - output, output])
    return output / output.sum(axis=1, keepdims=True)


#: Predictions are computed on a whole number of these rows (see :func:`padded_rows`).
ROW_BLOCK = 64


def padded_rows(X, block=ROW_BLOCK):
    """``X`` with zero rows appended up to a multiple of ``block`` rows, so that a sample's
    prediction does not depend on where it sits among the others.

    The CPU's matrix kernels compute the rows left over after their row blocks with other
    code, whose float32 results can differ in the last bit: on a 20-sample batch (measured
    with KerasMLP on this machine's AVX2 CPU), reordering the samples
    changed predictions by up to 6e-8 (scikit-learn's sample-order check allows 1e-9 relative
    to float64), and with the batch padded to a multiple of 8, 16, 32 or 64 rows, by 0 over
    30 orders. The padding costs at most 63 rows of work; the caller drops them.
    """
    extra = -len(X) % block
    if not extra:
        return X
    return np.concatenate([X, np.zeros((extra, *X.shape[1:]), dtype=X.dtype)])


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


def scale_inputs(X, rescale, *, trained=None, owner):
    """Convert X to float32, dividing by 255 as ``rescale`` decides; return (X, scaled, largest).

    ``trained`` is None on the training data, where the decision is made: under
    ``rescale="auto"`` the data is divided when it looks like pixels on the 0-255 scale (see
    :func:`looks_like_pixels`). Later inputs pass ``trained=(scaled, largest)`` of the
    training data and get exactly its scaling, whatever their dtype: float32 copies of uint8
    training pixels are divided by 255 too. Under ``rescale="auto"`` two mismatches are
    unmistakable and refused: floats within [0, 1] for a network trained on 0-255 pixels (they
    would be divided again), and uint8 pixels for a network trained on values within [0, 1]
    (they would not be divided). ``owner`` names the estimator in the errors.
    """
    largest = float(np.max(np.abs(X))) if X.size else 0.0
    if trained is None:
        scaled = rescale is True or (rescale == "auto" and looks_like_pixels(X, largest))
    else:
        scaled, trained_max = trained
        if rescale == "auto" and X.size:
            said = f"{owner} was trained on inputs up to {trained_max:.3g}"
            if scaled and X.dtype != np.uint8 and largest <= 1 < trained_max:
                raise ValueError(
                    f"{said} (uint8 pixels, divided by 255) but X is {X.dtype} within [0, 1], "
                    "already scaled: it would be divided again. Pass pixels on the 0-255 scale, "
                    "or fit on scaled data."
                )
            if not scaled and X.dtype == np.uint8 and trained_max <= 1 < largest:
                raise ValueError(
                    f"{said} (already scaled) but X is uint8 up to {largest:.0f}: it would "
                    "reach the network unscaled. Divide X by 255, or fit on uint8 pixels."
                )
    check_fits_float_dtype(X, np.float32)
    X = X.astype(np.float32, copy=not scaled)
    if scaled:
        X *= np.float32(1 / 255)
    return X, scaled, largest


def check_sample_weight(sample_weight, n_samples, name="sample_weight"):
    """``fit``'s sample weights as float64: one per sample, finite, non-negative, not all zero
    and within float32 (the loss's precision). ``name`` says which weights they are in
    messages (``"validation_data[2]"``: the validation weights)."""
    weights = np.asarray(sample_weight, dtype=np.float64)
    if weights.ndim != 1 or len(weights) != n_samples:
        raise ValueError(
            f"{name} must have one weight per sample ({n_samples}); got shape {weights.shape}."
        )
    bad = np.flatnonzero(~np.isfinite(weights) | (weights < 0))
    if len(bad):
        raise ValueError(
            f"{name} must be finite and non-negative; sample {bad[0]} has weight "
            f"{float(weights[bad[0]])!r}"
            + (f" (and {len(bad) - 1} more)" if len(bad) > 1 else "")
            + "."
        )
    if weights.max(initial=0) > FLOAT32_MAX:
        raise ValueError(
            f"{name} reaches {weights.max():.3g}, beyond float32 (up to "
            f"{FLOAT32_MAX:.3g}), the loss's precision; scale the weights down "
            "(only their ratios matter)."
        )
    if n_samples and not weights.any():
        if name == "sample_weight":
            raise ValueError(
                "sample_weight is zero for every sample: there is nothing to learn from. Give "
                "at least one sample a positive weight."
            )
        raise ValueError(
            f"{name}, the validation weights, are zero for every validation sample: the "
            "validation loss would weigh nothing. Give at least one validation sample a "
            "positive weight, or pass validation_data without weights."
        )
    return weights


def class_weight_factors(class_weight, classes, codes):
    """One loss factor per class code for ``class_weight`` (None, ``"balanced"`` or a dict
    ``{label: weight}``), or None. ``"balanced"`` is computed on ``codes``, the training
    part's class codes; classes absent from it keep factor 1."""
    if class_weight is None:
        return None
    factors = np.ones(len(classes))
    if class_weight == "balanced":
        present = np.unique(codes)
        factors[present] = compute_class_weight("balanced", classes=present, y=codes)
        return factors
    for label, weight in class_weight.items():
        matches = np.flatnonzero(classes == label)
        if len(matches) == 0:
            raise ValueError(
                f"class_weight names label {label!r}, which is not among the classes "
                f"{classes.tolist()}."
            )
        factors[matches[0]] = check_weight(weight, f"class_weight[{label!r}]")
    return factors


def mean_one(weights):
    """``weights`` scaled to mean 1, as float32 (unchanged when they are all zero).

    Keras averages the weighted losses of a batch over its samples, so the weights' scale
    would act as a learning-rate factor (weights of 1/n train n times slower than weights of
    1). Scaled to mean 1 only their ratios count, as scikit-learn means it: multiplying every
    weight by 10 leaves the fitted network unchanged. The division is done in float64, so
    weights differing only by a common factor give the same float32 values.
    """
    weights = np.asarray(weights, dtype=np.float64)
    mean = weights.mean() if weights.size else 0.0
    return (weights / mean if mean > 0 else weights).astype(np.float32)


def loss_weights(codes, sample_weight, factors):
    """Per-sample loss weights: ``sample_weight`` times the class factor, scaled to mean 1
    (see :func:`mean_one`), as float32; None when neither is given.

    The product is formed in float64 (each factor is within float32), so it cannot overflow;
    a training part whose weights are all zero is refused (the hold-out may take every sample
    that had weight).
    """
    if factors is None and sample_weight is None:
        return None
    weights = np.ones(len(codes)) if sample_weight is None else sample_weight.copy()
    if factors is not None:
        weights *= factors[codes]
    if len(codes) and not weights.any():
        raise ValueError(
            "every training sample has weight zero (sample_weight times class_weight, after "
            "the validation hold-out): there is nothing to learn from. Give some training "
            "samples a positive weight."
        )
    return mean_one(weights)


def hold_out(codes, n_classes, fraction, seed):
    """The validation hold-out as index arrays ``(train, held_out)``, or None for no hold-out.

    ``round(fraction * n)`` samples are held out: a stratified split (every class in its
    proportion) when every class present has at least two samples and both parts can hold
    one of each, else a plain shuffled one; ``seed`` makes it reproducible. This is skorch's
    ``ValidSplit`` as a function: the split comes from the data ``fit`` was given, so inside
    a grid search it is taken from the fold's training part only.
    """
    n_validation = round(fraction * len(codes))
    if n_validation == 0:
        return None
    if n_validation >= len(codes):
        raise ValueError(
            f"validation_fraction={fraction} leaves no training samples out of {len(codes)}."
        )
    stratify = None
    if codes.ndim == 1:  # multilabel rows have no one class to stratify on
        counts = np.bincount(codes, minlength=n_classes)
        present = np.count_nonzero(counts)
        if (
            counts[counts > 0].min() >= 2
            and n_validation >= present
            and len(codes) - n_validation >= present
        ):
            stratify = codes
    return train_test_split(
        np.arange(len(codes)), test_size=n_validation, stratify=stratify, random_state=seed
    )


def given_validation(validation_data, prepare, encode, targets):
    """``fit``'s ``validation_data`` as Keras takes it, checked as the training data are:
    ``prepare(X_val)`` gives the network's inputs, ``encode(y_val)`` the class codes (refusing
    unknown labels) and ``targets(codes)`` what the loss takes."""
    if not isinstance(validation_data, tuple | list) or len(validation_data) not in (2, 3):
        raise ValueError(
            "validation_data must be a tuple (X_val, y_val) or (X_val, y_val, "
            f"sample_weight_val); got {type(validation_data).__name__}."
        )
    X_val, val_codes = prepare(validation_data[0]), encode(validation_data[1])
    if len(val_codes) != len(X_val):
        raise ValueError(f"validation_data has {len(X_val)} inputs but {len(val_codes)} labels.")
    validation = (X_val, targets(val_codes))
    if len(validation_data) == 3:
        weights = check_sample_weight(validation_data[2], len(X_val), "validation_data[2]")
        validation += (mean_one(weights),)
    return validation


def split_validation(X, codes, sample_weight, targets, n_classes, fraction, seed):
    """Hold out ``fraction`` of a fit's data for validation (:func:`hold_out`).

    Returns ``(X, codes, sample_weight, validation)``: the training part and the validation
    tuple Keras takes (``None`` for no hold-out), its targets made by ``targets(codes)``. The
    hold-out keeps the user's sample weights, scaled to mean 1 (class weights weigh training
    only, as Keras's ``class_weight`` does).
    """
    split = hold_out(codes, n_classes, fraction, seed)
    if split is None:
        return X, codes, sample_weight, None
    train, held_out = split
    validation = (X[held_out], targets(codes[held_out]))
    if sample_weight is not None:
        validation += (mean_one(sample_weight[held_out]),)
        sample_weight = sample_weight[train]
    return X[train], codes[train], sample_weight, validation


def shift_offsets(pixels, height, width):
    """The padding and crop offsets of whole-pixel training shifts of up to ``pixels``.

    Returns ``(pad_rows, pad_cols, offsets)``: the zeros to pad on each side of each axis, and
    every ``(row, column)`` offset of a ``height`` x ``width`` crop of the padded image, from
    (0, 0) (the image moved ``pixels`` down and right) to twice the padding. A side one pixel
    long (rows read as images one pixel high) is not shifted, as at test time.
    """
    pad_rows = pixels if height > 1 else 0
    pad_cols = pixels if width > 1 else 0
    offsets = [(row, col) for row in range(2 * pad_rows + 1) for col in range(2 * pad_cols + 1)]
    return pad_rows, pad_cols, offsets


def crop_in_chunks(padded, n, offsets, height, width, concatenate):
    """A batch of ``n`` padded images cropped back to ``height`` x ``width``, each at one of
    ``offsets``: the batch is cut into ``len(offsets)`` consecutive chunks of near-equal size
    and chunk ``j`` takes ``offsets[j]``. The batches come in a new random order each epoch,
    so an image's shift changes from epoch to epoch. Works on NumPy arrays and TensorFlow
    tensors alike (``concatenate`` joins the chunks).

    Slices, not a gather per pixel: cropping each image at an offset of its own with
    ``tf.gather`` cost 2.5 times as much per epoch of batches as these 25 slices, and
    Keras's ``RandomTranslation`` layer cost 8% of the default CNN's fit in bfloat16 and about
    20% in float32 where the slices cost nothing measurable (see the neural-network tuning
    page).
    """
    k = len(offsets)
    parts = [
        padded[(j * n) // k : ((j + 1) * n) // k, row : row + height, col : col + width]
        for j, (row, col) in enumerate(offsets)
    ]
    return concatenate(parts, 0)


def _pad_images(images, pad_rows, pad_cols):
    """A zero-padded copy of ``images`` ``(n, height, width, channels)``, its data aligned to
    64 bytes (TensorFlow's alignment, so that :func:`_private_tensor` can share it)."""
    n, height, width, channels = images.shape
    shape = (n, height + 2 * pad_rows, width + 2 * pad_cols, channels)
    size = int(np.prod(shape)) * images.dtype.itemsize
    raw = np.zeros(size + 64, np.uint8)  # zeroed pages from the system: only the images written
    start = -raw.ctypes.data % 64
    padded = raw[start : start + size].view(images.dtype).reshape(shape)
    padded[:, pad_rows : pad_rows + height, pad_cols : pad_cols + width] = images
    return padded


def _private_tensor(tf, array):
    """A TensorFlow tensor of ``array``, an array nothing else holds, sharing its memory.

    ``tf.constant`` copies every NumPy array (so that changing the array cannot change the
    tensor). For the padded copy of the training images, made for the tensor alone, that copy
    cost the default KerasCNN's fit on 60,000 MNIST images 0.1-0.7 s (245 MB written to new,
    page-faulting memory; 2-core AMD EPYC with oneDNN limited to AVX2), about half of what
    its shifted images cost before the first step. DLPack hands TensorFlow the array's memory
    instead, with a reference that keeps it alive.
    """
    if array.ctypes.data % 64 or not array.flags.c_contiguous:
        return tf.constant(array)
    return tf.experimental.dlpack.from_dlpack(array.__dlpack__())


def shuffled_batches(keras, arrays, batch_size, seed, shift_pixels=0):
    """The training batches of ``arrays`` (inputs, targets[, weights]), epoch after epoch
    without end: a shuffled, prefetched ``tf.data`` pipeline under TensorFlow, None under other
    backends (they get the arrays, or :func:`shifted_array_batches`).

    Each epoch's order is a stateless shuffle of the sample indices keyed by ``(seed, epoch)``
    (a random seed for ``None``), so it depends on nothing global: not on TensorFlow's global
    seed, which another thread's fit may set. Each batch is gathered at once. Measured on a
    2-core machine (single runs): a float32 CNN epoch on 60,000 images took 10.8 s with
    Keras's own array feeding and 10.2 s with this pipeline; the default MLP's fit took
    43.5 s with a shuffle buffer of the samples themselves and 28.4 s with this pipeline.

    ``shift_pixels`` (images ``(n, height, width, channels)`` only) shifts each training image
    by up to that many whole pixels, zero-filled (:func:`crop_in_chunks`).
    """
    if keras.backend.backend() != "tensorflow":
        return None
    import tensorflow as tf

    if seed is None:
        seed = int(np.random.default_rng().integers(2**31 - 1))
    X = arrays[0]
    n = len(X)
    crop = None
    if shift_pixels:
        height, width = X.shape[1:3]
        pad_rows, pad_cols, offsets = shift_offsets(shift_pixels, height, width)
        X = _pad_images(X, pad_rows, pad_cols)

        def crop(images, index):
            return crop_in_chunks(images, tf.shape(index)[0], offsets, height, width, tf.concat)

    # A shuffle buffer of the samples themselves would copy them one by one.
    images = _private_tensor(tf, X) if shift_pixels else tf.constant(X)
    tensors = (images, *(tf.constant(part) for part in arrays[1:]))

    def epoch_order(epoch):
        key = tf.stack([tf.constant(seed, tf.int64), epoch])
        order = tf.random.experimental.stateless_shuffle(tf.range(n, dtype=tf.int64), seed=key)
        return tf.data.Dataset.from_tensor_slices(order).batch(batch_size)

    def gather(index):
        batch = [tf.gather(part, index) for part in tensors]
        if crop is not None:
            batch[0] = crop(batch[0], index)
        return tuple(batch)

    # No tf.data autotuning: tearing down an autotuned pipeline waits for its tuning thread,
    # and every fit paid that at its end: 9.1 s after a 2-epoch KerasCNN fit whose training
    # took 12.3 s, and about 23 s after the 10-epoch default (float32, 2-core Intel Xeon with
    # oneDNN limited to AVX2). Two batches ahead keep the training fed: gathering one takes
    # milliseconds, and the training time was the same (12.2 s).
    options = tf.data.Options()
    options.autotune.enabled = False
    return (
        tf.data.Dataset.range(2**62)  # the epochs: as many as the fit asks for
        .flat_map(epoch_order)
        .map(gather)
        .prefetch(2)
        .with_options(options)
    )


def shifted_array_batches(keras, arrays, batch_size, seed, shift_pixels):
    """The batches of :func:`shuffled_batches` with ``shift_pixels``, for Keras backends other
    than TensorFlow: a ``keras.utils.PyDataset`` that shuffles with NumPy (keyed by ``(seed,
    epoch)``) and crops each batch as :func:`crop_in_chunks` does."""
    X = arrays[0]
    n, (height, width) = len(X), X.shape[1:3]
    pad_rows, pad_cols, offsets = shift_offsets(shift_pixels, height, width)
    padded = _pad_images(X, pad_rows, pad_cols)
    seed = int(np.random.default_rng().integers(2**31 - 1)) if seed is None else seed

    class ShiftedBatches(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.epoch = 0
            self.order = np.random.default_rng([seed, 0]).permutation(n)

        def __len__(self):
            return -(-n // batch_size)

        def __getitem__(self, step):
            index = self.order[step * batch_size : (step + 1) * batch_size]
            images = crop_in_chunks(
                padded[index], len(index), offsets, height, width, np.concatenate
            )
            return (images, *(part[index] for part in arrays[1:]))

        def on_epoch_end(self):
            self.epoch += 1
            self.order = np.random.default_rng([seed, self.epoch]).permutation(n)

    return ShiftedBatches()


def encode_targets(y, classes=None, *, multilabel=None, owner):
    """``(classes, codes)`` of ``y``: sorted labels and each sample's index among them, or,
    for a multilabel indicator matrix, the label columns ``0..n-1`` and the 0/1 matrix.

    ``multilabel`` is what the fitted network takes (``None`` when fitting anew): y of the
    other kind is refused. ``classes_`` stays sorted, as scikit-learn's classifiers keep it.
    ``owner`` names the estimator in the errors.
    """
    name = owner
    # Sparse matrices and frames have .shape; anything else (lists, array-likes that only
    # define __array__) goes through np.asarray, as check_array would take it.
    shape = y.shape if hasattr(y, "shape") else np.asarray(y).shape
    if len(shape) == 2 and shape[1] > 1:
        if multilabel is False:
            raise ValueError(
                f"{name} was fitted on class labels (one per sample); got a 2-d y of "
                f"shape {shape}. Pass class labels, or fit anew on the indicator matrix."
            )
        return encode_multilabel(y, classes, owner=owner)
    if multilabel:
        raise ValueError(
            f"{name} was fitted on multilabel y ({len(classes)} indicator columns); got "
            "class labels. Pass an indicator matrix of the same columns."
        )
    y = column_or_1d(y, warn=True)
    found = sorted_labels(y, "y")  # before the type check, which says only "unknown"
    check_classification_targets(y)
    if classes is None:
        classes = found
    else:
        given = np.asarray(classes)
        if given.ndim != 1:
            raise ValueError(f"classes must be a 1-d array of labels; got shape {given.shape}.")
        classes = sorted_labels(given, "classes")
        if len(classes) != len(given):
            repeated = sorted({str(v) for v in given.tolist() if given.tolist().count(v) > 1})
            raise ValueError(
                f"classes lists labels more than once ({', '.join(repeated)}); list each "
                "class once."
            )
        # classes_ is sorted, as scikit-learn's classifiers keep it: the order classes
        # were listed in never changes which output means which label.
    unknown = np.setdiff1d(found, classes)
    if len(unknown):
        raise ValueError(
            f"y has labels {unknown.tolist()} that are not among the classes "
            f"{classes.tolist()} this {name} was fitted with."
        )
    if len(classes) < 2:
        raise ValueError(
            f"{name} needs at least 2 classes in y to learn a classifier; "
            f"got only one class ({classes.tolist()})."
        )
    return classes, np.searchsorted(classes, y)


def encode_multilabel(y, classes, *, owner):
    """A multilabel indicator matrix as ``(label columns, 0/1 float32 matrix)``: one sigmoid
    unit per column, as MLPClassifier."""
    name = owner
    kind = type_of_target(y)
    if kind != "multilabel-indicator":
        raise ValueError(
            f"{name}: y is a 2-d array but not a multilabel indicator matrix (scikit-learn "
            f"reads it as {kind!r}); pass class labels (one per sample) or a 0/1 matrix "
            "with one column per label."
        )
    indicator = np.asarray(y.toarray() if hasattr(y, "toarray") else y)
    n_labels = indicator.shape[1]
    if classes is not None and len(classes) != n_labels:
        raise ValueError(f"{name} was fitted on {len(classes)} label columns; y has {n_labels}.")
    if classes is None and len(indicator) and (indicator.sum(axis=1) == 1).all():
        warnings.warn(
            f"{name}: y is a one-hot matrix (exactly one 1 per row), which scikit-learn "
            "reads as multilabel: the network learns one sigmoid unit per column and "
            "predict returns indicator rows. To learn one class per sample (a softmax), "
            "pass class labels instead: y.argmax(axis=1).",
            MnistkitWarning,
            stacklevel=5,
        )
    return np.arange(n_labels), indicator.astype(np.float32)


def shifted_images(images, rows, cols):
    """``images`` (n, height, width, channels) moved ``rows`` pixels down and ``cols`` right
    (negative: up, left), the uncovered border filled with zeros."""
    shifted = np.zeros_like(images)
    height, width = images.shape[1:3]
    target = (slice(None), slice(max(rows, 0), height + min(rows, 0)))
    source = (slice(None), slice(max(-rows, 0), height + min(-rows, 0)))
    target += (slice(max(cols, 0), width + min(cols, 0)),)
    source += (slice(max(-cols, 0), width + min(-cols, 0)),)
    shifted[target] = images[source]
    return shifted


def loss_targets(codes, n_outputs, encoding):
    """What the network's loss takes: the 0/1 matrix for multilabel targets, float 0/1 for one
    sigmoid unit, one-hot rows for a categorical loss (``encoding="one-hot"``), else class
    codes."""
    if codes.ndim == 2:
        return codes
    if n_outputs == 1:
        return codes.astype(np.float32)
    if encoding == "one-hot":
        return np.eye(n_outputs, dtype=np.float32)[codes]
    return codes
