"""Faults and odd input for the benchmark: nothing lost, nothing faked, nothing mis-read.

Two runs into one folder, a killed runner, a report among a user's own files, markup in a
suite, a record edited by hand, corrupt predictions, unbounded counts and empty selections.
"""

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from mnistkit.benchmark import (
    Result,
    SuiteError,
    _isolated,
    _runner,
    find_suite,
    load_suite,
    run_suite,
    write_report,
)
from mnistkit.benchmark._forkserver import ENTRY_PROCESS_NAME
from mnistkit.benchmark._records import predictions_path, record_path
from mnistkit.utils._lock import LOCK_NAME, FolderLock, FolderLockedError

psutil = pytest.importorskip("psutil")

NB = """
name = "nb"
[defaults]
train_size = 1000
test_size = 200
[[entries]]
id = "nb"
model = "pixels-gaussian-nb"
"""

# An entry that runs for many seconds on any machine (k-NN predicting the 10,000 test images
# against the 60,000 training images), so that a second run, started once the first entry's
# record is written, finds it still running.
SLOW = """
name = "slow"
[[entries]]
id = "quick"
model = "pixels-gaussian-nb"
train_size = 1000
test_size = 200
[[entries]]
id = "slow"
model = "pixels-knn"
time_limit = 900
"""
# For the kill tests: they kill as soon as the slow entry's process exists, so it only has to
# outlive its own start-up (imports and data loading take seconds by themselves); the resumed
# run then completes it in a few seconds instead of half a minute.
SLOW_TO_KILL = SLOW + "test_size = 2000\n"
# For the busy-folder test: the second run is refused within its own start-up (a few seconds),
# so the slow entry has to outlive that by a margin on a fast machine, not take a minute on a
# slow one: 4,000 test images (about a dozen seconds on a fast 2-core machine).
SLOW_FOR_A_SECOND_RUN = SLOW + "test_size = 4000\n"


def _cli(*args):
    return [sys.executable, "-m", "mnistkit", *args]


