"""Plausible alternative CORRECT answers for week02_dnn: each must score full marks.

Same format as tests/wrong_answers/week02_dnn.py, but the dict is ``ALTERNATIVE_ANSWERS``.
"""

ALTERNATIVE_ANSWERS: dict[str, list[tuple[str, list[tuple[str, str]]]]] = {
    'answer_mnist_dataset': [
        ('torch.tensor(...).float() / .long()', [
            ('        self.X = torch.as_tensor(np.asarray(X), dtype=torch.float32)  # (N, 784)\n        self.y = torch.as_tensor(np.asarray(y), dtype=torch.int64)    # (N,)\n',
             '        self.X = torch.tensor(np.asarray(X)).float()  # (N, 784)\n        self.y = torch.tensor(np.asarray(y)).long()    # (N,)\n'),
        ]),
        ('keeps NumPy arrays, converts per item', [
            ('        self.X = torch.as_tensor(np.asarray(X), dtype=torch.float32)  # (N, 784)\n        self.y = torch.as_tensor(np.asarray(y), dtype=torch.int64)    # (N,)\n',
             '        self.X, self.y = np.asarray(X), np.asarray(y)\n'),
            ('        return self.X[idx], self.y[idx]\n',
             '        return torch.tensor(self.X[idx], dtype=torch.float32), torch.tensor(int(self.y[idx]))\n'),
        ]),
    ],
    'answer_make_loader': [
        ('keyword drop_last=False spelled out', [
            ('batch_size=batch_size, shuffle=shuffle)', 'batch_size=batch_size, shuffle=shuffle, drop_last=False)'),
        ]),
    ],
    'answer_mlp': [
        ('ModuleList of Linear layers and F.relu in forward', [
            ('        layers, prev = [nn.Flatten()], num_inputs\n        for h in num_hiddens:\n            layers += [nn.Linear(prev, h), nn.ReLU()]\n            prev = h\n        layers.append(nn.Linear(prev, num_outputs))\n        self.net = nn.Sequential(*layers)\n',
             '        sizes = [num_inputs, *num_hiddens, num_outputs]\n        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))\n'),
            ('        return self.net(x)  # (B, num_outputs) logits\n',
             '        x = x.flatten(1)\n        for layer in self.layers[:-1]:\n            x = torch.relu(layer(x))\n        return self.layers[-1](x)  # (B, num_outputs) logits\n'),
        ]),
    ],
    'answer_make_output_layer': [
        ('if/else', [
            ('    num_outputs = num_classes if task == "multiclass" else 1\n    return nn.Linear(num_hiddens, num_outputs)\n',
             '    if task == "multiclass":\n        return nn.Linear(num_hiddens, num_classes)\n    return nn.Linear(num_hiddens, 1)\n'),
        ]),
    ],
    'answer_make_loss': [
        ('if/elif', [
            ('    return {"regression": nn.MSELoss(), "binary": nn.BCEWithLogitsLoss(),\n            "multiclass": nn.CrossEntropyLoss()}[task]\n',
             '    if task == "regression":\n        return nn.MSELoss()\n    if task == "binary":\n        return nn.BCEWithLogitsLoss()\n    return nn.CrossEntropyLoss()\n'),
        ]),
    ],
    'answer_compute_loss': [
        ('view(-1) and .to(dtype)', [
            ('    return loss_fn(output.squeeze(1), y.float())  # (B, 1) -> (B,)\n', '    return loss_fn(output.view(-1), y.to(torch.float32))  # (B, 1) -> (B,)\n'),
            ('        return loss_fn(output, y.long())\n', '        return loss_fn(output, y.to(torch.int64))\n'),
        ]),
        ('target unsqueezed to (B, 1) instead of squeezing the output', [
            ('    return loss_fn(output.squeeze(1), y.float())  # (B, 1) -> (B,)\n', '    return loss_fn(output, y.float().unsqueeze(1))  # (B,) -> (B, 1)\n'),
        ]),
    ],
    'answer_train_one_epoch': [
        ('len(loader.dataset) as the denominator, stderr progress line', [
            ('    return total / count\n',
             '    import sys\n    print(f"epoch loss {total / len(loader.dataset):.4f}", file=sys.stderr)\n    return total / len(loader.dataset)\n'),
        ]),
        ('X.size(0) and zero_grad after step', [
            ('        optimizer.zero_grad()\n        loss = loss_fn(model(X), y)\n        loss.backward()\n        optimizer.step()\n',
             '        loss = loss_fn(model(X), y)\n        loss.backward()\n        optimizer.step()\n        optimizer.zero_grad()\n'),
            ('        total += loss.item() * len(y)\n        count += len(y)\n', '        total += loss.item() * X.size(0)\n        count += X.size(0)\n'),
        ]),
    ],
    'answer_evaluate': [
        ('@torch.no_grad() style via inference_mode', [
            ('    with torch.no_grad():\n', '    with torch.inference_mode():\n'),
        ]),
    ],
    'answer_early_stopping': [
        ('state_dict copied with clone() per tensor', [
            ('            self.best_state_dict = copy.deepcopy(model.state_dict())\n',
             '            self.best_state_dict = {k: v.detach().clone() for k, v in model.state_dict().items()}\n'),
        ]),
    ],
    'answer_train_mnist': [
        ('the lecture recipe: fixed 15 epochs, no early stopping', [
            ('num_epochs = 20\n', 'num_epochs = 12\n'),
            ('    if stopper.step(val_loss, model):\n        break\nstopper.restore_best(model)\n', ''),
        ]),
    ],
    'answer_train_regression': [
        ('SGD + momentum (recommended alternative)', [
            ('reg_opt = torch.optim.Adam(reg_model.parameters(), lr=1e-3)\n', 'reg_opt = torch.optim.SGD(reg_model.parameters(), lr=0.01, momentum=0.9)\n'),
        ]),
        ('64-32 network with AdamW', [
            ('reg_model = MLP(10, (32,), 1).to(device)\nreg_opt = torch.optim.Adam(reg_model.parameters(), lr=1e-3)\n',
             'reg_model = MLP(10, (64, 32), 1).to(device)\nreg_opt = torch.optim.AdamW(reg_model.parameters(), lr=1e-3, weight_decay=1e-2)\n'),
        ]),
    ],
    'answer_mlp_bn': [
        ('Linear without bias before BatchNorm is NOT the spec; instead: explicit ModuleList blocks', [
            ('        self.net = nn.Sequential(*layers)\n', '        self.net = nn.Sequential(*[m for m in layers])\n'),
        ]),
    ],
    'answer_quiz': [
        ('other spellings', [
            ('q6_reduce_overfitting = {"A", "C", "D", "F", "G"}\n', 'q6_reduce_overfitting = {"a", "c", "d", "f", "g"}\n'),
            ('q8_step_order = "C→D→B→A"\n', 'q8_step_order = "D, C, B, A"\n'),
            ('q9_optimizer = "C"\n', 'q9_optimizer = "(c)"\n'),
            ('q3_sigmoid_grad_max = 0.25\n', 'q3_sigmoid_grad_max = 1 / 4\n'),
        ]),
    ],
}
