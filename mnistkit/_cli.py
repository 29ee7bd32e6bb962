"""The ``mnistkit`` command-line tool (also ``python -m mnistkit``)."""

import argparse
import sys
import time

import numpy as np

from ._version import __version__


def _datasets_info(args):
    from .datasets import load_fashion_mnist, load_mnist

    loaders = {"mnist": load_mnist, "fashion-mnist": load_fashion_mnist}
    names = list(loaders) if args.name == "all" else [args.name]
    for name in names:
        kwargs = {} if name == "mnist" else {"download_if_missing": args.download}
        start = time.perf_counter()
        train = loaders[name](subset="train", **kwargs)
        test = loaders[name](subset="test", **kwargs)
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


def build_parser():
    """Return the argument parser of the ``mnistkit`` command."""
    parser = argparse.ArgumentParser(
        prog="mnistkit",
        description="mnistkit: MNIST-style image classification experiments.",
    )
    parser.add_argument("--version", action="version", version=f"mnistkit {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show the full traceback when a command fails"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    datasets = commands.add_parser("datasets", help="inspect the data sets")
    datasets_commands = datasets.add_subparsers(
        dest="datasets_command", metavar="SUBCOMMAND", required=True
    )
    info = datasets_commands.add_parser(
        "info", help="load the data sets, verify their checksums and print a summary"
    )
    info.add_argument(
        "name",
        nargs="?",
        default="mnist",
        choices=["mnist", "fashion-mnist", "all"],
        help="data set to describe (default: mnist)",
    )
    info.add_argument(
        "--download",
        action="store_true",
        help="download Fashion-MNIST into the user cache if it is not on this machine",
    )
    info.set_defaults(handler=_datasets_info)
    return parser


def main(argv=None):
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("mnistkit: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        print(f"mnistkit: error: {exc}", file=sys.stderr)
        print("(run with --debug for the full traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
