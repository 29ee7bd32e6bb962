"""KerasClassifier: your own Keras network as a scikit-learn classifier.

The network is the part between the input and the classifier head: the estimator adds the
output layer (a softmax over the classes, or one sigmoid unit for two), the loss, the
optimizer and schedule, and everything else the shared base gives :class:`KerasMLP` and
:class:`KerasCNN`.

The build function's arguments are estimator parameters under the ``model__`` prefix, like
scikeras's, but they are *declared*: they are the function's own named arguments, read from its
signature, so ``set_params(model__untis=64)`` (a typo) is an error that lists the valid
names instead of an argument silently swallowed by ``**kwargs``.
"""

import inspect
import sys

import numpy as np

from ._base import BaseKerasClassifier
from ._layers import parameter_counts
from ._parameters import TRAINING_PARAMETER_CONSTRAINTS, document_training_parameters
from ._trained import declared_input_shape, output_kind, trained_shapes

__all__ = ["KerasClassifier"]

#: Build-function arguments the estimator fills in itself (from the training data).
SUPPLIED_ARGUMENTS = ("input_shape",)
#: Final activations that mean the network already ends with a classifier head.
HEAD_ACTIVATIONS = ("softmax", "sigmoid", "log_softmax")


def _keras_model_class():
    """keras.Model if Keras is imported (a network can only exist if it is), else None."""
    keras = sys.modules.get("keras")
    return getattr(keras, "Model", None) if keras is not None else None


def _is_network(value):
    model_class = _keras_model_class()
    return model_class is not None and isinstance(value, model_class)


def build_arguments(model):
    """The declared arguments of a build function: ``{name: default or inspect._empty}``.

    Raises for functions whose arguments cannot be declared (``*args``, ``**kwargs``).
    """
    name = getattr(model, "__name__", type(model).__name__)
    try:
        signature = inspect.signature(model)
    except (TypeError, ValueError):
        raise TypeError(f"model: cannot read the arguments of {name!r}.") from None
    arguments = {}
    for parameter in signature.parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise TypeError(
                f"model: the build function {name}() takes "
                f"{'*' if parameter.kind is parameter.VAR_POSITIONAL else '**'}{parameter.name}; "
                "KerasClassifier routes model__<argument> parameters by name and needs every "
                "argument named, so that a misspelt one is an error rather than silently "
                "swallowed. Name the arguments explicitly."
            )
        arguments[parameter.name] = parameter.default
    return arguments


def _check_model(model):
    """Raise unless ``model`` is None, a Keras network or a callable building one."""
    if model is None or _is_network(model):
        return
    if not callable(model):
        raise TypeError(
            f"model must be a function returning a keras.Model, or a keras.Model; got "
            f"{type(model).__name__}."
        )


