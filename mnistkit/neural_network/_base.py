"""The estimator shared by every Keras classifier, split into small overridable stages.

``fit`` = initialise (unless continuing a fitted network) -> train, in skorch's shape; each
stage is a method, so a subclass changes only the architecture
(:meth:`BaseKerasClassifier._hidden_layers` or :meth:`BaseKerasClassifier._build_model`) and
the input layout. What the stages use lives by reason to change: the training parameters'
constraints and documentation in ``_parameters.py``, the Keras runtime in ``_backend.py``,
layer helpers in ``_layers.py``, and the data rules (scaling, weights, hold-out, batches) in
``_data.py``.
"""

import math

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils._sklearn_compat import _fit_context
from ..utils._validation import check_numeric_array
from ._backend import (
    dtype_policy,
    fit_network,
    import_keras,
    non_finite_loss_error,
    predict_network,
    resolve_precision,
    seeded_construction,
    steps_per_execution,
    training_callbacks,
)
from ._compile import make_loss, make_metrics, make_optimizer, target_encoding
from ._data import (
    check_sample_weight,
    class_weight_factors,
    encode_targets,
    given_validation,
    loss_targets,
    loss_weights,
    padded_rows,
    probabilities,
    scale_inputs,
    split_validation,
)
from ._layers import parameter_counts
from ._parameters import AUTO_MIN_EPOCHS, AUTO_MIN_STEPS, auto_epochs

__all__ = ["BaseKerasClassifier"]


