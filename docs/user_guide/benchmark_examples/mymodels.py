"""A network of one's own, beside the suite that runs it (my-network.toml)."""

import keras


def small_cnn(filters=16, width=64):
    """A convolution, a pooling and a dense layer; KerasClassifier adds the softmax output."""
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Conv2D(filters, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(width, activation="relu"),
        ]
    )
