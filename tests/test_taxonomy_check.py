"""`storywatch taxonomy check` compares praise with praise and complaints with complaints: a cause's
one praise example is no overlap, while near-identical phrases of two causes still are."""
from __future__ import annotations

from pathlib import Path

from storywatch.nlp.taxonomy import load_taxonomy
from storywatch.nlp.taxonomy_check import check_taxonomy

PRAISE = ("returning it was quick and easy", "arrived the next day, super fast delivery")
TAXONOMY = f"""\
causes:
  returns:
    owner: Operations
    label: Returns
    description: Returning or exchanging an item.
    examples:
      - they refused my return
      - I had to ship it back at my own cost
      - the store would not accept the return
      - they would not exchange it for another size
      - they wanted the original packaging to take it back
      - {PRAISE[0]}
  delays:
    owner: Operations
    label: Delays
    description: Late or slow delivery.
    examples:
      - shipping took forever
      - it still has not arrived
      - the package was stuck at the warehouse
      - the delivery date keeps getting pushed back
      - the driver never showed up in the delivery window
      - {PRAISE[1]}
  refunds:
    owner: Operations
    label: Refunds
    description: Getting money back.
    examples:
      - they refused my return
      - I am still waiting for my refund
      - the refund never showed up on my card
      - it has been three weeks and no refund
      - they refunded the wrong amount
      - they only offered store credit instead of my money back
"""


def test_praise_is_not_compared_with_its_own_causes_complaints(tagger, tmp_path: Path) -> None:
    path = tmp_path / "taxonomy.yaml"
    path.write_text(TAXONOMY, encoding="utf-8")
    findings = check_taxonomy(load_taxonomy(path), tagger.encode, None)
    about_praise = [f.message for f in findings if any(p in f.message for p in PRAISE)]
    assert about_praise == []
    # The same complaint under two causes is still reported, from each side.
    duplicates = {f.cause for f in findings if f.kind == "duplicate"}
    assert duplicates == {"returns", "refunds"}
