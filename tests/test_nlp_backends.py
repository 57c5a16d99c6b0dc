"""The ONNX backbone is built locally from the installed package, cached, and agrees with torch.

This is the one test that loads the torch model a second time: it has to, to export it (about 20 s).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nlp.encoder import Encoder
from nlp.sentences import split_sentences

TEXTS = [
    "Still no refund after six weeks. Nobody answers the phone.",
    "Returned the kettle without a receipt and they swapped it on the spot. Brilliant.",
    "Is the Harbour Road branch open on bank holidays?",
]


@pytest.fixture(scope="module")
def backbone():
    from nlp.adapter import merge_adapter
    from nlp.model import load_backbone

    model = load_backbone()
    merge_adapter(model[0].auto_model)
    return model


def _encoder(model, backend: str) -> Encoder:
    from nlp.onnx_backbone import make_runner

    return Encoder(model.tokenizer.backend_tokenizer, make_runner(model, backend, "test"), 384,
                   backend, "test")


def test_int8_model_is_built_into_the_cache_once_and_agrees_with_torch(
        backbone, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("STORYWATCH_CACHE", str(tmp_path))
    stale = tmp_path / "onnx" / "all-MiniLM-L6-v2-an-older-build"
    stale.mkdir(parents=True)
    (stale / "model.int8.onnx").write_bytes(b"old")
    int8 = _encoder(backbone, "onnx-int8")
    built = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    assert built == ["model.fused.onnx", "model.int8.onnx"]  # no temporary files left behind
    assert not stale.exists()  # an older build is deleted
    int8_file = next(tmp_path.rglob("model.int8.onnx"))
    stamp = int8_file.stat().st_mtime_ns
    _encoder(backbone, "onnx-int8")
    assert int8_file.stat().st_mtime_ns == stamp  # reused, not rebuilt

    torch_encoder = _encoder(backbone, "torch")
    per_story = [split_sentences(t) for t in TEXTS]
    for a, b in zip(int8.embed_stories(per_story), torch_encoder.embed_stories(per_story)):
        assert a.shape == b.shape
        assert np.min(np.sum(a * b, axis=1)) > 0.95


def test_story_vector_is_what_a_plain_encode_of_the_text_gives(backbone, tmp_path,
                                                               monkeypatch) -> None:
    monkeypatch.setenv("STORYWATCH_CACHE", str(tmp_path))
    fp32 = _encoder(backbone, "onnx")
    plain = backbone.encode(TEXTS, normalize_embeddings=True)
    ours = fp32.encode(TEXTS)
    assert np.min(np.sum(ours * plain, axis=1)) > 0.999
    # The tagger's path: split into sentences, packed into one segment, pooled.
    stories = np.array([m[0] for m in fp32.embed_stories([split_sentences(t) for t in TEXTS])])
    assert np.min(np.sum(stories * plain, axis=1)) > 0.999


def test_unknown_backend_is_a_clear_error(monkeypatch) -> None:
    from nlp.model import ModelMissing

    monkeypatch.setenv("STORYWATCH_BACKEND", "gpu-please")
    with pytest.raises(ModelMissing, match="Unknown backend 'gpu-please'"):
        Encoder.load()


def test_unwritable_cache_is_a_clear_error(backbone, tmp_path: Path, monkeypatch) -> None:
    from nlp.model import ModelMissing

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("STORYWATCH_CACHE", str(blocker / "cache"))
    with pytest.raises(ModelMissing, match="set STORYWATCH_CACHE to a writable folder"):
        _encoder(backbone, "onnx-int8")


def test_a_cached_build_loads_without_torch(tagger) -> None:
    """Once built (the session's tagger built it), loading needs no torch: seconds, ~0.2 GB."""
    import subprocess
    import sys

    code = ("import sys; from nlp.tagger import load_tagger; t = load_tagger(); "
            "print(t.model_version, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent, timeout=120)
    version, torch_loaded = out.stdout.split()
    assert version == tagger.model_version
    assert torch_loaded == "False"
