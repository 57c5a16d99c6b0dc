"""The ONNX backbone is built locally from the installed package, cached, and agrees with torch.

This is the one test that loads the torch model a second time: it has to, to export it (about 20 s).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from storywatch.nlp.encoder import Encoder
from storywatch.nlp.options import ModelOptions
from storywatch.nlp.sentences import split_sentences

# The `backbone` fixture loads the torch model itself, outside the session's tagger.
pytestmark = pytest.mark.model

TEXTS = [
    "Still no refund after six weeks. Nobody answers the phone.",
    "Returned the kettle without a receipt and they swapped it on the spot. Brilliant.",
    "Is the Harbour Road branch open on bank holidays?",
]


@pytest.fixture(scope="module")
def backbone():
    from storywatch.nlp.adapter import merge_adapter
    from storywatch.nlp.model import load_backbone

    model = load_backbone()
    merge_adapter(model[0].auto_model)
    return model


def _encoder(model, backend: str, cache: Path) -> Encoder:
    from storywatch.nlp.onnx_backbone import make_runner

    return Encoder(model.tokenizer.backend_tokenizer, make_runner(model, backend, cache, "test"),
                   384, backend, "test")


def test_int8_model_is_built_into_the_cache_once_and_agrees_with_torch(
        backbone, tmp_path: Path, capsys) -> None:
    stale = tmp_path / "onnx" / "all-MiniLM-L6-v2-an-older-build"
    stale.mkdir(parents=True)
    (stale / "model.int8.onnx").write_bytes(b"old")
    int8 = _encoder(backbone, "onnx-int8", tmp_path)
    assert "Building the int8 ONNX model for this machine" in capsys.readouterr().err
    built = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    assert built == ["model.fused.onnx", "model.int8.onnx"]  # no temporary files left behind
    assert not stale.exists()  # an older build is deleted
    int8_file = next(tmp_path.rglob("model.int8.onnx"))
    stamp = int8_file.stat().st_mtime_ns
    _encoder(backbone, "onnx-int8", tmp_path)
    assert int8_file.stat().st_mtime_ns == stamp  # reused, not rebuilt
    assert "Building" not in capsys.readouterr().err

    torch_encoder = _encoder(backbone, "torch", tmp_path)
    per_story = [split_sentences(t) for t in TEXTS]
    for a, b in zip(int8.embed_stories(per_story), torch_encoder.embed_stories(per_story)):
        assert a.shape == b.shape
        assert np.min(np.sum(a * b, axis=1)) > 0.95


def test_story_vector_is_what_a_plain_encode_of_the_text_gives(backbone, tmp_path) -> None:
    fp32 = _encoder(backbone, "onnx", tmp_path)
    plain = backbone.encode(TEXTS, normalize_embeddings=True)
    ours = fp32.encode(TEXTS)
    assert np.min(np.sum(ours * plain, axis=1)) > 0.999
    # The tagger's path: split into sentences, packed into one segment, pooled.
    stories = np.array([m[0] for m in fp32.embed_stories([split_sentences(t) for t in TEXTS])])
    assert np.min(np.sum(stories * plain, axis=1)) > 0.999


def test_unknown_backend_is_a_clear_error() -> None:
    from storywatch.nlp.model import ModelMissing

    with pytest.raises(ModelMissing, match="Unknown backend 'gpu-please'"):
        Encoder.load(ModelOptions(backend="gpu-please"))


def test_unwritable_cache_is_a_clear_error(backbone, tmp_path: Path) -> None:
    from storywatch.nlp.model import ModelMissing

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(ModelMissing, match=r"set STORYWATCH_CACHE \(or \[tagging\] model_cache\) "
                                           "to a writable folder"):
        _encoder(backbone, "onnx-int8", blocker / "cache")


def test_a_cached_build_loads_without_torch(tagger) -> None:
    """Once built (the session's tagger built it), loading needs no torch: seconds, ~0.2 GB."""
    import subprocess
    import sys

    code = ("import os, sys; from nlp import ModelOptions, load_tagger; "
            "t = load_tagger(options=ModelOptions.from_environ(os.environ)); "
            "print(t.model_version, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent, timeout=120)
    version, torch_loaded = out.stdout.split()
    assert version == tagger.model_version
    assert torch_loaded == "False"