def _wait(condition, timeout=120, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {timeout} s")


def _alive(pids):
    alive = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.NoSuchProcess:
            pass
    return alive


def _runs_an_entry(process):
    """Whether ``process`` runs an entry: forked by the fork server (its name says so) or
    started as ``python -c`` (its command line names the child module)."""
    return process.name() == ENTRY_PROCESS_NAME or "mnistkit.benchmark._child" in " ".join(
        process.cmdline()
    )


def _entry_processes(runner):
    """The runner's descendants that run an entry (their command line names the child)."""
    found = []
    for child in psutil.Process(runner).children(recursive=True):
        try:
            if _runs_an_entry(child):
                found.append(child.pid)
        except psutil.NoSuchProcess:
            pass
    return found


def _start_slow_run(suite_file, tmp_path, text=SLOW):
    """Start the CLI on SLOW; return (suite, results folder, process) once 'quick' is done."""
    suite = suite_file(text, "slow.toml")
    out = tmp_path / "out"
    process = subprocess.Popen(
        _cli("benchmark", "run", str(suite), "--out", str(out), "--no-progress", "--no-report"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait(lambda: (out / "entries" / "quick" / "repeat-0.json").exists(), what="the first record")
    return suite, out, process


# -- 1. one run per results folder ---------------------------------------------------------


def test_a_folder_lock_names_its_owner_and_a_dead_owner_s_lock_is_taken_over(tmp_path):
    refused = pytest.raises(FolderLockedError, match=rf"in use by another run: pid {os.getpid()}")
    with FolderLock(tmp_path, "results folder"), refused:
        FolderLock(tmp_path, "results folder").acquire()
    assert not (tmp_path / LOCK_NAME).exists()
    # A lock file left by a process that was killed: nobody holds it, so it is taken over.
    dead = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, os; sys.path[:0] = [os.getcwd()]; "
            "from mnistkit.utils._lock import FolderLock; "
            f"FolderLock({str(tmp_path)!r}).acquire(); os._exit(0)",
        ],
        cwd=Path(__file__).parents[2],
    )
    assert dead.returncode == 0 and (tmp_path / LOCK_NAME).exists()
    with FolderLock(tmp_path) as lock:
        assert lock.read_owner()["pid"] == os.getpid()


@pytest.mark.slow
def test_a_second_run_into_a_busy_folder_is_refused_and_the_first_s_records_survive(
    suite_file, tmp_path
):
    suite, out, first = _start_slow_run(suite_file, tmp_path, SLOW_FOR_A_SECOND_RUN)
    second = subprocess.run(
        _cli("benchmark", "run", str(suite), "--out", str(out), "--no-progress"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert second.returncode == 1
    assert f"in use by another run: pid {first.pid}" in second.stderr
    _, errors = first.communicate(timeout=600)
    assert first.returncode == 0, errors
    for entry_id in ("quick", "slow"):
        record = Result.read(record_path(out, entry_id, 0))
        assert record.ok, record.error
        assert predictions_path(out, entry_id, 0).exists()
    assert not (out / LOCK_NAME).exists()


def test_a_run_refuses_a_folder_of_other_files_a_file_and_a_dangling_link(suite_file, tmp_path):
    suite = suite_file(NB, "nb.toml")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("my thesis")
    with pytest.raises(ValueError, match=r"holds files that are not benchmark results \(thesis"):
        run_suite(suite, mine, progress=False)
    assert os.listdir(mine) == ["thesis.tex"]
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(ValueError, match="is a file, not a folder"):
        run_suite(suite, tmp_path / "a-file", progress=False)
    (tmp_path / "link").symlink_to(tmp_path / "nowhere")
    with pytest.raises(ValueError, match=r"symbolic link to .*nowhere, which does not exist"):
        run_suite(suite, tmp_path / "link", progress=False)


# -- 6. a killed runner leaves no process; a killed entry is named ---------------------------


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_runner_leaves_no_process_and_a_resumed_run_completes_the_rest(
    suite_file, tmp_path, how
):
    suite, out, runner = _start_slow_run(suite_file, tmp_path, SLOW_TO_KILL)
    _wait(lambda: _entry_processes(runner.pid), what="the slow entry's start")
    descendants = [child.pid for child in psutil.Process(runner.pid).children(recursive=True)]
    os.kill(runner.pid, how)  # the runner alone, not its process group
    runner.communicate(timeout=60)
    _wait(lambda: not _alive(descendants), timeout=15, what="the end of every child")
    assert not record_path(out, "slow", 0).exists()
    started = Result.read(record_path(out, "quick", 0)).started
    summary = run_suite(suite, out, progress=False)
    assert summary.ran == ["slow"] and summary.skipped == ["quick"]
    assert summary.statuses == {"slow": "ok"}
    assert Result.read(record_path(out, "quick", 0)).started == started


def test_an_entry_killed_by_a_signal_is_recorded_as_killed(suite_file, tmp_path, monkeypatch):
    suite = load_suite(suite_file(NB, "nb.toml"))
    monkeypatch.setattr(_isolated, "_CHILD", "import os, signal; os.kill(os.getpid(), 9)")
    task = _isolated.Task(suite.entries[0], 0, "new")
    status, error = _isolated.run_isolated(task, tmp_path)
    assert status == "failed"
    assert error == "the entry's process was killed (signal 9: out of memory?)"
    assert Result.read(record_path(tmp_path, "nb", 0)).error == error


def test_an_entry_whose_parent_died_before_its_watch_started_stops_and_removes_its_scratch(
    tmp_path,
):
    # A Dask worker killed while its entry's process is still importing: by the time the
    # watch starts, the orphan has been adopted, so its parent is the pid the worker passed
    # (the task's "parent"), not os.getppid(). The stand-in parent: a pid that is not ours.
    scratch = tmp_path / "mnistkit-scratch"
    scratch.mkdir()
    (scratch / "partial.json").write_text("{}")
    script = (
        "import time; from mnistkit.benchmark._child import _watch_runner; "
        f"_watch_runner(None, {str(scratch)!r}, parent=2**22 + 1); time.sleep(60)"
    )
    orphan = subprocess.Popen(
        [sys.executable, "-c", script], start_new_session=True, cwd=Path(__file__).parents[2]
    )
    try:
        assert orphan.wait(timeout=30) != 0
    finally:
        orphan.kill()
    assert not scratch.exists()


# -- 2-5. the report ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def nb_results(tmp_path_factory):
    """A results folder of one naive Bayes entry (a pristine copy is made for each test)."""
    folder = tmp_path_factory.mktemp("nb")
    suite = folder / "nb.toml"
    suite.write_text(NB)
    out = folder / "out"
    run_suite(suite, out, progress=False)
    return out


@pytest.fixture
def results(nb_results, tmp_path):
    import shutil

    copy = tmp_path / "results"
    shutil.copytree(nb_results, copy)
    return copy


@pytest.mark.slow
def test_the_report_never_deletes_or_writes_among_files_it_did_not_write(results, tmp_path):
    paper = tmp_path / "mypaper"
    (paper / "figures").mkdir(parents=True)
    (paper / "figures" / "my-plot.png").write_bytes(b"\x89PNG my own figure")
    with pytest.raises(ValueError, match=r"holds files no mnistkit report wrote \(figures/my-plot"):
        write_report(results, paper)
    assert (paper / "figures" / "my-plot.png").read_bytes() == b"\x89PNG my own figure"
    assert sorted(p.name for p in paper.rglob("*")) == ["figures", "my-plot.png"]

    report = tmp_path / "report"
    write_report(results, report)
    manifest = json.loads((report / "mnistkit-report.json").read_text())
    figures = sorted(name for name in manifest["files"] if name.startswith("figures/"))
    assert figures and all((report / name).exists() for name in figures)
    # An old figure of an earlier report is removed; the report writes again into its folder.
    stale = report / "figures" / "nb-confusion-0123456789.png"
    stale.write_bytes(b"old")
    with pytest.raises(ValueError, match="nb-confusion-0123456789.png"):
        write_report(results, report)  # its name is not the hash of its bytes: not ours
    stale.unlink()
    manifest["files"].append("figures/old-0123456789.png")
    (report / "figures" / "old-0123456789.png").write_bytes(b"old")
    (report / "mnistkit-report.json").write_text(json.dumps(manifest))
    write_report(results, report)
    assert not (report / "figures" / "old-0123456789.png").exists()
    assert all((report / name).exists() for name in figures)


def test_a_manifest_naming_files_outside_the_report_is_refused(results, tmp_path):
    report = tmp_path / "report"
    write_report(results, report)
    (tmp_path / "precious.txt").write_text("keep me")
    (report / "mnistkit-report.json").write_text(json.dumps({"files": ["../precious.txt"]}))
    with pytest.raises(ValueError, match="names files that are not a report's"):
        write_report(results, report)
    assert (tmp_path / "precious.txt").read_text() == "keep me"


MARKUP = {
    "description": "<script>alert(1)</script>\n# a heading",
    "reported_note": "<img src=x onerror=alert(2)>",
    "reported_finding": "<iframe src=javascript:alert(3)></iframe> [click](javascript:x)",
    "explanations": {"test_accuracy": "<b onmouseover=alert(4)>| a cell\n- a list"},
}


@pytest.mark.slow
def test_no_text_from_a_suite_becomes_markup_in_either_output(suite_file, tmp_path):
    explanation = json.dumps(MARKUP["explanations"]["test_accuracy"])
    text = f"""
name = "markup"
description = {json.dumps(MARKUP["description"])}
[[entries]]
id = "nb"
model = "pixels-gaussian-nb"
train_size = 500
test_size = 100
description = {json.dumps(MARKUP["description"])}
reported = {{ test_accuracy = 0.1 }}
reported_note = {json.dumps(MARKUP["reported_note"])}
reported_finding = {json.dumps(MARKUP["reported_finding"])}
explanations = {{ test_accuracy = {explanation} }}
"""
    out = tmp_path / "out"
    run_suite(suite_file(text, "markup.toml"), out, progress=False)
    index = write_report(out)
    for output in (index, index.with_name("summary.md")):
        written = output.read_text()
        for tag in ("<script>alert", "<img src=x", "<iframe", "<b onmouseover"):
            assert tag not in written, (output.name, tag)
        assert output.suffix == ".html" or "](javascript" not in written
    summary = index.with_name("summary.md").read_text().splitlines()
    assert "# a heading" not in summary and not any(line.startswith("- a list") for line in summary)
    assert "&lt;script>alert(1)&lt;/script> # a heading" in summary


def _edit(path, change):
    values = json.loads(path.read_text())
    change(values)
    path.write_text(json.dumps(values))


def _invalid_message(results):
    from mnistkit.benchmark._report._outcomes import load_report_data

    outcome = load_report_data(results).outcomes[0]
    assert outcome.status == "invalid" and not outcome.results
    return outcome.error


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r["metrics"].update(accuracy=0.999), r"accuracy 0.999 disagrees with its"),
        (lambda r: r["metrics"].update(f1_macro=0.5), r"f1 macro 0.5 disagrees"),
        (lambda r: r.update(metrics={}), r"has no test accuracy"),
        (lambda r: r["metrics"].update(accuracy="high"), r"test accuracy is 'high', not a number"),
        (lambda r: r["metrics"].update(log_loss=[1, 2]), r"log loss is \[1, 2\], not a number"),
        (lambda r: r.update(metrics="all good"), r"metrics are not a table"),
    ],
)
def test_a_record_edited_by_hand_is_marked_invalid_and_the_report_still_written(
    results, change, message
):
    _edit(record_path(results, "nb", 0), change)
    error = _invalid_message(results)
    assert str(record_path(results, "nb", 0)) in error and message.split("\\")[0][:8] in error
    import re

    assert re.search(message, error), error
    index = write_report(results)
    assert "invalid" in index.with_name("summary.md").read_text()