class BaseKerasClassifier(ClassifierMixin, BaseEstimator):
    """Base class of mnistkit's Keras classifiers; not for direct use.

    Subclasses define ``_parameter_constraints``, ``__init__`` (and may change
    ``_auto_min_epochs`` and ``_auto_min_steps``, the fewest epochs and gradient steps
    ``epochs="auto"`` trains) and :meth:`_hidden_layers`, and may override
    :meth:`_prepare_inputs` and :meth:`_check_architecture`.
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

    def _encode_targets(self, y, classes=None, *, multilabel=None):
        """``(classes, codes)`` of ``y`` (see :func:`~._data.encode_targets`)."""
        return encode_targets(y, classes, multilabel=multilabel, owner=type(self).__name__)

    def _loss_weights(self, codes, sample_weight):
        """Per-sample loss weights (``sample_weight`` times ``class_weight``, scaled to mean 1
        over the training part), or None."""
        if self.class_weight is not None and codes.ndim == 2:
            raise ValueError(
                f"{type(self).__name__}: class_weight weighs the class of each sample, but "
                "multilabel y gives a sample several labels. Pass sample_weight instead."
            )
        factors = class_weight_factors(self.class_weight, self.classes_, codes)
        return loss_weights(codes, sample_weight, factors)

    def _loss_spec(self):
        """The loss to train with (a subclass may derive it from its own parameters)."""
        return self.loss

    def _head(self):
        """``(units, activation)`` of the output layer: one sigmoid unit for two classes, one
        per label for multilabel targets, else a softmax over the classes."""
        if getattr(self, "multilabel_", False):
            return len(self.classes_), "sigmoid"
        if len(self.classes_) == 2:
            return 1, "sigmoid"
        return len(self.classes_), "softmax"

    def _target_encoding(self, keras):
        """``"binary"``, ``"sparse"`` or ``"one-hot"``: what the loss and metrics take (see
        :func:`~._compile.target_encoding`); raises before training where they disagree."""
        n_outputs, _ = self._head()
        return target_encoding(
            keras,
            self._loss_spec(),
            self.metrics,
            n_outputs=n_outputs,
            multilabel=bool(getattr(self, "multilabel_", False)),
            encoding=self.target_encoding,
        )

    # --- Step 3: the network ----------------------------------------------------------------

    def _hidden_layers(self, keras):
        """Return the list of layers between the input and the output layer."""
        raise NotImplementedError

    def _build_model(self, keras, input_shape):
        n_outputs, activation = self._head()
        model = keras.Sequential(name=type(self).__name__.lower())
        model.add(keras.Input(shape=input_shape, name="input"))
        for layer in self._hidden_layers(keras):
            model.add(layer)
        # Probabilities in float32 whatever the precision (Keras's mixed-precision advice).
        model.add(
            keras.layers.Dense(n_outputs, activation=activation, name="output", dtype="float32")
        )
        return model

    def _compile(self, keras, steps_per_epoch, epochs, optimizer=None, *, fit_epochs=1):
        """Compile ``model_`` for a fit of ``fit_epochs`` with fresh copies of the
        optimizer (and schedule over ``epochs``; ``None``: a constant rate), the loss and the
        metrics; ``optimizer`` keeps a trained one (and its state) instead."""
        _, activation = self._head()
        if optimizer is None:
            optimizer = make_optimizer(
                keras,
                self.optimizer,
                learning_rate=self.learning_rate,
                momentum=self.momentum,
                schedule=self.learning_rate_schedule,
                warmup_epochs=self.warmup_epochs,
                steps_per_epoch=steps_per_epoch,
                epochs=epochs,
            )
        self.model_.compile(
            optimizer=optimizer,
            loss=make_loss(
                keras,
                self._loss_spec(),
                binary=activation == "sigmoid",
                one_hot=self._target_encoding(keras) == "one-hot",
            ),
            metrics=make_metrics(self.metrics),
            steps_per_execution=steps_per_execution(steps_per_epoch, self.callbacks, fit_epochs),
        )

    # --- Step 4: training -------------------------------------------------------------------

    def _callbacks(self, keras, has_validation):
        return training_callbacks(
            keras,
            self.callbacks,
            early_stopping=self.early_stopping,
            patience=self.patience,
            has_validation=has_validation,
        )

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
        if reset:
            self.classes_, codes = self._encode_targets(y, classes)
            self.multilabel_ = codes.ndim == 2
        else:
            _, codes = self._encode_targets(
                y, self.classes_, multilabel=getattr(self, "multilabel_", False)
            )
        if len(codes) != len(X):
            raise ValueError(f"X has {len(X)} samples but y has {len(codes)} labels.")
        self._target_encoding(import_keras())  # the loss and metrics fit these targets
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, len(X))
        if validation_data is not None:
            validation = given_validation(
                validation_data,
                lambda X_val: self._prepare_inputs(X_val, reset=False),
                lambda y_val: self._encode_targets(
                    y_val, self.classes_, multilabel=getattr(self, "multilabel_", False)
                )[1],
                self._targets,
            )
        else:
            X, codes, sample_weight, validation = split_validation(
                X,
                codes,
                sample_weight,
                self._targets,
                len(self.classes_),
                fraction,
                self._validation_seed(),
            )
        return X, codes, self._loss_weights(codes, sample_weight), validation

    def _targets(self, codes):
        """What the network's loss takes (:func:`~._data.loss_targets`)."""
        return loss_targets(codes, self._head()[0], self._target_encoding(import_keras()))

    # --- Step 5: initialise, train ------------------------------------------------------------

    def _draw_seed(self):
        """A seed drawn from ``random_state`` (the same one each time for an int)."""
        return check_random_state(self.random_state).randint(0, 2**31 - 1)

    def _initialize(self, keras, input_shape, steps_per_epoch, schedule_epochs, epochs):
        """Build and compile a new network for a fit of ``epochs``, with an empty history."""
        self.precision_ = resolve_precision(keras, self.precision)
        seed = None if self.random_state is None else int(self._draw_seed())
        with seeded_construction(keras, seed), dtype_policy(keras, self.precision_):
            self.model_ = self._build_model(keras, input_shape)
        self._compile(keras, steps_per_epoch, schedule_epochs, fit_epochs=epochs)
        self.history_ = {}
        self.parameter_counts_ = parameter_counts(self.model_)
        self.n_parameters_ = int(self.model_.count_params())

    def _train(self, keras, X, codes, weights, validation, epochs):
        """Train ``model_`` for ``epochs`` more epochs and extend ``history_``."""
        targets = self._targets(codes)
        seed = None
        if self.random_state is not None:
            # Reproducible, another order for each continued fit (history_ grows over them).
            seed = int((self._draw_seed() + len(self.history_.get("loss", []))) % 2**31)
        steps = math.ceil(len(X) / self.batch_size)
        if self.model_.steps_per_execution != steps_per_execution(steps, self.callbacks, epochs):
            # A continued fit of another data size or length: the trained optimizer kept.
            self._compile(keras, steps, None, self.model_.optimizer, fit_epochs=epochs)
        history, stopped = fit_network(
            keras,
            self.model_,
            (X, targets) if weights is None else (X, targets, weights),
            batch_size=self.batch_size,
            epochs=epochs,
            seed=seed,
            validation=validation,
            callbacks=self._callbacks(keras, validation is not None),
            verbose=self.verbose,
            shift_pixels=self._training_shift_pixels(),
        )
        for key, values in history.items():
            self.history_.setdefault(key, []).extend(float(value) for value in values)
        self.n_iter_ = len(self.history_.get("loss", []))
        losses = history.get("loss", [])
        if stopped or not np.isfinite(losses).all():
            error = non_finite_loss_error(
                type(self).__name__, len(losses), self.learning_rate, self.input_max_
            )
            self._forget_fit()
            raise error
        return self

    def _training_shift_pixels(self):  # random whole-pixel shifts of the training images
        return 0

    def _forget_fit(self):
        """Remove every fitted attribute: a failed fit leaves no fitted-looking estimator."""
        for name in [name for name in vars(self) if name.endswith("_") and name[:2] != "__"]:
            delattr(self, name)

    def _epochs(self, n_samples):
        if self.epochs != "auto":
            return self.epochs
        return auto_epochs(n_samples, self.batch_size, self._auto_min_epochs, self._auto_min_steps)

    def _fit(self, X, y, *, incremental, classes=None, sample_weight=None, validation_data=None):
        """The one training body of ``fit`` and ``partial_fit`` (scikit-learn's
        ``_fit(incremental)``).

        A fit trains ``epochs`` epochs under the learning-rate schedule, starting anew unless
        ``warm_start``; ``partial_fit`` (``incremental``) trains one epoch at a constant rate,
        building the network on its first call. ``schedule_epochs_`` is the schedule's state,
        decided here only: the epochs the current schedule spans, ``None`` for a constant rate.
        """
        keras = import_keras()
        continuing = hasattr(self, "model_") and (incremental or self.warm_start)
        fraction = self.validation_fraction
        if fraction is None:
            fraction = 0.1 if self.early_stopping and not incremental else 0.0
        X, codes, weights, validation = self._training_data(
            X,
            y,
            sample_weight,
            reset=not continuing,
            classes=classes,
            validation_data=validation_data,
            fraction=fraction,
        )
        epochs = 1 if incremental else self._epochs(len(X))
        # A schedule needs its epochs ahead: partial_fit trains at a constant rate.
        cosine = self.learning_rate_schedule == "cosine" and not incremental
        schedule_epochs = epochs if cosine else None
        steps = math.ceil(len(X) / self.batch_size)
        if not continuing:
            self._initialize(keras, X.shape[1:], steps, schedule_epochs, epochs)
        elif schedule_epochs is not None or getattr(self, "schedule_epochs_", None) is not None:
            # A cosine schedule spans one fit and ends at zero: a warm-started fit starts a new
            # one (and optimizer state); partial_fit, or "constant" set since, goes on flat.
            self._compile(keras, steps, schedule_epochs, fit_epochs=epochs)
        self.schedule_epochs_ = schedule_epochs
        return self._train(keras, X, codes, weights, validation, epochs)

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
        return self._fit(
            X, y, incremental=False, sample_weight=sample_weight, validation_data=validation_data
        )

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
        if not hasattr(self, "model_"):
            self._validate_params()  # fit validates through _fit_context; a first call here
        return self._fit(X, y, incremental=True, classes=classes, sample_weight=sample_weight)

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
        output = self._network_outputs(X)
        return probabilities(output[: len(X)], multilabel=getattr(self, "multilabel_", False))

    def _network_outputs(self, X):
        """The network's outputs (before any thresholding) for prepared inputs ``X``."""
        return predict_network(self.model_, padded_rows(X), max(self.batch_size, 512))

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
        if getattr(self, "multilabel_", False):
            return (proba >= 0.5).astype(np.int64)  # indicator rows, as MLPClassifier
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
    def load(cls, path, *, custom_objects=None, safe_mode=True, **params):
        """Load a classifier written by :meth:`save`.

        With ``warm_start=True`` (``loaded.set_params(warm_start=True)``) a ``fit`` continues
        training the loaded network: resuming from a checkpoint.

        Parameters
        ----------
        path : str or path-like
            A ``.keras`` file written by :meth:`save` of this class.
        custom_objects : dict, default=None
            Classes and functions the network (or an optimizer, loss or metric parameter)
            uses that Keras does not know by name: custom layers, losses, metrics, as
            ``{"MyLayer": MyLayer}``, exactly as ``keras.saving.load_model`` takes them.
        safe_mode : bool, default=True
            Keras's safe mode: a network with a ``Lambda`` layer holds code, which runs when
            it is loaded, so Keras refuses it unless this is False. Pass ``False`` only for a
            file you trust; it applies to this call alone (no global switch).
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

        return load_classifier(
            cls, path, params, custom_objects=custom_objects, safe_mode=safe_mode
        )

    def summary(self):
        """The network's layers, output shapes and parameter counts, as text."""
        check_is_fitted(self, "model_")
        lines = []
        self.model_.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
        return "\n".join(lines)

    def __sklearn_clone__(self):
        # A search clones each candidate (a process pool unpickles it) before timing its fit:
        # importing Keras here keeps TensorFlow's start-up (3.6 s of a 4.4 s first fit, 2-core
        # AMD EPYC, AVX512-BF16) out of the first candidate's fit time.
        import_keras()
        return super().__sklearn_clone__()

    def __setstate__(self, state):
        import_keras()
        super().__setstate__(state)

    def __getstate__(self):
        state = super().__getstate__()
        if state.get("model_") is not None:  # see PickledNetwork: unpickling names the extra
            from ._persistence import PickledNetwork

            state = {**state, "model_": PickledNetwork(state["model_"])}
        return state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        tags.classifier_tags.multi_label = True  # a 2-d indicator y: one sigmoid per label
        tags.input_tags.three_d_array = True  # image batches (n, height, width[, channels])
        return tags
