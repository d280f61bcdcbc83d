"""Assertion helpers for graded test cells.

Every helper raises a subclass of :class:`CheckError` (itself an ``AssertionError``) whose
text is a Korean message with the English term: what was checked, the expected value, the
value found and a hint. Test cells call these helpers instead of bare ``assert``.

Checks follow the order type → dtype → device → shape → values and stop at the first
failure, so the student sees the most basic problem first.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import time
import unicodedata
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
    "record_metric",
    "QuizCheckError",
    "check_true",
    "check_false",
    "normalize_answer",
    "check_answer",
    "check_sequence_answer",
    "check_choice",
    "check_choices",
    "check_answer_format",
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


class QuizCheckError(ValueCheckError):
    """A quiz answer is not among the accepted answers (the message never reveals them)."""


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


def _of(name: str, what: str) -> str:
    """``name`` + ``의 `` + ``what``, without doubling: ``_of("x의 값", "값")`` is ``"x의 값"``."""
    name = name.strip()
    if name.endswith(what):  # "x의 값", "x 값", "평균값", "출력의 shape"
        return name
    return f"{name}의 {what}"


def _default_type_hint(obj: Any, expected_type: Any) -> str | None:
    """A hint for the type mix-ups students make most: tensor vs number, int vs float."""
    if obj is None:
        return "None이 반환되었습니다. 함수 끝에서 값을 return 했는지 확인하세요."
    if obj is Ellipsis:
        return "아직 답을 적지 않았습니다. ... 자리에 답을 적으세요."
    types = expected_type if isinstance(expected_type, tuple) else (expected_type,)
    names = {getattr(t, "__name__", "") for t in types}
    is_tensor = type(obj).__name__ == "Tensor" or (_is_array(obj) and not isinstance(obj, type))
    wants_number = bool(names & {"int", "float", "complex", "Number", "Real", "Integral"})
    wants_tensor = "Tensor" in names or "ndarray" in names
    if is_tensor and wants_number:
        return ("텐서(tensor)가 들어 있습니다. 원소가 하나인 텐서는 .item()으로 파이썬 숫자(number)로 "
                "바꾸세요 (예: loss.item()).")
    if wants_tensor and isinstance(obj, (bool, int, float, list, tuple)):
        return ("파이썬 숫자나 리스트(list)가 들어 있습니다. torch.tensor(...)로 텐서(tensor)를 "
                "만들어 돌려주세요.")
    if "float" in names and "int" not in names and isinstance(obj, int) and not isinstance(obj, bool):
        return "정수(int)가 아니라 실수(float)가 필요합니다. float(...)로 바꾸거나 / 나눗셈을 쓰세요."
    if "int" in names and "float" not in names and isinstance(obj, float):
        return ("실수(float)가 아니라 정수(int)가 필요합니다. int(...)나 // (몫 나눗셈), "
                "math.ceil을 확인하세요.")
    if isinstance(obj, bool) and "int" in names:
        return "True/False가 아니라 숫자를 적으세요."
    return None


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
    wrong = not isinstance(obj, expected_type)
    types = expected_type if isinstance(expected_type, tuple) else (expected_type,)
    if not wrong and isinstance(obj, bool) and bool not in types:
        wrong = True  # isinstance(True, int) holds, but a quiz asking for a number wants one
    if wrong:
        if hint is None:
            hint = _default_type_hint(obj, expected_type)
        _fail(TypeCheckError, _of(name, "타입(type)"), _type_name(expected_type),
              f"{_type_name(type(obj))} = {_short(obj, 120)}", hint)


def _is_array(obj: Any) -> bool:
    return hasattr(obj, "shape") and hasattr(obj, "dtype")


def check_shape(tensor: Any, expected_shape: Sequence[int | None], name: str = "텐서",
                hint: str | None = None) -> None:
    """Check a tensor's (or array's) shape; ``None`` in ``expected_shape`` matches any size."""
    if not _is_array(tensor):
        _fail(TypeCheckError, _of(name, "타입(type)"), "torch.Tensor (또는 numpy 배열)",
              _type_name(type(tensor)),
              hint or _default_type_hint(tensor, _tensor_type()) or "텐서(tensor)를 반환해야 합니다.")
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
        _fail(ShapeCheckError, _of(name, "shape"), exp_text, str(got), hint)


def check_dtype(tensor: Any, dtype: Any, name: str = "텐서", hint: str | None = None) -> None:
    """Check a tensor's dtype (``torch.float32``, ``np.int64`` …)."""
    if not _is_array(tensor):
        _fail(TypeCheckError, _of(name, "타입(type)"), "torch.Tensor (또는 numpy 배열)",
              _type_name(type(tensor)), hint or _default_type_hint(tensor, _tensor_type()))
    if tensor.dtype != dtype:
        if hint is None:
            got_s, exp_s = str(tensor.dtype), str(dtype)
            if "int" in got_s and "float" in exp_s:
                hint = ("정수(int) 텐서입니다. 실수(float)가 필요하면 .float()나 dtype=torch.float32를 "
                        "쓰세요. torch.tensor([1, 2])처럼 정수로 만들면 int64가 됩니다.")
            elif "float" in got_s and "int" in exp_s:
                hint = ("실수(float) 텐서입니다. 클래스 번호(label)처럼 정수가 필요하면 .long()이나 "
                        "dtype=torch.int64를 쓰세요.")
            else:
                hint = "생성할 때 dtype=을 지정하거나 .float()/.long()/.to(dtype)으로 변환하세요."
        _fail(DtypeCheckError, _of(name, "자료형(dtype)"), str(dtype), str(tensor.dtype), hint)


