import json
import os
import signal
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from mnistkit._cli import main
from mnistkit.benchmark import load_results, load_suite, run_suite, write_report

TINY = """
name = "tiny"
description = "A tiny suite <script>alert('x')</script> for the tests"

[defaults]
dataset = "mnist"
train_size = 3000
test_size = 500
time_limit = 300

[[entries]]
id = "nb"
model = "pixels-gaussian-nb"
reported = { test_accuracy = 0.55 }
reported_note = "a <b>made-up</b> figure"

[[entries]]
id = "tree"
model = "pixels-decision-tree"
params = { decisiontreeclassifier__max_depth = 6 }
grid = { decisiontreeclassifier__min_samples_leaf = [1, 5] }
cv = 2

[[entries]]
id = "depth-sweep"
kind = "sweep"
model = "pixels-decision-tree"
sweep = { param = "decisiontreeclassifier__max_depth", values = [2, 4] }
reported_note = "deeper is better"

[[entries]]
id = "clusters"
kind = "clustering"
model = "pca200-kmeans"
params = { pca__n_components = 20 }
reported = { homogeneity = 0.5 }

[[entries]]
id = "k-sweep"
kind = "sweep"
model = "pca200-kmeans"
params = { pca__n_components = 20 }
sweep = { param = "clusterclassifier__clusterer__n_clusters", values = [2, 10] }
reported_note = "PCA(20) -> KMeans(K)"
reported_finding = "homogeneity rises with K"

[[entries]]
id = "variance"
kind = "pca"
n_components = 50
reported = { explained_variance = 0.8 }
"""


def write_suite(folder, text=TINY, name="tiny.toml"):
    path = Path(folder) / name
    path.write_text(text)
    return path


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.images, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "img":
            self.images.append(dict(attrs)["src"])

    def handle_data(self, data):
        self.text.append(data)


@pytest.mark.slow
def test_tiny_suite_end_to_end_and_report(tmp_path):
    suite = load_suite(write_suite(tmp_path))
    summary = run_suite(suite, tmp_path / "results", progress=False)
    assert summary.statuses == {
        "nb": "ok",
        "tree": "ok",
        "depth-sweep": "ok",
        "clusters": "ok",
        "k-sweep": "ok",
        "variance": "ok",
    }
    run, results = load_results(tmp_path / "results")
    assert run["suite"] == "tiny"
    by_id = {result["id"]: result for result in results}
    nb = by_id["nb"]
    assert nb["n_train"] == 3000 and nb["n_test"] == 500
    assert 0.4 < nb["metrics"]["accuracy"] < 0.9
    assert nb["fit_seconds"] > 0 and nb["peak_memory_mib"] > 50
    assert nb["environment"]["versions"]["scikit-learn"]
    assert nb["random_state"] == 0 and "gaussiannb__var_smoothing" in nb["params"]
    assert by_id["tree"]["best_params"]["decisiontreeclassifier__min_samples_leaf"] in (1, 5)
    assert [row["value"] for row in by_id["depth-sweep"]["metrics"]["sweep"]] == [2, 4]
    assert 0 < by_id["clusters"]["metrics"]["homogeneity"] < 1
    k_rows = by_id["k-sweep"]["metrics"]["sweep"]
    assert 0 < k_rows[0]["homogeneity"] < k_rows[1]["homogeneity"] < 1
    assert all(-1 < row["adjusted_rand"] < 1 for row in k_rows)
    assert by_id["variance"]["metrics"]["explained_variance"] > 0.7

    index = write_report(tmp_path / "results")
    html = index.read_text()
    parser = _Collector()
    parser.feed(html)
    assert parser.tags.count("table") >= 4  # leaderboard, reproduction, McNemar, environment
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "&lt;b&gt;made-up&lt;/b&gt;" in html
    assert "src='http" not in html and 'src="http' not in html  # works offline: no CDN
    assert sorted(parser.images) == sorted(
        f"figures/{name}.png"
        for name in [
            "nb-confusion",
            "nb-misclassified",
            "tree-confusion",
            "tree-misclassified",
            "depth-sweep-sweep",
            "k-sweep-sweep",
        ]
    )
    for source in parser.images:
        assert (index.parent / source).stat().st_size > 1000
    summary_md = (index.parent / "summary.md").read_text()
    assert "| nb |" in summary_md and "Reproduction" in summary_md
    assert "training-set homogeneity by clusterclassifier__clusterer__n_clusters: 2: " in html
    assert "(rises with every step)" in summary_md
    assert "| k-sweep | finding | homogeneity rises with K | training-set homogeneity" in summary_md
    assert "test accuracy by decisiontreeclassifier__max_depth (train minus test" in summary_md


