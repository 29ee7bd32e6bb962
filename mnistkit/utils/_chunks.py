"""Running a GIL-free kernel over a batch in chunks, on threads."""

from joblib import Parallel, delayed, effective_n_jobs

__all__ = ["run_chunks"]


def run_chunks(function, n_samples, chunk_size, n_jobs):
    """Call ``function(start, stop)`` on consecutive chunks, on ``n_jobs`` threads.

    The numba kernels release the GIL, so threads share the cores without copying the batch.

    Examples
    --------
    >>> from mnistkit.utils._chunks import run_chunks
    >>> seen = []
    >>> run_chunks(lambda start, stop: seen.append((start, stop)), 5, 2, n_jobs=None)
    >>> seen
    [(0, 2), (2, 4), (4, 5)]
    """
    chunks = [
        (start, min(start + chunk_size, n_samples)) for start in range(0, n_samples, chunk_size)
    ]
    if effective_n_jobs(n_jobs) == 1 or len(chunks) == 1:
        for start, stop in chunks:
            function(start, stop)
    else:
        Parallel(n_jobs=n_jobs, backend="threading")(
            delayed(function)(start, stop) for start, stop in chunks
        )
