"""The ``mnistkit`` command-line tool (also ``python -m mnistkit``)."""

import argparse
import math
import sys
import time

from ._version import __version__

#: The data sets `datasets info` describes: mnistkit.datasets.LOADERS' names, written here so
#: that building the parser imports nothing heavy (``mnistkit --help`` stays instant; a test
#: checks the two agree).
DATASET_NAMES = ("mnist", "fashion-mnist")


def _datasets_info(args):
    import inspect

    import numpy as np

    from .datasets import LOADERS

    names = list(LOADERS) if args.name == "all" else [args.name]
    for name in names:
        loader = LOADERS[name]
        downloads = "download_if_missing" in inspect.signature(loader).parameters
        kwargs = {"download_if_missing": args.download} if downloads else {}
        start = time.perf_counter()
        train = loader(subset="train", **kwargs)
        test = loader(subset="test", **kwargs)
        seconds = time.perf_counter() - start
        print(f"{name}: loaded and checksum-verified in {seconds:.2f} s")
        print(f"  files: {train.filenames['train_images']} (and 3 more in the same folder)")
        shape, dtype = train.images.shape, train.images.dtype
        print(f"  train: {shape[0]:>6} images of {shape[1:]} {dtype}")
        print(f"  test:  {test.images.shape[0]:>6} images")
        counts = np.bincount(train.target, minlength=len(train.target_names))
        width = max(len(str(label)) for label in train.target_names)
        print("  training-set class counts:")
        for label, count in zip(train.target_names, counts, strict=True):
            print(f"    {label:>{width}}  {count:>5}  {'#' * int(40 * count / counts.max())}")
        print(f"  mean pixel value (train): {train.data.mean():.2f} of 255")
    return 0


def _benchmark_run(args):
    from .benchmark import find_suite, load_suite, run_suite, write_report

    started = time.perf_counter()
    suite = load_suite(find_suite(args.suite))
    out = args.out or f"results/{suite.name}"
    only = args.entries.split(",") if args.entries is not None else None
    say = (lambda line: None) if args.quiet else (lambda line: print(line, file=sys.stderr))
    say(f"Suite {suite.name!r}: {len(suite.entries)} entries -> {out}")
    summary = run_suite(
        suite,
        out,
        n_jobs=args.n_jobs,
        backend=_backend(args),
        force=args.force,
        only=only,
        progress=not (args.no_progress or args.quiet),
        echo=lambda line: say(f"  {line}"),
    )
    if not summary.ran:
        n_entries = len({name.split("#")[0] for name in summary.skipped})
        runs = f" ({len(summary.skipped)} runs)" if len(summary.skipped) != n_entries else ""
        print(f"All {n_entries} entries current{runs}; --force runs them again.")
    elif not args.quiet:
        from .benchmark._results import leaderboard_text, load_results

        print(leaderboard_text(load_results(out)))
    print(
        f"{len(summary.ran)} run, {summary.n_failed} failed or timed out, "
        f"{summary.n_data_missing} without their data; {_duration(time.perf_counter() - started)} "
        f"in all; results in {out}."
    )
    if not args.no_report:
        index = write_report(out)
        print(f"Report: {index} (and {index.with_name('summary.md')})")
    return 1 if summary.n_failed or summary.n_data_missing else 0


def _backend(args):
    """The run's backend: joblib's by name, or Dask's settings from the command line."""
    if args.backend != "dask":
        return args.backend
    from .benchmark import DaskBackend

    return DaskBackend(args.scheduler, args.connect_timeout, args.wait_for_workers)


