"""
HOG features and an MLP in one pipeline
=======================================

The lab reports' idiom, as they write it: ``Pipeline([HOGTransformer(), KerasMLP()])``. The HOG
step computes exactly scikit-image's features for the whole batch at once; the network is a
true scikit-learn classifier.
"""

import time

from mnistkit import Pipeline
from mnistkit.datasets import load_mnist_splits
from mnistkit.feature_extraction import HOGTransformer, hog_features
from mnistkit.neural_network import KerasMLP
from mnistkit.plotting import plot_hog, plot_learning_curves

splits = load_mnist_splits()
X_train, y_train = splits.train.data[:20_000], splits.train.target[:20_000]

# %%
# HOG of 20,000 images (the lab setting: 8 orientations, 4x4 cells, no blocks).
start = time.perf_counter()
features = hog_features(
    splits.train.images[:20_000], orientations=8, pixels_per_cell=(4, 4), cells_per_block=(1, 1)
)
print(f"{features.shape[1]} features per image in {time.perf_counter() - start:.2f} s")

# %%
# What HOG sees.
plot_hog(splits.train.images, orientations=8, n_images=4)

# %%
# The pipeline, with unnamed steps; validation on the last 10% to watch for overfitting.
model = Pipeline(
    [
        HOGTransformer(orientations=8, pixels_per_cell=(4, 4), cells_per_block=(1, 1)),
        KerasMLP((300,), dropout=0.5, epochs=8, validation_fraction=0.1, random_state=0),
    ]
).fit(X_train, y_train)
print(
    f"test accuracy {model.score(splits.test.data, splits.test.target):.4f}, "
    f"{model[-1].n_parameters_:,} weights"
)
plot_learning_curves(model[-1].history_, metric="accuracy")