def test_failing_entry_is_recorded_and_the_rest_complete(tmp_path):
    text = """
name = "failing"
[defaults]
train_size = 2000
test_size = 200
[[entries]]
id = "bad"
model = "pixels-decision-tree"
params = { decisiontreeclassifier__max_depth = -1 }
[[entries]]
id = "slow"
model = "pixels-knn"
train_size = 60000
test_size = 10000
time_limit = 2
[[entries]]
id = "good"
model = "pixels-gaussian-nb"
"""
    summary = run_suite(write_suite(tmp_path, text), tmp_path / "out", progress=False)
    assert summary.statuses == {"bad": "failed", "slow": "timeout", "good": "ok"}
    bad = json.loads((tmp_path / "out" / "entries" / "bad.json").read_text())
    assert "max_depth" in bad["error"]
    slow = json.loads((tmp_path / "out" / "entries" / "slow.json").read_text())
    assert "time limit of 2 s" in slow["error"]
    index = write_report(tmp_path / "out")
    assert "max_depth" in index.read_text()
    # Resume runs the failures again and skips the success.
    again = run_suite(write_suite(tmp_path, text), tmp_path / "out", progress=False)
    assert again.skipped == ["good"] and set(again.ran) == {"bad", "slow"}


def test_missing_data_and_partial_runs_are_reported(tmp_path, capsys):
    text = f"""
name = "partial"
[defaults]
train_size = 1000
test_size = 200
[[entries]]
id = "xray"
model = "pixels-gaussian-nb"
dataset = "folder"
path = "{tmp_path / "no-such-folder"}"
image_size = [16, 16]
split = "train/test"
reported = {{ test_accuracy = 0.78 }}
[[entries]]
id = "nb"
model = "pixels-gaussian-nb"
[[entries]]
id = "later"
model = "pixels-decision-tree"
reported = {{ test_accuracy = 0.88 }}
"""
    suite = write_suite(tmp_path, text)
    out = tmp_path / "out"
    # Two of the three entries: the missing folder is its own status, with the fix, and the
    # command fails so that scripts notice.
    assert (
        main(
            [
                "benchmark",
                "run",
                str(suite),
                "--out",
                str(out),
                "--entries",
                "xray,nb",
                "--no-progress",
            ]
        )
        == 1
    )
    printed = capsys.readouterr().out
    assert "xray: data missing: Image folder" in printed and "no-such-folder" in printed
    assert "0 failed or timed out, 1 without their data" in printed
    xray = json.loads((out / "entries" / "xray.json").read_text())
    assert xray["status"] == "data missing" and "Put the data set there" in xray["error"]
    # run.json describes the whole suite, not the part that ran.
    run, results = load_results(out)
    assert run["entries"] == ["xray", "nb", "later"]
    assert [result["id"] for result in results] == ["xray", "nb"]
    index = write_report(out)
    html = index.read_text()
    assert "2 of 3 entries have results; 1 succeeded." in html
    assert "<td class='text not-run'>not run</td>" in html
    assert "<td class='text data-missing'>data missing</td>" in html
    assert "--entries later" in html
    summary_md = (index.parent / "summary.md").read_text()
    assert "| later | test_accuracy | 0.8800 | not run | - |" in summary_md
    assert "| xray | test_accuracy | 0.7800 | data missing | - |" in summary_md
    assert "- **xray** (data missing): Image folder" in summary_md


