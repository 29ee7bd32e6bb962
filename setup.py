"""Build script for mnistkit.

``setup.py`` is the declared entry point; ``pyproject.toml`` holds the build-system requirement
and the tool settings (pytest, ruff).
"""

from pathlib import Path

from setuptools import find_namespace_packages, setup

HERE = Path(__file__).parent
KERAS = ["tensorflow>=2.16", "keras>=3.0"]
UMAP = ["umap-learn>=0.5.5"]
DASK = ["dask[distributed]>=2024.1"]
version = {}
exec((HERE / "mnistkit" / "_version.py").read_text(), version)

setup(
    name="mnistkit",
    version=version["__version__"],
    description=(
        "scikit-learn compatible building blocks for MNIST-style image classification: "
        "fast batch HOG, Keras MLP/CNN classifiers, clustering evaluators and benchmarks."
    ),
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="BSD-3-Clause",
    # mnistkit's license, and the terms of the MNIST files bundled with it (CC BY-SA 3.0).
    license_files=["LICENSE", "mnistkit/datasets/data/mnist/LICENSE-MNIST.txt"],
    author="The mnistkit developers",
    python_requires=">=3.10",
    packages=find_namespace_packages(include=["mnistkit", "mnistkit.*"]),
    package_data={
        "mnistkit.datasets": ["data/mnist/*", "descr/*.rst"],
        "mnistkit.benchmark": ["suites/*.toml"],
        "mnistkit.benchmark._report": ["templates/*"],
    },
    install_requires=[
        "numpy>=1.26",
        "scipy>=1.11",
        "scikit-learn>=1.6",
        "scikit-image>=0.22",
        "numba>=0.59",
        "joblib>=1.4",
        "cloudpickle>=2.0",  # compare(): models defined in notebooks reach their processes
        "jinja2>=3.1",
        "matplotlib>=3.8",
        "pandas>=2.0",
        "pillow>=10.0",
        "tqdm>=4.64",
        "psutil>=5.9",
        "tomli>=2.0; python_version < '3.11'",
    ],
    extras_require={
        # The Keras classifiers (KerasMLP, KerasCNN, KerasClassifier): about a gigabyte.
        "keras": KERAS,
        # UMAPEmbedding and make_umap.
        "umap": UMAP,
        "dask": DASK,
        "all": [*KERAS, *UMAP, *DASK],
        "test": [
            *KERAS,
            *UMAP,
            *DASK,
            "pytest>=8.0",
            "hypothesis>=6.100",
            "pytest-xdist>=3.5",
            # The packaging tests build the sdist and wheel without isolation (offline, and
            # quicker), so the build backend pyproject.toml names must be installed here: a
            # fresh Python 3.11 venv has setuptools 65 and no wheel (tests/test_packaging.py).
            "build>=1.0",
            "setuptools>=68",
            "wheel",
            # A real Jupyter kernel runs every plot (tests/plotting/test_notebook.py).
            "nbclient>=0.10",
            "nbformat>=5.10",
            "ipykernel>=6.29",
            # The gallery check builds the documentation (tests/test_docs.py).
            "sphinx>=7.2",
            "numpydoc>=1.7",
            "sphinx-gallery>=0.16",
            # KERAS_BACKEND=jax keeps working (tests/neural_network/test_keras_fit_options.py).
            "jax>=0.4.30",
            # The report in a real browser (tests/benchmark/test_report_browser.py; it needs
            # Debian's chromium and chromium-driver, which .ci/run installs).
            "selenium>=4.15",
        ],
        "docs": [
            "sphinx>=7.2",
            "numpydoc>=1.7",
            "sphinx-gallery>=0.16",
            *DASK,  # the Dask-backed search example runs at build time
            *KERAS,
            *UMAP,
        ],
        "lint": ["ruff>=0.6"],
    },
    entry_points={"console_scripts": ["mnistkit=mnistkit._cli:main"]},
    classifiers=[
        "Development Status :: 3 - Alpha",
        "Intended Audience :: Education",
        "Intended Audience :: Science/Research",
        "License :: OSI Approved :: BSD License",
        "Operating System :: POSIX :: Linux",
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3.10",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: 3.13",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ],
)
