"""Correct alternative answers for week07_rag: each must keep full marks.

Same format as tests/wrong_answers/week07_rag.py, named ``ALTERNATIVE_ANSWERS``: the
solution's answer cell with each ``old`` snippet (occurring once) replaced by ``new``.
"""

_SPLIT_LOOP = ('    chunks, start, step = [], 0, chunk_size - overlap\n'
               '    while start < len(text):\n'
               '        chunks.append(text[start:start + chunk_size])\n'
               '        if start + chunk_size >= len(text):      # this chunk reaches the end\n'
               '            break\n'
               '        start += step\n'
               '    return chunks\n')

_RETRIEVE_BODY = ('    keyword = np.argsort(-bm25_scores(article_tokens, morphs(question)), kind="stable")\n'
                  '    query = embed_texts(e5_model, e5_tokenizer, [question], prefix="query: ")\n'
                  '    _, dense = cosine_top_k(query, article_vecs, len(articles))\n'
                  '    fused = reciprocal_rank_fusion([[int(i) for i in keyword], [int(i) for i in dense[0]]])\n'
                  '    return [articles[i].number for i, _ in fused[:k]]       # index 0-129 -> article number 1-130\n')

ALTERNATIVE_ANSWERS: dict[str, list[tuple[str, list[tuple[str, str]]]]] = {
    'answer_splitters': [
        ('a range comprehension; split_by_article with finditer-style flags', [
            (_SPLIT_LOOP,
             '    if not text:\n        return []\n'
             '    return [text[s:s + chunk_size] for s in range(0, max(len(text) - overlap, 1), chunk_size - overlap)]\n'),
            ('    chunks, current = [], None\n'
             '    for line in text.split("\\n"):\n'
             '        line = line.strip()\n'
             '        match = article_start.match(line)\n'
             '        if match:\n'
             '            current = [int(match.group(1)), [line]]\n'
             '            chunks.append(current)\n'
             '        elif heading.match(line):\n'
             '            current = None                       # a heading closes the article\n'
             '        elif line and current is not None:\n'
             '            current[1].append(line)\n'
             '    return [(number, "\\n".join(lines)) for number, lines in chunks]\n',
             '    out, open_ = [], False\n'
             '    for raw in text.splitlines():\n'
             '        line = raw.strip()\n'
             '        m = re.match(r"제(\\d+)조(?=\\s|$)", line)\n'
             '        if m:\n'
             '            out.append((int(m.group(1)), line))\n'
             '            open_ = True\n'
             '        elif re.match(r"제\\d+[장절관](?=\\s|$)", line):\n'
             '            open_ = False\n'
             '        elif open_ and line:\n'
             '            out[-1] = (out[-1][0], out[-1][1] + "\\n" + line)\n'
             '    return out\n'),
        ]),
    ],
    'answer_bm25': [
        ('Counter and a vectorised score', [
            ('    counts = [{} for _ in range(N)]\n'
             '    df = {}\n'
             '    for i, doc in enumerate(corpus_tokens):\n'
             '        for token in doc:\n'
             '            counts[i][token] = counts[i].get(token, 0) + 1\n'
             '        for token in counts[i]:\n'
             '            df[token] = df.get(token, 0) + 1\n',
             '    from collections import Counter\n'
             '    counts = [Counter(doc) for doc in corpus_tokens]\n'
             '    df = Counter(token for c in counts for token in c)\n'),
        ]),
    ],
    'answer_vector_search': [
        ('embeddings sorted by length inside, F.normalize at the end; cosine via FAISS; MMR via LangChain', [
            ('    items = [prefix + text for text in texts]\n'
             '    out = np.zeros((len(items), model.config.hidden_size), dtype=np.float32)\n',
             '    items = [prefix + text for text in texts]\n'
             '    order = sorted(range(len(items)), key=lambda i: len(items[i]))\n'
             '    out = np.zeros((len(items), model.config.hidden_size), dtype=np.float32)\n'),
            ('    with torch.no_grad():\n'
             '        for start in range(0, len(items), batch_size):\n'
             '            batch = tokenizer(items[start:start + batch_size], padding=True, truncation=True,\n'
             '                              max_length=max_length, return_tensors="pt")\n'
             '            hidden = model(**batch).last_hidden_state                     # (B, T, H)\n'
             '            mask = batch["attention_mask"].unsqueeze(-1).float()           # (B, T, 1): 1 for real tokens\n'
             '            mean = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)\n'
             '            out[start:start + len(mean)] = torch.nn.functional.normalize(mean, dim=1).numpy()\n',
             '    with torch.inference_mode():\n'
             '        for start in range(0, len(items), batch_size):\n'
             '            idx = order[start:start + batch_size]\n'
             '            batch = tokenizer([items[i] for i in idx], padding="longest", truncation=True,\n'
             '                              max_length=max_length, return_tensors="pt")\n'
             '            hidden = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])[0]\n'
             '            m = batch["attention_mask"].to(hidden.dtype)\n'
             '            mean = torch.einsum("bth,bt->bh", hidden, m) / m.sum(1, keepdim=True)\n'
             '            out[idx] = (mean / mean.norm(dim=1, keepdim=True)).numpy()\n'),
            ('    q = np.asarray(query_vecs, dtype=np.float32)\n'
             '    d = np.asarray(doc_vecs, dtype=np.float32)\n'
             '    q = q / np.linalg.norm(q, axis=1, keepdims=True)\n'
             '    d = d / np.linalg.norm(d, axis=1, keepdims=True)\n'
             '    sims = q @ d.T                                                        # (Q, N) cosine similarities\n'
             '    indices = np.argsort(-sims, axis=1, kind="stable")[:, :k]\n'
             '    return np.take_along_axis(sims, indices, axis=1).astype(np.float32), indices.astype(np.int64)\n',
             '    q = np.array(query_vecs, dtype=np.float32, copy=True)\n'
             '    d = np.array(doc_vecs, dtype=np.float32, copy=True)\n'
             '    faiss.normalize_L2(q)\n'
             '    faiss.normalize_L2(d)\n'
             '    index = faiss.IndexFlatIP(d.shape[1])\n'
             '    index.add(d)\n'
             '    scores, indices = index.search(q, k)\n'
             '    return scores, indices.astype(np.int64)\n'),
            ('    d = np.asarray(doc_vecs, dtype=np.float64)\n'
             '    d = d / np.linalg.norm(d, axis=1, keepdims=True)\n'
             '    q = np.asarray(query_vec, dtype=np.float64).reshape(-1)\n'
             '    q = q / np.linalg.norm(q)\n'
             '    to_query = d @ q\n'
             '    selected = [int(np.argmax(to_query))]\n'
             '    while len(selected) < min(k, len(d)):\n'
             '        redundancy = (d @ d[selected].T).max(axis=1)                      # max similarity to what is chosen\n'
             '        score = lambda_mult * to_query - (1 - lambda_mult) * redundancy\n'
             '        score[selected] = -np.inf\n'
             '        selected.append(int(np.argmax(score)))\n'
             '    return selected\n',
             '    from langchain_core.vectorstores.utils import maximal_marginal_relevance\n'
             '    return maximal_marginal_relevance(np.asarray(query_vec, dtype=np.float64),\n'
             '                                      np.asarray(doc_vecs, dtype=np.float64).tolist(), lambda_mult, k)\n'),
        ]),
    ],
    'answer_fusion_metrics': [
        ('defaultdict for RRF; metrics with index() and per-query lists', [
            ('    fused = {}\n'
             '    for ranking in rankings:\n'
             '        for rank, doc in enumerate(ranking, start=1):\n'
             '            fused[doc] = fused.get(doc, 0.0) + 1.0 / (k + rank)\n'
             '    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))\n',
             '    from collections import defaultdict\n'
             '    fused = defaultdict(float)\n'
             '    for ranking in rankings:\n'
             '        for i, doc in enumerate(ranking):\n'
             '            fused[doc] += 1 / (k + i + 1)\n'
             '    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))\n'),
            ('    totals = {"hit": 0.0, "mrr": 0.0, "context_precision": 0.0, "context_recall": 0.0}\n'
             '    for ranked, gold in zip(results, relevant):\n'
             '        gold = set(gold)\n'
             '        top = list(ranked)[:k]\n'
             '        hits = [doc in gold for doc in top]\n'
             '        found = sum(hits)\n'
             '        totals["hit"] += float(found > 0)\n'
             '        totals["mrr"] += next((1.0 / i for i, h in enumerate(hits, start=1) if h), 0.0)\n'
             '        totals["context_recall"] += found / len(gold)\n'
             '        if found:\n'
             '            totals["context_precision"] += sum(sum(hits[:i]) / i for i, h in enumerate(hits, start=1) if h) / found\n'
             '    return {name: value / len(results) for name, value in totals.items()}\n',
             '    hit, rr, prec, rec = [], [], [], []\n'
             '    for ranked, gold in zip(results, relevant):\n'
             '        top = list(ranked)[:k]\n'
             '        ranks = [i + 1 for i, doc in enumerate(top) if doc in gold]\n'
             '        hit.append(1.0 if ranks else 0.0)\n'
             '        rr.append(1.0 / ranks[0] if ranks else 0.0)\n'
             '        rec.append(len(ranks) / len(gold))\n'
             '        prec.append(float(np.mean([(j + 1) / r for j, r in enumerate(ranks)])) if ranks else 0.0)\n'
             '    return {"hit": float(np.mean(hit)), "mrr": float(np.mean(rr)),\n'
             '            "context_precision": float(np.mean(prec)), "context_recall": float(np.mean(rec))}\n'),
        ]),
    ],
    'answer_retrieve': [
        ('dense retrieval only, through the FAISS index', [
            (_RETRIEVE_BODY,
             '    query = embed_texts(e5_model, e5_tokenizer, [question], prefix="query: ")\n'
             '    _, idx = article_index.search(query, k)\n'
             '    return [articles[int(i)].number for i in idx[0]]\n'),
        ]),
        ('BM25 over morphemes only (rank_bm25-compatible scores)', [
            (_RETRIEVE_BODY,
             '    scores = bm25_scores(article_tokens, morphs(question))\n'
             '    return [int(articles[i].number) for i in np.argsort(-scores, kind="stable")[:k]]\n'),
        ]),
    ],
    'answer_prompt_chain': [
        ('string building with +=; a dict literal coerced to RunnableParallel; citations via finditer', [
            ('    blocks, used = [], 0\n'
             '    for i, article in enumerate(context_articles):\n'
             '        text = article.text\n'
             '        if used + len(text) > max_context_chars:\n'
             '            if i == 0:\n'
             '                blocks.append(f"[제{article.number}조] {text[:max_context_chars]}")\n'
             '            break\n'
             '        blocks.append(f"[제{article.number}조] {text}")\n'
             '        used += len(text)\n'
             '    return "\\n\\n".join([PROMPT_HEADER, *blocks, f"질문: {question}\\n답:"])\n',
             '    prompt, budget = PROMPT_HEADER + "\\n\\n", max_context_chars\n'
             '    for i, a in enumerate(context_articles):\n'
             '        if len(a.text) <= budget:\n'
             '            prompt += "[제" + str(a.number) + "조] " + a.text + "\\n\\n"\n'
             '            budget -= len(a.text)\n'
             '        else:\n'
             '            if i == 0:\n'
             '                prompt += "[제" + str(a.number) + "조] " + a.text[:max_context_chars] + "\\n\\n"\n'
             '            break\n'
             '    return prompt + "질문: " + question + "\\n답:"\n'),
            ('    return sorted({int(n) for n in re.findall(r"제\\s*(\\d+)\\s*조", text)})\n',
             '    numbers = set()\n'
             '    for m in re.finditer(r"제\\s*([0-9]+)\\s*조", text):\n'
             '        numbers.add(int(m.group(1)))\n'
             '    return sorted(numbers)\n'),
            ('    return RunnableParallel(question=RunnablePassthrough(), articles=fetch) | prompt | llm | parser\n',
             '    return {"question": RunnablePassthrough(), "articles": fetch} | prompt | llm | parser\n'),
        ]),
    ],
}
