"""Assertion helpers for graded test cells.

Every helper raises a subclass of :class:`CheckError` (itself an ``AssertionError``) whose
text is a Korean message with the English term: what was checked, the expected value, the
value found and a hint. Test cells call these helpers instead of bare ``assert``.

Checks follow the order type → dtype → device → shape → values and stop at the first
failure, so the student sees the most basic problem first.
"""

from __future__ import annotations

import contextlib
import math
import time
from typing import Any, Iterable, Sequence

__all__ = [
    "CheckError",
    "TypeCheckError",
    "ShapeCheckError",
    "DtypeCheckError",
    "ValueCheckError",
    "ParamCountError",
    "AccuracyCheckError",
    "TimeBudgetError",
    "format_message",
    "check_type",
    "check_shape",
    "check_dtype",
    "check_close",
    "check_equal",
    "check_at_least",
    "check_at_most",
    "check_param_count",
    "check_trainable_count",
    "check_accuracy_at_least",
    "accuracy",
    "time_budget",
]


class CheckError(AssertionError):
    """A failed check. ``str(err)`` is the full Korean message shown to the student."""


class TypeCheckError(CheckError):
    """The object has the wrong type."""


class ShapeCheckError(CheckError):
    """The tensor or array has the wrong shape."""


class DtypeCheckError(CheckError):
    """The tensor has the wrong dtype."""


class ValueCheckError(CheckError):
    """The values differ from the expected ones."""


class ParamCountError(CheckError):
    """A model has the wrong number of (trainable) parameters."""


class AccuracyCheckError(CheckError):
    """A model does not reach the required accuracy."""


class TimeBudgetError(CheckError):
    """A block of code took longer than its time budget."""


