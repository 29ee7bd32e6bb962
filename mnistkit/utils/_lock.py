"""One owner at a time for a folder: a lock file that names its owner and dies with it.

Two benchmark runs writing into one results folder overwrite each other's records (each then
finds a record of another attempt and records a failure over it). :class:`FolderLock` makes a
folder belong to one process: the lock file ``.mnistkit.lock`` holds the owner's pid, host,
start time and command, so that a refused run can say who holds the folder.

On POSIX the lock is an ``flock`` on that file, which the kernel releases when its process
ends however it ends (``kill -9`` included): the lock of a dead run is taken over without
anyone deleting anything. ``filelock`` and ``fasteners`` on PyPI do the same, but neither
records or reports the owner, which is the part a user needs ("held by pid 4242 on host a,
started 10:02"); the ``flock`` itself is a few lines of the standard library. Where ``fcntl`` is
missing (Windows), the file is created exclusively and a lock whose pid is not alive on this
host is stale and taken over.
"""

import errno
import json
import os
import socket
import stat
import sys
from datetime import datetime, timezone
from pathlib import Path

from ._files import check_not_a_link, process_alive

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

__all__ = ["FolderLock", "FolderLockedError"]

LOCK_NAME = ".mnistkit.lock"
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)


class FolderLockedError(RuntimeError):
    """A folder is held by another live process."""


def _describe(owner):
    if not owner:
        return "another process (its lock file is unreadable)"
    return (
        f"pid {owner.get('pid')} on host {owner.get('host')!r}, started {owner.get('started')}"
        f" ({owner.get('command')})"
    )


class FolderLock:
    """Hold ``folder`` for this process while the ``with`` block runs.

    Parameters
    ----------
    folder : path-like
        The folder to hold; it is created if needed.
    what : str, default="folder"
        What the folder is, for the message of a refused lock.

    Raises
    ------
    FolderLockedError
        On entering, when a live process holds the folder; the message names it.

    Examples
    --------
    >>> import tempfile
    >>> from mnistkit.utils._lock import FolderLock, FolderLockedError
    >>> folder = tempfile.mkdtemp()
    >>> with FolderLock(folder, "results folder"):
    ...     try:
    ...         FolderLock(folder, "results folder").acquire()
    ...     except FolderLockedError as exc:
    ...         print(str(exc).split(":")[0])
    results folder ... is in use by another run
    """

    def __init__(self, folder, what="folder"):
        self.folder = Path(folder)
        self.what = what
        self.path = self.folder / LOCK_NAME
        self._descriptor = None

    def _owner_record(self):
        return {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "command": " ".join(sys.argv)[:300],
        }

    def read_owner(self):
        """The recorded owner of the lock (``None`` when there is none or it is unreadable)."""
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _refuse(self, owner):
        raise FolderLockedError(
            f"{self.what} {self.folder} is in use by another run: {_describe(owner)}. Wait for "
            "it to finish, or choose another --out. If no such run exists (another host that "
            f"stopped), delete {self.path}."
        )

    def _check_ours(self, descriptor):
        """Refuse (closing ``descriptor``) a lock file that is not a regular file holding a lock
        record or nothing: it is a user's file that happens to have the lock's name."""
        info = os.fstat(descriptor)
        contents = b""
        if stat.S_ISREG(info.st_mode):
            contents = os.pread(descriptor, min(info.st_size, 4096), 0)
            try:
                record = json.loads(contents) if contents.strip() else {"pid": None}
            except ValueError:
                record = None
            if isinstance(record, dict) and "pid" in record:
                return
        os.close(descriptor)
        raise FileExistsError(
            f"{self.path} is not a lock file of mnistkit's (it holds {len(contents)} bytes of "
            "something else): mnistkit never writes over a file it did not create. Move that "
            f"file away, or choose another {self.what}."
        )

    def acquire(self):
        """Take the lock (see the class); return ``self``.

        The lock file is never a symbolic link or a file of someone else's: both are refused
        (``FileExistsError``), and neither the link, its target nor the file is touched.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        check_not_a_link(self.path)
        if fcntl is None:  # pragma: no cover - Windows
            return self._acquire_exclusive()
        for _ in range(20):
            try:
                # O_NOFOLLOW: a link made after the check above is refused by the kernel.
                descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | _NO_FOLLOW, 0o644)
            except OSError as exc:
                if exc.errno != errno.ELOOP:
                    raise
                check_not_a_link(self.path)
                raise
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(descriptor)
                self._refuse(self.read_owner())
            self._check_ours(descriptor)
            # The holder before us may have unlinked the file between our open and our flock:
            # then we hold a lock on a file nobody else will find; try again.
            try:
                same = os.path.samestat(os.fstat(descriptor), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                os.ftruncate(descriptor, 0)
                os.write(descriptor, json.dumps(self._owner_record()).encode("utf-8"))
                self._descriptor = descriptor
                return self
            os.close(descriptor)
        raise FolderLockedError(f"could not lock {self.path}: it keeps being replaced")

    def _acquire_exclusive(self):  # pragma: no cover - Windows
        for _ in range(2):
            try:
                descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                owner = self.read_owner()
                if (
                    owner
                    and owner.get("host") == socket.gethostname()
                    and not process_alive(int(owner.get("pid", -1)))
                ):
                    self.path.unlink(missing_ok=True)  # a dead run's lock: take it over
                    continue
                self._refuse(owner)
            os.write(descriptor, json.dumps(self._owner_record()).encode("utf-8"))
            self._descriptor = descriptor
            return self
        self._refuse(self.read_owner())

    def release(self):
        """Give the folder back (the lock file is removed)."""
        if self._descriptor is None:
            return
        self.path.unlink(missing_ok=True)
        os.close(self._descriptor)  # closing releases the flock
        self._descriptor = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc_info):
        self.release()
