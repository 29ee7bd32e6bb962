"""
Evaluate a model on MNIST: the report and the plots
===================================================

Train HOG features + logistic regression on MNIST, then read everything off the test
predictions with one call: accuracy, per-class precision / recall / specificity / F1, the
confusion matrix, the most-confused digit pairs, and the misclassified images. Finally compare
two models with McNemar's test.
"""

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.tree import DecisionTreeClassifier

from mnistkit.datasets import load_mnist_splits
from mnistkit.feature_extraction import HOGTransformer
from mnistkit.metrics import evaluate_estimator, mcnemar_test
from mnistkit.plotting import (
    ClassScoresDisplay,
    ConfusionMatrixDisplay,
    MisclassifiedDisplay,
)

splits = load_mnist_splits()
X_train, y_train = splits.train.data[:20_000], splits.train.target[:20_000]
X_test, y_test = splits.test.data, splits.test.target

# %%
# Train: HOG features (392 per image) feed a logistic regression.
model = make_pipeline(
    HOGTransformer(orientations=8, pixels_per_cell=(4, 4), cells_per_block=(1, 1)),
    LogisticRegression(max_iter=300),
).fit(X_train, y_train)

# %%
# Evaluate: one call gives every figure; print it as a text report.
evaluation = evaluate_estimator(model, X_test, y_test, images=splits.test.images)
print(evaluation)

# %%
# The same figures as a table (or ``evaluation.to_json()`` for a file).
print(evaluation.to_frame().round(4))

# %%
# Plots are displays, as in scikit-learn: build one from the evaluation (or straight from
# the model with ``from_estimator``) and ``plot`` it. In a notebook, a cell whose last line
# draws a plot shows it; ``display.figure_.savefig("confusion.png")`` writes it to a file.
ConfusionMatrixDisplay(evaluation).plot(normalize=True)

# %%
# Precision, recall and F1 of every digit.
ClassScoresDisplay(evaluation).plot()

# %%
# The first mistakes, captioned "true -> predicted".
MisclassifiedDisplay(evaluation).plot(n_images=20)

# %%
# Is the difference to a decision tree real? McNemar's test on the same test set.
tree = DecisionTreeClassifier(max_depth=12, random_state=0).fit(X_train, y_train)
result = mcnemar_test(y_test, model.predict(X_test), tree.predict(X_test))
print(
    f"HOG + logistic regression right where the tree is wrong: {result.only_a_correct}; "
    f"the reverse: {result.only_b_correct}; p-value {result.pvalue:.2e}"
)

# %%
# The tree's confusion matrix, straight from the model and the test set.
ConfusionMatrixDisplay.from_estimator(tree, X_test, y_test)
