"""Running suites: fingerprinted resume, faults that never lose or fake data, isolation."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mnistkit.benchmark import Result, run_suite
from mnistkit.benchmark._records import record_path
from mnistkit.utils._files import remove_abandoned_temporaries


def _record(folder, entry_id, repeat=0):
    return Result.read(record_path(folder, entry_id, repeat))


@pytest.mark.slow
def test_tiny_suite_end_to_end(tiny_results):
    summary, out = tiny_results
    assert summary.statuses == dict.fromkeys(
        [
            "nb",
            "tree",
            "depth-sweep",
            "clusters",
            "k-sweep",
            "variance",
            "counts",
            "means",
            "nb.probe-again",
            "confused",
        ],
        "ok",
    )
    nb = _record(out, "nb")
    assert nb.n_train == 3000 and nb.n_test == 500 and nb.seed == 0
    assert 0.4 < nb.metrics["accuracy"] < 0.9
    assert nb.fit_seconds > 0 and nb.peak_memory_mib > 50
    assert nb.environment["versions"]["scikit-learn"]
    assert "gaussiannb__var_smoothing" in nb.details["params"]
    assert set(nb.fingerprint) == {"entry", "data"} and nb.test_set
    assert _record(out, "tree").details["best_params"][
        "decisiontreeclassifier__min_samples_leaf"
    ] in (1, 5)
    assert [row["value"] for row in _record(out, "depth-sweep").metrics["sweep"]] == [2, 4]
    assert 0 < _record(out, "clusters").metrics["homogeneity"] < 1
    k_rows = _record(out, "k-sweep").metrics["sweep"]
    assert 0 < k_rows[0]["homogeneity"] < k_rows[1]["homogeneity"] < 1
    variance = _record(out, "variance").metrics
    assert variance["explained_variance"] > 0.7
    errors = variance["reconstruction_mse"]
    assert errors["1"] > errors["10"] > errors["784"] and errors["784"] < 1e-10
    counts = _record(out, "counts").metrics
    assert counts["n_train"] == 3000 and sum(counts["train_counts"].values()) == 3000
    assert counts["smallest_class"] == min(counts["train_counts"].values())
    assert len(_record(out, "clusters").details["pictures"]["cluster_means"]) == 10
    # Every record whole, and nothing temporary left behind.
    assert not [p for p in out.rglob(".*") if p.is_file()]


@pytest.mark.slow
def test_changed_entry_runs_again_and_says_why(suite_file, two_suite, two_results):
    out = two_results
    first = _record(out, "tree")
    said = []
    changed = suite_file(
        two_suite.read_text().replace("max_depth = 4", "max_depth = 5"), "two.toml"
    )
    summary = run_suite(changed, out, progress=False, echo=said.append)
    assert said[0] == "tree: suite changed (params), running again"
    assert len(said) == 2 and re.fullmatch(r"tree: ok, score 0\.\d{4}, fit \d+\.\d s", said[1])
    assert summary.ran == ["tree"] and summary.skipped == ["nb"]
    assert summary.reasons == {"tree": "suite changed (params)"}
    again = _record(out, "tree")
    assert again.entry["params"] == {"decisiontreeclassifier__max_depth": 5}
    assert again.fingerprint["entry"] != first.fingerprint["entry"]
    # A description or a published figure decides nothing: still current.
    described = suite_file(changed.read_text() + 'description = "words"\n', "two.toml")
    assert run_suite(described, out, progress=False).ran == []
    # --force runs everything; another seed runs again too.
    assert sorted(run_suite(described, out, progress=False, force=True).ran) == ["nb", "tree"]
    seeded = suite_file(
        described.read_text().replace("[defaults]", "[defaults]\nrandom_state = 7"), "two.toml"
    )
    said.clear()
    run_suite(seeded, out, progress=False, echo=said.append)
    assert "tree: suite changed (random_state), running again" in said


@pytest.mark.slow
def test_truncated_record_is_moved_aside_and_run_again(two_suite, two_results):
    out = two_results
    path = record_path(out, "nb", 0)
    truncated = path.read_text()[:200]  # what a killed process or a full disk leaves
    path.write_text(truncated)
    said = []
    summary = run_suite(two_suite, out, progress=False, echo=said.append)
    assert summary.ran == ["nb"] and summary.statuses == {"nb": "ok"}
    assert (
        said[0].startswith("nb: its record was corrupt (")
        and "moved to repeat-0.json.corrupt-" in said[0]
    )
    assert _record(out, "nb").ok
    (aside,) = path.parent.glob("repeat-0.json.corrupt-*")
    assert aside.read_text() == truncated  # kept as it was, for a person to look at


@pytest.mark.slow
def test_a_crashed_child_replaces_an_older_record_and_the_run_goes_on(
    two_suite, two_results, monkeypatch
):
    from mnistkit.benchmark import _isolated

    out = two_results
    old = _record(out, "nb")
    # A child that dies without writing anything (killed, segfault): the runner records the
    # failure itself, replacing the older record, and the next entry still runs.
    monkeypatch.setattr(_isolated.sys, "executable", "/bin/false")
    summary = run_suite(two_suite, out, progress=False, force=True)
    assert summary.statuses == {"nb": "failed", "tree": "failed"}
    failed = _record(out, "nb")
    assert failed.status == "failed" and failed.attempt != old.attempt
    assert "exited with code 1" in failed.error
    assert not (out / "entries" / "nb" / "repeat-0.predictions.npz").exists()
    monkeypatch.undo()
    # The next run replaces the failure with a fresh result.
    summary = run_suite(two_suite, out, progress=False)
    assert summary.reasons == {
        "nb": "the last run ended 'failed'",
        "tree": "the last run ended 'failed'",
    }
    assert _record(out, "nb").ok


@pytest.mark.slow
def test_failing_and_timed_out_entries_are_recorded_and_the_rest_complete(suite_file, tmp_path):
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
    out = tmp_path / "out"
    summary = run_suite(suite_file(text), out, progress=False)
    assert summary.statuses == {"bad": "failed", "slow": "timeout", "good": "ok"}
    assert "max_depth" in summary.error("bad") and "max_depth" in _record(out, "bad").error
    assert "time limit of 2 s" in _record(out, "slow").error
    again = run_suite(suite_file(text), out, progress=False)
    assert again.skipped == ["good"] and set(again.ran) == {"bad", "slow"}


@pytest.mark.slow
def test_repeats_run_one_record_per_seed(suite_file, tmp_path):
    text = """