def test_the_runner_runs_a_record_edited_by_hand_again(results, tmp_path):
    # Belief is decided in one place: what the report marks invalid, the runner runs again.
    _edit(record_path(results, "nb", 0), lambda r: r["metrics"].update(accuracy=0.999))
    suite = tmp_path / "nb.toml"
    suite.write_text(NB)
    todo, current = _runner.plan_runs(load_suite(suite), results)
    assert current == [] and "its record is not believed" in todo[0].reason
    assert "accuracy 0.999 disagrees" in todo[0].reason
    run_suite(suite, results, progress=False)
    assert Result.read(record_path(results, "nb", 0)).metrics["accuracy"] != 0.999
    assert load_report_data_status(results) == "ok"


def load_report_data_status(results):
    from mnistkit.benchmark._report._outcomes import load_report_data

    return load_report_data(results).outcomes[0].status


def _save(path, **arrays):
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (lambda p: p.write_bytes(b"PK\x03\x04 not a zip"), r"unreadable|not a predictions file"),
        (
            lambda p: p.write_bytes(b"garbage bytes, not an archive"),
            r"not a predictions file \(not a NumPy .npz archive: it starts with b'garb'\)",
        ),
        (lambda p: p.write_bytes(p.read_bytes()[:40]), r"unreadable|not a predictions file"),
        (
            lambda p: _save(p, y_true=np.arange(200), y_pred=np.array([object()] * 200)),
            r"holds Python objects",
        ),
        (lambda p: _save(p, y_true=np.arange(200)), r"lacks y_pred"),
        (
            lambda p: _save(p, y_true=np.zeros(50, int), y_pred=np.zeros(50, int)),
            r"holds 50 predictions but the record tested 200",
        ),
        (lambda p: p.unlink(), r"predictions file is missing"),
    ],
)
def test_a_bad_predictions_file_marks_its_entry_invalid_naming_the_file(results, write, message):
    import re

    path = predictions_path(results, "nb", 0)
    write(path)
    error = _invalid_message(results)
    assert re.search(message, error), error
    assert "repeat-0" in error
    write_report(results)


