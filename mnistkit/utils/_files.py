"""Files that are written whole or not at all, and names that are safe as file names.

A reader (or a later run) must never find half a file under its final name: a killed process, a
full disk or an exception half-way leaves either the old file or the new one. Each write goes to a
temporary file in the same folder (so the rename cannot cross file systems), is flushed to disk,
and is renamed over the final name with :func:`os.replace`, which is atomic on POSIX and Windows.

Temporary names carry the host and the process id of their writer
(``.NAME.HOST-PID.RANDOM.part``), so that a later run can delete the leftovers of a killed run
without touching the temporaries of a run that is still writing (on this machine, or on another
machine that shares the folder, as Dask workers do).
"""

import contextlib
import gzip
import os
import re
import socket
import tempfile
from pathlib import Path

__all__ = [
    "atomic_write",
    "check_file_name",
    "check_not_a_link",
    "open_atomic",
    "remove_abandoned_temporaries",
]

_HOST = re.sub(r"[^A-Za-z0-9_]", "_", socket.gethostname()) or "host"
_TEMPORARY = re.compile(r"^\..+\.(?P<host>[A-Za-z0-9_]+)-(?P<pid>\d+)\.[^.]+\.part$")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _current_umask():
    """The process's umask, read without changing it where the system allows.

    ``os.umask`` can only be read by setting it, which races with other threads creating
    files; Linux reports it in ``/proc/self/status`` (since 4.7), so that is tried first.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync_folder(folder):
    """Make a rename durable: flush the folder's entry list (a no-op where folders can't open)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - Windows cannot open folders
        return
    try:
        os.fsync(descriptor)
    except OSError:  # pragma: no cover - some file systems refuse fsync on folders
        pass
    finally:
        os.close(descriptor)


def check_not_a_link(path):
    """Return ``path`` if it is not a symbolic link, else raise ``FileExistsError`` naming it.

    mnistkit writes only files it creates: a link where it is about to write (a lock, a record,
    a report page, a saved model) is someone else's, and replacing or following it would lose
    either the link or the file it points to.

    Examples
    --------
    >>> import os, tempfile, pathlib
    >>> from mnistkit.utils import check_not_a_link
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> os.symlink(folder / "notes.txt", folder / "result.json")
    >>> check_not_a_link(folder / "result.json")
    Traceback (most recent call last):
    ...
    FileExistsError: ...result.json is a symbolic link (to ...notes.txt): ...
    """
    path = Path(path)
    if path.is_symlink():
        raise FileExistsError(
            f"{path} is a symbolic link (to {os.readlink(path)}): mnistkit writes only files it "
            "creates and never writes through, or over, a link. Remove the link, or choose "
            "another path."
        )
    return path


@contextlib.contextmanager
def open_atomic(path):
    """Open a temporary file that becomes ``path`` when the block ends without an exception.

    Yields a binary file object; its ``name`` is the temporary path (to verify the contents
    before they are published, as a download's checksum). On an exception the temporary file is
    removed and ``path`` is left as it was. A ``path`` that is a symbolic link is refused
    (:func:`check_not_a_link`): neither the link nor its target is touched.
    """
    path = check_not_a_link(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.{_HOST}-{os.getpid()}.", suffix=".part"
    )
    # mkstemp creates the file 0600; the published file gets the mode a plain open() would
    # give (0644 under umask 022), or nobody else could read a report or a record.
    os.chmod(temporary, 0o666 & ~_current_umask())
    os.close(handle)  # reopened by name, so that the file object's ``name`` is its path
    try:
        with open(temporary, "wb") as raw:
            yield raw
            raw.flush()
            os.fsync(raw.fileno())
        # Checked again just before the rename: a link made while the file was written.
        check_not_a_link(path)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def atomic_write(path, data, *, compress=False):
    """Write ``data`` to ``path`` atomically: a temporary file, fsync, then :func:`os.replace`.

    Parameters
    ----------
    path : path-like
        The final file name; its folder is created if needed.
    data : bytes or str
        The contents (a ``str`` is written as UTF-8).
    compress : bool, default=False
        gzip the contents (with a fixed timestamp, so the same data gives the same bytes).

    Returns
    -------
    path : pathlib.Path

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from mnistkit.utils import atomic_write
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> atomic_write(folder / "result.json", '{"accuracy": 0.99}').read_text()
    '{"accuracy": 0.99}'
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open_atomic(path) as raw:
        if compress:
            with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as stream:
                stream.write(data)
        else:
            raw.write(data)
    return Path(path)


def process_alive(pid):
    """Whether process ``pid`` runs on this host (a zombie, dead but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - another user's process: alive
        return True
    except OSError:  # pragma: no cover - e.g. Windows without the pid: treat as gone
        return False
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            # "pid (command) state ...": the command may hold spaces and parentheses.
            return stat.read().rpartition(")")[2].split()[0] not in ("Z", "X")
    except (OSError, IndexError):  # no /proc (macOS): os.kill's answer stands
        return True


def remove_abandoned_temporaries(folder, *, recursive=False):
    """Delete the temporaries that :func:`atomic_write` left behind in a killed process.

    Only files named like this module's temporaries whose writer ran on this host and is no
    longer alive are removed; any other file, and the temporaries of a live writer, stay.

    Parameters
    ----------
    folder : path-like
    recursive : bool, default=False
        Look in sub-folders too.

    Returns
    -------
    removed : list of pathlib.Path
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    removed = []
    for path in folder.rglob(".*.part") if recursive else folder.glob(".*.part"):
        match = _TEMPORARY.match(path.name)
        if match is None or match["host"] != _HOST or process_alive(int(match["pid"])):
            continue
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def check_file_name(value, what):
    """Return ``value`` if it is safe as one file-name component, else raise ``ValueError``.

    Safe: letters, digits, ``.``, ``_`` and ``-``, starting with a letter or a digit, at most
    100 characters. So no ``/``, no ``..``, no hidden names, nothing that leaves its folder.

    Parameters
    ----------
    value : object
        The name to check.
    what : str
        What the name is, for the message (``"entry id"``, ``"suite name"``).

    Examples
    --------
    >>> from mnistkit.utils import check_file_name
    >>> check_file_name("cnn-32.sgd", "entry id")
    'cnn-32.sgd'
    >>> check_file_name("../x", "entry id")
    Traceback (most recent call last):
    ...
    ValueError: entry id '../x' cannot be used as a file name: ...
    """
    if not isinstance(value, str) or not _SAFE_NAME.match(value) or len(value) > 100:
        raise ValueError(
            f"{what} {value!r} cannot be used as a file name: use up to 100 letters, digits, "
            "'.', '_' and '-', starting with a letter or a digit (no '/', no '..')."
        )
    return value
