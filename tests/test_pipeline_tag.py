"""`storywatch tag` with nothing pending answers without loading the model, and still loads it
when a taxonomy or model change makes stories pending again."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from storywatch import nlp, pipeline
from storywatch.cli import cli
from storywatch.config import Settings, TaggingOptions
from storywatch.nlp.options import ModelOptions
from storywatch.nlp.tagger import tagger_versions
from storywatch.nlp.taxonomy import load_taxonomy
from storywatch.warehouse import connect
from storywatch.warehouse.loader import upsert_stories

SMALL_TAXONOMY = """\
causes:
  refunds:
    owner: Finance
    label: Refunds
    description: The refund took too long or never arrived.
    examples: [still waiting for my refund, the refund took weeks]
"""


class ModelLoaded(Exception):
    """Raised by the stand-in for nlp.load_tagger: the model would have been loaded."""


@pytest.fixture()
def no_model_load(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise ModelLoaded
    monkeypatch.setattr(nlp, "load_tagger", refuse)


@pytest.fixture()
def tagged(workdir: Path, tagger) -> Settings:
    """A warehouse whose stories and company reply are all tagged by the session's tagger."""
    con = connect(workdir)
    upsert_stories(con, [
        {"story_key": "t:1", "source": "t", "brand": "Northwind", "body": "Still no refund.",
         "company_reply": "We have refunded you today.", "published_at": "2025-01-06T09:00:00Z"},
        {"story_key": "t:2", "source": "t", "brand": "Northwind", "body": "Lovely staff.",
         "published_at": "2025-01-07T09:00:00Z"},
    ])
    con.close()
    settings = Settings(workdir=workdir)
    assert pipeline.tag(settings, tagger=tagger).stories == 2
    return settings


def test_versions_named_without_the_model_are_the_loaded_taggers(tagger, tmp_path) -> None:
    options = ModelOptions(backend=tagger.encoder.backend)
    versions = tagger_versions(None, options)
    assert (versions.model, versions.replies, versions.encoder) == (
        tagger.model_version, tagger.reply_version, tagger.encoder_version)
    path = tmp_path / "small.yaml"
    path.write_text(SMALL_TAXONOMY, encoding="utf-8")
    other = type(tagger)(tagger.encoder, tagger.head, load_taxonomy(path), tagger.cause_heads)
    assert tagger_versions(path, options).model == other.model_version != tagger.model_version


def test_second_tag_with_nothing_pending_does_not_load_the_model(tagged, no_model_load) -> None:
    report = pipeline.tag(tagged)
    assert (report.stories, report.replies) == (0, 0)
    result = CliRunner().invoke(cli, ["tag", "--workdir", str(tagged.workdir), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Nothing to tag: every story is tagged by minilm")


def test_taxonomy_change_still_loads_the_model(tagged, no_model_load, tmp_path) -> None:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL_TAXONOMY, encoding="utf-8")
    with pytest.raises(ModelLoaded):
        pipeline.tag(replace(tagged, taxonomy=path))


def test_model_change_still_loads_the_model(tagged, no_model_load) -> None:
    fp32 = TaggingOptions(model=ModelOptions(backend="onnx"))  # instead of int8: a new version
    with pytest.raises(ModelLoaded):
        pipeline.tag(replace(tagged, tagging=fp32))


def test_new_story_still_loads_the_model(tagged, no_model_load) -> None:
    con = connect(tagged.workdir)
    upsert_stories(con, [{"story_key": "t:3", "source": "t", "brand": "Northwind",
                          "body": "Delivery was late.", "published_at": "2025-01-08T09:00:00Z"}])
    con.close()
    with pytest.raises(ModelLoaded):
        pipeline.tag(tagged)