# -- 8, 21-23 and the suite errors: refused at load, naming the key ---------------------------


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("repeats = 10000000", r"'repeats' must be from 1 to 1,000; got 10000000"),
        ("time_limit = inf", r"'time_limit' must be from 0.001 to 604800; got inf"),
        ("time_limit = nan", r"'time_limit' must be from"),
        ("cv = 1000000", r"'cv' must be from 2 to 100"),
        ("random_state = 4294967295\nrepeats = 2", r"must stay below 2\*\*32"),
        ("classes = [3]", r"'classes' must keep at least two labels"),
        ("classes = [3, 3]", r"'classes' must not repeat a label"),
        ("classes = [3, 99]", r"'classes' holds 99, which 'mnist' does not have"),
        (
            'classes = ["3", "5"]',
            r"'classes' holds '3', '5', which 'mnist' does not have .*integers",
        ),
        ("image_size = [100000, 100000]", r"'image_size' must be at most 4096 pixels a side"),
        (
            "grid = { decisiontreeclassifier__max_depth = "
            + str(list(range(200)))
            + ", decisiontreeclassifier__min_samples_leaf = "
            + str(list(range(1, 200)))
            + " }",
            r"at most 10,000 combinations",
        ),
    ],
)
def test_unbounded_counts_and_impossible_filters_are_refused_at_load(suite_file, extra, message):
    text = NB.replace('model = "pixels-gaussian-nb"', f'model = "pixels-decision-tree"\n{extra}')
    with pytest.raises(SuiteError, match=message):
        load_suite(suite_file(text, "bad.toml"))


