"""Structured data on a page: schema.org items in JSON-LD, microdata and RDFa, read with extruct.

`structured_reviews()` returns the page's schema.org Reviews (a `Review` or any of its subtypes,
e.g. `UserReview`, `CriticReview`), however nested, by syntax (`json-ld`, `microdata`, `rdfa`),
each as a JSON-LD-like dict with schema.org's local property names (`reviewBody`, `author`,
`reviewRating`...), so one function reads them all. JSON-LD goes through extruct's extractor one
`<script>` block at a time (it forgives raw newlines in strings and HTML comments around the
JSON), so a broken block is counted as `malformed_jsonld` and the others are still read.
Microdata goes through extruct's W3C extractor. RDFa goes through pyRdfa, the engine extruct uses,
set to HTML5 rules, since extruct runs it as plain XML, which reads `<time datetime>` as its
display text ("2 July 2026") instead of the date. The costly parsers only run on pages that
carry their attributes.
"""
from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from extruct.jsonld import JsonLdExtractor
from extruct.utils import parse_html, parse_xmldom_html
from extruct.w3cmicrodata import LxmlMicrodataExtractor
from lxml import etree
from pyRdfa import Options, pyRdfa
from pyRdfa.host import HostLanguage
from rdflib import RDF, Graph, Literal, URIRef

SYNTAXES = ("json-ld", "microdata", "rdfa")
REVIEW_TYPES = frozenset({"Review", "UserReview", "CriticReview", "EmployerReview",
                          "MediaReview", "Recommendation"})
_HAS_MICRODATA = re.compile(r"\sitemscope[\s=>]", re.IGNORECASE)
_HAS_RDFA = re.compile(r"\stypeof\s*=", re.IGNORECASE)
_JSONLD = JsonLdExtractor()
_MICRODATA = LxmlMicrodataExtractor()


def structured_reviews(text: str, url: str, errors: Counter) -> dict[str, list[dict[str, Any]]]:
    """The page's schema.org Reviews by syntax, in page order; broken JSON-LD blocks and
    unreadable RDFa are counted in `errors` (`malformed_jsonld`, `malformed_rdfa`)."""
    found: dict[str, list[dict[str, Any]]] = {syntax: [] for syntax in SYNTAXES}
    tree = page_tree(text)
    if tree is None:
        return found
    found["json-ld"] = list(find_reviews(jsonld_items(tree, errors)))
    if _HAS_MICRODATA.search(text):
        items = _MICRODATA.extract_items(tree, url)
        found["microdata"] = list(find_reviews(_from_microdata(items)))
    if _HAS_RDFA.search(text):
        found["rdfa"] = _in_page_order(list(find_reviews(rdfa_items(text, url, errors))), text)
    return found


def page_tree(text: str) -> Any:
    """The page parsed by lxml, as extruct's extractors take it; None for an empty page."""
    if not text.strip():
        return None
    try:
        return parse_html(text.encode("utf-8"), "UTF-8")
    except (etree.ParserError, ValueError):
        return None


def jsonld_items(tree: Any, errors: Counter) -> list[Any]:
    """Every item of every JSON-LD block under `tree`; a block that does not parse is counted."""
    items: list[Any] = []
    for block in tree.xpath('//script[@type="application/ld+json"]'):
        if not (block.text or "").strip():
            continue
        try:
            items.extend(_JSONLD.extract_items(block))
        except ValueError:
            errors["malformed_jsonld"] += 1
    return items


def find_reviews(data: Any) -> Iterable[dict[str, Any]]:
    """Every Review object in `data` (lists and dicts, nested however deep, `@graph` included);
    a Review's own nested items (its author, its rating) are not searched further."""
    if isinstance(data, list):
        for element in data:
            yield from find_reviews(element)
    elif isinstance(data, dict):
        if REVIEW_TYPES.intersection(types(data)):
            yield data
            return
        for value in data.values():
            yield from find_reviews(value)


def types(node: dict[str, Any]) -> list[str]:
    """The local schema.org type names of an item (`https://schema.org/Review` -> `Review`)."""
    kind = node.get("@type") or node.get("type") or []
    kinds = kind if isinstance(kind, list) else [kind]
    return [_local(str(k)) for k in kinds]


def _local(name: str) -> str:
    return re.split(r"[/#:]", name.rstrip("/"))[-1]


def _from_microdata(item: Any) -> Any:
    if isinstance(item, list):
        return [_from_microdata(element) for element in item]
    if not isinstance(item, dict) or "properties" not in item:
        return item
    node: dict[str, Any] = {"@type": item.get("type") or ""}
    if item.get("id"):
        node["@id"] = item["id"]
    for name, value in item["properties"].items():
        node[_local(name)] = _from_microdata(value)
    return node


def rdfa_items(text: str, url: str, errors: Counter) -> list[dict[str, Any]]:
    """The page's RDFa items that no other item holds, as nested dicts."""
    options = Options(output_processor_graph=False, embedded_rdf=False, vocab_expansion=False,
                      vocab_cache=False)
    options.host_language = HostLanguage.html5
    try:
        dom = parse_xmldom_html(text.encode("utf-8"), "UTF-8")
        graph = pyRdfa(options, base=url).graph_from_DOM(dom, graph=Graph(), pgraph=Graph())
    except Exception:  # noqa: BLE001 - pyRdfa fails in many ways on broken markup; skip, counted
        errors["malformed_rdfa"] += 1
        return []
    held = set(graph.objects())
    roots = dict.fromkeys(s for s in graph.subjects(RDF.type, None) if s not in held)
    return [_rdfa_node(graph, subject, frozenset()) for subject in roots]


def _rdfa_node(graph: Graph, subject: Any, seen: frozenset) -> dict[str, Any]:
    node: dict[str, Any] = {"@type": [str(kind) for kind in graph.objects(subject, RDF.type)]}
    if isinstance(subject, URIRef):
        node["@id"] = str(subject)
    for predicate, value in graph.predicate_objects(subject):
        if predicate == RDF.type or value in seen:
            continue
        if isinstance(value, Literal):
            item: Any = str(value)
        elif (value, RDF.type, None) in graph:
            item = _rdfa_node(graph, value, seen | {subject})
        else:
            item = str(value)
        name = _local(str(predicate))
        node[name] = [*node[name], item] if isinstance(node.get(name), list) else (
            [node[name], item] if name in node else item)
    return node


def _in_page_order(reviews: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    # an RDF graph is a set: put the reviews back in the order their text has on the page
    page = html.unescape(text)

    def position(review: dict[str, Any]) -> int:
        body = str(review.get("reviewBody") or review.get("description") or "").strip()
        at = page.find(body.split("\n")[0].strip()[:60]) if body else -1
        return at if at >= 0 else len(page)

    return sorted(reviews, key=position)
