"""The cause taxonomy: a YAML file users edit, loaded and checked here.

Each cause has an owner (the function that fixes it), a label, a plain-language description and
example phrases in customers' own words; optionally its own similarity threshold. The file is data,
not code: adding a cause or an example needs no retraining. Errors name the file, the cause and the
key (or the YAML line) so the user can fix them. The fingerprint changes whenever anything that
affects tagging changes, which makes the tagger's model version, and so the re-tagging, follow it.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from storywatch.errors import StorywatchError

DEFAULT_TAXONOMY = Path(__file__).resolve().parent / "taxonomy.yaml"
DEFAULT_THRESHOLD = 0.4


class TaxonomyError(StorywatchError, ValueError):
    """The taxonomy file is missing, not valid YAML, or a cause is malformed."""


@dataclass(frozen=True)
class Cause:
    id: str
    owner: str
    label: str
    description: str
    examples: tuple[str, ...]
    threshold: float | None = None

    @property
    def fingerprint(self) -> str:
        """Short hash of the description and examples: a trained head is valid for this only."""
        payload = json.dumps([self.id, self.description, list(self.examples)])
        return hashlib.sha256(payload.encode()).hexdigest()[:8]


@dataclass(frozen=True)
class Taxonomy:
    causes: tuple[Cause, ...]
    threshold: float
    path: Path

    @property
    def fingerprint(self) -> str:
        """Short hash of everything that affects tagging (not comments or key order)."""
        payload = json.dumps(
            [self.threshold, [[c.id, c.owner, c.description, list(c.examples), c.threshold]
                              for c in self.causes]]
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:8]


def _threshold(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise TaxonomyError(f"{where}: threshold must be a number between 0 and 1, got {value!r}.")
    return float(value)


def _text(entry: dict, key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise TaxonomyError(f"{where}: '{key}' is missing or empty; give it a line of text.")
    return value.strip()


def _cause(cause_id: object, entry: object, where: str) -> Cause:
    if not isinstance(cause_id, str) or not cause_id.replace("_", "").isalnum():
        raise TaxonomyError(f"{where}: cause id {cause_id!r} must be letters, digits and '_'.")
    where = f"{where}, cause '{cause_id}'"
    if not isinstance(entry, dict):
        raise TaxonomyError(f"{where}: expected owner, label, description and examples under it.")
    unknown = set(entry) - {"owner", "label", "description", "examples", "threshold"}
    if unknown:
        raise TaxonomyError(f"{where}: unknown key(s) {sorted(unknown)}; check the spelling.")
    examples = entry.get("examples")
    if not isinstance(examples, list) or not examples or not all(
        isinstance(e, str) and e.strip() for e in examples
    ):
        raise TaxonomyError(f"{where}: 'examples' must be a non-empty list of phrases.")
    threshold = entry.get("threshold")
    return Cause(
        id=cause_id,
        owner=_text(entry, "owner", where),
        label=_text(entry, "label", where),
        description=_text(entry, "description", where),
        examples=tuple(e.strip() for e in examples),
        threshold=None if threshold is None else _threshold(threshold, where),
    )


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Load and validate a taxonomy YAML file (the packaged default when path is None).

    Raises:
        TaxonomyError: naming the file and the bad line, cause or key.
    """
    import yaml

    path = Path(path) if path is not None else DEFAULT_TAXONOMY
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TaxonomyError(f"Cannot read taxonomy file {path}: {exc.strerror}.") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise TaxonomyError(f"{path}{line}: not valid YAML ({problem}); fix that line.") from exc
    if not isinstance(document, dict) or not isinstance(document.get("causes"), dict):
        raise TaxonomyError(f"{path}: expected a top-level 'causes:' mapping of cause id -> entry.")
    if not document["causes"]:
        raise TaxonomyError(f"{path}: 'causes' is empty; add at least one cause.")
    unknown = set(document) - {"causes", "threshold"}
    if unknown:
        raise TaxonomyError(f"{path}: unknown top-level key(s) {sorted(unknown)}.")
    threshold = _threshold(document.get("threshold", DEFAULT_THRESHOLD), str(path))
    causes = tuple(_cause(cid, entry, str(path)) for cid, entry in document["causes"].items())
    return Taxonomy(causes=causes, threshold=threshold, path=path)
