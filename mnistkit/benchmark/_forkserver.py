"""Entry processes forked from a server that has already imported mnistkit.

Starting ``python -c`` and importing scikit-learn and mnistkit costs each entry 1.2-1.7 s before
it loads its data (measured on a 2-core AMD EPYC): in a suite of small entries that is most of
the run. A fork server pays it once; each entry is then ``fork()``-ed from it in milliseconds
and is still a process of its own, as one started with ``subprocess`` is: a session and process
group of its own (so the runner stops all it started with one ``killpg``), its own stdin,
stdout and stderr, the runner's working folder, and the same ``-c`` code and arguments.

Why not :mod:`multiprocessing`'s ``forkserver``: it runs a Python function rather than a command
with pipes of its own, and it imports the parent's ``__main__`` script again in the server, which
runs a user's script that has no ``if __name__ == "__main__":`` guard a second time. Why not
fork the runner itself: it may hold threads and TensorFlow, which do not survive a fork. The
server imports neither: an entry that needs TensorFlow imports it after the fork. The server is
started with the runner's environment and serves only a runner whose environment is the same
(variables such as ``OMP_NUM_THREADS`` are read once, when numpy is imported): when it changes,
a new server is started (:func:`fork_server`).

The protocol, over a ``SOCK_SEQPACKET`` socket pair (one message each): the runner sends the
modules to import; the server answers ``ready``. Then, for each process, the runner sends a
JSON request (code, arguments, working folder, process name) with four file descriptors: the
child's stdin, stdout and stderr, and one end of a socket pair on which the server writes the
child's pid, then ``exit <code>`` once it has reaped the child (``code`` as
:attr:`subprocess.Popen.returncode`: negative for a signal). The server stops when the runner's
end of its socket closes (the runner finished, or was killed); a child it leaves running sees
its parent gone and stops itself (:func:`._child._watch_runner`).
"""

import atexit
import builtins
import contextlib
import ctypes
import importlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import types

__all__ = ["ENTRY_PROCESS_NAME", "ForkServer", "fork_server"]

#: The name ``top`` (and ``ps -o comm``) shows for an entry's forked process.
ENTRY_PROCESS_NAME = "mnistkit-entry"

# Enough for a request (code, arguments and a folder, no data: data goes through the pipes).
_MESSAGE_BYTES = 1 << 16
_PRELOAD = ("mnistkit.benchmark._child",)
_START_TIMEOUT = 120.0


class ServerGone(OSError):
    """The fork server stopped (or never started): start the process another way."""


