"""KerasCNN: a convolutional network that is a true scikit-learn classifier."""

from numbers import Integral, Real

from ..utils import as_image_batch, flatten_images
from ..utils._images import choose_image_shape, record_image_shape
from ..utils._sklearn_compat import Interval, StrOptions
from ..utils._validation import check_int_pair
from ._backend import import_keras
from ._base import BaseKerasClassifier
from ._data import shifted_images
from ._layers import check_rates, dense_stack, per_layer
from ._parameters import ACTIVATIONS, TRAINING_PARAMETER_CONSTRAINTS, document_training_parameters

__all__ = ["KerasCNN"]


#: What every ``"auto"`` setting falls back to when the auto layout leaves nothing of the
#: images: 3x3 convolutions of stride 1, padded, each followed by 2x2 pooling.
_PADDED_LAYOUT = ((3, 3), (1, 1), (2, 2), "same")


def _auto_layout(n_blocks, strides=None):
    """Per block, the (kernel, strides, pool, padding) that ``"auto"`` chooses; ``strides``
    are the given ones (one pair per block), or None for ``"auto"`` strides too.

    With two blocks or more, the first strides 2: a 4x4 convolution, unpadded and not pooled,
    that halves the resolution (28 -> 13) for a fraction of the cost of a full-resolution
    block and its pooling. With three or more, the last is unpadded and not pooled, so that
    the dense head sees its whole maps (6 -> 4). Every other block is a 3x3 convolution with
    2x2 pooling, padded except when it is the first. A block given a stride above 1 is not
    pooled.

    >>> from mnistkit.neural_network._cnn import _auto_layout
    >>> for block in _auto_layout(3):
    ...     print(block)
    ((4, 4), (2, 2), None, 'valid')
    ((3, 3), (1, 1), (2, 2), 'same')
    ((3, 3), (1, 1), None, 'valid')
    """
    layout = []
    for index in range(n_blocks):
        first, last = index == 0, index == n_blocks - 1 and n_blocks >= 3
        if strides is None:
            block_strides = (2, 2) if first and n_blocks >= 2 else (1, 1)
        else:
            block_strides = strides[index]
        strided = max(block_strides) > 1
        kernel = (4, 4) if first and block_strides == (2, 2) else (3, 3)
        pool = None if strided or last else (2, 2)
        layout.append((kernel, block_strides, pool, "valid" if first or last else "same"))
    return layout