[defaults]
train_size = 1000
test_size = 200
[[entries]]
id = "tree"
model = "pixels-random-forest"
params = { randomforestclassifier__n_estimators = 5 }
repeats = 3
"""
    out = tmp_path / "out"
    summary = run_suite(suite_file(text), out, progress=False)
    assert sorted(summary.statuses) == ["tree#0", "tree#1", "tree#2"]
    seeds = [_record(out, "tree", repeat).seed for repeat in range(3)]
    assert seeds == [0, 1, 2]
    # Each seed reaches every random_state of the pipeline: the forests differ.
    assert len({_record(out, "tree", r).metrics["accuracy"] for r in range(3)}) > 1


def test_abandoned_temporaries_are_removed_but_not_a_live_writer_s(tmp_path):
    import re
    import socket

    host = re.sub(r"[^A-Za-z0-9_]", "_", socket.gethostname())
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(dead.stdout)
    folder = tmp_path / "entries" / "x"
    folder.mkdir(parents=True)
    abandoned = folder / f".repeat-0.json.{host}-{dead_pid}.abc123.part"
    live = folder / f".repeat-1.json.{host}-{os.getpid()}.def456.part"
    other_host = folder / f".repeat-2.json.otherhost-{dead_pid}.ghi789.part"
    unrelated = folder / ".notes.part"
    for path in (abandoned, live, other_host, unrelated):
        path.write_text("x")
    assert remove_abandoned_temporaries(tmp_path, recursive=True) == [abandoned]
    assert live.exists() and other_host.exists() and unrelated.exists()


def _wait_for_results(folder, count, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(list(Path(folder, "entries").glob("*/repeat-0.json"))) >= count:
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


def _start_slowish_run(suite_file, tmp_path, preexec_fn=None):
    """Start the CLI on SLOWISH; return (suite, results folder, process) once one entry is done."""
    suite = suite_file(SLOWISH, "slowish.toml")
    out = tmp_path / "out"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mnistkit",
            "benchmark",
            "run",
            str(suite),
            "--out",
            str(out),
            "--no-progress",
            "--no-report",
        ],
        start_new_session=True,
        preexec_fn=preexec_fn,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for_results(out, 1)
    return suite, out, process


@pytest.mark.slow
def test_sigkill_then_resume_runs_every_entry_exactly_once(suite_file, tmp_path):
    from mnistkit._cli import main

    suite, out, process = _start_slowish_run(suite_file, tmp_path)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    first = {
        p.parent.name: Result.read(p).started for p in (out / "entries").glob("*/repeat-0.json")
    }
    assert 1 <= len(first) < 4
    assert main(["benchmark", "run", str(suite), "--out", str(out), "--no-progress"]) == 0
    for i in range(4):
        record = _record(out, f"entry-{i}")
        assert record.ok and (out / "entries" / f"entry-{i}" / "repeat-0.predictions.npz").exists()
        if f"entry-{i}" in first:
            assert record.started == first[f"entry-{i}"]  # finished before the kill: not rerun
    assert not [p for p in out.rglob(".*") if p.is_file()]  # the killed run's leftovers are gone
    assert (out / "report" / "index.html").exists()


@pytest.mark.slow
def test_ctrl_c_stops_cleanly(suite_file, tmp_path, ctrl_c_as_in_a_terminal):
    _, out, process = _start_slowish_run(suite_file, tmp_path, ctrl_c_as_in_a_terminal)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "interrupted" in stderr and "Traceback" not in stderr
    done = list((out / "entries").glob("*/repeat-0.json"))
    assert done and all(json.loads(p.read_text())["status"] in ("ok", "failed") for p in done)
