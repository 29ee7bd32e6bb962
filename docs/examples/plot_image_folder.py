"""
A binary CNN on an image folder, with class weights
===================================================

The chest X-ray case: images in ``train/NORMAL`` and ``train/PNEUMONIA`` folders, imbalanced,
a binary CNN with balanced class weights, and F1 / sensitivity / specificity for the positive
class. The real images are not redistributable, so this example writes a small folder of
synthetic images of the same layout (bright blobs stand in for the disease).
"""

import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from mnistkit.datasets import load_image_folder
from mnistkit.metrics import evaluate_estimator
from mnistkit.neural_network import KerasCNN
from mnistkit.plotting import ConfusionMatrixDisplay, TrainingHistoryDisplay, plot_image_grid

rng = np.random.default_rng(0)
root = Path(tempfile.mkdtemp()) / "chest_xray"
for split, counts in {"train": (120, 360), "test": (40, 60)}.items():
    for name, count in zip(["NORMAL", "PNEUMONIA"], counts, strict=True):
        folder = root / split / name
        folder.mkdir(parents=True)
        for index in range(count):
            image = rng.normal(100, 20, (96, 96))
            if name == "PNEUMONIA":
                row, col = rng.integers(20, 76, 2)
                image[row - 12 : row + 12, col - 12 : col + 12] += 70
            Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(folder / f"{index}.png")

# %%
# Load, resized to 64x64 grayscale.
train = load_image_folder(root / "train", image_size=(64, 64))
test = load_image_folder(root / "test", image_size=(64, 64))
print(dict(zip(train.target_names, np.bincount(train.target), strict=True)))
plot_image_grid(train.images[::40], train.target_names[train.target[::40]], n_cols=6)

# %%
# Five conv blocks, one sigmoid output, balanced class weights.
names = train.target_names
model = KerasCNN(
    (8, 16, 16, 32, 32),
    dense_layer_sizes=(32,),
    class_weight="balanced",
    epochs=8,
    batch_size=32,
    random_state=0,
)
model.fit(train.images, names[train.target])
evaluation = evaluate_estimator(model, test.images, names[test.target], pos_label="PNEUMONIA")
print(evaluation)

# %%
# The confusion matrix of the two classes, and the training curves.
ConfusionMatrixDisplay(evaluation).plot()
TrainingHistoryDisplay.from_estimator(model, metric="accuracy")
