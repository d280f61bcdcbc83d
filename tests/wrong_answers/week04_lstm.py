"""Plausible wrong answers for week04_lstm: each must lose points (tests/test_grading_truth.py).

Format: ``WRONG_ANSWERS[answer grade_id] = [(description, [(old, new), ...]), ...]``. The test
takes the solution's answer cell (without the ``### BEGIN/END SOLUTION`` lines, ending in one
newline), replaces each ``old`` snippet (which must occur exactly once) by ``new``, runs the
notebook and requires that it loses points.

Kinds covered (at least two each): boundary cases, inputs modified, arguments ignored or
hard-coded, a forbidden method, averages over an unequal last batch, training/selecting on
the held-out data, look-ahead leakage; plus the issue's list (batch_first mix-ups, first
instead of last time step, padding index embedded, no packing where lengths vary).
"""

WRONG_ANSWERS: dict[str, list[tuple[str, list[tuple[str, str]]]]] = {
    'answer_clean_text': [
        ('punctuation deleted instead of replaced by a space ("2-for-1" -> "2for1")', [
            ('    text = re.sub(r"[^가-힣a-z0-9\\s]", " ", text)\n',
             '    text = re.sub(r"[^가-힣a-z0-9\\s]", "", text)\n'),
        ]),
        ('boundary: tabs/newlines kept, only spaces collapsed', [
            ('    return " ".join(text.split())\n',
             '    return re.sub(" +", " ", text).strip(" ")\n'),
        ]),
    ],
    'answer_build_vocab': [
        ('ties broken alphabetically instead of by first appearance', [
            ('    for tok, n in counts.most_common():\n',
             '    for tok, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):\n'),
        ]),
        ('boundary: count > min_freq instead of >=', [
            ('        if n >= min_freq and tok not in vocab:\n',
             '        if n > min_freq and tok not in vocab:\n'),
        ]),
    ],
    'answer_encode': [
        ('unk id hard-coded to 1 (unk_token ignored)', [
            ('    unk_id = vocab[unk_token]\n', '    unk_id = 1\n'),
        ]),
    ],
    'answer_pad_batch': [
        ('inputs modified: long lists truncated in place', [
            ('        s = list(s)[:T]\n',
             '        if len(s) > T:\n            del s[T:]  # truncate\n        s = list(s)\n'),
        ]),
        ('pad_id ignored (always 0)', [
            ('    padded = torch.full((len(seqs), T), pad_id, dtype=torch.int64)\n',
             '    padded = torch.zeros((len(seqs), T), dtype=torch.int64)\n'),
        ]),
    ],
    'answer_embedding': [
        ('padding index embedded (no padding_idx)', [
            ('    return nn.Embedding(vocab_size, embed_dim, padding_idx=pad_id)\n',
             '    return nn.Embedding(vocab_size, embed_dim)\n'),
        ]),
        ('padding_idx hard-coded to 0', [
            ('    return nn.Embedding(vocab_size, embed_dim, padding_idx=pad_id)\n',
             '    return nn.Embedding(vocab_size, embed_dim, padding_idx=0)\n'),
        ]),
    ],
    'answer_rnn_forward': [
        ('batch_first mix-up: outputs stacked as (T, B, H)', [
            ('    return torch.stack(outputs, dim=1), h  # (B, T, H), (B, H)\n',
             '    return torch.stack(outputs, dim=0), h  # (B, T, H), (B, H)\n'),
        ]),
        ('h0 ignored (starts from zeros)', [
            ('    h = h0\n', '    h = torch.zeros_like(h0)\n'),
        ]),
        ('ReLU instead of tanh', [
            ('        h = torch.tanh(x[:, t] @ W_ih.T + b_ih + h @ W_hh.T + b_hh)  # (B, H)\n',
             '        h = torch.relu(x[:, t] @ W_ih.T + b_ih + h @ W_hh.T + b_hh)  # (B, H)\n'),
        ]),
        ('forbidden method: calls nn.RNN with the given weights', [
            ('    B, T, _ = x.shape\n    h = h0\n    outputs = []\n    for t in range(T):\n'
             '        h = torch.tanh(x[:, t] @ W_ih.T + b_ih + h @ W_hh.T + b_hh)  # (B, H)\n'
             '        outputs.append(h)\n    return torch.stack(outputs, dim=1), h  # (B, T, H), (B, H)\n',
             '    rnn = nn.RNN(W_ih.shape[1], W_ih.shape[0], batch_first=True).to(x.dtype)\n'
             '    with torch.no_grad():\n'
             '        rnn.weight_ih_l0.copy_(W_ih); rnn.weight_hh_l0.copy_(W_hh)\n'
             '        rnn.bias_ih_l0.copy_(b_ih); rnn.bias_hh_l0.copy_(b_hh)\n'
             '    out, h = rnn(x, h0.unsqueeze(0))\n    return out, h[0]\n'),
        ]),
        ('inputs modified: h0 used as the running state buffer', [
            ('        outputs.append(h)\n',
             '        outputs.append(h.clone())\n        h0.copy_(h)  # keep the running state in h0\n'),
        ]),
    ],
    'answer_lstm_cell_step': [
        ("Keras gate order (i, f, c, o) read as (i, f, o, g)", [
            ('    i, f, g, o = gates.chunk(4, dim=1)             # each (B, H)\n',
             '    i, f, o, g = gates.chunk(4, dim=1)             # each (B, H)\n'),
        ]),
        ('h_new without tanh of the cell state', [
            ('    h_new = o * torch.tanh(c_new)\n', '    h_new = o * c_new\n'),
        ]),
        ('forbidden method: nn.LSTMCell with copied weights', [
            ('    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh  # (B, 4H)\n',
             '    cell = nn.LSTMCell(W_ih.shape[1], W_ih.shape[0] // 4).to(x.dtype)\n'
             '    with torch.no_grad():\n'
             '        cell.weight_ih.copy_(W_ih); cell.weight_hh.copy_(W_hh)\n'
             '        cell.bias_ih.copy_(b_ih); cell.bias_hh.copy_(b_hh)\n'
             '    return cell(x, (h, c))\n'
             '    gates = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh  # (B, 4H)\n'),
        ]),
    ],
    'answer_lstm_param_count': [
        ('one bias per gate block (Keras formula)', [
            ('(2 * 4 * H if bias else 0)', '(4 * H if bias else 0)'),
        ]),
        ('later layers take input_size instead of H * directions', [
            ('        in_size = input_size if layer == 0 else H * D\n',
             '        in_size = input_size if layer == 0 else H\n'),
        ]),
        ('bias argument ignored', [
            ('(2 * 4 * H if bias else 0)', '2 * 4 * H'),
        ]),
        ('forbidden method: counts a real nn.LSTM', [
            ('    D = 2 if bidirectional else 1\n',
             '    return sum(p.numel() for p in nn.LSTM(input_size, hidden_size, num_layers=num_layers,\n'
             '                                           bidirectional=bidirectional, bias=bias).parameters())\n'
             '    D = 2 if bidirectional else 1\n'),
        ]),
    ],
    'answer_last_time_step': [
        ('first time step instead of the last real one', [
            ('    return output[torch.arange(B, device=output.device), idx]  # (B, H)\n',
             '    return output[:, 0]  # (B, H)\n'),
        ]),
        ('padded last column output[:, -1]', [
            ('    return output[torch.arange(B, device=output.device), idx]  # (B, H)\n',
             '    return output[:, -1]  # (B, H)\n'),
        ]),
    ],
    'answer_make_windows': [
        ('look-ahead: the window ends with the target itself', [
            ('    X = np.stack([series[i:i + seq_length] for i in range(n)])  # (N - L, L)\n',
             '    X = np.stack([series[i + 1:i + 1 + seq_length] for i in range(n)])  # (N - L, L)\n'),
        ]),
        ('boundary: off by one, the last window is dropped', [
            ('    n = len(series) - seq_length\n',
             '    n = len(series) - seq_length - 1\n'),
            ('    y = series[seq_length:]                                      # (N - L,)\n',
             '    y = series[seq_length:-1]                                    # (N - L,)\n'),
        ]),
        ('seq_length hard-coded to 30', [
            ('    n = len(series) - seq_length\n', '    seq_length = 30 if len(series) > 30 else seq_length\n    n = len(series) - seq_length\n'),
        ]),
    ],
    'answer_prepare_series': [
        ('look-ahead: scaler fitted on the whole series', [
            ('    lo, hi = float(series[:train_end].min()), float(series[:train_end].max())\n',
             '    lo, hi = float(series.min()), float(series.max())\n'),
        ]),
        ('look-ahead: training windows from the whole series', [
            ('    X_train, y_train = make_windows(scaled[:train_end], seq_length)\n',
             '    X_train, y_train = make_windows(scaled, seq_length)\n'),
        ]),
        ('validation windows start after train_end (first targets lost)', [
            ('    X_val, y_val = make_windows(scaled[train_end - seq_length:], seq_length)\n',
             '    X_val, y_val = make_windows(scaled[train_end:], seq_length)\n'),
        ]),
        ('inputs modified: scaled in place', [
            ('    scaled = (series - lo) / (hi - lo)\n',
             '    series -= lo\n    series /= (hi - lo)\n    scaled = series\n'),
        ]),
    ],
    'answer_forecast_mape': [
        ('no inverse transform (MAPE of scaled values)', [
            ('    pred = pred * (hi - lo) + lo\n    truth = series[targets]\n    naive = series[targets - 1]\n',
             '    truth = scaled[targets]\n    naive = scaled[targets - 1]\n'),
        ]),
        ('naive baseline on the next day (look-ahead baseline / shifted period)', [
            ('    naive = series[targets - 1]\n',
             '    naive = series[np.minimum(targets + 1, len(series) - 1)]\n'),
        ]),
        ('unequal last batch: mean of per-batch MAPEs (batches of 8)', [
            ('    return {"model": float(np.mean(np.abs(pred - truth) / np.abs(truth)) * 100),\n'
             '            "naive": float(np.mean(np.abs(naive - truth) / np.abs(truth)) * 100)}\n',
             '    err_m, err_n = np.abs(pred - truth) / np.abs(truth), np.abs(naive - truth) / np.abs(truth)\n'
             '    return {"model": float(np.mean([err_m[i:i + 8].mean() for i in range(0, len(err_m), 8)]) * 100),\n'
             '            "naive": float(np.mean([err_n[i:i + 8].mean() for i in range(0, len(err_n), 8)]) * 100)}\n'),
        ]),
        ('fraction instead of percent', [
            ('    return {"model": float(np.mean(np.abs(pred - truth) / np.abs(truth)) * 100),\n'
             '            "naive": float(np.mean(np.abs(naive - truth) / np.abs(truth)) * 100)}\n',
             '    return {"model": float(np.mean(np.abs(pred - truth) / np.abs(truth))),\n'
             '            "naive": float(np.mean(np.abs(naive - truth) / np.abs(truth)))}\n'),
        ]),
    ],
    'answer_price_lstm': [
        ('batch_first missing (time and batch axes swapped)', [
            ('        self.lstm = nn.LSTM(1, hidden_size, batch_first=True)\n',
             '        self.lstm = nn.LSTM(1, hidden_size)\n'),
        ]),
        ('first time step instead of the last', [
            ('        return self.fc(output[:, -1]).squeeze(-1)  # (B,)\n',
             '        return self.fc(output[:, 0]).squeeze(-1)  # (B,)\n'),
        ]),
        ('hidden_size hard-coded to 32', [
            ('        self.lstm = nn.LSTM(1, hidden_size, batch_first=True)\n        self.fc = nn.Linear(hidden_size, 1)\n',
             '        self.lstm = nn.LSTM(1, 32, batch_first=True)\n        self.fc = nn.Linear(32, 1)\n'),
        ]),
    ],
    'answer_train_price': [
        ('look-ahead: scaler fitted on training + validation prices', [
            ('price_opt = torch.optim.Adam(price_model.parameters(), lr=1e-2)\n',
             'price_opt = torch.optim.Adam(price_model.parameters(), lr=1e-2)\n'
             'price_lo, price_hi = float(price_series.min()), float(price_series.max())\n'
             'Xp_train, yp_train = make_windows((price_series[:PRICE_TRAIN_END] - price_lo) / (price_hi - price_lo), SEQ_LENGTH)\n'),
        ]),
        ('optimizer.step() forgotten (model never learns)', [
            ('        price_opt.step()\n', ''),
        ]),
    ],
    'answer_text_classifier': [
        ('no packing: the padded last column output[:, -1] is used', [
            ('        packed = pack_padded_sequence(emb, lengths.cpu(), batch_first=True, enforce_sorted=False)\n'
             '        _, (h_n, _) = self.lstm(packed)  # h_n: (num_layers, B, H)\n'
             '        return self.fc(h_n[-1])          # (B, C)\n',
             '        output, _ = self.lstm(emb)       # (B, T, H)\n'
             '        return self.fc(output[:, -1])    # (B, C)\n'),
        ]),
        ('padding index embedded (no padding_idx)', [
            ('        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=pad_id)\n',
             '        self.embedding = nn.Embedding(vocab_size, embed_dim)\n'),
        ]),
        ('batch_first mix-up: pack_padded_sequence without batch_first=True', [
            ('        packed = pack_padded_sequence(emb, lengths.cpu(), batch_first=True, enforce_sorted=False)\n',
             '        packed = pack_padded_sequence(emb, lengths.cpu(), enforce_sorted=False)\n'),
        ]),
    ],
    'answer_texts_to_batch': [
        ('empty sentences kept with length 0', [
            ('        tokens = clean_text(text).split() or ["<unk>"]\n',
             '        tokens = clean_text(text).split()\n'),
        ]),
    ],
    'answer_train_text': [
        ('selecting the epoch on the held-out test split', [
            ('Xs_val, len_val = texts_to_batch(rt_val.texts, text_vocab)\n'
             'ys_train, ys_val = torch.from_numpy(rt_train.labels), torch.from_numpy(rt_val.labels)\n',
             'rt_sel = load_rotten_tomatoes("test")\n'
             'Xs_val, len_val = texts_to_batch(rt_sel.texts, text_vocab)\n'
             'ys_train, ys_val = torch.from_numpy(rt_train.labels), torch.from_numpy(rt_sel.labels)\n'),
        ]),
        ('vocabulary built from training + validation + test texts', [
            ('text_vocab = build_vocab([clean_text(t).split() for t in rt_train.texts], min_freq=2)\n',
             'text_vocab = build_vocab([clean_text(t).split() for t in rt_train.texts + rt_val.texts'
             ' + load_rotten_tomatoes("test").texts], min_freq=2)\n'),
        ]),
        ('unequal last batch: validation accuracy as the mean of per-batch accuracies', [
            ('        val_acc = float((text_model(Xs_val.to(device), len_val).argmax(1).cpu() == ys_val).float().mean())\n',
             '        val_acc = float(np.mean([float((text_model(Xs_val[j:j + 64].to(device), len_val[j:j + 64]).argmax(1).cpu()'
             ' == ys_val[j:j + 64]).float().mean()) for j in range(0, len(ys_val), 64)]))\n'),
        ]),
    ],
    'answer_quiz': [
        ('q1: picks "only 64 inputs are used"', [
            ('q1_hidden_size_reason = "B"\n', 'q1_hidden_size_reason = "A"\n'),
        ]),
        ('q2: hidden state instead of cell state', [
            ('q2_gradient_path = "셀 상태"\n', 'q2_gradient_path = "은닉 상태"\n'),
        ]),
        ('q3: forgets that two directions are concatenated', [
            ('q3_bilstm_output_dim = 64\n', 'q3_bilstm_output_dim = 32\n'),
        ]),
        ('q4: tokenization before cleansing', [
            ('q4_pipeline_order = "D→B→A→C→E"\n', 'q4_pipeline_order = "B→D→A→C→E"\n'),
        ]),
        ('q5: misses selecting on the test MAPE', [
            ('q5_leakage = "A, C, D"\n', 'q5_leakage = "A, C"\n'),
        ]),
    ],
}
