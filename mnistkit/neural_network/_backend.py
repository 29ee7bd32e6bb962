"""The Keras runtime: importing it quietly and on demand (``import mnistkit`` never imports
TensorFlow), the number format a network computes in, and a TensorFlow memory workaround."""

import contextlib
import copy
import functools
import math
import random
import threading

import numpy as np

from ..utils._cpu import onednn_has_bfloat16
from ..utils._extras import import_optional
from ..utils._quiet import quiet_native_import
from ._data import shifted_array_batches, shuffled_batches

__all__ = [
    "MAX_STEPS_PER_EXECUTION",
    "StopOnNonFiniteLoss",
    "dtype_policy",
    "fit_network",
    "import_keras",
    "non_finite_loss_error",
    "predict_network",
    "releasing_custom_gradients",
    "resolve_precision",
    "training_callbacks",
]


@functools.cache
def import_keras():
    """Import and return Keras 3 with the backend's start-up noise silenced.

    Honours ``KERAS_BACKEND`` (TensorFlow by default). Python-level errors still propagate.
    """
    with quiet_native_import():
        keras = import_optional("keras", needed_by="mnistkit's Keras classifiers")
        if keras.backend.backend() == "tensorflow":
            tf = import_optional("tensorflow", needed_by="mnistkit's Keras classifiers")
            tf.get_logger().setLevel("ERROR")
    return keras


@contextlib.contextmanager
def dtype_policy(keras, name):
    """Build layers under Keras's dtype policy ``name``, restoring the previous one after.

    A build function creates its layers without a ``dtype`` argument, so the global policy is
    the one way to give them a precision; it is restored even when building fails.
    """
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


class _ThreadSeeds:
    """Stands in for the ``random`` module inside Keras's seed module: draws from this
    thread's own generator while one is set (a network being built), else from Python's."""

    def __init__(self, module):
        self._module = module
        self._local = threading.local()

    def __getattr__(self, name):
        generator = getattr(self._local, "generator", None)
        return getattr(self._module if generator is None else generator, name)


_INSTALLING = threading.Lock()


def _thread_seeds(keras):
    """The :class:`_ThreadSeeds` in Keras's seed module, installed on first use; ``None``
    where that module is not laid out as expected (then the global generator is seeded)."""
    try:
        from keras.src.random import seed_generator
    except ImportError:  # pragma: no cover - another Keras layout
        return None
    with _INSTALLING:
        current = getattr(seed_generator, "python_random", None)
        if isinstance(current, _ThreadSeeds):
            return current
        if current is not random:  # pragma: no cover - another Keras layout
            return None
        seed_generator.python_random = _ThreadSeeds(random)
        return seed_generator.python_random


_SEEDING = threading.Lock()


@contextlib.contextmanager
def seeded_construction(keras, seed):
    """Build a network whose layers' own seeds all come from ``seed``, without global state.

    Keras gives every initializer, dropout and random-augmentation layer created without a
    seed one drawn from Python's global ``random`` as the layer is created
    (``keras.src.random.seed_generator.make_default_seed``). ``keras.utils.set_random_seed``
    seeds that generator and NumPy's and TensorFlow's global ones: state of the whole process,
    which the other threads of a Dask worker share and draw from, so a grid search's fold
    scores differed from one Dask run to the next by up to 0.096. Keras has no public way to
    seed one thread's layers, so the seed module's ``random`` is replaced, once, by a stand-in
    that draws from a generator of the building thread's own (``random.Random(seed)``: the
    same seeds ``set_random_seed(seed)`` gave) and from Python's global one otherwise. Nothing
    global is seeded and the caller's own draws are unchanged. Training draws nothing global:
    those layers carry their own seed generators, and the batches are shuffled by stateless
    ops (:func:`._data.shuffled_batches`). ``None`` (no ``random_state``) builds unseeded.
    """
    if seed is None:
        yield
        return
    seeds = _thread_seeds(keras)
    if seeds is None:  # pragma: no cover - another Keras layout: the global generator, locked
        with _SEEDING:
            state = random.getstate()
            random.seed(seed)
            try:
                yield
            finally:
                random.setstate(state)
        return
    previous = getattr(seeds._local, "generator", None)
    seeds._local.generator = random.Random(seed)
    try:
        yield
    finally:
        seeds._local.generator = previous


#: Unregister the gradient functions each fit registers in TensorFlow (see below).
RELEASE_GRADIENTS = True


