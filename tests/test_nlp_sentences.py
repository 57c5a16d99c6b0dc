"""Sentence splitting on the messy text customers write."""
from __future__ import annotations

from storywatch.nlp.sentences import MAX_SENTENCES, MAX_WORDS, guess_language, split_sentences


def test_splits_on_missing_space_newlines_and_bullets() -> None:
    text = "Great price.The box was crushed!\n- no receipt\n* no refund\n2) never again"
    assert split_sentences(text) == [
        "Great price.", "The box was crushed!", "no receipt", "no refund", "never again",
    ]


def test_keeps_prices_abbreviations_and_initials_whole() -> None:
    text = "Paid $2.99 for it at the St. James store. Mr. Smith and J. Lee said e.g. no."
    assert split_sentences(text) == [
        "Paid $2.99 for it at the St. James store.", "Mr. Smith and J. Lee said e.g. no.",
    ]


def test_run_on_text_is_cut_into_windows_and_capped() -> None:
    run_on = " ".join(["word"] * (MAX_WORDS * 2 + 5))
    assert [len(s.split()) for s in split_sentences(run_on)] == [MAX_WORDS, MAX_WORDS, 5]
    huge = "It broke. " * 1000
    assert len(split_sentences(huge)) == MAX_SENTENCES


def test_empty_and_punctuation_only_text_has_no_sentences() -> None:
    assert split_sentences("") == []
    assert split_sentences("  \n\n ...  \n - ") == []


def test_guess_language() -> None:
    assert guess_language("The box was crushed and I want my money back") == "en"
    assert guess_language("Das Paket kam beschädigt an und niemand hilft mir weiter") is None
