"""Causes in users' words: the taxonomy's display label for a cause id ("Lost or damaged items",
not `lost_damaged`), for every chart, table and report that names a cause.

The labels come from the packaged taxonomy unless a path is given. A cause the taxonomy no longer
holds (tags of an older taxonomy, a test's own causes) reads as its id in words.
"""
from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from pathlib import Path

from storywatch.nlp.taxonomy import TaxonomyError, load_taxonomy


@functools.cache
def cause_labels(taxonomy_path: Path | None = None) -> Mapping[str, str]:
    """{cause id: display label}; empty when the taxonomy cannot be read (ids stand in)."""
    try:
        return {cause.id: cause.label for cause in load_taxonomy(taxonomy_path).causes}
    except TaxonomyError:
        return {}


def cause_name(cause: object, labels: Mapping[str, str] | None = None) -> str:
    """The display label of one cause id."""
    text = "" if cause is None else str(cause)
    known = cause_labels() if labels is None else labels
    return known.get(text) or text.replace("_", " ").capitalize()


def cause_names(causes: Iterable[object], labels: Mapping[str, str] | None = None) -> list[str]:
    """Display labels for several cause ids, in order."""
    known = cause_labels() if labels is None else labels
    return [cause_name(cause, known) for cause in causes]
