"""Suite files: declared keys and types, kinds as objects, safe names, shipped suites."""

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mnistkit.benchmark import (
    EntryKind,
    SuiteError,
    find_suite,
    get_kind,
    kind_names,
    list_suites,
    load_suite,
    register_kind,
)
from mnistkit.benchmark._fields import suite_field

HEADER = '[defaults]\ntrain_size = 100\n[[entries]]\nid = "x"\nmodel = "pixels-knn"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("description = 5\n" + HEADER, r"'description' must be a string; got 5"),
        (
            HEADER + "params = 3\n",
            r"entry 1 \('x'\): 'params' must be a table \(overrides for make_baseline, or the arguments of your estimator or network\); got int 3",
        ),
        (HEADER + 'time_limit = "long"\n', r"'time_limit' must be a number .*got str 'long'"),
        (HEADER + "repeats = 0\n", r"'repeats' must be from 1 to 1,000; got 0"),
        (HEADER + "repeats = true\n", r"'repeats' must be an integer .*got bool True"),
        (HEADER + "train_size = -3\n", r"'train_size' must be from 1 to 1,000,000,000; got -3"),
        (
            HEADER + 'split = "train"\n',
            r"'split' must be one of 'train/test', 'lab', 'train/validation', '54k/6k'; got 'train'",
        ),
        (
            HEADER + 'reported = { test_accuracy = "high" }\n',
            r"'reported' must map names to numbers; 'test_accuracy' does not",
        ),
        (
            HEADER + "reported = { homogeneity = 0.5 }\n",
            r"reported has figures \['homogeneity'\] that kind 'classifier' does not measure",
        ),
        (HEADER + "grid = { knn__k = 3 }\n", r"'grid' must map names to arrays of values"),
        (HEADER + 'modle = "pixels-knn"\n', r"unknown keys 'modle' \(did you mean 'model'\?\)"),
        (
            HEADER + 'kind = "regression"\n',
            r"unknown entry kind 'regression'; the kinds are classifier, clustering, collate, "
            r"exploration, pca, sweep",
        ),
        (
            HEADER + "n_components = 5\n",
            r"'n_components' do not apply to kind 'classifier'; its own keys are 'cv', 'grid', 'pos_label'",
        ),
        (
            HEADER.replace("pixels-knn", "pixels-knm"),
            r"unknown model 'pixels-knm'. Did you mean 'pixels-knn'",
        ),
        (
            '[defaults]\ncvv = 3\n[[entries]]\nid = "x"\nmodel = "pixels-knn"\n',
            r"\[defaults\] has unknown keys 'cvv' \(did you mean 'cv'\?\)",
        ),
        ('[[entries]]\nid = "s"\nkind = "sweep"\nmodel = "pixels-knn"\n', r"needs 'sweep'"),
        (
            '[[entries]]\nid = "s"\nkind = "sweep"\nmodel = "pixels-knn"\nsweep = { param = "kneighborsclassifier__k", values = [1] }\n',
            r"the sweep's param 'kneighborsclassifier__k' is not a parameter of model 'pixels-knn'",
        ),
        (
            '[[entries]]\nid = "p"\nkind = "pca"\nn_components = 1000\n',
            r"'n_components' and 'reconstruct' must be at most 784",
        ),
        ("entries = 3\n", r"'entries' must be an array of tables"),
        (
            HEADER + HEADER.split("[[entries]]")[1].join(["[[entries]]", ""]),
            r"entry ids must be unique; repeated: \['x'\]",
        ),
        ("[[entries]\n", r"not valid TOML"),
        ('name = "q"\n', r"the suite has no \[\[entries\]\]"),
    ],
)
def test_bad_suites_are_refused_at_load_naming_the_key(suite_file, text, message):
    with pytest.raises(SuiteError, match=message) as error:
        load_suite(suite_file(text, "bad.toml"))
    assert "bad.toml" in str(error.value)


@pytest.mark.parametrize("entry_id", ["../../../y", "a/b", ".hidden", "..", "", "x" * 101])
def test_entry_ids_must_be_safe_file_names(suite_file, entry_id):
    text = f'[[entries]]\nid = "{entry_id}"\nmodel = "pixels-knn"\n'
    with pytest.raises(SuiteError, match=r"'id' is not a safe file name .*no '/', no '\.\.'"):
        load_suite(suite_file(text, "bad.toml"))


