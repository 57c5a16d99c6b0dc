"""Writing a file a user named (`classify --output`, `sql --out`) whole or not at all.

A missing or regular file is written to a temporary file beside it, fsynced and renamed into
place, so a crash or Ctrl-C never leaves half a file and an existing file keeps its permission
bits (a private 0600 output stays private); a symlink keeps pointing at the new file. An existing
device or FIFO (`/dev/stdout`, a named pipe) is written directly: renaming a file over it would
replace the device with a regular file, and a pipe's reader sees the data as it comes. Imports
only the error root, so every part may use it.
"""
from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Iterable
from pathlib import Path

from storywatch.errors import StorywatchError


class FolderNotWritable(StorywatchError, OSError):
    """The temporary file could not be created beside the target: its folder refuses writes."""


def existing(path: Path) -> os.stat_result | None:
    """The file's status, following links; None when there is no file there yet.

    Raises:
        OSError: the path cannot be checked (permissions, a loop of links).
    """
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def same_file(one: os.stat_result, other: os.stat_result) -> bool:
    """True for the same file, also through a symlink or a hard link (device and inode)."""
    return (one.st_dev, one.st_ino) == (other.st_dev, other.st_ino)


def write_whole(path: Path, pieces: Iterable[bytes]) -> int:
    """Write `pieces` to `path` as described above; return how many pieces were written.

    Raises:
        FolderNotWritable: no temporary file can be made beside the target.
        OSError: the write failed; a regular target is then left as it was.
    """
    path = Path(path).expanduser()
    found = existing(path)
    if found is not None and not stat.S_ISREG(found.st_mode):
        count = 0
        with path.open("wb") as device:
            for piece in pieces:
                device.write(piece)
                count += 1
        return count
    return _replace(path.resolve(), pieces, found)


def _replace(target: Path, pieces: Iterable[bytes], found: os.stat_result | None) -> int:
    # A random name: two runs writing the same file never share a temporary file.
    temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    try:
        out = temp.open("xb")
    except OSError as error:
        raise FolderNotWritable(error.errno, error.strerror, str(target.parent)) from error
    count = 0
    try:
        with out:
            if found is not None:
                os.fchmod(out.fileno(), stat.S_IMODE(found.st_mode))
            for piece in pieces:
                out.write(piece)
                count += 1
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return count
