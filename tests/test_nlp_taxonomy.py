"""The default taxonomy and the errors a user editing the YAML file would see."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from storywatch.nlp.taxonomy import TaxonomyError, load_taxonomy

OWNERS = {
    "Operations": {"receipts", "returns", "refunds", "delays", "cancellations", "lost_damaged",
                   "stock", "waiting"},
    "Sales": {"ordering", "overpromising", "pushy_sales", "pricing"},
    "Service": {"staff", "support", "policy_rigidity"},
    "Finance": {"billing", "credit"},
    "Product": {"quality", "website_app"},
}


def test_default_taxonomy_has_the_stable_cause_ids_and_owners() -> None:
    taxonomy = load_taxonomy()
    found = {c.id: c.owner for c in taxonomy.causes}
    assert found == {cause: owner for owner, causes in OWNERS.items() for cause in causes}
    for cause in taxonomy.causes:
        assert 6 <= len(cause.examples) <= 12, cause.id
        assert cause.label and cause.description


def test_fingerprint_is_stable_and_follows_content(tmp_path: Path) -> None:
    default = load_taxonomy()
    assert load_taxonomy().fingerprint == default.fingerprint
    edited = tmp_path / "taxonomy.yaml"
    text = default.path.read_text(encoding="utf-8")
    edited.write_text(text.replace("I lost my receipt", "I lost the receipt"), encoding="utf-8")
    assert load_taxonomy(edited).fingerprint != default.fingerprint
    edited.write_text("# a comment\n" + text, encoding="utf-8")
    assert load_taxonomy(edited).fingerprint == default.fingerprint


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("causes:\n  refunds:\n    owner: Operations\n   label: bad indent\n", "line 4"),
        (("causes:\n  refunds:\n    owner: Operations\n    label: Refunds\n"
         "    description: Money back.\n    exampels: [a]\n"), "'refunds': unknown key(s) ['exampels']"),
        (("causes:\n  refunds:\n    owner: Operations\n    label: Refunds\n"
         "    description: Money back.\n    examples: []\n"), "'examples' must be a non-empty list"),
        ("causes:\n  refunds:\n    label: Refunds\n    description: x\n    examples: [a]\n",
         "'owner' is missing"),
        (("threshold: 2\ncauses:\n  refunds:\n    owner: O\n    label: R\n    description: x\n"
         "    examples: [a]\n"), "threshold must be a number between 0 and 1"),
        ("refunds: []\n", "expected a top-level 'causes:'"),
    ],
)
def test_bad_taxonomy_names_the_problem(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TaxonomyError, match=re.escape(message)):
        load_taxonomy(path)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match="Cannot read taxonomy file"):
        load_taxonomy(tmp_path / "nope.yaml")
