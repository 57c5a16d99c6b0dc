"""Company replies: helpful, apologetic, or policy-citing (answering with the rulebook).

Marketing wants to see where the company answers a story with its policy instead of help. A reply
is split into sentences and embedded with the tagger's backbone (one pass); each sentence is
compared with the prototype phrases below, and phrases that only a rulebook answer uses ("as per
our policy", "what you need to understand", "clearly displayed") count as policy-citing outright.
A reply is `policy_citing` when any sentence cites policy, else `apologetic` when it apologises
without offering anything, else `helpful`; the score is the winning similarity (0..1, or 1.0 for a
rulebook phrase). Exposed as `Tagger.classify_replies(texts)`; the warehouse can store the
`ReplyTag`s next to the stories (label, score, evidence).
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from storywatch.nlp.sentences import split_sentences

LABELS = ("helpful", "apologetic", "policy_citing")
PROTOTYPES = {
    "policy_citing": [
        "as per our policy we are unable to do this",
        "our terms and conditions clearly state this",
        "this policy is clearly displayed in store and online",
        "unfortunately we cannot make exceptions to our policy",
        "what you need to understand is that these are the rules",
        "all returns require the original receipt",
        "we are not able to offer a refund outside the return window",
        "as stated in the agreement you signed",
    ],
    "apologetic": [
        "we are so sorry to hear about your experience",
        "we apologise for the inconvenience",
        "sorry this happened, that is not the standard we aim for",
        "we regret that your visit did not meet your expectations",
    ],
    "helpful": [
        "we have issued a full refund to your card",
        "please send us your order number and we will sort it out today",
        "I have asked the store manager to call you back tomorrow",
        "a replacement is on its way to you",
        "we have credited your account and fixed the error",
        "thank you so much for the kind words, we will pass them on to the team",
    ],
}
RULEBOOK = re.compile(
    r"\b(as per (our|the) (policy|policies|terms)|in line with our policy|our (returns? |refund )?"
    r"policy (states|is|requires)|what you need to understand|clearly (displayed|stated)|"
    r"terms and conditions (state|clearly)|we (are unable|cannot) to make (an )?exceptions?|"
    r"no exceptions|company policy)\b", re.IGNORECASE)
APOLOGY = re.compile(r"\b(sorry|apologi[sz]e|apologies|regret)\b", re.IGNORECASE)
# A sentence counts towards a label when at least this similar to one of its prototypes.
MIN_SIMILARITY = 0.45


@dataclass(frozen=True)
class ReplyTag:
    label: str | None  # None for an empty reply
    score: float
    policy_citing: bool
    evidence: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class ReplyClassifier:
    """Classifies reply texts with prototype embeddings computed once."""

    def __init__(self, encode) -> None:
        self._encode = encode
        self._labels = [lab for lab in LABELS for _ in PROTOTYPES[lab]]
        self._protos = np.asarray(encode([p for lab in LABELS for p in PROTOTYPES[lab]]),
                                  dtype=np.float32)

    def classify(self, texts: list[str]) -> list[ReplyTag]:
        """One ReplyTag per text, in order; empty or missing replies get label None."""
        per_reply = [split_sentences(t or "") for t in texts]
        flat = [s for sentences in per_reply for s in sentences]
        vectors = np.asarray(self._encode(flat), dtype=np.float32) if flat else np.zeros((0, 1))
        labels = np.array(self._labels)
        out, offset = [], 0
        for sentences in per_reply:
            sims = vectors[offset:offset + len(sentences)] @ self._protos.T if sentences else None
            offset += len(sentences)
            out.append(self._one(sentences, sims, labels))
        return out

    def _one(self, sentences: list[str], sims: np.ndarray | None, labels: np.ndarray) -> ReplyTag:
        if not sentences:
            return ReplyTag(None, 0.0, False, None)
        for sentence in sentences:
            if RULEBOOK.search(sentence):
                return ReplyTag("policy_citing", 1.0, True, sentence)
        best = {lab: sims[:, labels == lab].max(axis=1) for lab in LABELS}
        policy = best["policy_citing"]
        if policy.max() >= MIN_SIMILARITY and policy.max() > best["helpful"].max():
            i = int(policy.argmax())
            return ReplyTag("policy_citing", round(float(policy[i]), 4), True, sentences[i])
        helpful = best["helpful"]
        if helpful.max() >= MIN_SIMILARITY or not any(APOLOGY.search(s) for s in sentences):
            i = int(helpful.argmax())
            return ReplyTag("helpful", round(float(max(helpful[i], 0.0)), 4), False, sentences[i])
        apologetic = best["apologetic"]
        i = int(apologetic.argmax())
        return ReplyTag("apologetic", round(float(max(apologetic[i], 0.0)), 4), False, sentences[i])
