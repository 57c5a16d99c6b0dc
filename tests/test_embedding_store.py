"""The story vector cache: re-tagging after a taxonomy change skips the backbone, gives the tags a
fresh run gives, re-embeds edited stories, and can be turned off; the progress bars show a rate
and an ETA. The session's model is the only one loaded: another taxonomy reuses its encoder."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from storywatch import pipeline
from storywatch.config import ConfigError, TaggingOptions, load_settings
from storywatch.nlp.classify import classify_file
from storywatch.nlp.taxonomy import load_taxonomy
from storywatch.story_record import story_text
from storywatch.warehouse import connect, connect_read_only
from storywatch.warehouse.embedding_store import StoryVectors, cached_vectors, save_vectors
from storywatch.warehouse.loader import upsert_stories
from storywatch.warehouse.tags import text_hash

STORIES = [
    ("t:1", "Never again", ("No receipt, so no refund. The manager would not even look at my "
                           "card statement.")),
    ("t:2", None, ("My refund took five weeks and nobody answered my emails. The staff at the "
                  "till were rude too.")),
    ("t:3", None, "Delivery came a day early and the sofa is lovely. Great service!"),
    ("t:4", None, "Le service était très lent et personne ne répondait au téléphone."),
    ("t:5", "Sale price", "The salesman promised a discount at the till that never came."),
]
SMALL_TAXONOMY = """\
threshold: 0.35
causes:
  refund_speed:
    owner: Finance
    label: Slow refunds
    description: The refund took too long or never arrived.
    examples:
      - still waiting for my refund
      - the refund took weeks
  proof_of_purchase:
    owner: Operations
    label: Proof of purchase
    description: The store asked for a receipt or would not accept the proof the customer had.
    examples:
      - no receipt so no return
      - they would not accept my card statement
"""


class CountingEncoder:
    """The session's encoder (the backbone), counting every call into it."""

    def __init__(self, encoder) -> None:
        self._encoder = encoder
        self.calls = 0

    def __getattr__(self, name: str):
        value = getattr(self._encoder, name)
        if not callable(value):
            return value

        def counted(*args, **kwargs):
            self.calls += 1
            return value(*args, **kwargs)
        return counted


def other_taxonomy(tagger, path):
    """A tagger with another taxonomy (a new model version) on the session's encoder, counted."""
    path.write_text(SMALL_TAXONOMY, encoding="utf-8")
    encoder = CountingEncoder(tagger.encoder)
    other = type(tagger)(encoder, tagger.head, load_taxonomy(path), tagger.cause_heads)
    encoder.calls = 0  # building it embedded the taxonomy's phrases, which is not re-tagging
    return other, encoder


def record(key: str, title: str | None, body: str) -> dict:
    return {"story_key": key, "source": "t", "brand": "Northwind", "title": title, "body": body,
            "published_at": "2025-01-06T09:00:00Z"}


@pytest.fixture()
def settings(workdir):
    con = connect(workdir)
    upsert_stories(con, [record(*story) for story in STORIES])
    con.close()
    return load_settings(workdir)


def stored_tags(workdir, model_version: str) -> tuple[list, list]:
    con = connect_read_only(workdir)
    try:
        stories = con.execute(
            "SELECT story_key, sentiment, sentiment_score FROM story_tags WHERE model_version = ? "
            "ORDER BY story_key", [model_version]).fetchall()
        causes = con.execute(
            "SELECT story_key, cause, score, evidence FROM cause_tags WHERE model_version = ? "
            "ORDER BY story_key, cause", [model_version]).fetchall()
    finally:
        con.close()
    return stories, causes


def test_retagging_after_a_taxonomy_change_skips_the_backbone(settings, tagger, tmp_path):
    first = pipeline.tag(settings, tagger=tagger)
    assert (first.stories, first.embedded, first.from_cache) == (5, 5, 0)
    other, encoder = other_taxonomy(tagger, tmp_path / "small.yaml")
    assert other.model_version != tagger.model_version
    again = pipeline.tag(settings, tagger=other)
    assert (again.stories, again.embedded, again.from_cache, again.replies) == (5, 0, 5, 0)
    assert encoder.calls == 0
    stories, causes = stored_tags(settings.workdir, other.model_version)
    fresh = other.tag([story_text(title, body) for _, title, body in STORIES])
    assert encoder.calls > 0  # the fresh run did use the backbone
    assert [(key, sentiment) for key, sentiment, _ in stories] == [
        (key, tags.sentiment) for (key, _, _), tags in zip(STORIES, fresh)]
    assert [score for *_, score in stories] == pytest.approx(
        [tags.sentiment_score for tags in fresh], abs=2e-3)
    expected = sorted((key, c.cause, c.score, c.evidence)
                      for (key, _, _), tags in zip(STORIES, fresh) for c in tags.causes)
    assert [(k, c, e) for k, c, _, e in causes] == [(k, c, e) for k, c, _, e in expected]
    assert {cause for _, cause, _, _ in causes} == {"refund_speed", "proof_of_purchase"}
    assert [s for _, _, s, _ in causes] == pytest.approx([s for _, _, s, _ in expected], abs=2e-3)


