"""The test tiers: `make test-fast` leaves out what loads the model, drives a browser, runs long
or reads the shared data, and the marks that decide it come from what a test uses.

Each check runs pytest on a throw-away test folder that has the project's own conftest.py, so it
shows what a developer sees when a new test file appears, not what this suite happens to hold.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
CONFTEST = ROOT / "tests" / "conftest.py"
TIER_MARKS = {"model", "browser", "slow", "shared_data"}

NEW_TESTS = '''
import pytest


@pytest.fixture()
def browser():
    return "a driver"


@pytest.fixture()
def tagged(tagger):
    return tagger


def test_plain():
    pass


def test_asks_for_the_tagger(tagger):
    pass


def test_asks_for_a_fixture_that_asks_for_the_tagger(tagged):
    pass


def test_asks_for_the_shared_data(shared_data):
    pass


def test_asks_for_a_browser(browser):
    pass


@pytest.mark.slow
def test_marked_slow():
    pass
'''


def fast_selection() -> str:
    """The `-m` expression of the Makefile's test-fast target."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    found = re.search(r'^test-fast:.*\n\t.*-m "([^"]+)"', makefile, flags=re.MULTILINE)
    assert found, "the Makefile has no test-fast target running pytest -m"
    return found.group(1)


@pytest.fixture()
def project(pytester: pytest.Pytester, pytestconfig: pytest.Config) -> pytest.Pytester:
    """A test folder with the project's conftest.py and markers."""
    pytester.makeconftest(CONFTEST.read_text(encoding="utf-8"))
    markers = "\n".join(f"    {line}" for line in pytestconfig.getini("markers"))
    pytester.makeini(f"[pytest]\naddopts = --strict-markers\nmarkers =\n{markers}\n")
    return pytester


def collected(result: pytest.RunResult) -> list[str]:
    return sorted(line.split("::")[-1] for line in result.outlines if "::" in line)


def test_fast_tier_keeps_only_tests_that_need_none_of_the_slow_parts(project) -> None:
    project.makepyfile(test_new=NEW_TESTS)
    result = project.runpytest("--collect-only", "-q", "-m", fast_selection())
    assert collected(result) == ["test_plain"]


def test_full_tier_keeps_every_test(project) -> None:
    project.makepyfile(test_new=NEW_TESTS)
    result = project.runpytest("--collect-only", "-q")
    assert len(collected(result)) == 6


def test_each_mark_selects_the_tests_that_need_it(project) -> None:
    project.makepyfile(test_new=NEW_TESTS)
    expected = {
        "model": ["test_asks_for_a_fixture_that_asks_for_the_tagger", "test_asks_for_the_tagger"],
        "browser": ["test_asks_for_a_browser"],
        "shared_data": ["test_asks_for_the_shared_data"],
        "slow": ["test_marked_slow"],
    }
    for mark, tests in expected.items():
        assert collected(project.runpytest("--collect-only", "-q", "-m", mark)) == tests, mark


def test_a_test_that_loads_the_model_unmarked_fails_saying_so(project) -> None:
    project.makepyfile(test_new='''
        import pytest


        def test_loads_the_torch_backbone():
            from storywatch.nlp.model import load_backbone

            load_backbone()


        def test_loads_the_onnx_session(tmp_path):
            from storywatch.nlp import onnx_backbone

            onnx_backbone._session_runner(tmp_path / "model.int8.onnx")
    ''')
    # In its own process: this one's guard must not be what stops the model.
    result = project.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=2)
    # One failure report per test (the short summary may repeat it, cut to the terminal width).
    assert sum(line.startswith("this test loads the real model") for line in result.outlines) == 2
    assert "mark it @pytest.mark.model" in result.stdout.str()


def test_makefile_readme_and_markers_agree() -> None:
    selection = fast_selection()
    assert set(re.findall(r"not (\w+)", selection)) == TIER_MARKS
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "\ntest: install\n\t$(PY) -m pytest\n" in makefile  # the full tier runs everything
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`make test-fast`" in readme and f'-m "{selection}"' in readme
    for mark in TIER_MARKS:
        assert f"`{mark}`" in readme, f"README.md does not explain the mark {mark}"
