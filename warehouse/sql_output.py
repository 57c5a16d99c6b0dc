"""Where `storywatch sql --out` may write, and writing there without ever leaving half a file.

An analyst's result must never replace storywatch's own files: the warehouse, the storywatch.toml
in use, or anything else inside the workdir (landing/ files are loaded as stories), except
WORKDIR/exports/ and WORKDIR/files/, which hold the user's own outputs. The target is judged after
resolving symlinks (the file and its folders), and an existing file is also compared by device and
inode, so neither a symlink nor a hard link elsewhere leads back in. The write itself is
storywatch.output_file's, as for `classify --output`: whole or not at all, devices and FIFOs kept.
"""
from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from storywatch.output_file import existing, same_file, write_whole
from storywatch.warehouse.db import DATABASE_NAME, WarehouseError

WRITABLE_FOLDERS = ("exports", "files")
WHERE_TO = ("write to WORKDIR/exports/, WORKDIR/files/ or a folder outside the workdir")


class OutputRefused(WarehouseError):
    """An --out that would overwrite the warehouse, the configuration or another workdir file."""


def _stat(path: Path) -> os.stat_result | None:
    """The file's status, following links; None when there is no file there."""
    try:
        return existing(path)
    except OSError as error:
        raise OutputRefused(f"cannot check --out {path} ({error.strerror}); choose another "
                            "file.") from error


def _is_within(path: Path, folder: Path) -> bool:
    return path == folder or path.is_relative_to(folder)


def _same_file(found: os.stat_result, other: Path) -> bool:
    theirs = _stat(other)
    return theirs is not None and same_file(found, theirs)


def check_out(out: Path, workdir: Path, guarded: Sequence[Path] = ()) -> Path:
    """The file `out` leads to, once it is known not to be one storywatch owns.

    `guarded`: files that must never be written besides the workdir's (the storywatch.toml in
    use). Raises OutputRefused, naming the file and where to write instead.
    """
    target = Path(out).expanduser().resolve()
    home = Path(workdir).resolve()
    warehouse = home / DATABASE_NAME
    protected = [warehouse, warehouse.with_name(f"{DATABASE_NAME}.wal"),
                 *(Path(path).resolve() for path in guarded)]
    found = _stat(Path(out))  # not the resolved target: /dev/stdout to a pipe resolves to no file
    if found is not None and stat.S_ISDIR(found.st_mode):
        raise OutputRefused(f"--out {out} is a folder; name a file in it, e.g. {out}/result.csv.")
    for path in protected:
        if target == path or (found is not None and _same_file(found, path)):
            raise OutputRefused(f"Refused: --out {out} is {path} (or a link to it), which "
                                f"`storywatch sql` never overwrites; {WHERE_TO}.")
    writable = [home / folder for folder in WRITABLE_FOLDERS]
    if _is_within(target, home) and not any(_is_within(target, f) for f in writable):
        raise OutputRefused(f"Refused: --out {out} is inside the workdir {home}, whose files "
                            f"storywatch reads (the warehouse, landing/); {WHERE_TO}.")
    return target


def write_file(out: Path, data: bytes) -> None:
    """Write `data` to `out` (checked by `check_out`): a file whole or not at all."""
    out = Path(out).expanduser()
    try:
        if _stat(out) is None:
            out.resolve().parent.mkdir(parents=True, exist_ok=True)
        write_whole(out, [data])
    except OSError as error:
        raise WarehouseError(f"could not write --out {out} ({error.strerror or error}); check "
                             "the folder and its permissions.") from error
