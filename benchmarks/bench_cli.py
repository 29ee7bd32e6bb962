"""CPU seconds of ``mnistkit --help`` and of each subcommand's ``--help``.

Building the parser must import nothing heavy (no scikit-learn, no NumPy): target under 0.3 s
of CPU on a 2-core machine (issue 38). Each command runs 5 times in a fresh process; the script
prints the median user + system CPU seconds of each, measured with ``resource.getrusage`` on the
finished children.

Run: ``python benchmarks/bench_cli.py``.
"""

import os
import resource
import shutil
import statistics
import subprocess
import sys

COMMANDS = [
    ["--help"],
    ["datasets", "info", "--help"],
    ["benchmark", "--help"],
    ["benchmark", "run", "--help"],
    ["benchmark", "results", "--help"],
    ["benchmark", "report", "--help"],
    ["benchmark", "list", "--help"],
]


def cpu_seconds(argv):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main():
    executable = shutil.which("mnistkit") or os.path.join(
        os.path.dirname(sys.executable), "mnistkit"
    )
    print(f"{os.cpu_count()} cores; median CPU seconds of 5 runs (target < 0.3 s)\n")
    for command in COMMANDS:
        seconds = statistics.median(cpu_seconds([executable, *command]) for _ in range(5))
        print(f"  mnistkit {' '.join(command):<30} {seconds:.3f} s")


if __name__ == "__main__":
    main()
