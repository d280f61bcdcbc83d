"""Plausible wrong answers for week06_bert: each must lose points (tests/test_grading_truth.py),
and only in the test cells of its own part.

Format: ``WRONG_ANSWERS[answer grade_id] = [(description, [(old, new), ...]), ...]``. The test
takes the solution's answer cell (without the ``### BEGIN/END SOLUTION`` lines, ending in one
newline), replaces each ``old`` snippet (which must occur exactly once) by ``new``, runs the
notebook and requires that it loses points.

Kinds the hidden tests must catch (at least two each): boundary cases (a text that fits
exactly, empty strings, a single token, max_answer_len 1, ties, alpha 0 or 1, T = 1), inputs
modified (logits masked in place, the base layer merged in place), arguments ignored or
hard-coded (type_vocab, pooler, max_answer_len), the required method (gradients into the
frozen teacher or base layer, a frozen layer trained, eval mode), training or selecting on the
held-out test set; and the classic mistakes of week 6 (padding ignored in attention_mask,
truncation without </s>, pooler / position embeddings / LayerNorm forgotten in the count, end
before start, max length off by one, EM without normalisation, F1 on characters, LoRA's B random,
scaling alpha instead of alpha / r, merge transposed, KL direction reversed, T² missing, alpha
weights swapped).
"""

