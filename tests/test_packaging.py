"""The package a non-editable `pip install .` makes: one import name, every module and data file.

The wheel is built from a copy of the source folders (never in the checkout, which the build would
litter with build/), the way pip builds it for a user.
"""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
FOLDERS = {"storywatch": "storywatch", **SETUPTOOLS["package-dir"]}
SKIPPED = {"__pycache__"}


def _source_files() -> dict[str, Path]:
    """Every file of the installed parts, by the path it must have inside the wheel."""
    files = {}
    for package, folder in FOLDERS.items():
        for path in (ROOT / folder).rglob("*"):
            hidden = any(part.startswith(".") for part in path.relative_to(ROOT).parts)
            if path.is_file() and not hidden and not SKIPPED & set(path.parts) \
                    and path.suffix != ".pyc":
                inside = path.relative_to(ROOT / folder).as_posix()
                files[f"{package.replace('.', '/')}/{inside}"] = path
    return files


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> list[str]:
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in set(FOLDERS.values()):
        shutil.copytree(ROOT / folder, source / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                            "--no-build-isolation", "--disable-pip-version-check", "-w", str(out),
                            str(source)], capture_output=True, text=True, timeout=300, check=False)
    assert built.returncode == 0, built.stderr[-3000:]
    [wheel] = out.glob("storywatch-*.whl")
    return zipfile.ZipFile(wheel).namelist()


def test_the_wheel_installs_one_import_name(wheel_names):
    tops = {name.split("/")[0] for name in wheel_names}
    assert {top for top in tops if not top.endswith(".dist-info")} == {"storywatch"}


def test_every_module_and_data_file_of_the_parts_is_in_the_wheel(wheel_names):
    expected = _source_files()
    # The walk saw every part and their data (else an empty walk would pass).
    assert any(name.endswith(".sql") for name in expected)
    assert any(name.endswith(".npz") for name in expected)
    missing = sorted(set(expected) - set(wheel_names))
    assert missing == [], f"not installed by `pip install .`: {missing}"


def test_every_package_folder_is_listed_in_pyproject():
    listed = set(SETUPTOOLS["packages"])
    found = set()
    for package, folder in FOLDERS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            inside = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join((package, *inside)))
    assert found - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"


def test_runtime_code_names_no_checkout_folder():
    """Only nlp/paths.py may know the checkout's tests/ and ../shared folders."""
    offenders = []
    for folder in FOLDERS.values():
        for path in (ROOT / folder).rglob("*.py"):
            if path == ROOT / "nlp" / "paths.py" or SKIPPED & set(path.parts):
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and node.value in ("tests", "shared"):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
