"""Probes of the fashion-benchmark suite's differences that a suite entry cannot express.

The suite's entries say what each difference from the Fashion-MNIST benchmark's table is not.
Two of those measurements need a loop a suite entry does not have: the decision tree trained on
five shuffles of the training data (the benchmark shuffled before each repeat), and GaussianNB
over ``var_smoothing``. Both use the suite's preprocessing (a ``StandardScaler`` fitted on the
60,000 training images) and print test accuracies.

Run: ``python benchmarks/fashion_benchmark_probes.py`` (about 2 minutes on a 2-core AMD EPYC).
"""

from sklearn.naive_bayes import GaussianNB
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils import shuffle

from mnistkit.datasets import load_fashion_mnist


def main():
    X, y = load_fashion_mnist(subset="train", return_X_y=True)
    X_test, y_test = load_fashion_mnist(subset="test", return_X_y=True)
    scaler = StandardScaler().fit(X.reshape(len(X), -1))
    X = scaler.transform(X.reshape(len(X), -1))
    X_test = scaler.transform(X_test.reshape(len(X_test), -1))
    for seed in range(5):
        X_seed, y_seed = shuffle(X, y, random_state=seed)
        tree = DecisionTreeClassifier(criterion="entropy", max_depth=10, random_state=seed)
        score = tree.fit(X_seed, y_seed).score(X_test, y_test)
        print(f"decision tree, training data shuffled with seed {seed}: {score:.4f}", flush=True)
    for smoothing in (1e-12, 1e-10, 1e-9, 1e-8, 1e-6):
        model = GaussianNB(priors=[0.1] * 10, var_smoothing=smoothing)
        score = model.fit(X, y).score(X_test, y_test)
        print(f"GaussianNB, var_smoothing={smoothing:g}: {score:.4f}", flush=True)


if __name__ == "__main__":
    main()
