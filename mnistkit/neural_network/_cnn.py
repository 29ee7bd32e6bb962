"""KerasCNN: a convolutional network that is a true scikit-learn classifier."""

from numbers import Integral, Real

from ..utils import as_image_batch, flatten_images
from ..utils._images import choose_image_shape
from ..utils._sklearn_compat import Interval, StrOptions
from ..utils._validation import check_int_pair
from ._base import BaseKerasClassifier
from ._layers import check_rates, dense_stack, per_layer
from ._parameters import ACTIVATIONS, TRAINING_PARAMETER_CONSTRAINTS, document_training_parameters

__all__ = ["KerasCNN"]


def _sides_after_blocks(input_shape, blocks):
    """Yield the (height, width) left after each of ``blocks`` of (kernel, pool, padding)."""
    height, width = input_shape[:2]
    for kernel, pool, padding in blocks:
        if padding == "valid":
            height, width = height - kernel[0] + 1, width - kernel[1] + 1
        if pool is not None:
            height, width = height // pool[0], width // pool[1]
        yield height, width


@document_training_parameters
class KerasCNN(BaseKerasClassifier):
    """Convolutional network classifier for images, in Keras, with explicit hyperparameters.

    Convolution blocks, each ``Conv2D -> [BatchNormalization] -> activation -> [MaxPooling2D]
    -> [Dropout]``, then ``Flatten`` and a dense head (``Dense -> [Dropout]`` per layer) and a
    softmax output (one sigmoid unit for two classes). Per-block settings take one value for
    all blocks or a tuple with one per block.

    The defaults are a recipe chosen for CPU throughput as well as accuracy: three cheap 3x3
    blocks (16, 32, 64 filters, each halving the resolution, the first unpadded; 98k
    parameters), Adam at 0.008 with a warm-up and cosine decay over 10 epochs of batch 512,
    computed in bfloat16 where the CPU has it (``precision="auto"``) and fed by a ``tf.data``
    pipeline. On MNIST, seeds 0-2 reached 99.42%, 99.37% and 99.38% test accuracy in 52.6, 57.6
    and 47.9 s of fit time on a 2-core AMD EPYC (AVX512-BF16) machine; the previous recipe
    (float32, batch 128, 12 epochs, every block padded) took 119.0, 114.6 and 114.5 s there for
    99.37% on average: 2.20 times faster, measured side by side by
    ``benchmarks/bench_keras.py``. Machines differ: the previous recipe took 207.6 s on another
    2-core machine. On Fashion-MNIST (seed 0, same machine) the default reached 0.9145 in
    51.8 s (previous recipe: 0.9145 in 116.8 s), and the Fashion recipe
    ``KerasCNN(horizontal_flip=True, pool_size=(2, 2, None), epochs=18)`` 0.9253 in 92.3 s.
    The CPU class matters most: on CPUs without bfloat16 the default trains in float32, and
    took 154.5-194.1 s on 2-core AMD CPUs with AVX2 only; on a 2-core Intel Xeon it takes
    25.5 s in bfloat16 and 57.2 s in float32 with oneDNN limited to AVX2 (since fits no longer
    wait for tf.data's autotuning at their end; before: 46.0 s and 84.2 s).
    The lab reports' networks are all expressible, e.g. the 7,465-parameter net is
    ``KerasCNN(filters=(9, 9, 16), kernel_size=(5, 5, 3), padding="same",
    dense_layer_sizes=(25,), dense_dropout=0, optimizer="rmsprop")``.

    Parameters
    ----------
    filters : tuple of int, default=(16, 32, 64)
        Filters of each convolution block (the number of blocks).
    kernel_size : int, (int, int) or tuple of those, default=3
        Kernel size, for all blocks or per block.
    padding : {"auto", "same", "valid"} or tuple of "same"/"valid", default="auto"
        Convolution padding, for all blocks or per block. ``"auto"``: ``"valid"`` in the first
        block and ``"same"`` in the others, or ``"same"`` everywhere when the images are too
        small for that (``padding_`` says which). The unpadded first convolution skips the
        blank border of MNIST-like images: 26x26 instead of 28x28 outputs, 20% fewer
        multiply-adds in that block, and no loss of accuracy (measured on MNIST).
    pool_size : int, None or tuple of those, default=2
        Max-pooling size after each block; None for no pooling in a block.
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
    shift_range : float, default=0.0
        Training-time augmentation: shift each training image by up to this fraction of its
        height and width, filling with zeros (Keras's ``RandomTranslation``). 0 turns it off.
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
    padding_ : tuple of str
        The padding of each block (``padding="auto"`` resolved).
    precision_ : str
        The precision the network was built with (``precision="auto"`` resolved).
    model_ : keras.Model
        The trained network.
    history_ : dict of list
        Per-epoch training (and validation) loss and accuracy.
    n_iter_ : int
        Number of epochs trained.
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
    >>> lab_net = KerasCNN(filters=(9, 9, 16), kernel_size=(5, 5, 3), padding="same",
    ...                    dense_layer_sizes=(25,), dense_dropout=0, epochs=1, random_state=0)
    >>> from mnistkit.datasets import load_mnist
    >>> X, y = load_mnist(subset="test", return_X_y=True)
    >>> lab_net.fit(X[:500], y[:500]).n_parameters_
    7465
    """

    #: Ten epochs of the default network at batch 512 reached 99.37-99.42% on MNIST (3 seeds).
    _auto_min_epochs = 10
    #: Half the base's 2,000: at batch 512 as many samples as 2,000 steps of 256.
    _auto_min_steps = 1000

    _parameter_constraints: dict = {
        "filters": [tuple, list, Interval(Integral, 1, None, closed="left")],
        "kernel_size": [tuple, list, Interval(Integral, 1, None, closed="left")],
        "padding": [StrOptions({"auto", "same", "valid"}), tuple, list],
        "pool_size": [None, tuple, list, Interval(Integral, 1, None, closed="left")],
        "block_dropout": [Interval(Real, 0, 1, closed="left"), tuple, list],
        "batch_normalization": ["boolean"],
        "dense_layer_sizes": [tuple, list],
        "dense_dropout": [Interval(Real, 0, 1, closed="left"), tuple, list],
        "activation": [StrOptions(ACTIVATIONS)],
        "image_shape": [None, tuple, list],
        "horizontal_flip": ["boolean"],
        "shift_range": [Interval(Real, 0, 0.5, closed="left")],
        **TRAINING_PARAMETER_CONSTRAINTS,
    }

    def __init__(
        self,
        filters=(16, 32, 64),
        *,
        kernel_size=3,
        padding="auto",
        pool_size=2,
        block_dropout=0.0,
        batch_normalization=False,
        dense_layer_sizes=(128,),
        dense_dropout=0.4,
        activation="relu",
        image_shape=None,
        horizontal_flip=False,
        shift_range=0.0,
        optimizer="adam",
        loss=None,
        metrics=None,
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
        self.padding = padding
        self.pool_size = pool_size
        self.block_dropout = block_dropout
        self.batch_normalization = batch_normalization
        self.dense_layer_sizes = dense_layer_sizes
        self.dense_dropout = dense_dropout
        self.activation = activation
        self.image_shape = image_shape
        self.horizontal_flip = horizontal_flip
        self.shift_range = shift_range
        self.optimizer = optimizer
        self.loss = loss
        self.metrics = metrics
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
        if reset:
            self.image_shape_ = tuple(int(side) for side in images.shape[1:])
        elif images.shape[1:] != self.image_shape_:
            raise ValueError(
                f"{name} was fitted on images of shape {self.image_shape_}; got {images.shape[1:]}."
            )
        return images

    def _blocks(self, input_shape=None):
        """Per block: (filters, kernel, pool, dropout rate, padding).

        ``padding="auto"`` is resolved for ``input_shape`` (default: the fitted image shape).
        """
        filters = self.filters
        filters = (filters,) if isinstance(filters, Integral) else tuple(filters)
        if not filters or not all(isinstance(f, Integral) and f >= 1 for f in filters):
            raise ValueError(f"filters must be positive ints, one per block; got {filters!r}.")
        n_blocks = len(filters)
        kernels = self.kernel_size
        if isinstance(kernels, Integral) or (
            isinstance(kernels, tuple | list)
            and len(kernels) == 2
            and n_blocks != 2
            and all(isinstance(k, Integral) for k in kernels)
        ):
            kernels = (kernels,) * n_blocks
        kernels = [
            check_int_pair(k, "kernel_size") for k in per_layer(kernels, n_blocks, "kernel_size")
        ]
        pools = per_layer(self.pool_size, n_blocks, "pool_size")
        pools = [None if p is None else check_int_pair(p, "pool_size") for p in pools]
        dropouts = check_rates(
            per_layer(self.block_dropout, n_blocks, "block_dropout"), "block_dropout"
        )
        if isinstance(self.padding, str) and self.padding == "auto":
            paddings = ["valid"] + ["same"] * (n_blocks - 1)
            shape = self.image_shape_ if input_shape is None else input_shape
            sides = _sides_after_blocks(shape, zip(kernels, pools, paddings, strict=True))
            if min(min(pair) for pair in sides) < 1:
                paddings = ["same"] * n_blocks
        else:
            paddings = per_layer(self.padding, n_blocks, "padding")
        if not set(paddings) <= {"same", "valid"}:
            raise ValueError(
                f"padding must be 'auto', 'same' or 'valid', or one of 'same' and 'valid' per "
                f"block; got {self.padding!r}."
            )
        return list(zip(filters, kernels, pools, dropouts, paddings, strict=True))

    def _check_architecture(self, input_shape):
        blocks = [
            (kernel, pool, padding) for _, kernel, pool, _, padding in self._blocks(input_shape)
        ]
        sides = _sides_after_blocks(input_shape, blocks)
        for index, ((kernel, pool, padding), (height, width)) in enumerate(
            zip(blocks, sides, strict=True), start=1
        ):
            if height < 1 or width < 1:
                raise ValueError(
                    f"{type(self).__name__}: images of shape {tuple(input_shape[:2])} are too "
                    f"small for this architecture: after block {index} (kernel {kernel}, "
                    f"padding {padding!r}, pooling {pool}) nothing is left. Use fewer "
                    "blocks, padding='same', smaller pool_size, or larger images."
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
        self.padding_ = tuple(block[4] for block in blocks)
        for index, (n_filters, kernel, pool, rate, padding) in enumerate(blocks, start=1):
            layers.append(
                keras.layers.Conv2D(
                    n_filters,
                    kernel,
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
