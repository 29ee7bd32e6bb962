"""
Clustering MNIST: K sweep, initialisations and covariance types
===============================================================

The users' unsupervised experiments: homogeneity against K, KMeans initialisations including a
fixed array of centres, and Gaussian-mixture covariance types, each as a table ready to plot.
"""

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.mixture import GaussianMixture

from mnistkit.cluster import clustering_sweep
from mnistkit.datasets import load_mnist
from mnistkit.plotting import plot_embedding

X, y = load_mnist(return_X_y=True)
X, y = X[:5000] / 255.0, y[:5000]
features = PCA(50, random_state=0).fit_transform(X)

# %%
# Homogeneity rises with K; the silhouette is computed on a stated sample.
table = clustering_sweep(
    KMeans(n_init=1, random_state=0),
    {"n_clusters": [2, 5, 10, 20, 50]},
    features,
    y,
    silhouette_sample_size=2000,
)
print(table[["n_clusters", "homogeneity", "adjusted_rand", "silhouette", "fit_seconds"]])
ax = table.plot(x="n_clusters", y=["homogeneity", "completeness", "adjusted_rand"], marker="o")
ax.set_title("KMeans on PCA(50): scores against K")
ax.set_ylabel("score")

# %%
# Initialisations: k-means++, random, and the class means as fixed centres.
centres = np.stack([features[y == digit].mean(axis=0) for digit in range(10)])
table = clustering_sweep(
    KMeans(n_clusters=10, n_init=1, random_state=0),
    {"init": ["k-means++", "random", centres]},
    features,
    y,
)
print(table[["init", "homogeneity", "adjusted_rand", "cluster_accuracy"]])

# %%
# Gaussian mixtures with each covariance type.
table = clustering_sweep(
    GaussianMixture(10, random_state=0),
    {"covariance_type": ["spherical", "tied", "diag", "full"]},
    features,
    y,
)
print(table[["covariance_type", "homogeneity", "adjusted_rand", "bic"]])

# %%
# The first two principal components, coloured by digit.
plot_embedding(features[:, :2], y, label_name="digit", title="PCA(2) of 5,000 digits")