def test_a_collate_entry_reading_unknown_ids_is_refused_naming_the_known(suite_file):
    text = NB + '\n[[entries]]\nid = "both"\nkind = "collate"\nof = ["nb", "nosuch"]\n'
    with pytest.raises(SuiteError, match=r"'of' names 'nosuch', .*its entries are nb\."):
        load_suite(suite_file(text, "collate.toml"))


def test_an_empty_selection_of_entries_is_an_error(suite_file, tmp_path, capsys):
    from mnistkit._cli import main

    suite = suite_file(NB, "nb.toml")
    with pytest.raises(ValueError, match="selection of entries is empty.*the suite's: nb"):
        run_suite(suite, tmp_path / "out", only=[], progress=False)
    assert (
        main(["benchmark", "run", str(suite), "--out", str(tmp_path / "o"), "--entries", ""]) == 1
    )
    assert "selection of entries is empty" in capsys.readouterr().err
    assert not (tmp_path / "o" / "entries").exists()


def test_a_latin1_suite_and_a_folder_are_named_with_the_fix(tmp_path):
    latin = tmp_path / "latin.toml"
    latin.write_bytes(NB.replace('"nb"\n[defaults]', '"caf\xe9"\n[defaults]').encode("latin-1"))
    with pytest.raises(SuiteError, match=r"latin.toml: not UTF-8 text .*save the file as UTF-8"):
        load_suite(latin)
    (tmp_path / "suites").mkdir()
    (tmp_path / "suites" / "a.toml").write_text(NB)
    with pytest.raises(FileNotFoundError, match=r"is a folder; pass the path .* It holds a.toml"):
        find_suite(tmp_path / "suites")


@pytest.mark.slow
def test_flat_baselines_run_on_an_image_folder(suite_file, tmp_path):
    from PIL import Image

    rng = np.random.default_rng(0)
    for part in ("train", "test"):
        for label in ("circle", "square"):
            folder = tmp_path / "images" / part / label
            folder.mkdir(parents=True)
            for i in range(12):
                pixels = rng.integers(0, 60, (20, 20), dtype=np.uint8)
                if label == "square":
                    pixels[5:15, 5:15] = 250
                Image.fromarray(pixels).save(folder / f"{i}.png")
    text = f"""
name = "folder"
[defaults]
dataset = "folder"
path = {json.dumps(str(tmp_path / "images"))}
image_size = [16, 16]
[[entries]]
id = "nb"
model = "pixels-gaussian-nb"
[[entries]]
id = "pca-knn"
model = "pca-knn"
params = {{ pca__n_components = 5 }}
[[entries]]
id = "classes"
model = "pixels-gaussian-nb"
classes = ["circle", "triangle"]
"""
    summary = run_suite(suite_file(text, "folder.toml"), tmp_path / "out", progress=False)
    assert summary.statuses["nb"] == "ok" and summary.statuses["pca-knn"] == "ok"
    assert Result.read(record_path(tmp_path / "out", "nb", 0)).metrics["accuracy"] == 1.0
    assert summary.statuses["classes"] == "failed"
    assert "names ['triangle'], which the training data does not have" in summary.error("classes")
    assert math.isfinite(Result.read(record_path(tmp_path / "out", "pca-knn", 0)).seconds)