def _short(value: Any, limit: int = 300) -> str:
    text = repr(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


def format_message(what: str, expected: Any, got: Any, hint: str | None = None,
                   detail: str | None = None) -> str:
    """Build the standard failure message.

    >>> print(format_message("출력 shape", "(2, 3)", "(3, 2)", "permute 순서를 확인하세요."))
    [검사 실패] 출력 shape
      기대값(expected): (2, 3)
      실제값(got):      (3, 2)
      힌트(hint): permute 순서를 확인하세요.
    """
    lines = [f"[검사 실패] {what}",
             f"  기대값(expected): {expected}",
             f"  실제값(got):      {got}"]
    if detail:
        lines.append(f"  {detail}")
    if hint:
        lines.append(f"  힌트(hint): {hint}")
    return "\n".join(lines)


def _fail(cls: type[CheckError], what: str, expected: Any, got: Any, hint: str | None,
          detail: str | None = None) -> None:
    raise cls(format_message(what, expected, got, hint, detail))


def _type_name(tp: Any) -> str:
    if isinstance(tp, tuple):
        return " 또는 ".join(_type_name(t) for t in tp)
    module = getattr(tp, "__module__", "builtins")
    qualname = getattr(tp, "__qualname__", str(tp))
    if module == "builtins":
        return qualname
    if module.startswith("torch"):
        module = "torch" if qualname == "Tensor" else module
    return f"{module}.{qualname}"


def check_type(obj: Any, expected_type: type | tuple[type, ...], name: str = "값",
               hint: str | None = None) -> None:
    """Check ``isinstance(obj, expected_type)``."""
    if not isinstance(obj, expected_type):
        if hint is None and obj is None:
            hint = "None이 반환되었습니다. 함수 끝에서 값을 return 했는지 확인하세요."
        _fail(TypeCheckError, f"{name}의 타입(type)", _type_name(expected_type),
              f"{_type_name(type(obj))} = {_short(obj, 120)}", hint)


def _is_array(obj: Any) -> bool:
    return hasattr(obj, "shape") and hasattr(obj, "dtype")


def check_shape(tensor: Any, expected_shape: Sequence[int | None], name: str = "텐서",
                hint: str | None = None) -> None:
    """Check a tensor's (or array's) shape; ``None`` in ``expected_shape`` matches any size."""
    if not _is_array(tensor):
        _fail(TypeCheckError, f"{name}의 타입(type)", "torch.Tensor (또는 numpy 배열)",
              _type_name(type(tensor)), hint or "텐서(tensor)를 반환해야 합니다.")
    got = tuple(int(s) for s in tensor.shape)
    exp = tuple(expected_shape)
    ok = len(got) == len(exp) and all(e is None or e == g for e, g in zip(exp, got))
    if not ok:
        exp_text = "(" + ", ".join("*" if e is None else str(e) for e in exp) + \
            ("," if len(exp) == 1 else "") + ")"
        if hint is None and len(got) != len(exp):
            hint = (f"차원 수(ndim)가 {len(exp)}이어야 하는데 {len(got)}입니다. "
                    "squeeze/unsqueeze/view를 확인하세요.")
        elif hint is None and sorted(x for x in exp if x is not None) == sorted(got):
            hint = "크기는 맞지만 축(dimension) 순서가 다릅니다. permute/transpose를 확인하세요."
        _fail(ShapeCheckError, f"{name}의 shape", exp_text, str(got), hint)


def check_dtype(tensor: Any, dtype: Any, name: str = "텐서", hint: str | None = None) -> None:
    """Check a tensor's dtype (``torch.float32``, ``np.int64`` …)."""
    if not _is_array(tensor):
        _fail(TypeCheckError, f"{name}의 타입(type)", "torch.Tensor (또는 numpy 배열)",
              _type_name(type(tensor)), hint)
    if tensor.dtype != dtype:
        _fail(DtypeCheckError, f"{name}의 자료형(dtype)", str(dtype), str(tensor.dtype),
              hint or "생성할 때 dtype=을 지정하거나 .float()/.long()/.to(dtype)으로 변환하세요.")


def _to_tensor(x: Any):
    import torch
    if isinstance(x, torch.Tensor):
        return x.detach().cpu()
    return torch.as_tensor(x)


def check_close(actual: Any, expected: Any, rtol: float = 1e-5, atol: float = 1e-8,
                name: str = "값", hint: str | None = None) -> None:
    """Check ``|actual - expected| <= atol + rtol * |expected|`` element-wise.

    Works for Python numbers, numpy arrays and tensors. On failure the message gives the
    tolerances, the largest difference and the index where it occurs.
    """
    import torch
    if actual is None:
        _fail(TypeCheckError, f"{name}의 타입(type)", "숫자 또는 텐서(tensor)", "None",
              "None이 반환되었습니다. 함수 끝에서 값을 return 했는지 확인하세요.")
    try:
        a = _to_tensor(actual)
    except Exception:  # noqa: BLE001 - any non-numeric object
        _fail(TypeCheckError, f"{name}의 타입(type)", "숫자 또는 텐서(tensor)",
              _type_name(type(actual)), hint)
    e = _to_tensor(expected)
    if tuple(a.shape) != tuple(e.shape):
        check_shape(a, tuple(e.shape), name, hint)
    a64 = a.to(torch.float64) if not a.is_complex() else a
    e64 = e.to(torch.float64) if not e.is_complex() else e
    if a64.numel() == 0:
        return
    nan_mismatch = torch.isnan(a64) != torch.isnan(e64)
    if bool(nan_mismatch.any()):
        idx = tuple(int(i) for i in torch.nonzero(nan_mismatch)[0])
        _fail(ValueCheckError, f"{name}의 값 (NaN 위치)", "NaN이 없는 값", f"인덱스 {idx}에 NaN",
              hint or "0으로 나누기, log(0), 너무 큰 학습률(learning rate)을 확인하세요.")
    diff = (a64 - e64).abs().nan_to_num(0.0)
    tol = atol + rtol * e64.abs().nan_to_num(0.0)
    bad = diff > tol
    if bool(bad.any()):
        flat = int(torch.argmax(diff - tol))
        idx = tuple(int(i) for i in torch.unravel_index(torch.tensor(flat), tuple(a64.shape))) \
            if a64.dim() else ()
        n_bad = int(bad.sum())
        where = f"인덱스 {idx}" if idx else "값"
        got_v = a64[idx].item() if idx else a64.item()
        exp_v = e64[idx].item() if idx else e64.item()
        detail = (f"허용 오차(tolerance): rtol={rtol:g}, atol={atol:g}; "
                  f"어긋난 원소 {n_bad}/{a64.numel()}개, 가장 큰 차이 {float(diff.max()):.6g} "
                  f"({where})")
        _fail(ValueCheckError, f"{name}의 값", f"{exp_v:.6g} ({where})", f"{got_v:.6g}",
              hint, detail)


def check_equal(actual: Any, expected: Any, name: str = "값", hint: str | None = None) -> None:
    """Check ``actual == expected`` for plain Python values (numbers, strings, tuples, sets)."""
    try:
        same = bool(actual == expected)
    except Exception:  # noqa: BLE001 - e.g. a tensor compared with a tuple
        same = False
    if same and (type(actual) is bool) != (type(expected) is bool):
        same = False  # True == 1 in Python; a quiz asking for a number wants a number
    if not same:
        _fail(ValueCheckError, f"{name}", _short(expected), _short(actual), hint)


def _as_float(value: Any, name: str, hint: str | None) -> float:
    if isinstance(value, bool) or not (isinstance(value, (int, float)) or
                                       (_is_array(value) and math.prod(value.shape) == 1)):
        _fail(TypeCheckError, f"{name}의 타입(type)", "숫자 (int/float, 또는 원소 1개인 텐서)",
              f"{_type_name(type(value))} = {_short(value, 120)}", hint)
    return float(value)


def check_at_least(value: Any, minimum: float, name: str = "값", hint: str | None = None) -> None:
    """Check that a number is ``>= minimum`` (a score, an accuracy, an R²…)."""
    v = _as_float(value, name, hint)
    if not v >= minimum:  # also fails on NaN
        _fail(ValueCheckError, f"{name}", f">= {minimum:.4g}", f"{v:.4g}", hint)


def check_at_most(value: Any, maximum: float, name: str = "값", hint: str | None = None) -> None:
    """Check that a number is ``<= maximum`` (a loss, an error…)."""
    v = _as_float(value, name, hint)
    if not v <= maximum:  # also fails on NaN
        _fail(ValueCheckError, f"{name}", f"<= {maximum:.4g}", f"{v:.4g}", hint)


def _layer_table(model: Any) -> str:
    """Per-layer parameter table: torchinfo when available, else named_parameters."""
    try:
        import torchinfo
        stats = torchinfo.summary(model, verbose=0, depth=4,
                                  col_names=("num_params", "trainable"))
        return str(stats)
    except Exception:  # noqa: BLE001 - fall back to a plain table
        rows = [f"  {n:<40} {tuple(p.shape)!s:<20} {p.numel():>12,}"
                + ("" if p.requires_grad else "  (frozen)")
                for n, p in model.named_parameters()]
        return "\n".join(["  파라미터 이름                              shape                 개수"] + rows)


def _check_count(model: Any, expected: int, trainable: bool, name: str,
                 hint: str | None) -> None:
    import torch
    check_type(model, torch.nn.Module, name,
               "nn.Module을 상속한 모델 객체를 만들어야 합니다.")
    params = [p for p in model.parameters() if p.requires_grad or not trainable]
    got = sum(p.numel() for p in params)
    if got != expected:
        kind = "학습 가능한 파라미터(trainable parameters)" if trainable else "파라미터(parameters)"
        detail = "층별 파라미터(per-layer parameters):\n" + _layer_table(model)
        if hint is None:
            hint = ("각 층의 (입력 + 1) × 출력 = 가중치(weight) + 편향(bias)을 손으로 세어 보고, "
                    "위 표와 비교하세요.") if not trainable else \
                ("동결(freeze)할 층의 requires_grad=False 설정을 확인하세요.")
        _fail(ParamCountError, f"{name}의 {kind} 개수", f"{expected:,}", f"{got:,}", hint, detail)


def check_param_count(model: Any, expected: int, name: str = "모델",
                      hint: str | None = None) -> None:
    """Check the total number of parameters; on mismatch show a per-layer table."""
    _check_count(model, expected, False, name, hint)


def check_trainable_count(model: Any, expected: int, name: str = "모델",
                          hint: str | None = None) -> None:
    """Check the number of parameters with ``requires_grad=True``."""
    _check_count(model, expected, True, name, hint)


def _batches(data: Any, batch_size: int) -> Iterable[tuple[Any, Any]]:
    import torch
    if isinstance(data, torch.utils.data.DataLoader):
        yield from data
        return
    if isinstance(data, (tuple, list)) and len(data) == 2 and _is_array(data[0]):
        X, y = torch.as_tensor(data[0]), torch.as_tensor(data[1])
        for i in range(0, len(X), batch_size):
            yield X[i:i + batch_size], y[i:i + batch_size]
        return
    loader = torch.utils.data.DataLoader(data, batch_size=batch_size, shuffle=False)
    yield from loader


def accuracy(model: Any, data: Any, device: Any = None, batch_size: int = 512) -> float:
    """Classification accuracy of ``model`` on ``data`` (Dataset, DataLoader or ``(X, y)``).

    Runs in ``eval()`` mode under ``torch.no_grad()`` and restores the previous mode.
    """
    import torch
    was_training = model.training
    if device is None:
        try:
            device = next(model.parameters()).device
        except StopIteration:
            device = torch.device("cpu")
    model.eval()
    correct = total = 0
    try:
        with torch.no_grad():
            for X, y in _batches(data, batch_size):
                logits = model(X.to(device))
                pred = logits.argmax(dim=1) if logits.dim() > 1 else (logits > 0).long()
                correct += int((pred.cpu() == y.cpu()).sum())
                total += int(y.numel())
    finally:
        model.train(was_training)
    return correct / max(total, 1)


def check_accuracy_at_least(model: Any, data: Any, threshold: float, name: str = "모델",
                            hint: str | None = None, device: Any = None,
                            batch_size: int = 512) -> float:
    """Measure accuracy on ``data`` (held-out data the test passes) and require ``>= threshold``.

    Returns the measured accuracy so the test can print it.
    """
    import torch
    check_type(model, torch.nn.Module, name, "nn.Module을 상속한 모델 객체가 필요합니다.")
    acc = accuracy(model, data, device=device, batch_size=batch_size)
    if not acc >= threshold:
        _fail(AccuracyCheckError, f"{name}의 검증 데이터(held-out data) 정확도(accuracy)",
              f">= {threshold:.1%}", f"{acc:.2%}",
              hint or "학습(training)이 실제로 일어났는지, 에포크(epoch) 수와 학습률(learning rate), "
                      "model.train()/model.eval() 전환을 확인하세요.")
    return acc


@contextlib.contextmanager
def time_budget(seconds: float, what: str = "이 셀", hint: str | None = None):
    """Context manager: fail if the block takes longer than ``seconds`` (wall clock).

    Use it around training in a test cell, not in the repo's unit tests: machines differ.
    """
    start = time.perf_counter()
    yield
    elapsed = time.perf_counter() - start
    if elapsed > seconds:
        _fail(TimeBudgetError, f"{what}의 실행 시간(time budget)", f"<= {seconds:g}초",
              f"{elapsed:.1f}초",
              hint or "에포크(epoch) 수나 모델 크기를 줄이고, 불필요한 반복문을 텐서 연산으로 바꾸세요.")
