"""Train the adapter, the sentiment head and the cause heads: `python -m storywatch.nlp.train_sentiment`.

One command, three steps, all on the CPU (the adapter's fine-tune takes most of the time; vectors
are cached in ~/.cache/storywatch, so a re-run with --keep-adapter is quick; timings in
docs/nlp.md):
1. the backbone's low-rank adapter is fine-tuned on the hand-labelled training stories for
   sentiment and causes together (nlp.finetune), saved as nlp/heads/adapter.npz;
2. the sentiment head, a class-balanced 3-class logistic regression on the adapted backbone's
   vectors, is fitted on the training stories (story vectors, and their sentences with the
   story's label at weight SENTENCE_WEIGHT) plus, at weight ALEXA_WEIGHT, the Amazon Alexa
   reviews of the shared data folder whose text hash puts them in the training half (stars 1-2
   negative, 4-5 positive; the other half is what `storywatch eval` scores star agreement on)
   and, at weight HUTTO_WEIGHT, human-rated sentences from the vaderSentiment 3.3.2 sdist (Hutto &
   Gilbert, ICWSM 2014, MIT; fetched with `pip download`, a package registry): without them the
   adapted backbone, which learned sarcasm from the stories, read "Terrible service, never
   again." as positive; and the real training rows of nlp.training.real_data (hand labels, the
   tweets' tweeteval_val part, ABSA train sentences, star-rated reviews as weak sentiment) at
   the weights of nlp.training.real_heads, then the neutral offset picked on the real dev split
   (nlp.real_split.is_dev), which keeps clearly rated reviews from being tagged neutral;
3. the per-cause heads and thresholds (nlp.train_causes), with the real rows that decide causes.
Training stories are the train split of tests/data/labelled plus the demo and written stories
(nlp.labelled). C, the weights and the adapter's epochs were picked on the dev split; the test
split is never read here, nor is any row of the real sets' test splits (nlp.real_split). CFPB
narrative windows (all negative) were tried earlier and dropped.
Output: nlp/heads/{adapter,sentiment_head,cause_heads}.npz (numpy only) and
nlp/heads/PROVENANCE.md.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import io
import os
import random
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from storywatch.nlp.adapter import ADAPTER_PATH
from storywatch.nlp.cause_heads import CAUSE_HEADS_PATH
from storywatch.nlp.embedding_cache import EmbeddingCache
from storywatch.nlp.finetune import EPOCHS, finetune_adapter
from storywatch.nlp.labelled import LabelledStory, training_pool
from storywatch.nlp.options import ModelOptions
from storywatch.nlp.paths import SHARED_DATA
from storywatch.nlp.provenance import write_provenance
from storywatch.nlp.sentiment import CLASSES, HEAD_PATH, SentimentHead
from storywatch.nlp.taxonomy import load_taxonomy
from storywatch.nlp.train_causes import USER_EXAMPLES, read_user_examples, train_cause_heads
from storywatch.nlp.training.real_data import RealExample, real_examples
from storywatch.nlp.training.real_heads import (
    pick_neutral_offset,
    provenance_section,
    sentiment_rows,
    with_neutral_offset,
)

NLP_DIR = Path(__file__).resolve().parent
DEFAULT_DATA_DIR = SHARED_DATA
VADER_SDIST = "vaderSentiment==3.3.2"
HUTTO_FILES = {
    "amazon_snippets": "amazonReviewSnippets_GroundTruth.txt",
    "movie_snippets": "movieReviewSnippets_GroundTruth.txt",
    "tweets": "tweets_GroundTruth.txt",
    "nyt_editorials": "nytEditorialSnippets_GroundTruth.txt",
}
# Mean human rating (-4..+4): near zero is neutral; the band in between is ambiguous and dropped.
NEUTRAL_BAND = 0.5
POLAR_FROM = 0.8
HUTTO_PER_SOURCE = 1500
HUTTO_WEIGHT = 0.1
ADAPTER_RATED = 600  # rated sentences mixed into the adapter's fine-tuning
SENTIMENT_C = 1.0
SENTENCE_WEIGHT = 0.5
ALEXA_WEIGHT = 0.05


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    source: str


def alexa_half(text: str) -> str:
    """'train' or 'held_out': a fixed, hash-based half of the Alexa reviews for each use."""
    return "train" if hashlib.sha1(text.encode("utf-8")).digest()[0] < 128 else "held_out"


def fetch_vader_sdist(target: Path) -> Path:
    """Download the vaderSentiment sdist (source only, no dependencies) into target."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
         VADER_SDIST, "-d", str(target), "-q"],
        check=True,
    )
    return next(target.glob("vaderSentiment-*.tar.gz"))


