"""Writes that never destroy a user's file: no write through or over a symbolic link, no lock
taken over a file that is not a lock, temporaries that no user file can share a name with."""

import json
import os

import numpy as np
import pytest

from mnistkit.utils import atomic_write, check_not_a_link
from mnistkit.utils._lock import LOCK_NAME, FolderLock


@pytest.fixture
def notes(tmp_path):
    """A user's file, outside the folder mnistkit writes into."""
    path = tmp_path / "notes.txt"
    path.write_text("my notes")
    return path


@pytest.mark.parametrize("target", ["notes.txt", "missing.txt"])
def test_atomic_write_refuses_a_link_and_touches_neither_it_nor_its_target(tmp_path, notes, target):
    link = tmp_path / "out" / "result.json"
    link.parent.mkdir()
    os.symlink(tmp_path / target, link)
    with pytest.raises(FileExistsError, match=r"result.json is a symbolic link \(to .*" + target):
        atomic_write(link, "{}")
    assert notes.read_text() == "my notes"
    assert link.is_symlink() and os.readlink(link) == str(tmp_path / target)
    assert not (tmp_path / "missing.txt").exists()
    assert [path.name for path in link.parent.iterdir()] == ["result.json"]  # no temporary left


def test_check_not_a_link_passes_files_and_missing_paths(tmp_path, notes):
    assert check_not_a_link(notes) == notes
    assert check_not_a_link(tmp_path / "new.json") == tmp_path / "new.json"


@pytest.mark.parametrize("target", ["notes.txt", "missing.txt"])
def test_a_lock_that_is_a_link_is_refused(tmp_path, notes, target):
    folder = tmp_path / "out"
    folder.mkdir()
    os.symlink(tmp_path / target, folder / LOCK_NAME)
    with pytest.raises(FileExistsError, match=r"\.mnistkit\.lock is a symbolic link"):
        FolderLock(folder, "results folder").acquire()
    assert notes.read_text() == "my notes"
    assert (folder / LOCK_NAME).is_symlink() and not (tmp_path / "missing.txt").exists()


@pytest.mark.parametrize("contents", [b"my own notes", b"[1, 2]", b'{"owner": "me"}'])
def test_a_file_named_like_the_lock_that_is_not_one_is_refused_untouched(tmp_path, contents):
    (tmp_path / LOCK_NAME).write_bytes(contents)
    with pytest.raises(FileExistsError, match=r"is not a lock file of mnistkit's"):
        FolderLock(tmp_path, "results folder").acquire()
    assert (tmp_path / LOCK_NAME).read_bytes() == contents


def test_a_lock_folder_named_like_the_lock_is_refused(tmp_path):
    (tmp_path / LOCK_NAME).mkdir()
    with pytest.raises(OSError):
        FolderLock(tmp_path).acquire()
    assert (tmp_path / LOCK_NAME).is_dir()


@pytest.mark.parametrize("left", [b"", json.dumps({"pid": 1, "host": "elsewhere"}).encode()])
def test_an_empty_or_left_over_lock_file_is_taken_over(tmp_path, left):
    (tmp_path / LOCK_NAME).write_bytes(left)
    with FolderLock(tmp_path) as lock:
        assert lock.read_owner()["pid"] == os.getpid()
    assert not (tmp_path / LOCK_NAME).exists()


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600)])
def test_written_files_get_the_mode_a_plain_open_gives(tmp_path, mask, mode):
    # Every file mnistkit writes (records, run.json, the report's pages, saved models, IDX
    # files) goes through atomic_write or open_atomic: a temporary file, made 0600 by mkstemp,
    # is renamed into place, so the mode must be set to what open() would give.
    import stat

    from mnistkit.datasets import write_idx
    from mnistkit.utils._files import open_atomic

    previous = os.umask(mask)
    try:
        atomic_write(tmp_path / "plain.txt", b"x")
        atomic_write(tmp_path / "packed.gz", b"x", compress=True)
        with open_atomic(tmp_path / "streamed.bin") as stream:
            stream.write(b"x")
        write_idx(tmp_path / "x-idx1-ubyte.gz", np.arange(3, dtype=np.uint8))
    finally:
        os.umask(previous)
    for name in ("plain.txt", "packed.gz", "streamed.bin", "x-idx1-ubyte.gz"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == mode, name
