"""
Grid search over a CNN
======================

:class:`~mnistkit.neural_network.KerasCNN` takes its architecture as explicit parameters, so a
grid over filters or dropout is an ordinary ``GridSearchCV`` grid, cross-validated with
stratified folds because the network is a classifier. Small data and few epochs keep this
example quick.
"""

import pandas as pd
from sklearn.model_selection import GridSearchCV

from mnistkit.datasets import load_mnist
from mnistkit.neural_network import KerasCNN
from mnistkit.plotting import TrainingHistoryDisplay

X, y = load_mnist(return_X_y=True)
X, y = X[:3000], y[:3000]

search = GridSearchCV(
    KerasCNN(epochs=3, random_state=0),
    {"filters": [(8, 16), (16, 32, 64)], "dense_dropout": [0.2, 0.5]},
    cv=2,
).fit(X, y)

table = pd.DataFrame(search.cv_results_)[
    ["param_filters", "param_dense_dropout", "mean_test_score", "mean_fit_time"]
]
print(table.sort_values("mean_test_score", ascending=False).to_string(index=False))
print("best:", search.best_params_, f"({search.best_estimator_.n_parameters_:,} parameters)")

# %%
# Cross-validated accuracy of each configuration.
labels = [
    f"filters={row.param_filters}, dropout={row.param_dense_dropout}" for row in table.itertuples()
]
ax = table.assign(configuration=labels).plot.barh(
    x="configuration", y="mean_test_score", legend=False
)
ax.set_xlabel("mean cross-validated accuracy")

# %%
# The best network, refitted on all 3,000 images: its loss per epoch.
TrainingHistoryDisplay.from_estimator(search.best_estimator_)
