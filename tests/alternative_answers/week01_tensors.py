"""Plausible alternative CORRECT answers for week01_tensors: each must score full marks.

Same format as tests/wrong_answers/week01_tensors.py, but the dict is ``ALTERNATIVE_ANSWERS``:
``{answer grade_id: [(description, [(old, new), ...]), ...]}``; each ``old`` snippet of the
solution's answer cell (without the BEGIN/END SOLUTION lines) occurs exactly once.
"""

ALTERNATIVE_ANSWERS: dict[str, list[tuple[str, list[tuple[str, str]]]]] = {
    'answer_to_float_tensor': [
        ('torch.tensor(v).float()', [
            ('    return torch.as_tensor(np.asarray(values), dtype=torch.float32)\n',
             '    return torch.tensor(values).float()\n'),
        ]),
        ('torch.from_numpy(np.array(values, dtype=np.float32))', [
            ('    return torch.as_tensor(np.asarray(values), dtype=torch.float32)\n',
             '    return torch.from_numpy(np.array(values, dtype=np.float32))\n'),
        ]),
    ],
    'answer_make_grid': [
        ('arange(n * m).reshape(n, m) (int64 by default)', [
            ('torch.arange(n * m, dtype=torch.int64).view(n, m)', 'torch.arange(n * m).reshape(n, m)'),
        ]),
        ('broadcasting rows * m + cols', [
            ('    return torch.arange(n * m, dtype=torch.int64).view(n, m)  # (n*m,) -> (n, m)\n',
             '    return torch.arange(n)[:, None] * m + torch.arange(m)[None, :]  # (n, 1) + (1, m) -> (n, m)\n'),
        ]),
    ],
    'answer_to_channels_first': [
        ('two transposes', [
            ('images.permute(0, 3, 1, 2)', 'images.transpose(1, 3).transpose(2, 3)'),
        ]),
        ('einops-style movedim', [
            ('images.permute(0, 3, 1, 2)', 'torch.movedim(images, 3, 1)'),
        ]),
    ],
    'answer_flatten_batch': [
        ('reshape(B, -1)', [
            ('x.flatten(start_dim=1)', 'x.reshape(x.shape[0], -1)'),
        ]),
    ],
    'answer_add_batch_dim': [
        ('x[None]', [('x.unsqueeze(0)', 'x[None]')]),
        ('reshape(1, *x.shape)', [('x.unsqueeze(0)', 'x.reshape(1, *x.shape)')]),
    ],
    'answer_set_row': [
        ('t[i] = value', [('    t[i, :] = value\n', '    t[i] = value\n')]),
        ('t[i].fill_(value)', [('    t[i, :] = value\n', '    t[i].fill_(value)\n')]),
    ],
    'answer_clip_negatives': [
        ('clamp_(min=0)', [('    t[t < 0] = 0\n', '    t.clamp_(min=0)\n')]),
        ('masked_fill_', [('    t[t < 0] = 0\n', '    t.masked_fill_(t < 0, 0)\n')]),
    ],
    'answer_select_above': [
        ('masked_select', [('    return x[x > threshold]\n', '    return torch.masked_select(x, x > threshold)\n')]),
        ('flatten then mask', [('    return x[x > threshold]\n', '    flat = x.reshape(-1)\n    return flat[flat > threshold]\n')]),
    ],
    'answer_standardize_columns': [
        ('unbiased=False spelled out, keepdim', [
            ('    return (X - X.mean(dim=0)) / X.std(dim=0, correction=0)\n',
             '    return (X - X.mean(dim=0, keepdim=True)) / X.std(dim=0, unbiased=False, keepdim=True)\n'),
        ]),
        ('variance by hand', [
            ('    return (X - X.mean(dim=0)) / X.std(dim=0, correction=0)\n',
             '    centred = X - X.mean(dim=0)\n    return centred / (centred ** 2).mean(dim=0).sqrt()\n'),
        ]),
    ],
    'answer_pairwise_sq_dists': [
        ('torch.cdist squared', [
            ('    diff = A[:, None, :] - B[None, :, :]  # (N, 1, D) - (1, M, D) -> (N, M, D)\n    return (diff ** 2).sum(dim=-1)  # (N, M)\n',
             '    return torch.cdist(A, B) ** 2  # (N, M)\n'),
        ]),
        ('expansion |a|^2 - 2ab + |b|^2', [
            ('    diff = A[:, None, :] - B[None, :, :]  # (N, 1, D) - (1, M, D) -> (N, M, D)\n    return (diff ** 2).sum(dim=-1)  # (N, M)\n',
             '    d = (A ** 2).sum(1)[:, None] - 2 * A @ B.T + (B ** 2).sum(1)[None, :]  # (N, M)\n    return d.clamp(min=0)\n'),
        ]),
    ],
    'answer_row_max': [
        ('max and argmax separately', [
            ('    values, indices = x.max(dim=1)\n', '    values, indices = x.amax(dim=1), x.argmax(dim=1)\n'),
        ]),
        ('torch.max(x, 1) unpacked into a tuple', [
            ('    values, indices = x.max(dim=1)\n    return values, indices\n', '    return tuple(torch.max(x, 1))\n'),
        ]),
    ],
    'answer_accuracy_from_logits': [
        ('count / N with float()', [
            ('    return (logits.argmax(dim=1) == labels).float().mean().item()\n',
             '    return float((logits.argmax(dim=1) == labels).sum()) / len(labels)\n'),
        ]),
    ],
    'answer_gradient': [
        ('torch.autograd.grad', [
            ('    f(x).backward()\n    return x.grad\n', '    (g,) = torch.autograd.grad(f(x), x)\n    return g\n'),
        ]),
    ],
    'answer_sgd_step': [
        ('w.data update and w.grad = None then zeros', [
            ('    with torch.no_grad():\n        w -= lr * w.grad\n    w.grad.zero_()\n',
             '    with torch.no_grad():\n        w.sub_(lr * w.grad)\n        w.grad.zero_()\n'),
        ]),
        ('correct, with a progress line on sys.stderr', [
            ('    return loss.item()\n',
             '    import sys\n    print(f"loss {loss.item():.4f}", file=sys.stderr)\n    return loss.item()\n'),
        ]),
    ],
    'answer_neuron_grads': [
        ('sigmoid by hand and torch.dot', [
            ('    y_hat = torch.sigmoid(w * x + b)            # (N,)\n', '    y_hat = 1 / (1 + torch.exp(-(w * x + b)))  # (N,)\n'),
            ('    return float((dL_dz * x).sum()), float(dL_dz.sum())\n', '    return torch.dot(dL_dz, x).item(), dL_dz.sum().item()\n'),
        ]),
    ],
    'answer_mse': [
        ('F.mse_loss', [('    return ((y_hat - y) ** 2).mean()\n', '    return torch.nn.functional.mse_loss(y_hat, y)\n')]),
        ('pow and sum / numel', [('    return ((y_hat - y) ** 2).mean()\n', '    return (y_hat - y).pow(2).sum() / y.numel()\n')]),
    ],
    'answer_fit_linear_regression': [
        ('the lecture\'s (1,) bias and w.grad = None', [
            ('    b = torch.zeros((), requires_grad=True)\n', '    b = torch.zeros(1, requires_grad=True)\n'),
            ('        w.grad.zero_()\n        b.grad.zero_()\n', '        w.grad = None\n        b.grad = None\n'),
        ]),
        ('torch.optim.SGD on [w, b]', [
            ('    for _ in range(num_epochs):\n        loss = ((X @ w + b - y) ** 2).mean()  # MSE, a scalar\n        loss.backward()\n'
             '        with torch.no_grad():\n            w -= lr * w.grad\n            b -= lr * b.grad\n'
             '        w.grad.zero_()\n        b.grad.zero_()\n',
             '    opt = torch.optim.SGD([w, b], lr=lr)\n    for _ in range(num_epochs):\n        opt.zero_grad()\n'
             '        ((X @ w + b - y) ** 2).mean().backward()\n        opt.step()\n'),
        ]),
        ('correct, with a progress line on sys.stderr', [
            ('    return w.detach(), b.detach()\n',
             '    import sys\n    print(f"trained {num_epochs} epochs", file=sys.stderr)\n    return w.detach(), b.detach()\n'),
        ]),
    ],
    'answer_quiz': [
        ('other spellings: list order, short learning-type names, lower-case letter', [
            ('q4_workflow = "B→E→C→G→A→D→H→F"\n', 'q4_workflow = ["b", "e", "c", "g", "a", "d", "h", "f"]\n'),
            ('q5_training_step = "A"\n', 'q5_training_step = "(a)"\n'),
            ('q6_spam = "지도 학습"\n', 'q6_spam = "지도"\n'),
            ('q7_clusters = "비지도 학습"\n', 'q7_clusters = "Unsupervised learning"\n'),
            ('q8_masked_lm = "자가 지도 학습"\n', 'q8_masked_lm = "자가지도"\n'),
            ('q3_grad = 12.0\n', 'q3_grad = 12\n'),
        ]),
        ('comma-separated order', [
            ('q4_workflow = "B→E→C→G→A→D→H→F"\n', 'q4_workflow = "B, E, C, G, A, D, H, F"\n'),
        ]),
    ],
}
