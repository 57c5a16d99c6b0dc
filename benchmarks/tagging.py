"""Benchmark the tagger against a plain SentenceTransformer.encode of the same texts, same run.

N review-length stories (~60 words: two hand-labelled stories joined, cycled over the project's
labelled and demo stories) are encoded with a plain SentenceTransformer.encode of the same MiniLM
(whole texts, batch 64: the baseline) and then tagged end to end by the tagger (sentences,
sentiment, causes, evidence; backend from STORYWATCH_BACKEND, int8 ONNX by default). A third
phase re-tags from the vectors of the second (what `storywatch tag` does after a taxonomy change,
with the warehouse's vector cache). Prints stories/s for each, the ratios and the peak RSS after
each phase (best of --rounds alternating runs). Not a test: the machine's other load moves the
absolute numbers, so compare the ratios.

Example:
    python benchmarks/tagging.py --n 2000 --threads 2
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def int8_features() -> str:
    """The CPU's int8 instruction sets (from /proc/cpuinfo), which decide int8 speed."""
    try:
        flags = set(Path("/proc/cpuinfo").read_text().split())
    except OSError:
        return "unknown"
    found = [f for f in ("avx2", "avx512_vnni", "avx_vnni", "amx_int8") if f in flags]
    return " ".join(found) or "none of avx2, avx512_vnni, avx_vnni, amx_int8"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def review_texts(n: int) -> list[str]:
    """n texts of about 60 words, built from the project's labelled stories."""
    from storywatch.nlp.labelled import training_pool

    pool = training_pool()
    base = [s.text for split in ("train", "dev", "test") for s in pool[split]]
    texts, i = [], 0
    while len(texts) < n:
        text = base[i % len(base)]
        j = i
        while len(text.split()) < 50:
            j += 1
            text = f"{text} {base[(j * 7) % len(base)]}"
        texts.append(" ".join(text.split(" ")[:70]))
        i += 1
    return texts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--rounds", type=int, default=2, help="alternating runs; best of each")
    args = parser.parse_args(argv)
    import torch

    from storywatch import nlp
    from storywatch.nlp.model import load_backbone

    tagger = nlp.load_tagger(options=nlp.ModelOptions.from_environ(os.environ,
                                                                   threads=args.threads))
    plain = load_backbone()
    torch.set_num_threads(args.threads)
    texts = review_texts(args.n)
    words = sum(len(t.split()) for t in texts) / len(texts)
    print(f"{len(texts)} stories, {words:.0f} words on average, {args.threads} threads, "
          f"model {tagger.model_version}")
    print(f"{os.cpu_count()} cores; int8 instructions: {int8_features()}")
    tagger.tag(texts[:64])  # warm-up
    encode_s, tag_s, retag_s = float("inf"), float("inf"), float("inf")
    for _ in range(args.rounds):  # alternate, keep each one's best: the machine is shared
        start = time.perf_counter()
        with torch.inference_mode():
            plain.encode(texts, batch_size=64, normalize_embeddings=True,
                         show_progress_bar=False)
        encode_s = min(encode_s, time.perf_counter() - start)
        encode_rss = peak_rss_mb()
        start = time.perf_counter()
        tagger.tag(texts)
        tag_s = min(tag_s, time.perf_counter() - start)
        tag_rss = peak_rss_mb()
        embedded = tagger.embed(texts)
        start = time.perf_counter()
        tagger.tag_embedded(embedded)
        retag_s = min(retag_s, time.perf_counter() - start)
    print(f"plain encode: {len(texts) / encode_s:7.1f} stories/s  peak RSS {encode_rss:.0f} MB")
    print(f"full tagger : {len(texts) / tag_s:7.1f} stories/s  peak RSS {tag_rss:.0f} MB  "
          f"(backend {tagger.encoder.backend})")
    print(f"re-tag from cached vectors: {len(texts) / retag_s:7.1f} stories/s")
    print(f"tagger / plain encode speed ratio: {encode_s / tag_s:.2f}")
    print(f"target 150 stories/s: {'met' if len(texts) / tag_s >= 150 else 'missed'}")


if __name__ == "__main__":
    main()
