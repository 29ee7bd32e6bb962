"""
A grid search on a Dask cluster
===============================

scikit-learn's searches run through joblib, so a Dask cluster takes them with one context
manager. Here the cluster runs inside this process (two workers, no network); with a real one,
pass its scheduler address to ``Client("tcp://host:8786")``. The benchmark runner does the same with
``--backend dask --scheduler ADDRESS``.
"""

import joblib
from dask.distributed import Client, LocalCluster
from sklearn.model_selection import GridSearchCV

from mnistkit.baselines import make_baseline
from mnistkit.datasets import load_mnist
from mnistkit.plotting import ConfusionMatrixDisplay

X, y = load_mnist(return_X_y=True)
X, y = X[:6000], y[:6000]

with (
    LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster,
    Client(cluster) as client,
):
    search = GridSearchCV(
        make_baseline("pca-svc-rbf"), {"svc__C": [1, 10], "pca__n_components": [30, 50]}, cv=3
    )
    with joblib.parallel_config(backend="dask"):
        search.fit(X, y)
    print("workers:", len(client.scheduler_info()["workers"]))
    print("best:", search.best_params_, f"cross-validated accuracy {search.best_score_:.4f}")

# %%
# The refitted best pipeline on 2,000 test images it never saw.
X_test, y_test = load_mnist(subset="test", return_X_y=True)
ConfusionMatrixDisplay.from_estimator(search.best_estimator_, X_test[:2000], y_test[:2000])
