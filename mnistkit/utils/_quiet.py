"""Silencing the start-up logging of native libraries (TensorFlow via Keras or umap-learn)."""

import contextlib
import os
import sys

__all__ = ["quiet_native_import", "quiet_tensorflow_logs"]


def quiet_tensorflow_logs():
    """Ask TensorFlow's C++ logging for errors only, unless the user chose a level.

    Set in the environment, so that child processes (benchmark entries) inherit it.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@contextlib.contextmanager
def quiet_native_import():
    """Silence what C++ code writes to file descriptor 2 while a heavy library is imported.

    TensorFlow logs its start-up notices (absl, oneDNN, CUDA stubs) from C++ straight to
    descriptor 2, before any Python-level setting applies, and umap-learn imports TensorFlow
    when it is installed. Python exceptions still propagate; stderr is restored afterwards.
    """
    quiet_tensorflow_logs()
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real descriptor (e.g. an embedding host): do nothing
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
