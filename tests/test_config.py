"""storywatch.toml: a key that the file or one of its tables does not take is an error that
names it and lists the keys it takes, in one line from the CLI; a correct file still loads."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from storywatch.cli import cli
from storywatch.config import ConfigError, load_settings

GOOD = """\
taxonomy = "taxonomy.yaml"

[brand]
name = "Northwind"

[[competitors]]
name = "Brightmart"

[[sources]]
brand = "Northwind"
format = "trustpilot"
url = "https://www.trustpilot.com/review/northwind.example"

[[sources]]
brand = "Brightmart"
url = "https://reviews.example/brightmart"

[crawl]
redact = true

[tagging]
cache_embeddings = true
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "storywatch.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_correct_config_loads(tmp_path):
    settings = load_settings(tmp_path, write(tmp_path, GOOD), environ={})
    assert (settings.brand, settings.competitors) == ("Northwind", ("Brightmart",))
    assert [(s.brand, s.format, s.is_competitor) for s in settings.sources] == [
        ("Northwind", "trustpilot", False), ("Brightmart", "auto", True)]
    assert settings.taxonomy == tmp_path / "taxonomy.yaml"


@pytest.mark.parametrize(("typo", "where", "valid"), [
    pytest.param(GOOD.replace("[[competitors]]", "[[competitor]]"), "storywatch.toml has",
                 "taxonomy, brand, competitors, sources, crawl, tagging", id="competitor"),
    pytest.param(GOOD.replace('format = "trustpilot"', 'fromat = "trustpilot"'),
                 "source #1 has", "brand, format, url", id="source-fromat"),
    pytest.param("brands = 3\n" + GOOD, "storywatch.toml has",
                 "taxonomy, brand, competitors", id="top-level"),
    pytest.param(GOOD.replace('name = "Northwind"', 'name = "Northwind"\nnmae = "x"'),
                 "[brand] has", "use one of name.", id="brand"),
    pytest.param(GOOD.replace('name = "Brightmart"', 'name = "Brightmart"\nurl = "x"'),
                 "[[competitors]] has", "use one of name.", id="competitors"),
    pytest.param(GOOD.replace("cache_embeddings = true", "cache_embedings = true"),
                 "[tagging] has", "cache_embeddings, backend, model_cache", id="tagging"),
])
def test_unknown_key_is_refused_with_the_valid_keys(tmp_path, typo, where, valid):
    path = write(tmp_path, typo)
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path, path, environ={})
    message = str(caught.value)
    assert where in message and "unknown option" in message and valid in message
    result = CliRunner().invoke(cli, ["load", "--workdir", str(tmp_path / "data"),
                                      "--config", str(path)])
    assert result.exit_code == 1
    assert result.output == f"Error: {message}\n"  # one line, no traceback


def test_misspelt_key_gets_a_suggestion(tmp_path):
    path = write(tmp_path, GOOD.replace("[[competitors]]", "[[competitor]]"))
    with pytest.raises(ConfigError, match=r"unknown option 'competitor' \(did you mean "
                                          r"'competitors'\?\)"):
        load_settings(tmp_path, path, environ={})


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param('[sources]\nbrand = "Northwind"\nurl = "https://x.example"\n',
                 r"write \[\[sources\]\] \(one per entry\), not \[sources\]", id="sources"),
    pytest.param('[competitors]\nname = "Brightmart"\n',
                 r"write \[\[competitors\]\] \(one per entry\), not \[competitors\]",
                 id="competitors"),
    pytest.param('sources = ["https://x.example"]\n', r"source #1 must be a \[\[sources\]\] table",
                 id="source-string"),
])
def test_single_table_where_an_array_belongs_is_refused(tmp_path, text, expected):
    with pytest.raises(ConfigError, match=expected):
        load_settings(tmp_path, write(tmp_path, text), environ={})
