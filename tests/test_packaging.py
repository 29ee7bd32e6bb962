"""The package as a packager sees it: licence, metadata, extras, and complete distributions."""

import json
import shutil
import subprocess
import sys
import tarfile
import textwrap
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tracked_files():
    """The files git tracks, or a skip where this is no git checkout (an unpacked sdist)."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: nothing to compare the distribution with")
    listing = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, text=True
    )
    tracked = set()
    for name in filter(None, listing.stdout.split("\0")):
        path = ROOT / name
        if path.is_symlink() and path.is_dir():  # a linked folder goes in as its files
            tracked |= {
                f"{name}/{p.relative_to(path).as_posix()}"
                for p in path.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts
            }
        else:
            tracked.add(name)
    return tracked


def test_the_license_is_bsd_3_clause_and_the_mnist_terms_are_stated():
    assert (ROOT / "LICENSE").read_text().startswith("BSD 3-Clause License")
    terms = ROOT / "mnistkit" / "datasets" / "data" / "mnist" / "LICENSE-MNIST.txt"
    assert "Creative Commons Attribution-Share Alike 3.0" in " ".join(terms.read_text().split())
    assert "CC BY-SA 3.0" in (ROOT / "README.md").read_text()


def test_the_changelog_has_the_current_version():
    import mnistkit

    assert f"## {mnistkit.__version__} " in (ROOT / "CHANGELOG.md").read_text()


def test_the_installed_metadata_names_license_authors_and_extras():
    meta = metadata.metadata("mnistkit")
    assert meta["License"] == "BSD-3-Clause"
    assert "License :: OSI Approved :: BSD License" in meta.get_all("Classifier")
    assert meta["Author"] == "The mnistkit developers"
    assert {"LICENSE", "mnistkit/datasets/data/mnist/LICENSE-MNIST.txt"} <= set(
        meta.get_all("License-File") or []
    )
    assert {"keras", "umap", "dask", "all"} <= set(meta.get_all("Provides-Extra"))
    # TensorFlow, Keras and umap-learn come with their extras only, never with the core.
    for requirement in metadata.requires("mnistkit"):
        name = requirement.split(";")[0].split(">")[0].split("[")[0].strip().lower()
        if name in ("tensorflow", "keras", "umap-learn", "dask"):
            assert "extra ==" in requirement, requirement


CORE_WITHOUT_EXTRAS = textwrap.dedent(
    """
    import sys, json
    for name in ("tensorflow", "keras", "umap", "distributed", "dask"):
        sys.modules[name] = None  # importing it fails, as where it is not installed
    import numpy as np
    import mnistkit
    from mnistkit import baselines, cluster, datasets, decomposition, feature_extraction
    from mnistkit import metrics, neural_network, plotting, preprocessing, benchmark
    from mnistkit.baselines import make_baseline
    from mnistkit.feature_extraction import HOGTransformer
    data = datasets.load_mnist(subset="test")
    X, y = data.data[:300], data.target[:300]
    features = HOGTransformer().fit_transform(X)
    accuracy = make_baseline("pixels-gaussian-nb").fit(X, y).score(X, y)
    errors = {}
    for name, fit in {
        "keras": lambda: neural_network.KerasMLP(epochs=1).fit(X, y),
        "umap": lambda: decomposition.UMAPEmbedding().fit(X),
    }.items():
        try:
            fit()
        except ImportError as exc:
            errors[name] = str(exc)
    print(json.dumps({"features": features.shape[1], "accuracy": accuracy, "errors": errors,
                      "loaded": sorted(m for m in ("tensorflow", "keras", "umap")
                                       if sys.modules.get(m) is not None)}))
    """
)


@pytest.mark.slow
def test_the_core_works_without_the_extras_and_a_missing_one_names_its_extra():
    done = subprocess.run(
        [sys.executable, "-c", CORE_WITHOUT_EXTRAS], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["features"] > 0 and found["accuracy"] > 0.5 and found["loaded"] == []
    assert found["errors"]["keras"] == (
        "mnistkit's Keras classifiers needs the optional dependency 'keras', which is not "
        'installed here: pip install "mnistkit[keras]" (or "mnistkit[all]" for every extra).'
    )
    assert 'pip install "mnistkit[umap]"' in found["errors"]["umap"]
    assert "UMAPEmbedding needs the optional dependency 'umap'" in found["errors"]["umap"]


def test_the_tests_run_without_pytest_xdist():
    # The source distribution's own tests run with plain pytest: tests/conftest.py must not
    # need pytest-xdist (a hook of xdist's that pluggy did not know stopped every test once).
    command = ["-p", "no:xdist", "-p", "no:cacheprovider", "-q", "--collect-only"]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *command, "tests/test_packaging.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "test_the_tests_run_without_pytest_xdist" in done.stdout


def _build(kind, outdir):
    pytest.importorskip("build")
    done = subprocess.run(
        [sys.executable, "-m", "build", f"--{kind}", "--no-isolation", "--outdir", str(outdir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"python -m build --{kind} failed:\n{done.stdout}\n{done.stderr}"
    (built,) = outdir.iterdir()
    return built


@pytest.mark.slow
def test_the_sdist_holds_exactly_the_tracked_files(tmp_path):
    tracked = _tracked_files()
    sdist = _build("sdist", tmp_path)
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
        files = {member.name.split("/", 1)[1] for member in archive.getmembers() if member.isfile()}
    generated = {
        name for name in files if name in ("PKG-INFO", "setup.cfg") or ".egg-info/" in name
    }
    assert files - generated == tracked
    assert {"conftest.py", "tox.ini", ".ci/run", "LICENSE", "CHANGELOG.md"} <= names


@pytest.mark.slow
def test_the_wheel_holds_the_licenses_and_the_package_data(tmp_path):
    wheel = _build("wheel", tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    info = next(name.split("/")[0] for name in names if name.endswith(".dist-info/METADATA"))
    licenses = {name.rsplit("/", 1)[-1] for name in names if name.startswith(f"{info}/licenses/")}
    assert {"LICENSE", "LICENSE-MNIST.txt"} <= licenses
    data = "mnistkit/datasets/data/mnist/"
    for name in ("train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "MD5SUMS"):
        assert data + name in names
    assert any(name.startswith("mnistkit/benchmark/suites/") for name in names)
    assert not any(name.startswith(("tests/", "docs/", "benchmarks/")) for name in names)
