"""Fine-tune the backbone's low-rank adapter (nlp.adapter) on the hand-labelled training stories.

Called by `python -m storywatch.nlp.train_sentiment` (the one training command) before the heads are trained;
runs on the CPU and is the long step of training (timings in docs/nlp.md). Each training story
(the train split of tests/data/labelled plus the demo and written stories) is read as the tagger
reads it (sentences joined), mean-pooled, and trained for its sentiment (3 classes) and its causes
(multi-label) at once, so the adapted space keeps the causes apart while learning sarcasm and
calm complaints. The backbone's own weights stay frozen; only the adapter and two throw-away
linear heads learn. 600 human-rated general sentences (from the training command) train the
sentiment side too. The epoch count and learning rate (decaying linearly to zero) were picked
on the dev split (printed each epoch); the test split is never read. Seeded: the same data and
thread count on the same machine give the same adapter, byte for byte; another CPU rounds
differently, so its weights and scores differ slightly (docs/nlp.md says by how much).
"""
from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np

from storywatch.nlp.adapter import ADAPTER_PATH, ALPHA, RANK, target_layers
from storywatch.nlp.labelled import LabelledStory
from storywatch.nlp.sentences import read_story
from storywatch.nlp.sentiment import CLASSES

MAX_TOKENS = 160
BATCH = 16
EPOCHS = 5
LEARNING_RATE = 1e-3
CAUSE_WEIGHT = 3.0  # the cause loss against the sentiment loss


def _lora_module(base: Any, rank: int, alpha: float) -> Any:
    import torch

    class LoRALinear(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.base = base
            self.A = torch.nn.Parameter(torch.randn(rank, base.in_features) / base.in_features**0.5)
            self.B = torch.nn.Parameter(torch.zeros(base.out_features, rank))
            self.scale = alpha / rank

        def forward(self, x):
            return self.base(x) + (x @ self.A.T @ self.B.T) * self.scale

    return LoRALinear()


def _attach(bert: Any) -> dict[str, Any]:
    """Swap every target linear layer for a LoRA wrapper; return {name: wrapper}."""
    wrappers = {}
    for name, layer in target_layers(bert).items():
        parent_path, attr = name.rsplit(".", 1)
        parent = bert.encoder
        for part in parent_path.split("."):
            parent = parent[int(part)] if part.isdigit() else getattr(parent, part)
        wrapper = _lora_module(layer, RANK, ALPHA)
        setattr(parent, attr, wrapper)
        wrappers[name] = wrapper
    return wrappers


def _batches(rows: list[int], size: int, rng: random.Random) -> list[list[int]]:
    rows = rows[:]
    rng.shuffle(rows)
    return [rows[i:i + size] for i in range(0, len(rows), size)]


def finetune_adapter(model: Any, train: list[LabelledStory], dev: list[LabelledStory],
                     cause_ids: list[str], out: Path = ADAPTER_PATH, epochs: int = EPOCHS,
                     seed: int = 13, rated: list[tuple[str, str]] | None = None
                     ) -> dict[str, float]:
    """Train the adapter on `train`, print dev scores per epoch, save A and B to `out`.

    `rated` (text, sentiment) pairs of general rated text train the sentiment side only; they
    keep plain words like "terrible" negative while the stories teach sarcasm.
    """
    import torch
    from sklearn.metrics import f1_score
    from tqdm import tqdm

    torch.manual_seed(seed)
    rng = random.Random(seed)
    bert = model[0].auto_model
    tokenizer = model.tokenizer
    for parameter in bert.parameters():
        parameter.requires_grad_(False)
    wrappers = _attach(bert)
    dim = bert.config.hidden_size
    sentiment_head = torch.nn.Linear(dim, len(CLASSES))
    cause_head = torch.nn.Linear(dim, len(cause_ids))
    params = [p for w in wrappers.values() for p in (w.A, w.B)]
    params += [*sentiment_head.parameters(), *cause_head.parameters()]
    optimiser = torch.optim.AdamW(params, lr=LEARNING_RATE, weight_decay=0.01)
    steps = epochs * ((len(train) + len(rated) + BATCH - 1) // BATCH)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda step: 1.0 - step / steps)

    def encode(stories: list[Any]) -> Any:
        texts = [" ".join(read_story(s.text)[1]) for s in stories]
        batch = tokenizer(texts, padding=True, truncation=True, max_length=MAX_TOKENS,
                          return_tensors="pt")
        states = bert(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        pooled = (states * mask).sum(1) / mask.sum(1)
        return torch.nn.functional.normalize(pooled, dim=-1) * 10.0

    rated = rated or []
    examples = list(train) + [LabelledStory(f"rated-{i}", text, label, (), "train", "rated")
                              for i, (text, label) in enumerate(rated)]
    y_sent = torch.tensor([CLASSES.index(s.sentiment) for s in examples])
    y_cause = torch.tensor([[c in s.causes for c in cause_ids] for s in examples],
                           dtype=torch.float)
    has_causes = torch.tensor([s.source != "rated" for s in examples], dtype=torch.float)
    scores: dict[str, float] = {}
    for epoch in range(1, epochs + 1):
        bert.train()
        total = 0.0
        batches = _batches(list(range(len(examples))), BATCH, rng)
        for rows in tqdm(batches, desc=f"adapter epoch {epoch}/{epochs}", unit="batch"):
            pooled = encode([examples[i] for i in rows])
            loss = torch.nn.functional.cross_entropy(sentiment_head(pooled), y_sent[rows])
            cause_loss = torch.nn.functional.binary_cross_entropy_with_logits(
                cause_head(pooled), y_cause[rows], reduction="none").mean(dim=1)
            loss = loss + (cause_loss * has_causes[rows]).sum() / has_causes[rows].sum().clamp(
                min=1.0) * CAUSE_WEIGHT
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item() * len(rows)
        bert.eval()
        with torch.no_grad():
            predicted, cause_logits = [], []
            for start in range(0, len(dev), 32):
                pooled = encode(dev[start:start + 32])
                predicted.extend(CLASSES[int(i)] for i in sentiment_head(pooled).argmax(1))
                cause_logits.append(cause_head(pooled))
        f1 = f1_score([s.sentiment for s in dev], predicted, average="macro") if dev else 0.0
        cause_f1 = f1_score([[c in s.causes for c in cause_ids] for s in dev],
                            (torch.cat(cause_logits) > 0).numpy(), average="macro",
                            zero_division=0.0) if dev else 0.0
        scores = {"adapter epochs": epoch, "adapter train loss": total / len(examples),
                  "adapter dev sentiment macro_f1 (linear probe)": f1,
                  "adapter dev cause macro_f1 (linear probe)": cause_f1}
        print(f"epoch {epoch}: train loss {total / len(examples):.3f}, dev sentiment macro-F1 "
              f"{f1:.3f}, dev cause macro-F1 {cause_f1:.3f}", flush=True)
    arrays = {"rank": np.array(RANK), "alpha": np.array(ALPHA)}
    for name, wrapper in wrappers.items():
        arrays[f"{name}.A"] = wrapper.A.detach().numpy().astype(np.float16)
        arrays[f"{name}.B"] = wrapper.B.detach().numpy().astype(np.float16)
    out.parent.mkdir(parents=True, exist_ok=True)
    temp = out.with_suffix(".part.npz")
    np.savez(temp, **arrays)
    temp.replace(out)
    return scores
