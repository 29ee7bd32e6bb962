"""The ``mnistkit`` command line."""

import pytest

from mnistkit._cli import main
from mnistkit.benchmark import Result
from mnistkit.benchmark._records import record_path


def _subcommands(parser, path=()):
    """Every command path of the parser: (), ("datasets",), ("datasets", "info"), ..."""
    import argparse

    yield path
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _subcommands(child, (*path, name))


def test_every_command_s_help_describes_it_and_shows_an_example(capsys):
    from mnistkit._cli import build_parser

    paths = list(_subcommands(build_parser()))
    assert ("benchmark", "results") in paths and len(paths) >= 8
    for path in paths:
        with pytest.raises(SystemExit) as exit_info:
            main([*path, "--help"])
        assert exit_info.value.code == 0
        shown = capsys.readouterr().out
        assert "usage: mnistkit" in shown and "example" in shown, path
        description = shown.split("\n\n")[1]
        assert not description.startswith(("positional", "options")), path  # described


def test_the_parser_names_the_loaders_data_sets_without_importing_them():
    import subprocess
    import sys

    from mnistkit._cli import DATASET_NAMES
    from mnistkit.datasets import LOADERS

    assert tuple(LOADERS) == DATASET_NAMES
    code = "import sys; from mnistkit._cli import build_parser; build_parser(); print(sorted(m for m in ('numpy', 'sklearn', 'scipy', 'pandas') if m in sys.modules))"
    imported = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert imported.stdout.strip() == "[]"


def test_help_and_errors(tmp_path, capsys):
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


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--connect-timeout", "-1"],
            r"--connect-timeout: must be a finite number of seconds above 0; got '-1'",
        ),
        (
            ["--connect-timeout", "nan"],
            r"--connect-timeout: must be a finite number of seconds above 0; got 'nan'",
        ),
        (
            ["--connect-timeout", "0"],
            r"--connect-timeout: must be a finite number of seconds above 0",
        ),
        (
            ["--wait-for-workers", "nan"],
            r"--wait-for-workers: must be a finite number of seconds from 0 up; got 'nan'",
        ),
        (["--wait-for-workers", "inf"], r"--wait-for-workers: must be a finite number"),
        (
            ["--wait-for-workers", "soon"],
            r"--wait-for-workers: must be a number of seconds; got 'soon'",
        ),
        (
            ["--scheduler", "127.0.0.1:notaport"],
            r"--scheduler: '127.0.0.1:notaport' is not a scheduler address .*tcp://HOST:PORT",
        ),
        (["--scheduler", "tcp://:8786"], r"--scheduler: 'tcp://:8786' is not a scheduler address"),
        (["--out", ""], r"--out: is empty; give a folder"),
        (["--out", "  "], r"--out: is empty; give a folder"),
    ],
)
def test_numeric_and_address_options_are_refused_in_the_cli_s_words(args, message, capsys):
    import re

    with pytest.raises(SystemExit) as exit_info:
        main(["benchmark", "run", "quick", "--backend", "dask", *args])
    assert exit_info.value.code == 2
    assert re.search(message, capsys.readouterr().err)


def test_an_empty_results_folder_is_refused_by_the_python_api_too(tmp_path):
    from mnistkit.benchmark import run_suite

    suite = tmp_path / "s.toml"
    suite.write_text('[[entries]]\nid = "x"\nmodel = "pixels-gaussian-nb"\n')
    with pytest.raises(ValueError, match=r"The results folder is an empty path"):
        run_suite(suite, "", progress=False)


def test_debug_is_taken_after_the_command_and_the_hint_says_so(capsys):
    assert main(["benchmark", "run", "no-such-suite"]) == 1
    assert "add --debug to the command" in capsys.readouterr().err
    for args in (
        ["--debug", "benchmark", "run", "no-such-suite"],
        ["benchmark", "run", "no-such-suite", "--debug"],
    ):
        with pytest.raises(FileNotFoundError, match="No suite named 'no-such-suite'"):
            main(args)


def test_a_suite_with_a_byte_order_mark_is_read(tmp_path):
    from mnistkit.benchmark import load_suite

    path = tmp_path / "bom.toml"
    path.write_bytes(
        '\ufeffname = "bom"\n[[entries]]\nid = "x"\nmodel = "pixels-gaussian-nb"\n'.encode()
    )
    assert load_suite(path).name == "bom"
