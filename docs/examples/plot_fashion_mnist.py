"""
Fashion-MNIST with a CNN
========================

The same network on the harder data set (read from Debian's ``dataset-fashion-mnist``, or
downloaded once into the cache): clothes are confused in telling ways.
"""

from mnistkit.datasets import load_fashion_mnist
from mnistkit.metrics import evaluate_estimator
from mnistkit.neural_network import KerasCNN
from mnistkit.plotting import MisclassifiedDisplay, plot_confusion_matrix, plot_image_grid

train = load_fashion_mnist(subset="train")
test = load_fashion_mnist(subset="test")
names = list(train.target_names)

# %%
# Twenty training images with their class names.
plot_image_grid(train.images[:20], [names[label] for label in train.target[:20]])

# %%
# Three epochs of the default CNN on 12,000 images, without its shifted training images: the
# clothes are centred, and shifts that help digits cost them accuracy.
model = KerasCNN(epochs=3, shift_pixels=0, random_state=0).fit(
    train.data[:12_000], train.target[:12_000]
)
evaluation = evaluate_estimator(model, test.data, test.target, target_names=names)
print(evaluation)
plot_confusion_matrix(evaluation, normalize=True)

# %%
# The first mistakes, captioned "true -> predicted" (long names wrap onto two lines).
MisclassifiedDisplay(evaluation, test.images).plot(n_images=20)
