"""The user's own taxonomy file, and adding a cause to it (`storywatch themes promote`).

The taxonomy a workdir uses is the file `taxonomy = "..."` in storywatch.toml names (relative to
that file), else the packaged default. The default ships with storywatch and is replaced by every
upgrade, so it is never edited: the first cause a user adds copies it to WORKDIR/taxonomy.yaml and
adds the `taxonomy` line to storywatch.toml (creating WORKDIR/storywatch.toml when there is none).
A cause is added as text at the end of the `causes:` block, so the file's comments and layout stay
as the user wrote them; the file is then loaded and checked, and left unchanged when the check
fails. The new cause has no trained head: it links stories by its example phrases (zero-shot,
storywatch.nlp.causes) once `storywatch tag` has re-tagged them.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from storywatch.config import CONFIG_NAME, Settings
from storywatch.errors import StorywatchError
from storywatch.nlp.taxonomy import DEFAULT_TAXONOMY, TaxonomyError, load_taxonomy

COPY_NAME = "taxonomy.yaml"
_TOP_LEVEL = re.compile(r"^[^\s#]")


class TaxonomyFileError(StorywatchError, ValueError):
    """The user's taxonomy file cannot take the new cause as asked."""


def _write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        if path.exists():
            shutil.copymode(path, temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _point_config_at(config: Path, taxonomy: Path) -> None:
    """Add `taxonomy = "..."` to storywatch.toml, before its first table (TOML wants top-level
    keys there)."""
    relative = Path(os.path.relpath(taxonomy, config.parent)).as_posix()
    line = f'taxonomy = "{relative}"\n'
    if not config.exists():
        _write_atomically(config, "# storywatch configuration\n" + line)
        return
    lines = config.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next((i for i, text in enumerate(lines) if text.strip() and not
               text.lstrip().startswith("#")), len(lines))
    _write_atomically(config, "".join(lines[:at] + [line, "\n"] + lines[at:]))


def user_taxonomy(settings: Settings) -> tuple[Path, str | None]:
    """The taxonomy file this workdir's causes may be added to, and a note of what was set up
    to get it (None when storywatch.toml already named one)."""
    if settings.taxonomy is not None:
        if Path(settings.taxonomy).resolve() == DEFAULT_TAXONOMY.resolve():
            raise TaxonomyFileError(
                f"storywatch.toml names the packaged taxonomy {DEFAULT_TAXONOMY}, which an "
                "upgrade replaces; copy it into the workdir and name the copy instead.")
        return Path(settings.taxonomy), None
    workdir = Path(settings.workdir)
    copy = workdir / COPY_NAME
    config = settings.config_file or workdir / CONFIG_NAME
    if copy.exists():
        raise TaxonomyFileError(
            f"{copy} exists but {config} does not name it; add `taxonomy = \"{COPY_NAME}\"` "
            f"to {config} if it is yours, or move it away.")
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(DEFAULT_TAXONOMY, copy)
    _point_config_at(Path(config), copy)
    return copy, (f"Copied the default taxonomy to {copy} and named it in {config} "
                  "(the packaged default is never edited).")


def _block(cause_id: str, entry: dict, indent: str) -> str:
    import yaml

    text = yaml.safe_dump({cause_id: entry}, sort_keys=False, allow_unicode=True, width=10_000,
                          indent=2)
    # safe_dump writes list items at their key's indentation; nested deeper they read as the
    # default file does. Lines are never wrapped, so nothing else needs re-indenting.
    lines = []
    for line in text.splitlines():
        if line.startswith("  - "):
            line = "  " + line
        lines.append(indent + line)
    return "\n".join(lines) + "\n"


def append_cause(path: Path, cause_id: str, *, owner: str, label: str, description: str,
                 examples: list[str], threshold: float | None = None) -> None:
    """Add one cause at the end of the file's `causes:` block; the file stays as it was when the
    result is not a valid taxonomy (TaxonomyError) or the id is taken (TaxonomyFileError)."""
    taxonomy = load_taxonomy(path)
    if cause_id in {cause.id for cause in taxonomy.causes}:
        raise TaxonomyFileError(f"{path} already has a cause {cause_id!r}; choose another id "
                                "with --cause.")
    original = path.read_text(encoding="utf-8")
    lines = original.splitlines(keepends=True)
    start = next((i for i, text in enumerate(lines) if re.match(r"^causes:\s*(#.*)?$", text)),
                 None)
    if start is None:
        raise TaxonomyFileError(f"{path}: no block-style `causes:` line found; add the cause by "
                                "hand (docs/themes.md shows the lines to add).")
    end = next((i for i in range(start + 1, len(lines)) if _TOP_LEVEL.match(lines[i])),
               len(lines))
    body = [i for i in range(start + 1, end) if lines[i].strip()
            and not lines[i].lstrip().startswith("#")]
    indent = re.match(r"\s*", lines[body[0]]).group(0) if body else "  "
    last = body[-1] + 1 if body else start + 1
    if last and not lines[last - 1].endswith("\n"):
        lines[last - 1] += "\n"
    entry: dict = {"owner": owner, "label": label, "description": description}
    if threshold is not None:
        entry["threshold"] = threshold
    entry["examples"] = list(examples)
    lines.insert(last, _block(cause_id, entry, indent))
    _write_atomically(path, "".join(lines))
    try:
        load_taxonomy(path)
    except TaxonomyError:
        _write_atomically(path, original)
        raise