@pytest.mark.parametrize(
    "name",
    [
        LOCK_NAME,
        "run.json",
        "entries/nb/repeat-0.json",
        "entries/nb/repeat-0.predictions.npz",
        "entries",
        "report/index.html",
        "report/summary.md",
        "report/mnistkit-report.json",
        "report/figures/FIRST",
        f"report/{LOCK_NAME}",
    ],
)
def test_no_file_of_a_run_or_its_report_is_written_through_a_link(results, tmp_path, name):
    write_report(results)
    if name.endswith("FIRST"):
        name = next((results / "report" / "figures").iterdir()).relative_to(results).as_posix()
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    target = results / name
    if target.is_dir():
        import shutil

        shutil.rmtree(target)
    else:
        target.unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to(notes)
    suite = tmp_path / "nb.toml"
    suite.write_text(NB)
    with pytest.raises(ValueError, match=r"symbolic link"):
        run_suite(suite, results, progress=False, force=True)
    if name.startswith("report/"):
        with pytest.raises(ValueError, match=r"symbolic link"):
            write_report(results)
    assert notes.read_text() == "my notes" and target.is_symlink()


@pytest.mark.parametrize("manifest", [True, False])
def test_a_figure_whose_bytes_were_replaced_is_written_again(results, manifest):
    import hashlib

    write_report(results)
    report = results / "report"
    figures = sorted((report / "figures").iterdir())
    figures[0].write_bytes(b"\x89PNG replaced")
    if not manifest:  # a report of a mnistkit without manifests: its page names its figures
        (report / "mnistkit-report.json").unlink()
    write_report(results)
    for path in (report / "figures").iterdir():
        digest = path.stem.rsplit("-", 1)[1]
        assert hashlib.sha256(path.read_bytes()).hexdigest()[:10] == digest
    assert {p.name for p in (report / "figures").iterdir()} == {p.name for p in figures}


@pytest.mark.slow
def test_an_entry_process_whose_parent_dies_before_sending_its_task_removes_its_scratch(
    tmp_path,
):
    # A Dask worker killed just after starting an entry's process never finishes sending the
    # task; the process was told its parent and scratch folder on its command line, so it
    # still removes the folder and stops (the folder would otherwise stay on the worker).
    import contextlib

    import psutil

    from mnistkit.benchmark._isolated import _CHILD

    scratch = tmp_path / "mnistkit-entry-x"
    scratch.mkdir()
    middle = (
        "import subprocess, sys, os\n"
        f"child = subprocess.Popen([sys.executable, '-c', {_CHILD!r}, '--parent', "
        f"str(os.getpid()), '--scratch', {str(scratch)!r}], stdin=subprocess.PIPE, "
        "start_new_session=True)\n"
        "print(child.pid, flush=True)\n"
        "os._exit(0)  # gone before writing the task: the child's stdin stays open, unwritten\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", middle], capture_output=True, text=True, check=True, timeout=60
    )
    child = int(done.stdout.split()[0])

    def running():  # an exited child whose new parent has not reaped it yet is not running
        with contextlib.suppress(psutil.NoSuchProcess):
            return psutil.Process(child).status() != psutil.STATUS_ZOMBIE
        return False

    deadline = time.monotonic() + 60
    while (scratch.exists() or running()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not scratch.exists() and not running()
