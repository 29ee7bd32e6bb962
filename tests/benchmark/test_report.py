"""The report: honest comparisons, uncertainty, stale marking, safe writing, escaping."""

import shutil
from html.parser import HTMLParser

import pytest

from mnistkit.benchmark import run_suite, write_report


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


def _parse(html):
    parser = _Collector()
    parser.feed(html)
    return parser


@pytest.mark.slow
def test_report_of_every_kind(tiny_results, tmp_path):
    out = tmp_path / "results"
    shutil.copytree(tiny_results[1], out)
    index = write_report(out)
    html = index.read_text()
    parser = _parse(html)
    assert parser.tags.count("table") >= 4  # leaderboard, reproduction, McNemar, environment
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "&lt;b&gt;made-up&lt;/b&gt;" in html
    assert "src='http" not in html and 'src="http' not in html  # works offline: no CDN
    stems = sorted(name.rsplit("-", 1)[0] for name in parser.images)
    assert stems == sorted(
        f"figures/{name}"
        for name in [
            "score-against-fit-time",  # the overview on the first screen
            "nb-confusion",
            "nb-misclassified",
            "tree-confusion",
            "tree-misclassified",
            "depth-sweep-sweep",
            "k-sweep-sweep",
            "clusters-cluster-means",
            "variance-variance",
            "variance-reconstructions",
            "counts-class-counts",
            "means-mean-image",
            "nb.probe-again-confusion",
            "nb.probe-again-misclassified",
        ]
    )
    for source in parser.images:
        assert (index.parent / source).stat().st_size > 1000
    summary = (index.parent / "summary.md").read_text()
    assert "| nb | pixels-gaussian-nb | mnist (train/test) | ok |" in summary
    assert "training-set homogeneity / adjusted Rand / Rand by n clusters: 2: " in html
    assert "(rises with every step)" in summary
    assert (
        "| k-sweep | PCA(20) -> KMeans(K) | finding | homogeneity rises with K | training-set homogeneity"
        in summary
    )
    assert "test accuracy by max depth (train minus test in brackets)" in summary
    # Each published figure has a verdict, and a difference says whether it is explained.
    assert "| clusters |  | homogeneity | 0.5000 |" in summary
    assert (
        "| smallest_class | 1 |" in summary
        and "| differs: explained | a made-up figure, so that this row differs, explained |"
        in summary
    )
    assert "| tree |  | test_accuracy | 0.1000 |" in summary
    assert "| differs: unexplained | no measured reason yet |" in summary
    assert "| differs: unexplained | Unexplained: three seeds measured, all far above |" in summary
    # A probe says whether its one change reproduces the lab entry's figure.
    assert (
        "| probe: still differs | a probe of nb: this change does not reproduce the figure |"
        in summary
    )
    # A collate entry reads the others' current results when the report is written.
    confused = next(
        line
        for line in summary.splitlines()
        if line.startswith("| confused |") and "finding" in line
    )
    assert "nb: " in confused and " read as " in confused and "tree: " in confused
    # The card shows the lab's figure beside ours.
    assert "the lab reported" in html and html.count('class="beside"') >= 4


@pytest.mark.slow
def test_entries_on_different_test_sets_are_never_paired(suite_file, two_suite, two_results):
    # TWO's nb and tree share 200 test images; these two do not share theirs with anyone.
    # TWO's records are current (a copy of its run): only the two new entries run.
    text = (
        two_suite.read_text()
        + """
[[entries]]
id = "nb-01"
model = "pixels-gaussian-nb"
classes = [0, 1]
[[entries]]
id = "nb-more"
model = "pixels-gaussian-nb"
test_size = 300
"""
    )
    out = two_results
    ran = run_suite(suite_file(text, "two.toml"), out, progress=False)
    assert sorted(ran.ran) == ["nb-01", "nb-more"]
    html = write_report(out).read_text()
    summary = (out / "report" / "summary.md").read_text()
    rows = [
        line
        for line in summary.splitlines()
        if line.startswith("| nb | tree |") or line.startswith("| tree | nb |")
    ]
    assert len(rows) == 1  # the one valid pair
    mcnemar = summary.split("## McNemar")[1]
    assert "nb-01 |" not in mcnemar.split("Not comparable")[0]
    assert "nb-more |" not in mcnemar.split("Not comparable")[0]
    assert "- nb-01: mnist, classes 0, 1 (train/test), 200 test samples (test set " in summary
    assert "- nb-more: mnist (train/test), 300 test samples (test set " in summary
    assert "Not comparable with any other entry" in html


