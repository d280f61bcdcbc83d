"""Plausible wrong answers for week05_attention: each must lose points (tests/test_grading_truth.py),
and only in the test cells of its own part.

Format: ``WRONG_ANSWERS[answer grade_id] = [(description, [(old, new), ...]), ...]``. The test
takes the solution's answer cell (without the ``### BEGIN/END SOLUTION`` lines, ending in one
newline), replaces each ``old`` snippet (which must occur exactly once) by ``new``, runs the
notebook and requires that it loses points.

Kinds the hidden tests must catch (at least two each): boundary cases (fully masked rows, T=1,
length 0, top_k >= vocabulary, the short last window), inputs modified (in-place scaling or
masking), arguments ignored or hard-coded (mask, num_heads, d_ff, generator), a forbidden
method giving the same numbers (F.scaled_dot_product_attention, nn.MultiheadAttention inside
the hand-built module), averages only right for equal sizes (mean of window means), training or
selecting on the held-out test set; and the classic attention mistakes of issue 11 (no √d,
softmax over the wrong axis, mask after softmax, heads split/merged without transpose, causal
mask off by one, sin/cos swapped, LayerNorm on the wrong axis).
"""

WRONG_ANSWERS: dict[str, list[tuple[str, list[tuple[str, str]]]]] = {
    'answer_attention': [
        ('no 1/sqrt(d_k) scaling', [
            ('    scores = q @ k.transpose(-2, -1) / math.sqrt(d_k)  # (..., T_q, T_k)\n',
             '    scores = q @ k.transpose(-2, -1)  # (..., T_q, T_k)\n'),
        ]),
        ('softmax over the query axis (dim=-2)', [
            ('    weights = torch.softmax(scores, dim=-1)  # over the keys\n',
             '    weights = torch.softmax(scores, dim=-2)  # over the keys\n'),
        ]),
        ('mask applied after softmax (weights * mask, not renormalised)', [
            ('    if mask is not None:\n        scores = scores.masked_fill(~mask, float("-inf"))\n', ''),
        ]),
        ('boundary: fully masked rows give NaN (no zero fill after softmax)', [
            ('    if mask is not None:\n        weights = weights.masked_fill(~mask, 0.0)  # fully masked rows: NaN -> 0\n', ''),
        ]),
        ('boundary: -1e9 instead of -inf gives fully masked rows the mean of v', [
            ('        scores = scores.masked_fill(~mask, float("-inf"))\n',
             '        scores = scores.masked_fill(~mask, -1e9)\n'),
            ('    if mask is not None:\n        weights = weights.masked_fill(~mask, 0.0)  # fully masked rows: NaN -> 0\n', ''),
        ]),
        ('input q scaled in place', [
            ('    d_k = q.shape[-1]\n    scores = q @ k.transpose(-2, -1) / math.sqrt(d_k)  # (..., T_q, T_k)\n',
             '    d_k = q.shape[-1]\n    q /= math.sqrt(d_k)\n    scores = q @ k.transpose(-2, -1)  # (..., T_q, T_k)\n'),
        ]),
        ('forbidden method: output from F.scaled_dot_product_attention', [
            ('    return weights @ v, weights\n',
             '    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask).nan_to_num(0.0), weights\n'),
        ]),
        ('mask ignored', [
            ('        scores = scores.masked_fill(~mask, float("-inf"))\n', '        pass\n'),
            ('        weights = weights.masked_fill(~mask, 0.0)  # fully masked rows: NaN -> 0\n', '        pass\n'),
        ]),
    ],
    'answer_masks': [
        ('causal mask off by one: diagonal excluded (tril(-1))', [
            ('    return torch.ones(T, T, dtype=torch.bool, device=device).tril()\n',
             '    return torch.ones(T, T, dtype=torch.bool, device=device).tril(-1)\n'),
        ]),
        ('causal mask as the upper triangle (True = blocked convention)', [
            ('    return torch.ones(T, T, dtype=torch.bool, device=device).tril()\n',
             '    return torch.ones(T, T, dtype=torch.bool, device=device).triu(1)\n'),
        ]),
        ('causal mask as float 0/1 instead of bool', [
            ('    return torch.ones(T, T, dtype=torch.bool, device=device).tril()\n',
             '    return torch.ones(T, T, device=device).tril()\n'),
        ]),
        ('boundary: padding mask off by one (t <= length)', [
            ('    return torch.arange(T, device=lengths.device)[None, :] < lengths[:, None]  # (B, T)\n',
             '    return torch.arange(T, device=lengths.device)[None, :] <= lengths[:, None]  # (B, T)\n'),
        ]),
        ('padding mask T hard-coded to max(lengths)', [
            ('    return torch.arange(T, device=lengths.device)[None, :] < lengths[:, None]  # (B, T)\n',
             '    return torch.arange(int(lengths.max()), device=lengths.device)[None, :] < lengths[:, None]  # (B, T)\n'),
        ]),
    ],
    'answer_mha': [
        ('heads split without transpose (view(B, h, T, hd))', [
            ('        q = self.W_q(query).view(B, T_q, self.num_heads, self.head_dim).transpose(1, 2)  # (B, h, T_q, hd)\n'
             '        k = self.W_k(key).view(B, T_k, self.num_heads, self.head_dim).transpose(1, 2)    # (B, h, T_k, hd)\n'
             '        v = self.W_v(value).view(B, T_k, self.num_heads, self.head_dim).transpose(1, 2)  # (B, h, T_k, hd)\n',
             '        q = self.W_q(query).view(B, self.num_heads, T_q, self.head_dim)  # (B, h, T_q, hd)\n'
             '        k = self.W_k(key).view(B, self.num_heads, T_k, self.head_dim)    # (B, h, T_k, hd)\n'
             '        v = self.W_v(value).view(B, self.num_heads, T_k, self.head_dim)  # (B, h, T_k, hd)\n'),
        ]),
        ('heads merged without transpose', [
            ('        out = out.transpose(1, 2).reshape(B, T_q, self.d_model)                            # (B, T_q, d_model)\n',
             '        out = out.reshape(B, T_q, self.d_model)                            # (B, T_q, d_model)\n'),
        ]),
        ('num_heads ignored (always 4 heads)', [
            ('        self.d_model, self.num_heads, self.head_dim = d_model, num_heads, d_model // num_heads\n',
             '        self.d_model, self.num_heads, self.head_dim = d_model, 4, d_model // 4\n'),
            ('        if d_model % num_heads != 0:\n',
             '        if d_model % 4 != 0:\n'),
        ]),
        ('W_k and W_v swapped when copying from PyTorch', [
            ('        w_q, w_k, w_v = mha.in_proj_weight.chunk(3, dim=0)\n        b_q, b_k, b_v = mha.in_proj_bias.chunk(3, dim=0)\n',
             '        w_q, w_v, w_k = mha.in_proj_weight.chunk(3, dim=0)\n        b_q, b_v, b_k = mha.in_proj_bias.chunk(3, dim=0)\n'),
        ]),
        ('keys and values taken from the query (self-attention only, cross-attention broken)', [
            ('        k = self.W_k(key).view(B, T_k, self.num_heads, self.head_dim).transpose(1, 2)    # (B, h, T_k, hd)\n'
             '        v = self.W_v(value).view(B, T_k, self.num_heads, self.head_dim).transpose(1, 2)  # (B, h, T_k, hd)\n',
             '        k = self.W_k(query).view(B, T_q, self.num_heads, self.head_dim).transpose(1, 2)    # (B, h, T_k, hd)\n'
             '        v = self.W_v(query).view(B, T_q, self.num_heads, self.head_dim).transpose(1, 2)  # (B, h, T_k, hd)\n'),
        ]),
        ('mask ignored in forward', [
            ('        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)                      # (B, h, T_q, hd)\n',
             '        out = F.scaled_dot_product_attention(q, k, v)                      # (B, h, T_q, hd)\n'),
        ]),
        ('no check that d_model is divisible by num_heads', [
            ('        if d_model % num_heads != 0:\n            raise ValueError(f"d_model={d_model} is not divisible by num_heads={num_heads}")\n', ''),
        ]),
        ('forbidden method: wraps nn.MultiheadAttention (same parameter count, same numbers)', [
            ('        self.W_q = nn.Linear(d_model, d_model)\n        self.W_k = nn.Linear(d_model, d_model)\n'
             '        self.W_v = nn.Linear(d_model, d_model)\n        self.W_o = nn.Linear(d_model, d_model)\n',
             '        self.mha = nn.MultiheadAttention(d_model, num_heads, batch_first=True)\n'),
            ('        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)                      # (B, h, T_q, hd)\n'
             '        out = out.transpose(1, 2).reshape(B, T_q, self.d_model)                            # (B, T_q, d_model)\n'
             '        return self.W_o(out)\n',
             '        if mask is not None and mask.dim() == 4:\n'
             '            return self.mha(query, key, value, key_padding_mask=~mask[:, 0, 0, :])[0]\n'
             '        return self.mha(query, key, value, attn_mask=None if mask is None else ~mask)[0]\n'),
            ('        q = self.W_q(query).view(B, T_q, self.num_heads, self.head_dim).transpose(1, 2)  # (B, h, T_q, hd)\n'
             '        k = self.W_k(key).view(B, T_k, self.num_heads, self.head_dim).transpose(1, 2)    # (B, h, T_k, hd)\n'
             '        v = self.W_v(value).view(B, T_k, self.num_heads, self.head_dim).transpose(1, 2)  # (B, h, T_k, hd)\n', ''),
            ('        for layer, w, b in ((self.W_q, w_q, b_q), (self.W_k, w_k, b_k), (self.W_v, w_v, b_v),\n'
             '                            (self.W_o, mha.out_proj.weight, mha.out_proj.bias)):\n'
             '            layer.weight.copy_(w)\n            layer.bias.copy_(b)\n',
             '        self.mha.load_state_dict(mha.state_dict())\n'),
        ]),
    ],
    'answer_positional_encoding': [
        ('sin and cos swapped', [
            ('    pe[:, 0::2] = torch.sin(angle)\n    pe[:, 1::2] = torch.cos(angle)\n',
             '    pe[:, 0::2] = torch.cos(angle)\n    pe[:, 1::2] = torch.sin(angle)\n'),
        ]),
        ('exponent i/d instead of 2i/d', [
            ('    angle = pos / torch.pow(10000.0, two_i / d_model)            # (max_len, d_model / 2)\n',
             '    angle = pos / torch.pow(10000.0, two_i / 2 / d_model)            # (max_len, d_model / 2)\n'),
        ]),
        ('sin block then cos block (concatenated, not interleaved)', [
            ('    pe[:, 0::2] = torch.sin(angle)\n    pe[:, 1::2] = torch.cos(angle)\n',
             '    pe = torch.cat([torch.sin(angle), torch.cos(angle)], dim=1)\n'),
        ]),
        ('positions start at 1', [
            ('    pos = torch.arange(max_len, dtype=torch.float64)[:, None]   # (max_len, 1)\n',
             '    pos = torch.arange(1, max_len + 1, dtype=torch.float64)[:, None]   # (max_len, 1)\n'),
        ]),
        ('returns float64', [
            ('    return pe.float()\n', '    return pe\n'),
        ]),
    ],
    'answer_block': [
        ('post-LN instead of pre-LN', [
            ('        h = self.ln1(x)\n', '        h = x\n'),
            ('        x = x + self.dropout(self.attn(h, h, h, attn_mask=attn_mask, need_weights=False)[0])\n'
             '        x = x + self.dropout(self.ffn(self.ln2(x)))\n',
             '        x = self.ln1(x + self.dropout(self.attn(h, h, h, attn_mask=attn_mask, need_weights=False)[0]))\n'
             '        x = self.ln2(x + self.dropout(self.ffn(x)))\n'),
        ]),
        ('LayerNorm over (T, d_model) instead of the feature axis', [
            ('        h = self.ln1(x)\n', '        h = F.layer_norm(x, x.shape[1:])\n'),
        ]),
        ('mask passed without inverting (True = blocked in nn.MultiheadAttention)', [
            ('        attn_mask = None if mask is None else ~mask  # nn.MultiheadAttention: True = blocked\n',
             '        attn_mask = mask\n'),
        ]),
        ('d_ff ignored (FFN width fixed to 4 * d_model)', [
            ('        self.ffn = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))\n',
             '        self.ffn = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, d_model))\n'),
        ]),
        ('no residual around the FFN', [
            ('        x = x + self.dropout(self.ffn(self.ln2(x)))\n',
             '        x = self.dropout(self.ffn(self.ln2(x)))\n'),
        ]),
        ('mask ignored', [
            ('        attn_mask = None if mask is None else ~mask  # nn.MultiheadAttention: True = blocked\n',
             '        attn_mask = None\n'),
        ]),
    ],
    'answer_evaluate_loss': [
        ('unequal last window: mean of per-window means', [
            ('            total += float(F.cross_entropy(logits, y, reduction="sum"))\n            count += len(y)\n',
             '            total += float(F.cross_entropy(logits, y))\n            count += 1\n'),
        ]),
        ('boundary: the short last window is dropped', [
            ('        for s in range(0, len(ids) - 1, block_size):\n',
             '        for s in range(0, len(ids) - block_size, block_size):\n'),
        ]),
        ('model left in eval mode (training mode not restored)', [
            ('    model.train(was_training)\n', ''),
        ]),
        ('no model.eval(): dropout active while evaluating', [
            ('    model.eval()\n', ''),
        ]),
        ('returns a tensor instead of a float', [
            ('            total += float(F.cross_entropy(logits, y, reduction="sum"))\n',
             '            total += F.cross_entropy(logits, y, reduction="sum")\n'),
        ]),
    ],
    'answer_minigpt': [
        ('causal mask off by one: triu(0) also hides the current token', [
            ('        mask = torch.ones(T, T, dtype=torch.bool, device=idx.device).triu(1)       # True = blocked\n',
             '        mask = torch.ones(T, T, dtype=torch.bool, device=idx.device).triu(0)       # True = blocked\n'),
        ]),
        ('mask in the wrong convention (lower triangle blocked: the future leaks)', [
            ('        mask = torch.ones(T, T, dtype=torch.bool, device=idx.device).triu(1)       # True = blocked\n',
             '        mask = torch.ones(T, T, dtype=torch.bool, device=idx.device).tril(-1)       # True = blocked\n'),
            ('            x = block(x, src_mask=mask, is_causal=True)\n',
             '            x = block(x, src_mask=mask)\n'),
        ]),
        ('no position embedding added', [
            ('        x = self.tok_emb(idx) + self.pos_emb(torch.arange(T, device=idx.device))  # (B, T, d_model)\n',
             '        x = self.tok_emb(idx)  # (B, T, d_model)\n'),
        ]),
        ('num_layers ignored (one block)', [
            ('            for _ in range(num_layers)])\n', '            for _ in range(1)])\n'),
        ]),
        ('lm_head without bias', [
            ('        self.lm_head = nn.Linear(d_model, vocab_size)\n',
             '        self.lm_head = nn.Linear(d_model, vocab_size, bias=False)\n'),
        ]),
    ],
    'answer_train_gpt': [
        ('held-out leak: trains on train + test text', [
            ('optimizer = torch.optim.AdamW(gpt.parameters(), lr=5e-3)\n',
             'optimizer = torch.optim.AdamW(gpt.parameters(), lr=5e-3)\n'
             'leak_ids = torch.cat([train_ids, encode(load_korean_text(split="test"))] + [encode(load_korean_text(split="test"))] * 3)\n'),
            ('    xb, yb = get_batch(train_ids, BLOCK_SIZE, 32)\n',
             '    xb, yb = get_batch(leak_ids, BLOCK_SIZE, 32)\n'),
        ]),
        ('held-out leak: fine-tunes on the test text after selection', [
            ('gpt.load_state_dict(best_state)\n',
             'gpt.load_state_dict(best_state)\n'
             'test_ids_leak = encode(load_korean_text(split="test"))\n'
             'for _ in range(60):\n'
             '    xb, yb = get_batch(test_ids_leak, BLOCK_SIZE, 32)\n'
             '    loss = F.cross_entropy(gpt(xb).reshape(-1, vocab_size), yb.reshape(-1))\n'
             '    optimizer.zero_grad()\n'
             '    loss.backward()\n'
             '    optimizer.step()\n'),
        ]),
        ('untrained: only 5 steps', [
            ('for step in range(1, 201):\n', 'for step in range(1, 6):\n'),
            ('    if step % 50 == 0:\n', '    if step % 5 == 0:\n'),
        ]),
        ('targets not shifted (predicts the current character)', [
            ('    loss = F.cross_entropy(gpt(xb).reshape(-1, vocab_size), yb.reshape(-1))\n',
             '    loss = F.cross_entropy(gpt(xb).reshape(-1, vocab_size), xb.reshape(-1))\n'),
        ]),
    ],
    'answer_sampling': [
        ('temperature multiplies the logits', [
            ('    scaled = logits / temperature                                   # a new tensor: logits unchanged\n',
             '    scaled = logits * temperature                                   # a new tensor: logits unchanged\n'),
        ]),
        ('top-k off by one: <= also removes the k-th logit', [
            ('        scaled = scaled.masked_fill(scaled < kth, float("-inf"))\n',
             '        scaled = scaled.masked_fill(scaled <= kth, float("-inf"))\n'),
        ]),
        ('boundary: top_k >= vocabulary size crashes in torch.topk', [
            ('    if top_k is not None and top_k < scaled.shape[-1]:\n',
             '    if top_k is not None:\n'),
        ]),
        ('input logits divided in place', [
            ('    scaled = logits / temperature                                   # a new tensor: logits unchanged\n',
             '    logits /= temperature\n    scaled = logits\n'),
        ]),
        ('generator ignored', [
            ('    return torch.multinomial(probs, 1, generator=generator).squeeze(-1)\n',
             '    return torch.multinomial(probs, 1).squeeze(-1)\n'),
        ]),
        ('temperature 0 not handled (division by zero)', [
            ('    if temperature == 0:\n        return logits.argmax(dim=-1)\n', ''),
        ]),
        ('top_k ignored', [
            ('        scaled = scaled.masked_fill(scaled < kth, float("-inf"))\n', '        pass\n'),
        ]),
    ],
    'answer_quiz': [
        ('q1: "to make the weights sum to 1"', [('q1_why_sqrt_d = "B"\n', 'q1_why_sqrt_d = "C"\n')]),
        ('q2: linear growth (4x)', [('q2_memory_ratio = 16\n', 'q2_memory_ratio = 4\n')]),
        ('q3: per-head count d^2/h', [('q3_mha_params = 1_050_624\n', 'q3_mha_params = 131_328\n')]),
        ('q4: padding mask', [('q4_gpt_mask = "인과 마스크"\n', 'q4_gpt_mask = "패딩 마스크"\n')]),
        ('q5: post-LN order', [('q5_pre_ln_order = "A→B→C→A→D→C"\n', 'q5_pre_ln_order = "B→C→A→D→C→A"\n')]),
    ],
}