@document_training_parameters
class KerasClassifier(BaseKerasClassifier):
    """Your own Keras network as a scikit-learn classifier.

    ``model`` is either a function that builds the network or an uncompiled ``keras.Model``
    that each ``fit`` clones with fresh weights. The network maps one sample to a flat feature
    vector; the classifier adds the output layer (``Dense(n_classes, "softmax")``, or one
    sigmoid unit for two classes), so the same network serves any number of classes and
    ``classes_`` can be any labels. Everything :class:`KerasMLP` and :class:`KerasCNN` have
    comes from the same base: optimizer, learning-rate schedule, early stopping on a
    stratified hold-out, ``class_weight`` and ``sample_weight`` (routable), callbacks,
    ``history_``, parameter counts, ``partial_fit``, ``warm_start``, :meth:`save` /
    :meth:`load` and pickling.

    The build function's arguments are parameters of the estimator named ``model__<argument>``
    (``get_params`` lists them with their defaults; ``set_params`` and ``GridSearchCV`` set
    them); their values live in ``model_params``. Only arguments the function declares by name
    are accepted. An argument named ``input_shape`` receives the shape of one training sample.

    Parameters
    ----------
    model : callable or keras.Model, default=None
        A function returning a ``keras.Model`` (or a layer) from its named arguments, or an
        uncompiled network to clone. Its output must be flat (end it with ``Flatten`` or
        ``GlobalAveragePooling2D``) and must not be a softmax or sigmoid head: the classifier
        adds that. Inputs reach it in the layout of X; if the network declares an input shape
        with as many values as X's rows (for example ``(28, 28, 1)`` for flat 784-pixel
        rows), the rows are reshaped to it.
    model_params : dict, default=None
        Arguments for the build function, by name; set one with ``model__<argument>=value``.
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
        Number of values per sample seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``, when X has string column names.
    input_shape_ : tuple of int
        The shape of one sample as the network takes it.
    precision_ : str
        The precision the network was built with (``precision="auto"`` resolved).
    model_ : keras.Model
        The trained network, output layer included.
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
    KerasMLP : the same base with a dense network built from parameters.
    KerasCNN : the same base with a convolutional network built from parameters.

    Examples
    --------
    >>> import keras
    >>> from mnistkit.datasets import load_mnist
    >>> from mnistkit.neural_network import KerasClassifier
    >>> def small_net(width=32, dropout=0.0):
    ...     return keras.Sequential([keras.layers.Dense(width, activation="relu"),
    ...                              keras.layers.Dropout(dropout)])
    >>> clf = KerasClassifier(small_net, model_params={"width": 16}, epochs=2, random_state=0)
    >>> clf.get_params()["model__dropout"]
    0.0
    >>> X, y = load_mnist(subset="test", return_X_y=True)
    >>> clf.set_params(model__width=64).fit(X[:1000], y[:1000]).n_parameters_
    50890
    >>> clf.set_params(model__widht=8)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Invalid parameter model__widht for KerasClassifier: small_net() has no ...
    """

    _parameter_constraints: dict = {
        "model": [None, callable],
        "model_params": [None, dict],
        **TRAINING_PARAMETER_CONSTRAINTS,
    }

    def __init__(
        self,
        model=None,
        *,
        model_params=None,
        optimizer="adam",
        loss=None,
        metrics=None,
        target_encoding="auto",
        learning_rate=None,
        learning_rate_schedule="cosine",
        warmup_epochs=0.0,
        momentum=0.9,
        batch_size=128,
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
        self.model = model
        self.model_params = model_params
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

    # --- model__<argument> parameters ---------------------------------------------------------

    def _build_arguments(self):
        """The build function's routable arguments and defaults; {} for a network."""
        _check_model(self.model)
        if self.model is None or _is_network(self.model):
            return {}
        arguments = build_arguments(self.model)
        for supplied in SUPPLIED_ARGUMENTS:
            arguments.pop(supplied, None)
        return arguments

    def _model_name(self):
        return f"{getattr(self.model, '__name__', type(self.model).__name__)}()"

    def _check_model_params(self, names, *, prefix=""):
        arguments = self._build_arguments()
        for name in names:
            if name in arguments:
                continue
            if name in SUPPLIED_ARGUMENTS:
                reason = f"{name} is filled in from the training data, not set by hand"
            elif self.model is None:
                reason = "model is None: set model to a build function first"
            elif _is_network(self.model):
                reason = "model is a keras.Model, which has no build arguments"
            else:
                listed = ", ".join(arguments) or "none"
                reason = f"{self._model_name()} has no argument {name!r}. Its arguments: {listed}"
            raise ValueError(
                f"Invalid parameter {prefix}{name} for {type(self).__name__}: {reason}."
            )

    def get_params(self, deep=True):
        """Get parameters; with ``deep=True`` also each build argument as ``model__<name>``.

        Parameters
        ----------
        deep : bool, default=True
            Include the build function's arguments (given or default).

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        params = super().get_params(deep=False)
        if deep and callable(self.model) and not _is_network(self.model):
            try:
                arguments = self._build_arguments()
            except TypeError:  # get_params never raises; fit and set_params say what is wrong
                arguments = {}
            given = self.model_params if isinstance(self.model_params, dict) else {}
            for name, default in arguments.items():
                value = given.get(name, default)
                if value is not inspect.Parameter.empty or name in given:
                    params[f"model__{name}"] = value
        return params

    def set_params(self, **params):
        """Set parameters; ``model__<name>`` sets one argument of the build function.

        Parameters
        ----------
        **params : dict
            Estimator parameters, and ``model__<argument>`` entries.

        Returns
        -------
        self : KerasClassifier
            This estimator.
        """
        routed = {
            key[len("model__") :]: value
            for key, value in params.items()
            if key.startswith("model__")
        }
        others = {key: value for key, value in params.items() if not key.startswith("model__")}
        if others:
            super().set_params(**others)  # a new ``model`` first: its arguments then apply
        if routed:
            self._check_model_params(routed, prefix="model__")
            given = self.model_params if isinstance(self.model_params, dict) else {}
            self.model_params = {**given, **routed}
        return self

    # --- A network trained elsewhere ------------------------------------------------------------

    @classmethod
    def from_trained(
        cls, model, *, classes, rescale=False, outputs="auto", input_shape=None, **params
    ):
        """Wrap a trained Keras network, its own output layer included, as a fitted classifier.

        The result predicts, scores, evaluates (``evaluate_estimator``), draws (the plots'
        ``from_estimator``), saves and loads like a classifier fitted here. It is compiled
        with the estimator's optimizer, loss and metrics, so a ``fit`` with
        ``warm_start=True`` fine-tunes the network (``history_`` then records that training);
        a fit without it, or a clone, needs ``model=`` a build function, as any unfitted
        KerasClassifier does.

        Parameters
        ----------
        model : keras.Model
            The trained network: one input, and an output of one softmax unit per class (or
            one sigmoid unit for two classes). It is copied (weights included) where Keras can
            clone it, so fine-tuning leaves the given network as it was; a subclassed model is
            used as it is.
        classes : array-like of shape (n_classes,)
            The label of each output unit, in the output's order, sorted (as scikit-learn
            keeps ``classes_``; for the digits, ``range(10)``). For one sigmoid unit, the
            label of 0 and that of 1.
        rescale : bool, default=False
            Whether inputs are divided by 255 before they reach the network: True for a
            network trained on pixels/255 that you will give 0-255 pixels.
        outputs : {"auto", "probabilities", "logits"}, default="auto"
            What the network's output is. ``"auto"`` reads its last layer: a softmax (or one
            sigmoid unit) gives probabilities, a linear layer (``Dense`` with no activation)
            gives logits; any other activation, or a network whose last layer cannot be read
            (a subclassed model), is refused until this is said. Logits get a softmax (one
            sigmoid for one unit) appended, so predictions, probabilities, fine-tuning and
            saving see probabilities.
        input_shape : tuple of int, default=None
            The shape of one sample, where the network does not declare it: a subclassed
            model, or an input of variable size (``keras.Input((None, 28))``). ``None``: the
            shape the network's input declares.
        **params : dict
            Other parameters of the classifier (``optimizer``, ``batch_size``, ``epochs``,
            ``warm_start``, ...), used for predicting in batches and for fine-tuning.

        Returns
        -------
        classifier : KerasClassifier
            Fitted.

        Examples
        --------
        >>> import keras
        >>> from mnistkit.datasets import load_mnist
        >>> from mnistkit.neural_network import KerasClassifier
        >>> X, y = load_mnist(subset="test", return_X_y=True)
        >>> net = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10, "softmax")])
        >>> net.compile("adam", "sparse_categorical_crossentropy")
        >>> _ = net.fit(X[:1000] / 255, y[:1000], epochs=2, verbose=0)
        >>> clf = KerasClassifier.from_trained(net, classes=range(10), rescale=True)
        >>> clf.predict(X[:3]).shape, clf.classes_.tolist() == list(range(10))
        ((3,), True)
        """
        from ._backend import import_keras

        keras = import_keras()
        if not isinstance(model, keras.Model):
            raise TypeError(
                f"from_trained needs a trained keras.Model; got {type(model).__name__}."
            )
        if isinstance(rescale, str) or not isinstance(rescale, bool | np.bool_):
            raise ValueError(
                f"from_trained: rescale must be True or False (whether the network takes "
                f"pixels/255); got {rescale!r}."
            )
        estimator = cls(rescale=bool(rescale), **params)
        estimator._validate_params()
        labels = np.asarray(list(classes))
        if labels.ndim != 1 or len(labels) < 2 or len(np.unique(labels)) != len(labels):
            raise ValueError(
                f"classes must list at least two distinct labels, one per output unit; got "
                f"{labels.tolist()!r}."
            )
        if not (np.sort(labels) == labels).all():
            raise ValueError(
                f"classes must be sorted (scikit-learn keeps classes_ sorted and reads "
                f"output i as classes_[i]); got {labels.tolist()!r}. Reorder the network's "
                "output units, or pass labels that sort in the output's order."
            )
        input_shape, units = trained_shapes(keras, model, input_shape)
        if units != (1 if len(labels) == 2 else len(labels)) and units != len(labels):
            raise ValueError(
                f"{model.name!r} has {units} output units but classes lists {len(labels)} "
                "labels: give one label per output unit (two for one sigmoid unit)."
            )
        kind = output_kind(keras, model, units, outputs)
        try:
            network = keras.models.clone_model(model)
            network.set_weights(model.get_weights())
        except (TypeError, ValueError, NotImplementedError):
            network = model  # subclassed: cannot be cloned
        if kind == "logits":
            dtype = model.inputs[0].dtype if hasattr(model, "inputs") else "float32"
            inputs = keras.Input(shape=input_shape, dtype=dtype)
            head = keras.layers.Activation(
                "sigmoid" if units == 1 else "softmax", dtype="float32", name="probabilities"
            )
            network = keras.Model(inputs, head(network(inputs)), name=f"{model.name}_probabilities")
        estimator.classes_ = labels
        estimator.multilabel_ = False
        estimator.input_shape_ = input_shape
        estimator.n_features_in_ = int(np.prod(input_shape))
        estimator.input_scaled_ = bool(rescale)
        estimator.input_max_ = 255.0 if rescale else 1.0
        estimator.precision_ = str(getattr(model.dtype_policy, "name", "float32"))
        estimator.model_ = network
        estimator.history_ = {}
        estimator.n_iter_ = 0
        estimator.schedule_epochs_ = None
        estimator.parameter_counts_ = parameter_counts(network)
        estimator.n_parameters_ = int(network.count_params())
        estimator._compile(keras, 1, None)  # a constant rate: fine-tuning recompiles
        return estimator

    # --- Inputs and the network ---------------------------------------------------------------

    def _prepare_inputs(self, X, *, reset):
        # Samples of any shape (rows, images, sequences) are validated as flat rows, as
        # scikit-learn's checks expect, and handed to the network in their own shape.
        name = type(self).__name__
        shape = None
        if hasattr(X, "ndim") and X.ndim > 2:
            shape = tuple(int(side) for side in X.shape[1:])
            X = np.reshape(X, (X.shape[0], -1))
        X = super()._prepare_inputs(X, reset=reset)
        shape = shape or tuple(X.shape[1:])
        if reset:
            self.input_shape_ = shape
        elif shape != self.input_shape_ and len(shape) > 1:
            raise ValueError(
                f"{name} was fitted on samples of shape {self.input_shape_}; got {shape}."
            )
        # Flat rows of the right length are accepted for image-shaped training data.
        return X.reshape(len(X), *self.input_shape_)

    def _make_network(self, keras, input_shape):
        """Call the build function (or clone the network) and return the body."""
        if self.model is None:
            raise ValueError(
                "KerasClassifier needs a network: pass model=<a function returning a "
                "keras.Model> or model=<an uncompiled keras.Model>."
            )
        _check_model(self.model)
        if _is_network(self.model):
            if self.model_params:
                raise ValueError(
                    "model_params are arguments of a build function, but model is a "
                    "keras.Model; pass a function to route arguments."
                )
            try:
                return keras.models.clone_model(self.model)
            except (TypeError, ValueError, NotImplementedError) as exc:
                raise TypeError(
                    f"model: cannot clone {type(self.model).__name__} ({exc}). Subclassed "
                    "models cannot be cloned: pass a function that builds it instead."
                ) from None
        given = dict(self.model_params or {})
        self._check_model_params(given, prefix="model_params: ")
        arguments = build_arguments(self.model)
        if "input_shape" in arguments:
            given["input_shape"] = tuple(input_shape)
        missing = [
            name
            for name, default in arguments.items()
            if default is inspect.Parameter.empty and name not in given
        ]
        if missing:
            raise ValueError(
                f"{self._model_name()} needs the arguments {', '.join(missing)}: set them with "
                + ", ".join(f"model__{name}=..." for name in missing)
                + "."
            )
        network = self.model(**given)
        if not isinstance(network, keras.layers.Layer):
            raise TypeError(
                f"model: {self._model_name()} returned a {type(network).__name__}; it must "
                "return a keras.Model (or a keras layer)."
            )
        return network

    def _build_model(self, keras, input_shape):
        network = self._make_network(keras, input_shape)
        input_shape = tuple(input_shape)
        declared = declared_input_shape(network)
        if (
            declared is not None
            and declared != input_shape
            and (None in declared or int(np.prod(declared)) != int(np.prod(input_shape)))
        ):
            raise ValueError(
                f"The network takes inputs of shape {declared}, but the samples have shape "
                f"{input_shape} ({int(np.prod(input_shape))} values). Build it for the "
                "data's shape, or reshape X."
            )
        inputs = keras.Input(shape=input_shape, name="input")
        reshaped = (
            inputs
            if declared is None or declared == input_shape
            else keras.layers.Reshape(declared, name="reshape_input")(inputs)
        )
        if isinstance(network, keras.Sequential):
            # Rebuilt flat rather than nested, so parameter_counts_ lists its own layers.
            features = reshaped
            for layer in network.layers:
                features = layer(features)
        elif declared == input_shape:
            inputs, features = network.inputs[0], network.outputs[0]  # reused as it is
        else:
            features = network(reshaped)
        if len(features.shape) != 2:
            raise ValueError(
                f"The network's output has shape {tuple(features.shape)}; it must be flat "
                "(samples, features): end it with keras.layers.Flatten() or "
                "GlobalAveragePooling2D(). The classifier adds the output layer itself."
            )
        last = network.layers[-1] if getattr(network, "layers", None) else network
        activation = getattr(getattr(last, "activation", None), "__name__", None)
        if activation in HEAD_ACTIVATIONS:
            raise ValueError(
                f"The network ends with a {activation} activation ({last.name!r}): leave the "
                "output layer out. KerasClassifier adds it (one softmax unit per class, or one "
                "sigmoid unit for two classes) and the matching loss."
            )
        n_outputs, activation = self._head()
        outputs = keras.layers.Dense(
            n_outputs,
            activation=activation,
            name="output",
            dtype="float32",
        )(features)
        return keras.Model(inputs, outputs, name=network.name)