def _tensor_type() -> Any:
    import torch
    return torch.Tensor


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
        _fail(TypeCheckError, _of(name, "타입(type)"), "숫자 또는 텐서(tensor)", "None",
              "None이 반환되었습니다. 함수 끝에서 값을 return 했는지 확인하세요.")
    try:
        a = _to_tensor(actual)
    except Exception:  # noqa: BLE001 - any non-numeric object
        _fail(TypeCheckError, _of(name, "타입(type)"), "숫자 또는 텐서(tensor)",
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
        _fail(ValueCheckError, _of(name, "값") + " (NaN 위치)", "NaN이 없는 값", f"인덱스 {idx}에 NaN",
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
        _fail(ValueCheckError, _of(name, "값"), f"{exp_v:.6g} ({where})", f"{got_v:.6g}",
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
        if type(expected) is bool and type(actual) is bool:
            # a yes/no check: say which condition failed, not "expected False / got True"
            state = ("성립해야 하는데 성립하지 않습니다 (False)" if expected
                     else "성립하면 안 되는데 성립합니다 (True)")
            lines = [f"[검사 실패] {name}", f"  조건(condition)이 {state}."]
            if hint:
                lines.append(f"  힌트(hint): {hint}")
            raise ValueCheckError("\n".join(lines))
        if hint is None and type(expected) is not bool:
            hint = _default_type_hint(actual, type(expected)) if type(actual) is not type(expected) \
                and not (isinstance(actual, (int, float)) and isinstance(expected, (int, float))
                         and not isinstance(actual, bool)) else None
        _fail(ValueCheckError, f"{name}", _short(expected), _short(actual), hint)


def _problem(problem: str, hint: str | None, detail: str | None = None) -> None:
    lines = [f"[검사 실패] {problem}"]
    if detail:
        lines.append(f"  {detail}")
    if hint:
        lines.append(f"  힌트(hint): {hint}")
    raise ValueCheckError("\n".join(lines))


def check_true(condition: Any, problem: str, hint: str | None = None) -> None:
    """Fail with ``problem`` (the mistake the check detects, in words) unless ``condition``.

    ``problem`` names the mistake, not the condition: ``check_true(w_changed, "가중치가 바뀌지
    않았습니다 (optimizer.step()을 호출하지 않음?)", hint)``.
    """
    if not bool(condition):
        _problem(problem, hint)


def check_false(condition: Any, problem: str, hint: str | None = None) -> None:
    """Fail with ``problem`` when ``condition`` holds: ``check_false(rows_sum_to_one,
    "출력의 행 합이 모두 1입니다 (마지막에 Softmax를 붙였나요?)", hint)``."""
    if bool(condition):
        _problem(problem, hint)


def _as_float(value: Any, name: str, hint: str | None) -> float:
    if isinstance(value, bool) or not (isinstance(value, (int, float)) or
                                       (_is_array(value) and math.prod(value.shape) == 1)):
        _fail(TypeCheckError, _of(name, "타입(type)"), "숫자 (int/float, 또는 원소 1개인 텐서)",
              f"{_type_name(type(value))} = {_short(value, 120)}",
              hint or ("원소가 여러 개인 텐서(tensor)입니다. .mean() 같은 집계 후 .item()으로 숫자를 "
                       "만드세요." if _is_array(value) else _default_type_hint(value, float)))
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
        _fail(ParamCountError, _of(name, f"{kind} 개수"), f"{expected:,}", f"{got:,}", hint, detail)


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
        _fail(AccuracyCheckError, _of(name, "테스트 데이터(held-out test data) 정확도(accuracy)"),
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
        _fail(TimeBudgetError, _of(what, "실행 시간(time budget)"), f"<= {seconds:g}초",
              f"{elapsed:.1f}초",
              hint or "에포크(epoch) 수나 모델 크기를 줄이고, 불필요한 반복문을 텐서 연산으로 바꾸세요.")


def record_metric(name: str, value: float, higher_is_better: bool = True) -> None:
    """Publish one number for the instructor's leaderboard; never changes the score.

    Prints exactly one line ``[[dlcourse-metric]] {"name": ..., "value": ...,
    "higher_is_better": ...}`` (JSON) to stdout. The report (``autograder/analytics.py``)
    reads such lines from the outputs of graded test cells only, keeps the last one per name
    and ranks the students per assignment and name. Call it in a test cell after the checks
    and before the cell's final ``print``, e.g. ``checks.record_metric("test_accuracy", acc)``;
    a failed test cell's lines are not ranked. A value that is not a finite number
    (a student's NaN loss) is printed as ``null`` and left out of the ranking.
    """
    if not isinstance(name, str) or not name.strip():
        raise TypeError(f"record_metric: name must be a non-empty str, got {name!r}")
    try:
        number: float | None = float(value)
    except (TypeError, ValueError, RuntimeError):
        number = None
    if number is not None and not math.isfinite(number):
        number = None
    print("[[dlcourse-metric]] " + json.dumps(
        {"name": name, "value": number, "higher_is_better": bool(higher_is_better)},
        ensure_ascii=False), flush=True)


# --------------------------------------------------------------------------------------------
# Quiz answers. The accepted answers live in the hidden block of a test cell; the visible part
# only calls check_answer_format. Failure messages never show the accepted answers.
# --------------------------------------------------------------------------------------------

_STUB_HINT = "아직 답을 적지 않았습니다. ... 자리(또는 None)를 답으로 바꾸세요."


def normalize_answer(text: Any) -> str:
    """Normalise a free-text answer: NFKC, casefold, drop whitespace, punctuation and separators.

    ``"자가 지도"``, ``"자가-지도"`` and ``"자가지도"`` all become ``"자가지도"``;
    ``"(B)"`` becomes ``"b"``; ``"Max-Pooling"`` becomes ``"maxpooling"``. Symbols such as
    ``+`` or ``×`` are kept (they change meaning).
    """
    s = unicodedata.normalize("NFKC", str(text)).casefold()
    return "".join(ch for ch in s
                   if not (ch.isspace() or unicodedata.category(ch)[0] in "PZC"))


def _is_stub(got: Any) -> bool:
    return got is None or got is Ellipsis


def _alternatives(accepted: Any) -> list[str]:
    if isinstance(accepted, (str, int, float)) and not isinstance(accepted, bool):
        accepted = [accepted]
    out = [normalize_answer(a) for a in accepted]
    out = [a for a in out if a]
    if not out:
        raise ValueError("accepted must contain at least one non-empty answer")
    return out


def _quiz_fail(name: str, checked: str, got: Any, hint: str | None,
               detail: str | None = None) -> None:
    lines = [f"[검사 실패] {name}",
             f"  확인한 것(checked): {checked}",
             f"  입력한 답(got):     {_short(got, 120)}"]
    if detail:
        lines.append(f"  {detail}")
    if hint:
        lines.append(f"  힌트(hint): {hint}")
    raise QuizCheckError("\n".join(lines))


def _text_of(got: Any, name: str, hint: str | None) -> str:
    if _is_stub(got):
        _fail(TypeCheckError, _of(name, "형식(format)"), "문자열(str)", _short(got), _STUB_HINT)
    if isinstance(got, bool) or not isinstance(got, (str, int, float)):
        _fail(TypeCheckError, _of(name, "형식(format)"), "문자열(str)",
              f"{_type_name(type(got))} = {_short(got, 120)}",
              '답은 따옴표로 감싼 문자열로 적으세요 (예: "답").')
    return str(got)


def check_answer(got: Any, accepted: Any, name: str = "답", hint: str | None = None) -> None:
    """Check a short free-text answer against one or more accepted spellings.

    ``accepted`` is a string or a list of strings (short and full forms, synonyms, the English
    term). Both sides go through :func:`normalize_answer`, so spacing, case and punctuation do
    not matter. The failure message says what was compared and gives ``hint``; it never shows
    the accepted answers.
    """
    text = _text_of(got, name, hint)
    norm = normalize_answer(text)
    if not norm:
        _fail(TypeCheckError, _of(name, "형식(format)"), "비어 있지 않은 답", _short(got),
              _STUB_HINT)
    if norm not in _alternatives(accepted):
        _quiz_fail(name, "띄어쓰기·대소문자·문장부호를 무시하고, 받아들이는 표기(동의어, 줄임말과 "
                         "전체 이름, 영어 용어 포함)와 비교했습니다. 일치하는 표기가 없습니다.",
                   got, hint)


_ARROWS = re.compile(r"\s*(?:→|->|=>|⇒|➔|➜|⟶|—>|-->|>)\s*")
_COMMAS = re.compile(r"\s*[,;，、/|]\s*")


def _split_sequence(got: Any, single_chars: bool, multiword: bool) -> list[str]:
    if isinstance(got, (list, tuple)):
        return [str(x) for x in got]
    text = unicodedata.normalize("NFKC", str(got)).strip()
    for pattern in (_ARROWS, _COMMAS):
        parts = [p for p in pattern.split(text) if p.strip()]
        if len(parts) > 1:
            return parts
    if not multiword:
        parts = text.split()
        if len(parts) > 1:
            return parts
    if single_chars:
        return [ch for ch in normalize_answer(text)]
    return [text]


def check_sequence_answer(got: Any, expected: Sequence[Any], name: str = "답",
                          hint: str | None = None, *,
                          alternatives: Iterable[Sequence[Any]] = ()) -> None:
    """Check an ordering answer such as ``"B→D→A→E→C"``.

    ``got`` may be ``"B→D→A"``, ``"B -> D -> A"``, ``"B, D, A"``, ``"B D A"``, ``"BDA"`` (when
    every item is one character) or a list/tuple. Each element of ``expected`` is one item: a
    string or a list of accepted spellings for that item. ``alternatives`` lists other full
    orders that are also correct (e.g. when two steps may swap). The message says how many
    positions are right (for the closest accepted order), never the order itself.
    """
    orders = [expected, *alternatives]
    if len(orders) > 1:
        failures = []
        for order in orders:
            try:
                check_sequence_answer(got, order, name, hint)
                return
            except QuizCheckError as exc:
                failures.append(exc)
        raise min(failures, key=_wrong_positions)
    if _is_stub(got):
        _fail(TypeCheckError, _of(name, "형식(format)"), '순서 (예: "A→B→C")', _short(got),
              _STUB_HINT)
    if not isinstance(got, (str, list, tuple)):
        _fail(TypeCheckError, _of(name, "형식(format)"), '문자열 (예: "A→B→C") 또는 리스트(list)',
              f"{_type_name(type(got))} = {_short(got, 120)}", '예: "A→B→C" 또는 ["A", "B", "C"]')
    items = [_alternatives(e) for e in expected]
    single = all(len(a) == 1 for alts in items for a in alts)
    multiword = any(len(str(e).split()) > 1 for e in expected if isinstance(e, str)) or any(
        len(str(a).split()) > 1 for e in expected if isinstance(e, (list, tuple)) for a in e)
    parts = [normalize_answer(p) for p in _split_sequence(got, single, multiword)]
    parts = [p for p in parts if p]
    if not parts:
        _fail(TypeCheckError, _of(name, "형식(format)"), "비어 있지 않은 순서", _short(got),
              _STUB_HINT)
    checked = ("항목마다 띄어쓰기·대소문자·문장부호를 무시하고, 순서의 각 자리를 비교했습니다.")
    known = set(a for alts in items for a in alts)
    unknown = [p for p in parts if p not in known]
    if len(parts) != len(items):
        detail = f"항목 수가 {len(items)}개여야 하는데 {len(parts)}개입니다."
        if len(parts) == 1:
            detail += ' 항목을 → 나 쉼표로 구분해 적으세요 (예: "A→B→C").'
        elif unknown:
            detail += f" 알아볼 수 없는 항목: {', '.join(unknown[:3])}"
        _quiz_fail(name, checked, got, hint, detail)
    right = sum(1 for p, alts in zip(parts, items) if p in alts)
    if right != len(items):
        detail = f"{len(items)}개 자리 중 {right}개가 맞습니다."
        if unknown:
            detail += f" 보기에 없는 항목: {', '.join(unknown[:3])}"
        _quiz_fail(name, checked, got, hint, detail)


def _wrong_positions(exc: QuizCheckError) -> int:
    m = re.search(r"(\d+)개 자리 중 (\d+)개가 맞습니다", str(exc))
    return int(m.group(1)) - int(m.group(2)) if m else 10 ** 6


def _choice_of(got: Any, name: str) -> str:
    if _is_stub(got):
        _fail(TypeCheckError, _of(name, "형식(format)"), '보기 하나 (예: "B" 또는 2)', _short(got),
              _STUB_HINT)
    if isinstance(got, bool) or not isinstance(got, (str, int)):
        _fail(TypeCheckError, _of(name, "형식(format)"), '보기 하나 (예: "B" 또는 2)',
              f"{_type_name(type(got))} = {_short(got, 120)}",
              '보기 기호 하나를 문자열로 적으세요 (예: "B").')
    norm = normalize_answer(got)
    if not (len(norm) == 1 or norm.isdigit()):
        _fail(TypeCheckError, _of(name, "형식(format)"), '보기 하나 (예: "B" 또는 2)', _short(got),
              '보기 기호 하나만 적으세요 (예: "B"). 여러 개나 보기 내용 전체를 적지 마세요.')
    return norm.lstrip("0") or "0" if norm.isdigit() else norm


def check_choice(got: Any, expected: Any, name: str = "답", hint: str | None = None) -> None:
    """Check a multiple-choice answer: one letter or number (``"b"``, ``"B"``, ``"(B)"``,
    ``"B)"``, ``2`` or ``"2"``). ``expected`` is one choice or a set/list of acceptable ones."""
    norm = _choice_of(got, name)
    if isinstance(expected, (str, int)) and not isinstance(expected, bool):
        expected = [expected]
    accepted = set()
    for e in expected:
        n = normalize_answer(e)
        accepted.add(n.lstrip("0") or "0" if n.isdigit() else n)
    if norm not in accepted:
        _quiz_fail(name, "대소문자·괄호를 무시하고 고른 보기를 비교했습니다. 맞는 보기가 아닙니다.",
                   got, hint)


def _choice_set(got: Any, name: str) -> set[str]:
    if _is_stub(got):
        _fail(TypeCheckError, _of(name, "형식(format)"), '보기 여러 개 (예: "A, C")', _short(got),
              _STUB_HINT)
    if isinstance(got, (set, frozenset, list, tuple)):
        items = [normalize_answer(x) for x in got]
    elif isinstance(got, str):
        parts = [p for p in _COMMAS.split(unicodedata.normalize("NFKC", got)) if p.strip()]
        if len(parts) == 1:
            parts = parts[0].split()
        items = [normalize_answer(p) for p in parts]
        if len(items) == 1 and len(items[0]) > 1 and not items[0].isdigit():
            items = list(items[0])  # "AC"
    else:
        _fail(TypeCheckError, _of(name, "형식(format)"), '보기 여러 개 (예: "A, C" 또는 {"A", "C"})',
              f"{_type_name(type(got))} = {_short(got, 120)}", '예: "A, C" 또는 {"A", "C"}')
    items = [i.lstrip("0") or "0" if i.isdigit() else i for i in items if i]
    if not items or any(len(i) != 1 and not i.isdigit() for i in items):
        _fail(TypeCheckError, _of(name, "형식(format)"), '보기 기호들 (예: "A, C")', _short(got),
              '고른 보기의 기호만 쉼표로 구분해 적으세요 (예: "A, C").')
    return set(items)


def check_choices(got: Any, expected: Iterable[Any], name: str = "답",
                  hint: str | None = None) -> None:
    """Check a select-all-that-apply answer: ``"A, C"``, ``"AC"``, ``"a c"``, ``{"A", "C"}`` or
    ``["a", "c"]``; order does not matter. The message says how many were wrong, not which."""
    chosen = _choice_set(got, name)
    want = {n.lstrip("0") or "0" if n.isdigit() else n
            for n in (normalize_answer(e) for e in expected)}
    if chosen != want:
        missing, extra = len(want - chosen), len(chosen - want)
        detail = f"빠진 보기 {missing}개, 틀리게 고른 보기 {extra}개가 있습니다."
        _quiz_fail(name, "순서·대소문자·괄호를 무시하고 고른 보기의 집합을 비교했습니다.", got, hint,
                   detail)


def check_answer_format(got: Any, kind: str = "text", name: str = "답",
                        choices: Iterable[Any] | None = None, n_items: int | None = None) -> None:
    """Visible quiz check: the answer is filled in and has the right form, nothing more.

    ``kind`` is ``"text"`` (a non-empty string), ``"choice"`` (one letter/number; ``choices``
    limits it to the listed options), ``"choices"`` (several letters), ``"sequence"`` (an order; ``n_items`` its length) or
    ``"number"`` (an int or float, not a bool or a tensor).
    """
    if kind == "text":
        text = _text_of(got, name, None)
        if not normalize_answer(text):
            _fail(TypeCheckError, _of(name, "형식(format)"), "비어 있지 않은 답", _short(got),
                  _STUB_HINT)
    elif kind == "choice":
        norm = _choice_of(got, name)
        if choices is not None:
            allowed = {normalize_answer(c) for c in choices}
            if norm not in allowed:
                _fail(TypeCheckError, _of(name, "형식(format)"),
                      "보기 중 하나: " + ", ".join(str(c) for c in choices), _short(got),
                      "보기에 있는 기호 하나를 적으세요.")
    elif kind == "choices":
        chosen = _choice_set(got, name)
        if choices is not None:
            allowed = {normalize_answer(c) for c in choices}
            if not chosen <= allowed:
                _fail(TypeCheckError, _of(name, "형식(format)"),
                      "보기 중에서: " + ", ".join(str(c) for c in choices), _short(got),
                      "보기에 있는 기호만 적으세요.")
    elif kind == "sequence":
        if _is_stub(got):
            _fail(TypeCheckError, _of(name, "형식(format)"), '순서 (예: "A→B→C")', _short(got),
                  _STUB_HINT)
        if not isinstance(got, (str, list, tuple)) or not normalize_answer(
                "".join(map(str, got)) if not isinstance(got, str) else got):
            _fail(TypeCheckError, _of(name, "형식(format)"), '순서 (예: "A→B→C")',
                  f"{_type_name(type(got))} = {_short(got, 120)}",
                  '예: "A→B→C", "A, B, C" 또는 ["A", "B", "C"]')
        if n_items is not None:
            parts = [p for p in (normalize_answer(x) for x in _split_sequence(
                got, True, False)) if p]
            if len(parts) != n_items:
                _fail(TypeCheckError, _of(name, "항목 수"), f"{n_items}개", f"{len(parts)}개",
                      '항목을 → 나 쉼표로 구분해 모두 적으세요 (예: "A→B→C").')
    elif kind == "number":
        if _is_stub(got):
            _fail(TypeCheckError, _of(name, "형식(format)"), "숫자 (int 또는 float)", _short(got),
                  _STUB_HINT)
        check_type(got, (int, float), name)
    else:
        raise ValueError(f"unknown answer kind: {kind!r}")
