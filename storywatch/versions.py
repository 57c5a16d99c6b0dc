"""Versions derived from what they guard: the code and the library releases behind a result.

Cached results (story vectors, tags, reply classes, rollup tables, the ONNX build) are valid while
the code and libraries that made them are unchanged. A hand-bumped constant gets forgotten and a
stale cache is then reused silently; a digest of the code cannot be forgotten. Code is read as a
syntax tree without docstrings, so comments, docstrings and layout do not count, while any other
edit (a constant, a regular expression, a line of logic, a rename) makes a new version: at worst
a needless re-computation, never a stale result. Like storywatch.errors, this module imports
nothing of the project, so every part can use it.
"""
from __future__ import annotations

import ast
import functools
import hashlib
import inspect
from importlib import metadata
from types import ModuleType

DIGEST_LENGTH = 8
_DOCUMENTED = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def digest(*parts: str) -> str:
    """A short hex digest of the parts, in order."""
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:DIGEST_LENGTH]


def syntax(source: str) -> str:
    """The source's syntax tree as text, without comments, docstrings or layout."""
    return _dump(ast.parse(source))


def _dump(tree: ast.AST) -> str:
    for node in ast.walk(tree):
        if isinstance(node, _DOCUMENTED) and node.body and _is_docstring(node.body[0]):
            node.body = node.body[1:] or [ast.Pass()]
    return ast.dump(tree)


def _is_docstring(statement: ast.stmt) -> bool:
    return (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
            and isinstance(statement.value.value, str))


def code_digest(*modules: ModuleType) -> str:
    """A digest of the modules' code, as written in their files.

    Each file is read once per process, so a long run's versions stay those of the code it
    started with, even when the files are edited or upgraded under it.
    """
    return digest(*(_code(module, ()) for module in modules))


def definitions_digest(module: ModuleType, *names: str) -> str:
    """A digest of the named top-level functions and classes, as written in the module's file.

    Read from the file rather than from the module's attributes, so a name monkeypatched (or
    rebound) at run time does not change the version.
    """
    return digest(_code(module, names))


@functools.cache
def _code(module: ModuleType, names: tuple[str, ...]) -> str:
    try:
        tree = ast.parse(inspect.getsource(module))
    except (OSError, TypeError):
        # Installed without its .py files: the storywatch release then stands for its code.
        return f"{module.__name__}{names} of storywatch {package_version('storywatch')}"
    if not names:
        return _dump(tree)
    found = {node.name: node for node in tree.body if isinstance(node, _DOCUMENTED)}
    return "\0".join(_dump(found[name]) for name in names)


def package_version(name: str) -> str:
    """The installed release of a distribution, or 'none' when it is not installed."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "none"


def packages_digest(*names: str) -> str:
    """A digest of the installed releases of these distributions."""
    return digest(*(f"{name}=={package_version(name)}" for name in names))
