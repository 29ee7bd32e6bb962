"""The Keras runtime: importing it quietly and on demand (``import mnistkit`` never imports
TensorFlow), the number format a network computes in, and a TensorFlow memory workaround."""

import contextlib
import functools

from ..utils._quiet import quiet_native_import

__all__ = [
    "cpu_has_native_bfloat16",
    "dtype_policy",
    "import_keras",
    "releasing_custom_gradients",
    "resolve_precision",
]


@functools.cache
def import_keras():
    """Import and return Keras 3 with the backend's start-up noise silenced.

    Honours ``KERAS_BACKEND`` (TensorFlow by default). Python-level errors still propagate.
    """
    with quiet_native_import():
        import keras

        if keras.backend.backend() == "tensorflow":
            import tensorflow as tf

            tf.get_logger().setLevel("ERROR")
    return keras


@functools.cache
def cpu_has_native_bfloat16():
    """Whether the CPU has bfloat16 instructions (Linux: ``avx512_bf16`` or ``amx_bf16``)."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return bool(flags & {"avx512_bf16", "amx_bf16"})
    except OSError:
        pass
    return False


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
    if keras.backend.backend() != "tensorflow" or not cpu_has_native_bfloat16():
        return "float32"
    import tensorflow as tf

    return "float32" if tf.config.list_physical_devices("GPU") else "mixed_bfloat16"
