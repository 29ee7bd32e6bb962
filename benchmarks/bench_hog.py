"""mnistkit's batch HOG against scikit-image's per-image loop, on the same MNIST images.

For each parameter set, both compute the features of the same images (uint8, as loaded);
the script prints the times, the speed ratio and the largest absolute difference of the
features. Target (issue 3): at least 30x faster at pixels_per_cell=4 on a 2-core machine, and
never slower on any parameter set.

Run: ``python benchmarks/bench_hog.py`` (all 70,000 images; several minutes, most of it in
scikit-image). ``--n-images 10000`` for a shorter run. ``--colour`` instead times colour HOG
(``channel_axis=-1``) on 10,000 random 32 x 32 x 3 uint8 images, CIFAR-10's shape, against
``skimage.feature.hog(..., channel_axis=-1)`` in a loop (target: at least 30x, equal to 1e-6).
"""

import argparse
import os
import time

import numpy as np
from skimage.feature import hog

from mnistkit.datasets import load_mnist
from mnistkit.feature_extraction import hog_features, hog_images

PARAMETER_SETS = [
    dict(orientations=8, pixels_per_cell=(4, 4), cells_per_block=(1, 1)),
    dict(orientations=8, pixels_per_cell=(2, 2), cells_per_block=(1, 1)),
    dict(orientations=8, pixels_per_cell=(7, 7), cells_per_block=(1, 1)),
    dict(orientations=8, pixels_per_cell=(7, 7), cells_per_block=(2, 2)),
    dict(orientations=9, pixels_per_cell=(4, 4), cells_per_block=(2, 2)),
]


def skimage_loop(images, **params):
    return np.stack([hog(image, feature_vector=True, **params) for image in images])


def timed(function, repeats=1):
    """Best wall time of ``repeats`` calls, and the last result."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-images", type=int, default=70_000)
    parser.add_argument("--colour", action="store_true", help="colour HOG on 32x32x3 images")
    args = parser.parse_args()
    if args.colour:
        colour(min(args.n_images, 10_000))
        return
    images = load_mnist(subset="all").images[: args.n_images]
    # One-time costs stay outside the timings: loading the compiled kernels from numba's disk
    # cache (about 0.5 s per process) and building each orientation count's lookup table.
    for params in PARAMETER_SETS:
        hog_features(images[:100], **params)
    print(
        f"{len(images)} MNIST images (uint8), {os.cpu_count()} cores; mnistkit: best of 3 "
        "runs, scikit-image: one run\n"
    )
    header = (
        f"{'orient':>6} {'cell':>6} {'block':>6} {'features':>8} {'skimage (s)':>12}"
        f" {'mnistkit 1 thread (s)':>22} {'ratio':>7} {'mnistkit all cores (s)':>23}"
        f" {'ratio':>7} {'max abs diff':>13}"
    )
    print(header)
    print("-" * len(header))
    for params in PARAMETER_SETS:
        reference_seconds, reference = timed(lambda p=params: skimage_loop(images, **p))
        one_seconds, ours = timed(lambda p=params: hog_features(images, n_jobs=1, **p), 3)
        all_seconds, ours_all = timed(lambda p=params: hog_features(images, n_jobs=-1, **p), 3)
        difference = max(np.abs(ours - reference).max(), np.abs(ours_all - reference).max())
        print(
            f"{params['orientations']:>6} {params['pixels_per_cell'][0]:>6}"
            f" {params['cells_per_block'][0]:>6} {reference.shape[1]:>8}"
            f" {reference_seconds:>12.2f} {one_seconds:>22.3f}"
            f" {reference_seconds / one_seconds:>6.0f}x {all_seconds:>23.3f}"
            f" {reference_seconds / all_seconds:>6.0f}x {difference:>13.2e}",
            flush=True,
        )

    # The notebooks' visualize=True loop against hog_features + hog_images.
    n_visual = min(len(images), 10_000)
    params = dict(orientations=8, pixels_per_cell=(4, 4), cells_per_block=(1, 1))
    reference_seconds, _ = timed(
        lambda: [hog(image, visualize=True, **params) for image in images[:n_visual]]
    )
    ours_seconds, _ = timed(
        lambda: (
            hog_features(images[:n_visual], n_jobs=-1, **params),
            hog_images(images[:n_visual], orientations=8, pixels_per_cell=(4, 4), n_jobs=-1),
        )
    )
    print(
        f"\nvisualize=True on {n_visual} images (cell 4, 8 orientations): skimage"
        f" {reference_seconds:.2f} s, mnistkit features + pictures {ours_seconds:.3f} s"
        f" ({reference_seconds / ours_seconds:.0f}x)"
    )


COLOUR_PARAMETER_SETS = [
    dict(orientations=9, pixels_per_cell=(4, 4), cells_per_block=(2, 2)),
    dict(orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2)),
    dict(orientations=12, pixels_per_cell=(8, 8), cells_per_block=(3, 3), block_norm="L1"),
]


def colour(n_images):
    """Colour HOG: the same table for random 32 x 32 x 3 images (CIFAR-10's shape)."""
    images = np.random.default_rng(0).integers(0, 256, (n_images, 32, 32, 3), dtype=np.uint8)
    for params in COLOUR_PARAMETER_SETS:
        hog_features(images[:100], channel_axis=-1, **params)  # numba's cache, outside the times
    print(f"{n_images} random 32x32x3 uint8 images, {os.cpu_count()} cores; colour HOG\n")
    header = (
        f"{'orient':>6} {'cell':>6} {'block':>6} {'features':>8} {'skimage (s)':>12}"
        f" {'mnistkit 1 thread (s)':>22} {'ratio':>7} {'all cores (s)':>14} {'ratio':>7}"
        f" {'max abs diff':>13}"
    )
    print(header)
    print("-" * len(header))
    for params in COLOUR_PARAMETER_SETS:
        reference_seconds, reference = timed(
            lambda p=params: skimage_loop(images, channel_axis=-1, **p)
        )
        seconds, ours = timed(
            lambda p=params: hog_features(images, channel_axis=-1, n_jobs=1, **p), 3
        )
        all_seconds, _ = timed(
            lambda p=params: hog_features(images, channel_axis=-1, n_jobs=-1, **p), 3
        )
        print(
            f"{params['orientations']:>6} {params['pixels_per_cell'][0]:>6}"
            f" {params['cells_per_block'][0]:>6} {reference.shape[1]:>8}"
            f" {reference_seconds:>12.2f} {seconds:>22.3f} {reference_seconds / seconds:>6.0f}x"
            f" {all_seconds:>14.3f} {reference_seconds / all_seconds:>6.0f}x"
            f" {np.abs(ours - reference).max():>13.2e}",
            flush=True,
        )


if __name__ == "__main__":
    main()
