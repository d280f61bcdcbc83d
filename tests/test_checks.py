"""Unit tests of autograder.checks: every helper passes on good input and fails with the
intended Korean message (what was checked, expected vs got, a hint) on bad input."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch
from torch import nn

from autograder import checks
from autograder.checks import (AccuracyCheckError, CheckError, DtypeCheckError, ParamCountError,
                               ShapeCheckError, TimeBudgetError, TypeCheckError, ValueCheckError)


def _msg(exc_info) -> str:
    return str(exc_info.value)


def test_errors_are_assertion_errors():
    for cls in (CheckError, TypeCheckError, ShapeCheckError, DtypeCheckError, ValueCheckError,
                ParamCountError, AccuracyCheckError, TimeBudgetError):
        assert issubclass(cls, AssertionError)


def test_format_message_has_all_parts():
    text = checks.format_message("출력 shape", "(2, 3)", "(3, 2)", "permute를 확인하세요.")
    assert "[검사 실패] 출력 shape" in text
    assert "기대값(expected): (2, 3)" in text
    assert "실제값(got):      (3, 2)" in text
    assert "힌트(hint): permute" in text


def test_check_type():
    checks.check_type(torch.zeros(1), torch.Tensor)
    with pytest.raises(TypeCheckError) as e:
        checks.check_type([1, 2], torch.Tensor, "출력")
    assert "출력의 타입(type)" in _msg(e) and "torch.Tensor" in _msg(e) and "list" in _msg(e)
    with pytest.raises(TypeCheckError) as e:
        checks.check_type(None, torch.Tensor, "결과")
    assert "return" in _msg(e)  # hint for a forgotten return


def test_check_shape_and_hints():
    checks.check_shape(torch.zeros(2, 3), (2, 3))
    checks.check_shape(np.zeros((4, 5)), (None, 5))
    with pytest.raises(ShapeCheckError) as e:
        checks.check_shape(torch.zeros(3, 2), (2, 3), "출력")
    assert "(2, 3)" in _msg(e) and "(3, 2)" in _msg(e) and "permute" in _msg(e)
    with pytest.raises(ShapeCheckError) as e:
        checks.check_shape(torch.zeros(1, 2, 3), (2, 3))
    assert "차원 수(ndim)" in _msg(e)
    with pytest.raises(TypeCheckError):
        checks.check_shape([1, 2], (2,))


def test_check_dtype():
    checks.check_dtype(torch.zeros(2), torch.float32)
    with pytest.raises(DtypeCheckError) as e:
        checks.check_dtype(torch.tensor([1, 2]), torch.float32, "x")
    assert "torch.float32" in _msg(e) and "torch.int64" in _msg(e) and "dtype" in _msg(e)


def test_check_close_reports_tolerance_largest_difference_and_index():
    checks.check_close(torch.tensor([1.0, 2.0]), [1.0, 2.0 + 1e-7])
    checks.check_close(0.5, 0.5)
    with pytest.raises(ValueCheckError) as e:
        checks.check_close(torch.tensor([[1.0, 2.0], [3.0, 9.0]]), [[1.0, 2.0], [3.0, 4.0]],
                           rtol=1e-3, atol=1e-6, name="값")
    text = _msg(e)
    assert "rtol=0.001" in text and "atol=1e-06" in text
    assert "(1, 1)" in text and "가장 큰 차이 5" in text and "1/4" in text
    with pytest.raises(ShapeCheckError):
        checks.check_close(torch.zeros(3), torch.zeros(4))
    with pytest.raises(ValueCheckError) as e:
        checks.check_close(torch.tensor([float("nan")]), [1.0])
    assert "NaN" in _msg(e)
    with pytest.raises(TypeCheckError):
        checks.check_close(None, 1.0)


def test_check_equal_distinguishes_bool_from_int():
    checks.check_equal((4, 2, 3), (4, 2, 3))
    with pytest.raises(ValueCheckError) as e:
        checks.check_equal("ABC", "BDAEC", "q4", "순서를 생각해 보세요")
    assert "'BDAEC'" in _msg(e) and "'ABC'" in _msg(e) and "순서" in _msg(e)
    with pytest.raises(ValueCheckError):
        checks.check_equal(True, 1)
    with pytest.raises(ValueCheckError):
        checks.check_equal(torch.zeros(2), (0, 0))  # ambiguous comparison → a clean failure


def test_check_at_least_and_at_most():
    checks.check_at_least(0.9, 0.8)
    checks.check_at_most(torch.tensor(0.01), 0.02)
    with pytest.raises(ValueCheckError) as e:
        checks.check_at_least(0.7, 0.8, "정확도")
    assert ">= 0.8" in _msg(e) and "0.7" in _msg(e)
    with pytest.raises(ValueCheckError):
        checks.check_at_most(float("nan"), 1.0)
    with pytest.raises(TypeCheckError):
        checks.check_at_most("0.1", 1.0)


def _mlp():
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 128), nn.ReLU(),
                         nn.Linear(128, 10))


def test_param_counts_and_per_layer_table():
    model = _mlp()
    checks.check_param_count(model, 468_874)
    with pytest.raises(ParamCountError) as e:
        checks.check_param_count(model, 468_000, "MLP")
    text = _msg(e)
    assert "468,000" in text and "468,874" in text
    assert "층별 파라미터" in text and "401,920" in text  # torchinfo row for Linear(784, 512)
    for p in model[0].parameters():
        p.requires_grad_(False)
    checks.check_trainable_count(model, 468_874 - 401_920)
    with pytest.raises(ParamCountError) as e:
        checks.check_trainable_count(model, 468_874)
    assert "학습 가능한 파라미터" in _msg(e)
    with pytest.raises(TypeCheckError):
        checks.check_param_count("not a model", 1)


def test_accuracy_uses_eval_mode_and_no_grad_and_restores_mode():
    torch.manual_seed(0)
    X = torch.randn(200, 2)
    y = (X[:, 0] > 0).long()

    class Perfect(nn.Module):
        def __init__(self):
            super().__init__()
            self.drop = nn.Dropout(0.9)
            self.w = nn.Parameter(torch.zeros(1))

        def forward(self, x):
            assert not torch.is_grad_enabled()
            logits = torch.stack([-x[:, 0], x[:, 0]], dim=1)
            return self.drop(logits) + self.w  # dropout would break it in train mode

    model = Perfect().train()
    acc = checks.check_accuracy_at_least(model, (X, y), 0.99)
    assert acc == 1.0 and model.training
    ds = torch.utils.data.TensorDataset(X, y)
    assert checks.accuracy(model, ds) == 1.0
    assert checks.accuracy(model, torch.utils.data.DataLoader(ds, batch_size=7)) == 1.0
    untrained = nn.Linear(2, 2)
    nn.init.zeros_(untrained.weight)
    nn.init.zeros_(untrained.bias)
    with pytest.raises(AccuracyCheckError) as e:
        checks.check_accuracy_at_least(untrained, (X, y), 0.9, "모델")
    assert ">= 90.0%" in _msg(e) and "정확도(accuracy)" in _msg(e)


def test_time_budget():
    with checks.time_budget(5):
        pass
    with pytest.raises(TimeBudgetError) as e:
        with checks.time_budget(0.01, "학습"):
            time.sleep(0.05)
    assert "학습의 실행 시간" in _msg(e) and "0.01초" in _msg(e)