@contextlib.contextmanager
def releasing_custom_gradients():
    """Remove the gradient functions TensorFlow registered globally during the block.

    In graph mode (inside Keras's traced train step), every call of a ``tf.custom_gradient``
    function registers a new ``CustomGradient-<uid>`` entry in TensorFlow's process-wide
    gradient registry, and nothing ever removes it. Each entry's closure holds the whole traced
    train-step graph, its optimizer branches and its functions, so no fitted network's graph
    was ever freed: 50 one-epoch fits of a small MLP grew the process by 292 MiB, measured
    with ``benchmarks/bench_keras_memory.py`` (``clear_session()`` and ``gc.collect()`` do not
    help). The entries are needed only while the step is traced and differentiated, which ends
    within the block; a later retrace registers new ones. Removing them lets Python free the
    graphs, and TensorFlow then removes their functions itself. This reaches into TensorFlow's
    internal registry (``tensorflow.python.framework.ops._gradient_registry``): there is no
    public API for it, so anything unexpected there leaves the registry as it is.
    """
    registry = None
    if RELEASE_GRADIENTS and import_keras().backend.backend() == "tensorflow":
        from tensorflow.python.framework import ops

        registry = getattr(getattr(ops, "_gradient_registry", None), "_registry", None)
    if not isinstance(registry, dict):
        yield
        return
    before = set(registry)
    try:
        yield
    finally:
        for name in set(registry) - before:
            if isinstance(name, str) and name.startswith("CustomGradient-"):
                registry.pop(name, None)


def resolve_precision(keras, precision):
    """The dtype policy ``precision`` stands for: ``"auto"`` is bfloat16 under TensorFlow on a
    CPU with native bfloat16 and no GPU, else float32 (see the ``precision`` parameter)."""
    if precision != "auto":
        return precision
    if keras.backend.backend() != "tensorflow" or not onednn_has_bfloat16():
        return "float32"
    import tensorflow as tf

    return "float32" if tf.config.list_physical_devices("GPU") else "mixed_bfloat16"


#: The most gradient steps one call of the compiled train step runs (Keras's
#: ``steps_per_execution``): each call costs Python and dispatch time, which on small data
#: outweighs the step itself.
MAX_STEPS_PER_EXECUTION = 32
#: Up to this many gradient steps in a whole fit, each call runs one step: the loop that runs
#: several per call is a TensorFlow while-loop, and tracing it costs more than the calls it
#: saves. Measured on a tiny ``KerasMLP((32,), epochs=8, batch_size=32)`` (2-core AMD EPYC
#: with AVX512-BF16, the same scores either way): on 30, 60, 200 and 1,000 rows (8 to 256
#: steps) a fit took 0.37-0.53, 0.52-0.67, 0.53-1.05 and 0.61-0.70 s with the loop, 0.31-0.33,
#: 0.28-0.33, 0.33-0.38 and 0.50-0.53 s without; a call costs about 0.7 ms.
SINGLE_STEP_FITS_UP_TO = 256


def steps_per_execution(steps_per_epoch, callbacks, epochs=1):
    """The gradient steps one call of the compiled train step runs, for a fit of ``epochs``
    epochs of ``steps_per_epoch`` steps.

    The largest divisor of ``steps_per_epoch`` up to :data:`MAX_STEPS_PER_EXECUTION`, so that
    every epoch is exactly one pass over the data; 1 for a fit of at most
    :data:`SINGLE_STEP_FITS_UP_TO` steps, and when there are user ``callbacks`` (they may act
    on every batch, and Keras calls batch hooks once per execution).

    Examples
    --------
    >>> from mnistkit.neural_network._backend import steps_per_execution
    >>> steps_per_execution(8, False, 250), steps_per_execution(469, False, 10)
    (8, 7)
    >>> steps_per_execution(8, False, 8), steps_per_execution(8, True, 250)
    (1, 1)
    """
    if callbacks or steps_per_epoch * epochs <= SINGLE_STEP_FITS_UP_TO:
        return 1
    return max(d for d in range(1, MAX_STEPS_PER_EXECUTION + 1) if steps_per_epoch % d == 0)


