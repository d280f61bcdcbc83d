"""Plausible wrong answers for week01_tensors (generated from the source notebook; edit freely).

Format: WRONG_ANSWERS[answer grade_id] = [(short description, full replacement source of that
answer cell), ...]. The course-integrity tests put each replacement into the solution notebook,
execute it and require that the notebook loses points.
"""

WRONG_ANSWERS: dict[str, list[tuple[str, str]]] = {
    'answer_tensor_creation': [
        ('to_float_tensor keeps the input dtype (no dtype=torch.float32)', '''\
def to_float_tensor(values):
    """Convert a list / NumPy array to a float32 tensor of the same shape."""
    return torch.as_tensor(np.asarray(values))


def make_grid(n, m):
    """Return an int64 tensor of shape (n, m) with grid[i, j] == i * m + j."""
    return torch.arange(n * m, dtype=torch.int64).view(n, m)  # (n*m,) -> (n, m)
'''),
        ('make_grid fills column by column (view(m, n).T)', '''\
def to_float_tensor(values):
    """Convert a list / NumPy array to a float32 tensor of the same shape."""
    return torch.as_tensor(np.asarray(values), dtype=torch.float32)


def make_grid(n, m):
    """Return an int64 tensor of shape (n, m) with grid[i, j] == i * m + j."""
    return torch.arange(n * m, dtype=torch.int64).view(m, n).T  # (n*m,) -> (n, m)
'''),
        ('make_grid returns float32', '''\
def to_float_tensor(values):
    """Convert a list / NumPy array to a float32 tensor of the same shape."""
    return torch.as_tensor(np.asarray(values), dtype=torch.float32)


def make_grid(n, m):
    """Return an int64 tensor of shape (n, m) with grid[i, j] == i * m + j."""
    return torch.arange(n * m, dtype=torch.float32).view(n, m)  # (n*m,) -> (n, m)
'''),
    ],
    'answer_reshaping': [
        ('reshape instead of permute (right shape, scrambled pixels)', '''\
def to_channels_first(images):
    """(B, H, W, C) -> (B, C, H, W)."""
    return images.reshape(images.shape[0], images.shape[3], images.shape[1], images.shape[2])  # (B, H, W, C) -> (B, C, H, W)


def flatten_batch(x):
    """(B, d1, d2, ...) -> (B, d1 * d2 * ...)."""
    return x.flatten(start_dim=1)  # (B, ...) -> (B, prod(...))


def add_batch_dim(x):
    """(C, H, W) -> (1, C, H, W)."""
    return x.unsqueeze(0)  # (C, H, W) -> (1, C, H, W)
'''),
        ('flatten_batch flattens the batch axis too', '''\
def to_channels_first(images):
    """(B, H, W, C) -> (B, C, H, W)."""
    return images.permute(0, 3, 1, 2)  # (B, H, W, C) -> (B, C, H, W)


def flatten_batch(x):
    """(B, d1, d2, ...) -> (B, d1 * d2 * ...)."""
    return x.flatten()  # (B, ...) -> (B, prod(...))


def add_batch_dim(x):
    """(C, H, W) -> (1, C, H, W)."""
    return x.unsqueeze(0)  # (C, H, W) -> (1, C, H, W)
'''),
        ('flatten_batch squeezes away a batch of size 1', '''\
def to_channels_first(images):
    """(B, H, W, C) -> (B, C, H, W)."""
    return images.permute(0, 3, 1, 2)  # (B, H, W, C) -> (B, C, H, W)


def flatten_batch(x):
    """(B, d1, d2, ...) -> (B, d1 * d2 * ...)."""
    return x.reshape(x.shape[0], -1).squeeze()  # (B, ...) -> (B, prod(...))


def add_batch_dim(x):
    """(C, H, W) -> (1, C, H, W)."""
    return x.unsqueeze(0)  # (C, H, W) -> (1, C, H, W)
'''),
        ('add_batch_dim appends the new axis at the end', '''\
def to_channels_first(images):
    """(B, H, W, C) -> (B, C, H, W)."""
    return images.permute(0, 3, 1, 2)  # (B, H, W, C) -> (B, C, H, W)


def flatten_batch(x):
    """(B, d1, d2, ...) -> (B, d1 * d2 * ...)."""
    return x.flatten(start_dim=1)  # (B, ...) -> (B, prod(...))


def add_batch_dim(x):
    """(C, H, W) -> (1, C, H, W)."""
    return x.unsqueeze(-1)  # (C, H, W) -> (1, C, H, W)
'''),
    ],
    'answer_indexing': [
        ('chained indexing t[t < 0][:] = 0 (modifies a copy)', '''\
def set_row_(t, i, value):
    """Set row i of t to value in place; return t."""
    t[i, :] = value
    return t


def clip_negatives_(t):
    """Set negative entries of t to 0 in place; return t."""
    t[t < 0][:] = 0
    return t


def select_above(x, threshold):
    """1-D tensor of the entries of x greater than threshold, in order."""
    return x[x > threshold]
'''),
        ('set_row_ works on a clone, the original is unchanged', '''\
def set_row_(t, i, value):
    """Set row i of t to value in place; return t."""
    t = t.clone()
    t[i, :] = value
    return t


def clip_negatives_(t):
    """Set negative entries of t to 0 in place; return t."""
    t[t < 0] = 0
    return t


def select_above(x, threshold):
    """1-D tensor of the entries of x greater than threshold, in order."""
    return x[x > threshold]
'''),
        ('select_above multiplies by the mask (zeros kept) instead of selecting', '''\
def set_row_(t, i, value):
    """Set row i of t to value in place; return t."""
    t[i, :] = value
    return t


def clip_negatives_(t):
    """Set negative entries of t to 0 in place; return t."""
    t[t < 0] = 0
    return t


def select_above(x, threshold):
    """1-D tensor of the entries of x greater than threshold, in order."""
    return x * (x > threshold)
'''),
    ],
    'answer_broadcasting': [
        ('unbiased std (N - 1) instead of the population std', '''\
def standardize_columns(X):
    """Column-wise (X - mean) / std with the population std; X: (N, D) -> (N, D)."""
    return (X - X.mean(dim=0)) / X.std(dim=0)


def pairwise_sq_dists(A, B):
    """A: (N, D), B: (M, D) -> (N, M) squared Euclidean distances."""
    diff = A[:, None, :] - B[None, :, :]  # (N, 1, D) - (1, M, D) -> (N, M, D)
    return (diff ** 2).sum(dim=-1)  # (N, M)
'''),
        ('mean and std over the wrong dim (rows)', '''\
def standardize_columns(X):
    """Column-wise (X - mean) / std with the population std; X: (N, D) -> (N, D)."""
    return (X - X.mean(dim=1, keepdim=True)) / X.std(dim=1, correction=0, keepdim=True)


def pairwise_sq_dists(A, B):
    """A: (N, D), B: (M, D) -> (N, M) squared Euclidean distances."""
    diff = A[:, None, :] - B[None, :, :]  # (N, 1, D) - (1, M, D) -> (N, M, D)
    return (diff ** 2).sum(dim=-1)  # (N, M)
'''),
        ('L1 instead of squared Euclidean distance', '''\
def standardize_columns(X):
    """Column-wise (X - mean) / std with the population std; X: (N, D) -> (N, D)."""
    return (X - X.mean(dim=0)) / X.std(dim=0, correction=0)


def pairwise_sq_dists(A, B):
    """A: (N, D), B: (M, D) -> (N, M) squared Euclidean distances."""
    diff = A[:, None, :] - B[None, :, :]  # (N, 1, D) - (1, M, D) -> (N, M, D)
    return diff.abs().sum(dim=-1)  # (N, M)
'''),
        ('distances summed over the wrong axis', '''\
def standardize_columns(X):
    """Column-wise (X - mean) / std with the population std; X: (N, D) -> (N, D)."""
    return (X - X.mean(dim=0)) / X.std(dim=0, correction=0)


def pairwise_sq_dists(A, B):
    """A: (N, D), B: (M, D) -> (N, M) squared Euclidean distances."""
    diff = A[:, None, :] - B[None, :, :]  # (N, 1, D) - (1, M, D) -> (N, M, D)
    return (diff ** 2).sum(dim=0)  # (N, M)
'''),
    ],
    'answer_reductions': [
        ('max over dim=0 (columns) instead of rows', '''\
def row_max(x):
    """x: (N, C) -> (values (N,), indices (N,) int64) of each row's maximum."""
    values, indices = x.max(dim=0)
    return values, indices


def accuracy_from_logits(logits, labels):
    """Fraction of rows whose argmax equals the label, as a Python float."""
    return (logits.argmax(dim=1) == labels).float().mean().item()
'''),
        ('accuracy returned as a tensor (no .item())', '''\
def row_max(x):
    """x: (N, C) -> (values (N,), indices (N,) int64) of each row's maximum."""
    values, indices = x.max(dim=1)
    return values, indices


def accuracy_from_logits(logits, labels):
    """Fraction of rows whose argmax equals the label, as a Python float."""
    return (logits.argmax(dim=1) == labels).float().mean()
'''),
        ('argmax over the batch axis', '''\
def row_max(x):
    """x: (N, C) -> (values (N,), indices (N,) int64) of each row's maximum."""
    values, indices = x.max(dim=1)
    return values, indices


def accuracy_from_logits(logits, labels):
    """Fraction of rows whose argmax equals the label, as a Python float."""
    return (logits.argmax(dim=0)[:len(labels)] == labels).float().mean().item()
'''),
    ],
    'answer_autograd': [
        ('no w.grad.zero_(): gradients accumulate', '''\
def gradient(f, x):
    """df/dx at x for a scalar-valued f, same shape as x; x itself is not modified."""
    x = x.detach().clone().requires_grad_(True)
    f(x).backward()
    return x.grad


def sgd_step_(w, loss_fn, lr):
    """One in-place gradient-descent step on w; zero w.grad afterwards; return the loss before the step."""
    loss = loss_fn(w)
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
    return loss.item()
'''),
        ('rebinding w = w - lr * grad instead of an in-place update', '''\
def gradient(f, x):
    """df/dx at x for a scalar-valued f, same shape as x; x itself is not modified."""
    x = x.detach().clone().requires_grad_(True)
    f(x).backward()
    return x.grad


def sgd_step_(w, loss_fn, lr):
    """One in-place gradient-descent step on w; zero w.grad afterwards; return the loss before the step."""
    loss = loss_fn(w)
    loss.backward()
    with torch.no_grad():
        w = w - lr * w.grad
    return loss.item()
'''),
        ('returns the loss after the update', '''\
def gradient(f, x):
    """df/dx at x for a scalar-valued f, same shape as x; x itself is not modified."""
    x = x.detach().clone().requires_grad_(True)
    f(x).backward()
    return x.grad


def sgd_step_(w, loss_fn, lr):
    """One in-place gradient-descent step on w; zero w.grad afterwards; return the loss before the step."""
    loss = loss_fn(w)
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
    w.grad.zero_()
    return loss_fn(w).item()
'''),
        ('gradient returns 2 * x for every function', '''\
def gradient(f, x):
    """df/dx at x for a scalar-valued f, same shape as x; x itself is not modified."""
    x = x.detach().clone().requires_grad_(True)
    return 2 * x.detach()


def sgd_step_(w, loss_fn, lr):
    """One in-place gradient-descent step on w; zero w.grad afterwards; return the loss before the step."""
    loss = loss_fn(w)
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
    w.grad.zero_()
    return loss.item()
'''),
    ],
    'answer_linear_regression': [
        ('mse sums instead of averaging', '''\
def mse(y_hat, y):
    """Mean squared error as a scalar tensor."""
    return ((y_hat - y) ** 2).sum()


def fit_linear_regression(X, y, lr=0.1, num_epochs=200):
    """Full-batch gradient descent for y ~ X @ w + b; returns detached (w of shape (D,), scalar b)."""
    w = torch.zeros(X.shape[1], requires_grad=True)
    b = torch.zeros((), requires_grad=True)
    for _ in range(num_epochs):
        loss = mse(X @ w + b, y)
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
    return w.detach(), b.detach()
'''),
        ('no grad.zero_(): gradients accumulate over epochs', '''\
def mse(y_hat, y):
    """Mean squared error as a scalar tensor."""
    return ((y_hat - y) ** 2).mean()


def fit_linear_regression(X, y, lr=0.1, num_epochs=200):
    """Full-batch gradient descent for y ~ X @ w + b; returns detached (w of shape (D,), scalar b)."""
    w = torch.zeros(X.shape[1], requires_grad=True)
    b = torch.zeros((), requires_grad=True)
    for _ in range(num_epochs):
        loss = mse(X @ w + b, y)
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
    return w.detach(), b.detach()
'''),
        ('returns the untrained zeros (loop never runs)', '''\
def mse(y_hat, y):
    """Mean squared error as a scalar tensor."""
    return ((y_hat - y) ** 2).mean()


def fit_linear_regression(X, y, lr=0.1, num_epochs=200):
    """Full-batch gradient descent for y ~ X @ w + b; returns detached (w of shape (D,), scalar b)."""
    w = torch.zeros(X.shape[1], requires_grad=True)
    b = torch.zeros((), requires_grad=True)
    for _ in range(0):
        loss = mse(X @ w + b, y)
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
    return w.detach(), b.detach()
'''),
        ('only the bias is trained', '''\
def mse(y_hat, y):
    """Mean squared error as a scalar tensor."""
    return ((y_hat - y) ** 2).mean()


def fit_linear_regression(X, y, lr=0.1, num_epochs=200):
    """Full-batch gradient descent for y ~ X @ w + b; returns detached (w of shape (D,), scalar b)."""
    w = torch.zeros(X.shape[1], requires_grad=True)
    b = torch.zeros((), requires_grad=True)
    for _ in range(num_epochs):
        loss = mse(X @ w + b, y)
        loss.backward()
        with torch.no_grad():
            b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
    return w.detach(), b.detach()
'''),
    ],
    'answer_quiz': [
        ('q1: int32 as the default integer dtype', '''\
q1_dtype = torch.int32
q2_shape = (4, 2, 3)
q3_grad = 12.0
q4_workflow = "BDAEC"
q5_learning_types = {"spam": "지도", "clusters": "비지도", "masked_lm": "자가 지도"}
'''),
        ('q2: shape read in the wrong order', '''\
q1_dtype = torch.int64
q2_shape = (3, 4, 2)
q3_grad = 12.0
q4_workflow = "BDAEC"
q5_learning_types = {"spam": "지도", "clusters": "비지도", "masked_lm": "자가 지도"}
'''),
        ('q3: gradients do not accumulate', '''\
q1_dtype = torch.int64
q2_shape = (4, 2, 3)
q3_grad = 6.0
q4_workflow = "BDAEC"
q5_learning_types = {"spam": "지도", "clusters": "비지도", "masked_lm": "자가 지도"}
'''),
        ('q4: loss before model', '''\
q1_dtype = torch.int64
q2_shape = (4, 2, 3)
q3_grad = 12.0
q4_workflow = "BADEC"
q5_learning_types = {"spam": "지도", "clusters": "비지도", "masked_lm": "자가 지도"}
'''),
        ('q5: masked language modelling called unsupervised', '''\
q1_dtype = torch.int64
q2_shape = (4, 2, 3)
q3_grad = 12.0
q4_workflow = "BDAEC"
q5_learning_types = {"spam": "지도", "clusters": "비지도", "masked_lm": "비지도"}
'''),
    ],
}
