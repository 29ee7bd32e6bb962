"""
Your own network as a classifier: a small residual net
======================================================

:class:`~mnistkit.neural_network.KerasClassifier` turns a function that builds a Keras network
into a scikit-learn classifier. The function builds the part between the input and the output
layer; the classifier adds the output layer, loss, optimizer and schedule, and everything else
:class:`~mnistkit.neural_network.KerasCNN` has. The function's arguments become the estimator's
``model__<argument>`` parameters, so ``GridSearchCV`` tunes them like any other parameter, and a
misspelt one is an error instead of being ignored.
"""

import keras
import pandas as pd
from sklearn.model_selection import GridSearchCV, StratifiedShuffleSplit

from mnistkit.datasets import load_mnist
from mnistkit.neural_network import KerasClassifier
from mnistkit.plotting import ConfusionMatrixDisplay


def residual_net(input_shape, width=16, n_blocks=2):
    """A stem convolution and pooling, then ``n_blocks`` residual blocks, each followed by
    pooling."""
    inputs = keras.Input(input_shape)
    x = keras.layers.Reshape((28, 28, 1))(inputs)
    x = keras.layers.Conv2D(width, 3, padding="same", activation="relu")(x)
    x = keras.layers.MaxPooling2D(2)(x)  # the blocks work on 14x14 maps: 4 times fewer pixels
    for _ in range(n_blocks):
        shortcut = x
        x = keras.layers.Conv2D(width, 3, padding="same", activation="relu")(x)
        x = keras.layers.Conv2D(width, 3, padding="same")(x)
        x = keras.layers.Activation("relu")(keras.layers.Add()([x, shortcut]))
        x = keras.layers.MaxPooling2D(2)(x)
    return keras.Model(inputs, keras.layers.Flatten()(x))  # flat features: the head is added


X, y = load_mnist(return_X_y=True)
X, y = X[:2000], y[:2000]
X_test, y_test = load_mnist(subset="test", return_X_y=True)

# %%
# ``input_shape`` is filled in from the data; ``width`` and ``n_blocks`` are parameters. One
# stratified hold-out of a quarter of the images scores each network (a network's fits are
# costly; ``cv=5`` would fit each five times).
search = GridSearchCV(
    KerasClassifier(residual_net, batch_size=64, epochs=8, learning_rate=3e-3, random_state=0),
    {"model__width": [8, 16], "model__n_blocks": [1, 2]},
    cv=StratifiedShuffleSplit(n_splits=1, test_size=0.25, random_state=0),
).fit(X, y)
table = pd.DataFrame(search.cv_results_)[
    ["param_model__width", "param_model__n_blocks", "mean_test_score", "mean_fit_time"]
]
print(table.sort_values("mean_test_score", ascending=False).to_string(index=False))
best = search.best_estimator_
print(f"best: {search.best_params_}, {best.n_parameters_:,} parameters")
print(f"test accuracy on 10,000 images: {best.score(X_test, y_test):.4f}")

# %%
# The best network's mistakes on the test set.
ConfusionMatrixDisplay.from_estimator(best, X_test, y_test)