def rating_label(rating: float) -> str | None:
    if abs(rating) < NEUTRAL_BAND:
        return "neutral"
    if rating >= POLAR_FROM:
        return "positive"
    if rating <= -POLAR_FROM:
        return "negative"
    return None


def load_hutto(sdist: Path) -> list[Example]:
    """Human-rated sentences from the inner hutto_ICWSM_2014.tar.gz of the vader sdist."""
    with tarfile.open(sdist) as outer:
        member = next(m for m in outer.getmembers() if m.name.endswith("hutto_ICWSM_2014.tar.gz"))
        inner_bytes = outer.extractfile(member).read()
    examples = []
    with tarfile.open(fileobj=io.BytesIO(inner_bytes)) as inner:
        for source, name in HUTTO_FILES.items():
            member = next(m for m in inner.getmembers() if m.name.endswith(name))
            raw = inner.extractfile(member).read().decode("utf-8", errors="replace")
            for line in raw.splitlines():
                parts = line.split("\t")
                if len(parts) < 3 or not parts[2].strip():
                    continue
                label = rating_label(float(parts[1]))
                if label:
                    examples.append(Example(parts[2].strip(), label, source))
    return examples


def load_alexa(path: Path) -> list[Example]:
    """Amazon Alexa reviews: stars 1-2 negative, 4-5 positive, 3 (mixed) left out."""
    examples = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            stars, text = int(row["rating"]), row["text"].strip()
            if text and stars != 3:
                examples.append(Example(text, "negative" if stars <= 2 else "positive", "alexa"))
    return examples


def subsample(examples: list[Example], per_source: int, seed: int) -> list[Example]:
    rng = random.Random(seed)
    kept = []
    for source in sorted({e.source for e in examples}):
        group = [e for e in examples if e.source == source]
        kept.extend(rng.sample(group, per_source) if len(group) > per_source else group)
    return kept


def fingerprint(examples: list[Example]) -> str:
    digest = hashlib.sha256()
    for e in sorted(examples, key=lambda e: (e.source, e.text, e.label)):
        digest.update(f"{e.source}\t{e.label}\t{e.text}\n".encode())
    return digest.hexdigest()[:12]


def as_examples(rows: list[RealExample]) -> list[Example]:
    """Real rows as Examples for the fingerprint: the label names the sentiment and causes."""
    return [Example(r.text, f"{r.sentiment}|{sorted(r.causes.items())}", "real:" + r.source)
            for r in rows]


def in_domain(stories: list[LabelledStory], embed) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Story vectors (weight 1) and every sentence with its story's label (SENTENCE_WEIGHT)."""
    rows, labels, weights = [], [], []
    for story, matrix in zip(stories, embed([s.text for s in stories])):
        rows.extend(matrix)
        labels.extend([story.sentiment] * len(matrix))
        weights.extend([1.0] + [SENTENCE_WEIGHT] * (len(matrix) - 1))
    return np.array(rows), np.array(labels), np.array(weights)


def story_scores(head: SentimentHead, stories: list[LabelledStory], embed) -> dict[str, float]:
    """Story-level accuracy and macro-F1 of a head, as the tagger labels stories."""
    from sklearn.metrics import accuracy_score, f1_score

    vectors = np.array([m[0] for m in embed([s.text for s in stories])])
    _, predicted = head.scores_and_labels(vectors)
    gold = [s.sentiment for s in stories]
    return {"accuracy": accuracy_score(gold, predicted),
            "macro_f1": f1_score(gold, predicted, average="macro")}