def _default_sigint():
    # A shell's background job (`cmd &`, as CI runners may start the tests) inherits SIGINT
    # ignored, and Python then never raises KeyboardInterrupt: give the CLI the default, as a
    # terminal would, so that the test sees what Ctrl-C does.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_cli(args, **kwargs):
    return subprocess.Popen(
        [sys.executable, "-m", "mnistkit", *args],
        start_new_session=True,
        preexec_fn=_default_sigint,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def _wait_for_results(folder, count, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(list(Path(folder, "entries").glob("[!.]*.json"))) >= count:
            return
        time.sleep(0.2)
    raise AssertionError(f"no {count} results in {folder} after {timeout} s")


# One quick entry, then three that take seconds each (k-NN predicting 3,000 images against
# 20,000): a signal sent once the first result exists finds the run still going, however long
# the test's own polling is held up on a busy machine.
SLOWISH = """
name = "slowish"
[defaults]
test_size = 3000

[[entries]]
id = "entry-0"
model = "pixels-gaussian-nb"
test_size = 1000
""" + "".join(
    f"""
[[entries]]
id = "entry-{i}"
model = "pixels-knn"
train_size = 20000
"""
    for i in range(1, 4)
)


def _start_slowish_run(tmp_path):
    """Start the CLI on SLOWISH; return (suite, results folder, process) once one entry is done."""
    suite = write_suite(tmp_path, SLOWISH)
    out = tmp_path / "out"
    process = _start_cli(["benchmark", "run", str(suite), "--out", str(out), "--no-progress"])
    _wait_for_results(out, 1)
    return suite, out, process


@pytest.mark.slow
def test_sigkill_then_resume_runs_every_entry_exactly_once(tmp_path):
    suite, out, process = _start_slowish_run(tmp_path)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    first = {p.stem for p in (out / "entries").glob("[!.]*.json")}
    assert 1 <= len(first) < 4
    for path in (out / "entries").glob("[!.]*.json"):
        json.loads(path.read_text())  # every result file is whole
    assert main(["benchmark", "run", str(suite), "--out", str(out), "--no-progress"]) == 0
    results = sorted(p.name for p in (out / "entries").iterdir())
    assert results == sorted(
        [f"entry-{i}.json" for i in range(4)] + [f"entry-{i}.predictions.npz" for i in range(4)]
    )
    started = {
        json.loads((out / "entries" / f"entry-{i}.json").read_text())["started"]
        for i in range(4)
        if f"entry-{i}" in first
    }
    assert len(started) == len(first)  # the entries finished before the kill were not rerun


@pytest.mark.slow
def test_ctrl_c_stops_cleanly(tmp_path):
    _, out, process = _start_slowish_run(tmp_path)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "interrupted" in stderr and "Traceback" not in stderr
    done = list((out / "entries").glob("[!.]*.json"))
    assert done and all(json.loads(p.read_text())["status"] in ("ok", "failed") for p in done)


@pytest.mark.slow
def test_dask_backend_on_a_local_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    text = """
name = "dask"
[defaults]
train_size = 2000
test_size = 300
[[entries]]
id = "nb"
model = "pixels-gaussian-nb"
[[entries]]
id = "tree"
model = "pixels-decision-tree"
"""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None, processes=True
    ) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        summary = run_suite(
            write_suite(tmp_path, text),
            tmp_path / "out",
            n_jobs=2,
            backend="dask",
            scheduler=cluster.scheduler_address,
            progress=False,
        )
    assert summary.statuses == {"nb": "ok", "tree": "ok"}


def test_cli_help_and_errors(tmp_path, capsys):
    for args in (
        ["--help"],
        ["benchmark", "--help"],
        ["benchmark", "run", "--help"],
        ["benchmark", "report", "--help"],
        ["datasets", "info", "--help"],
    ):
        with pytest.raises(SystemExit) as exit_info:
            main(args)
        assert exit_info.value.code == 0
        assert "usage: mnistkit" in capsys.readouterr().out
    assert main(["benchmark", "run", "no-such-suite"]) == 1
    err = capsys.readouterr().err
    assert "mnistkit: error: No suite named 'no-such-suite'" in err and "Traceback" not in err
    assert main(["benchmark", "report", str(tmp_path)]) == 1
    assert "holds no benchmark results" in capsys.readouterr().err
    bad = write_suite(tmp_path, '[[entries]]\nid = "x"\nmodle = "pixels-knn"\n', "bad.toml")
    assert main(["benchmark", "run", str(bad)]) == 1
    assert "unknown keys 'modle' (did you mean 'model'?)" in capsys.readouterr().err


def test_shipped_suites_are_valid():
    from mnistkit.benchmark._suite import suite_folders

    names = {
        path.stem for folder in suite_folders() if folder.is_dir() for path in folder.glob("*.toml")
    }
    assert {"quick", "reproduce", "classic-sweep"} <= names
    for folder in suite_folders():
        for path in folder.glob("*.toml"):
            assert load_suite(path).entries
    reproduce = load_suite(
        next(f for f in suite_folders() if (f / "reproduce.toml").exists()) / "reproduce.toml"
    )
    ids = {entry.id for entry in reproduce.entries}
    # One entry per experiment of ../shared/lab-reports.md (its 38 ids; gmm-covariance is one
    # entry per covariance type and fashion-cnn-lab one per activation), each with the lab's
    # figure or finding stored beside it.
    lab = [
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
    ]
    split = ["gmm-spherical", "gmm-tied", "gmm-diag", "fashion-cnn-lab", "fashion-cnn-lab-tanh"]
    assert sorted(ids) == sorted(lab + split)
    for entry in reproduce.entries:
        assert entry.reported or entry.reported_finding or entry.reported_note, entry.id


def test_reproduction_difference_reads_well():
    from mnistkit.benchmark._report import _difference, _number

    assert _difference("test_accuracy", 0.98, 0.9784) == pytest.approx(-0.0016)
    assert _difference("hog_seconds", 1200, 0.8738) == "1,373x faster"
    assert _difference("fit_seconds", 2.0, 5.0) == "2.5x slower"
    assert _difference("test_accuracy", 0.78, None) is None
    assert _number(1473.25, 0) == "1,473" and _number(1480.0, 0) == "1,480"
    assert _number(0.98765) == "0.9877" and _number(None) == "&mdash;"
