"""Clause-level evidence (issue 14 item 4): a sentence that praises one cause and blames another
gives each its own clause as evidence, with that clause's polarity; a sentence with one judgement
keeps sentence-level evidence."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from storywatch.nlp.clauses import COMMA_MAX_WORDS, MAX_CLAUSES, split_clauses, story_clauses
from storywatch.nlp.tagger import tagger_versions


def _clauses(sentence: str) -> list[str]:
    return [sentence[a:b] for a, b in split_clauses(sentence)]


@pytest.mark.parametrize("sentence, clauses", [
    ("Great staff, terrible return policy.", ["Great staff,", "terrible return policy."]),
    ("Small screen somewhat limiting but great for travel.",
     ["Small screen somewhat limiting", "but great for travel."]),
    ("Bathrooms a bit old, beds cozy.", ["Bathrooms a bit old,", "beds cozy."]),
    ("Good motel - Poor location", ["Good motel", "Poor location"]),
    ("Room was fine; staff rude", ["Room was fine;", "staff rude"]),
    ("Most of it is awesome except the touchpad.", ["Most of it is awesome", "except the touchpad."]),
])
def test_a_sentence_is_cut_where_customers_join_judgements(sentence, clauses) -> None:
    assert _clauses(sentence) == clauses


@pytest.mark.parametrize("sentence", [
    "Delivery was on time and the driver was very polite.",
    "I have not hit 100 yet.",  # 'yet' alone at the end opens no clause
    "It is good, though.",
    "Price $2,500 for this?",  # a thousands separator is no comma between words
])
def test_a_sentence_with_one_judgement_stays_whole(sentence) -> None:
    assert split_clauses(sentence) == [(0, len(sentence))]


def test_a_connective_alone_joins_the_clause_it_opens() -> None:
    assert _clauses("Nice room, but, sadly, no view") == ["Nice room,", "but, sadly,", "no view"]
    assert _clauses("Nice room, yet.") == ["Nice room, yet."]  # a connective at the end closes


def test_a_long_sentence_is_cut_at_contrasting_words_not_at_its_commas() -> None:
    sentence = ("We flew out on Monday, landed at noon, and the crew were lovely, but the bags "
                "took an hour to arrive.")
    assert len(sentence.split()) > COMMA_MAX_WORDS
    assert _clauses(sentence) == [
        "We flew out on Monday, landed at noon, and the crew were lovely,",
        "but the bags took an hour to arrive."]


def test_a_long_list_is_not_a_list_of_judgements() -> None:
    sentence = ", ".join(f"item {i}" for i in range(MAX_CLAUSES + 1))
    assert split_clauses(sentence) == [(0, len(sentence))]


def test_clauses_are_substrings_of_their_sentence_in_story_order() -> None:
    sentences = ["Lovely staff, awful queue.", "No clauses here.", "Cheap but broke in a week."]
    clauses = story_clauses(sentences)
    assert [c.sentence for c in clauses] == [0, 0, 2, 2]
    for clause in clauses:
        text = sentences[clause.sentence][clause.start:clause.end]
        assert text and text == text.strip() and text in sentences[clause.sentence]


def test_a_clause_rule_edit_redoes_the_cached_vectors(monkeypatch, tmp_path) -> None:
    """Cached vectors hold a row per clause, so the clause splitter is part of the encoder
    version (through the splitter's), while a comment is not."""
    before = tagger_versions()
    module = sys.modules["storywatch.nlp.clauses"]
    source = Path(module.__file__).read_text(encoding="utf-8")

    def edited(old: str, new: str):
        assert source.count(old) == 1
        path = tmp_path / f"clauses_{abs(hash(new))}.py"
        path.write_text(source.replace(old, new), encoding="utf-8")
        spec = importlib.util.spec_from_file_location("storywatch.nlp.clauses", path)
        copy = importlib.util.module_from_spec(spec)
        monkeypatch.setitem(sys.modules, "storywatch.nlp.clauses", copy)
        spec.loader.exec_module(copy)
        import storywatch.nlp

        monkeypatch.setattr(storywatch.nlp, "clauses", copy)
        return tagger_versions()

    assert edited("MAX_CLAUSES = 8", "MAX_CLAUSES = 8  # a comment").encoder == before.encoder
    after = edited("MAX_CLAUSES = 8", "MAX_CLAUSES = 6")
    assert after.encoder != before.encoder and after.model != before.model


def _causes(tagger, text: str):
    (result,) = tagger.tag([text])
    return {c.cause: c for c in result.causes}


def test_each_cause_of_a_mixed_sentence_gets_its_own_clause_and_polarity(tagger) -> None:
    text = "Friendly staff but the refund took six weeks."
    causes = _causes(tagger, text)
    assert causes["staff"].evidence_sentiment == "positive"
    assert causes["refunds"].evidence_sentiment == "negative"
    assert causes["staff"].evidence != causes["refunds"].evidence
    assert all(c.evidence in text for c in causes.values())


def test_a_sentence_with_one_judgement_keeps_sentence_evidence(tagger) -> None:
    text = "I waited six weeks for my refund but nobody answered my emails."
    causes = _causes(tagger, text)
    assert causes, "a refund complaint links a cause"
    assert all(c.evidence == text and c.evidence_sentiment == "negative"
               for c in causes.values())


def test_cached_vectors_with_clause_rows_restore_the_same_tags(tagger) -> None:
    text = "Great staff, terrible return policy.\nI will not shop there again."
    (embedded,) = tagger.embed([text])
    assert embedded.clauses and len(embedded.vectors) == 1 + len(embedded.sentences) + len(
        embedded.clauses)
    restored = tagger.restore(text, embedded.vectors)
    assert restored is not None
    assert tagger.tag_embedded([restored]) == tagger.tag_embedded([embedded])
    # Vectors cached before clauses existed (a row per sentence only) do not fit: re-embedded.
    old = embedded.vectors[:1 + len(embedded.sentences)]
    assert tagger.restore(text, np.asarray(old)) is None