@pytest.mark.parametrize("name", ["../../x", "a/b", "..", ".x"])
def test_suite_names_must_be_safe_file_names(suite_file, name):
    text = f'name = "{name}"\n[[entries]]\nid = "x"\nmodel = "pixels-knn"\n'
    with pytest.raises(SuiteError, match=r"suite name .* cannot be used as a file name"):
        load_suite(suite_file(text, "bad.toml"))


def test_defaults_apply_where_a_key_means_something_for_the_kind(suite_file):
    text = """
[defaults]
cv = 5
n_components = 20
repeats = 2
[[entries]]
id = "c"
model = "pixels-knn"
[[entries]]
id = "p"
kind = "pca"
"""
    classifier, pca = load_suite(suite_file(text)).entries
    assert classifier.options.cv == 5 and not hasattr(classifier.options, "n_components")
    assert pca.options.n_components == 20 and classifier.repeats == pca.repeats == 2
    assert classifier.seed(1) == 1


def test_a_new_kind_is_one_registered_class(suite_file):
    @dataclasses.dataclass
    class EchoOptions:
        word: str = suite_field(types=(str,), default="hello", doc="what to say")

    @register_kind
    class EchoKind(EntryKind):
        name = "echo-for-test"
        options = EchoOptions
        needs_model = False

        def run(self, entry, data, result, predictions_file):
            result.metrics = {"said": entry.options.word}

    try:
        assert "echo-for-test" in kind_names() and isinstance(get_kind("echo-for-test"), EchoKind)
        text = '[[entries]]\nid = "e"\nkind = "echo-for-test"\nword = "hi"\n'
        (entry,) = load_suite(suite_file(text)).entries
        assert entry.options.word == "hi" and entry.to_dict()["word"] == "hi"
        with pytest.raises(SuiteError, match=r"'word' must be a string"):
            load_suite(suite_file(text.replace('"hi"', "3")))
    finally:
        from mnistkit.benchmark._kinds import _base

        _base._KINDS.pop("echo-for-test")


def test_fingerprint_follows_what_decides_the_result(suite_file):
    base = '[[entries]]\nid = "x"\nmodel = "pixels-knn"\n'
    (entry,) = load_suite(suite_file(base)).entries
    (described,) = load_suite(
        suite_file(base + 'description = "words"\nreported = { test_accuracy = 0.9 }\n')
    ).entries
    (changed,) = load_suite(
        suite_file(base + "params = { kneighborsclassifier__n_neighbors = 1 }\n")
    ).entries
    assert entry.config_fingerprint(0) == described.config_fingerprint(0)  # words change nothing
    assert entry.config_fingerprint(0) != entry.config_fingerprint(1)  # another seed
    assert entry.config_fingerprint(0) != changed.config_fingerprint(0)
    assert changed.changed_keys(entry.to_dict()) == ["params"]


def test_shipped_suites_are_found_by_name_and_valid():
    suites = list_suites()
    assert {"quick", "reproduce", "classic-sweep"} <= set(suites)
    for name, path in suites.items():
        assert find_suite(name) == path and load_suite(path).entries
    with pytest.raises(
        FileNotFoundError,
        match=r"No suite named 'nope'. The suites shipped with mnistkit: classic-sweep, fashion-benchmark, quick, reproduce",
    ):
        find_suite("nope")