def fit_head(x: np.ndarray, y: np.ndarray, weights: np.ndarray, c: float) -> SentimentHead:
    """Class-balanced multinomial logistic regression, as an argmax SentimentHead."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
    model.fit(x, y, sample_weight=weights)
    order = [list(model.classes_).index(c) for c in CLASSES]
    return SentimentHead(model.coef_[order].astype(np.float32),
                         model.intercept_[order].astype(np.float32), 0.0, "", argmax=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--vader-sdist", type=Path, help="local vaderSentiment-3.3.2.tar.gz")
    parser.add_argument("--out", type=Path, default=HEAD_PATH)
    parser.add_argument("--examples", type=Path, default=USER_EXAMPLES,
                        help="your cause examples: CSV text,cause or YAML cause: [texts]")
    parser.add_argument("--c", type=float, default=SENTIMENT_C, help="sentiment head's C")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--adapter-epochs", type=int, default=EPOCHS)
    parser.add_argument("--keep-adapter", action="store_true",
                        help="reuse nlp/heads/adapter.npz instead of fine-tuning it again")
    args = parser.parse_args(argv)
    options = ModelOptions.from_environ(os.environ)  # STORYWATCH_BACKEND, STORYWATCH_CACHE

    from storywatch.nlp.encoder import Encoder
    from storywatch.nlp.model import load_backbone

    pool = training_pool()
    train, dev = pool["train"], pool["dev"]
    taxonomy = load_taxonomy()
    ids = [c.id for c in taxonomy.causes]
    real_train = real_examples(ids, "train", args.data_dir, args.seed)
    real_dev = real_examples(ids, "dev", args.data_dir, args.seed)
    dev_texts = {e.text for e in real_dev}
    alexa = [e for e in load_alexa(args.data_dir / "amazon_alexa_reviews.csv")
             if alexa_half(e.text) == "train" and e.text not in dev_texts]
    with tempfile.TemporaryDirectory() as tmp:
        cached = options.cache / "vaderSentiment-3.3.2.tar.gz"
        sdist = args.vader_sdist or (cached if cached.is_file() else fetch_vader_sdist(Path(tmp)))
        rated = subsample(load_hutto(sdist), HUTTO_PER_SOURCE, args.seed)
    general = alexa + rated
    fp = fingerprint(general + [Example(s.text, s.sentiment, s.source) for s in train]
                     + as_examples(real_train))
    print(f"{len(train)} training stories, {len(dev)} dev stories, {len(alexa)} Alexa reviews, "
          f"{len(rated)} rated sentences, {len(real_train)} real training rows, "
          f"{len(real_dev)} real dev rows; fingerprint {fp}", flush=True)
    adapter_scores: dict[str, float] = {}
    if not args.keep_adapter or not ADAPTER_PATH.is_file():
        print("fine-tuning the adapter...", flush=True)
        rng = random.Random(args.seed)
        for_adapter = rng.sample(rated, min(ADAPTER_RATED, len(rated)))
        adapter_scores = finetune_adapter(load_backbone(), train, dev,
                                          [c.id for c in taxonomy.causes], ADAPTER_PATH,
                                          args.adapter_epochs, args.seed,
                                          [(e.text, e.label) for e in for_adapter])
    cache = EmbeddingCache(Encoder.load(options), options.cache)
    x_in, y_in, w_in = in_domain(train, cache.stories)
    x_general = cache.encode([e.text for e in general], progress=True)
    x_real, y_real, w_real = sentiment_rows(real_train, lambda t: cache.encode(t, progress=True))
    x = np.vstack([x_in, x_general, x_real])
    y = np.concatenate([y_in, [e.label for e in general], y_real])
    weights = np.concatenate([w_in, [ALEXA_WEIGHT if e.source == "alexa" else HUTTO_WEIGHT
                                     for e in general], w_real])
    head = fit_head(x, y, weights, args.c)
    offset, real_scores = pick_neutral_offset(head, real_dev, cache.encode(
        [e.text for e in real_dev], progress=True))
    head = with_neutral_offset(head, offset)
    scores = dict(adapter_scores)
    scores.update({f"real dev {k}": v for k, v in real_scores.items()})
    scores.update({f"dev {k}": v for k, v in story_scores(head, dev, cache.stories).items()})
    scores.update({f"train {k}": v for k, v in story_scores(head, train, cache.stories).items()})
    for name, value in scores.items():
        print(f"{name:28s} {value:.3f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(args.out, coef=head.coef, intercept=head.intercept, classes=np.array(CLASSES),
             data_fingerprint=np.array(fp), neutral_band=np.array(0.0, dtype=np.float32),
             decision=np.array("argmax"))

    user = read_user_examples(args.examples, {c.id for c in taxonomy.causes})
    causes = train_cause_heads(taxonomy, train, cache.encode, cache.stories, user, args.seed,
                               real_train)
    cause_path = args.out.parent / CAUSE_HEADS_PATH.name
    np.savez(cause_path, **{k: causes[k] for k in ("ids", "cause_fingerprints", "coef", "intercept",
                                            "thresholds")})
    provenance = args.out.parent / "PROVENANCE.md"
    write_provenance(provenance, general, train, scores, causes, args, fp)
    with provenance.open("a", encoding="utf-8") as handle:
        handle.write(provenance_section(real_train, causes["real_rows"], offset, real_scores))
    print(f"saved {args.out} and {cause_path}")


if __name__ == "__main__":
    main()