def _duration(seconds):
    """'48 s', '3 min 4 s', '1 h 2 min'."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def _benchmark_results(args):
    from .benchmark import load_results
    from .benchmark._results import leaderboard_text

    frame = load_results(args.results_dirs)
    if args.format == "table":
        text = leaderboard_text(frame)
    elif args.format == "csv":
        text = frame.to_csv(index=False)
    elif args.format == "json":
        text = frame.to_json(orient="records", date_format="iso", indent=1)
    else:
        text = _markdown_table(frame)
    if args.output:
        from .utils._files import atomic_write

        atomic_write(args.output, text if text.endswith("\n") else text + "\n")
        print(f"{len(frame)} rows written to {args.output}")
    else:
        print(text)
    return 0


def _markdown_table(frame):
    """A Markdown table of a frame, every cell escaped (pandas' ``to_markdown`` needs the
    optional ``tabulate`` and passes HTML and ``|`` through, which would break the table)."""
    import pandas as pd

    from .benchmark._report import markdown_text

    columns = list(frame.columns)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in frame.itertuples(index=False):
        cells = ["" if pd.isna(value) else markdown_text(value) for value in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _benchmark_report(args):
    from .benchmark import write_report

    folders = args.results_dirs
    if len(folders) > 1 and not args.out:
        raise ValueError(
            f"A report over {len(folders)} results folders needs its own folder: add --out R."
        )
    index = write_report(folders if len(folders) > 1 else folders[0], args.out)
    print(f"Report: {index} (and {index.with_name('summary.md')})")
    return 0


def _benchmark_list(args):
    from .benchmark import list_suites, load_suite

    for path in list_suites().values():
        suite = load_suite(path)
        print(f"{suite.name:<16} {len(suite.entries):>3} entries  {suite.description}")
    return 0


def _seconds(minimum_word, allow_zero):
    """An argparse type: a finite number of seconds, above 0 (or from 0 with ``allow_zero``)."""

    def convert(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a number of seconds; got {text!r}") from None
        if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
            raise argparse.ArgumentTypeError(
                f"must be a finite number of seconds {minimum_word}; got {text!r}"
            )
        return value

    return convert


def _folder(text):
    """An argparse type: a path that is not empty (``--out ""`` would mean the current folder)."""
    if not text.strip():
        raise argparse.ArgumentTypeError(
            "is empty; give a folder, e.g. --out results/mine, or leave --out out for the default"
        )
    return text


def _scheduler(text):
    """An argparse type: a Dask scheduler address, ``[PROTOCOL://]HOST:PORT``."""
    from urllib.parse import urlsplit

    address = text if "://" in text else f"tcp://{text}"
    try:
        parts = urlsplit(address)
        port = parts.port
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a scheduler address ({exc}); write tcp://HOST:PORT, e.g. "
            "tcp://127.0.0.1:8786"
        ) from None
    if not parts.hostname or (port is None and parts.scheme in ("tcp", "tls")):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a scheduler address; write tcp://HOST:PORT, e.g. "
            "tcp://127.0.0.1:8786 (the address 'dask scheduler' prints)"
        )
    return text


