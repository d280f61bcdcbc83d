"""Plausible wrong answers for week02_dnn: each must lose points (tests/test_grading_truth.py),
and only in the test cells of its own part.

Format: ``WRONG_ANSWERS[answer grade_id] = [(description, [(old, new), ...]), ...]``. The test
takes the solution's answer cell (without the ``### BEGIN/END SOLUTION`` lines, ending in one newline), replaces each
``old`` snippet (which must occur exactly once) by ``new``, runs the notebook and requires
that it loses points.

Kinds of mistake the hidden tests must catch (issue 8), at least two each, tagged in the
descriptions: [boundary], [input modified], [argument ignored], [forbidden method],
[unequal batches], [test data] (training or selecting on the held-out test set).
"""

_TRAIN_LOOP = ('    total, count = 0.0, 0\n    for X, y in loader:\n        X, y = X.to(device), y.to(device)\n'
               '        optimizer.zero_grad()\n')

WRONG_ANSWERS: dict[str, list[tuple[str, list[tuple[str, str]]]]] = {
    'answer_mnist_dataset': [
        ('labels converted to float32', [
            ('dtype=torch.int64)    # (N,)', 'dtype=torch.float32)    # (N,)'),
        ]),
        ('torch.from_numpy keeps float64 pixels and int32 labels', [
            ('        self.X = torch.as_tensor(np.asarray(X), dtype=torch.float32)  # (N, 784)\n        self.y = torch.as_tensor(np.asarray(y), dtype=torch.int64)    # (N,)\n',
             '        self.X = torch.from_numpy(np.asarray(X))  # (N, 784)\n        self.y = torch.from_numpy(np.asarray(y))    # (N,)\n'),
        ]),
        ('__len__ returns the number of features', [
            ('        return len(self.X)\n', '        return self.X.shape[1]\n'),
        ]),
        ('label returned with shape (1,)', [
            ('        return self.X[idx], self.y[idx]\n', '        return self.X[idx], self.y[idx:idx + 1]\n'),
        ]),
        ('[input modified] pixels centred in place in the caller\'s array', [
            ('        self.X = torch.as_tensor(np.asarray(X), dtype=torch.float32)  # (N, 784)\n',
             '        X = np.asarray(X)\n        X -= X.mean() * 0 + 1e-3\n        self.X = torch.as_tensor(X, dtype=torch.float32)  # (N, 784)\n'),
        ]),
        ('[boundary] __getitem__ skips the last sample (idx % (N - 1))', [
            ('        return self.X[idx], self.y[idx]\n', '        idx = idx % (len(self.X) - 1) if len(self.X) > 1 else idx\n        return self.X[idx], self.y[idx]\n'),
        ]),
    ],
    'answer_make_loader': [
        ('drop_last=True loses the last, smaller batch', [
            ('batch_size=batch_size, shuffle=shuffle)', 'batch_size=batch_size, shuffle=shuffle, drop_last=True)'),
        ]),
        ('[argument ignored] shuffle argument ignored', [
            ('batch_size=batch_size, shuffle=shuffle)', 'batch_size=batch_size)'),
        ]),
        ('[argument ignored] batch size hard-coded to 32', [
            ('batch_size=batch_size, shuffle=shuffle)', 'batch_size=32, shuffle=shuffle)'),
        ]),
        ('always shuffles', [
            ('batch_size=batch_size, shuffle=shuffle)', 'batch_size=batch_size, shuffle=True)'),
        ]),
    ],
    'answer_mlp': [
        ('softmax at the end (probabilities, not logits)', [
            ('        layers.append(nn.Linear(prev, num_outputs))\n', '        layers += [nn.Linear(prev, num_outputs), nn.Softmax(dim=1)]\n'),
        ]),
        ('sigmoid instead of ReLU', [
            ('            layers += [nn.Linear(prev, h), nn.ReLU()]\n', '            layers += [nn.Linear(prev, h), nn.Sigmoid()]\n'),
        ]),
        ('ReLU after the output layer too', [
            ('        layers.append(nn.Linear(prev, num_outputs))\n', '        layers += [nn.Linear(prev, num_outputs), nn.ReLU()]\n'),
        ]),
        ('layers without bias', [
            ('            layers += [nn.Linear(prev, h), nn.ReLU()]\n', '            layers += [nn.Linear(prev, h, bias=False), nn.ReLU()]\n'),
        ]),
        ('[argument ignored] hard-coded 784-512-128-10, constructor arguments ignored', [
            ('        layers, prev = [nn.Flatten()], num_inputs\n        for h in num_hiddens:\n',
             '        layers, prev = [nn.Flatten()], 784\n        for h in (512, 128):\n'),
            ('        layers.append(nn.Linear(prev, num_outputs))\n', '        layers.append(nn.Linear(prev, 10))\n'),
        ]),
        ('only the first hidden size is used', [
            ('        for h in num_hiddens:\n', '        for h in num_hiddens[:1]:\n'),
        ]),
        ('no Flatten: image input (B, 1, 28, 28) fails', [
            ('        layers, prev = [nn.Flatten()], num_inputs\n', '        layers, prev = [], num_inputs\n'),
        ]),
        ('[boundary] first layer built from num_hiddens[0] (fails for num_hiddens=())', [
            ('        layers, prev = [nn.Flatten()], num_inputs\n        for h in num_hiddens:\n',
             '        layers, prev = [nn.Flatten(), nn.Linear(num_inputs, num_hiddens[0]), nn.ReLU()], num_hiddens[0]\n        for h in num_hiddens[1:]:\n'),
        ]),
    ],
    'answer_make_output_layer': [
        ('binary with num_classes outputs', [
            ('    num_outputs = num_classes if task == "multiclass" else 1\n', '    num_outputs = 1 if task == "regression" else num_classes\n'),
        ]),
        ('[argument ignored] multiclass always 10 outputs', [
            ('    num_outputs = num_classes if task == "multiclass" else 1\n', '    num_outputs = 10 if task == "multiclass" else 1\n'),
        ]),
        ('binary with two outputs', [
            ('    num_outputs = num_classes if task == "multiclass" else 1\n', '    num_outputs = num_classes if task == "multiclass" else (2 if task == "binary" else 1)\n'),
        ]),
    ],
    'answer_make_loss': [
        ('[forbidden method] BCELoss on logits for binary', [
            ('"binary": nn.BCEWithLogitsLoss(),', '"binary": nn.BCELoss(),'),
        ]),
        ('NLLLoss on logits for multiclass', [
            ('"multiclass": nn.CrossEntropyLoss()}[task]', '"multiclass": nn.NLLLoss()}[task]'),
        ]),
        ('L1Loss for regression', [
            ('{"regression": nn.MSELoss(),', '{"regression": nn.L1Loss(),'),
        ]),
    ],
    'answer_compute_loss': [
        ('no squeeze: (B, 1) output broadcast against (B,) target', [
            ('    return loss_fn(output.squeeze(1), y.float())  # (B, 1) -> (B,)\n', '    return loss_fn(output, y.float())\n'),
        ]),
        ('multiclass target left as given (int32 fails)', [
            ('        return loss_fn(output, y.long())\n', '        return loss_fn(output, y)\n'),
        ]),
        ('[forbidden method] binary via torch.sigmoid + BCELoss (clamps at large logits)', [
            ('    if task == "multiclass":\n', '    if task == "binary":\n        return nn.BCELoss()(torch.sigmoid(output.squeeze(1)), y.float())\n    if task == "multiclass":\n'),
        ]),
        ('[input modified] squeeze_ changes the caller\'s output tensor', [
            ('    return loss_fn(output.squeeze(1), y.float())  # (B, 1) -> (B,)\n', '    return loss_fn(output.squeeze_(1), y.float())  # (B, 1) -> (B,)\n'),
        ]),
        ('[boundary] squeeze() without a dim: B = 1 gives a 0-d output', [
            ('    return loss_fn(output.squeeze(1), y.float())  # (B, 1) -> (B,)\n', '    return loss_fn(output.squeeze(), y.float())  # (B, 1) -> (B,)\n'),
        ]),
    ],
    'answer_train_one_epoch': [
        ('no optimizer.zero_grad(): gradients accumulate', [
            ('        optimizer.zero_grad()\n', ''),
        ]),
        ('loss summed over batches, not averaged', [
            ('        total += loss.item() * len(y)\n', '        total += loss.item()\n'),
            ('    return total / count\n', '    return total\n'),
        ]),
        ('train_one_epoch never calls model.train()', [
            ('    model.train()\n', ''),
        ]),
        ('[unequal batches] mean of batch means', [
            ('        total += loss.item() * len(y)\n        count += len(y)\n', '        total += loss.item()\n        count += 1\n'),
        ]),
        ('[unequal batches] divides by batches x batch size of the first batch', [
            ('        count += len(y)\n', '        count += loader.batch_size\n'),
        ]),
        ('[argument ignored] a new SGD optimizer instead of the one passed in', [
            ('    model.train()\n', '    model.train()\n    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n'),
        ]),
    ],
    'answer_evaluate': [
        ('no model.eval() in evaluate (dropout active, BatchNorm statistics updated)', [
            ('    model.eval()\n', ''),
        ]),
        ('evaluate without torch.no_grad()', [
            ('    with torch.no_grad():\n        for X, y in loader:\n            X, y = X.to(device), y.to(device)\n            total += loss_fn(model(X), y).item() * len(y)\n            count += len(y)\n',
             '    for X, y in loader:\n        X, y = X.to(device), y.to(device)\n        total += loss_fn(model(X), y).item() * len(y)\n        count += len(y)\n'),
        ]),
        ('evaluate copies the training loop (backward + step updates the weights)', [
            ('    model.eval()\n', '    model.eval()\n    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)\n'),
            ('    with torch.no_grad():\n        for X, y in loader:\n            X, y = X.to(device), y.to(device)\n            total += loss_fn(model(X), y).item() * len(y)\n            count += len(y)\n',
             '    for X, y in loader:\n        X, y = X.to(device), y.to(device)\n        optimizer.zero_grad()\n        loss = loss_fn(model(X), y)\n        loss.backward()\n        optimizer.step()\n        total += loss.item() * len(y)\n        count += len(y)\n'),
        ]),
        ('[unequal batches] evaluate averages batch means without weighting by batch size', [
            ('            total += loss_fn(model(X), y).item() * len(y)\n            count += len(y)\n',
             '            total += loss_fn(model(X), y).item()\n            count += 1\n'),
        ]),
        ('[forbidden method] torch.enable_grad inside: the outputs build a graph', [
            ('            total += loss_fn(model(X), y).item() * len(y)\n',
             '            with torch.enable_grad():\n                total += loss_fn(model(X), y).item() * len(y)\n'),
        ]),
    ],
    'answer_early_stopping': [
        ('best weights stored without a copy (live state_dict)', [
            ('            self.best_state_dict = copy.deepcopy(model.state_dict())\n', '            self.best_state_dict = model.state_dict()\n'),
        ]),
        ('[boundary: ties] <= counts an equal loss as an improvement', [
            ('        if val_loss < self.best_loss - self.tol:\n', '        if val_loss <= self.best_loss - self.tol:\n'),
        ]),
        ('counter not reset on improvement', [
            ('            self.num_bad_epochs = 0\n', ''),
        ]),
        ('[argument ignored] tol ignored', [
            ('        if val_loss < self.best_loss - self.tol:\n', '        if val_loss < self.best_loss:\n'),
        ]),
        ('[boundary] stops one epoch late (> patience)', [
            ('        return self.num_bad_epochs >= self.patience\n', '        return self.num_bad_epochs > self.patience\n'),
        ]),
        ('[argument ignored] patience hard-coded to 3', [
            ('        return self.num_bad_epochs >= self.patience\n', '        return self.num_bad_epochs >= 3\n'),
        ]),
    ],
    'answer_train_mnist': [
        ('untrained model: the loop runs 0 epochs', [
            ('num_epochs = 20\n', 'num_epochs = 0\n'),
        ]),
        ('one epoch of plain SGD with lr=0.01', [
            ('optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)\n', 'optimizer = torch.optim.SGD(model.parameters(), lr=0.01)\n'),
            ('num_epochs = 20\n', 'num_epochs = 1\n'),
        ]),
        ('learning rate far too high (Adam lr=1.0)', [
            ('optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)\n', 'optimizer = torch.optim.Adam(model.parameters(), lr=1.0)\n'),
        ]),
        ('labels shuffled independently of the images', [
            ('train_loader = make_loader(X_train, y_train, batch_size=32, shuffle=True)\n',
             'train_loader = make_loader(X_train, np.random.permutation(y_train), batch_size=32, shuffle=True)\n'),
        ]),
        ('[test data] early stopping on the test set (load_mnist_5k_test)', [
            ('val_loader = make_loader(X_val, y_val, batch_size=256, shuffle=False)\n',
             'from autograder.data import load_mnist_5k_test\nval_loader = make_loader(*load_mnist_5k_test(), batch_size=256, shuffle=False)\n'),
        ]),
        ('[test data] trains on the legacy train/test split, test rows included', [
            ('train_loader = make_loader(X_train, y_train, batch_size=32, shuffle=True)\n',
             '_a, _b, _c, _d = load_mnist_5k()\ntrain_loader = make_loader(np.concatenate([_a, _c]), np.concatenate([_b, _d]), batch_size=32, shuffle=True)\n'),
        ]),
    ],
    'answer_train_regression': [
        ('untrained model: the loop runs 0 epochs', [
            ('for epoch in range(1, 101):\n', 'for epoch in range(1, 1):\n'),
        ]),
        ('MSELoss on (B, 1) outputs vs (B,) targets (broadcasting)', [
            ('reg_loss_fn = lambda out, y: compute_loss("regression", out, y)\n', 'reg_loss_fn = nn.MSELoss()\n'),
        ]),
        ('learning rate too small for the epochs given', [
            ('reg_opt = torch.optim.Adam(reg_model.parameters(), lr=1e-3)\nfor epoch in range(1, 101):\n',
             'reg_opt = torch.optim.Adam(reg_model.parameters(), lr=1e-5)\nfor epoch in range(1, 21):\n'),
        ]),
        ('make_loader reused: regression targets silently cast to int64', [
            ('reg_loader = DataLoader(TensorDataset(torch.from_numpy(Xr_train), torch.from_numpy(yr_train)),\n                        batch_size=32, shuffle=True)\n',
             'reg_loader = make_loader(Xr_train, yr_train, batch_size=32, shuffle=True)\n'),
        ]),
        ('[test data] trains on the diabetes test rows', [
            ('reg_loader = DataLoader(TensorDataset(torch.from_numpy(Xr_train), torch.from_numpy(yr_train)),\n',
             'from autograder.data import load_diabetes_test\n_Xt, _yt = load_diabetes_test()\n'
             'reg_loader = DataLoader(TensorDataset(torch.from_numpy(np.concatenate([Xr_train, _Xt])), torch.from_numpy(np.concatenate([yr_train, _yt]))),\n'),
        ]),
        ('[test data] validation MSE measured on the legacy test split', [
            ('reg_val_loader = DataLoader(TensorDataset(torch.from_numpy(Xr_val), torch.from_numpy(yr_val)), batch_size=128)\n',
             '_, _, _Xt, _yt = load_diabetes_split(as_tensors=True)\nreg_val_loader = DataLoader(TensorDataset(_Xt, _yt), batch_size=128)\n'),
        ]),
    ],
    'answer_mlp_bn': [
        ('BatchNorm without affine parameters', [
            ('nn.BatchNorm1d(h), nn.ReLU()', 'nn.BatchNorm1d(h, affine=False), nn.ReLU()'),
        ]),
        ('no Dropout', [
            ('nn.ReLU(), nn.Dropout(dropout)]', 'nn.ReLU()]'),
        ]),
        ('ReLU before BatchNorm', [
            ('nn.Linear(prev, h), nn.BatchNorm1d(h), nn.ReLU(),', 'nn.Linear(prev, h), nn.ReLU(), nn.BatchNorm1d(h),'),
        ]),
        ('[argument ignored] dropout argument ignored (always 0.5)', [
            ('nn.Dropout(dropout)]', 'nn.Dropout(0.5)]'),
        ]),
        ('BatchNorm after the output layer too', [
            ('        layers.append(nn.Linear(prev, num_outputs))\n', '        layers += [nn.Linear(prev, num_outputs), nn.BatchNorm1d(num_outputs)]\n'),
        ]),
        ('[forbidden method] LayerNorm instead of BatchNorm1d (same parameter count)', [
            ('nn.BatchNorm1d(h), nn.ReLU()', 'nn.LayerNorm(h), nn.ReLU()'),
        ]),
    ],
    'answer_quiz': [
        ('q1: iterations = samples', [('q1_iters_per_epoch = 100\n', 'q1_iters_per_epoch = 10000\n')]),
        ('q2: last partial batch dropped', [('q2_total_iters = 55\n', 'q2_total_iters = 50\n')]),
        ('q3: sigmoid(0) instead of its derivative', [('q3_sigmoid_grad_max = 0.25\n', 'q3_sigmoid_grad_max = 0.5\n')]),
        ('q4: BCEWithLogitsLoss after a sigmoid', [('q4_loss_for_sigmoid = nn.BCELoss\n', 'q4_loss_for_sigmoid = nn.BCEWithLogitsLoss\n')]),
        ('q5: bias forgotten', [('q5_linear_params = 16448\n', 'q5_linear_params = 16384\n')]),
        ('q6: a bigger model against overfitting', [('q6_reduce_overfitting = {"A", "C", "D", "F", "G"}\n', 'q6_reduce_overfitting = {"A", "B", "C", "D", "F", "G"}\n')]),
        ('q6: ensembles forgotten', [('q6_reduce_overfitting = {"A", "C", "D", "F", "G"}\n', 'q6_reduce_overfitting = {"A", "C", "D", "F"}\n')]),
        ('q7: batch statistics in eval mode', [('q7_bn_eval_stats = "B"\n', 'q7_bn_eval_stats = "A"\n')]),
        ('q8: zero_grad between backward and step', [('q8_step_order = "C→D→B→A"\n', 'q8_step_order = "D→B→C→A"\n')]),
        ('q9: RMSProp (decaying average) instead of AdaGrad', [('q9_optimizer = "C"\n', 'q9_optimizer = "D"\n')]),
        ('q10: keep probability instead of its inverse', [('q10_dropout_scale = 1.25\n', 'q10_dropout_scale = 0.8\n')]),
        ('q11: K - 1 trainings', [('q11_kfold_trainings = 5\n', 'q11_kfold_trainings = 4\n')]),
    ],
}
