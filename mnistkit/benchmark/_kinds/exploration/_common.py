"""What several aspects use: the training pixels as rows, class names, a histogram figure."""

import numpy as np

from .._base import new_figure


def training_rows(data):
    """The training images of ``data`` as one row of pixels each, and their labels."""
    X = data.X_train
    return X.reshape(len(X), -1), np.asarray(data.y_train)


def class_name(label, target_names):
    """The name of a class from its label (or its key in a record): the label itself where the
    labels are the names (a user's file, an image folder), the name at its code where the
    labels are codes 0..n-1 (MNIST, Fashion-MNIST: 3 is "Dress")."""
    text = str(label)
    if text in target_names:
        return text
    try:
        return target_names[int(text)]
    except (ValueError, IndexError):
        return text


def histogram_figure(counts, *, xlabel, ylabel, title, log=False):
    """A bar per value of ``counts`` (one bar per integer from 0), on a new figure."""
    figure = new_figure((6.5, 3.5))
    ax = figure.add_subplot()
    counts = np.asarray(counts)
    ax.bar(np.arange(len(counts)), counts, width=1.0, color="tab:blue")
    if log:
        ax.set_yscale("log")
    else:
        ax.set_xlim(-1, max(np.flatnonzero(counts)) + 2)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    return figure
