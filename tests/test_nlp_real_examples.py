"""The examples of issue 14, as a new user would try them with `storywatch classify`: real-style
short posts and one-line reviews. Each either passes or is a strict xfail that says why."""
from __future__ import annotations

import pytest


def _tags(tagger, text: str):
    (result,) = tagger.tag([text])
    return result, {c.cause: c for c in result.causes}


@pytest.mark.xfail(strict=True, reason="lost_damaged is linked now, but the sentiment head reads "
                   "the bare statement of a repeated loss as mildly positive (+0.14): no negative "
                   "word, and 'again, third time' is implicit complaint it has too few examples of")
def test_lost_bag_tweet_is_negative_and_lost_damaged(tagger) -> None:
    result, causes = _tags(tagger, "@united lost my bag again, third time this year")
    assert result.sentiment == "negative"
    assert "lost_damaged" in causes


def test_lost_luggage_nobody_cares_is_negative(tagger) -> None:
    result, _ = _tags(tagger, "Lost my luggage. Nobody at the desk cares.")
    assert result.sentiment == "negative"


@pytest.mark.xfail(strict=True, reason="positive, but no cause is linked: 'crew' as airline staff "
                   "is rare in the staff head's training rows (hand labels, stories)")
def test_thanks_for_the_upgrade_is_positive_staff_praise(tagger) -> None:
    result, causes = _tags(tagger, "@delta thanks for the upgrade, crew was amazing!")
    assert result.sentiment == "positive"
    assert "staff" in causes and causes["staff"].evidence_sentiment == "positive"


def test_on_time_polite_driver_is_positive(tagger) -> None:
    result, _ = _tags(tagger, "Delivery was on time and the driver was very polite.")
    assert result.sentiment == "positive"


def test_cant_fault_them_is_positive(tagger) -> None:
    result, _ = _tags(tagger, "Honestly I can't fault them, everything was perfect")
    assert result.sentiment == "positive"


@pytest.mark.xfail(strict=True, reason="delays is linked, but so is lost_damaged (0.98): in the "
                   "training rows a late parcel is often one that later went missing")
def test_two_weeks_late_is_a_delay_not_lost(tagger) -> None:
    _, causes = _tags(tagger, "parcel arrived two weeks late")
    assert "delays" in causes and "lost_damaged" not in causes


def test_mixed_sentence_gives_each_cause_its_own_polarity_and_evidence(tagger) -> None:
    text = "Great staff, terrible return policy."
    _, causes = _tags(tagger, text)
    assert causes["staff"].evidence_sentiment == "positive"
    assert causes["returns"].evidence_sentiment == "negative"
    assert causes["staff"].evidence != causes["returns"].evidence
    assert causes["staff"].evidence in text and causes["returns"].evidence in text
