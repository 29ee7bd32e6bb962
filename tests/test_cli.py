"""The ``mnistkit`` command line."""

import pytest

from mnistkit._cli import main
from mnistkit.benchmark import Result
from mnistkit.benchmark._records import record_path


def test_help_and_errors(tmp_path, capsys):
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
    bad = tmp_path / "bad.toml"
    bad.write_text('[[entries]]\nid = "x"\nmodle = "pixels-knn"\n')
    assert main(["benchmark", "run", str(bad)]) == 1
    assert "unknown keys 'modle' (did you mean 'model'?)" in capsys.readouterr().err
    bad.write_text('[[entries]]\nid = "../x"\nmodel = "pixels-knn"\n')
    assert main(["benchmark", "run", str(bad)]) == 1
    assert "'id' is not a safe file name" in capsys.readouterr().err


def test_list_names_the_shipped_suites(capsys):
    assert main(["benchmark", "list"]) == 0
    printed = capsys.readouterr().out
    assert "quick" in printed and "reproduce" in printed and "classic-sweep" in printed


@pytest.mark.slow
def test_run_writes_the_report_and_says_what_is_missing(tmp_path, capsys):
    suite = tmp_path / "partial.toml"
    suite.write_text(
        f"""
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
reported = {{ test_accuracy = 0.78 }}
[[entries]]
id = "nb"
model = "pixels-gaussian-nb"
[[entries]]
id = "later"
model = "pixels-decision-tree"
reported = {{ test_accuracy = 0.88 }}
"""
    )
    out = tmp_path / "out"
    # Two of the three entries: the missing folder is its own status, with the fix, and the
    # command fails so that scripts notice; the report is written all the same.
    args = ["benchmark", "run", str(suite), "--out", str(out), "--no-progress"]
    assert main([*args, "--entries", "xray,nb"]) == 1
    printed = capsys.readouterr().out
    assert "xray: data missing: Image folder" in printed and "no-such-folder" in printed
    assert "0 failed or timed out, 1 without their data" in printed
    assert f"Report: {out / 'report' / 'index.html'}" in printed
    xray = Result.read(record_path(out, "xray", 0))
    assert xray.status == "data missing" and "Put the data set there" in xray.error
    html = (out / "report" / "index.html").read_text()
    assert "2 of 3 entries have results; 1 succeeded." in html
    assert '<td class="text not-run">not run</td>' in html
    assert '<td class="text data-missing">data missing</td>' in html
    assert "--entries later" in html
    summary = (out / "report" / "summary.md").read_text()
    assert "| later |  | test_accuracy | 0.8800 | not run |" in summary
    assert "| xray |  | test_accuracy | 0.7800 | data missing |" in summary
    assert "- **xray** (data missing): Image folder" in summary
    # --no-report leaves the report as it was.
    before = (out / "report" / "index.html").read_bytes()
    assert main([*args, "--entries", "later", "--no-report"]) == 0
    assert "Report:" not in capsys.readouterr().out
    assert (out / "report" / "index.html").read_bytes() == before
