"""Plausible alternative CORRECT answers for week04_lstm: each must score full marks.

Same format as tests/wrong_answers/week04_lstm.py, but the dict is ``ALTERNATIVE_ANSWERS``:
``{answer grade_id: [(description, [(old, new), ...]), ...]}``; each ``old`` snippet of the
solution's answer cell (without the BEGIN/END SOLUTION lines) occurs exactly once.
"""

ALTERNATIVE_ANSWERS: dict[str, list[tuple[str, list[tuple[str, str]]]]] = {
    'answer_clean_text': [
        ('character loop instead of a regular expression', [
            ('    text = text.lower()\n    text = re.sub(r"[^가-힣a-z0-9\\s]", " ", text)\n    return " ".join(text.split())\n',
             '    chars = []\n'
             '    for ch in text.lower():\n'
             '        ok = "가" <= ch <= "힣" or "a" <= ch <= "z" or "0" <= ch <= "9"\n'
             '        chars.append(ch if ok else " ")\n'
             '    return " ".join("".join(chars).split())\n'),
        ]),
    ],
    'answer_build_vocab': [
        ('explicit sort by (-count, first position)', [
            ('    counts = Counter(tok for tokens in token_lists for tok in tokens)\n'
             '    vocab = {tok: i for i, tok in enumerate(specials)}\n'
             '    for tok, n in counts.most_common():\n',
             '    counts, first = {}, {}\n'
             '    for tokens in token_lists:\n'
             '        for tok in tokens:\n'
             '            first.setdefault(tok, len(first))\n'
             '            counts[tok] = counts.get(tok, 0) + 1\n'
             '    vocab = dict(zip(specials, range(len(specials))))\n'
             '    for tok, n in sorted(counts.items(), key=lambda kv: (-kv[1], first[kv[0]])):\n'),
        ]),
    ],
    'answer_pad_batch': [
        ('pad_sequence after truncation', [
            ('    T = max_len if max_len is not None else max(len(s) for s in seqs)\n'
             '    padded = torch.full((len(seqs), T), pad_id, dtype=torch.int64)\n'
             '    lengths = torch.zeros(len(seqs), dtype=torch.int64)\n'
             '    for i, s in enumerate(seqs):\n'
             '        s = list(s)[:T]\n'
             '        padded[i, :len(s)] = torch.tensor(s, dtype=torch.int64)\n'
             '        lengths[i] = len(s)\n'
             '    return padded, lengths\n',
             '    from torch.nn.utils.rnn import pad_sequence\n'
             '    T = max_len if max_len is not None else max(len(s) for s in seqs)\n'
             '    cut = [torch.tensor(list(s)[:T], dtype=torch.int64) for s in seqs]\n'
             '    padded = pad_sequence(cut, batch_first=True, padding_value=pad_id)\n'
             '    if padded.shape[1] < T:\n'
             '        extra = torch.full((len(seqs), T - padded.shape[1]), pad_id, dtype=torch.int64)\n'
             '        padded = torch.cat([padded, extra], dim=1)\n'
             '    return padded, torch.tensor([len(c) for c in cut], dtype=torch.int64)\n'),
        ]),
    ],
    'answer_rnn_forward': [
        ('F.linear and a preallocated output tensor', [
            ('    h = h0\n    outputs = []\n    for t in range(T):\n'
             '        h = torch.tanh(x[:, t] @ W_ih.T + b_ih + h @ W_hh.T + b_hh)  # (B, H)\n'
             '        outputs.append(h)\n    return torch.stack(outputs, dim=1), h  # (B, T, H), (B, H)\n',
             '    out = x.new_zeros(B, T, h0.shape[1])\n    h = h0\n    for t in range(T):\n'
             '        h = torch.tanh(nn.functional.linear(x[:, t], W_ih, b_ih) + nn.functional.linear(h, W_hh, b_hh))\n'
             '        out[:, t] = h\n    return out, h\n'),
        ]),
    ],
    'answer_lstm_cell_step': [
        ('weights sliced per gate', [
            ('    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh  # (B, 4H)\n'
             '    i, f, g, o = gates.chunk(4, dim=1)             # each (B, H)\n',
             '    H = h.shape[1]\n'
             '    def gate(k):\n'
             '        s = slice(k * H, (k + 1) * H)\n'
             '        return x @ W_ih[s].T + b_ih[s] + h @ W_hh[s].T + b_hh[s]\n'
             '    i, f, g, o = gate(0), gate(1), gate(2), gate(3)\n'),
        ]),
    ],
    'answer_lstm_param_count': [
        ('closed form per layer', [
            ('    total = 0\n'
             '    for layer in range(num_layers):\n'
             '        in_size = input_size if layer == 0 else H * D\n'
             '        per_direction = 4 * H * (in_size + H) + (2 * 4 * H if bias else 0)\n'
             '        total += D * per_direction\n'
             '    return total\n',
             '    b = 8 * H if bias else 0\n'
             '    first = D * (4 * H * (input_size + H) + b)\n'
             '    rest = (num_layers - 1) * D * (4 * H * (D * H + H) + b)\n'
             '    return int(first + rest)\n'),
        ]),
    ],
    'answer_last_time_step': [
        ('torch.gather along the time axis', [
            ('    B = output.shape[0]\n'
             '    idx = lengths.to(output.device).long() - 1  # (B,)\n'
             '    return output[torch.arange(B, device=output.device), idx]  # (B, H)\n',
             '    idx = (lengths.to(output.device).long() - 1).view(-1, 1, 1).expand(-1, 1, output.shape[2])  # (B, 1, H)\n'
             '    return output.gather(1, idx).squeeze(1)  # (B, H)\n'),
        ]),
    ],
    'answer_make_windows': [
        ('sliding_window_view', [
            ('    X = np.stack([series[i:i + seq_length] for i in range(n)])  # (N - L, L)\n',
             '    X = np.lib.stride_tricks.sliding_window_view(series, seq_length)[:n].copy()  # (N - L, L)\n'),
        ]),
    ],
    'answer_forecast_mape': [
        ('slices instead of index arrays', [
            ('    truth = series[targets]\n    naive = series[targets - 1]\n',
             '    truth = series[start:]\n    naive = series[start - 1:-1]\n'),
        ]),
    ],
    'answer_text_classifier': [
        ('pad_packed_sequence + last real time step from the output', [
            ('        _, (h_n, _) = self.lstm(packed)  # h_n: (num_layers, B, H)\n'
             '        return self.fc(h_n[-1])          # (B, C)\n',
             '        from torch.nn.utils.rnn import pad_packed_sequence\n'
             '        out, _ = self.lstm(packed)\n'
             '        out, out_len = pad_packed_sequence(out, batch_first=True)  # (B, T_max, H)\n'
             '        last = out[torch.arange(out.shape[0]), out_len - 1]        # (B, H)\n'
             '        return self.fc(last)\n'),
        ]),
        ('no packing, but the last real step of the right-padded output (the LSTM is causal)', [
            ('        packed = pack_padded_sequence(emb, lengths.cpu(), batch_first=True, enforce_sorted=False)\n'
             '        _, (h_n, _) = self.lstm(packed)  # h_n: (num_layers, B, H)\n'
             '        return self.fc(h_n[-1])          # (B, C)\n',
             '        out, _ = self.lstm(emb)                                      # (B, T, H)\n'
             '        idx = (lengths.to(out.device) - 1).clamp(min=0)\n'
             '        return self.fc(out[torch.arange(out.shape[0], device=out.device), idx])\n'),
        ]),
    ],
    'answer_quiz': [
        ('answers spelled differently', [
            ('q1_hidden_size_reason = "B"\n', 'q1_hidden_size_reason = "(b)"\n'),
            ('q2_gradient_path = "셀 상태"\n', 'q2_gradient_path = "Cell State"\n'),
            ('q4_pipeline_order = "D→B→A→C→E"\n', 'q4_pipeline_order = ["D", "B", "A", "C", "E"]\n'),
            ('q5_leakage = "A, C, D"\n', 'q5_leakage = "dca"\n'),
        ]),
    ],
}