@pytest.mark.slow
def test_repeats_show_mean_std_per_seed_values_and_intervals(suite_file, tmp_path):
    text = """
[[entries]]
id = "forest"
model = "pixels-random-forest"
params = { randomforestclassifier__n_estimators = 5 }
train_size = 1000
test_size = 300
repeats = 3
reported = { test_accuracy = 0.80 }
"""
    out = tmp_path / "out"
    run_suite(suite_file(text), out, progress=False)
    write_report(out)
    summary = (out / "report" / "summary.md").read_text()
    html = (out / "report" / "index.html").read_text()
    row = next(line for line in summary.splitlines() if line.startswith("| forest |"))
    cells = [cell.strip() for cell in row.split("|")[1:-1]]
    # score "mean ± std", its Wilson interval, F1 "mean ± std", its bootstrap interval, 3 seeds
    assert " ± " in cells[4] and cells[5].startswith("[") and " ± " in cells[6]
    assert cells[7].startswith("[") and cells[8].startswith("3: ")
    per_seed = [float(value) for value in cells[8][3:].split(", ")]
    assert len(per_seed) == 3 and abs(sum(per_seed) / 3 - float(cells[4].split(" ± ")[0])) < 1e-4
    low, high = map(float, cells[5].strip("[]").split(", "))
    mean = float(cells[4].split(" ± ")[0])
    assert low < mean < high
    assert "test accuracy per seed: 0: " in html and ", 2: " in html
    reproduction = next(
        line for line in summary.splitlines() if "| test_accuracy | 0.8000 |" in line
    )
    assert " to " in reproduction  # the seed range beside the lab figure
    assert any(word in reproduction for word in ("reproduced", "differs"))


@pytest.mark.slow
def test_a_changed_suite_marks_results_stale_until_they_run_again(suite_file, two_suite, tmp_path):
    out = tmp_path / "out"
    run_suite(two_suite, out, progress=False)
    suite_file(two_suite.read_text().replace("max_depth = 4", "max_depth = 5"), "two.toml")
    write_report(out)
    summary = (out / "report" / "summary.md").read_text()
    html = (out / "report" / "index.html").read_text()
    assert (
        "| tree | pixels-decision-tree | mnist (train/test) | stale: suite changed (params) |"
        in summary
    )
    assert "- **tree** (stale): suite changed (params)" in summary
    assert 'class="stale">stale</span> suite changed (params)' in html
    assert "No two entries were scored on the same test samples." in summary  # stale: not paired
    run_suite(two_suite, out, progress=False)
    write_report(out)
    assert "stale" not in (out / "report" / "summary.md").read_text()


@pytest.mark.slow
def test_a_report_write_that_fails_half_way_leaves_the_old_report(
    two_suite, two_results, monkeypatch
):
    from mnistkit.benchmark import _report

    out = two_results
    index = write_report(out)
    before = {
        path.name: path.read_bytes() for path in (out / "report").rglob("*") if path.is_file()
    }
    shown = _parse(index.read_text()).images
    run_suite(two_suite, out, progress=False, force=True)  # new results: new pictures

    calls = []
    original = _report._save_figure

    def fail_on_second(*args):
        calls.append(args)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return original(*args)

    monkeypatch.setattr(_report, "_save_figure", fail_on_second)
    with pytest.raises(OSError, match="No space left"):
        write_report(out)
    assert index.read_bytes() == before["index.html"]
    assert (out / "report" / "summary.md").read_bytes() == before["summary.md"]
    for source in shown:
        assert (out / "report" / source).read_bytes() == before[source.split("/")[-1]]

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_report, "_save_figure", original)
    monkeypatch.setattr(_report, "atomic_write", full_disk)
    with pytest.raises(OSError):
        write_report(out)
    assert index.read_bytes() == before["index.html"]
    assert not [p for p in (out / "report").rglob(".*") if p.is_file()]


def test_report_refuses_ids_that_leave_the_folder(tmp_path):
    # With the suite file gone, the report reads the entries run.json recorded: their ids
    # become file names, so they are checked again there.
    from mnistkit.benchmark._report._outcomes import _suite_entries

    run = {"suite_path": str(tmp_path / "gone.toml"), "entries": [{"id": "../../../y"}]}
    with pytest.raises(
        ValueError, match=r"run.json: entry id '../../../y' cannot be used as a file name"
    ):
        _suite_entries(run, tmp_path / "run.json")