def build_parser():
    """Return the argument parser of the ``mnistkit`` command."""
    parser = argparse.ArgumentParser(
        prog="mnistkit",
        description="mnistkit: MNIST-style image classification experiments.",
        epilog="examples:\n"
        "  mnistkit datasets info\n"
        "  mnistkit benchmark run quick     # the main job: 7 models, a report\n"
        "  mnistkit benchmark run --help",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"mnistkit {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show the full traceback when a command fails"
    )
    # --debug is also taken after the command (mnistkit benchmark run quick --debug); SUPPRESS
    # keeps a leaf parser from resetting a --debug given before it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the full traceback when the command fails",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    datasets = commands.add_parser(
        "datasets",
        help="inspect the data sets",
        description="Load the bundled and installed data sets and describe them.",
        epilog="example:\n  mnistkit datasets info fashion-mnist",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    datasets_commands = datasets.add_subparsers(
        dest="datasets_command", metavar="SUBCOMMAND", required=True
    )
    info = datasets_commands.add_parser(
        "info",
        parents=[common],
        help="load the data sets, verify their checksums and print a summary",
        description="Load a data set, verify its checksums and print its files, sizes, class "
        "counts and mean pixel.",
        epilog="examples:\n  mnistkit datasets info\n  mnistkit datasets info all",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    info.add_argument(
        "name",
        nargs="?",
        default="mnist",
        choices=[*DATASET_NAMES, "all"],
        help="data set to describe (default: mnist)",
    )
    info.add_argument(
        "--download",
        action="store_true",
        help="download Fashion-MNIST into the user cache if it is not on this machine",
    )
    info.set_defaults(handler=_datasets_info)

    benchmark = commands.add_parser(
        "benchmark",
        help="run benchmark suites and write their reports",
        description="Run a suite of (dataset, model) entries, record every result, and write "
        "an HTML/Markdown report.",
        epilog="examples:\n"
        "  mnistkit benchmark list\n"
        "  mnistkit benchmark run quick            # about 3 min on 2 cores\n"
        "  mnistkit benchmark results results/quick --format csv --output quick.csv\n"
        "  mnistkit benchmark report results/quick",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    benchmark_commands = benchmark.add_subparsers(
        dest="benchmark_command", metavar="SUBCOMMAND", required=True
    )
    run = benchmark_commands.add_parser(
        "run",
        parents=[common],
        help="run a suite (results are kept; re-running resumes)",
        description="Run the entries of a suite, then write the report. Each finished run is "
        "written atomically; running again into the same folder skips what is done and still "
        "matches the suite (an entry whose suite settings or data changed runs again, and the "
        "command says why). Ctrl-C stops cleanly. Results go to --out (default "
        "results/SUITE), the report to OUT/report/index.html and OUT/report/summary.md.",
        epilog="examples:\n"
        "  mnistkit benchmark run quick            # 7 models on MNIST, about 3 min on 2 cores\n"
        "  mnistkit benchmark run my-suite.toml --out results/mine --n-jobs 2\n"
        "  mnistkit benchmark run reproduce --entries raw-mlp-300,cnn-32-dense128\n"
        "  mnistkit benchmark run quick --backend dask --scheduler tcp://HOST:8786",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("suite", help="suite name (quick, reproduce, classic-sweep) or .toml path")
    run.add_argument("--out", type=_folder, help="results folder (default: results/SUITE)")
    run.add_argument(
        "--n-jobs",
        type=int,
        default=1,
        help="entries run at once on this machine (default 1; with --backend dask and no "
        "--scheduler, the local cluster's workers)",
    )
    run.add_argument(
        "--backend",
        choices=["loky", "threading", "dask"],
        default=None,
        help="loky or threading: joblib on this machine; dask: each entry a task on a Dask "
        "cluster, whose record comes back here (needs mnistkit[dask])",
    )
    run.add_argument(
        "--scheduler",
        type=_scheduler,
        help="Dask scheduler address, tcp://HOST:8786 (with --backend dask; default: a local "
        "cluster)",
    )
    run.add_argument(
        "--connect-timeout",
        type=_seconds("above 0", allow_zero=False),
        default=30,
        metavar="SECONDS",
        help="how long to wait for the Dask scheduler to answer (default 30)",
    )
    run.add_argument(
        "--wait-for-workers",
        type=_seconds("from 0 up", allow_zero=True),
        default=300,
        metavar="SECONDS",
        help="how long a run waits while no Dask worker is connected before it stops (default 300)",
    )
    run.add_argument("--entries", help="comma-separated entry ids to run (default: all)")
    run.add_argument(
        "--force",
        action="store_true",
        help="run every entry again, also those whose results match the suite",
    )
    run.add_argument("--no-report", action="store_true", help="do not write the report at the end")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    run.add_argument(
        "--quiet",
        action="store_true",
        help="print only the last lines (runs, failures, time, where the results are)",
    )
    run.set_defaults(handler=_benchmark_run)
    results = benchmark_commands.add_parser(
        "results",
        parents=[common],
        help="print or write every record of results folders as a table",
        description="Every record of one or several results folders, one row per entry and "
        "repeat (the rows of mnistkit.benchmark.load_results): as a leaderboard, or as CSV, "
        "JSON or Markdown with every column.",
        epilog="examples:\n"
        "  mnistkit benchmark results results/quick\n"
        "  mnistkit benchmark results results/quick results/laptop --format csv --output all.csv",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    results.add_argument("results_dirs", nargs="+", type=_folder, metavar="RESULTS_DIR")
    results.add_argument(
        "--format",
        choices=("table", "csv", "json", "markdown"),
        default="table",
        help="table: the ranked leaderboard; csv, json, markdown: every column (default: table)",
    )
    results.add_argument("--output", type=_folder, metavar="FILE", help="write to FILE")
    results.set_defaults(handler=_benchmark_results)
    report = benchmark_commands.add_parser(
        "report",
        parents=[common],
        help="write the HTML page and Markdown summary of a results folder",
        description="Write index.html (with PNG figures) and summary.md for a results folder, "
        "or one report over several. A report whose results did not change is left as it is.",
        epilog="examples:\n"
        "  mnistkit benchmark report results/quick          # -> results/quick/report/\n"
        "  mnistkit benchmark report results/quick results/laptop --out both",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    report.add_argument(
        "results_dirs",
        nargs="+",
        type=_folder,
        metavar="RESULTS_DIR",
        help="folder written by 'benchmark run'; several give one report over all of them "
        "(entries sharing an id told apart by their run; --out needed)",
    )
    report.add_argument("--out", type=_folder, help="report folder (default: RESULTS_DIR/report)")
    report.set_defaults(handler=_benchmark_report)
    listing = benchmark_commands.add_parser(
        "list",
        parents=[common],
        help="list the suites found",
        description="List the suites shipped with mnistkit, with their entries and purpose.",
        epilog="example:\n  mnistkit benchmark list",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    listing.set_defaults(handler=_benchmark_list)
    return parser


def main(argv=None):
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if (
        args.command == "benchmark"
        and args.benchmark_command == "run"
        and args.scheduler
        and (args.backend != "dask")
    ):
        parser.error("--scheduler needs --backend dask")
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("mnistkit: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        print(f"mnistkit: error: {exc}", file=sys.stderr)
        print("(add --debug to the command for the full traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
