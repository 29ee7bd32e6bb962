"""Results as data: ``load_results`` and ``mnistkit benchmark results`` give the report's
figures as one tidy frame, the console leaderboard ranks them, and a report whose inputs did
not change is left as it is."""

import json
import math
import re

import pandas as pd
import pytest

from mnistkit._cli import main
from mnistkit.benchmark import RESULT_COLUMNS, load_results, write_report
from mnistkit.benchmark._report._outcomes import load_report_data
from mnistkit.benchmark._results import leaderboard_text
from mnistkit.utils._cpu import cpu_class_of


def test_load_results_of_every_kind_holds_the_report_s_figures(tiny_results):
    _, out = tiny_results
    frame = load_results(out)
    data = load_report_data(out)
    assert list(frame.columns[: len(RESULT_COLUMNS)]) == list(RESULT_COLUMNS)
    assert len(frame) == sum(outcome.entry.repeats for outcome in data.outcomes)
    assert list(frame["id"]) == [o.entry.id for o in data.outcomes for _ in range(o.entry.repeats)]
    for outcome in data.outcomes:
        rows = frame[frame["id"] == outcome.entry.id]
        assert set(rows["kind"]) == {outcome.entry.kind}
        if outcome.score is not None:
            assert math.isclose(rows["score"].mean(), outcome.score.mean)
            if outcome.score.interval is not None:
                assert list(rows[["score_low", "score_high"]].iloc[0]) == list(
                    outcome.score.interval
                )
    nb = frame.set_index("id").loc["nb"]
    assert nb["status"] == "ok" and nb["accuracy"] == nb["score"]
    assert (
        nb["n_test"] == 500
        and nb["fit_seconds"] > 0
        and nb["cpu_class"] in ("bfloat16", "AVX-512", "AVX2 only", "no AVX2")
    )
    assert isinstance(nb["started"], pd.Timestamp) and nb["started"].tzinfo is not None
    clusters = frame.set_index("id").loc["clusters"]
    assert 0 <= clusters["homogeneity"] <= 1  # the clustering kind's own figures are columns
    # Several folders, one frame, the folder as a column.
    both = load_results([out, out.parent / "results"])
    assert len(both) == 2 * len(frame)


def test_results_command_writes_every_row_as_csv_json_and_escaped_markdown(
    tiny_results, tmp_path, capsys
):
    _, out = tiny_results
    frame = load_results(out)
    target = tmp_path / "results.csv"
    assert main(["benchmark", "results", str(out), "--format", "csv", "--output", str(target)]) == 0
    assert f"{len(frame)} rows written to {target}" in capsys.readouterr().out
    read = pd.read_csv(target)
    assert list(read["id"]) == list(frame["id"])
    assert read["score"].round(12).equals(frame["score"].astype(float).round(12))
    assert main(["benchmark", "results", str(out), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["id"] for row in rows] == list(frame["id"])
    assert main(["benchmark", "results", str(out), "--format", "markdown"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert len(table) == 2 + len(frame)
    assert {line.count(" | ") for line in table[2:]} == {len(frame.columns) - 1}  # no cell breaks
    assert main(["benchmark", "results", str(out)]) == 0
    assert (
        capsys.readouterr().out.splitlines()[1].split()[1]
        == frame.sort_values("score", ascending=False)["id"].iloc[0]
    )


def test_the_leaderboard_ranks_by_score_and_lists_failures_with_their_reason():
    frame = pd.DataFrame(
        {
            "folder": "r",
            "id": ["low", "high", "broken", "high"],
            "status": ["ok", "ok", "failed", "ok"],
            "reason": [None, None, "ValueError: no\nmore", None],
            "score": [0.5, 0.9, None, 0.8],
            "score_low": [0.4, 0.85, None, 0.85],
            "score_high": [0.6, 0.95, None, 0.95],
            "fit_seconds": [1.0, 2.0, None, 4.0],
        }
    )
    lines = leaderboard_text(frame).splitlines()
    assert lines[1].split() == ["1", "high", "0.8500", "[0.8500,", "0.9500]", "3.0"]
    assert lines[2].split()[:3] == ["2", "low", "0.5000"]
    assert lines[3] == "broken: failed: ValueError: no"


@pytest.mark.parametrize(
    ("cpu", "expected"),
    [
        ("AMD EPYC (avx2 fma)", "AVX2 only"),
        ("Intel Xeon (avx2 fma avx512f)", "AVX-512"),
        ("Intel Xeon (avx2 fma avx512f avx512_bf16 amx_bf16 amx_tile)", "bfloat16"),
        ("Intel Xeon (avx2 fma avx512f avx512_bf16), ONEDNN_MAX_CPU_ISA=AVX2", "AVX2 only"),
        ("old (none of avx2 fma)", "no AVX2"),
        (None, None),
    ],
)
def test_the_cpu_class_is_read_from_the_recorded_cpu(cpu, expected):
    assert cpu_class_of(cpu) == expected


@pytest.mark.slow
def test_a_report_whose_inputs_did_not_change_is_left_as_it_is(two_results):
    out = two_results
    index = write_report(out)
    # The first screen says when and on what: dates, wall time, CPU class, cores, versions.
    page, summary = index.read_text(), index.with_name("summary.md").read_text()
    for text in (page, summary):
        provenance = re.search(r"Measured \d{4}-\d\d-\d\d \(UTC\), \d+ s from the first .*", text)
        assert provenance, text[:600]
        line = provenance.group(0)
        assert re.search(r"(bfloat16|AVX-512|AVX2 only|no AVX2), \d+ cores", line)
        assert "mnistkit 0.1" in line and "scikit-learn " in line and "BLAS " in line
    assert 'alt="Score against fit time' in page and "](figures/score-against-fit-time-" in summary
    before = {p: p.stat().st_mtime_ns for p in (out / "report").rglob("*") if p.is_file()}
    assert write_report(out) == index
    assert {p: p.stat().st_mtime_ns for p in before} == before  # not one file rewritten
    record = out / "entries" / "nb" / "repeat-0.json"
    values = json.loads(record.read_text())
    values["fit_seconds"] = 123.0
    record.write_text(json.dumps(values))
    write_report(out)
    assert index.stat().st_mtime_ns != before[index] and "123.0" in index.read_text()


@pytest.mark.slow
def test_a_report_over_two_runs_tells_their_entries_apart_and_pairs_them(two_results, capsys):
    import shutil

    other = two_results.parent / "other"
    shutil.copytree(two_results, other)
    report = two_results.parent / "both"
    assert main(["benchmark", "report", str(two_results), str(other)]) == 1
    assert "needs its own folder: add --out R" in capsys.readouterr().err
    assert main(["benchmark", "report", str(two_results), str(other), "--out", str(report)]) == 0
    page = (report / "index.html").read_text()
    for name in ("nb.run1", "nb.run2", "tree.run1", "tree.run2"):
        assert f'id="{name}"' in page
    assert f"From run 2: {other} (host " in page
    # Both runs scored the same test samples: McNemar pairs entries across them.
    summary = (report / "summary.md").read_text()
    comparisons = summary.split("McNemar")[1]
    assert "run1" in comparisons and "run2" in comparisons
    assert len(load_results([two_results, other])) == 2 * len(load_results(two_results))
