"""Plausible alternative CORRECT answers for week03_cnn: each must score full marks.

Same format as tests/wrong_answers/week03_cnn.py, but the dict is ``ALTERNATIVE_ANSWERS``.
"""

ALTERNATIVE_ANSWERS: dict[str, list[tuple[str, list[tuple[str, str]]]]] = {
    'answer_conv_output_size': [
        ('math.floor of a true division', [
            ('    return (n + 2 * padding - span) // stride + 1\n',
             '    return math.floor((n + 2 * padding - span) / stride) + 1\n'),
        ]),
    ],
    'answer_conv2d_by_hand': [
        ('explicit loops over output positions with F.pad and einsum', [
            ('    cols = F.unfold(x, (kH, kW), padding=padding, stride=stride)  # (B, C_in*kH*kW, H_out*W_out)\n'
             '    out = weight.reshape(C_out, -1) @ cols                         # (B, C_out, H_out*W_out)\n'
             '    if bias is not None:\n        out = out + bias.reshape(1, C_out, 1)\n'
             '    return out.reshape(B, C_out, H_out, W_out)\n',
             '    xp = F.pad(x, (padding, padding, padding, padding))\n'
             '    out = x.new_zeros(B, C_out, H_out, W_out)\n'
             '    for i in range(H_out):\n        for j in range(W_out):\n'
             '            patch = xp[:, :, i * stride:i * stride + kH, j * stride:j * stride + kW]  # (B, C_in, kH, kW)\n'
             '            out[:, :, i, j] = torch.einsum("bchw,ochw->bo", patch, weight)\n'
             '    if bias is not None:\n        out = out + bias.reshape(1, C_out, 1, 1)\n'
             '    return out\n'),
        ]),
    ],
    'answer_notes_cnn': [
        ('named layers and F.relu / F.max_pool2d in forward', [
            ('        self.features = nn.Sequential(\n'
             '            nn.Conv2d(in_channels, 6, kernel_size=3, padding=1), nn.ReLU(),  # (B, 6, 28, 28)\n'
             '            nn.Conv2d(6, 12, kernel_size=3, padding=1), nn.ReLU(),           # (B, 12, 28, 28)\n'
             '            nn.MaxPool2d(2))                                                 # (B, 12, 14, 14)\n'
             '        self.classifier = nn.Sequential(\n'
             '            nn.Flatten(),                                                    # (B, 2352)\n'
             '            nn.Linear(12 * 14 * 14, 1024), nn.ReLU(),\n'
             '            nn.Linear(1024, 128), nn.ReLU(),\n'
             '            nn.Linear(128, num_classes))\n',
             '        self.conv1 = nn.Conv2d(in_channels, 6, 3, padding=1)\n'
             '        self.conv2 = nn.Conv2d(6, 12, 3, padding=1)\n'
             '        self.fc1 = nn.Linear(2352, 1024)\n'
             '        self.fc2 = nn.Linear(1024, 128)\n'
             '        self.fc3 = nn.Linear(128, num_classes)\n'),
            ('        return self.classifier(self.features(x))  # (B, num_classes) logits\n',
             '        x = F.max_pool2d(F.relu(self.conv2(F.relu(self.conv1(x)))), 2)  # (B, 12, 14, 14)\n'
             '        x = torch.flatten(x, 1)                                         # (B, 2352)\n'
             '        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))\n'),
        ]),
    ],
    'answer_augmentation': [
        ('v2.ToImage() first, scale given as a list', [
            ('    return v2.Compose([\n        v2.RandomResizedCrop(size, scale=(0.6, 1.0), antialias=True),\n',
             '    return v2.Compose([\n        v2.ToImage(),\n        v2.RandomResizedCrop((size, size), scale=[0.6, 1.0]),\n'),
        ]),
    ],
    'answer_train_tools': [
        ('tensor accumulators and len(loader.dataset)', [
            ('            correct += (model(X).argmax(dim=1) == y).sum().item()\n            count += len(y)\n    return correct / count\n',
             '            correct += int((model(X).argmax(dim=1) == y).sum())\n    return float(correct / len(loader.dataset))\n'),
        ]),
    ],
    'answer_train_fashion': [
        ('progress printed to stderr, state_dict copied tensor by tensor', [
            ('    print(f"epoch {epoch}: train loss {train_loss:.4f} | val acc {val_acc:.2%}")\n',
             '    print(f"epoch {epoch}: train loss {train_loss:.4f} | val acc {val_acc:.2%}", file=sys.stderr)\n'),
            ('        best_val_acc, best_state = val_acc, copy.deepcopy(model.state_dict())\n',
             '        best_val_acc = val_acc\n        best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}\n'),
        ]),
    ],
    'answer_transfer_model': [
        ('requires_grad_(False) on the model and a new classifier Sequential', [
            ('    for p in model.parameters():\n        p.requires_grad = False                          # freeze the whole pretrained network\n'
             '    in_features = model.classifier[1].in_features        # 1280\n'
             '    model.classifier[1] = nn.Linear(in_features, num_classes)  # the new head: trainable\n',
             '    model.requires_grad_(False)\n'
             '    model.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(model.last_channel, num_classes))\n'),
        ]),
    ],
    'answer_extract_features': [
        ('adaptive_avg_pool2d + flatten, torch.inference_mode', [
            ('    with torch.no_grad():\n', '    with torch.inference_mode():\n'),
            ('            feats.append(fmap.mean(dim=(2, 3)).cpu())                    # (b, 1280)\n',
             '            feats.append(torch.flatten(F.adaptive_avg_pool2d(fmap, 1), 1).cpu())  # (b, 1280)\n'),
        ]),
    ],
    'answer_residual_block': [
        ('separate attributes and torch.relu', [
            ('        self.body = nn.Sequential(\n'
             '            nn.Conv2d(channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels), nn.ReLU(),\n'
             '            nn.Conv2d(channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels))\n'
             '        self.relu = nn.ReLU()\n',
             '        self.conv1 = nn.Conv2d(channels, channels, kernel_size=3, padding=1, bias=False)\n'
             '        self.bn1 = nn.BatchNorm2d(channels)\n'
             '        self.conv2 = nn.Conv2d(channels, channels, kernel_size=3, padding=1, bias=False)\n'
             '        self.bn2 = nn.BatchNorm2d(channels)\n'),
            ('        return self.relu(self.body(x) + x)  # F(x) + x: the skip connection\n',
             '        identity = x\n        out = torch.relu(self.bn1(self.conv1(x)))\n'
             '        out = self.bn2(self.conv2(out))\n        out = out + identity\n        return torch.relu(out)\n'),
        ]),
    ],
    'answer_quiz': [
        ('choices in lower case and with brackets', [
            ('q3_why_pooling = "B"\n', 'q3_why_pooling = "b"\n'),
            ('q4_when_fine_tune = "C"\n', 'q4_when_fine_tune = "(C)"\n'),
        ]),
    ],
}
