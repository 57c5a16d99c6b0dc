"""Natural-language tagging of customer stories: sentiment, causes, owners, evidence.

Importing this package is cheap (no torch): the model is loaded by `load_tagger()`.

Example:
    >>> import nlp
    >>> tagger = nlp.load_tagger()
    >>> tags = tagger.tag(["No receipt, so no refund. Never again."])[0]
    >>> tags.sentiment, [c.cause for c in tags.causes]
    ('negative', ['receipts', 'refunds'])
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from storywatch.nlp.model import ModelMissing
from storywatch.nlp.options import ModelOptions
from storywatch.nlp.sentiment import HeadMissing
from storywatch.nlp.taxonomy import TaxonomyError

if TYPE_CHECKING:
    from pathlib import Path

    from storywatch.nlp.tagger import StoryTags, Tagger

__all__ = ["HeadMissing", "ModelMissing", "ModelOptions", "StoryTags", "Tagger", "TaxonomyError",
           "load_tagger"]


def load_tagger(taxonomy_path: Path | None = None, options: ModelOptions | None = None) -> Tagger:
    """Load the tagger (backbone, sentiment head, taxonomy); see nlp.tagger.load_tagger."""
    from storywatch.nlp.tagger import load_tagger as _load

    return _load(taxonomy_path, options)


def __getattr__(name: str):
    if name in {"Tagger", "StoryTags"}:
        from storywatch.nlp import tagger

        return getattr(tagger, name)
    raise AttributeError(f"module 'nlp' has no attribute {name!r}")
