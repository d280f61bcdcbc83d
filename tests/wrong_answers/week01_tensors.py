"""Plausible wrong answers for week01_tensors: each must lose points (tests/test_grading_truth.py),
and only in the test cells of its own part.

Format: ``WRONG_ANSWERS[answer grade_id] = [(description, [(old, new), ...]), ...]``. The test
takes the solution's answer cell (without the ``### BEGIN/END SOLUTION`` lines, ending in one newline), replaces each
``old`` snippet (which must occur exactly once) by ``new``, runs the notebook and requires
that it loses points.

Kinds of mistake the hidden tests must catch (issue 8), at least two each: boundary cases
(ties, equal values, single-element/empty), inputs modified although the text says not to,
arguments ignored (hard-coded hyper-parameters), a forbidden method giving the same numbers,
averages that are only right for equal group sizes. (Week 1 loads no held-out set, so the
"selecting on the test set" kind lives in week 2.)
"""

WRONG_ANSWERS: dict[str, list[tuple[str, list[tuple[str, str]]]]] = {
    'answer_to_float_tensor': [
        ('to_float_tensor keeps the input dtype (no dtype=torch.float32)', [
            ('    return torch.as_tensor(np.asarray(values), dtype=torch.float32)\n',
             '    return torch.as_tensor(np.asarray(values))\n'),
        ]),
        ('to_float_tensor casts to float64 (torch.double)', [
            ('dtype=torch.float32)\n', 'dtype=torch.float64)\n'),
        ]),
        ('[boundary] to_float_tensor builds rows one by one (fails on a scalar input)', [
            ('    return torch.as_tensor(np.asarray(values), dtype=torch.float32)\n',
             '    return torch.stack([torch.as_tensor(np.asarray(r), dtype=torch.float32) for r in values])\n'),
        ]),
    ],
    'answer_make_grid': [
        ('make_grid fills column by column (view(m, n).T)', [
            ('view(n, m)  # (n*m,) -> (n, m)\n', 'view(m, n).T  # (n*m,) -> (n, m)\n'),
        ]),
        ('make_grid returns float32', [
            ('dtype=torch.int64', 'dtype=torch.float32'),
        ]),
        ('[argument ignored] make_grid uses m columns of length m (n ignored)', [
            ('    return torch.arange(n * m, dtype=torch.int64).view(n, m)  # (n*m,) -> (n, m)\n',
             '    return torch.arange(m * m, dtype=torch.int64).view(m, m)[:n]  # (n*m,) -> (n, m)\n'),
        ]),
    ],
    'answer_to_channels_first': [
        ('reshape instead of permute (right shape, scrambled pixels)', [
            ('    return images.permute(0, 3, 1, 2)  # (B, H, W, C) -> (B, C, H, W)\n',
             '    return images.reshape(images.shape[0], images.shape[3], images.shape[1], images.shape[2])  # (B, H, W, C) -> (B, C, H, W)\n'),
        ]),
        ('permute(0, 3, 2, 1) swaps H and W as well', [
            ('images.permute(0, 3, 1, 2)', 'images.permute(0, 3, 2, 1)'),
        ]),
    ],
    'answer_flatten_batch': [
        ('flatten_batch flattens the batch axis too', [
            ('    return x.flatten(start_dim=1)  # (B, ...) -> (B, prod(...))\n',
             '    return x.flatten()  # (B, ...) -> (B, prod(...))\n'),
        ]),
        ('[boundary] flatten_batch squeezes away a batch of size 1', [
            ('    return x.flatten(start_dim=1)  # (B, ...) -> (B, prod(...))\n',
             '    return x.reshape(x.shape[0], -1).squeeze()  # (B, ...) -> (B, prod(...))\n'),
        ]),
        ('flatten_batch keeps the last axis (flatten(1, -2))', [
            ('x.flatten(start_dim=1)', 'x.flatten(start_dim=1, end_dim=-2)'),
        ]),
    ],
    'answer_add_batch_dim': [
        ('add_batch_dim appends the new axis at the end', [
            ('    return x.unsqueeze(0)  # (C, H, W) -> (1, C, H, W)\n',
             '    return x.unsqueeze(-1)  # (C, H, W) -> (1, C, H, W)\n'),
        ]),
        ('[boundary] add_batch_dim squeezes first (breaks C = 1 images)', [
            ('    return x.unsqueeze(0)  # (C, H, W) -> (1, C, H, W)\n',
             '    return x.squeeze().unsqueeze(0)  # (C, H, W) -> (1, C, H, W)\n'),
        ]),
    ],
    'answer_set_row': [
        ('set_row_ works on a clone, the original is unchanged', [
            ('    t[i, :] = value\n', '    t = t.clone()\n    t[i, :] = value\n'),
        ]),
        ('[argument ignored] set_row_ always writes row 0', [
            ('    t[i, :] = value\n', '    t[0, :] = value\n'),
        ]),
        ('set_row_ writes column i instead of row i', [
            ('    t[i, :] = value\n', '    t[:, i] = value\n'),
        ]),
    ],
    'answer_clip_negatives': [
        ('chained indexing t[t < 0][:] = 0 (modifies a copy)', [
            ('    t[t < 0] = 0\n', '    t[t < 0][:] = 0\n'),
        ]),
        ('clip_negatives_ returns a new tensor (torch.where), the original is unchanged', [
            ('    t[t < 0] = 0\n    return t\n', '    return torch.where(t < 0, torch.zeros_like(t), t)\n'),
        ]),
        ('[boundary] clip_negatives_ also zeroes tiny positive values (t < 1e-6)', [
            ('    t[t < 0] = 0\n', '    t[t < 1e-6] = 0\n'),
        ]),
    ],
    'answer_select_above': [
        ('select_above multiplies by the mask (zeros kept) instead of selecting', [
            ('    return x[x > threshold]\n', '    return x * (x > threshold)\n'),
        ]),
        ('[boundary: ties] select_above keeps values equal to the threshold (>=)', [
            ('    return x[x > threshold]\n', '    return x[x >= threshold]\n'),
        ]),
        ('[input modified] select_above zeroes the rejected entries of x in place, then selects', [
            ('    return x[x > threshold]\n', '    x[x <= threshold] = 0\n    return x[x > threshold]\n'),
        ]),
    ],
    'answer_standardize_columns': [
        ('unbiased std (N - 1) instead of the population std', [
            ('X.std(dim=0, correction=0)', 'X.std(dim=0)'),
        ]),
        ('mean and std over the wrong dim (rows)', [
            ('    return (X - X.mean(dim=0)) / X.std(dim=0, correction=0)\n',
             '    return (X - X.mean(dim=1, keepdim=True)) / X.std(dim=1, correction=0, keepdim=True)\n'),
        ]),
        ('[input modified] standardize_columns works in place on X', [
            ('    return (X - X.mean(dim=0)) / X.std(dim=0, correction=0)\n',
             '    X -= X.mean(dim=0)\n    X /= X.std(dim=0, correction=0)\n    return X\n'),
        ]),
    ],
    'answer_pairwise_sq_dists': [
        ('L1 instead of squared Euclidean distance', [
            ('    return (diff ** 2).sum(dim=-1)  # (N, M)\n', '    return diff.abs().sum(dim=-1)  # (N, M)\n'),
        ]),
        ('distances summed over the wrong axis', [
            ('    return (diff ** 2).sum(dim=-1)  # (N, M)\n', '    return (diff ** 2).sum(dim=0)  # (N, M)\n'),
        ]),
        ('Euclidean distance, not squared', [
            ('    return (diff ** 2).sum(dim=-1)  # (N, M)\n', '    return (diff ** 2).sum(dim=-1).sqrt()  # (N, M)\n'),
        ]),
    ],
    'answer_row_max': [
        ('max over dim=0 (columns) instead of rows', [
            ('    values, indices = x.max(dim=1)\n', '    values, indices = x.max(dim=0)\n'),
        ]),
        ('[boundary: ties] row_max via sort takes the LAST index among equal maxima', [
            ('    values, indices = x.max(dim=1)\n',
             '    s, order = x.sort(dim=1, stable=True)\n    values, indices = s[:, -1], order[:, -1]\n'),
        ]),
        ('[boundary: ties] row_max via flip finds the last maximum', [
            ('    values, indices = x.max(dim=1)\n',
             '    values = x.max(dim=1).values\n    indices = x.shape[1] - 1 - x.flip(1).argmax(dim=1)\n'),
        ]),
    ],
    'answer_accuracy_from_logits': [
        ('accuracy returned as a tensor (no .item())', [
            ('    return (logits.argmax(dim=1) == labels).float().mean().item()\n',
             '    return (logits.argmax(dim=1) == labels).float().mean()\n'),
        ]),
        ('argmax over the batch axis', [
            ('    return (logits.argmax(dim=1) == labels).float().mean().item()\n',
             '    return (logits.argmax(dim=0)[:len(labels)] == labels).float().mean().item()\n'),
        ]),
        ('[average of unequal groups] mean of per-class accuracies (right only for equal class counts)', [
            ('    return (logits.argmax(dim=1) == labels).float().mean().item()\n',
             '    hits = (logits.argmax(dim=1) == labels).float()\n'
             '    return torch.stack([hits[labels == c].mean() for c in labels.unique()]).mean().item()\n'),
        ]),
    ],
    'answer_gradient': [
        ('gradient returns 2 * x for every function', [
            ('    f(x).backward()\n    return x.grad\n', '    return 2 * x.detach()\n'),
        ]),
        ('[input modified] gradient switches on requires_grad of the caller\'s x', [
            ('    x = x.detach().clone().requires_grad_(True)\n    f(x).backward()\n    return x.grad\n',
             '    x.requires_grad_(True)\n    f(x).backward()\n    g = x.grad.clone()\n    x.grad = None\n    return g\n'),
        ]),
        ('gradient accumulates into a leaf x that already requires grad (no copy)', [
            ('    x = x.detach().clone().requires_grad_(True)\n',
             '    x = x if x.requires_grad else x.detach().clone().requires_grad_(True)\n'),
        ]),
    ],
    'answer_sgd_step': [
        ('no w.grad.zero_(): gradients accumulate', [
            ('    w.grad.zero_()\n', ''),
        ]),
        ('rebinding w = w - lr * grad instead of an in-place update', [
            ('        w -= lr * w.grad\n    w.grad.zero_()\n', '        w = w - lr * w.grad\n'),
        ]),
        ('returns the loss after the update', [
            ('    return loss.item()\n', '    return loss_fn(w).item()\n'),
        ]),
        ('[argument ignored] learning rate hard-coded to 0.1', [
            ('        w -= lr * w.grad\n', '        w -= 0.1 * w.grad\n'),
        ]),
        ('returns the loss tensor instead of a float', [
            ('    return loss.item()\n', '    return loss.detach()\n'),
        ]),
    ],
    'answer_neuron_grads': [
        ('sigmoid derivative forgotten (dL/dz = dL/dy_hat)', [
            ('    dL_dz = dL_dyhat * y_hat * (1 - y_hat)      # (N,): sigmoid\'(z) = s(1 - s)\n',
             '    dL_dz = dL_dyhat      # (N,): sigmoid\'(z) = s(1 - s)\n'),
        ]),
        ('sum instead of mean: factor 1/N forgotten', [
            ('    dL_dyhat = 2 * (y_hat - y) / len(x)         # (N,)\n', '    dL_dyhat = 2 * (y_hat - y)         # (N,)\n'),
        ]),
        ('dL/dw without the input x (chain stops at z)', [
            ('    return float((dL_dz * x).sum()), float(dL_dz.sum())\n', '    return float(dL_dz.sum()), float(dL_dz.sum())\n'),
        ]),
        ('[forbidden method] autograd instead of the chain rule (same numbers)', [
            ('    y_hat = torch.sigmoid(w * x + b)            # (N,)\n    dL_dyhat = 2 * (y_hat - y) / len(x)         # (N,)\n'
             '    dL_dz = dL_dyhat * y_hat * (1 - y_hat)      # (N,): sigmoid\'(z) = s(1 - s)\n'
             '    return float((dL_dz * x).sum()), float(dL_dz.sum())\n',
             '    with torch.enable_grad():\n        wt = torch.tensor(float(w), dtype=x.dtype, requires_grad=True)\n'
             '        bt = torch.tensor(float(b), dtype=x.dtype, requires_grad=True)\n'
             '        ((torch.sigmoid(wt * x + bt) - y) ** 2).mean().backward()\n'
             '    return float(wt.grad), float(bt.grad)\n'),
        ]),
        ('[forbidden method] torch.autograd.grad instead of the chain rule', [
            ('    y_hat = torch.sigmoid(w * x + b)            # (N,)\n    dL_dyhat = 2 * (y_hat - y) / len(x)         # (N,)\n'
             '    dL_dz = dL_dyhat * y_hat * (1 - y_hat)      # (N,): sigmoid\'(z) = s(1 - s)\n'
             '    return float((dL_dz * x).sum()), float(dL_dz.sum())\n',
             '    with torch.enable_grad():\n        p = torch.tensor([float(w), float(b)], dtype=x.dtype, requires_grad=True)\n'
             '        (g,) = torch.autograd.grad(((torch.sigmoid(p[0] * x + p[1]) - y) ** 2).mean(), p)\n'
             '    return float(g[0]), float(g[1])\n'),
        ]),
    ],
    'answer_mse': [
        ('mse sums instead of averaging', [
            ('    return ((y_hat - y) ** 2).mean()\n', '    return ((y_hat - y) ** 2).sum()\n'),
        ]),
        ('mean absolute error instead of squared', [
            ('    return ((y_hat - y) ** 2).mean()\n', '    return (y_hat - y).abs().mean()\n'),
        ]),
        ('[input modified] mse subtracts in place from y_hat', [
            ('    return ((y_hat - y) ** 2).mean()\n', '    y_hat -= y\n    return (y_hat ** 2).mean()\n'),
        ]),
        ('[average of unequal groups] mean of 4 chunk means (right only when N divides evenly)', [
            ('    return ((y_hat - y) ** 2).mean()\n',
             '    return torch.stack([c.mean() for c in ((y_hat - y) ** 2).chunk(4)]).mean()\n'),
        ]),
    ],
    'answer_fit_linear_regression': [
        ('no grad.zero_(): gradients accumulate over epochs', [
            ('        w.grad.zero_()\n        b.grad.zero_()\n', ''),
        ]),
        ('returns the untrained zeros (loop never runs)', [
            ('    for _ in range(num_epochs):\n', '    for _ in range(0):\n'),
        ]),
        ('only the bias is trained', [
            ('            w -= lr * w.grad\n', ''),
        ]),
        ('[argument ignored] num_epochs hard-coded to 200', [
            ('    for _ in range(num_epochs):\n', '    for _ in range(200):\n'),
        ]),
        ('[argument ignored] learning rate hard-coded to 0.1', [
            ('            w -= lr * w.grad\n            b -= lr * b.grad\n', '            w -= 0.1 * w.grad\n            b -= 0.1 * b.grad\n'),
        ]),
        ('[forbidden method] closed-form least squares (normal equation) instead of gradient descent', [
            ('    for _ in range(num_epochs):\n', '    for _ in range(0):\n'),
            ('    return w.detach(), b.detach()\n',
             '    A = torch.cat([X, torch.ones(len(X), 1)], dim=1)\n    sol = torch.linalg.lstsq(A, y[:, None]).solution[:, 0]\n'
             '    return sol[:-1].detach(), sol[-1].detach()\n'),
        ]),
        ('[input modified] centres X in place before training', [
            ('    w = torch.zeros(X.shape[1], requires_grad=True)\n',
             '    X -= X.mean(dim=0)\n    w = torch.zeros(X.shape[1], requires_grad=True)\n'),
        ]),
    ],
    'answer_quiz': [
        ('q1: int32 as the default integer dtype', [
            ('q1_dtype = torch.int64\n', 'q1_dtype = torch.int32\n'),
        ]),
        ('q2: shape read in the wrong order', [
            ('q2_shape = (4, 2, 3)\n', 'q2_shape = (3, 4, 2)\n'),
        ]),
        ('q3: gradients do not accumulate', [
            ('q3_grad = 12.0\n', 'q3_grad = 6.0\n'),
        ]),
        ('q4: the old 5-step PyTorch loop order', [
            ('q4_workflow = "B→E→C→G→A→D→H→F"\n', 'q4_workflow = "E→C→G→A→D"\n'),
        ]),
        ('q4: model chosen before the data are collected', [
            ('q4_workflow = "B→E→C→G→A→D→H→F"\n', 'q4_workflow = "B, G, E, C, A, D, H, F"\n'),
        ]),
        ('q5: training step filed under model evaluation', [
            ('q5_training_step = "A"\n', 'q5_training_step = "D"\n'),
        ]),
        ('q6: spam filter called self-supervised', [
            ('q6_spam = "지도 학습"\n', 'q6_spam = "자가 지도 학습"\n'),
        ]),
        ('q7: clustering called supervised', [
            ('q7_clusters = "비지도 학습"\n', 'q7_clusters = "지도"\n'),
        ]),
        ('q8: masked language modelling called unsupervised', [
            ('q8_masked_lm = "자가 지도 학습"\n', 'q8_masked_lm = "비지도"\n'),
        ]),
    ],
}
