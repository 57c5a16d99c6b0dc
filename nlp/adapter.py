"""A low-rank adapter (LoRA) that tunes the MiniLM backbone to customer stories.

Frozen MiniLM cannot hear sarcasm or a calm account of a refused refund; fine-tuning all of it would
mean committing a copy of the backbone. Instead every linear layer of the six transformer blocks
gets a rank-R update W + (alpha / R) * B @ A, trained on the hand-labelled training stories for
sentiment and causes together (nlp.finetune), and only A and B are committed:
nlp/heads/adapter.npz, well under a megabyte. At load time the update is merged into the weights,
so the adapted backbone runs exactly as fast as the plain one (torch or ONNX).
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

ADAPTER_PATH = Path(__file__).resolve().parent / "heads" / "adapter.npz"
RANK = 8
ALPHA = 16.0
TARGETS = ("attention.self.query", "attention.self.key", "attention.self.value",
           "attention.output.dense", "intermediate.dense", "output.dense")


def target_layers(bert: Any) -> dict[str, Any]:
    """{name: nn.Linear} of every adapted layer, e.g. 'layer.0.attention.self.query'."""
    found = {}
    for i, block in enumerate(bert.encoder.layer):
        for target in TARGETS:
            module = block
            for part in target.split("."):
                module = getattr(module, part)
            found[f"layer.{i}.{target}"] = module
    return found


def fingerprint(path: Path = ADAPTER_PATH) -> str:
    """Short hash of the adapter file; 'none' when there is no adapter."""
    if not Path(path).is_file():
        return "none"
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:8]


def merge_adapter(bert: Any, path: Path = ADAPTER_PATH) -> bool:
    """Add the saved low-rank updates into the backbone's weights; False when there is none."""
    if not Path(path).is_file():
        return False
    import torch

    layers = target_layers(bert)
    with np.load(path) as data, torch.no_grad():
        scale = float(data["alpha"]) / float(data["rank"])
        for name, layer in layers.items():
            a = torch.from_numpy(data[f"{name}.A"].astype(np.float32))
            b = torch.from_numpy(data[f"{name}.B"].astype(np.float32))
            layer.weight += scale * (b @ a)
    return True
