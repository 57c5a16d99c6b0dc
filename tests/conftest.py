"""Shared fixtures: the real model is loaded once per test session; data paths."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def tagger():
    """The real tagger (MiniLM backbone + heads + default taxonomy), loaded once per session."""
    import os

    from nlp import ModelOptions, load_tagger

    return load_tagger(options=ModelOptions.from_environ(os.environ))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data folder {SHARED_DATA} is absent")
    return SHARED_DATA


@pytest.fixture()
def workdir(tmp_path: Path) -> Path:
    """A fresh storywatch workdir (DuckDB file, landing/, exports/) in a temp folder."""
    path = tmp_path / "storywatch-data"
    path.mkdir()
    return path
