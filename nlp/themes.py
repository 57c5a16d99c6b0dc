"""Emerging themes: groups of similar stories, and the words that set each group apart.

`group_similar` clusters story vectors (the tagger's cached story vectors) by agglomerative
clustering with average linkage on cosine distance, cut where the stories of a group are on
average no further apart than `max_distance`: the number of themes follows from the data, and a
story like no other stays alone instead of being forced into a theme. Groups smaller than
`min_stories` are left out (two stories are a coincidence, three a pattern worth a look).

`distinctive_words` labels each group with class-based TF-IDF (c-TF-IDF, as BERTopic does): the
texts of a group are one document, every other story one more (the background), and a term's
weight in a group is its frequency there times log(1 + A / its frequency over all documents),
A being the average number of words per document. Words every story uses (the brand's name,
"store") weigh little; words the group uses and the rest do not weigh most.

Nothing here reads the warehouse (storywatch.warehouse.themes does), so any list of vectors and
texts can be grouped.
"""
from __future__ import annotations

import re

import numpy as np

MAX_DISTANCE = 0.45
MIN_STORIES = 3
WORDS_PER_THEME = 5
_WORD = r"(?u)\b[^\W\d_][^\W\d_'-]{2,}\b"


def group_similar(vectors: np.ndarray, *, max_distance: float = MAX_DISTANCE,
                  min_stories: int = MIN_STORIES) -> list[list[int]]:
    """Row indices of `vectors` grouped into themes, largest group first, each group in order of
    closeness to its centre (the most typical story first)."""
    from sklearn.cluster import AgglomerativeClustering

    vectors = np.asarray(vectors, dtype=np.float32)
    if len(vectors) < max(min_stories, 2):
        return []
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    labels = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                     distance_threshold=max_distance).fit_predict(unit)
    groups = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        if len(members) < min_stories:
            continue
        centre = unit[members].mean(axis=0)
        closeness = unit[members] @ centre
        groups.append([int(i) for i in members[np.argsort(-closeness, kind="stable")]])
    return sorted(groups, key=lambda g: (-len(g), g[0]))


def distinctive_words(group_texts: list[list[str]], background: list[str], *,
                      ignore: tuple[str, ...] = (), top: int = WORDS_PER_THEME) -> list[list[str]]:
    """The `top` most distinctive words or two-word phrases of each group (c-TF-IDF), against
    the groups and `background` texts together. Words in `ignore` (brand names) never count."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    if not group_texts:
        return []
    documents = [" ".join(texts) for texts in group_texts] + [" ".join(background)]
    stop = sorted(ENGLISH_STOP_WORDS | {word.lower() for name in ignore
                                        for word in re.findall(r"\w+", name)})
    vectorizer = CountVectorizer(lowercase=True, stop_words=stop, token_pattern=_WORD,
                                 ngram_range=(1, 2))
    try:
        counts = vectorizer.fit_transform(documents).toarray().astype(float)
    except ValueError:  # nothing but stop words
        return [[] for _ in group_texts]
    terms = vectorizer.get_feature_names_out()
    words_per_doc = counts.sum(axis=1, keepdims=True)
    frequency = np.maximum(words_per_doc, 1.0)
    average = counts.sum() / len(documents)
    weights = (counts / frequency) * np.log1p(average / np.maximum(counts.sum(axis=0), 1.0))
    return [_top_terms(terms, weights[row], counts[row], top) for row in range(len(group_texts))]


def _top_terms(terms: np.ndarray, weights: np.ndarray, counts: np.ndarray, top: int) -> list[str]:
    # A word one story uses once is that story's, not the theme's.
    used = np.flatnonzero(counts >= min(2, counts.max()))
    seen = {str(terms[i]): counts[i] for i in used}
    chosen: list[str] = []
    # Ties (common at small counts) go to the phrase seen most, then alphabetically: stable.
    for index in sorted(used, key=lambda i: (-weights[i], -counts[i], terms[i])):
        term = str(terms[index])
        words = term.split()
        # "car park" takes the place of "car" (and "park") when it is most of their uses.
        replaced = [c for c in chosen if len(words) == 2 and c in words
                    and 2 * seen[term] >= seen[c]]
        if replaced:
            at = chosen.index(replaced[0])
            chosen = [c for c in chosen if c not in replaced]
            chosen.insert(at, term)
        elif set(words) <= {w for c in chosen for w in c.split()}:
            continue  # "parking" after "parking lot" adds nothing
        elif len(chosen) < top:
            chosen.append(term)
    return chosen


def example_phrases(texts: list[str], words: list[str], *, ignore: tuple[str, ...] = (),
                    limit: int = 8, max_words: int = 30) -> list[str]:
    """Example phrases for a cause made from a theme: from each text (most typical first), the
    sentence that uses most of the theme's words, with the names in `ignore` (brands) put as
    "the store", so the cause matches the complaint and not the brand."""
    vocabulary = {w for term in words for w in term.split()}
    names = [re.compile(rf"\b(?:the\s+)?{re.escape(name)}('s)?\b", re.IGNORECASE)
             for name in ignore]
    phrases: list[str] = []
    for text in texts:
        sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]
        if not sentences:
            continue
        best = max(sentences, key=lambda s: len(vocabulary & set(re.findall(r"\w+", s.lower()))))
        for name in names:
            best = name.sub(lambda m: "the store" + (m.group(1) or ""), best)
        best = " ".join(best.split()[:max_words]).rstrip(".!?")
        if best and best.lower() not in {p.lower() for p in phrases}:
            phrases.append(best)
        if len(phrases) == limit:
            break
    return phrases
