"""File-system steps that make a release appear whole or not at all (invariant 6, docs/architecture.md).

Files are fsynced before the directory that holds them is renamed into place, and the pointers readers
follow (``latest``, the site files) change only through ``os.replace``, which POSIX makes atomic: a reader
sees the old target or the new one, never a half-written file.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO


@dataclass(frozen=True)
class FileStats:
    bytes: int
    hash: str  # "sha256:<hex>"


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    """Flush every directory under ``root`` (files are flushed as they are closed)."""
    for directory, _, _ in os.walk(root):
        fsync_dir(Path(directory))


class HashingFile:
    """A binary file that hashes and counts what is written, so a streamed file's digest costs no reread."""

    def __init__(self, path: Path) -> None:
        self._file: BinaryIO = path.open("xb")
        self._sha = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self._sha.update(data)
        self.size += len(data)
        return self._file.write(data)

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> FileStats:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        return FileStats(self.size, f"sha256:{self._sha.hexdigest()}")

    def abort(self) -> None:
        self._file.close()


def write_new(path: Path, data: bytes) -> FileStats:
    """Write a file that must not exist yet and flush it to disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    out = HashingFile(path)
    out.write(data)
    return out.close()


def replace_file(path: Path, data: bytes) -> bool:
    """Atomically give ``path`` this content; ``False`` (and no write) when it already has it."""
    if path.is_file() and not path.is_symlink() and path.read_bytes() == data:
        return False
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    write_new(tmp, data)
    os.replace(tmp, path)
    fsync_dir(path.parent)
    return True


def point(link: Path, target: str) -> None:
    """Atomically make ``link`` a symlink to ``target`` (a path relative to the link's directory)."""
    if link.is_symlink() and os.readlink(link) == target:
        return
    tmp = link.with_name(f".{link.name}.{secrets.token_hex(4)}.tmp")
    os.symlink(target, tmp)
    os.replace(tmp, link)
    fsync_dir(link.parent)


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if needed); fail at once if someone else holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as f:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PublishBusy(path) from None
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


class PublishBusy(Exception):
    def __init__(self, path: Path) -> None:
        super().__init__(f"another publish holds {path}; try again when it has finished / 另一发布任务正在进行")