def test_reproduce_suite_covers_every_lab_experiment():
    reproduce = load_suite(find_suite("reproduce"))
    ids = {entry.id for entry in reproduce.entries}
    # One entry per experiment of the lab reports, the ones added later included (gmm-covariance
    # is one entry per covariance type, fashion-cnn-lab one per activation, and cost-mlp-vs-cnn
    # collates the two entries cost-mlp and cost-cnn).
    added = [
        "raw-mlp-6-6",
        "raw-mlp-1000-deeper",
        "raw-mlp-tanh-300-dropout",
        "raw-mlp-tanh-250",
        "raw-mlp-sigmoid-150",
        "raw-mlp-f1",
        "raw-mlp-128-sgd",
        "raw-mlp-128-sgd-lr005",
        "overfit-mlp-10",
        "hog4-mlp-128-5ep",
        "hog4-mlp-8",
        "hog7-mlp-8",
        "hog2-mlp-8",
        "hog-mlp-8-or32",
        "hog7-mlp-200-tanh",
        "hog7-mlp-200-tanh-b1024",
        "hog7-mlp-200-sigmoid-b1024",
        "hog-mlp-f1",
        "cnn-lab-50ep",
        "cnn-32-64-128-3x3",
        "cnn-32-64-128-5x5-b256",
        "cnn-32-64-128-256",
        "cnn-2-filters-dense2",
        "cnn-2-filters",
        "cnn-2-filters-2conv",
        "cnn-8-16",
        "cnn-lab-l4-sweep",
        "cnn-lab-l4-activation",
        "overfit-cnn-10",
        "xray-cnn-adam-5ep",
        "pca-reconstruction",
        "kmeans-init",
        "tree-pca-sweep",
        "explore-class-counts",
        "explore-pixel-std",
        "explore-mean-image",
        "explore-nearest-farthest",
        "explore-image-mean-hist",
        "explore-pixel-hist",
        "metrics-per-class-bn",
        "confusions-hog4",
        "cost-mlp-vs-cnn",
        "capacity-shallow-vs-deep",
    ]
    assert len(added) == 43
    companions = ["cost-mlp", "cost-cnn"]
    lab = (
        added
        + companions
        + [
            "cnn-32-64-128-5x5",
            "cnn-32-64-128-sgd",
            "cnn-32-dense128",
            "cnn-8-16-dropout",
            "cnn-bn",
            "cnn-lab",
            "cnn-lab-dropout",
            "fashion-cnn-1conv",
            "fashion-cnn-64",
            "hog2-mlp",
            "hog4-mlp-128",
            "hog4-mlp-200-relu",
            "hog4-mlp-200-sigmoid",
            "hog4-mlp-300",
            "hog7-mlp-150-relu",
            "hog7-mlp-200-sigmoid",
            "hog7-or16-tanh",
            "kmeans-k-sweep",
            "kmeans-pca2",
            "kmeans-pca200",
            "pca-variance",
            "raw-mlp-1000-dropout",
            "raw-mlp-128-adam",
            "raw-mlp-13-128",
            "raw-mlp-300",
            "raw-mlp-300-dropout",
            "raw-mlp-512x2",
            "raw-mlp-bn",
            "raw-mlp-sigmoid-250",
            "raw-mlp-tanh-150",
            "raw-mlp-tanh-300",
            "svc-01-pca2",
            "svc-kernels",
            "svc-pca-sweep",
            "tree-depth",
            "xray-cnn",
            "gmm-spherical",
            "gmm-tied",
            "gmm-diag",
            "fashion-cnn-lab",
            "fashion-cnn-lab-tanh",
        ]
    )
    # Probes ("<lab id>.probe-<what>") rerun a lab entry with one setting changed, to measure a
    # reason for a difference.
    probes = {e.id for e in reproduce.entries if e.probe_of}
    assert probes == {i for i in ids if ".probe-" in i}  # the id convention and the key agree
    assert {e.probe_of for e in reproduce.entries if e.probe_of} <= set(lab)
    assert sorted(ids - probes) == sorted(lab)
    for entry in reproduce.entries:
        assert entry.reported or entry.reported_finding or entry.id in companions, entry.id
        if entry.id in probes:
            lab_entry = next(e for e in reproduce.entries if e.id == entry.probe_of)
            assert entry.reported.items() <= lab_entry.reported.items(), entry.id
        assert entry.reported_note, entry.id
        # An explanation is for a figure the entry reports (or its finding), nothing else.
        assert set(entry.explanations) <= {*entry.reported, "finding"}, entry.id


@pytest.mark.slow
def test_a_non_editable_install_finds_the_shipped_suites_by_name(tmp_path):
    root = Path(__file__).resolve().parents[2]
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(root),
        ],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = (
        "import mnistkit, pathlib; from mnistkit.benchmark import find_suite, load_suite;"
        "path = find_suite('quick'); print(mnistkit.__file__); print(path);"
        "print(len(load_suite(path).entries))"
    )
    printed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=elsewhere,
        env={**os.environ, "PYTHONPATH": str(target)},
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert printed[0].startswith(str(target)) and printed[1].startswith(str(target))
    assert int(printed[2]) == 7


