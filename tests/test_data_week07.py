"""Week 7 (RAG): the retrieval stack works offline, and the pieces the graded notebook relies on
behave as the notebook says (DESIGN.md §6)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytest.importorskip("faiss")


def test_rag_stack_imports_offline_and_agrees():
    import faiss
    from langchain_core.runnables import RunnableLambda, RunnableParallel, RunnablePassthrough
    from langchain_core.vectorstores.utils import maximal_marginal_relevance
    from rank_bm25 import BM25Okapi

    g = np.random.default_rng(0)
    docs = g.normal(size=(40, 8)).astype(np.float32)
    index = faiss.IndexFlatIP(8)
    normed = docs / np.linalg.norm(docs, axis=1, keepdims=True)
    index.add(normed)
    _, idx = index.search(normed[:1], 3)
    assert idx[0, 0] == 0
    assert maximal_marginal_relevance(normed[0], normed.tolist(), 1.0, 3) == idx[0].tolist()
    scores = BM25Okapi([["a", "b"], ["b", "c"], ["c", "d"], ["d"], ["e"]]).get_scores(["a"])
    assert scores[0] > 0 and not scores[1:].any()
    chain = RunnableParallel(q=RunnablePassthrough(), n=RunnableLambda(len)) | RunnableLambda(lambda d: d["n"])
    assert chain.invoke("abc") == 3 and chain.batch(["a", "ab"]) == [1, 2]


def test_constitution_body_splits_into_the_130_articles():
    from autograder.data.constitution_qa import constitution_articles
    from autograder.data.text import load_korean_law
    text = load_korean_law("constitution").replace("\r\n", "\n")
    body = text[:text.index("부칙")].rsplit("\n", 1)[0]
    assert "제130조" in body and "부칙" not in body
    assert sum(1 for line in body.split("\n") if line.strip().startswith("제") and "조 " in line[:8]) >= 130
    assert len(constitution_articles()) == 130


def test_single_threaded_kiwi_survives_fork():
    """The mutation runner forks the notebook's process. A default Kiwi() owns a thread pool,
    and deleting or replacing it in a forked child hangs forever (pthread_cond_destroy on a
    pool whose threads are gone); the notebook builds Kiwi(num_workers=0), which is safe."""
    code = textwrap.dedent("""
        import os, sys, time, warnings
        from kiwipiepy import Kiwi
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            k = Kiwi(num_workers=0)
        k.tokenize("대통령의 임기는 몇 년인가?")
        pid = os.fork()
        if pid == 0:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                k = Kiwi(num_workers=0)
            k.tokenize("국회의원")
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        sys.exit(os.waitstatus_to_exitcode(status))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert proc.returncode == 0, proc.stderr[-2000:]
