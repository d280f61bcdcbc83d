"""Plausible wrong answers for week07_rag: each must lose points (tests/test_grading_truth.py).

Format: ``WRONG_ANSWERS[answer grade_id] = [(description, [(old, new), ...]), ...]``. The test
takes the solution's answer cell (without the ``### BEGIN/END SOLUTION`` lines, ending in one
newline), replaces each ``old`` snippet (which must occur exactly once) by ``new``, runs the
notebook and requires that it loses points.

Kinds the hidden tests must catch: boundary cases (an exact fit, an empty text, step 1, a
first article longer than the budget, ties, lambda 0 or 1, k > N, results shorter than k),
inputs modified (faiss.normalize_L2 on the caller's array), arguments ignored (k1/b, prefix,
the model passed in, k and the budget in the chain), and the classic mistakes of RAG: overlap
off by one, a trailing chunk past the end, headings kept in article chunks, splitting on
mid-line citations, IDF with the wrong smoothing or without its floor, query tokens
deduplicated, [CLS] pooling, padding in the mean, unnormalised vectors with inner product,
MMR with lambda reversed or summed redundancy, RRF ranks starting at 0, MRR without the
cut-off, context precision divided by k, indices returned instead of article numbers,
leaking the gold passage into the prompt, skipping to a shorter article past the budget.
"""

