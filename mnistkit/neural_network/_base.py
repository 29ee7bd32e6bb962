"""The estimator shared by every Keras classifier, split into small overridable stages.

``fit`` = initialise (unless continuing a fitted network) -> train, in skorch's shape; each
stage is a method, so a subclass changes only the architecture
(:meth:`BaseKerasClassifier._hidden_layers` or :meth:`BaseKerasClassifier._build_model`) and
the input layout. What the stages use lives by reason to change: the training parameters'
constraints and documentation in ``_parameters.py``, the Keras runtime in ``_backend.py``,
layer helpers in ``_layers.py``, and the data rules (scaling, weights, hold-out, batches) in
``_data.py``.
"""

import copy
import math

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from ..utils._sklearn_compat import _fit_context
from ..utils._validation import check_numeric_array, sorted_labels
from ._backend import dtype_policy, import_keras, releasing_custom_gradients, resolve_precision
from ._data import (
    check_sample_weight,
    class_weight_factors,
    hold_out,
    loss_weights,
    probabilities,
    scale_inputs,
    shuffled_batches,
)
from ._parameters import AUTO_MIN_EPOCHS, AUTO_MIN_STEPS, auto_epochs

__all__ = ["BaseKerasClassifier"]


class _StopOnNonFiniteLoss:
    """Stops training at the first batch whose loss is nan or infinite, and remembers it
    (Keras's ``TerminateOnNaN`` stops too, but does not say that it did)."""

    def __init__(self, keras):
        owner = self
        self.stopped = False

        class Callback(keras.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                loss = (logs or {}).get("loss")
                if loss is not None and not np.isfinite(float(loss)):
                    owner.stopped = True
                    self.model.stop_training = True

        self.callback = Callback()


class BaseKerasClassifier(ClassifierMixin, BaseEstimator):
    """Base class of mnistkit's Keras classifiers; not for direct use.

    Subclasses define ``_parameter_constraints``, ``__init__`` (and may change
    ``_auto_min_epochs`` and ``_auto_min_steps``, the fewest epochs and gradient steps
    ``epochs="auto"`` trains) and
    :meth:`_hidden_layers`, and may override :meth:`_prepare_inputs` and
    :meth:`_check_architecture`.
    """

    #: The fewest epochs ``epochs="auto"`` trains for (the full-MNIST recipe's budget).
    _auto_min_epochs = AUTO_MIN_EPOCHS
    #: The fewest gradient steps ``epochs="auto"`` trains for (small data sets).
    _auto_min_steps = AUTO_MIN_STEPS

    # --- Step 1: inputs ---------------------------------------------------------------------

    def _scale(self, X, *, reset):
        """Convert to float32, dividing by 255 as decided on the training data (``rescale``;
        see :func:`~mnistkit.neural_network._data.scale_inputs`)."""
        trained = None if reset else (self.input_scaled_, self.input_max_)
        X, scaled, largest = scale_inputs(
            X, self.rescale, trained=trained, owner=type(self).__name__
        )
        if reset:
            self.input_scaled_, self.input_max_ = scaled, largest
        return X

    def _prepare_inputs(self, X, *, reset):
        """Validate X and return the float32 array the network takes (flat rows here)."""
        X = validate_data(self, check_numeric_array(X), reset=reset, dtype="numeric")
        return self._scale(X, reset=reset)

    def _check_architecture(self, input_shape):
        """Raise before training if the architecture cannot take inputs of this shape."""

    # --- Step 2: targets --------------------------------------------------------------------

    def _encode_targets(self, y, classes=None):
        name = type(self).__name__
        found = sorted_labels(y, "y")  # before the type check, which says only "unknown"
        check_classification_targets(y)
        if classes is None:
            classes = found
        else:
            given = np.asarray(classes)
            if given.ndim != 1:
                raise ValueError(f"classes must be a 1-d array of labels; got shape {given.shape}.")
            classes = sorted_labels(given, "classes")
            if len(classes) != len(given):
                repeated = sorted({str(v) for v in given.tolist() if given.tolist().count(v) > 1})
                raise ValueError(
                    f"classes lists labels more than once ({', '.join(repeated)}); list each "
                    "class once."
                )
            # classes_ is sorted, as scikit-learn's classifiers keep it: the order classes
            # were listed in never changes which output means which label.
        unknown = np.setdiff1d(found, classes)
        if len(unknown):
            raise ValueError(
                f"y has labels {unknown.tolist()} that are not among the classes "
                f"{classes.tolist()} this {name} was fitted with."
            )
        if len(classes) < 2:
            raise ValueError(
                f"{name} needs at least 2 classes in y to learn a classifier; "
                f"got only one class ({classes.tolist()})."
            )
        return classes, np.searchsorted(classes, y)

    def _loss_weights(self, codes, sample_weight):
        """Per-sample loss weights (``sample_weight`` times ``class_weight``), or None."""
        factors = class_weight_factors(self.class_weight, self.classes_, codes)
        return loss_weights(codes, sample_weight, factors)

    # --- Step 3: the network ----------------------------------------------------------------

    def _hidden_layers(self, keras):
        """Return the list of layers between the input and the output layer."""
        raise NotImplementedError

    def _build_model(self, keras, input_shape):
        n_outputs = 1 if len(self.classes_) == 2 else len(self.classes_)
        model = keras.Sequential(name=type(self).__name__.lower())
        model.add(keras.Input(shape=input_shape, name="input"))
        for layer in self._hidden_layers(keras):
            model.add(layer)
        activation = "sigmoid" if n_outputs == 1 else "softmax"
        # Probabilities in float32 whatever the precision (Keras's mixed-precision advice).
        model.add(
            keras.layers.Dense(n_outputs, activation=activation, name="output", dtype="float32")
        )
        return model

    def _make_optimizer(self, keras, steps_per_epoch, epochs):
        defaults = {"adam": 1e-3, "rmsprop": 1e-3, "sgd": 1e-2, "nadam": 1e-3}
        rate = self.learning_rate if self.learning_rate is not None else defaults[self.optimizer]
        if self.learning_rate_schedule == "cosine" and epochs is not None:
            total = max(1, steps_per_epoch * epochs)
            warmup = min(total - 1, round(self.warmup_epochs * steps_per_epoch))
            rate = keras.optimizers.schedules.CosineDecay(
                initial_learning_rate=rate / 10 if warmup else rate,
                decay_steps=max(1, total - warmup),
                warmup_target=rate if warmup else None,
                warmup_steps=warmup,
            )
        if self.optimizer == "sgd":
            return keras.optimizers.SGD(learning_rate=rate, momentum=self.momentum)
        return {
            "adam": keras.optimizers.Adam,
            "rmsprop": keras.optimizers.RMSprop,
            "nadam": keras.optimizers.Nadam,
        }[self.optimizer](learning_rate=rate)

    def _compile(self, keras, steps_per_epoch, epochs):
        binary = len(self.classes_) == 2
        self.model_.compile(
            optimizer=self._make_optimizer(keras, steps_per_epoch, epochs),
            loss="binary_crossentropy" if binary else "sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )

    # --- Step 4: training -------------------------------------------------------------------

    def _callbacks(self, keras, has_validation):
        callbacks = []
        for index, callback in enumerate(self.callbacks or []):
            if not isinstance(callback, keras.callbacks.Callback):
                raise TypeError(
                    f"callbacks[{index}] is a {type(callback).__name__}, not a "
                    "keras.callbacks.Callback; pass instances such as "
                    "keras.callbacks.ModelCheckpoint(...)."
                )
            # A fresh copy per fit: a callback binds to the model it trains (set_model) and
            # keeps state (best value, wait counters); the user's instance stays untouched.
            callbacks.append(copy.deepcopy(callback))
        if self.early_stopping:
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor="val_loss" if has_validation else "loss",
                    patience=self.patience,
                    restore_best_weights=True,
                )
            )
        return callbacks

    def _validation_seed(self):
        if self.random_state is None:
            return None
        # A seed of its own, drawn like the weights' seed, so the split is reproducible.
        return self._draw_seed() ^ 0x5EED

    def _training_data(self, X, y, sample_weight, *, reset, classes, validation_data, fraction):
        """Validate a fit's data and hold out its validation part.

        Returns ``(X, codes, loss_weights, validation)``: the training inputs, their class
        codes, their per-sample loss weights (or None) and the validation tuple for Keras (or
        None). ``reset`` starts a new fit (the input checks and ``classes_`` are set anew);
        ``fraction`` is the share held out when no ``validation_data`` is given.
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        X = self._prepare_inputs(X, reset=reset)
        self._check_architecture(X.shape[1:])
        y = column_or_1d(y, warn=True)
        if len(y) != len(X):
            raise ValueError(f"X has {len(X)} samples but y has {len(y)} labels.")
        if reset:
            self.classes_, codes = self._encode_targets(y, classes)
        else:
            _, codes = self._encode_targets(y, self.classes_)
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, len(X))
        if validation_data is not None:
            validation = self._given_validation(validation_data)
        else:
            validation = None
            split = hold_out(codes, len(self.classes_), fraction, self._validation_seed())
            if split is not None:
                # The hold-out keeps the user's sample weights (class weights weigh training
                # only, as Keras's class_weight does).
                train, held_out = split
                validation = (X[held_out], self._targets(codes[held_out]))
                if sample_weight is not None:
                    validation += (sample_weight[held_out],)
                    sample_weight = sample_weight[train]
                X, codes = X[train], codes[train]
        return X, codes, self._loss_weights(codes, sample_weight), validation

    def _given_validation(self, validation_data):
        """``fit``'s ``validation_data`` as Keras takes it, checked like the training data."""
        if not isinstance(validation_data, tuple | list) or len(validation_data) not in (2, 3):
            raise ValueError(
                "validation_data must be a tuple (X_val, y_val) or (X_val, y_val, "
                f"sample_weight_val); got {type(validation_data).__name__}."
            )
        X_val, y_val = validation_data[:2]
        X_val = self._prepare_inputs(X_val, reset=False)
        _, val_codes = self._encode_targets(column_or_1d(y_val), self.classes_)
        if len(val_codes) != len(X_val):
            raise ValueError(
                f"validation_data has {len(X_val)} inputs but {len(val_codes)} labels."
            )
        validation = (X_val, self._targets(val_codes))
        if len(validation_data) == 3:
            validation += (check_sample_weight(validation_data[2], len(X_val)),)
        return validation

    def _targets(self, codes):
        """What the network's loss takes: float 0/1 for one sigmoid unit, else class codes."""
        return codes.astype(np.float32) if len(self.classes_) == 2 else codes

    # --- Step 5: initialise, train ------------------------------------------------------------

    def _draw_seed(self):
        """A seed drawn from ``random_state`` (the same one each time for an int)."""
        return check_random_state(self.random_state).randint(0, 2**31 - 1)

    def _seed(self, keras):
        if self.random_state is not None:
            keras.utils.set_random_seed(int(self._draw_seed()))

    def _record_parameter_counts(self):
        def leaves(layers):  # the layers of nested networks, not the networks themselves
            for layer in layers:
                nested = getattr(layer, "layers", None)
                yield from leaves(nested) if nested is not None else [layer]

        self.parameter_counts_ = {
            layer.name: int(layer.count_params()) for layer in leaves(self.model_.layers)
        }
        self.n_parameters_ = int(self.model_.count_params())

    def _initialize(self, keras, input_shape, steps_per_epoch, schedule_epochs):
        """Build and compile a new network, with an empty history."""
        self._seed(keras)
        self.precision_ = resolve_precision(keras, self.precision)
        with dtype_policy(keras, self.precision_):
            self.model_ = self._build_model(keras, input_shape)
        self._compile(keras, steps_per_epoch, schedule_epochs)
        self.history_ = {}
        self._record_parameter_counts()

    def _train(self, keras, X, codes, weights, validation, epochs):
        """Train ``model_`` for ``epochs`` more epochs and extend ``history_``."""
        targets = self._targets(codes)
        seed = None
        if self.random_state is not None:
            # Reproducible, and a different order for each partial_fit / warm-started fit
            # (history_ is reset by a fresh fit and accumulates over continued ones).
            seed = int((self._draw_seed() + len(self.history_.get("loss", []))) % 2**31)
        parts = (X, targets) if weights is None else (X, targets, weights)
        batches = shuffled_batches(keras, parts, self.batch_size, seed)
        arrays = (
            {
                "x": X,
                "y": targets,
                "sample_weight": weights,
                "batch_size": self.batch_size,
                "shuffle": True,
            }
            if batches is None
            else {"x": batches, "shuffle": False}  # the pipeline shuffles (Keras warns otherwise)
        )
        stopped = _StopOnNonFiniteLoss(keras)
        with releasing_custom_gradients():
            history = self.model_.fit(
                **arrays,
                epochs=epochs,
                validation_data=validation,
                validation_batch_size=max(self.batch_size, 512),
                callbacks=[*self._callbacks(keras, validation is not None), stopped.callback],
                verbose=self.verbose,
            )
        for key, values in history.history.items():
            self.history_.setdefault(key, []).extend(float(value) for value in values)
        self.n_iter_ = len(self.history_.get("loss", []))
        losses = history.history.get("loss", [])
        if stopped.stopped or not np.isfinite(losses).all():
            message = (
                f"{type(self).__name__}: the training loss became nan or infinite (epoch "
                f"{len(losses)}), so the network's weights are no longer numbers and nothing "
                "was fitted. Likely causes: a learning rate too high for the optimizer "
                f"(learning_rate={self.learning_rate!r}), inputs far from [0, 1] (this fit's "
                f"reached {self.input_max_:.3g} before scaling), or extreme sample or class "
                "weights. Lower the learning rate or scale the inputs and fit again."
            )
            self._forget_fit()
            raise FloatingPointError(message)
        return self

    def _forget_fit(self):
        """Remove every fitted attribute: a failed fit leaves no fitted-looking estimator."""
        for name in [
            name for name in vars(self) if name.endswith("_") and not name.startswith("__")
        ]:
            delattr(self, name)

    def _epochs(self, n_samples):
        if self.epochs != "auto":
            return self.epochs
        return auto_epochs(n_samples, self.batch_size, self._auto_min_epochs, self._auto_min_steps)

    # --- Public API -------------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, *, sample_weight=None, validation_data=None):
        """Train the network.

        With ``warm_start=True`` and a fitted network, training continues for ``epochs`` more
        epochs (same optimizer state) instead of starting anew.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, height, width[, channels])
            Training inputs; uint8 pixels are divided by 255 (see ``rescale``).
        y : array-like of shape (n_samples,)
            Labels of any type; two classes train one sigmoid output, more a softmax.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss (multiplied with ``class_weight``). In a
            ``Pipeline`` or ``GridSearchCV`` it is routed with scikit-learn's metadata routing:
            ``sklearn.set_config(enable_metadata_routing=True)`` and
            ``estimator.set_fit_request(sample_weight=True)``.
        validation_data : tuple (X_val, y_val[, sample_weight_val]), default=None
            Data to compute validation loss and accuracy on after each epoch (and for early
            stopping). ``None`` holds out ``validation_fraction`` of X instead (stratified,
            seeded). Routable as fit metadata like ``sample_weight``.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        keras = import_keras()
        continuing = self.warm_start and hasattr(self, "model_")
        fraction = self.validation_fraction
        if fraction is None:
            fraction = 0.1 if self.early_stopping else 0.0
        X, codes, weights, validation = self._training_data(
            X,
            y,
            sample_weight,
            reset=not continuing,
            classes=None,
            validation_data=validation_data,
            fraction=fraction,
        )
        epochs = self._epochs(len(X))
        steps = math.ceil(len(X) / self.batch_size)
        if not continuing:
            self._initialize(keras, X.shape[1:], steps, epochs)
        elif self.learning_rate_schedule == "cosine":
            # A cosine schedule spans one call's epochs and ends at zero: a warm-started fit
            # starts a new one (and a new optimizer state).
            self._compile(keras, steps, epochs)
        self._schedule_epochs = epochs
        return self._train(keras, X, codes, weights, validation, epochs)

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train for one epoch, building the network on the first call.

        ``partial_fit`` trains with a constant learning rate: a schedule needs to know the
        number of epochs in advance.

        Parameters
        ----------
        X : array-like
            Training inputs.
        y : array-like of shape (n_samples,)
            Labels.
        classes : array-like of shape (n_classes,), default=None
            All classes; required on the first call unless y holds them all.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss.

        Returns
        -------
        self : object
            The estimator.
        """
        keras = import_keras()
        first = not hasattr(self, "model_")
        if first:
            self._validate_params()
        X, codes, weights, validation = self._training_data(
            X,
            y,
            sample_weight,
            reset=first,
            classes=classes,
            validation_data=None,
            fraction=self.validation_fraction or 0.0,
        )
        steps = math.ceil(len(X) / self.batch_size)
        if first:
            self._initialize(keras, X.shape[1:], steps, None)  # None: a constant learning rate
        elif self.learning_rate_schedule == "cosine" and self._schedule_epochs is not None:
            self._compile(keras, steps, None)  # after a cosine fit, go on at a constant rate
        self._schedule_epochs = None
        return self._train(keras, X, codes, weights, validation, 1)

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : array-like
            Inputs, in the layout used for fitting.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        check_is_fitted(self, "model_")
        X = self._prepare_inputs(X, reset=False)
        self._check_architecture(X.shape[1:])
        with releasing_custom_gradients():
            output = self.model_.predict(X, batch_size=max(self.batch_size, 512), verbose=0)
        return probabilities(output)

    def predict(self, X):
        """Predicted class labels.

        Parameters
        ----------
        X : array-like
            Inputs, in the layout used for fitting.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def save(self, path):
        """Save the fitted classifier to a ``.keras`` file, without pickle.

        The file is Keras's own format (``keras.saving.load_model(path)`` opens the network)
        with one more entry holding the estimator's parameters and fitted attributes
        (``classes_``, ``n_features_in_``, ``history_``, the input scaling, ...). Callbacks and
        a build function are not saved: they are code; pass them again to :meth:`load` to
        continue training. The file is written
        atomically: an interrupted save leaves an older file as it was.

        Parameters
        ----------
        path : str or path-like
            File name ending in ``.keras``.

        Returns
        -------
        path : pathlib.Path
            Where the classifier was written.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from mnistkit.datasets import load_mnist
        >>> from mnistkit.neural_network import KerasMLP
        >>> X, y = load_mnist(subset="test", return_X_y=True)
        >>> mlp = KerasMLP((32,), epochs=1, random_state=0).fit(X[:500], y[:500])
        >>> path = mlp.save(pathlib.Path(tempfile.mkdtemp()) / "mlp.keras")
        >>> again = KerasMLP.load(path)
        >>> bool((again.predict(X[:50]) == mlp.predict(X[:50])).all())
        True
        """
        check_is_fitted(self, "model_")
        from ._persistence import save_classifier

        return save_classifier(self, path)

    @classmethod
    def load(cls, path, **params):
        """Load a classifier written by :meth:`save`.

        With ``warm_start=True`` (``loaded.set_params(warm_start=True)``) a ``fit`` continues
        training the loaded network: resuming from a checkpoint.

        Parameters
        ----------
        path : str or path-like
            A ``.keras`` file written by :meth:`save` of this class.
        **params : dict
            Parameters to set on the loaded classifier: what :meth:`save` does not store
            because it is code (``callbacks``; ``model``, the build function of a
            :class:`KerasClassifier`). Predicting needs neither; a new ``fit`` does.

        Returns
        -------
        estimator
            Fitted, ready to predict.
        """
        from ._persistence import load_classifier

        return load_classifier(cls, path, params)

    def summary(self):
        """The network's layers, output shapes and parameter counts, as text."""
        check_is_fitted(self, "model_")
        lines = []
        self.model_.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
        return "\n".join(lines)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        tags.input_tags.three_d_array = True  # image batches (n, height, width[, channels])
        return tags
