"""The fork server: a forked process behaves as ``python -c`` started with subprocess does."""

import os
import signal
import subprocess
import sys
import uuid

import pytest

from mnistkit.benchmark import _forkserver, _isolated, load_suite
from mnistkit.benchmark._forkserver import ForkServer, ServerGone, fork_server

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")


@pytest.fixture(scope="module")
def server():
    server = ForkServer(preload=())
    yield server
    server.close()


def _forked(server, code, args=(), text="", **launch):
    with server.launch(code, list(args), **launch) as process:
        _, stderr = process.communicate(text, timeout=60)
    return process.returncode, stderr


def _fresh(code, args=(), text=""):
    done = subprocess.run(
        [sys.executable, "-c", code, *args], input=text, capture_output=True, text=True
    )
    return done.returncode, done.stderr


@pytest.mark.parametrize(
    "code",
    [
        "pass",
        "import sys; sys.exit(3)",
        "import sys; sys.exit('bye')",
        "import sys; sys.exit(None)",
        "import os, signal; os.kill(os.getpid(), signal.SIGKILL)",
        "raise ValueError('boom')",
        "import sys; print(sys.argv[1:], sys.stdin.read(), __name__, file=sys.stderr)",
        "import sys, threading, time\n"
        "threading.Thread(target=lambda: (time.sleep(0.2), print('late', file=sys.stderr))).start()",
        "import atexit, sys; atexit.register(lambda: print('at exit', file=sys.stderr))",
    ],
)
def test_a_forked_process_exits_and_prints_as_python_c_does(server, code):
    args, text = ["a", "b c"], "the task"
    assert _forked(server, code, args, text) == _fresh(code, args, text)


def test_a_forked_process_has_a_session_the_runner_s_folder_and_its_name(
    server, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    code = (
        "import os, sys\n"
        "print(os.getsid(0) == os.getpid() == os.getpgrp(), os.getcwd(),"
        " open('/proc/self/comm').read().strip(), file=sys.stderr)"
    )
    returncode, stderr = _forked(server, code, name="mnistkit-entry")
    assert (returncode, stderr.split()) == (0, ["True", str(tmp_path), "mnistkit-entry"])


def test_a_forked_process_holds_the_pages_its_server_holds(server):
    # Its peak memory is then what a process that imported the same modules would record.
    def resident_kib(pid):
        with open(f"/proc/{pid}/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))

    code = (
        "import sys\n"
        "print(next(line.split()[1] for line in open('/proc/self/status')"
        " if line.startswith('VmRSS:')), file=sys.stderr)"
    )
    returncode, stderr = _forked(server, code)
    assert returncode == 0
    assert int(stderr) >= 0.9 * resident_kib(server.pid)


def test_a_timed_out_process_is_stopped_with_its_group(server):
    code = "import subprocess, sys, time; subprocess.Popen(['sleep', '60']); time.sleep(60)"
    with server.launch(code, []) as process:
        with pytest.raises(subprocess.TimeoutExpired):
            process.communicate("", timeout=0.5)
        os.killpg(process.pid, signal.SIGKILL)
        assert process.wait(timeout=10) == -signal.SIGKILL


@pytest.mark.slow  # three servers start, each importing scikit-learn and mnistkit
def test_one_server_per_environment_and_none_when_turned_off(monkeypatch):
    first = fork_server()
    assert fork_server() is first and first.alive()
    # Variables such as OMP_NUM_THREADS are read once, when numpy is imported: any change
    # to the environment gets a new server.
    monkeypatch.setenv("MNISTKIT_TEST_VARIABLE", str(uuid.uuid4()))
    second = fork_server()
    assert second is not first and not first.alive()  # it had nothing running: closed
    # A server replaced while a process it forked runs is kept until exit: closing it would
    # stop the process.
    process = second.launch("import sys, time; time.sleep(1); sys.exit(5)", [])
    monkeypatch.setenv("MNISTKIT_TEST_VARIABLE", str(uuid.uuid4()))
    assert fork_server() is not second and second.alive()
    assert process.communicate("", timeout=30) == (None, "") and process.returncode == 5
    monkeypatch.setenv("MNISTKIT_FORK_SERVER", "0")
    assert fork_server() is None


def test_a_server_that_does_not_start_is_not_tried_again_for_each_entry(monkeypatch):
    tries = []

    def does_not_start():
        tries.append(1)
        raise ServerGone("the fork server did not start (it exited)")

    monkeypatch.setattr(_forkserver, "ForkServer", does_not_start)
    monkeypatch.setenv("MNISTKIT_TEST_VARIABLE", str(uuid.uuid4()))
    assert fork_server() is None and fork_server() is None and len(tries) == 1


def test_a_server_that_stopped_is_told_and_the_entry_starts_the_plain_way(
    tiny_suite, tmp_path, monkeypatch
):
    gone = ForkServer(preload=())
    gone.close()
    with pytest.raises(ServerGone):
        gone.launch("pass", [])
    monkeypatch.setattr(_isolated, "fork_server", lambda: gone)
    monkeypatch.setattr(_forkserver, "forget_server", lambda server: None)
    monkeypatch.setattr(_isolated, "forget_server", lambda server: None)
    monkeypatch.setattr(_isolated, "_CHILD", "import sys; sys.exit(4)")
    task = _isolated.Task(load_suite(tiny_suite).entries[0], 0, "new")
    status, error = _isolated.run_isolated(task, tmp_path)
    assert (status, error) == ("failed", "the entry's process exited with code 4 without a record")


@pytest.mark.slow  # a real exec of a process that imports mnistkit: what carried the bug
def test_an_entry_process_s_peak_memory_is_its_own_not_its_runner_s():
    # Linux carries ru_maxrss across exec: a child of a 600 MiB runner "peaked" at 600 MiB.
    import numpy as np

    runner_memory = np.ones(600 * 2**20 // 8)
    code = "from mnistkit.benchmark._child import _peak_rss_mib; print(_peak_rss_mib())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert float(done.stdout) < 400 < runner_memory.nbytes / 2**20
