"""Correct alternative answers for week05_attention: each must keep full marks.

Same format as tests/wrong_answers/week05_attention.py, named ``ALTERNATIVE_ANSWERS``: the
solution's answer cell with each ``old`` snippet (occurring once) replaced by ``new``.
"""

ALTERNATIVE_ANSWERS: dict[str, list[tuple[str, list[tuple[str, str]]]]] = {
    'answer_attention': [
        ('einsum instead of matmul', [
            ('    scores = q @ k.transpose(-2, -1) / math.sqrt(d_k)  # (..., T_q, T_k)\n',
             '    scores = torch.einsum("...qd,...kd->...qk", q, k) / d_k ** 0.5  # (..., T_q, T_k)\n'),
            ('    return weights @ v, weights\n',
             '    return torch.einsum("...qk,...kv->...qv", weights, v), weights\n'),
        ]),
        ('large negative (-1e9) instead of -inf, fully masked rows zeroed explicitly', [
            ('        scores = scores.masked_fill(~mask, float("-inf"))\n',
             '        scores = scores.masked_fill(~mask, -1e9)\n'),
            ('        weights = weights.masked_fill(~mask, 0.0)  # fully masked rows: NaN -> 0\n',
             '        weights = weights * mask.any(dim=-1, keepdim=True)  # fully masked rows -> 0\n'),
        ]),
        ('nan_to_num after the softmax', [
            ('        weights = weights.masked_fill(~mask, 0.0)  # fully masked rows: NaN -> 0\n',
             '        weights = torch.nan_to_num(weights, nan=0.0)\n'),
        ]),
    ],
    'answer_masks': [
        ('causal mask from an index comparison', [
            ('    return torch.ones(T, T, dtype=torch.bool, device=device).tril()\n',
             '    idx = torch.arange(T, device=device)\n    return idx[None, :] <= idx[:, None]\n'),
        ]),
        ('padding mask with a Python loop', [
            ('    lengths = torch.as_tensor(lengths)\n    return torch.arange(T, device=lengths.device)[None, :] < lengths[:, None]  # (B, T)\n',
             '    rows = [[t < int(n) for t in range(T)] for n in lengths]\n    return torch.tensor(rows, dtype=torch.bool).reshape(len(rows), T)\n'),
        ]),
    ],
    'answer_mha': [
        ('fused QKV projection nn.Linear(d, 3d)', [
            ('        self.W_q = nn.Linear(d_model, d_model)\n        self.W_k = nn.Linear(d_model, d_model)\n'
             '        self.W_v = nn.Linear(d_model, d_model)\n',
             '        self.W_qkv = nn.Linear(d_model, 3 * d_model)\n'),
            ('        q = self.W_q(query).view(B, T_q, self.num_heads, self.head_dim).transpose(1, 2)  # (B, h, T_q, hd)\n'
             '        k = self.W_k(key).view(B, T_k, self.num_heads, self.head_dim).transpose(1, 2)    # (B, h, T_k, hd)\n'
             '        v = self.W_v(value).view(B, T_k, self.num_heads, self.head_dim).transpose(1, 2)  # (B, h, T_k, hd)\n',
             '        w_q, w_k, w_v = self.W_qkv.weight.chunk(3, dim=0)\n'
             '        b_q, b_k, b_v = self.W_qkv.bias.chunk(3, dim=0)\n'
             '        q = F.linear(query, w_q, b_q).view(B, T_q, self.num_heads, self.head_dim).transpose(1, 2)\n'
             '        k = F.linear(key, w_k, b_k).view(B, T_k, self.num_heads, self.head_dim).transpose(1, 2)\n'
             '        v = F.linear(value, w_v, b_v).view(B, T_k, self.num_heads, self.head_dim).transpose(1, 2)\n'),
            ('        w_q, w_k, w_v = mha.in_proj_weight.chunk(3, dim=0)\n        b_q, b_k, b_v = mha.in_proj_bias.chunk(3, dim=0)\n'
             '        for layer, w, b in ((self.W_q, w_q, b_q), (self.W_k, w_k, b_k), (self.W_v, w_v, b_v),\n'
             '                            (self.W_o, mha.out_proj.weight, mha.out_proj.bias)):\n',
             '        self.W_qkv.weight.copy_(mha.in_proj_weight)\n        self.W_qkv.bias.copy_(mha.in_proj_bias)\n'
             '        for layer, w, b in ((self.W_o, mha.out_proj.weight, mha.out_proj.bias),):\n'),
        ]),
        ('attention from Part A instead of F.scaled_dot_product_attention', [
            ('        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)                      # (B, h, T_q, hd)\n',
             '        out, _ = scaled_dot_product_attention(q, k, v, mask)                      # (B, h, T_q, hd)\n'),
        ]),
        ('split with unflatten/permute, merge with flatten', [
            ('        out = out.transpose(1, 2).reshape(B, T_q, self.d_model)                            # (B, T_q, d_model)\n',
             '        out = out.permute(0, 2, 1, 3).flatten(2)                            # (B, T_q, d_model)\n'),
        ]),
    ],
    'answer_positional_encoding': [
        ('exp(-log(10000) * 2i / d) in float32, interleaved with stack', [
            ('    pos = torch.arange(max_len, dtype=torch.float64)[:, None]   # (max_len, 1)\n'
             '    two_i = torch.arange(0, d_model, 2, dtype=torch.float64)     # (d_model / 2,)\n'
             '    angle = pos / torch.pow(10000.0, two_i / d_model)            # (max_len, d_model / 2)\n'
             '    pe = torch.zeros(max_len, d_model, dtype=torch.float64)\n'
             '    pe[:, 0::2] = torch.sin(angle)\n    pe[:, 1::2] = torch.cos(angle)\n',
             '    pos = torch.arange(max_len, dtype=torch.float32)[:, None]\n'
             '    div = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32) * (-math.log(10000.0) / d_model))\n'
             '    pe = torch.stack([torch.sin(pos * div), torch.cos(pos * div)], dim=-1).reshape(max_len, d_model)\n'),
        ]),
    ],
    'answer_block': [
        ('is_causal-free call with a float -inf mask', [
            ('        attn_mask = None if mask is None else ~mask  # nn.MultiheadAttention: True = blocked\n',
             '        attn_mask = None if mask is None else torch.zeros(mask.shape).masked_fill(~mask, float("-inf"))\n'),
        ]),
    ],
    'answer_evaluate_loss': [
        ('weighted mean of window means', [
            ('            total += float(F.cross_entropy(logits, y, reduction="sum"))\n',
             '            total += float(F.cross_entropy(logits, y)) * len(y)\n'),
        ]),
    ],
    'answer_minigpt': [
        ('float -inf causal mask from nn.Transformer', [
            ('        mask = torch.ones(T, T, dtype=torch.bool, device=idx.device).triu(1)       # True = blocked\n',
             '        mask = nn.Transformer.generate_square_subsequent_mask(T, device=idx.device)\n'),
        ]),
    ],
    'answer_train_gpt': [
        ('progress printed to stderr (like tqdm)', [
            ('        print(f"step {step:3d}: train {loss.item():.3f} | validation {val_loss:.3f}")\n',
             '        print(f"step {step:3d}: train {loss.item():.3f} | validation {val_loss:.3f}", file=sys.stderr)\n'),
        ]),
    ],
    'answer_sampling': [
        ('top-k through sort and scatter', [
            ('        kth = torch.topk(scaled, top_k, dim=-1).values[..., -1:]    # (B, 1): the k-th largest\n',
             '        kth = torch.sort(scaled, dim=-1, descending=True).values[..., top_k - 1:top_k]\n'),
        ]),
    ],
    'answer_quiz': [
        ('other spellings', [
            ('q1_why_sqrt_d = "B"\n', 'q1_why_sqrt_d = "(b)"\n'),
            ('q2_memory_ratio = 16\n', 'q2_memory_ratio = 16.0\n'),
            ('q4_gpt_mask = "인과 마스크"\n', 'q4_gpt_mask = "Causal Mask"\n'),
            ('q5_pre_ln_order = "A→B→C→A→D→C"\n', 'q5_pre_ln_order = "A, B, C, A, D, C"\n'),
        ]),
    ],
}