class ForkedProcess:
    """A process forked by the server, with the parts of :class:`subprocess.Popen` the runner
    uses: ``pid``, ``returncode``, ``communicate(input, timeout)`` and ``wait()``.

    The input is written and stderr read by two threads, so ``communicate`` can stop at its
    timeout and be called again, as ``Popen.communicate`` can.
    """

    def __init__(self, pid, stdin_fd, stderr_fd, status, status_text=b"", on_exit=None):
        self.pid = pid
        self._on_exit = on_exit
        self.returncode = None
        self._stdin_fd = stdin_fd
        self._writer = None
        self._status = status
        self._status_text = status_text
        self._stderr = []
        self._reader = threading.Thread(target=self._read_stderr, args=(stderr_fd,), daemon=True)
        self._reader.start()

    def _read_stderr(self, fd):
        with open(fd, "rb") as stream:
            self._stderr.append(stream.read())

    def _write(self, data):
        with contextlib.suppress(BrokenPipeError), open(self._stdin_fd, "wb") as stream:
            stream.write(data)

    def wait(self, timeout=None):
        """Wait for the exit status the server sends (``TimeoutExpired`` at ``timeout``)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.returncode is None:
            for line in self._status_text.decode("ascii").splitlines():
                if line.startswith("exit "):
                    self.returncode = int(line.split()[1])
            if self.returncode is not None:
                break
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise subprocess.TimeoutExpired("forked process", timeout)
            self._status.settimeout(left)
            try:
                chunk = self._status.recv(256)
            except TimeoutError:
                continue
            if not chunk:
                # The server died before it could say: its children stop themselves when it
                # is gone (their watch), so this one is, or is about to be, killed.
                self.returncode = -signal.SIGKILL
                break
            self._status_text += chunk
        self._status.close()
        if self._on_exit is not None:
            self._on_exit, on_exit = None, self._on_exit
            on_exit()
        return self.returncode

    def communicate(self, input=None, timeout=None):
        """Send ``input`` (text, once), wait for the process to end; return (None, stderr)."""
        if self._writer is None:
            data = (input or "").encode("utf-8")
            self._writer = threading.Thread(target=self._write, args=(data,), daemon=True)
            self._writer.start()
        start = time.monotonic()
        self.wait(timeout)
        left = None if timeout is None else max(0.0, timeout - (time.monotonic() - start))
        self._reader.join(left)
        if self._reader.is_alive():  # a process the child started still holds its stderr
            raise subprocess.TimeoutExpired("forked process", timeout)
        return None, b"".join(self._stderr).decode("utf-8", errors="replace")

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self.returncode is None:
            with contextlib.suppress(OSError):
                self.wait()
        with contextlib.suppress(OSError):
            self._status.close()


class ForkServer:
    """A server process that has imported ``preload`` and forks processes from it.

    Parameters
    ----------
    preload : sequence of str
        Modules the server imports once, before it forks anything.

    Raises
    ------
    ServerGone
        When the server did not start (it did not answer within two minutes, or exited).
    """

    def __init__(self, preload=_PRELOAD):
        self.environment = dict(os.environ)
        self._lock = threading.Lock()
        self.running = 0  # processes forked and not yet ended
        runner_end, server_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        code = f"from mnistkit.benchmark._forkserver import serve; serve({server_end.fileno()})"
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", code],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                pass_fds=[server_end.fileno()],
            )
        finally:
            server_end.close()
        self.pid = self.process.pid
        self._socket = runner_end
        try:
            runner_end.sendall(json.dumps({"preload": list(preload)}).encode())
            runner_end.settimeout(_START_TIMEOUT)
            answer = runner_end.recv(64)
            runner_end.settimeout(None)
        except OSError as error:
            self.close()
            raise ServerGone(f"the fork server did not start: {error}") from error
        if answer != b"ready":
            self.close()
            raise ServerGone("the fork server did not start (it exited)")

    def launch(self, code, args, *, name=None):
        """Fork a process that runs ``python -c code *args`` in this process's working folder.

        Its stdout goes to the null device, its stderr to a pipe the returned
        :class:`ForkedProcess` reads. ``name`` is the process name ``top`` shows.
        Raises :class:`ServerGone` when the server no longer answers.
        """
        request = json.dumps(
            {"code": code, "args": list(args), "cwd": os.getcwd(), "name": name}
        ).encode()
        stdin_read, stdin_write = os.pipe()
        stderr_read, stderr_write = os.pipe()
        devnull = os.open(os.devnull, os.O_WRONLY)
        status, status_server = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        fds = [stdin_read, devnull, stderr_write, status_server.fileno()]
        try:
            with self._lock:
                socket.send_fds(self._socket, [request], fds)
            answer = b""
            while b"\n" not in answer:
                chunk = status.recv(64)
                if not chunk:
                    raise ServerGone("the fork server stopped")
                answer += chunk
        except OSError as error:
            for fd in (stdin_write, stderr_read):
                os.close(fd)
            status.close()
            raise ServerGone(f"the fork server stopped: {error}") from error
        finally:
            for fd in (stdin_read, devnull, stderr_write):
                os.close(fd)
            status_server.close()
        pid_line, _, rest = answer.partition(b"\n")  # a quick child's exit may follow at once
        with self._lock:
            self.running += 1
        return ForkedProcess(
            int(pid_line), stdin_write, stderr_read, status, rest, on_exit=self._ended
        )

    def _ended(self):
        with self._lock:
            self.running -= 1

    def alive(self):
        """Whether the server process still runs."""
        return self.process.poll() is None

    def close(self):
        """Stop the server (closing its socket is what tells it) and reap it."""
        with contextlib.suppress(OSError):
            self._socket.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - a server stuck in an import
            self.process.kill()
            self.process.wait()


_servers = {}
# Servers replaced (the environment changed) while processes they forked still ran: closing
# one would stop those (they stop when their server does), so they are closed at exit.
_retired = []
# Where a server did not start, this process's environment: not tried again for every entry.
_failed = {}
_servers_lock = threading.Lock()


def fork_server():
    """The fork server for this process and its present environment, started on first use.

    Returns ``None`` where processes cannot be forked from a server (not Linux, or the server
    did not start): the caller starts its process with :mod:`subprocess` instead.
    """
    if not sys.platform.startswith("linux") or os.environ.get("MNISTKIT_FORK_SERVER") == "0":
        return None
    environment = dict(os.environ)
    with _servers_lock:
        if _failed.get(os.getpid()) == environment:
            return None
        server = _servers.get(os.getpid())
        if server is not None and (server.environment != environment or not server.alive()):
            if server.running and server.alive():
                _retired.append((os.getpid(), server))
            else:
                server.close()
            server = None
        if server is None:
            try:
                server = ForkServer()
            except ServerGone:
                _servers.pop(os.getpid(), None)
                _failed[os.getpid()] = environment
                return None
            _servers[os.getpid()] = server
        return server


def forget_server(server):
    """Stop using ``server`` (it stopped answering); the next call starts a new one."""
    with _servers_lock:
        if _servers.get(os.getpid()) is server:
            del _servers[os.getpid()]
    server.close()


@atexit.register
def _close_servers():
    # Only this process's own: a process forked from the runner (multiprocessing's "fork")
    # inherits the table, but the runner's server is the runner's to stop.
    own = [_servers.pop(os.getpid(), None)] + [
        server for pid, server in _retired if pid == os.getpid()
    ]
    _retired.clear()
    for server in own:
        if server is not None:
            server.close()


# -- the server side ---------------------------------------------------------------------------


def serve(fd):
    """The server's loop: import what it is told, then fork one process per request."""
    control = socket.socket(fileno=fd)
    # Ctrl-C in a terminal reaches the runner's whole process group: the runner stops the
    # entries itself, and this process ends when the runner does, without a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    hello = control.recv(_MESSAGE_BYTES)
    if not hello:
        return
    for module in json.loads(hello)["preload"]:
        importlib.import_module(module)
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    control.sendall(b"ready")
    running = {}  # pid -> the socket its runner waits on for the exit status
    while True:
        readable, _, _ = select.select([control, wake_read], [], [])
        if wake_read in readable:
            with contextlib.suppress(BlockingIOError):
                while os.read(wake_read, 512):
                    pass
            _reap(running)
        if control in readable:
            try:
                message, fds, _, _ = socket.recv_fds(control, _MESSAGE_BYTES, 4)
            except OSError:
                message, fds = b"", []
            if not message:
                return  # the runner is gone
            status = socket.socket(fileno=fds[3])
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                inherited = [control, *running.values(), wake_read, wake_write]
                os._exit(_run_forked(json.loads(message), fds, inherited))
            for child_fd in fds[:3]:
                os.close(child_fd)
            running[pid] = status
            with contextlib.suppress(OSError):
                status.sendall(f"{pid}\n".encode())
            _reap(running)


