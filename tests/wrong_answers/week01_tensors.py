"""Plausible wrong answers for week01_tensors: each must lose points (tests/test_grading_truth.py).

Format: ``WRONG_ANSWERS[answer grade_id] = [(description, [(old, new), ...]), ...]``. The test
takes the solution's answer cell (without the ``### BEGIN/END SOLUTION`` lines, ending in one newline), replaces each
``old`` snippet (which must occur exactly once) by ``new``, runs the notebook and requires
that it loses points.
"""

WRONG_ANSWERS: dict[str, list[tuple[str, list[tuple[str, str]]]]] = {
    'answer_tensor_creation': [
        ('to_float_tensor keeps the input dtype (no dtype=torch.float32)', [
            ('    return torch.as_tensor(np.asarray(values), dtype=torch.float32)\n',
             '    return torch.as_tensor(np.asarray(values))\n'),
        ]),
        ('make_grid fills column by column (view(m, n).T)', [
            ('    return torch.arange(n * m, dtype=torch.int64).view(n, m)  # (n*m,) -> (n, m)\n',
             '    return torch.arange(n * m, dtype=torch.int64).view(m, n).T  # (n*m,) -> (n, m)\n'),
        ]),
        ('make_grid returns float32', [
            ('    return torch.arange(n * m, dtype=torch.int64).view(n, m)  # (n*m,) -> (n, m)\n',
             '    return torch.arange(n * m, dtype=torch.float32).view(n, m)  # (n*m,) -> (n, m)\n'),
        ]),
    ],
    'answer_reshaping': [
        ('reshape instead of permute (right shape, scrambled pixels)', [
            ('    return images.permute(0, 3, 1, 2)  # (B, H, W, C) -> (B, C, H, W)\n',
             '    return images.reshape(images.shape[0], images.shape[3], images.shape[1], images.shape[2])  # (B, H, W, C) -> (B, C, H, W)\n'),
        ]),
        ('flatten_batch flattens the batch axis too', [
            ('    return x.flatten(start_dim=1)  # (B, ...) -> (B, prod(...))\n',
             '    return x.flatten()  # (B, ...) -> (B, prod(...))\n'),
        ]),
        ('flatten_batch squeezes away a batch of size 1', [
            ('    return x.flatten(start_dim=1)  # (B, ...) -> (B, prod(...))\n',
             '    return x.reshape(x.shape[0], -1).squeeze()  # (B, ...) -> (B, prod(...))\n'),
        ]),
        ('add_batch_dim appends the new axis at the end', [
            ('    return x.unsqueeze(0)  # (C, H, W) -> (1, C, H, W)\n',
             '    return x.unsqueeze(-1)  # (C, H, W) -> (1, C, H, W)\n'),
        ]),
    ],
    'answer_indexing': [
        ('chained indexing t[t < 0][:] = 0 (modifies a copy)', [
            ('    t[t < 0] = 0\n',
             '    t[t < 0][:] = 0\n'),
        ]),
        ('set_row_ works on a clone, the original is unchanged', [
            ('    """Set row i of t to value in place; return t."""\n',
             '    """Set row i of t to value in place; return t."""\n    t = t.clone()\n'),
        ]),
        ('select_above multiplies by the mask (zeros kept) instead of selecting', [
            ('    return x[x > threshold]\n',
             '    return x * (x > threshold)\n'),
        ]),
    ],
    'answer_broadcasting': [
        ('unbiased std (N - 1) instead of the population std', [
            ('    return (X - X.mean(dim=0)) / X.std(dim=0, correction=0)\n',
             '    return (X - X.mean(dim=0)) / X.std(dim=0)\n'),
        ]),
        ('mean and std over the wrong dim (rows)', [
            ('    return (X - X.mean(dim=0)) / X.std(dim=0, correction=0)\n',
             '    return (X - X.mean(dim=1, keepdim=True)) / X.std(dim=1, correction=0, keepdim=True)\n'),
        ]),
        ('L1 instead of squared Euclidean distance', [
            ('    return (diff ** 2).sum(dim=-1)  # (N, M)\n',
             '    return diff.abs().sum(dim=-1)  # (N, M)\n'),
        ]),
        ('distances summed over the wrong axis', [
            ('    return (diff ** 2).sum(dim=-1)  # (N, M)\n',
             '    return (diff ** 2).sum(dim=0)  # (N, M)\n'),
        ]),
    ],
    'answer_reductions': [
        ('max over dim=0 (columns) instead of rows', [
            ('    values, indices = x.max(dim=1)\n',
             '    values, indices = x.max(dim=0)\n'),
        ]),
        ('accuracy returned as a tensor (no .item())', [
            ('    return (logits.argmax(dim=1) == labels).float().mean().item()\n',
             '    return (logits.argmax(dim=1) == labels).float().mean()\n'),
        ]),
        ('argmax over the batch axis', [
            ('    return (logits.argmax(dim=1) == labels).float().mean().item()\n',
             '    return (logits.argmax(dim=0)[:len(labels)] == labels).float().mean().item()\n'),
        ]),
    ],
    'answer_autograd': [
        ('no w.grad.zero_(): gradients accumulate', [
            ('    w.grad.zero_()\n',
             ''),
        ]),
        ('rebinding w = w - lr * grad instead of an in-place update', [
            ('        w -= lr * w.grad\n    w.grad.zero_()\n',
             '        w = w - lr * w.grad\n'),
        ]),
        ('returns the loss after the update', [
            ('    return loss.item()\n',
             '    return loss_fn(w).item()\n'),
        ]),
        ('gradient returns 2 * x for every function', [
            ('    f(x).backward()\n    return x.grad\n',
             '    return 2 * x.detach()\n'),
        ]),
    ],
    'answer_linear_regression': [
        ('mse sums instead of averaging', [
            ('    return ((y_hat - y) ** 2).mean()\n',
             '    return ((y_hat - y) ** 2).sum()\n'),
        ]),
        ('no grad.zero_(): gradients accumulate over epochs', [
            ('        w.grad.zero_()\n        b.grad.zero_()\n',
             ''),
        ]),
        ('returns the untrained zeros (loop never runs)', [
            ('    for _ in range(num_epochs):\n',
             '    for _ in range(0):\n'),
        ]),
        ('only the bias is trained', [
            ('            w -= lr * w.grad\n',
             ''),
        ]),
    ],
    'answer_quiz': [
        ('q1: int32 as the default integer dtype', [
            ('q1_dtype = torch.int64\n',
             'q1_dtype = torch.int32\n'),
        ]),
        ('q2: shape read in the wrong order', [
            ('q2_shape = (4, 2, 3)\n',
             'q2_shape = (3, 4, 2)\n'),
        ]),
        ('q3: gradients do not accumulate', [
            ('q3_grad = 12.0\n',
             'q3_grad = 6.0\n'),
        ]),
        ('q4: loss before model', [
            ('q4_workflow = "BDAEC"\n',
             'q4_workflow = "BADEC"\n'),
        ]),
        ('q5: masked language modelling called unsupervised', [
            ('q5_learning_types = {"spam": "지도", "clusters": "비지도", "masked_lm": "자가 지도"}\n',
             'q5_learning_types = {"spam": "지도", "clusters": "비지도", "masked_lm": "비지도"}\n'),
        ]),
    ],
}