class StopOnNonFiniteLoss:
    """Stops training after the first epoch whose loss is nan or infinite, and remembers it
    (Keras's ``TerminateOnNaN`` stops too, but does not say that it did). It looks once per
    epoch: a check after every batch made small fits 1.3 times slower, and an epoch whose
    weights went to nan half-way is thrown away all the same."""

    def __init__(self, keras):
        owner = self
        self.stopped = False

        class Callback(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                loss = (logs or {}).get("loss")
                if loss is not None and not np.isfinite(float(loss)):
                    owner.stopped = True
                    self.model.stop_training = True

        self.callback = Callback()


def build_training_state(model, batch_spec):
    """Create a built ``model``'s optimizer, loss and metric variables before its training
    step is traced, from ``batch_spec`` (the training batches' ``element_spec``).

    Under TensorFlow without a distribution strategy, Keras creates them inside the first
    trace of the training step, and ``tf.function`` then traces the step a second time
    without them. Keras's own symbolic build (what it runs under the JAX and torch backends
    and under a strategy) creates them first, so the step is traced once. The numbers are the
    same; a small fit is faster (the common checks' tiny KerasMLP fit on 30 or 200 rows, 8
    epochs: 0.3-0.5 s after a process's first fit instead of 0.5-1.0 s, 2-core AMD EPYC with
    AVX512-BF16). The method is private to Keras, so a Keras without it, an unbuilt model
    (built by the trace, with the errors Keras gives there) or a model under a strategy
    (Keras builds it itself) is left to Keras.
    """
    symbolic_build = getattr(model, "_symbolic_build", None)
    if symbolic_build is None or not model.built or model._distribute_strategy is not None:
        return
    symbolic_build(data_batch=batch_spec)


def fit_network(
    keras,
    model,
    arrays,
    *,
    batch_size,
    epochs,
    seed,
    validation,
    callbacks,
    verbose,
    shift_pixels=0,
):
    """Train a compiled ``model`` on ``arrays`` (inputs, targets[, weights]) for ``epochs``.

    Under TensorFlow the batches come from one endless shuffled ``tf.data`` pipeline for the
    whole fit (Keras then keeps its iterator from epoch to epoch instead of building one per
    epoch; the pipeline shuffles, so Keras must not); other backends get the arrays, or with
    ``shift_pixels`` (random whole-pixel shifts of training images) a ``PyDataset``. Training
    stops after an epoch whose loss is not finite. Returns ``(history, stopped)``: Keras's
    per-epoch history dict, and whether a non-finite loss stopped it.
    """
    X = arrays[0]
    steps = math.ceil(len(X) / batch_size)
    batches = shuffled_batches(keras, arrays, batch_size, seed, shift_pixels)
    if batches is None and shift_pixels:
        data = {"x": shifted_array_batches(keras, arrays, batch_size, seed, shift_pixels)}
    elif batches is None:
        weights = arrays[2] if len(arrays) == 3 else None
        data = {"x": X, "y": arrays[1], "sample_weight": weights, "batch_size": batch_size}
        data["shuffle"] = True
    else:
        data = {"x": batches, "steps_per_epoch": steps, "shuffle": False}
        build_training_state(model, batches.element_spec)
    stopped = StopOnNonFiniteLoss(keras)
    with releasing_custom_gradients():
        history = model.fit(
            **data,
            epochs=epochs,
            validation_data=validation,
            validation_batch_size=max(batch_size, 512),
            callbacks=[*callbacks, stopped.callback],
            verbose=verbose,
        )
    return history.history, stopped.stopped


def training_callbacks(keras, callbacks, *, early_stopping, patience, has_validation):
    """A fit's callbacks: fresh copies of the user's, then early stopping (on the validation
    loss where there is validation data) when asked for."""
    chosen = []
    for index, callback in enumerate(callbacks or []):
        if not isinstance(callback, keras.callbacks.Callback):
            raise TypeError(
                f"callbacks[{index}] is a {type(callback).__name__}, not a "
                "keras.callbacks.Callback; pass instances such as "
                "keras.callbacks.ModelCheckpoint(...)."
            )
        # A fresh copy per fit: a callback binds to the model it trains (set_model) and
        # keeps state (best value, wait counters); the user's instance stays untouched.
        chosen.append(copy.deepcopy(callback))
    if early_stopping:
        chosen.append(
            keras.callbacks.EarlyStopping(
                monitor="val_loss" if has_validation else "loss",
                patience=patience,
                restore_best_weights=True,
            )
        )
    return chosen


def predict_network(model, rows, batch_size):
    """The network's outputs for ``rows``, as a NumPy array.

    Rows that fit in one batch go through the network itself, as Keras advises:
    ``Model.predict`` sets up a data pipeline and a predict loop each time, 60-80 ms per call
    on 300 rows against 2-3 ms (KerasMLP, 2-core Xeon), for the same numbers, which adds up
    in cross-validation and scoring loops.
    """
    with releasing_custom_gradients():
        if len(rows) <= batch_size:
            keras = import_keras()
            return keras.ops.convert_to_numpy(model(rows, training=False))
        return model.predict(rows, batch_size=batch_size, verbose=0)


def non_finite_loss_error(owner, epoch, learning_rate, input_max):
    """The error of a fit whose training loss became nan or infinite at ``epoch``."""
    return FloatingPointError(
        f"{owner}: the training loss became nan or infinite (epoch {epoch}), so the network's "
        "weights are no longer numbers and nothing was fitted. Likely causes: a learning rate "
        f"too high for the optimizer (learning_rate={learning_rate!r}), inputs far from [0, 1] "
        f"(this fit's reached {input_max:.3g} before scaling), or extreme sample or class "
        "weights. Lower the learning rate or scale the inputs and fit again."
    )
