"""Plausible wrong answers for week02_dnn: each must lose points (tests/test_grading_truth.py).

Format: ``WRONG_ANSWERS[answer grade_id] = [(description, [(old, new), ...]), ...]``. The test
takes the solution's answer cell (without the ``### BEGIN/END SOLUTION`` lines, ending in one newline), replaces each
``old`` snippet (which must occur exactly once) by ``new``, runs the notebook and requires
that it loses points.
"""

WRONG_ANSWERS: dict[str, list[tuple[str, list[tuple[str, str]]]]] = {
    'answer_dataset_loader': [
        ('labels converted to float32', [
            ('        self.y = torch.as_tensor(np.asarray(y), dtype=torch.int64)    # (N,)\n',
             '        self.y = torch.as_tensor(np.asarray(y), dtype=torch.float32)    # (N,)\n'),
        ]),
        ('torch.from_numpy keeps float64 pixels and int32 labels', [
            ('        self.X = torch.as_tensor(np.asarray(X), dtype=torch.float32)  # (N, 784)\n        self.y = torch.as_tensor(np.asarray(y), dtype=torch.int64)    # (N,)\n',
             '        self.X = torch.from_numpy(np.asarray(X))  # (N, 784)\n        self.y = torch.from_numpy(np.asarray(y))    # (N,)\n'),
        ]),
        ('drop_last=True loses the last, smaller batch', [
            ('    return DataLoader(MNISTDataset(X, y), batch_size=batch_size, shuffle=shuffle)\n',
             '    return DataLoader(MNISTDataset(X, y), batch_size=batch_size, shuffle=shuffle, drop_last=True)\n'),
        ]),
        ('shuffle argument ignored', [
            ('    return DataLoader(MNISTDataset(X, y), batch_size=batch_size, shuffle=shuffle)\n',
             '    return DataLoader(MNISTDataset(X, y), batch_size=batch_size)\n'),
        ]),
        ('__len__ returns the number of features', [
            ('        return len(self.X)\n',
             '        return self.X.shape[1]\n'),
        ]),
        ('label returned with shape (1,)', [
            ('        return self.X[idx], self.y[idx]\n',
             '        return self.X[idx], self.y[idx:idx + 1]\n'),
        ]),
    ],
    'answer_mlp': [
        ('softmax at the end (probabilities, not logits)', [
            ('        layers.append(nn.Linear(prev, num_outputs))\n',
             '        layers += [nn.Linear(prev, num_outputs), nn.Softmax(dim=1)]\n'),
        ]),
        ('sigmoid instead of ReLU', [
            ('            layers += [nn.Linear(prev, h), nn.ReLU()]\n',
             '            layers += [nn.Linear(prev, h), nn.Sigmoid()]\n'),
        ]),
        ('ReLU after the output layer too', [
            ('        layers.append(nn.Linear(prev, num_outputs))\n',
             '        layers += [nn.Linear(prev, num_outputs), nn.ReLU()]\n'),
        ]),
        ('layers without bias', [
            ('            layers += [nn.Linear(prev, h), nn.ReLU()]\n',
             '            layers += [nn.Linear(prev, h, bias=False), nn.ReLU()]\n'),
        ]),
        ('hard-coded 784-512-128-10, constructor arguments ignored', [
            ('        layers, prev = [nn.Flatten()], num_inputs\n        for h in num_hiddens:\n',
             '        layers, prev = [nn.Flatten()], 784\n        for h in (512, 128):\n'),
            ('        layers.append(nn.Linear(prev, num_outputs))\n',
             '        layers.append(nn.Linear(prev, 10))\n'),
        ]),
        ('only the first hidden size is used', [
            ('        for h in num_hiddens:\n',
             '        for h in num_hiddens[:1]:\n'),
        ]),
        ('no Flatten: image input (B, 1, 28, 28) fails', [
            ('        layers, prev = [nn.Flatten()], num_inputs\n',
             '        layers, prev = [], num_inputs\n'),
        ]),
    ],
    'answer_loss_choice': [
        ('BCELoss on logits for binary', [
            ('    return {"regression": nn.MSELoss(), "binary": nn.BCEWithLogitsLoss(),\n',
             '    return {"regression": nn.MSELoss(), "binary": nn.BCELoss(),\n'),
        ]),
        ('NLLLoss on logits for multiclass', [
            ('            "multiclass": nn.CrossEntropyLoss()}[task]\n',
             '            "multiclass": nn.NLLLoss()}[task]\n'),
        ]),
        ('L1Loss for regression', [
            ('    return {"regression": nn.MSELoss(), "binary": nn.BCEWithLogitsLoss(),\n',
             '    return {"regression": nn.L1Loss(), "binary": nn.BCEWithLogitsLoss(),\n'),
        ]),
        ('no squeeze: (B, 1) output broadcast against (B,) target', [
            ('    return loss_fn(output.squeeze(1), y.float())  # (B, 1) -> (B,)\n',
             '    return loss_fn(output, y.float())\n'),
        ]),
        ('binary with num_classes outputs and CrossEntropyLoss', [
            ('    num_outputs = num_classes if task == "multiclass" else 1\n',
             '    num_outputs = 1 if task == "regression" else num_classes\n'),
            ('    return {"regression": nn.MSELoss(), "binary": nn.BCEWithLogitsLoss(),\n',
             '    return {"regression": nn.MSELoss(), "binary": nn.CrossEntropyLoss(),\n'),
            ('    if task == "multiclass":\n',
             '    if task != "regression":\n'),
        ]),
        ('multiclass target left as given (int32 fails)', [
            ('        return loss_fn(output, y.long())\n',
             '        return loss_fn(output, y)\n'),
        ]),
    ],
    'answer_train_evaluate': [
        ('no optimizer.zero_grad(): gradients accumulate', [
            ('        optimizer.zero_grad()\n',
             ''),
        ]),
        ('loss summed over batches, not averaged', [
            ('        total += loss.item() * len(y)\n',
             '        total += loss.item()\n'),
            ('    return total / count\n\n',
             '    return total\n\n'),
        ]),
        ('no model.eval() in evaluate (dropout active, BatchNorm statistics updated)', [
            ('    model.eval()\n',
             ''),
        ]),
        ('evaluate without torch.no_grad()', [
            ('    with torch.no_grad():\n        for X, y in loader:\n            X, y = X.to(device), y.to(device)\n            total += loss_fn(model(X), y).item() * len(y)\n            count += len(y)\n',
             '    for X, y in loader:\n        X, y = X.to(device), y.to(device)\n        total += loss_fn(model(X), y).item() * len(y)\n        count += len(y)\n'),
        ]),
        ('evaluate copies the training loop (backward + step updates the weights)', [
            ('    model.eval()\n',
             '    model.eval()\n    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)\n'),
            ('    with torch.no_grad():\n        for X, y in loader:\n            X, y = X.to(device), y.to(device)\n            total += loss_fn(model(X), y).item() * len(y)\n            count += len(y)\n',
             '    for X, y in loader:\n        X, y = X.to(device), y.to(device)\n        optimizer.zero_grad()\n        loss = loss_fn(model(X), y)\n        loss.backward()\n        optimizer.step()\n        total += loss.item() * len(y)\n        count += len(y)\n'),
        ]),
        ('evaluate averages batch means without weighting by batch size', [
            ('            total += loss_fn(model(X), y).item() * len(y)\n            count += len(y)\n',
             '            total += loss_fn(model(X), y).item()\n            count += 1\n'),
        ]),
        ('train_one_epoch never calls model.train()', [
            ('    model.train()\n',
             ''),
        ]),
    ],
    'answer_early_stopping': [
        ('best weights stored without a copy (live state_dict)', [
            ('            self.best_state_dict = copy.deepcopy(model.state_dict())\n',
             '            self.best_state_dict = model.state_dict()\n'),
        ]),
        ('<= counts an equal loss as an improvement', [
            ('        if val_loss < self.best_loss - self.tol:\n',
             '        if val_loss <= self.best_loss - self.tol:\n'),
        ]),
        ('counter not reset on improvement', [
            ('            self.num_bad_epochs = 0\n',
             ''),
        ]),
        ('tol ignored', [
            ('        if val_loss < self.best_loss - self.tol:\n',
             '        if val_loss < self.best_loss:\n'),
        ]),
        ('stops one epoch late (> patience)', [
            ('        return self.num_bad_epochs >= self.patience\n',
             '        return self.num_bad_epochs > self.patience\n'),
        ]),
    ],
    'answer_train_mnist': [
        ('untrained model: the loop runs 0 epochs', [
            ('num_epochs = 15\n',
             'num_epochs = 0\n'),
        ]),
        ('one epoch of plain SGD with lr=0.01', [
            ('optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)\n',
             'optimizer = torch.optim.SGD(model.parameters(), lr=0.01)\n'),
            ('num_epochs = 15\n',
             'num_epochs = 1\n'),
        ]),
        ('learning rate far too high (Adam lr=1.0)', [
            ('optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)\n',
             'optimizer = torch.optim.Adam(model.parameters(), lr=1.0)\n'),
        ]),
        ('labels shuffled independently of the images', [
            ('train_loader = make_loader(X_train, y_train, batch_size=32, shuffle=True)\n',
             'train_loader = make_loader(X_train, np.random.permutation(y_train), batch_size=32, shuffle=True)\n'),
        ]),
    ],
    'answer_train_regression': [
        ('untrained model: the loop runs 0 epochs', [
            ('for epoch in range(1, 101):\n',
             'for epoch in range(1, 1):\n'),
        ]),
        ('MSELoss on (B, 1) outputs vs (B,) targets (broadcasting)', [
            ('    reg_loss = train_one_epoch(reg_model, reg_loader, lambda out, y: compute_loss("regression", out, y), reg_opt)\n',
             '    reg_loss = train_one_epoch(reg_model, reg_loader, nn.MSELoss(), reg_opt)\n'),
        ]),
        ('learning rate too small for the epochs given', [
            ('reg_opt = torch.optim.Adam(reg_model.parameters(), lr=1e-3)\nfor epoch in range(1, 101):\n',
             'reg_opt = torch.optim.Adam(reg_model.parameters(), lr=1e-5)\nfor epoch in range(1, 21):\n'),
        ]),
    ],
    'answer_mlp_bn': [
        ('BatchNorm without affine parameters', [
            ('            layers += [nn.Linear(prev, h), nn.BatchNorm1d(h), nn.ReLU(), nn.Dropout(dropout)]\n',
             '            layers += [nn.Linear(prev, h), nn.BatchNorm1d(h, affine=False), nn.ReLU(), nn.Dropout(dropout)]\n'),
        ]),
        ('no Dropout', [
            ('            layers += [nn.Linear(prev, h), nn.BatchNorm1d(h), nn.ReLU(), nn.Dropout(dropout)]\n',
             '            layers += [nn.Linear(prev, h), nn.BatchNorm1d(h), nn.ReLU()]\n'),
        ]),
        ('ReLU before BatchNorm', [
            ('            layers += [nn.Linear(prev, h), nn.BatchNorm1d(h), nn.ReLU(), nn.Dropout(dropout)]\n',
             '            layers += [nn.Linear(prev, h), nn.ReLU(), nn.BatchNorm1d(h), nn.Dropout(dropout)]\n'),
        ]),
        ('dropout argument ignored (always 0.5)', [
            ('            layers += [nn.Linear(prev, h), nn.BatchNorm1d(h), nn.ReLU(), nn.Dropout(dropout)]\n',
             '            layers += [nn.Linear(prev, h), nn.BatchNorm1d(h), nn.ReLU(), nn.Dropout(0.5)]\n'),
        ]),
        ('BatchNorm after the output layer too', [
            ('        layers.append(nn.Linear(prev, num_outputs))\n',
             '        layers += [nn.Linear(prev, num_outputs), nn.BatchNorm1d(num_outputs)]\n'),
        ]),
    ],
    'answer_quiz': [
        ('q1: iterations = samples', [
            ('q1_iters_per_epoch = 100\n',
             'q1_iters_per_epoch = 10000\n'),
        ]),
        ('q2: last partial batch dropped', [
            ('q2_total_iters = 55\n',
             'q2_total_iters = 50\n'),
        ]),
        ('q3: sigmoid(0) instead of its derivative', [
            ('q3_sigmoid_grad_max = 0.25\n',
             'q3_sigmoid_grad_max = 0.5\n'),
        ]),
        ('q4: BCEWithLogitsLoss after a sigmoid', [
            ('q4_loss_for_sigmoid = nn.BCELoss\n',
             'q4_loss_for_sigmoid = nn.BCEWithLogitsLoss\n'),
        ]),
        ('q5: bias forgotten', [
            ('q5_linear_params = 16448\n',
             'q5_linear_params = 16384\n'),
        ]),
        ('q6: a bigger model against overfitting', [
            ('q6_reduce_overfitting = {"A", "C", "D", "F"}\n',
             'q6_reduce_overfitting = {"A", "B", "C", "D"}\n'),
        ]),
        ('q7: batch statistics in eval mode', [
            ('q7_bn_eval_stats = "B"\n',
             'q7_bn_eval_stats = "A"\n'),
        ]),
        ('q8: zero_grad between backward and step', [
            ('q8_step_order = "CDBA"\n',
             'q8_step_order = "DBCA"\n'),
        ]),
    ],
}
