"""Shared fixtures (the real model once per session, data paths) and the marks of the test tiers.

`make test` runs every test; `make test-fast` leaves out those marked `model`, `browser`, `slow`
or `shared_data` (README.md, Development). The marks come from what a test needs: the fixtures in
MARK_BY_FIXTURE mark every test that asks for them, directly or through another fixture, so new
test files are covered without a line of their own; `slow` is written on the tests themselves.
A test without the `model` mark that still loads the model fails, saying so, so the fast tier
cannot quietly grow a model load.
"""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
TEST_DATA = Path(__file__).resolve().parent / "data"

# A fixture a test uses -> the mark it gets (markers are described in pyproject.toml).
MARK_BY_FIXTURE = {"tagger": "model", "browser": "browser", "shared_data": "shared_data"}


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by these marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        needs = getattr(item, "fixturenames", ())
        for fixture, mark in MARK_BY_FIXTURE.items():
            if fixture in needs:
                item.add_marker(mark)


def _refuse_model(*args, **kwargs):
    pytest.fail("this test loads the real model: use the `tagger` fixture or mark it "
                "@pytest.mark.model, so that `make test-fast` leaves it out", pytrace=False)


@pytest.fixture(autouse=True)
def _model_only_when_marked(request: pytest.FixtureRequest,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The two doors to the weights (torch and ONNX Runtime) refuse tests not marked `model`."""
    if request.node.get_closest_marker("model") is None:
        monkeypatch.setattr("storywatch.nlp.model.load_backbone", _refuse_model)
        monkeypatch.setattr("storywatch.nlp.onnx_backbone._session_runner", _refuse_model)


@pytest.fixture(scope="session")
def tagger():
    """The real tagger (MiniLM backbone + heads + default taxonomy), loaded once per session."""
    import os

    from storywatch.nlp import ModelOptions, load_tagger

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
