"""Plausible wrong answers for week03_cnn: each must lose points (tests/test_grading_truth.py).

Format: ``WRONG_ANSWERS[answer grade_id] = [(description, [(old, new), ...]), ...]``. The test
takes the solution's answer cell (without the ``### BEGIN/END SOLUTION`` lines, ending in one
newline), replaces each ``old`` snippet (which must occur exactly once) by ``new``, runs the
notebook and requires that it loses points.

Kinds covered (at least two each): boundary cases (floor vs round/ceil, a kernel that exactly
fits, the last output position), inputs modified in place, arguments ignored or hard-coded,
a forbidden method (F.conv2d / nn.Conv2d inside the hand convolution), averages over an
unequal last batch, and training or selecting on the held-out test set.
"""

WRONG_ANSWERS: dict[str, list[tuple[str, list[tuple[str, str]]]]] = {
    'answer_conv_output_size': [
        ('boundary: rounds instead of flooring', [
            ('    return (n + 2 * padding - span) // stride + 1\n',
             '    return round((n + 2 * padding - span) / stride) + 1\n'),
        ]),
        ('boundary: no ValueError when the kernel does not fit', [
            ('    if n + 2 * padding < span:\n        raise ValueError(f"kernel span {span} is larger than the padded input {n + 2 * padding}")\n',
             ''),
        ]),
        ('boundary: ValueError also when the kernel exactly fits (<= instead of <)', [
            ('    if n + 2 * padding < span:\n',
             '    if n + 2 * padding <= span:\n'),
        ]),
        ('argument ignored: dilation', [
            ('    span = dilation * (kernel_size - 1) + 1  # width covered by the dilated kernel\n',
             '    span = kernel_size  # width covered by the kernel\n'),
        ]),
        ('padding counted on one side only', [
            ('    return (n + 2 * padding - span) // stride + 1\n',
             '    return (n + padding - span) // stride + 1\n'),
        ]),
    ],
    'answer_conv2d_by_hand': [
        ('forbidden method: calls F.conv2d', [
            ('    cols = F.unfold(x, (kH, kW), padding=padding, stride=stride)  # (B, C_in*kH*kW, H_out*W_out)\n'
             '    out = weight.reshape(C_out, -1) @ cols                         # (B, C_out, H_out*W_out)\n'
             '    if bias is not None:\n        out = out + bias.reshape(1, C_out, 1)\n'
             '    return out.reshape(B, C_out, H_out, W_out)\n',
             '    return F.conv2d(x, weight, bias, stride=stride, padding=padding)\n'),
        ]),
        ('forbidden method: an nn.Conv2d with the weights copied in', [
            ('    cols = F.unfold(x, (kH, kW), padding=padding, stride=stride)  # (B, C_in*kH*kW, H_out*W_out)\n'
             '    out = weight.reshape(C_out, -1) @ cols                         # (B, C_out, H_out*W_out)\n'
             '    if bias is not None:\n        out = out + bias.reshape(1, C_out, 1)\n'
             '    return out.reshape(B, C_out, H_out, W_out)\n',
             '    conv = nn.Conv2d(C_in, C_out, (kH, kW), stride=stride, padding=padding, bias=bias is not None)\n'
             '    with torch.no_grad():\n        conv.weight.copy_(weight)\n'
             '        if bias is not None:\n            conv.bias.copy_(bias)\n'
             '        return conv(x)\n'),
        ]),
        ('true convolution: kernel flipped', [
            ('    out = weight.reshape(C_out, -1) @ cols                         # (B, C_out, H_out*W_out)\n',
             '    out = weight.flip(2, 3).reshape(C_out, -1) @ cols              # (B, C_out, H_out*W_out)\n'),
        ]),
        ('argument ignored: bias', [
            ('    if bias is not None:\n        out = out + bias.reshape(1, C_out, 1)\n', ''),
        ]),
        ('argument hard-coded: stride 1', [
            ('    H_out = (H + 2 * padding - kH) // stride + 1\n    W_out = (W + 2 * padding - kW) // stride + 1\n'
             '    cols = F.unfold(x, (kH, kW), padding=padding, stride=stride)  # (B, C_in*kH*kW, H_out*W_out)\n',
             '    H_out = H + 2 * padding - kH + 1\n    W_out = W + 2 * padding - kW + 1\n'
             '    cols = F.unfold(x, (kH, kW), padding=padding)  # (B, C_in*kH*kW, H_out*W_out)\n'),
        ]),
        ('loops that miss the last output position', [
            ('    cols = F.unfold(x, (kH, kW), padding=padding, stride=stride)  # (B, C_in*kH*kW, H_out*W_out)\n'
             '    out = weight.reshape(C_out, -1) @ cols                         # (B, C_out, H_out*W_out)\n'
             '    if bias is not None:\n        out = out + bias.reshape(1, C_out, 1)\n'
             '    return out.reshape(B, C_out, H_out, W_out)\n',
             '    xp = F.pad(x, (padding, padding, padding, padding))\n'
             '    out = torch.zeros(B, C_out, H_out - 1, W_out - 1)\n'
             '    for i in range(H_out - 1):\n        for j in range(W_out - 1):\n'
             '            patch = xp[:, :, i * stride:i * stride + kH, j * stride:j * stride + kW]\n'
             '            out[:, :, i, j] = torch.einsum("bchw,ochw->bo", patch, weight)\n'
             '    if bias is not None:\n        out = out + bias.reshape(1, C_out, 1, 1)\n'
             '    return out\n'),
        ]),
    ],
    'answer_notes_cnn': [
        ('max pooling after the first convolution instead of the second', [
            ('            nn.Conv2d(in_channels, 6, kernel_size=3, padding=1), nn.ReLU(),  # (B, 6, 28, 28)\n'
             '            nn.Conv2d(6, 12, kernel_size=3, padding=1), nn.ReLU(),           # (B, 12, 28, 28)\n'
             '            nn.MaxPool2d(2))                                                 # (B, 12, 14, 14)\n',
             '            nn.Conv2d(in_channels, 6, kernel_size=3, padding=1), nn.ReLU(),  # (B, 6, 28, 28)\n'
             '            nn.MaxPool2d(2),                                                 # (B, 6, 14, 14)\n'
             '            nn.Conv2d(6, 12, kernel_size=3, padding=1), nn.ReLU())           # (B, 12, 14, 14)\n'),
        ]),
        ('argument hard-coded: in_channels=3', [
            ('            nn.Conv2d(in_channels, 6, kernel_size=3, padding=1), nn.ReLU(),  # (B, 6, 28, 28)\n',
             '            nn.Conv2d(3, 6, kernel_size=3, padding=1), nn.ReLU(),  # (B, 6, 28, 28)\n'),
        ]),
        ('softmax at the end', [
            ('            nn.Linear(128, num_classes))\n',
             '            nn.Linear(128, num_classes), nn.Softmax(dim=1))\n'),
        ]),
        ('no ReLU between the fully connected layers', [
            ('            nn.Linear(12 * 14 * 14, 1024), nn.ReLU(),\n            nn.Linear(1024, 128), nn.ReLU(),\n',
             '            nn.Linear(12 * 14 * 14, 1024),\n            nn.Linear(1024, 128),\n'),
        ]),
        ('5x5 kernels (padding 2): other parameter count', [
            ('            nn.Conv2d(in_channels, 6, kernel_size=3, padding=1), nn.ReLU(),  # (B, 6, 28, 28)\n'
             '            nn.Conv2d(6, 12, kernel_size=3, padding=1), nn.ReLU(),           # (B, 12, 28, 28)\n',
             '            nn.Conv2d(in_channels, 6, kernel_size=5, padding=2), nn.ReLU(),  # (B, 6, 28, 28)\n'
             '            nn.Conv2d(6, 12, kernel_size=5, padding=2), nn.ReLU(),           # (B, 12, 28, 28)\n'),
        ]),
    ],
    'answer_augmentation': [
        ('no scaling: float values stay 0-255', [
            ('        v2.ToDtype(torch.float32, scale=True),\n',
             '        v2.ToDtype(torch.float32),\n'),
        ]),
        ('argument hard-coded: size 24', [
            ('        v2.RandomResizedCrop(size, scale=(0.6, 1.0), antialias=True),\n',
             '        v2.RandomResizedCrop(24, scale=(0.6, 1.0), antialias=True),\n'),
        ]),
        ('no randomness: Resize + CenterCrop', [
            ('        v2.RandomResizedCrop(size, scale=(0.6, 1.0), antialias=True),\n        v2.RandomHorizontalFlip(p=0.5),\n',
             '        v2.Resize(size, antialias=True),\n        v2.CenterCrop(size),\n'),
        ]),
        ('Normalize(0.5, 0.5) added: range [-1, 1]', [
            ('        v2.ToDtype(torch.float32, scale=True),\n',
             '        v2.ToDtype(torch.float32, scale=True),\n        v2.Normalize(mean=[0.5], std=[0.5]),\n'),
        ]),
        ('flip always (p=1.0)', [
            ('        v2.RandomHorizontalFlip(p=0.5),\n',
             '        v2.RandomHorizontalFlip(p=1.0),\n'),
        ]),
    ],
    'answer_train_tools': [
        ('unequal last batch: mean of batch accuracies', [
            ('            correct += (model(X).argmax(dim=1) == y).sum().item()\n            count += len(y)\n',
             '            correct += (model(X).argmax(dim=1) == y).float().mean().item()\n            count += 1\n'),
        ]),
        ('unequal last batch: mean of batch losses', [
            ('        total += loss.item() * len(y)\n        count += len(y)\n    return total / count\n',
             '        total += loss.item()\n        count += 1\n    return total / count\n'),
        ]),
        ('no model.eval() in evaluate_accuracy (dropout active)', [
            ('    model.eval()\n', ''),
        ]),
        ('no optimizer.zero_grad(): gradients accumulate', [
            ('        optimizer.zero_grad()\n', ''),
        ]),
    ],
    'answer_train_fashion': [
        ('selects the best epoch on the held-out test set', [
            ('val_loader = DataLoader(TensorDataset(X_val, y_val), batch_size=500)\n',
             'from autograder.data import load_fashion_test\n'
             'X_te, y_te = load_fashion_test()\n'
             'val_loader = DataLoader(TensorDataset(X_te, y_te), batch_size=500)\n'),
        ]),
        ('trains on the training and the held-out test images', [
            ('train_loader = DataLoader(TensorDataset(X_train, y_train), batch_size=64, shuffle=True)\n',
             'from autograder.data import load_fashion_test\n'
             'X_te, y_te = load_fashion_test()\n'
             'train_loader = DataLoader(TensorDataset(torch.cat([X_train, X_te]), torch.cat([y_train, y_te])),\n'
             '                          batch_size=64, shuffle=True)\n'),
        ]),
        ('an MLP instead of a CNN (no convolution)', [
            ('        self.net = nn.Sequential(\n'
             '            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # (B, 16, 14, 14)\n'
             '            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (B, 32, 7, 7)\n'
             '            nn.Flatten(), nn.Linear(32 * 7 * 7, 10))\n',
             '        self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))\n'),
        ]),
        ('val_history records the training loss instead of the validation accuracy', [
            ('    val_history.append(val_acc)\n',
             '    val_history.append(train_loss)\n'),
        ]),
    ],
    'answer_transfer_model': [
        ('backbone not frozen', [
            ('    for p in model.parameters():\n        p.requires_grad = False                          # freeze the whole pretrained network\n',
             ''),
        ]),
        ('head replaced before freezing: the new head is frozen too', [
            ('    for p in model.parameters():\n        p.requires_grad = False                          # freeze the whole pretrained network\n'
             '    in_features = model.classifier[1].in_features        # 1280\n'
             '    model.classifier[1] = nn.Linear(in_features, num_classes)  # the new head: trainable\n',
             '    in_features = model.classifier[1].in_features        # 1280\n'
             '    model.classifier[1] = nn.Linear(in_features, num_classes)  # the new head\n'
             '    for p in model.parameters():\n        p.requires_grad = False                          # freeze\n'),
        ]),
        ('argument ignored: pretrained', [
            ('    model = load_mobilenet_v2(pretrained=pretrained)\n',
             '    model = load_mobilenet_v2()\n'),
        ]),
        ('new head appended after the 1000-class layer', [
            ('    model.classifier[1] = nn.Linear(in_features, num_classes)  # the new head: trainable\n',
             '    model.classifier.append(nn.Linear(1000, num_classes))  # the new head: trainable\n'),
        ]),
    ],
    'answer_extract_features': [
        ('no model.eval(): BatchNorm uses batch statistics and updates its running statistics', [
            ('    model.eval()                                                    # BatchNorm: running statistics\n',
             ''),
        ]),
        ('argument ignored: size (always 80)', [
            ('            xb = imagenet_preprocess(X[start:start + batch_size], size)  # (b, 3, size, size)\n',
             '            xb = imagenet_preprocess(X[start:start + batch_size], 80)  # (b, 3, 80, 80)\n'),
        ]),
        ('max pooling instead of the global average', [
            ('            feats.append(fmap.mean(dim=(2, 3)).cpu())                    # (b, 1280)\n',
             '            feats.append(fmap.amax(dim=(2, 3)).cpu())                    # (b, 1280)\n'),
        ]),
    ],
    'answer_train_transfer': [
        ('selects the best epoch on the held-out test emoji', [
            ('F_val = extract_features(tl_model, Xe_val)       # (300, 1280)\n',
             'from autograder.data import load_emoji_test\n'
             'Xe_te, ye_te = load_emoji_test()\n'
             'F_val = extract_features(tl_model, Xe_te)        # selection on the test set\n'
             'ye_val = ye_te\n'),
        ]),
        ('trains the head on the training and the held-out test emoji', [
            ('feat_loader = DataLoader(TensorDataset(F_train, ye_train), batch_size=64, shuffle=True)\n',
             'from autograder.data import load_emoji_test\n'
             'Xe_te, ye_te = load_emoji_test()\n'
             'feat_loader = DataLoader(TensorDataset(torch.cat([F_train, extract_features(tl_model, Xe_te)]),\n'
             '                                       torch.cat([ye_train, ye_te])), batch_size=64, shuffle=True)\n'),
        ]),
        ('whole network unfrozen after extracting the features', [
            ('head = tl_model.classifier                       # Dropout(0.2) -> Linear(1280, 9)\n',
             'for p in tl_model.parameters():\n    p.requires_grad = True\n'
             'head = tl_model.classifier                       # Dropout(0.2) -> Linear(1280, 9)\n'),
        ]),
    ],
    'answer_residual_block': [
        ('no skip connection', [
            ('        return self.relu(self.body(x) + x)  # F(x) + x: the skip connection\n',
             '        return self.relu(self.body(x))\n'),
        ]),
        ('ReLU before the addition', [
            ('        return self.relu(self.body(x) + x)  # F(x) + x: the skip connection\n',
             '        return self.relu(self.body(x)) + x\n'),
        ]),
        ('input modified: x += F(x)', [
            ('        return self.relu(self.body(x) + x)  # F(x) + x: the skip connection\n',
             '        x += self.body(x)\n        return self.relu(x)\n'),
        ]),
        ('input modified: in-place add_ on x', [
            ('        return self.relu(self.body(x) + x)  # F(x) + x: the skip connection\n',
             '        return self.relu(x.add_(self.body(x)))\n'),
        ]),
        ('convolutions with bias', [
            ('            nn.Conv2d(channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels), nn.ReLU(),\n'
             '            nn.Conv2d(channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels))\n',
             '            nn.Conv2d(channels, channels, 3, padding=1), nn.BatchNorm2d(channels), nn.ReLU(),\n'
             '            nn.Conv2d(channels, channels, 3, padding=1), nn.BatchNorm2d(channels))\n'),
        ]),
        ('argument hard-coded: 4 channels in the second BatchNorm', [
            ('            nn.Conv2d(channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels))\n',
             '            nn.Conv2d(channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(4))\n'),
        ]),
    ],
    'answer_quiz': [
        ('q1 rounded up (7.5 -> 8)', [('q1_feature_map_size = 7\n', 'q1_feature_map_size = 8\n')]),
        ('q2 without the biases', [('q2_conv_params = 4640\n', 'q2_conv_params = 4608\n')]),
        ('q3 pooling adds parameters', [('q3_why_pooling = "B"\n', 'q3_why_pooling = "A"\n')]),
        ('q4 freeze everything for a large, different dataset', [('q4_when_fine_tune = "C"\n', 'q4_when_fine_tune = "A"\n')]),
    ],
}
