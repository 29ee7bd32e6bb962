"""A scikit-learn Pipeline that also accepts unnamed steps.

``Pipeline([HOGTransformer(), KerasMLP()])`` works as users write it.
"""

from collections import Counter

from sklearn import pipeline as sklearn_pipeline

__all__ = ["Pipeline", "name_steps"]


def _is_named(step):
    return isinstance(step, tuple) and len(step) == 2 and isinstance(step[0], str)


def name_steps(steps):
    """Name unnamed steps as :func:`sklearn.pipeline.make_pipeline` does.

    Each unnamed estimator is named after its class in lower case; repeated names get ``-1``,
    ``-2``, ... suffixes. ``(name, estimator)`` pairs keep their name. A list that is already
    fully named is returned as the same object (scikit-learn's ``clone`` relies on it).

    Parameters
    ----------
    steps : list
        Estimators and/or ``(name, estimator)`` pairs.

    Returns
    -------
    steps : list of (str, estimator)

    Examples
    --------
    >>> from sklearn.preprocessing import StandardScaler
    >>> from mnistkit.pipeline import name_steps
    >>> [name for name, _ in name_steps([StandardScaler(), StandardScaler(), ("x", None)])]
    ['standardscaler-1', 'standardscaler-2', 'x']
    """
    if not isinstance(steps, list | tuple) or all(_is_named(step) for step in steps):
        # Already named, or not a list at all: scikit-learn validates the steps in fit.
        return steps
    derived = [None if _is_named(step) else type(step).__name__.lower() for step in steps]
    counts = Counter(name for name in derived if name is not None)
    seen = Counter()
    named = []
    for step, name in zip(steps, derived, strict=True):
        if name is None:
            named.append(step)
            continue
        if counts[name] > 1:
            seen[name] += 1
            name = f"{name}-{seen[name]}"
        named.append((name, step))
    return named


class Pipeline(sklearn_pipeline.Pipeline):
    """scikit-learn's :class:`~sklearn.pipeline.Pipeline`, also accepting unnamed steps.

    ``Pipeline([HOGTransformer(), KerasMLP()])`` names the steps ``hogtransformer`` and
    ``kerasmlp``, as :func:`~sklearn.pipeline.make_pipeline` would; ``(name, estimator)`` pairs
    work as usual. Everything else (``memory``, ``clone``, ``get_params``/``set_params`` with
    ``kerasmlp__hidden_layer_sizes``, ``GridSearchCV``) is scikit-learn's.

    Parameters
    ----------
    steps : list
        Estimators and/or ``(name, estimator)`` pairs; all but the last must be transformers.
    transform_input : list of str, default=None
        As in scikit-learn's Pipeline (metadata routing).
    memory : str or joblib.Memory, default=None
        Cache the fitted transformers.
    verbose : bool, default=False
        Print the time of each step.

    Attributes
    ----------
    named_steps : :class:`~sklearn.utils.Bunch`
        The steps by name.
    classes_ : ndarray of shape (n_classes,)
        The final classifier's classes.
    n_features_in_ : int
        Number of features seen by the first step.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from mnistkit import Pipeline
    >>> from mnistkit.feature_extraction import HOGTransformer
    >>> model = Pipeline([HOGTransformer(), LogisticRegression()])
    >>> list(model.named_steps)
    ['hogtransformer', 'logisticregression']
    >>> model = model.set_params(hogtransformer__orientations=8)
    >>> model.get_params()["hogtransformer__orientations"]
    8
    """

    def __init__(self, steps, *, transform_input=None, memory=None, verbose=False):
        super().__init__(
            name_steps(steps), transform_input=transform_input, memory=memory, verbose=verbose
        )

    def set_params(self, **params):
        """Set parameters; ``steps=`` may hold unnamed estimators too.

        Parameters
        ----------
        **params : dict
            Parameters of the pipeline or of its steps (``step__param``).

        Returns
        -------
        self : Pipeline
            This pipeline.
        """
        if "steps" in params:
            params["steps"] = name_steps(params["steps"])
        return super().set_params(**params)
