"""Importing Keras quietly and on demand, so that ``import mnistkit`` never imports TensorFlow."""

import functools

from ..utils._quiet import quiet_native_import

__all__ = ["import_keras"]


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
