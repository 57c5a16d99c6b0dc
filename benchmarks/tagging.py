"""Benchmark the tagger against a plain SentenceTransformer.encode of the same texts, same run.

N review-length stories (~60 words: two hand-labelled stories joined, cycled over the project's
labelled and demo stories) are encoded with a plain SentenceTransformer.encode of the same MiniLM
(whole texts, batch 64: the baseline) and then tagged end to end by the tagger (sentences,
sentiment, causes, evidence; backend from STORYWATCH_BACKEND, int8 ONNX by default). A third
phase re-tags from the vectors of the second (what `storywatch tag` does after a taxonomy change,
with the warehouse's vector cache). A fourth tags --foreign French and German stories of the same
length through the multilingual backend (nlp.multilingual, e5), whose rate is printed next to
the English path's. Prints stories/s for each, the ratios and the peak RSS after
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


# Short review sentences in French and German, joined into review-length stories.
FOREIGN_SENTENCES = (
    "Le colis est arrivé avec deux semaines de retard.",
    "Le service client ne répond jamais au téléphone.",
    "J'ai demandé un remboursement il y a un mois et je n'ai toujours rien reçu.",
    "Le personnel du magasin était très aimable et patient.",
    "Les prix ont encore augmenté sans aucune explication.",
    "Der Zug hatte schon wieder vierzig Minuten Verspätung.",
    "Die Rückerstattung für mein Ticket dauert jetzt schon sechs Wochen.",
    "Das Personal am Schalter war sehr freundlich und hilfsbereit.",
    "Die App stürzt bei jeder Buchung ab und der Kundenservice hilft nicht.",
    "Leider war das Zimmer schmutzig und viel zu teuer.",
)


def foreign_texts(n: int, words: int = 60) -> list[str]:
    """n stories of about `words` words, each French or German sentences only, every sentence
    numbered so that no two are equal (the multilingual encoder embeds a repeat once)."""
    texts = []
    for i in range(n):
        start = 0 if i % 2 == 0 else 5  # even: French, odd: German
        sentences, j = [], i
        while sum(len(x.split()) for x in sentences) < words:
            sentences.append(f"{FOREIGN_SENTENCES[start + j % 5][:-1]} ({i}-{j}).")
            j += 1
        texts.append(" ".join(sentences))
    return texts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--rounds", type=int, default=2, help="alternating runs; best of each")
    parser.add_argument("--foreign", type=int, default=200,
                        help="French and German stories for the non-English path (0: none)")
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
    if args.foreign:
        foreign = foreign_texts(args.foreign, round(words))
        tagger.tag(foreign[:8])  # loads the multilingual model and its cause phrases
        start = time.perf_counter()
        tagger.tag(foreign)
        foreign_rate = len(foreign) / (time.perf_counter() - start)
        print(f"non-English path (French/German, e5): {foreign_rate:7.1f} stories/s, "
              f"{foreign_rate / (len(texts) / tag_s):.2f}x the English path's rate")


if __name__ == "__main__":
    main()