def _reap(running):
    """Reap every child that has ended and send each its exit status."""
    while True:
        try:
            pid, wait_status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        status = running.pop(pid, None)
        if status is not None:
            with contextlib.suppress(OSError):
                status.sendall(f"exit {os.waitstatus_to_exitcode(wait_status)}\n".encode())
            status.close()


def _name_process(name):
    """Set the name ``top`` shows (Linux's ``prctl(PR_SET_NAME)``, at most 15 bytes)."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(15, name.encode()[:15], 0, 0, 0)


def _run_forked(request, fds, inherited):
    """In the forked child: become a fresh ``python -c`` process; return its exit code."""
    stdin, stdout, stderr, status = fds
    try:
        os.setsid()
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for item in inherited:  # the server's sockets and pipe: not this process's to hold
            if isinstance(item, int):
                os.close(item)
            else:
                item.close()
        os.close(status)
        for target, fd in ((0, stdin), (1, stdout), (2, stderr)):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(request["cwd"])
        if request.get("name"):
            _name_process(request["name"])
        sys.argv = ["-c", *request["args"]]
        main = types.ModuleType("__main__")
        main.__builtins__ = builtins
        sys.modules["__main__"] = main
        importlib.invalidate_caches()
        if "numpy" in sys.modules:  # a new process draws a new global seed; so does this one
            sys.modules["numpy"].random.seed()
        _touch_pages_resident_in(os.getppid())
        code = compile(request["code"], "<string>", "exec")
    except BaseException:
        traceback.print_exc()
        return 1
    try:
        exec(code, main.__dict__)
        exit_code = 0
    except SystemExit as stop:
        exit_code = _exit_code(stop.code)
    except BaseException as error:
        # The traceback a fresh interpreter prints: from the code's own frames, not this one.
        traceback.print_exception(type(error), error, error.__traceback__.tb_next)
        if isinstance(error, KeyboardInterrupt):
            # As the interpreter does: an uncaught Ctrl-C ends the process by SIGINT.
            _finish()
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)
        exit_code = 1
    _finish()
    return exit_code


def _touch_pages_resident_in(server):
    """Map into this process the file pages (the libraries' code) resident in ``server``.

    ``fork()`` copies the page tables of a process's own memory but not of its mapped files:
    those pages count in a child's resident memory only once it touches them again. A process
    that imported the same modules itself has them all: reading one byte of each page the
    server holds (its ``/proc/PID/pagemap`` says which) makes this process's resident memory,
    and so the peak memory an entry records, what it would be in a process of its own.
    Measured on an MNIST entry: 30 MiB less peak memory and 135 MiB more growth without this.
    Best effort: where ``/proc`` does not allow it, the figures are those of the pages touched.
    """
    import numpy as np

    page = os.sysconf("SC_PAGE_SIZE")
    try:
        with open("/proc/self/maps", encoding="ascii") as maps:
            regions = [line.split() for line in maps]
        pagemap = os.open(f"/proc/{server}/pagemap", os.O_RDONLY)
    except OSError:
        return
    try:
        for fields in regions:
            # Readable mappings of a file (an inode other than 0); the rest was copied.
            if len(fields) < 6 or fields[1][0] != "r" or fields[4] == "0":
                continue
            start, end = (int(address, 16) for address in fields[0].split("-"))
            n_pages = (end - start) // page
            entries = os.pread(pagemap, 8 * n_pages, 8 * (start // page))
            present = np.frombuffer(entries, dtype=np.uint64) >> np.uint64(63)
            region = (ctypes.c_ubyte * (end - start)).from_address(start)
            touched = np.frombuffer(region, dtype=np.uint8)[::page][present.astype(bool)]
            int(touched.sum())  # reading is what maps the pages
    except (OSError, ValueError):
        pass
    finally:
        os.close(pagemap)


def _exit_code(code):
    """What ``sys.exit(code)`` makes the process's exit status, as the interpreter decides."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def _finish():
    """What the interpreter does on its way out: wait for threads, run ``atexit``, flush."""
    with contextlib.suppress(Exception):
        threading._shutdown()
    with contextlib.suppress(Exception):
        atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
