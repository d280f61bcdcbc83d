"""Correct alternative answers for week06_bert: each must keep full marks.

Same format as tests/wrong_answers/week06_bert.py, named ``ALTERNATIVE_ANSWERS``: the
solution's answer cell with each ``old`` snippet (occurring once) replaced by ``new``.
"""

ALTERNATIVE_ANSWERS: dict[str, list[tuple[str, list[tuple[str, str]]]]] = {
    'answer_encode_batch': [
        ('one tokenizer call with padding, truncation and max_length', [
            ('    rows = []\n    for text in texts:\n'
             '        pieces = tokenizer(text, add_special_tokens=False)["input_ids"]\n'
             '        rows.append([tokenizer.cls_token_id] + pieces[:max_length - 2] + [tokenizer.sep_token_id])  # <s> … </s>\n'
             '    T = max(len(row) for row in rows)                                        # the longest row, <= max_length\n'
             '    input_ids = torch.full((len(rows), T), tokenizer.pad_token_id, dtype=torch.int64)\n'
             '    attention_mask = torch.zeros((len(rows), T), dtype=torch.int64)\n'
             '    for b, row in enumerate(rows):\n'
             '        input_ids[b, :len(row)] = torch.tensor(row)\n'
             '        attention_mask[b, :len(row)] = 1                                     # real tokens; padding stays 0\n'
             '    return {"input_ids": input_ids, "attention_mask": attention_mask}\n',
             '    enc = tokenizer(list(texts), padding="longest", truncation=True, max_length=max_length, return_tensors="pt")\n'
             '    return {"input_ids": enc["input_ids"].long(), "attention_mask": enc["attention_mask"].long()}\n'),
        ]),
        ('rows padded with pad_sequence, the mask from the lengths', [
            ('    T = max(len(row) for row in rows)                                        # the longest row, <= max_length\n'
             '    input_ids = torch.full((len(rows), T), tokenizer.pad_token_id, dtype=torch.int64)\n'
             '    attention_mask = torch.zeros((len(rows), T), dtype=torch.int64)\n'
             '    for b, row in enumerate(rows):\n'
             '        input_ids[b, :len(row)] = torch.tensor(row)\n'
             '        attention_mask[b, :len(row)] = 1                                     # real tokens; padding stays 0\n',
             '    input_ids = nn.utils.rnn.pad_sequence([torch.tensor(r, dtype=torch.int64) for r in rows], batch_first=True,\n'
             '                                          padding_value=tokenizer.pad_token_id)\n'
             '    lengths = torch.tensor([len(r) for r in rows])\n'
             '    attention_mask = (torch.arange(input_ids.shape[1])[None, :] < lengths[:, None]).long()\n'),
        ]),
    ],
    'answer_bert_param_count': [
        ('summed over a list of (rows, cols) weight shapes and bias sizes', [
            ('    H, I = hidden, intermediate\n'
             '    embeddings = (vocab_size + max_position + type_vocab) * H + 2 * H   # word + position + token type, LayerNorm\n'
             '    attention = 4 * (H * H + H) + 2 * H                                # W_q, W_k, W_v, output dense, LayerNorm\n'
             '    ffn = (H * I + I) + (I * H + H) + 2 * H                            # H -> I, I -> H, LayerNorm\n'
             '    total = embeddings + layers * (attention + ffn)\n'
             '    if pooler:\n'
             '        total += H * H + H                                             # dense + tanh on [CLS]\n'
             '    return total\n',
             '    H, I = hidden, intermediate\n'
             '    def linear(n_in, n_out):\n'
             '        return n_in * n_out + n_out\n'
             '    layer_norm = 2 * H\n'
             '    per_layer = sum(linear(H, H) for _ in range(4)) + layer_norm + linear(H, I) + linear(I, H) + layer_norm\n'
             '    total = sum(n * H for n in (vocab_size, max_position, type_vocab)) + layer_norm + layers * per_layer\n'
             '    return int(total + (linear(H, H) if pooler else 0))\n'),
        ]),
    ],
    'answer_intent_classifier': [
        ('masked mean with einsum', [
            ('        mask = attention_mask[..., None].to(hidden.dtype)                   # (B, T, 1)\n'
             '        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)  # (B, H): padding left out\n',
             '        m = attention_mask.to(hidden.dtype)                                  # (B, T)\n'
             '        pooled = torch.einsum("bth,bt->bh", hidden, m) / m.sum(dim=1, keepdim=True)\n'),
        ]),
        ('padding positions zeroed with masked_fill before the sum', [
            ('        mask = attention_mask[..., None].to(hidden.dtype)                   # (B, T, 1)\n'
             '        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)  # (B, H): padding left out\n',
             '        pad = attention_mask[..., None] == 0\n'
             '        pooled = hidden.masked_fill(pad, 0.0).sum(dim=1) / (~pad).sum(dim=1)\n'),
        ]),
    ],
    'answer_predict_labels': [
        ('inference_mode, try/finally, progress on stderr', [
            ('    preds = []\n    with torch.no_grad():\n'
             '        for start in range(0, len(texts), batch_size):\n'
             '            batch = tokenizer(list(texts[start:start + batch_size]), padding=True, truncation=True,\n'
             '                              max_length=max_length, return_tensors="pt").to(device)\n'
             '            preds.append(model(**batch).argmax(dim=-1).cpu())       # (b,)\n'
             '    model.train(was_training)\n',
             '    preds = []\n    try:\n        with torch.inference_mode():\n'
             '            for start in range(0, len(texts), batch_size):\n'
             '                batch = tokenizer(list(texts[start:start + batch_size]), padding=True, truncation=True,\n'
             '                                  max_length=max_length, return_tensors="pt")\n'
             '                logits = model(input_ids=batch["input_ids"].to(device), attention_mask=batch["attention_mask"].to(device))\n'
             '                preds.append(logits.argmax(dim=-1).cpu().clone())\n'
             '                print(f"predict_labels: {start + len(batch[\'input_ids\'])}/{len(texts)}", file=sys.stderr)\n'
             '    finally:\n        model.train(was_training)\n'),
        ]),
    ],
    'answer_finetune': [
        ('same recipe, progress logged to stderr', [
            ('    print(f"epoch {epoch}: train loss {loss.item():.3f} | validation weighted F1 {val_f1:.3f}")\n',
             '    print(f"epoch {epoch}: train loss {loss.item():.3f} | validation weighted F1 {val_f1:.3f}", file=sys.stderr)\n'),
        ]),
        ('plain fine-tuning: the whole model runs every step (no cached features), frozen by requires_grad only', [
            ('num_epochs, batch_size = 4, 16\n'
             'train_feats, val_feats = frozen_features(texts_train), frozen_features(texts_val)\n',
             'num_epochs, batch_size = 4, 16\n'
             'train_enc = [tokenizer(t, truncation=True, max_length=MAX_LENGTH, return_tensors="pt")["input_ids"][0] for t in texts_train]\n'
             'train_feats = train_enc\n'),
            ('        loss = F.cross_entropy(top_logits([train_feats[i] for i in idx]), y_train[idx])\n',
             '        ids = nn.utils.rnn.pad_sequence([train_enc[i] for i in idx], batch_first=True, padding_value=tokenizer.pad_token_id)\n'
             '        loss = F.cross_entropy(intent_model(ids, (ids != tokenizer.pad_token_id).long()), y_train[idx])\n'),
            ('    with torch.no_grad():\n        val_pred = top_logits(val_feats).argmax(dim=-1)\n',
             '    val_pred = predict_labels(intent_model, tokenizer, texts_val, max_length=MAX_LENGTH)\n'),
        ]),
    ],
    'answer_best_span': [
        ('brute force over every pair with two loops', [
            ('    T = start_logits.shape[0]\n'
             '    scores = start_logits[:, None] + end_logits[None, :]            # (T, T): scores[i, j] = s_i + e_j\n'
             '    i = torch.arange(T)[:, None]\n'
             '    j = torch.arange(T)[None, :]\n'
             '    valid = (j >= i) & (j - i < max_answer_len)                      # start <= end, length <= max_answer_len\n'
             '    scores = scores.masked_fill(~valid, float("-inf"))\n'
             '    flat = int(torch.argmax(scores.flatten()))                       # the first maximum in row-major order\n'
             '    return flat // T, flat % T\n',
             '    best, span = None, (0, 0)\n'
             '    for start in range(len(start_logits)):\n'
             '        for end in range(start, min(len(end_logits), start + max_answer_len)):\n'
             '            score = float(start_logits[start] + end_logits[end])\n'
             '            if best is None or score > best:\n'
             '                best, span = score, (start, end)\n'
             '    return span\n'),
        ]),
        ('band mask from triu/tril', [
            ('    i = torch.arange(T)[:, None]\n'
             '    j = torch.arange(T)[None, :]\n'
             '    valid = (j >= i) & (j - i < max_answer_len)                      # start <= end, length <= max_answer_len\n',
             '    valid = torch.ones(T, T, dtype=torch.bool).triu().tril(max_answer_len - 1)\n'),
        ]),
    ],
    'answer_squad_metrics': [
        ('normalisation with a regular expression, F1 with Counter arithmetic', [
            ('    return " ".join(text.split())\n', '    return re.sub(r"\\s+", " ", text).strip()\n'),
            ('    common = sum((Counter(pred) & Counter(gold)).values())  # overlap with multiplicity\n',
             '    gold_counts = Counter(gold)\n'
             '    common = 0\n'
             '    for token, n in Counter(pred).items():\n'
             '        common += min(n, gold_counts[token])\n'),
            ('def normalize_answer(text):\n', 'import re\n\n\ndef normalize_answer(text):\n'),
        ]),
        ('exact match on the normalised token lists, F1 from precision and recall counts', [
            ('    return float(normalize_answer(prediction) == normalize_answer(ground_truth))\n',
             '    return 1.0 if normalize_answer(prediction).split() == normalize_answer(ground_truth).split() else 0.0\n'),
            ('    precision, recall = common / len(pred), common / len(gold)\n'
             '    return 2 * precision * recall / (precision + recall)\n',
             '    return 2 * common / (len(pred) + len(gold))\n'),
        ]),
    ],
    'answer_lora': [
        ('A and B as bias-free nn.Linear submodules, forward with the submodules', [
            ('        self.lora_A = nn.Parameter(torch.empty(r, base.in_features))\n'
             '        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))             # small random (as nn.Linear and peft)\n'
             '        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r))     # zeros: starts equal to the base layer\n',
             '        self.lora_A = nn.Linear(base.in_features, r, bias=False)           # weight (r, in), random init\n'
             '        self.lora_B = nn.Linear(r, base.out_features, bias=False)          # weight (out, r)\n'
             '        nn.init.zeros_(self.lora_B.weight)\n'),
            ('        return self.base(x) + self.scaling * (x @ self.lora_A.T @ self.lora_B.T)   # (..., out_features)\n',
             '        return self.base(x) + self.lora_B(self.lora_A(x)) * self.scaling\n'),
            ('self.scaling * (self.lora_B @ self.lora_A))   # (out, in)',
             'self.scaling * (self.lora_B.weight @ self.lora_A.weight))'),
        ]),
        ('A from a normal distribution, forward with F.linear, merge with addmm', [
            ('        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))             # small random (as nn.Linear and peft)\n',
             '        nn.init.normal_(self.lora_A, std=0.01)\n'),
            ('        return self.base(x) + self.scaling * (x @ self.lora_A.T @ self.lora_B.T)   # (..., out_features)\n',
             '        return self.base(x) + F.linear(F.linear(x, self.lora_A), self.lora_B) * self.scaling\n'),
            ('            merged.weight.copy_(self.base.weight + self.scaling * (self.lora_B @ self.lora_A))   # (out, in)\n',
             '            merged.weight.copy_(torch.addmm(self.base.weight, self.lora_B, self.lora_A, alpha=self.scaling))\n'),
        ]),
    ],
    'answer_distillation': [
        ('KL written out from log-probabilities', [
            ('    kl = F.kl_div(log_p_student, p_teacher, reduction="batchmean")          # KL(p_teacher || p_student)\n',
             '    log_p_teacher = F.log_softmax(teacher_logits.detach() / T, dim=-1)\n'
             '    kl = (p_teacher * (log_p_teacher - log_p_student)).sum(dim=-1).mean()\n'),
        ]),
        ('F.kl_div with log_target=True, teacher under no_grad', [
            ('    p_teacher = F.softmax(teacher_logits.detach() / T, dim=-1)               # the teacher is fixed\n'
             '    kl = F.kl_div(log_p_student, p_teacher, reduction="batchmean")          # KL(p_teacher || p_student)\n',
             '    with torch.no_grad():\n'
             '        log_p_teacher = F.log_softmax(teacher_logits / T, dim=-1)\n'
             '    kl = F.kl_div(log_p_student, log_p_teacher, reduction="batchmean", log_target=True)\n'),
        ]),
    ],
    'answer_quiz': [
        ('lower-case letters and brackets', [
            ('q1_bert_vs_gpt = "C"\n', 'q1_bert_vs_gpt = "c"\n'),
            ('q2_cls_and_mask = "A"\n', 'q2_cls_and_mask = "(A)"\n'),
            ('q3_qlora = "D"\n', 'q3_qlora = "d)"\n'),
            ('q4_temperature = "B"\n', 'q4_temperature = " B "\n'),
        ]),
    ],
}