WRONG_ANSWERS: dict[str, list[tuple[str, list[tuple[str, str]]]]] = {
    'answer_encode_batch': [
        ('padding ignored in attention_mask (all ones)', [
            ('        attention_mask[b, :len(row)] = 1                                     # real tokens; padding stays 0\n',
             '        attention_mask[b, :] = 1\n'),
        ]),
        ('truncation off by one (keeps max_length - 1 pieces: rows one token too long)', [
            ('pieces[:max_length - 2]', 'pieces[:max_length - 1]'),
        ]),
        ('truncation without </s> (the specials added, then cut to max_length)', [
            ('        rows.append([tokenizer.cls_token_id] + pieces[:max_length - 2] + [tokenizer.sep_token_id])  # <s> … </s>\n',
             '        rows.append(([tokenizer.cls_token_id] + pieces + [tokenizer.sep_token_id])[:max_length])\n'),
        ]),
        ('padded with 0 (the id of <s>) instead of pad_token_id', [
            ('    input_ids = torch.full((len(rows), T), tokenizer.pad_token_id, dtype=torch.int64)\n',
             '    input_ids = torch.zeros((len(rows), T), dtype=torch.int64)\n'),
        ]),
        ('padded to max_length instead of the longest sequence', [
            ('    T = max(len(row) for row in rows)                                        # the longest row, <= max_length\n',
             '    T = max_length\n'),
        ]),
        ('no special tokens (<s>, </s> missing)', [
            ('        rows.append([tokenizer.cls_token_id] + pieces[:max_length - 2] + [tokenizer.sep_token_id])  # <s> … </s>\n',
             '        rows.append(pieces[:max_length])\n'),
        ]),
    ],
    'answer_bert_param_count': [
        ('pooler forgotten', [
            ('    if pooler:\n        total += H * H + H                                             # dense + tanh on [CLS]\n', ''),
        ]),
        ('position embeddings forgotten', [
            ('(vocab_size + max_position + type_vocab) * H', '(vocab_size + type_vocab) * H'),
        ]),
        ('LayerNorm parameters missed in the encoder layers', [
            ('    attention = 4 * (H * H + H) + 2 * H                                # W_q, W_k, W_v, output dense, LayerNorm\n',
             '    attention = 4 * (H * H + H)\n'),
            ('    ffn = (H * I + I) + (I * H + H) + 2 * H                            # H -> I, I -> H, LayerNorm\n',
             '    ffn = (H * I + I) + (I * H + H)\n'),
        ]),
        ('embedding LayerNorm missed', [
            ('(vocab_size + max_position + type_vocab) * H + 2 * H', '(vocab_size + max_position + type_vocab) * H'),
        ]),
        ('argument ignored: type_vocab hard-coded to 2', [
            ('(vocab_size + max_position + type_vocab) * H', '(vocab_size + max_position + 2) * H'),
        ]),
        ('argument ignored: pooler always counted', [
            ('    if pooler:\n', '    if True:\n'),
        ]),
        ('FFN biases missed', [
            ('    ffn = (H * I + I) + (I * H + H) + 2 * H                            # H -> I, I -> H, LayerNorm\n',
             '    ffn = 2 * H * I + 2 * H\n'),
        ]),
    ],
    'answer_predict_labels': [
        ('forgets model.eval(): dropout changes the predictions', [
            ('    model.eval()                                                  # dropout off: deterministic labels\n', ''),
        ]),
        ('training mode not restored', [
            ('    model.train(was_training)\n', ''),
        ]),
        ('max_length ignored (always 512 tokens)', [
            ('max_length=max_length, return_tensors="pt")', 'max_length=512, return_tensors="pt")'),
        ]),
        ('returns the logits instead of the labels', [
            ('            preds.append(model(**batch).argmax(dim=-1).cpu())       # (b,)\n',
             '            preds.append(model(**batch).cpu())\n'),
        ]),
    ],
    'answer_intent_classifier': [
        ('padding included in the mean (mean over all T positions)', [
            ('        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)  # (B, H): padding left out\n',
             '        pooled = hidden.mean(dim=1)\n'),
        ]),
        ('the <s> token instead of the mean', [
            ('        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)  # (B, H): padding left out\n',
             '        pooled = hidden[:, 0]\n'),
        ]),
        ('no dropout before the head', [
            ('        return self.head(self.dropout(pooled))\n', '        return self.head(pooled)\n'),
        ]),
        ('argument ignored: head input size fixed to 384', [
            ('        self.head = nn.Linear(backbone.config.hidden_size, num_labels)\n',
             '        self.head = nn.Linear(384, num_labels)\n'),
        ]),
    ],
    'answer_finetune': [
        ('only the embeddings frozen (layers 0 … NUM_FROZEN-1 trainable)', [
            ('for layer in backbone.encoder.layer[:NUM_FROZEN]:\n    layer.requires_grad_(False)                      # frozen: embeddings and layers 0 … NUM_FROZEN - 1\n', ''),
        ]),
        ('embeddings not frozen', [
            ('backbone.embeddings.requires_grad_(False)\n', ''),
        ]),
        ('held-out leak: the epoch is chosen on the test data', [
            ('train_feats, val_feats = frozen_features(texts_train), frozen_features(texts_val)\n',
             'from autograder.data.korean_intents import load_korean_intents_test\n'
             'texts_select, y_select = load_korean_intents_test()\n'
             'train_feats, val_feats = frozen_features(texts_train), frozen_features(texts_select)\n'),
            ('    val_f1 = float(metrics.f1_score(y_val, val_pred, average="weighted", zero_division=0))\n',
             '    val_f1 = float(metrics.f1_score(y_select, val_pred, average="weighted", zero_division=0))\n'),
        ]),
        ('held-out leak: trains on the training and test utterances', [
            ('train_feats, val_feats = frozen_features(texts_train), frozen_features(texts_val)\n',
             'from autograder.data.korean_intents import load_korean_intents_test\n'
             'texts_leak, y_leak = load_korean_intents_test()\n'
             'y_fit = torch.cat([y_train, y_leak])\n'
             'train_feats, val_feats = frozen_features(texts_train + texts_leak), frozen_features(texts_val)\n'),
            ('y_train[idx]', 'y_fit[idx]'),
        ]),
        ('one epoch only (nothing to choose, under-trained)', [
            ('num_epochs, batch_size = 4, 16\n', 'num_epochs, batch_size = 1, 16\n'),
        ]),
        ("BERT's usual learning rate 2e-5 for the new head too (the head barely learns in 4 epochs)", [
            ('    {"params": intent_model.head.parameters(), "lr": 3e-3},\n',
             '    {"params": intent_model.head.parameters(), "lr": 2e-5},\n'),
            ('    {"params": [p for p in backbone.parameters() if p.requires_grad], "lr": 3e-4},\n',
             '    {"params": [p for p in backbone.parameters() if p.requires_grad], "lr": 2e-5},\n'),
        ]),
    ],
    'answer_best_span': [
        ('end before start allowed', [
            ('    valid = (j >= i) & (j - i < max_answer_len)                      # start <= end, length <= max_answer_len\n',
             '    valid = (j - i).abs() < max_answer_len\n'),
        ]),
        ('max length off by one (spans of max_answer_len + 1 tokens)', [
            ('(j - i < max_answer_len)', '(j - i <= max_answer_len)'),
        ]),
        ('start and end chosen by separate argmax', [
            ('    flat = int(torch.argmax(scores.flatten()))                       # the first maximum in row-major order\n'
             '    return flat // T, flat % T\n',
             '    return int(start_logits.argmax()), int(end_logits.argmax())\n'),
        ]),
        ('ties go to the last span', [
            ('    flat = int(torch.argmax(scores.flatten()))                       # the first maximum in row-major order\n',
             '    flat = T * T - 1 - int(torch.argmax(scores.flatten().flip(0)))\n'),
        ]),
        ('inputs shifted in place ("for numerical stability": logits -= logits.max())', [
            ('    scores = start_logits[:, None] + end_logits[None, :]            # (T, T): scores[i, j] = s_i + e_j\n',
             '    start_logits -= start_logits.max()                               # in place: the caller\'s tensor changes\n'
             '    end_logits -= end_logits.max()\n'
             '    scores = start_logits[:, None] + end_logits[None, :]            # (T, T): scores[i, j] = s_i + e_j\n'),
        ]),
        ('returns tensors instead of Python ints', [
            ('    return flat // T, flat % T\n',
             '    return torch.tensor(flat // T), torch.tensor(flat % T)\n'),
        ]),
    ],
    'answer_squad_metrics': [
        ('exact match without normalisation', [
            ('    return float(normalize_answer(prediction) == normalize_answer(ground_truth))\n',
             '    return float(prediction == ground_truth)\n'),
        ]),
        ('F1 on characters instead of whitespace tokens', [
            ('    pred, gold = normalize_answer(prediction).split(), normalize_answer(ground_truth).split()\n',
             '    pred, gold = list(normalize_answer(prediction).replace(" ", "")), list(normalize_answer(ground_truth).replace(" ", ""))\n'),
        ]),
        ('F1 overlap as a set (duplicates not counted)', [
            ('    common = sum((Counter(pred) & Counter(gold)).values())  # overlap with multiplicity\n',
             '    common = len(set(pred) & set(gold))\n'),
        ]),
        ('punctuation kept', [
            ('    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith("P"))\n', ''),
        ]),
        ('only ASCII punctuation removed (string.punctuation)', [
            ('    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith("P"))\n',
             '    text = "".join(ch for ch in text if ch not in "!\\"#%&\'()*,-./:;?@[\\\\]_{}")\n'),
        ]),
        ('whitespace not collapsed (split on single spaces)', [
            ('    return " ".join(text.split())\n', '    return text.strip()\n'),
        ]),
        ('boundary: two empty answers score 0 instead of 1', [
            ('        return float(pred == gold)                         # both empty: 1.0, only one empty: 0.0\n',
             '        return 0.0\n'),
        ]),
        ('no lower-casing', [
            ('    text = text.lower()\n', ''),
        ]),
    ],
    'answer_lora': [
        ('B initialised at random (not equal to the base layer at init)', [
            ('        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r))     # zeros: starts equal to the base layer\n',
             '        self.lora_B = nn.Parameter(torch.randn(base.out_features, r) * 0.01)\n'),
        ]),
        ('A and B both zeros (no gradient ever reaches them)', [
            ('        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))             # small random (as nn.Linear and peft)\n',
             '        nn.init.zeros_(self.lora_A)\n'),
        ]),
        ('scaling alpha instead of alpha / r', [
            ('self.r, self.alpha, self.scaling = r, alpha, alpha / r', 'self.r, self.alpha, self.scaling = r, alpha, alpha'),
        ]),
        ('merge transposed (A^T B^T instead of B A)', [
            ('self.scaling * (self.lora_B @ self.lora_A))   # (out, in)', 'self.scaling * (self.lora_A.T @ self.lora_B.T))   # (out, in)'),
        ]),
        ('base layer not frozen', [
            ('        for p in self.base.parameters():\n            p.requires_grad = False                                      # the pretrained layer stays fixed\n', ''),
        ]),
        ('merge without the scaling', [
            ('self.base.weight + self.scaling * (self.lora_B @ self.lora_A)', 'self.base.weight + (self.lora_B @ self.lora_A)'),
        ]),
        ('merge drops the bias', [
            ('        merged = nn.Linear(self.base.in_features, self.base.out_features, bias=self.base.bias is not None)\n',
             '        merged = nn.Linear(self.base.in_features, self.base.out_features, bias=False)\n'),
            ('            if self.base.bias is not None:\n                merged.bias.copy_(self.base.bias)\n', ''),
        ]),
        ('merge changes the base layer in place and returns it', [
            ('        merged = nn.Linear(self.base.in_features, self.base.out_features, bias=self.base.bias is not None)\n',
             '        merged = self.base\n'),
            ('            merged.weight.copy_(self.base.weight + self.scaling * (self.lora_B @ self.lora_A))   # (out, in)\n'
             '            if self.base.bias is not None:\n                merged.bias.copy_(self.base.bias)\n',
             '            merged.weight += self.scaling * (self.lora_B @ self.lora_A)\n'),
        ]),
    ],
    'answer_distillation': [
        ('KL direction reversed (KL(student || teacher))', [
            ('    kl = F.kl_div(log_p_student, p_teacher, reduction="batchmean")          # KL(p_teacher || p_student)\n',
             '    kl = F.kl_div(F.log_softmax(teacher_logits / T, dim=-1), log_p_student.exp(), reduction="batchmean")\n'),
        ]),
        ('T² missing', [
            ('    return alpha * T ** 2 * kl + (1 - alpha) * ce\n', '    return alpha * kl + (1 - alpha) * ce\n'),
        ]),
        ('alpha weights swapped', [
            ('    return alpha * T ** 2 * kl + (1 - alpha) * ce\n', '    return (1 - alpha) * T ** 2 * kl + alpha * ce\n'),
        ]),
        ('reduction="mean" (divides by B * C, not by B)', [
            ('reduction="batchmean"', 'reduction="mean"'),
        ]),
        ('student logits not divided by T', [
            ('    log_p_student = F.log_softmax(student_logits / T, dim=-1)\n',
             '    log_p_student = F.log_softmax(student_logits, dim=-1)\n'),
        ]),
        ('cross-entropy on the softened student logits', [
            ('    ce = F.cross_entropy(student_logits, labels)\n', '    ce = F.cross_entropy(student_logits / T, labels)\n'),
        ]),
        ('teacher not detached (gradients reach the teacher)', [
            ('teacher_logits.detach() / T', 'teacher_logits / T'),
        ]),
    ],
    'answer_quiz': [
        ('BERT as a decoder with next-token prediction', [
            ('q1_bert_vs_gpt = "C"\n', 'q1_bert_vs_gpt = "A"\n'),
        ]),
        ('attention_mask marks the MLM tokens', [
            ('q2_cls_and_mask = "A"\n', 'q2_cls_and_mask = "B"\n'),
        ]),
        ('QLoRA as a fixed rank', [
            ('q3_qlora = "D"\n', 'q3_qlora = "A"\n'),
        ]),
        ('temperature sharpens the teacher', [
            ('q4_temperature = "B"\n', 'q4_temperature = "A"\n'),
        ]),
    ],
}
