"""UMAP as a pipeline step, with its traps spelled out."""

__all__ = ["make_umap"]


def make_umap(
    n_components=2,
    *,
    n_neighbors=15,
    min_dist=0.0,
    metric="euclidean",
    random_state=None,
    n_jobs=-1,
):
    """Return a :class:`umap.UMAP` ready to be a pipeline step for clustering or plots.

    umap-learn's ``UMAP`` already follows the scikit-learn API (``fit``, ``transform``,
    ``get_params``), so mnistkit uses it as it is; this factory only chooses defaults that suit
    clustering MNIST (``min_dist=0`` packs clusters tightly, as umap-learn's clustering guide
    recommends) and documents two traps:

    - a fixed ``random_state`` makes UMAP reproducible but forces it onto one thread (umap-learn
      warns and ignores ``n_jobs``); leave it ``None`` for speed;
    - the first call in a process compiles numba code (several seconds), later calls do not.

    Parameters
    ----------
    n_components : int, default=2
        Embedding dimension.
    n_neighbors : int, default=15
        Size of the local neighbourhood.
    min_dist : float, default=0.0
        How tightly points may be packed.
    metric : str, default="euclidean"
        Input distance.
    random_state : int, default=None
        Seed; see the note on threads above.
    n_jobs : int, default=-1
        Threads, when ``random_state`` is None.

    Returns
    -------
    umap : umap.UMAP

    Examples
    --------
    >>> from mnistkit.decomposition import make_umap
    >>> make_umap(10).n_components
    10
    """
    from ..utils._quiet import quiet_native_import

    with quiet_native_import():  # umap-learn imports TensorFlow, which logs from C++
        from umap import UMAP

    return UMAP(
        n_components=n_components,
        n_neighbors=n_neighbors,
        min_dist=min_dist,
        metric=metric,
        random_state=random_state,
        n_jobs=1 if random_state is not None else n_jobs,
    )
