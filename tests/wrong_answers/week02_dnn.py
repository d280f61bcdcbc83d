"""Plausible wrong answers for week02_dnn (generated from the source notebook; edit freely).

Format: WRONG_ANSWERS[answer grade_id] = [(short description, full replacement source of that
answer cell), ...]. The course-integrity tests put each replacement into the solution notebook,
execute it and require that the notebook loses points.
"""

WRONG_ANSWERS: dict[str, list[tuple[str, str]]] = {
    'answer_dataset_loader': [
        ('labels converted to float32', '''\
class MNISTDataset(Dataset):
    """Pairs (x, label): x is a float32 tensor of shape (784,), label an int64 scalar tensor."""

    def __init__(self, X, y):
        self.X = torch.as_tensor(np.asarray(X), dtype=torch.float32)  # (N, 784)
        self.y = torch.as_tensor(np.asarray(y), dtype=torch.float32)    # (N,)

    def __len__(self):
        return len(self.X)

    def __getitem__(self, idx):
        return self.X[idx], self.y[idx]


def make_loader(X, y, batch_size, shuffle):
    """DataLoader over MNISTDataset(X, y); keeps the last, smaller batch."""
    return DataLoader(MNISTDataset(X, y), batch_size=batch_size, shuffle=shuffle)
'''),
        ('torch.from_numpy keeps float64 pixels and int32 labels', '''\
class MNISTDataset(Dataset):
    """Pairs (x, label): x is a float32 tensor of shape (784,), label an int64 scalar tensor."""

    def __init__(self, X, y):
        self.X = torch.from_numpy(np.asarray(X))  # (N, 784)
        self.y = torch.from_numpy(np.asarray(y))    # (N,)

    def __len__(self):
        return len(self.X)

    def __getitem__(self, idx):
        return self.X[idx], self.y[idx]


def make_loader(X, y, batch_size, shuffle):
    """DataLoader over MNISTDataset(X, y); keeps the last, smaller batch."""
    return DataLoader(MNISTDataset(X, y), batch_size=batch_size, shuffle=shuffle)
'''),
        ('drop_last=True loses the last, smaller batch', '''\
class MNISTDataset(Dataset):
    """Pairs (x, label): x is a float32 tensor of shape (784,), label an int64 scalar tensor."""

    def __init__(self, X, y):
        self.X = torch.as_tensor(np.asarray(X), dtype=torch.float32)  # (N, 784)
        self.y = torch.as_tensor(np.asarray(y), dtype=torch.int64)    # (N,)

    def __len__(self):
        return len(self.X)

    def __getitem__(self, idx):
        return self.X[idx], self.y[idx]


def make_loader(X, y, batch_size, shuffle):
    """DataLoader over MNISTDataset(X, y); keeps the last, smaller batch."""
    return DataLoader(MNISTDataset(X, y), batch_size=batch_size, shuffle=shuffle, drop_last=True)
'''),
        ('shuffle argument ignored', '''\
class MNISTDataset(Dataset):
    """Pairs (x, label): x is a float32 tensor of shape (784,), label an int64 scalar tensor."""

    def __init__(self, X, y):
        self.X = torch.as_tensor(np.asarray(X), dtype=torch.float32)  # (N, 784)
        self.y = torch.as_tensor(np.asarray(y), dtype=torch.int64)    # (N,)

    def __len__(self):
        return len(self.X)

    def __getitem__(self, idx):
        return self.X[idx], self.y[idx]


def make_loader(X, y, batch_size, shuffle):
    """DataLoader over MNISTDataset(X, y); keeps the last, smaller batch."""
    return DataLoader(MNISTDataset(X, y), batch_size=batch_size)
'''),
        ('__len__ returns the number of features', '''\
class MNISTDataset(Dataset):
    """Pairs (x, label): x is a float32 tensor of shape (784,), label an int64 scalar tensor."""

    def __init__(self, X, y):
        self.X = torch.as_tensor(np.asarray(X), dtype=torch.float32)  # (N, 784)
        self.y = torch.as_tensor(np.asarray(y), dtype=torch.int64)    # (N,)

    def __len__(self):
        return self.X.shape[1]

    def __getitem__(self, idx):
        return self.X[idx], self.y[idx]


def make_loader(X, y, batch_size, shuffle):
    """DataLoader over MNISTDataset(X, y); keeps the last, smaller batch."""
    return DataLoader(MNISTDataset(X, y), batch_size=batch_size, shuffle=shuffle)
'''),
        ('label returned with shape (1,)', '''\
class MNISTDataset(Dataset):
    """Pairs (x, label): x is a float32 tensor of shape (784,), label an int64 scalar tensor."""

    def __init__(self, X, y):
        self.X = torch.as_tensor(np.asarray(X), dtype=torch.float32)  # (N, 784)
        self.y = torch.as_tensor(np.asarray(y), dtype=torch.int64)    # (N,)

    def __len__(self):
        return len(self.X)

    def __getitem__(self, idx):
        return self.X[idx], self.y[idx:idx + 1]


def make_loader(X, y, batch_size, shuffle):
    """DataLoader over MNISTDataset(X, y); keeps the last, smaller batch."""
    return DataLoader(MNISTDataset(X, y), batch_size=batch_size, shuffle=shuffle)
'''),
    ],
    'answer_mlp': [
        ('softmax at the end (probabilities, not logits)', '''\
class MLP(nn.Module):
    """Flatten -> [Linear -> ReLU] for each hidden size -> Linear. Input (B, 784) or (B, 1, 28, 28); output logits (B, num_outputs)."""

    def __init__(self, num_inputs=784, num_hiddens=(512, 128), num_outputs=10):
        super().__init__()
        layers, prev = [nn.Flatten()], num_inputs
        for h in num_hiddens:
            layers += [nn.Linear(prev, h), nn.ReLU()]
            prev = h
        layers += [nn.Linear(prev, num_outputs), nn.Softmax(dim=1)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)  # (B, num_outputs) logits
'''),
        ('sigmoid instead of ReLU', '''\
class MLP(nn.Module):
    """Flatten -> [Linear -> ReLU] for each hidden size -> Linear. Input (B, 784) or (B, 1, 28, 28); output logits (B, num_outputs)."""

    def __init__(self, num_inputs=784, num_hiddens=(512, 128), num_outputs=10):
        super().__init__()
        layers, prev = [nn.Flatten()], num_inputs
        for h in num_hiddens:
            layers += [nn.Linear(prev, h), nn.Sigmoid()]
            prev = h
        layers.append(nn.Linear(prev, num_outputs))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)  # (B, num_outputs) logits
'''),
        ('ReLU after the output layer too', '''\
class MLP(nn.Module):
    """Flatten -> [Linear -> ReLU] for each hidden size -> Linear. Input (B, 784) or (B, 1, 28, 28); output logits (B, num_outputs)."""

    def __init__(self, num_inputs=784, num_hiddens=(512, 128), num_outputs=10):
        super().__init__()
        layers, prev = [nn.Flatten()], num_inputs
        for h in num_hiddens:
            layers += [nn.Linear(prev, h), nn.ReLU()]
            prev = h
        layers += [nn.Linear(prev, num_outputs), nn.ReLU()]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)  # (B, num_outputs) logits
'''),
        ('layers without bias', '''\
class MLP(nn.Module):
    """Flatten -> [Linear -> ReLU] for each hidden size -> Linear. Input (B, 784) or (B, 1, 28, 28); output logits (B, num_outputs)."""

    def __init__(self, num_inputs=784, num_hiddens=(512, 128), num_outputs=10):
        super().__init__()
        layers, prev = [nn.Flatten()], num_inputs
        for h in num_hiddens:
            layers += [nn.Linear(prev, h, bias=False), nn.ReLU()]
            prev = h
        layers.append(nn.Linear(prev, num_outputs))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)  # (B, num_outputs) logits
'''),
        ('hard-coded 784-512-128-10, constructor arguments ignored', '''\
class MLP(nn.Module):
    """Flatten -> [Linear -> ReLU] for each hidden size -> Linear. Input (B, 784) or (B, 1, 28, 28); output logits (B, num_outputs)."""

    def __init__(self, num_inputs=784, num_hiddens=(512, 128), num_outputs=10):
        super().__init__()
        layers, prev = [nn.Flatten()], 784
        for h in (512, 128):
            layers += [nn.Linear(prev, h), nn.ReLU()]
            prev = h
        layers.append(nn.Linear(prev, 10))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)  # (B, num_outputs) logits
'''),
        ('only the first hidden size is used', '''\
class MLP(nn.Module):
    """Flatten -> [Linear -> ReLU] for each hidden size -> Linear. Input (B, 784) or (B, 1, 28, 28); output logits (B, num_outputs)."""

    def __init__(self, num_inputs=784, num_hiddens=(512, 128), num_outputs=10):
        super().__init__()
        layers, prev = [nn.Flatten()], num_inputs
        for h in num_hiddens[:1]:
            layers += [nn.Linear(prev, h), nn.ReLU()]
            prev = h
        layers.append(nn.Linear(prev, num_outputs))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)  # (B, num_outputs) logits
'''),
        ('no Flatten: image input (B, 1, 28, 28) fails', '''\
class MLP(nn.Module):
    """Flatten -> [Linear -> ReLU] for each hidden size -> Linear. Input (B, 784) or (B, 1, 28, 28); output logits (B, num_outputs)."""

    def __init__(self, num_inputs=784, num_hiddens=(512, 128), num_outputs=10):
        super().__init__()
        layers, prev = [], num_inputs
        for h in num_hiddens:
            layers += [nn.Linear(prev, h), nn.ReLU()]
            prev = h
        layers.append(nn.Linear(prev, num_outputs))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)  # (B, num_outputs) logits
'''),
    ],
    'answer_loss_choice': [
        ('BCELoss on logits for binary', '''\
def make_output_layer(task, num_hiddens, num_classes=10):
    """nn.Linear output layer for "regression", "binary" or "multiclass"."""
    num_outputs = num_classes if task == "multiclass" else 1
    return nn.Linear(num_hiddens, num_outputs)


def make_loss(task):
    """The loss object for the task (its inputs are raw outputs/logits)."""
    return {"regression": nn.MSELoss(), "binary": nn.BCELoss(),
            "multiclass": nn.CrossEntropyLoss()}[task]


def compute_loss(task, output, y):
    """Scalar loss; output is (B, 1) for regression/binary and (B, C) for multiclass, y is (B,)."""
    loss_fn = make_loss(task)
    if task == "multiclass":
        return loss_fn(output, y.long())
    return loss_fn(output.squeeze(1), y.float())  # (B, 1) -> (B,)
'''),
        ('NLLLoss on logits for multiclass', '''\
def make_output_layer(task, num_hiddens, num_classes=10):
    """nn.Linear output layer for "regression", "binary" or "multiclass"."""
    num_outputs = num_classes if task == "multiclass" else 1
    return nn.Linear(num_hiddens, num_outputs)


def make_loss(task):
    """The loss object for the task (its inputs are raw outputs/logits)."""
    return {"regression": nn.MSELoss(), "binary": nn.BCEWithLogitsLoss(),
            "multiclass": nn.NLLLoss()}[task]


def compute_loss(task, output, y):
    """Scalar loss; output is (B, 1) for regression/binary and (B, C) for multiclass, y is (B,)."""
    loss_fn = make_loss(task)
    if task == "multiclass":
        return loss_fn(output, y.long())
    return loss_fn(output.squeeze(1), y.float())  # (B, 1) -> (B,)
'''),
        ('L1Loss for regression', '''\
def make_output_layer(task, num_hiddens, num_classes=10):
    """nn.Linear output layer for "regression", "binary" or "multiclass"."""
    num_outputs = num_classes if task == "multiclass" else 1
    return nn.Linear(num_hiddens, num_outputs)


def make_loss(task):
    """The loss object for the task (its inputs are raw outputs/logits)."""
    return {"regression": nn.L1Loss(), "binary": nn.BCEWithLogitsLoss(),
            "multiclass": nn.CrossEntropyLoss()}[task]


def compute_loss(task, output, y):
    """Scalar loss; output is (B, 1) for regression/binary and (B, C) for multiclass, y is (B,)."""
    loss_fn = make_loss(task)
    if task == "multiclass":
        return loss_fn(output, y.long())
    return loss_fn(output.squeeze(1), y.float())  # (B, 1) -> (B,)
'''),
        ('no squeeze: (B, 1) output broadcast against (B,) target', '''\
def make_output_layer(task, num_hiddens, num_classes=10):
    """nn.Linear output layer for "regression", "binary" or "multiclass"."""
    num_outputs = num_classes if task == "multiclass" else 1
    return nn.Linear(num_hiddens, num_outputs)


def make_loss(task):
    """The loss object for the task (its inputs are raw outputs/logits)."""
    return {"regression": nn.MSELoss(), "binary": nn.BCEWithLogitsLoss(),
            "multiclass": nn.CrossEntropyLoss()}[task]


def compute_loss(task, output, y):
    """Scalar loss; output is (B, 1) for regression/binary and (B, C) for multiclass, y is (B,)."""
    loss_fn = make_loss(task)
    if task == "multiclass":
        return loss_fn(output, y.long())
    return loss_fn(output, y.float())
'''),
        ('binary with num_classes outputs and CrossEntropyLoss', '''\
def make_output_layer(task, num_hiddens, num_classes=10):
    """nn.Linear output layer for "regression", "binary" or "multiclass"."""
    num_outputs = 1 if task == "regression" else num_classes
    return nn.Linear(num_hiddens, num_outputs)


def make_loss(task):
    """The loss object for the task (its inputs are raw outputs/logits)."""
    return {"regression": nn.MSELoss(), "binary": nn.CrossEntropyLoss(),
            "multiclass": nn.CrossEntropyLoss()}[task]


def compute_loss(task, output, y):
    """Scalar loss; output is (B, 1) for regression/binary and (B, C) for multiclass, y is (B,)."""
    loss_fn = make_loss(task)
    if task != "regression":
        return loss_fn(output, y.long())
    return loss_fn(output.squeeze(1), y.float())  # (B, 1) -> (B,)
'''),
        ('multiclass target left as given (int32 fails)', '''\
def make_output_layer(task, num_hiddens, num_classes=10):
    """nn.Linear output layer for "regression", "binary" or "multiclass"."""
    num_outputs = num_classes if task == "multiclass" else 1
    return nn.Linear(num_hiddens, num_outputs)


def make_loss(task):
    """The loss object for the task (its inputs are raw outputs/logits)."""
    return {"regression": nn.MSELoss(), "binary": nn.BCEWithLogitsLoss(),
            "multiclass": nn.CrossEntropyLoss()}[task]


def compute_loss(task, output, y):
    """Scalar loss; output is (B, 1) for regression/binary and (B, C) for multiclass, y is (B,)."""
    loss_fn = make_loss(task)
    if task == "multiclass":
        return loss_fn(output, y)
    return loss_fn(output.squeeze(1), y.float())  # (B, 1) -> (B,)
'''),
    ],
    'answer_train_evaluate': [
        ('no optimizer.zero_grad(): gradients accumulate', '''\
def train_one_epoch(model, loader, loss_fn, optimizer):
    """One pass over loader in training mode; returns the sample-weighted mean loss (float)."""
    device = next(model.parameters()).device
    model.train()
    total, count = 0.0, 0
    for X, y in loader:
        X, y = X.to(device), y.to(device)
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
        count += len(y)
    return total / count


def evaluate(model, loader, loss_fn):
    """Sample-weighted mean loss (float) in evaluation mode, without gradients or updates."""
    device = next(model.parameters()).device
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for X, y in loader:
            X, y = X.to(device), y.to(device)
            total += loss_fn(model(X), y).item() * len(y)
            count += len(y)
    return total / count
'''),
        ('loss summed over batches, not averaged', '''\
def train_one_epoch(model, loader, loss_fn, optimizer):
    """One pass over loader in training mode; returns the sample-weighted mean loss (float)."""
    device = next(model.parameters()).device
    model.train()
    total, count = 0.0, 0
    for X, y in loader:
        X, y = X.to(device), y.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        total += loss.item()
        count += len(y)
    return total


def evaluate(model, loader, loss_fn):
    """Sample-weighted mean loss (float) in evaluation mode, without gradients or updates."""
    device = next(model.parameters()).device
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for X, y in loader:
            X, y = X.to(device), y.to(device)
            total += loss_fn(model(X), y).item() * len(y)
            count += len(y)
    return total / count
'''),
        ('no model.eval() in evaluate (dropout active, BatchNorm statistics updated)', '''\
def train_one_epoch(model, loader, loss_fn, optimizer):
    """One pass over loader in training mode; returns the sample-weighted mean loss (float)."""
    device = next(model.parameters()).device
    model.train()
    total, count = 0.0, 0
    for X, y in loader:
        X, y = X.to(device), y.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
        count += len(y)
    return total / count


def evaluate(model, loader, loss_fn):
    """Sample-weighted mean loss (float) in evaluation mode, without gradients or updates."""
    device = next(model.parameters()).device
    total, count = 0.0, 0
    with torch.no_grad():
        for X, y in loader:
            X, y = X.to(device), y.to(device)
            total += loss_fn(model(X), y).item() * len(y)
            count += len(y)
    return total / count
'''),
        ('evaluate without torch.no_grad()', '''\
def train_one_epoch(model, loader, loss_fn, optimizer):
    """One pass over loader in training mode; returns the sample-weighted mean loss (float)."""
    device = next(model.parameters()).device
    model.train()
    total, count = 0.0, 0
    for X, y in loader:
        X, y = X.to(device), y.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
        count += len(y)
    return total / count


def evaluate(model, loader, loss_fn):
    """Sample-weighted mean loss (float) in evaluation mode, without gradients or updates."""
    device = next(model.parameters()).device
    model.eval()
    total, count = 0.0, 0
    for X, y in loader:
        X, y = X.to(device), y.to(device)
        total += loss_fn(model(X), y).item() * len(y)
        count += len(y)
    return total / count
'''),
        ('evaluate copies the training loop (backward + step updates the weights)', '''\
def train_one_epoch(model, loader, loss_fn, optimizer):
    """One pass over loader in training mode; returns the sample-weighted mean loss (float)."""
    device = next(model.parameters()).device
    model.train()
    total, count = 0.0, 0
    for X, y in loader:
        X, y = X.to(device), y.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
        count += len(y)
    return total / count


def evaluate(model, loader, loss_fn):
    """Sample-weighted mean loss (float) in evaluation mode, without gradients or updates."""
    device = next(model.parameters()).device
    model.eval()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    total, count = 0.0, 0
    for X, y in loader:
        X, y = X.to(device), y.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
        count += len(y)
    return total / count
'''),
        ('evaluate averages batch means without weighting by batch size', '''\
def train_one_epoch(model, loader, loss_fn, optimizer):
    """One pass over loader in training mode; returns the sample-weighted mean loss (float)."""
    device = next(model.parameters()).device
    model.train()
    total, count = 0.0, 0
    for X, y in loader:
        X, y = X.to(device), y.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
        count += len(y)
    return total / count


def evaluate(model, loader, loss_fn):
    """Sample-weighted mean loss (float) in evaluation mode, without gradients or updates."""
    device = next(model.parameters()).device
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for X, y in loader:
            X, y = X.to(device), y.to(device)
            total += loss_fn(model(X), y).item()
            count += 1
    return total / count
'''),
        ('train_one_epoch never calls model.train()', '''\
def train_one_epoch(model, loader, loss_fn, optimizer):
    """One pass over loader in training mode; returns the sample-weighted mean loss (float)."""
    device = next(model.parameters()).device
    total, count = 0.0, 0
    for X, y in loader:
        X, y = X.to(device), y.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
        count += len(y)
    return total / count


def evaluate(model, loader, loss_fn):
    """Sample-weighted mean loss (float) in evaluation mode, without gradients or updates."""
    device = next(model.parameters()).device
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for X, y in loader:
            X, y = X.to(device), y.to(device)
            total += loss_fn(model(X), y).item() * len(y)
            count += len(y)
    return total / count
'''),
    ],
    'answer_early_stopping': [
        ('best weights stored without a copy (live state_dict)', '''\
class EarlyStopping:
    """Stop after `patience` epochs without an improvement larger than `tol`; keep a copy of the best weights."""

    def __init__(self, patience=3, tol=0.0):
        self.patience, self.tol = patience, tol
        self.best_loss = math.inf
        self.num_bad_epochs = 0
        self.best_state_dict = None

    def step(self, val_loss, model):
        """Record one epoch's validation loss; return True when training should stop."""
        if val_loss < self.best_loss - self.tol:
            self.best_loss = val_loss
            self.num_bad_epochs = 0
            self.best_state_dict = model.state_dict()
        else:
            self.num_bad_epochs += 1
        return self.num_bad_epochs >= self.patience

    def restore_best(self, model):
        """Load the best weights seen so far into model."""
        model.load_state_dict(self.best_state_dict)
'''),
        ('<= counts an equal loss as an improvement', '''\
class EarlyStopping:
    """Stop after `patience` epochs without an improvement larger than `tol`; keep a copy of the best weights."""

    def __init__(self, patience=3, tol=0.0):
        self.patience, self.tol = patience, tol
        self.best_loss = math.inf
        self.num_bad_epochs = 0
        self.best_state_dict = None

    def step(self, val_loss, model):
        """Record one epoch's validation loss; return True when training should stop."""
        if val_loss <= self.best_loss - self.tol:
            self.best_loss = val_loss
            self.num_bad_epochs = 0
            self.best_state_dict = copy.deepcopy(model.state_dict())
        else:
            self.num_bad_epochs += 1
        return self.num_bad_epochs >= self.patience

    def restore_best(self, model):
        """Load the best weights seen so far into model."""
        model.load_state_dict(self.best_state_dict)
'''),
        ('counter not reset on improvement', '''\
class EarlyStopping:
    """Stop after `patience` epochs without an improvement larger than `tol`; keep a copy of the best weights."""

    def __init__(self, patience=3, tol=0.0):
        self.patience, self.tol = patience, tol
        self.best_loss = math.inf
        self.num_bad_epochs = 0
        self.best_state_dict = None

    def step(self, val_loss, model):
        """Record one epoch's validation loss; return True when training should stop."""
        if val_loss < self.best_loss - self.tol:
            self.best_loss = val_loss
            self.best_state_dict = copy.deepcopy(model.state_dict())
        else:
            self.num_bad_epochs += 1
        return self.num_bad_epochs >= self.patience

    def restore_best(self, model):
        """Load the best weights seen so far into model."""
        model.load_state_dict(self.best_state_dict)
'''),
        ('tol ignored', '''\
class EarlyStopping:
    """Stop after `patience` epochs without an improvement larger than `tol`; keep a copy of the best weights."""

    def __init__(self, patience=3, tol=0.0):
        self.patience, self.tol = patience, tol
        self.best_loss = math.inf
        self.num_bad_epochs = 0
        self.best_state_dict = None

    def step(self, val_loss, model):
        """Record one epoch's validation loss; return True when training should stop."""
        if val_loss < self.best_loss:
            self.best_loss = val_loss
            self.num_bad_epochs = 0
            self.best_state_dict = copy.deepcopy(model.state_dict())
        else:
            self.num_bad_epochs += 1
        return self.num_bad_epochs >= self.patience

    def restore_best(self, model):
        """Load the best weights seen so far into model."""
        model.load_state_dict(self.best_state_dict)
'''),
        ('stops one epoch late (> patience)', '''\
class EarlyStopping:
    """Stop after `patience` epochs without an improvement larger than `tol`; keep a copy of the best weights."""

    def __init__(self, patience=3, tol=0.0):
        self.patience, self.tol = patience, tol
        self.best_loss = math.inf
        self.num_bad_epochs = 0
        self.best_state_dict = None

    def step(self, val_loss, model):
        """Record one epoch's validation loss; return True when training should stop."""
        if val_loss < self.best_loss - self.tol:
            self.best_loss = val_loss
            self.num_bad_epochs = 0
            self.best_state_dict = copy.deepcopy(model.state_dict())
        else:
            self.num_bad_epochs += 1
        return self.num_bad_epochs > self.patience

    def restore_best(self, model):
        """Load the best weights seen so far into model."""
        model.load_state_dict(self.best_state_dict)
'''),
    ],
    'answer_train_mnist': [
        ('untrained model: the loop runs 0 epochs', '''\
# Train MLP() on X_train / y_train only and keep the trained network in `model`.
set_seed(0)
train_loader = make_loader(X_train, y_train, batch_size=32, shuffle=True)
model = MLP().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
num_epochs = 0
for epoch in range(1, num_epochs + 1):
    train_loss = train_one_epoch(model, train_loader, loss_fn, optimizer)
    if epoch % 5 == 0:
        print(f"epoch {epoch:2d}: train loss {train_loss:.4f}")
'''),
        ('one epoch of plain SGD with lr=0.01', '''\
# Train MLP() on X_train / y_train only and keep the trained network in `model`.
set_seed(0)
train_loader = make_loader(X_train, y_train, batch_size=32, shuffle=True)
model = MLP().to(device)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
loss_fn = nn.CrossEntropyLoss()
num_epochs = 1
for epoch in range(1, num_epochs + 1):
    train_loss = train_one_epoch(model, train_loader, loss_fn, optimizer)
    if epoch % 5 == 0:
        print(f"epoch {epoch:2d}: train loss {train_loss:.4f}")
'''),
        ('learning rate far too high (Adam lr=1.0)', '''\
# Train MLP() on X_train / y_train only and keep the trained network in `model`.
set_seed(0)
train_loader = make_loader(X_train, y_train, batch_size=32, shuffle=True)
model = MLP().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1.0)
loss_fn = nn.CrossEntropyLoss()
num_epochs = 15
for epoch in range(1, num_epochs + 1):
    train_loss = train_one_epoch(model, train_loader, loss_fn, optimizer)
    if epoch % 5 == 0:
        print(f"epoch {epoch:2d}: train loss {train_loss:.4f}")
'''),
        ('labels shuffled independently of the images', '''\
# Train MLP() on X_train / y_train only and keep the trained network in `model`.
set_seed(0)
train_loader = make_loader(X_train, np.random.permutation(y_train), batch_size=32, shuffle=True)
model = MLP().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
num_epochs = 15
for epoch in range(1, num_epochs + 1):
    train_loss = train_one_epoch(model, train_loader, loss_fn, optimizer)
    if epoch % 5 == 0:
        print(f"epoch {epoch:2d}: train loss {train_loss:.4f}")
'''),
    ],
    'answer_train_regression': [
        ('untrained model: the loop runs 0 epochs', '''\
# Train a regression DNN on Xr_train / yr_train and keep it in `reg_model` (output shape (B, 1)).
set_seed(0)
reg_loader = DataLoader(TensorDataset(torch.from_numpy(Xr_train), torch.from_numpy(yr_train)),
                        batch_size=32, shuffle=True)
reg_model = MLP(10, (32,), 1).to(device)
reg_opt = torch.optim.Adam(reg_model.parameters(), lr=1e-3)
for epoch in range(1, 1):
    reg_loss = train_one_epoch(reg_model, reg_loader, lambda out, y: compute_loss("regression", out, y), reg_opt)
    if epoch % 25 == 0:
        print(f"epoch {epoch:3d}: train MSE {reg_loss:.4f}")
'''),
        ('MSELoss on (B, 1) outputs vs (B,) targets (broadcasting)', '''\
# Train a regression DNN on Xr_train / yr_train and keep it in `reg_model` (output shape (B, 1)).
set_seed(0)
reg_loader = DataLoader(TensorDataset(torch.from_numpy(Xr_train), torch.from_numpy(yr_train)),
                        batch_size=32, shuffle=True)
reg_model = MLP(10, (32,), 1).to(device)
reg_opt = torch.optim.Adam(reg_model.parameters(), lr=1e-3)
for epoch in range(1, 101):
    reg_loss = train_one_epoch(reg_model, reg_loader, nn.MSELoss(), reg_opt)
    if epoch % 25 == 0:
        print(f"epoch {epoch:3d}: train MSE {reg_loss:.4f}")
'''),
        ('learning rate too small for the epochs given', '''\
# Train a regression DNN on Xr_train / yr_train and keep it in `reg_model` (output shape (B, 1)).
set_seed(0)
reg_loader = DataLoader(TensorDataset(torch.from_numpy(Xr_train), torch.from_numpy(yr_train)),
                        batch_size=32, shuffle=True)
reg_model = MLP(10, (32,), 1).to(device)
reg_opt = torch.optim.Adam(reg_model.parameters(), lr=1e-5)
for epoch in range(1, 21):
    reg_loss = train_one_epoch(reg_model, reg_loader, lambda out, y: compute_loss("regression", out, y), reg_opt)
    if epoch % 25 == 0:
        print(f"epoch {epoch:3d}: train MSE {reg_loss:.4f}")
'''),
    ],
    'answer_mlp_bn': [
        ('BatchNorm without affine parameters', '''\
class MLPBN(nn.Module):
    """Flatten -> [Linear -> BatchNorm1d -> ReLU -> Dropout] per hidden size -> Linear; returns logits."""

    def __init__(self, num_inputs=784, num_hiddens=(512, 128), num_outputs=10, dropout=0.2):
        super().__init__()
        layers, prev = [nn.Flatten()], num_inputs
        for h in num_hiddens:
            layers += [nn.Linear(prev, h), nn.BatchNorm1d(h, affine=False), nn.ReLU(), nn.Dropout(dropout)]
            prev = h
        layers.append(nn.Linear(prev, num_outputs))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)  # (B, num_outputs) logits
'''),
        ('no Dropout', '''\
class MLPBN(nn.Module):
    """Flatten -> [Linear -> BatchNorm1d -> ReLU -> Dropout] per hidden size -> Linear; returns logits."""

    def __init__(self, num_inputs=784, num_hiddens=(512, 128), num_outputs=10, dropout=0.2):
        super().__init__()
        layers, prev = [nn.Flatten()], num_inputs
        for h in num_hiddens:
            layers += [nn.Linear(prev, h), nn.BatchNorm1d(h), nn.ReLU()]
            prev = h
        layers.append(nn.Linear(prev, num_outputs))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)  # (B, num_outputs) logits
'''),
        ('ReLU before BatchNorm', '''\
class MLPBN(nn.Module):
    """Flatten -> [Linear -> BatchNorm1d -> ReLU -> Dropout] per hidden size -> Linear; returns logits."""

    def __init__(self, num_inputs=784, num_hiddens=(512, 128), num_outputs=10, dropout=0.2):
        super().__init__()
        layers, prev = [nn.Flatten()], num_inputs
        for h in num_hiddens:
            layers += [nn.Linear(prev, h), nn.ReLU(), nn.BatchNorm1d(h), nn.Dropout(dropout)]
            prev = h
        layers.append(nn.Linear(prev, num_outputs))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)  # (B, num_outputs) logits
'''),
        ('dropout argument ignored (always 0.5)', '''\
class MLPBN(nn.Module):
    """Flatten -> [Linear -> BatchNorm1d -> ReLU -> Dropout] per hidden size -> Linear; returns logits."""

    def __init__(self, num_inputs=784, num_hiddens=(512, 128), num_outputs=10, dropout=0.2):
        super().__init__()
        layers, prev = [nn.Flatten()], num_inputs
        for h in num_hiddens:
            layers += [nn.Linear(prev, h), nn.BatchNorm1d(h), nn.ReLU(), nn.Dropout(0.5)]
            prev = h
        layers.append(nn.Linear(prev, num_outputs))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)  # (B, num_outputs) logits
'''),
        ('BatchNorm after the output layer too', '''\
class MLPBN(nn.Module):
    """Flatten -> [Linear -> BatchNorm1d -> ReLU -> Dropout] per hidden size -> Linear; returns logits."""

    def __init__(self, num_inputs=784, num_hiddens=(512, 128), num_outputs=10, dropout=0.2):
        super().__init__()
        layers, prev = [nn.Flatten()], num_inputs
        for h in num_hiddens:
            layers += [nn.Linear(prev, h), nn.BatchNorm1d(h), nn.ReLU(), nn.Dropout(dropout)]
            prev = h
        layers += [nn.Linear(prev, num_outputs), nn.BatchNorm1d(num_outputs)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)  # (B, num_outputs) logits
'''),
    ],
    'answer_quiz': [
        ('q1: iterations = samples', '''\
q1_iters_per_epoch = 10000
q2_total_iters = 55
q3_sigmoid_grad_max = 0.25
q4_loss_for_sigmoid = nn.BCELoss
q5_linear_params = 16448
q6_reduce_overfitting = {"A", "C", "D", "F"}
q7_bn_eval_stats = "B"
q8_step_order = "CDBA"
'''),
        ('q2: last partial batch dropped', '''\
q1_iters_per_epoch = 100
q2_total_iters = 50
q3_sigmoid_grad_max = 0.25
q4_loss_for_sigmoid = nn.BCELoss
q5_linear_params = 16448
q6_reduce_overfitting = {"A", "C", "D", "F"}
q7_bn_eval_stats = "B"
q8_step_order = "CDBA"
'''),
        ('q3: sigmoid(0) instead of its derivative', '''\
q1_iters_per_epoch = 100
q2_total_iters = 55
q3_sigmoid_grad_max = 0.5
q4_loss_for_sigmoid = nn.BCELoss
q5_linear_params = 16448
q6_reduce_overfitting = {"A", "C", "D", "F"}
q7_bn_eval_stats = "B"
q8_step_order = "CDBA"
'''),
        ('q4: BCEWithLogitsLoss after a sigmoid', '''\
q1_iters_per_epoch = 100
q2_total_iters = 55
q3_sigmoid_grad_max = 0.25
q4_loss_for_sigmoid = nn.BCEWithLogitsLoss
q5_linear_params = 16448
q6_reduce_overfitting = {"A", "C", "D", "F"}
q7_bn_eval_stats = "B"
q8_step_order = "CDBA"
'''),
        ('q5: bias forgotten', '''\
q1_iters_per_epoch = 100
q2_total_iters = 55
q3_sigmoid_grad_max = 0.25
q4_loss_for_sigmoid = nn.BCELoss
q5_linear_params = 16384
q6_reduce_overfitting = {"A", "C", "D", "F"}
q7_bn_eval_stats = "B"
q8_step_order = "CDBA"
'''),
        ('q6: a bigger model against overfitting', '''\
q1_iters_per_epoch = 100
q2_total_iters = 55
q3_sigmoid_grad_max = 0.25
q4_loss_for_sigmoid = nn.BCELoss
q5_linear_params = 16448
q6_reduce_overfitting = {"A", "B", "C", "D"}
q7_bn_eval_stats = "B"
q8_step_order = "CDBA"
'''),
        ('q7: batch statistics in eval mode', '''\
q1_iters_per_epoch = 100
q2_total_iters = 55
q3_sigmoid_grad_max = 0.25
q4_loss_for_sigmoid = nn.BCELoss
q5_linear_params = 16448
q6_reduce_overfitting = {"A", "C", "D", "F"}
q7_bn_eval_stats = "A"
q8_step_order = "CDBA"
'''),
        ('q8: zero_grad between backward and step', '''\
q1_iters_per_epoch = 100
q2_total_iters = 55
q3_sigmoid_grad_max = 0.25
q4_loss_for_sigmoid = nn.BCELoss
q5_linear_params = 16448
q6_reduce_overfitting = {"A", "C", "D", "F"}
q7_bn_eval_stats = "B"
q8_step_order = "DBCA"
'''),
    ],
}