def test_probe_of_names_another_entry_of_the_suite(tmp_path):
    path = tmp_path / "probe.toml"
    path.write_text(
        'name = "probe"\n[[entries]]\nid = "a"\nmodel = "pixels-gaussian-nb"\n'
        '[[entries]]\nid = "a.probe-b"\nmodel = "pixels-gaussian-nb"\nprobe_of = "missing"\n'
    )
    with pytest.raises(SuiteError, match=r"'probe_of' must name another entry .*'missing'"):
        load_suite(path)
    path.write_text(path.read_text().replace('probe_of = "missing"', 'probe_of = "a.probe-b"'))
    with pytest.raises(SuiteError, match=r"'probe_of' must name another entry"):
        load_suite(path)
    path.write_text(path.read_text().replace('probe_of = "a.probe-b"', 'probe_of = "a"'))
    assert load_suite(path).entries[1].probe_of == "a"
    # A probe without published figures of its own is judged against those it probes.
    path.write_text(
        path.read_text().replace(
            'model = "pixels-gaussian-nb"\n[[entries]]',
            'model = "pixels-gaussian-nb"\nreported = { test_accuracy = 0.56 }\n[[entries]]',
        )
    )
    probe = load_suite(path).entries[1]
    assert probe.reported == {"test_accuracy": 0.56}


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ("image_size = [14, 14]", r"'image_size' apply only to dataset 'folder'"),
        ('color_mode = "rgb"', r"'color_mode' apply only to dataset 'folder'"),
        ('path = "data/xray"', r"'path' apply only to dataset 'file' or 'folder'"),
        (
            'dataset = "fashion-mnist"\nimage_size = [14, 14]\npath = "x"',
            r"'path', 'image_size' apply only to dataset 'file' or 'folder'.*dataset 'fashion-mnist'",
        ),
        (
            'dataset = "folder"\npath = "x"\nsplit = "lab"',
            r"split 'lab' applies only to MNIST-style data sets",
        ),
        (
            'dataset = "folder"\npath = "x"\nsplit = "54k/6k"',
            r"split '54k/6k' applies only to MNIST-style data sets",
        ),
    ],
)
def test_keys_the_entry_s_data_set_would_ignore_are_refused(tmp_path, keys, message):
    path = tmp_path / "s.toml"
    path.write_text(f'[[entries]]\nid = "x"\nmodel = "pixels-knn"\n{keys}\n')
    with pytest.raises(SuiteError, match=message):
        load_suite(path)


def test_folder_keys_in_defaults_reach_only_the_folder_entries(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(
        '[defaults]\nimage_size = [32, 32]\ncolor_mode = "rgb"\n'
        '[[entries]]\nid = "m"\nmodel = "pixels-knn"\n'
        '[[entries]]\nid = "f"\nmodel = "pixels-knn"\ndataset = "folder"\npath = "x"\n'
    )
    mnist, folder = load_suite(path).entries
    assert (mnist.image_size, mnist.color_mode) == (None, "grayscale")
    assert (folder.image_size, folder.color_mode) == ([32, 32], "rgb")


def test_the_suite_reference_s_example_loads_and_its_tables_cover_every_key(tmp_path):
    import re
    from pathlib import Path

    from mnistkit.benchmark import Entry, get_kind, kind_names
    from mnistkit.benchmark._fields import field_names
    from mnistkit.benchmark._reference import suite_reference

    page = Path(__file__).parents[2] / "docs" / "user_guide" / "suite_reference.rst"
    block = re.search(r"\.\. code-block:: toml\n\n((?:    .*\n|\n)+)", page.read_text()).group(1)
    path = tmp_path / "example.toml"
    path.write_text("\n".join(line[4:] for line in block.splitlines()))
    suite = load_suite(path)
    assert {entry.kind for entry in suite.entries} == set(kind_names())
    assert suite.entries[2].reported == {"test_accuracy": 0.80}  # the probe's, from "tree"
    text = suite_reference()
    for key in field_names(Entry):
        assert f"``{key}``" in text
    for name in kind_names():
        assert f"Keys of kind ``{name}``" in text
        for key in field_names(get_kind(name).options):
            assert f"``{key}``" in text
