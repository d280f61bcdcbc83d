"""autograder.utils and the offline-first loader skeleton in autograder.data."""

from __future__ import annotations

import importlib
import random
import subprocess
import sys

import numpy as np
import pytest
import torch

from autograder import data, utils
from conftest import REPO


def test_importing_the_package_changes_no_global_state():
    code = ("import random, torch; torch.manual_seed(123); random.seed(123);"
            "a = torch.rand(1).item(); b = random.random(); n = torch.get_num_threads();"
            "torch.manual_seed(123); random.seed(123);"
            "import autograder, autograder.checks, autograder.utils, autograder.data;"
            "assert torch.rand(1).item() == a and random.random() == b;"
            "assert torch.get_num_threads() == n; import sys;"
            "assert 'matplotlib' not in sys.modules and 'nbgrader' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_set_seed_is_reproducible_and_sets_cudnn_flags():
    utils.set_seed(7)
    a = (random.random(), np.random.rand(), torch.rand(3))
    utils.set_seed(7)
    b = (random.random(), np.random.rand(), torch.rand(3))
    assert a[0] == b[0] and a[1] == b[1] and torch.equal(a[2], b[2])
    assert torch.backends.cudnn.deterministic and not torch.backends.cudnn.benchmark
    assert torch.are_deterministic_algorithms_enabled()
    assert torch.is_deterministic_algorithms_warn_only_enabled()


def test_set_seed_does_not_load_the_compiler():
    """set_seed runs in every setup cell: it must not import torch._inductor (1.6 s)."""
    code = ("import sys, torch\nfrom autograder.utils import set_seed\nset_seed(1)\n"
            "assert torch.are_deterministic_algorithms_enabled()\n"
            "assert 'torch._inductor.config' not in sys.modules, 'inductor imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_get_device(monkeypatch):
    monkeypatch.setenv("DLCOURSE_DEVICE", "cpu")
    assert utils.get_device() == torch.device("cpu")
    monkeypatch.delenv("DLCOURSE_DEVICE")
    assert utils.get_device().type in {"cpu", "cuda", "mps"}
    assert utils.get_device("cpu").type == "cpu"


def test_first_available_falls_through_and_reports(monkeypatch):
    monkeypatch.setenv("DLCOURSE_OFFLINE", "0")

    def broken():
        raise OSError("no route to host")

    src = [data.Source("online", broken, online=True, install_hint="check the network"),
           data.Source("offline", lambda: 42)]
    assert data.first_available("toy", src) == 42
    with pytest.raises(data.DataUnavailableError) as e:
        data.first_available("toy", src[:1])
    assert "toy" in str(e.value) and "no route to host" in str(e.value)
    assert "check the network" in str(e.value)


def test_offline_mode_skips_online_sources(monkeypatch):
    monkeypatch.setenv("DLCOURSE_OFFLINE", "1")
    called = []
    src = [data.Source("hub", lambda: called.append(1), online=True)]
    with pytest.raises(data.DataUnavailableError) as e:
        data.first_available("toy", src)
    assert not called and "DLCOURSE_OFFLINE=1" in str(e.value)
    assert data.is_offline()


def test_make_bench_keeps_the_sections_measured_by_hand():
    from autograder import bench
    doc = (REPO / "docs" / "BENCHMARKS.md").read_text(encoding="utf-8")
    assert bench.HAND_MARKER in doc, "docs/BENCHMARKS.md lost its hand-measured marker"
    new = bench.keep_hand_sections("# Benchmarks\n\nfresh numbers\n", doc)
    assert new.startswith("# Benchmarks\n\nfresh numbers\n")
    assert new.endswith(doc.split(bench.HAND_MARKER, 1)[1])
    assert "### Week 3" in new and "### `make test`" in new
    assert bench.keep_hand_sections("only generated\n", "no marker") == "only generated\n"