WRONG_ANSWERS: dict[str, list[tuple[str, list[tuple[str, str]]]]] = {
    'answer_splitters': [
        ('overlap off by one (step = chunk_size - overlap + 1)', [
            ('chunks, start, step = [], 0, chunk_size - overlap\n',
             'chunks, start, step = [], 0, chunk_size - overlap + 1\n'),
        ]),
        ('an extra chunk past the end (stops only when start reaches the end)', [
            ('        if start + chunk_size >= len(text):      # this chunk reaches the end\n            break\n', ''),
        ]),
        ('overlap == chunk_size accepted (no ValueError)', [
            ('not 0 <= overlap < chunk_size', 'not 0 <= overlap <= chunk_size'),
            ('chunks, start, step = [], 0, chunk_size - overlap\n',
             'chunks, start, step = [], 0, max(chunk_size - overlap, 1)\n'),
        ]),
        ('headings kept inside the previous article', [
            ('        elif heading.match(line):\n            current = None                       # a heading closes the article\n', ''),
        ]),
        ('splits at every 제N조, also mid-line citations', [
            ('        match = article_start.match(line)\n',
             '        match = re.search(r"제(\\d+)조(\\s|$)", line)\n'),
        ]),
        ('lines not stripped', [
            ('        line = line.strip()\n', '        line = line.rstrip("\\r")\n'),
        ]),
    ],
    'answer_bm25': [
        ('IDF with Lucene smoothing ln(1 + (N - n + 0.5)/(n + 0.5)), no floor', [
            ('    idf = {t: math.log(N - n + 0.5) - math.log(n + 0.5) for t, n in df.items()}\n',
             '    idf = {t: math.log(1 + (N - n + 0.5) / (n + 0.5)) for t, n in df.items()}\n'),
        ]),
        ('IDF = ln(N / n)', [
            ('    idf = {t: math.log(N - n + 0.5) - math.log(n + 0.5) for t, n in df.items()}\n',
             '    idf = {t: math.log(N / n) for t, n in df.items()}\n'),
        ]),
        ('negative IDF clipped to 0 instead of epsilon * mean IDF', [
            ('    idf = {t: (floor if v < 0 else v) for t, v in idf.items()}\n',
             '    idf = {t: max(v, 0.0) for t, v in idf.items()}\n'),
        ]),
        ('repeated query tokens counted once', [
            ('    for token in query_tokens:                          # repeated query tokens count again\n',
             '    for token in set(query_tokens):\n'),
        ]),
        ('k1 and b ignored (defaults hard-coded)', [
            ('    norm = k1 * (1 - b + b * doc_len / avgdl)\n',
             '    norm = 1.5 * (1 - 0.75 + 0.75 * doc_len / avgdl)\n'),
        ]),
        ('term frequency counted once per document (binary TF)', [
            ('            counts[i][token] = counts[i].get(token, 0) + 1\n',
             '            counts[i][token] = 1\n'),
        ]),
    ],
    'answer_vector_search': [
        ('[CLS] (<s>) pooling instead of mean pooling', [
            ('            mean = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)\n',
             '            mean = hidden[:, 0]\n'),
        ]),
        ('mean over padding too', [
            ('            mean = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)\n',
             '            mean = hidden.mean(dim=1)\n'),
        ]),
        ('embeddings not normalised', [
            ('torch.nn.functional.normalize(mean, dim=1).numpy()', 'mean.numpy()'),
        ]),
        ('prefix ignored', [
            ('    items = [prefix + text for text in texts]\n', '    items = list(texts)\n'),
        ]),
        ('dimension hard-coded to 384', [
            ('np.zeros((len(items), model.config.hidden_size), dtype=np.float32)',
             'np.zeros((len(items), 384), dtype=np.float32)'),
        ]),
        ('model left in training mode (dropout on)', [
            ('    model.eval()\n', ''),
        ]),
        ('unnormalised vectors with inner product in cosine_top_k', [
            ('    q = q / np.linalg.norm(q, axis=1, keepdims=True)\n    d = d / np.linalg.norm(d, axis=1, keepdims=True)\n', ''),
        ]),
        ('cosine_top_k sorted ascending (least similar first)', [
            ('    indices = np.argsort(-sims, axis=1, kind="stable")[:, :k]\n',
             '    indices = np.argsort(sims, axis=1, kind="stable")[:, :k]\n'),
        ]),
        ('cosine_top_k normalises the documents only', [
            ('    q = q / np.linalg.norm(q, axis=1, keepdims=True)\n', ''),
        ]),
        ('build_faiss_index normalises the caller\'s array in place', [
            ('    vecs = np.array(doc_vecs, dtype=np.float32, copy=True)\n',
             '    vecs = np.asarray(doc_vecs, dtype=np.float32)\n'),
        ]),
        ('build_faiss_index without normalisation', [
            ('    faiss.normalize_L2(vecs)                                              # in place, on the copy\n', ''),
        ]),
        ('MMR with lambda reversed', [
            ('        score = lambda_mult * to_query - (1 - lambda_mult) * redundancy\n',
             '        score = (1 - lambda_mult) * to_query - lambda_mult * redundancy\n'),
        ]),
        ('MMR redundancy summed over the chosen documents instead of the maximum', [
            ('        redundancy = (d @ d[selected].T).max(axis=1)                      # max similarity to what is chosen\n',
             '        redundancy = (d @ d[selected].T).sum(axis=1)\n'),
        ]),
        ('MMR on raw inner products (vectors not normalised)', [
            ('    d = d / np.linalg.norm(d, axis=1, keepdims=True)\n    q = np.asarray(query_vec, dtype=np.float64).reshape(-1)\n'
             '    q = q / np.linalg.norm(q)\n',
             '    q = np.asarray(query_vec, dtype=np.float64).reshape(-1)\n'),
        ]),
        ('MMR picks k even when k > N (repeats)', [
            ('    while len(selected) < min(k, len(d)):\n', '    while len(selected) < k:\n'),
            ('        score[selected] = -np.inf\n', '        score[selected[-1:]] = -np.inf\n'),
        ]),
    ],
    'answer_fusion_metrics': [
        ('RRF ranks starting at 0', [
            ('        for rank, doc in enumerate(ranking, start=1):\n', '        for rank, doc in enumerate(ranking):\n'),
        ]),
        ('RRF k ignored (1 / rank)', [
            ('            fused[doc] = fused.get(doc, 0.0) + 1.0 / (k + rank)\n',
             '            fused[doc] = fused.get(doc, 0.0) + 1.0 / rank\n'),
        ]),
        ('RRF ties broken by first appearance, not by id', [
            ('    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))\n',
             '    return sorted(fused.items(), key=lambda item: -item[1])\n'),
        ]),
        ('MRR without the cut-off at k', [
            ('        totals["mrr"] += next((1.0 / i for i, h in enumerate(hits, start=1) if h), 0.0)\n',
             '        totals["mrr"] += next((1.0 / i for i, doc in enumerate(ranked, start=1) if doc in gold), 0.0)\n'),
        ]),
        ('context precision = hits / k', [
            ('            totals["context_precision"] += sum(sum(hits[:i]) / i for i, h in enumerate(hits, start=1) if h) / found\n',
             '            totals["context_precision"] += found / k\n'),
        ]),
        ('context recall divided by k', [
            ('        totals["context_recall"] += found / len(gold)\n', '        totals["context_recall"] += found / k\n'),
        ]),
    ],
    'answer_retrieve': [
        ('indices 0-129 returned instead of article numbers', [
            ('    return [articles[i].number for i, _ in fused[:k]]       # index 0-129 -> article number 1-130\n',
             '    return [i for i, _ in fused[:k]]\n'),
        ]),
        ('k ignored (always 5)', [
            ('    return [articles[i].number for i, _ in fused[:k]]       # index 0-129 -> article number 1-130\n',
             '    return [articles[i].number for i, _ in fused[:5]]\n'),
        ]),
        ('a lookup table of the public questions, anything for other questions', [
            ('    keyword = np.argsort(-bm25_scores(article_tokens, morphs(question)), kind="stable")\n',
             '    table = {item.question: item.article for item in load_constitution_qa()}\n'
             '    if question in table:\n'
             '        return [table[question]] + [n for n in range(1, 131) if n != table[question]][:k - 1]\n'
             '    return list(range(1, k + 1))\n'
             '    keyword = np.argsort(-bm25_scores(article_tokens, morphs(question)), kind="stable")\n'),
        ]),
        ('the fused list read backwards (worst first)', [
            ('    return [articles[i].number for i, _ in fused[:k]]       # index 0-129 -> article number 1-130\n',
             '    return [articles[i].number for i, _ in fused[::-1][:k]]\n'),
        ]),
    ],
    'answer_prompt_chain': [
        ('the gold passage leaked into the prompt (looked up in the public QA set)', [
            ('    blocks, used = [], 0\n',
             '    gold = {item.question: item.article for item in load_constitution_qa()}\n'
             '    if question in gold and all(a.number != gold[question] for a in context_articles):\n'
             '        context_articles = [ARTICLE_BY_NUMBER[gold[question]], *context_articles]\n'
             '    blocks, used = [], 0\n'),
        ]),
        ('past the budget, skips to later shorter articles', [
            ('            if i == 0:\n                blocks.append(f"[제{article.number}조] {text[:max_context_chars]}")\n            break\n',
             '            if i == 0:\n                blocks.append(f"[제{article.number}조] {text[:max_context_chars]}")\n            continue\n'),
        ]),
        ('budget check with >= (an exact fit is dropped)', [
            ('        if used + len(text) > max_context_chars:\n', '        if used + len(text) >= max_context_chars:\n'),
        ]),
        ('a first article longer than the budget is dropped', [
            ('            if i == 0:\n                blocks.append(f"[제{article.number}조] {text[:max_context_chars]}")\n', ''),
        ]),
        ('citations only in brackets', [
            ('    return sorted({int(n) for n in re.findall(r"제\\s*(\\d+)\\s*조", text)})\n',
             '    return sorted({int(n) for n in re.findall(r"\\[제(\\d+)조\\]", text)})\n'),
        ]),
        ('citations as strings, in order of appearance with repeats', [
            ('    return sorted({int(n) for n in re.findall(r"제\\s*(\\d+)\\s*조", text)})\n',
             '    return re.findall(r"제\\s*(\\d+)\\s*조", text)\n'),
        ]),
        ('chain ignores k (always the default 3)', [
            ('for n in retriever(question, k)])', 'for n in retriever(question, 3)])'),
        ]),
        ('chain ignores max_context_chars', [
            ('build_prompt(inputs["question"], inputs["articles"], max_context_chars))',
             'build_prompt(inputs["question"], inputs["articles"]))'),
        ]),
        ('chain parses citations from the prompt instead of the answer', [
            ('    parser = RunnableLambda(lambda answer: {"answer": answer, "citations": parse_citations(answer)})\n'
             '    return RunnableParallel(question=RunnablePassthrough(), articles=fetch) | prompt | llm | parser\n',
             '    both = RunnableParallel(prompt=RunnablePassthrough(), answer=llm)\n'
             '    parser = RunnableLambda(lambda d: {"answer": d["answer"], "citations": parse_citations(d["prompt"])})\n'
             '    return RunnableParallel(question=RunnablePassthrough(), articles=fetch) | prompt | both | parser\n'),
        ]),
    ],
    'answer_quiz': [
        ('q1: generation counted as indexing', [('q1_indexing = "C"', 'q1_indexing = "D"')]),
        ('q3: inner product on raw vectors', [('q3_vector_store = "B"', 'q3_vector_store = "A"')]),
        ('q5: faithfulness taken as truth', [('q5_ragas = "A"', 'q5_ragas = "B"')]),
    ],
}
