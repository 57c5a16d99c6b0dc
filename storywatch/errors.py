"""The root of every storywatch error: what the CLI and the dashboard catch to show one sentence.

Every part (crawler/, nlp/, warehouse/, dashboard/) defines its own errors next to the code that
raises them, each a subclass of `StorywatchError` (and of the builtin it always had, such as
ValueError, so callers that catch that keep working). The root lives here, in a module that
imports nothing, because the parts must be able to import it without pulling in the CLI:
`storywatch/__init__.py` stays import-free for that reason, and a sixth top-level package would
add one more generic import name to site-packages. Anything that is not a StorywatchError is a
bug, and the CLI says so (its traceback shows under `storywatch --debug`).
"""
from __future__ import annotations


class StorywatchError(Exception):
    """A problem the user can fix, explained in one sentence that says how."""