def _sides_after_blocks(input_shape, blocks):
    """Yield the (height, width) left after each of ``blocks`` of (kernel, strides, pool,
    padding), as Keras's ``Conv2D`` and ``MaxPooling2D`` compute them."""
    height, width = input_shape[:2]
    for kernel, strides, pool, padding in blocks:
        if padding == "valid":
            height = (height - kernel[0]) // strides[0] + 1
            width = (width - kernel[1]) // strides[1] + 1
        else:
            height, width = -(-height // strides[0]), -(-width // strides[1])
        if pool is not None:
            height, width = height // pool[0], width // pool[1]
        yield height, width


def _fits(input_shape, blocks):
    return all(min(sides) >= 1 for sides in _sides_after_blocks(input_shape, blocks))


def _per_block_pairs(value, n_blocks, name):
    """One ``(int, int)`` per block from an int, a pair, or one of those per block (a pair
    of ints is one value for every block, unless there are exactly two blocks)."""
    if isinstance(value, Integral) or (
        isinstance(value, tuple | list)
        and len(value) == 2
        and n_blocks != 2
        and all(isinstance(side, Integral) for side in value)
    ):
        value = (value,) * n_blocks
    return [check_int_pair(item, name) for item in per_layer(value, n_blocks, name)]


def _per_block_pools(value, n_blocks, name):
    """One ``(int, int)`` or None (no pooling) per block."""
    return [
        None if pool is None else check_int_pair(pool, name)
        for pool in per_layer(value, n_blocks, name)
    ]


def _per_block_paddings(value, n_blocks, name):
    """One of "same" and "valid" per block."""
    paddings = per_layer(value, n_blocks, name)
    if not set(paddings) <= {"same", "valid"}:
        raise ValueError(
            f"padding must be 'auto', 'same' or 'valid', or one of 'same' and 'valid' per "
            f"block; got {value!r}."
        )
    return list(paddings)


#: The settings of one convolution block that ``"auto"`` may choose, in :func:`_auto_layout`'s
#: order, each with the function that reads a given value into one per block.
_LAYOUT = {
    "kernel_size": _per_block_pairs,
    "strides": _per_block_pairs,
    "pool_size": _per_block_pools,
    "padding": _per_block_paddings,
}


@document_training_parameters
class KerasCNN(BaseKerasClassifier):
    """Convolutional network classifier for images, in Keras, with explicit hyperparameters.

    Convolution blocks, each ``Conv2D -> [BatchNormalization] -> activation -> [MaxPooling2D]
    -> [Dropout]``, then ``Flatten`` and a dense head (``Dense -> [Dropout]`` per layer) and a
    softmax output (one sigmoid unit for two classes). Per-block settings take one value for
    all blocks or a tuple with one per block.

    The defaults are a recipe chosen for CPU throughput as well as accuracy: a 4x4 convolution
    of stride 2 (16 filters, 28 -> 13) in place of a full-resolution block and its pooling, a
    padded 3x3 block of 24 filters with pooling (13 -> 6) and an unpadded 3x3 block of 48
    (6 -> 4) whose maps go to Dense 128 with dropout 0.4 (114k parameters); Adam at 0.008 with
    a warm-up and cosine decay over 10 epochs of batch 512, computed in bfloat16 where the CPU
    has it (``precision="auto"``) and fed by a ``tf.data`` pipeline that shifts each training
    image by up to 2 whole pixels (``shift_pixels``); label smoothing 0.1; predictions averaged
    over the image and its four 1-pixel shifts (``test_time_shift``). Its test accuracy on
    MNIST (about 99.5% over three seeds) and its fit time on each CPU class, measured side by
    side with the earlier defaults by ``benchmarks/bench_keras.py``, are in the
    documentation's "How the network defaults were chosen" page.
    The lab reports' networks are all expressible, e.g. the 7,465-parameter net is
    ``KerasCNN(filters=(9, 9, 16), kernel_size=(5, 5, 3), strides=1, pool_size=2,
    padding="same", dense_layer_sizes=(25,), dense_dropout=0, optimizer="rmsprop")``. The
    Fashion-MNIST recipe (0.9244 mean test accuracy over three seeds on a 2-core AMD EPYC with
    AVX512-BF16) is the previous default with mirrored training images, no pooling after its
    last block and 18 epochs, measured without smoothing or shifts: ``KerasCNN(filters=(16, 32,
    64), kernel_size=3, strides=1, padding=("valid", "same", "same"), pool_size=(2, 2, None),
    horizontal_flip=True, epochs=18, label_smoothing=0, shift_pixels=0, test_time_shift=0)``.

    Parameters
    ----------
    filters : tuple of int, default=(16, 24, 48)
        Filters of each convolution block (the number of blocks).
    kernel_size : "auto", int, (int, int) or tuple of those, default="auto"
        Kernel size, for all blocks or per block. ``"auto"``: 4x4 in a first block of stride
        2, 3x3 elsewhere.
    strides : "auto", int, (int, int) or tuple of those, default="auto"
        Convolution strides, for all blocks or per block. ``"auto"``: 2 in the first block
        when there are two blocks or more (it halves the resolution in place of pooling), 1
        elsewhere.
    pool_size : "auto", int, None or tuple of those, default="auto"
        Max-pooling size after each block; None for no pooling in a block. ``"auto"``: no
        pooling after a block of stride above 1, nor after the last of three blocks or more;
        2x2 elsewhere.
    padding : {"auto", "same", "valid"} or tuple of "same"/"valid", default="auto"
        Convolution padding, for all blocks or per block. ``"auto"``: ``"valid"`` in the first
        block and in the last of three blocks or more, ``"same"`` in the others.

        The ``"auto"`` settings make the default layout: on 28x28 images a 4x4 convolution of
        stride 2 (28 -> 13), a padded 3x3 one with pooling (13 -> 6) and an unpadded 3x3 one
        (6 -> 4), whose 4x4 maps go to the dense head. Where that leaves nothing of the images
        (8x8 digits), every ``"auto"`` setting takes the classic one instead: 3x3, stride 1,
        2x2 pooling, padded. ``kernel_size_``, ``strides_``, ``pool_size_`` and ``padding_``
        say what was built. The classic layout of 3x3 blocks, each pooled, is
        ``kernel_size=3, strides=1, pool_size=2, padding="same"``.
    block_dropout : float or tuple of float, default=0.0
        Dropout after each block.
    batch_normalization : bool, default=False
        Batch normalisation between each convolution and its activation. Off by default: on
        CPU it more than doubles the time per epoch (15 s against 6 s here) for little gain.
    dense_layer_sizes : tuple of int, default=(128,)
        Units of each dense layer after ``Flatten``.
    dense_dropout : float or tuple of float, default=0.4
        Dropout after each dense layer.
    activation : str, default="relu"
        Activation of convolutions and dense layers.
    image_shape : tuple of int, default=None
        ``(height, width)`` or ``(height, width, channels)`` of flat input rows; one side may be
        -1. ``None`` infers square single-channel images. Not needed for image arrays.
    horizontal_flip : bool, default=False
        Training-time augmentation: mirror each training image left-right with probability 1/2
        (Keras's ``RandomFlip``), drawn anew each epoch. For images whose classes are
        mirror-symmetric (clothes, X-rays), not for digits. Prediction never augments.
    shift_pixels : int, default=2
        Training-time augmentation: each training image moves by a random whole number of
        pixels, up to this many, in each direction (zero fill; a side one pixel long is not
        moved), a new shift every epoch. Done in the input pipeline by slicing: about 0.25 ms
        per batch of 512 beside the training (1% of the default's fit or less). 0 turns it
        off.
    shift_range : float, default=0.0
        Training-time augmentation inside the network: shift each training image by up to this
        fraction of its height and width, with bilinear interpolation and zero fill (Keras's
        ``RandomTranslation``). It cost the default 8% of its fit time in bfloat16, more in
        float32; ``shift_pixels`` moves by whole pixels for far less. 0 turns it off.
    label_smoothing : float, default=0.1
        Label smoothing of the default cross-entropy: each training target puts this much of
        its weight evenly over all classes (Keras's ``label_smoothing``), which keeps the
        network from growing over-confident. 0 turns it off. With a ``loss`` of your own, set
        it there and pass 0 here.
    test_time_shift : int, default=1
        Test-time averaging: ``predict`` and ``predict_proba`` average the probabilities of
        each image and of its copies shifted by this many pixels up, down, left and right
        (zero fill; a side one pixel long is not shifted), so prediction makes five passes
        instead of one (10,000 MNIST images: about 1 s instead of 0.2 s on 2 cores). 0 predicts
        in one pass. With the two settings above it makes the default: a mean 99.50% on
        MNIST over three seeds in float32 (see the neural-network tuning page).
    {training_parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    input_scaled_ : bool
        Whether inputs are divided by 255 (decided on the training data by ``rescale``).
    input_max_ : float
        The largest absolute training input (before scaling), to refuse inputs on another
        scale at predict.
    n_features_in_ : int
        Number of values per sample seen during ``fit`` (pixels times channels).
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``, when X has string column names.
    image_shape_ : tuple of int
        ``(height, width, channels)`` of the network's input.
    kernel_size_ : tuple of (int, int)
        The kernel size of each block (``"auto"`` resolved).
    strides_ : tuple of (int, int)
        The strides of each block (``"auto"`` resolved).
    pool_size_ : tuple of (int, int) or None
        The pooling after each block (``"auto"`` resolved; None: no pooling).
    padding_ : tuple of str
        The padding of each block (``"auto"`` resolved).
    precision_ : str
        The precision the network was built with (``precision="auto"`` resolved).
    model_ : keras.Model
        The trained network.
    history_ : dict of list
        Per-epoch training (and validation) loss and accuracy.
    n_iter_ : int
        Number of epochs trained.
    schedule_epochs_ : int or None
        The epochs the learning-rate schedule of the last ``fit`` spans; ``None`` when the
        rate is constant (after ``partial_fit``, or with ``learning_rate_schedule="constant"``).
    parameter_counts_ : dict
        Parameters of each layer, by layer name.
    n_parameters_ : int
        Total number of parameters.

    See Also
    --------
    KerasMLP : dense network.

    Examples
    --------
    >>> from mnistkit.neural_network import KerasCNN
    >>> lab_net = KerasCNN(filters=(9, 9, 16), kernel_size=(5, 5, 3), strides=1, pool_size=2,
    ...                    padding="same", dense_layer_sizes=(25,), dense_dropout=0, epochs=1,
    ...                    random_state=0)
    >>> from mnistkit.datasets import load_mnist
    >>> X, y = load_mnist(subset="test", return_X_y=True)
    >>> lab_net.fit(X[:500], y[:500]).n_parameters_
    7465
    """

    #: Ten epochs of the default network at batch 512 reached 99.37-99.42% on MNIST (3 seeds).
    _auto_min_epochs = 10
    #: Half the base's 2,000: at batch 512 as many samples as 2,000 steps of 256.
    _auto_min_steps = 1000
    #: Parameters added after saving existed, with the value a file saved before them means.
    _parameters_before_added = {"label_smoothing": 0.0, "shift_pixels": 0, "test_time_shift": 0}

    _parameter_constraints: dict = {
        "filters": [tuple, list, Interval(Integral, 1, None, closed="left")],
        "kernel_size": [
            StrOptions({"auto"}),
            tuple,
            list,
            Interval(Integral, 1, None, closed="left"),
        ],
        "strides": [StrOptions({"auto"}), tuple, list, Interval(Integral, 1, None, closed="left")],
        "pool_size": [
            StrOptions({"auto"}),
            None,
            tuple,
            list,
            Interval(Integral, 1, None, closed="left"),
        ],
        "padding": [StrOptions({"auto", "same", "valid"}), tuple, list],
        "block_dropout": [Interval(Real, 0, 1, closed="left"), tuple, list],
        "batch_normalization": ["boolean"],
        "dense_layer_sizes": [tuple, list],
        "dense_dropout": [Interval(Real, 0, 1, closed="left"), tuple, list],
        "activation": [StrOptions(ACTIVATIONS)],
        "image_shape": [None, tuple, list],
        "horizontal_flip": ["boolean"],
        "shift_pixels": [Interval(Integral, 0, None, closed="left")],
        "shift_range": [Interval(Real, 0, 0.5, closed="left")],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "test_time_shift": [Interval(Integral, 0, None, closed="left")],
        **TRAINING_PARAMETER_CONSTRAINTS,
    }

    def __init__(
        self,
        filters=(16, 24, 48),
        *,
        kernel_size="auto",
        strides="auto",
        pool_size="auto",
        padding="auto",
        block_dropout=0.0,
        batch_normalization=False,
        dense_layer_sizes=(128,),
        dense_dropout=0.4,
        activation="relu",
        image_shape=None,
        horizontal_flip=False,
        shift_pixels=2,
        shift_range=0.0,
        label_smoothing=0.1,
        test_time_shift=1,
        optimizer="adam",
        loss=None,
        metrics=None,
        target_encoding="auto",
        learning_rate=0.008,
        learning_rate_schedule="cosine",
        warmup_epochs=0.5,
        momentum=0.9,
        batch_size=512,
        precision="auto",
        epochs="auto",
        early_stopping=False,
        validation_fraction=None,
        patience=5,
        class_weight=None,
        callbacks=None,
        rescale="auto",
        warm_start=False,
        random_state=None,
        verbose=0,
    ):
        self.filters = filters
        self.kernel_size = kernel_size
        self.strides = strides
        self.pool_size = pool_size
        self.padding = padding
        self.block_dropout = block_dropout
        self.batch_normalization = batch_normalization
        self.dense_layer_sizes = dense_layer_sizes
        self.dense_dropout = dense_dropout
        self.activation = activation
        self.image_shape = image_shape
        self.horizontal_flip = horizontal_flip
        self.shift_pixels = shift_pixels
        self.shift_range = shift_range
        self.label_smoothing = label_smoothing
        self.test_time_shift = test_time_shift
        self.optimizer = optimizer
        self.loss = loss
        self.metrics = metrics
        self.target_encoding = target_encoding
        self.learning_rate = learning_rate
        self.learning_rate_schedule = learning_rate_schedule
        self.warmup_epochs = warmup_epochs
        self.momentum = momentum
        self.batch_size = batch_size
        self.precision = precision
        self.epochs = epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.class_weight = class_weight
        self.callbacks = callbacks
        self.rescale = rescale
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    # --- Inputs and architecture --------------------------------------------------------------

    def _prepare_inputs(self, X, *, reset):
        name = type(self).__name__
        X, shape_from_array = flatten_images(X, max_channels=4, owner=name)
        X = super()._prepare_inputs(X, reset=reset)
        shape = choose_image_shape(
            shape_from_array, self.image_shape, getattr(self, "image_shape_", None), reset=reset
        )
        images = as_image_batch(X, shape, max_channels=4, owner=name)
        if images.ndim == 3:
            images = images[..., None]
        record_image_shape(self, images.shape[1:], reset=reset)
        return images

    def _loss_spec(self):
        if not self.label_smoothing:
            return self.loss
        if self.loss is not None:
            raise ValueError(
                f"{type(self).__name__}: label_smoothing={self.label_smoothing} smooths the "
                f"default cross-entropy, but loss={self.loss!r} is given. Set the smoothing on "
                "your loss (e.g. keras.losses.CategoricalCrossentropy(label_smoothing=0.1)) and "
                "pass label_smoothing=0."
            )
        keras = import_keras()
        binary = self._head()[1] == "sigmoid"  # two classes or multilabel: one unit per label
        loss = keras.losses.BinaryCrossentropy if binary else keras.losses.CategoricalCrossentropy
        return loss(label_smoothing=self.label_smoothing)

    def _training_shift_pixels(self):
        return self.shift_pixels

    def _network_outputs(self, X):
        outputs = super()._network_outputs(X)
        pixels = self.test_time_shift
        if not pixels:
            return outputs
        height, width = X.shape[1:3]  # an image one pixel high (tabular rows) is not moved
        moves = [(rows, 0) for rows in (pixels, -pixels) if height > 1]
        moves += [(0, cols) for cols in (pixels, -pixels) if width > 1]
        for rows, cols in moves:
            outputs = outputs + super()._network_outputs(shifted_images(X, rows, cols))
        return outputs / (1 + len(moves))

    def _blocks(self, input_shape=None):
        """Per block: (filters, kernel, strides, pool, dropout rate, padding).

        ``"auto"`` settings are resolved for ``input_shape`` (default: the fitted image
        shape): :func:`_auto_layout`, or, where that leaves nothing of the images, 3x3
        padded convolutions of stride 1 with 2x2 pooling (``_PADDED_LAYOUT``).
        """
        filters = self.filters
        filters = (filters,) if isinstance(filters, Integral) else tuple(filters)
        if not filters or not all(isinstance(f, Integral) and f >= 1 for f in filters):
            raise ValueError(f"filters must be positive ints, one per block; got {filters!r}.")
        n_blocks = len(filters)
        given = {
            name: read(getattr(self, name), n_blocks, name)
            for name, read in _LAYOUT.items()
            if not (isinstance(getattr(self, name), str) and getattr(self, name) == "auto")
        }

        def layout(defaults):
            return [
                tuple(
                    given[name][index] if name in given else default[position]
                    for position, name in enumerate(_LAYOUT)
                )
                for index, default in enumerate(defaults)
            ]

        blocks = layout(_auto_layout(n_blocks, given.get("strides")))
        shape = self.image_shape_ if input_shape is None else input_shape
        if len(given) < len(_LAYOUT) and not _fits(shape, blocks):
            blocks = layout([_PADDED_LAYOUT] * n_blocks)
        dropouts = check_rates(
            per_layer(self.block_dropout, n_blocks, "block_dropout"), "block_dropout"
        )
        return [
            (n_filters, kernel, strides, pool, rate, padding)
            for n_filters, (kernel, strides, pool, padding), rate in zip(
                filters, blocks, dropouts, strict=True
            )
        ]

    def _check_architecture(self, input_shape):
        blocks = [
            (kernel, strides, pool, padding)
            for _, kernel, strides, pool, _, padding in self._blocks(input_shape)
        ]
        sides = _sides_after_blocks(input_shape, blocks)
        for index, ((kernel, strides, pool, padding), (height, width)) in enumerate(
            zip(blocks, sides, strict=True), start=1
        ):
            if height < 1 or width < 1:
                raise ValueError(
                    f"{type(self).__name__}: images of shape {tuple(input_shape[:2])} are too "
                    f"small for this architecture: after block {index} (kernel {kernel}, "
                    f"padding {padding!r}, strides {strides}, pooling {pool}) nothing is "
                    "left. Use fewer blocks, padding='same', strides=1, smaller pool_size, or "
                    "larger images."
                )

    def _augmentation_layers(self, keras):
        """Random training-time transformations; Keras applies them only while training."""
        layers = []
        # float32 whatever the precision: they transform the inputs, before any computation.
        if self.horizontal_flip:
            layers.append(
                keras.layers.RandomFlip(
                    "horizontal", seed=self._draw_seed(), name="random_flip", dtype="float32"
                )
            )
        if self.shift_range:
            layers.append(
                keras.layers.RandomTranslation(
                    self.shift_range,
                    self.shift_range,
                    fill_mode="constant",
                    seed=self._draw_seed() + 1,
                    name="random_shift",
                    dtype="float32",
                )
            )
        return layers

    def _hidden_layers(self, keras):
        layers = self._augmentation_layers(keras)
        blocks = self._blocks()
        self.kernel_size_ = tuple(block[1] for block in blocks)
        self.strides_ = tuple(block[2] for block in blocks)
        self.pool_size_ = tuple(block[3] for block in blocks)
        self.padding_ = tuple(block[5] for block in blocks)
        for index, (n_filters, kernel, strides, pool, rate, padding) in enumerate(blocks, start=1):
            layers.append(
                keras.layers.Conv2D(
                    n_filters,
                    kernel,
                    strides=strides,
                    padding=padding,
                    name=f"conv_{index}",
                    activation=None if self.batch_normalization else self.activation,
                    use_bias=not self.batch_normalization,
                )
            )
            if self.batch_normalization:
                layers.append(keras.layers.BatchNormalization(name=f"batch_norm_{index}"))
                layers.append(keras.layers.Activation(self.activation, name=f"act_{index}"))
            if pool is not None:
                layers.append(keras.layers.MaxPooling2D(pool, name=f"pool_{index}"))
            if rate:
                layers.append(keras.layers.Dropout(rate, name=f"block_dropout_{index}"))
        layers.append(keras.layers.Flatten(name="flatten"))
        layers += dense_stack(
            keras,
            self.dense_layer_sizes,
            activation=self.activation,
            dropout=self.dense_dropout,
            sizes_name="dense_layer_sizes",
            dropout_name="dense_dropout",
        )
        return layers
