"""Bad input gets a defined result and never stops a batch: in the tagger and in `classify`."""
from __future__ import annotations

import json
from pathlib import Path

from storywatch.nlp.classify import classify_file
from storywatch.nlp.sentences import MAX_SENTENCES, clean_text, detect_language

LONG = " ".join(["Terrible service, the parcel arrived broken and nobody cares."] * 5000)  # 50k words
CASES = {
    "empty": "",
    "long": LONG,
    "spanish": "El pedido llegó roto y el servicio al cliente no me devolvió el dinero.",
    "chinese": "这家店的服务很差，退款等了三个星期。",
    "emoji": "😡😡😡 👎",
    "html": "<div><p>Refund was <b>crazy fast</b>, thank you!</p><script>var x = 1;</script></div>",
    "ok": "The app crashes every time I try to pay. Useless.",
}


def test_each_bad_input_has_a_defined_result(tagger) -> None:
    tags = dict(zip(CASES, tagger.tag(list(CASES.values()))))
    for name in ("empty", "emoji"):
        assert (tags[name].sentiment, tags[name].causes, tags[name].language) == (
            "neutral", [], None)
    assert len(tags["long"].sentences) == MAX_SENTENCES
    assert tags["long"].sentiment == "negative"
    # Other languages go to the multilingual model (nlp.multilingual), not left neutral.
    assert (tags["spanish"].language, tags["spanish"].sentiment) == ("es", "negative")
    assert "refunds" in [cause.cause for cause in tags["spanish"].causes]
    assert (tags["chinese"].language, tags["chinese"].sentiment) == ("zh", "negative")
    assert tags["html"].sentiment == "positive"
    assert all("<" not in s.text and "var x" not in s.text for s in tags["html"].sentences)
    assert tags["ok"].sentiment == "negative" and tags["ok"].language == "en"


def test_classify_csv_with_every_bad_input_and_invalid_utf8(tagger, tmp_path: Path) -> None:
    source = tmp_path / "bad.csv"
    rows = [b"id,text"] + [f'{i},"{t}"'.encode() for i, t in enumerate(CASES.values())]
    rows.append(b'99,"Refund refused \xff\xfe twice. Awful."')
    source.write_bytes(b"\n".join(rows) + b"\n")
    out = tmp_path / "out.jsonl"
    assert classify_file(source, "text", out, tagger) == len(CASES) + 1
    result = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    by_name = dict(zip([*CASES, "bad_utf8"], result))
    assert by_name["empty"]["note"].startswith("no words") and by_name["empty"]["causes"] == []
    assert by_name["emoji"]["sentiment"] == "neutral"
    assert by_name["long"]["note"].startswith("long text")
    assert by_name["spanish"]["note"] == "not English (es): tagged by the multilingual model"
    assert by_name["spanish"]["language"] == "es"
    assert "invalid UTF-8" in by_name["bad_utf8"]["error"]
    assert by_name["bad_utf8"]["sentiment"] == "negative"
    assert "note" not in by_name["ok"] and "error" not in by_name["ok"]


def test_language_and_html_helpers() -> None:
    assert detect_language("Terrible customer service") in (None, "en")
    assert detect_language("Das Paket ist nicht angekommen und der Service ist schlecht") == "de"
    assert detect_language("Refund was crazy fast") == "en"
    assert clean_text("<p>a &amp; b</p>").strip() == "a & b"
    assert clean_text("M&S was fine") == "M&S was fine"
