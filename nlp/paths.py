"""Where the evaluation and training inputs live: the only module that knows the checkout's layout.

The tagger itself reads nothing here. The hand labels (tests/data/) ship with a source checkout, not
with an installed package, so `storywatch eval` and training run from a clone; the real data sets
are in ../shared/data beside the clone unless STORYWATCH_SHARED_DATA names another folder.
"""
from __future__ import annotations

import os
from pathlib import Path

import storywatch

# In a checkout this is the repository root; in an installed package it is site-packages/storywatch.
CHECKOUT = Path(__file__).resolve().parent.parent
TEST_DATA = CHECKOUT / "tests" / "data"
# The demo stories ship with the storywatch package, in a checkout and installed alike.
DEMO_STORIES = Path(storywatch.__file__).resolve().parent / "demo_site" / "stories.jsonl"


def _shared_data() -> Path:
    named = os.environ.get("STORYWATCH_SHARED_DATA")
    if named:
        return Path(named).expanduser()
    if TEST_DATA.is_dir():
        return CHECKOUT.parent / "shared" / "data"
    return Path.cwd().parent / "shared" / "data"


SHARED_DATA = _shared_data()