def test_an_edited_story_is_embedded_again(settings, tagger, monkeypatch):
    pipeline.tag(settings, tagger=tagger)
    # As many sentences as before, so only the text hash tells the cached vectors are stale.
    edited = "Delivery came a week late and the sofa is scratched. Awful service!"
    con = connect(settings.workdir)
    upsert_stories(con, [record("t:3", None, edited)])
    con.close()
    embedded: list[str] = []
    real = tagger.embed
    monkeypatch.setattr(tagger, "embed", lambda texts: embedded.extend(texts) or real(texts))
    report = pipeline.tag(settings, tagger=tagger)
    assert (report.stories, report.embedded, report.from_cache) == (1, 1, 0)
    assert embedded == [edited]
    con = connect_read_only(settings.workdir)
    try:
        found = cached_vectors(con, tagger.encoder_version, [("t:3", text_hash(edited))])
        stale = cached_vectors(con, tagger.encoder_version, [("t:3", text_hash(STORIES[2][2]))])
        rows = con.execute("SELECT count(*) FROM story_vectors").fetchone()[0]
    finally:
        con.close()
    assert found["t:3"].shape == (3, found["t:3"].shape[1]) and not stale and rows == 5


def test_vectors_that_do_not_fit_the_text_are_embedded_again(settings, tagger, tmp_path):
    pipeline.tag(settings, tagger=tagger)
    key, title, body = STORIES[0]
    con = connect(settings.workdir)
    save_vectors(con, tagger.encoder_version, [
        StoryVectors(key, text_hash(story_text(title, body)), np.ones((9, 4), np.float32))])
    con.close()
    other, encoder = other_taxonomy(tagger, tmp_path / "small.yaml")
    report = pipeline.tag(settings, tagger=other)
    assert (report.embedded, report.from_cache) == (1, 4) and encoder.calls > 0


def test_cache_off_embeds_every_story_and_stores_no_vectors(settings, tagger, tmp_path):
    (settings.workdir / "storywatch.toml").write_text("[tagging]\ncache_embeddings = false\n")
    settings = load_settings(settings.workdir)
    assert settings.tagging.cache_embeddings is False
    pipeline.tag(settings, tagger=tagger)
    other, encoder = other_taxonomy(tagger, tmp_path / "small.yaml")
    report = pipeline.tag(settings, tagger=other)
    assert (report.embedded, report.from_cache) == (5, 0) and encoder.calls > 0
    con = connect_read_only(settings.workdir)
    assert con.execute("SELECT count(*) FROM story_vectors").fetchone()[0] == 0
    con.close()


@pytest.mark.parametrize("table", ['cache_embeddings = "yes"', "cache = true", "backend = 2",
                                   'backend = "gpu"'])
def test_bad_tagging_options_are_refused(workdir, table):
    (workdir / "storywatch.toml").write_text(f"[tagging]\n{table}\n")
    with pytest.raises(ConfigError, match=r"\[tagging\]"):
        load_settings(workdir, environ={})


def test_backend_and_model_cache_come_from_the_config_then_the_environment(workdir):
    (workdir / "storywatch.toml").write_text('[tagging]\nbackend = "onnx"\nmodel_cache = "models"\n')
    model = load_settings(workdir, environ={}).tagging.model
    assert (model.backend, model.cache) == ("onnx", workdir / "models")
    model = load_settings(workdir, environ={"STORYWATCH_BACKEND": "torch",
                                            "STORYWATCH_CACHE": "/srv/cache"}).tagging.model
    assert (model.backend, model.cache) == ("torch", Path("/srv/cache"))
    assert load_settings(workdir / "elsewhere", environ={}).tagging == TaggingOptions()
    with pytest.raises(ConfigError, match="Unknown backend 'gpu'.*STORYWATCH_BACKEND"):
        load_settings(workdir / "elsewhere", environ={"STORYWATCH_BACKEND": "gpu"})


def test_progress_bar_shows_rate_eta_and_cache(settings, tagger, tmp_path, capsys):
    pipeline.tag(settings, tagger=tagger)
    other, _ = other_taxonomy(tagger, tmp_path / "small.yaml")
    pipeline.tag(settings, tagger=other, progress=True)
    shown = capsys.readouterr().err
    assert "5/5 [" in shown and "<00:00" in shown  # a total, so an ETA
    assert "stories/s" in shown and "5 from cache" in shown


def test_classify_progress_bar_has_a_total(tagger, tmp_path, capsys):
    source = tmp_path / "in.csv"
    source.write_text('id,comment\n1,"Love it."\n2,"No refund.\nNever again."\n\n3,Fine.\n',
                      encoding="utf-8")
    assert classify_file(source, "comment", tmp_path / "out.jsonl", tagger, progress=True) == 3
    shown = capsys.readouterr().err
    assert "3/3 [" in shown and "stories/s" in shown


def test_vectors_of_other_encoders_are_deleted_after_a_run(settings, tagger):
    key, title, body = STORIES[0]
    con = connect(settings.workdir)
    save_vectors(con, "an-older-encoder", [
        StoryVectors(key, text_hash(story_text(title, body)), np.ones((3, 4), np.float32))])
    con.close()
    pipeline.tag(settings, tagger=tagger)
    con = connect_read_only(settings.workdir)
    try:
        versions = con.execute("SELECT encoder_version, count(*) FROM story_vectors "
                               "GROUP BY ALL").fetchall()
    finally:
        con.close()
    assert versions == [(tagger.encoder_version, len(STORIES))]
