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


# ---- messages (issue 8, deliverable 3) ------------------------------------------------------

def test_no_doubled_value_suffix_in_names():
    with pytest.raises(ValueCheckError) as e:
        checks.check_close(1.0, 2.0, name="x의 값")
    assert "의 값의 값" not in _msg(e) and "[검사 실패] x의 값" in _msg(e)
    with pytest.raises(ValueCheckError) as e:
        checks.check_close(torch.tensor([float("nan")]), [1.0], name="to_float_tensor의 값")
    assert "의 값의 값" not in _msg(e)
    with pytest.raises(ValueCheckError) as e:
        checks.check_close(1.0, 2.0, name="x")
    assert "[검사 실패] x의 값" in _msg(e)
    with pytest.raises(ShapeCheckError) as e:
        checks.check_shape(torch.zeros(2), (3,), "출력의 shape")
    assert "shape의 shape" not in _msg(e)


def test_yes_no_checks_name_the_problem_not_true_false():
    with pytest.raises(ValueCheckError) as e:
        checks.check_equal(True, False, "출력의 행 합이 모두 1인가", "Softmax를 붙이지 마세요.")
    text = _msg(e)
    assert "기대값" not in text and "실제값" not in text
    assert "성립하면 안 되는데 성립합니다" in text and "Softmax" in text
    with pytest.raises(ValueCheckError) as e:
        checks.check_equal(False, True, "가중치가 바뀌었는가")
    assert "성립해야 하는데 성립하지 않습니다" in _msg(e)
    checks.check_true(True, "never shown")
    checks.check_false(False, "never shown")
    with pytest.raises(ValueCheckError) as e:
        checks.check_true(False, "가중치가 바뀌지 않았습니다 (optimizer.step()을 호출했나요?)", "step")
    assert _msg(e).startswith("[검사 실패] 가중치가 바뀌지 않았습니다") and "기대값" not in _msg(e)
    with pytest.raises(ValueCheckError) as e:
        checks.check_false(torch.tensor(True), "입력 텐서가 바뀌었습니다 (in-place 연산?)")
    assert "입력 텐서가 바뀌었습니다" in _msg(e)


def test_default_hints_for_tensor_vs_number_and_int_vs_float():
    with pytest.raises(TypeCheckError) as e:
        checks.check_type(torch.tensor(0.5), float, "loss")
    assert ".item()" in _msg(e)
    with pytest.raises(TypeCheckError) as e:
        checks.check_type(3.0, torch.Tensor, "출력")
    assert "torch.tensor" in _msg(e)
    with pytest.raises(TypeCheckError) as e:
        checks.check_type(3, float, "평균")
    assert "실수(float)" in _msg(e)
    with pytest.raises(TypeCheckError) as e:
        checks.check_type(3.0, int, "반복 횟수")
    assert "정수(int)" in _msg(e)
    with pytest.raises(TypeCheckError):
        checks.check_type(True, int, "개수")  # bool is not a number answer
    with pytest.raises(DtypeCheckError) as e:
        checks.check_dtype(torch.tensor([1, 2]), torch.float32, "x")
    assert ".float()" in _msg(e) and "int64" in _msg(e)
    with pytest.raises(DtypeCheckError) as e:
        checks.check_dtype(torch.tensor([1.0]), torch.int64, "y")
    assert ".long()" in _msg(e)
    with pytest.raises(TypeCheckError) as e:
        checks.check_shape(5, (1,), "출력")
    assert "torch.tensor" in _msg(e)
    with pytest.raises(TypeCheckError) as e:
        checks.check_at_least(torch.zeros(3), 0.5, "정확도")
    assert ".item()" in _msg(e)
    with pytest.raises(ValueCheckError) as e:
        checks.check_equal(2.5, 2, "q1")  # numbers of another kind: no misleading type hint
    assert "힌트" not in _msg(e)


def test_accuracy_message_calls_the_held_out_set_test_data():
    model = nn.Linear(2, 2)
    nn.init.zeros_(model.weight)
    nn.init.zeros_(model.bias)
    X = torch.randn(20, 2)
    with pytest.raises(AccuracyCheckError) as e:
        checks.check_accuracy_at_least(model, (X, torch.ones(20, dtype=torch.long)), 0.9)
    assert "테스트 데이터" in _msg(e) and "검증" not in _msg(e)


# ---- quiz helpers ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, norm", [
    ("자가 지도", "자가지도"), ("자가-지도", "자가지도"), (" Max_Pooling ", "maxpooling"),
    ("(B)", "b"), ("ＡＢＣ", "abc"), ("“손실 함수”", "손실함수"), ("a·b/c.d,e", "abcde"),
    ("C++", "c++"), ("", ""),
])
def test_normalize_answer(text, norm):
    assert checks.normalize_answer(text) == norm


def test_check_answer_accepts_spellings_and_synonyms():
    accepted = ["자가 지도 학습", "자가지도", "self-supervised learning", "self-supervised"]
    for got in ("자가지도", "자가 지도", "자가지도 학습", "Self-Supervised", "SELF SUPERVISED LEARNING",
                " 자가-지도. "):
        checks.check_answer(got, accepted)
    checks.check_answer("지도", "지도")
    checks.check_answer(3, "3")


def test_check_answer_failure_hides_the_answer_and_gives_the_hint():
    with pytest.raises(checks.QuizCheckError) as e:
        checks.check_answer("지도 학습", ["자가 지도 학습", "self-supervised"], "q3",
                            "강의 1장 '학습 방식' 절을 다시 보세요.")
    text = _msg(e)
    assert isinstance(e.value, ValueCheckError)
    assert "q3" in text and "학습 방식" in text and "지도 학습" in text  # the student's answer
    assert "자가" not in text and "self" not in text.lower()
    assert "확인한 것(checked)" in text


@pytest.mark.parametrize("bad", [None, ..., "", "   ", ["a"], True])
def test_check_answer_rejects_stub_and_wrong_types(bad):
    with pytest.raises(TypeCheckError):
        checks.check_answer(bad, "a", "q1")


@pytest.mark.parametrize("got", ["B→D→A→E→C", "B -> D -> A -> E -> C", "B, D, A, E, C",
                                 "B D A E C", "BDAEC", "bdaec", "(B)→(D)→(A)→(E)→(C)",
                                 ["B", "D", "A", "E", "C"], ("b", "d", "a", "e", "c"),
                                 "B=>D=>A=>E=>C", "B；D；A；E；C"])
def test_check_sequence_answer_accepts_formats(got):
    checks.check_sequence_answer(got, ["B", "D", "A", "E", "C"])


def test_check_sequence_answer_multiword_items_and_synonyms():
    expected = ["문제 정의", ["데이터 수집", "수집"], "데이터 전처리"]
    checks.check_sequence_answer("문제 정의 → 데이터 수집 → 데이터 전처리", expected)
    checks.check_sequence_answer("문제정의, 수집, 데이터전처리", expected)
    checks.check_sequence_answer(["문제 정의", "수집", "데이터 전처리"], expected)
    with pytest.raises(checks.QuizCheckError):
        checks.check_sequence_answer("문제 정의 → 데이터 전처리 → 데이터 수집", expected)


def test_check_sequence_answer_counts_positions_without_revealing_order():
    with pytest.raises(checks.QuizCheckError) as e:
        checks.check_sequence_answer("B→D→A→C→E", list("BDAEC"), "q8", "강의 2장 학습 절차")
    text = _msg(e)
    assert "5개 자리 중 3개가 맞습니다" in text and "학습 절차" in text
    assert "BDAEC" not in text.replace("→", "") and "B, D, A, E, C" not in text
    with pytest.raises(checks.QuizCheckError) as e:
        checks.check_sequence_answer("B, D", list("BDAEC"))
    assert "5개여야 하는데 2개" in _msg(e)
    with pytest.raises(checks.QuizCheckError) as e:
        checks.check_sequence_answer("B, D, A, E, X", list("BDAEC"))
    assert "보기에 없는 항목: x" in _msg(e)
    with pytest.raises(TypeCheckError):
        checks.check_sequence_answer(..., list("BDA"))
    with pytest.raises(TypeCheckError):
        checks.check_sequence_answer(123, list("BDA"))


@pytest.mark.parametrize("got", ["b", "B", "(B)", "B)", " b. ", "Ｂ"])
def test_check_choice_letters(got):
    checks.check_choice(got, "B")


def test_check_choice_numbers_sets_and_failures():
    checks.check_choice(2, "2")
    checks.check_choice("2", 2)
    checks.check_choice("②", 2)
    checks.check_choice("C", {"B", "C"})
    with pytest.raises(checks.QuizCheckError) as e:
        checks.check_choice("A", {"B", "C"}, "q2", "강의 3.2절")
    assert "강의 3.2절" in _msg(e) and "'A'" in _msg(e) and "B" not in _msg(e).replace("(B)", "")
    with pytest.raises(TypeCheckError):
        checks.check_choice("AB", "A")
    with pytest.raises(TypeCheckError):
        checks.check_choice("Adam optimizer", "A")
    with pytest.raises(TypeCheckError):
        checks.check_choice(None, "A")
    with pytest.raises(TypeCheckError):
        checks.check_choice(True, "1")


def test_check_answer_format():
    checks.check_answer_format("자가 지도", "text", "q1")
    checks.check_answer_format("(b)", "choice", "q2", choices="ABCD")
    checks.check_answer_format("B→D→A", "sequence", "q3", n_items=3)
    checks.check_answer_format(["B", "D", "A"], "sequence", "q3", n_items=3)
    checks.check_answer_format(3, "number", "q4")
    checks.check_answer_format(0.5, "number", "q4")
    for got, kind, kw in [(..., "text", {}), ("", "text", {}), (None, "choice", {}),
                          ("E", "choice", {"choices": "ABCD"}), ("AB", "choice", {}),
                          ("B→D", "sequence", {"n_items": 3}), (..., "sequence", {}),
                          (5, "sequence", {}), ("3", "number", {}), (True, "number", {}),
                          (torch.tensor(3), "number", {})]:
        with pytest.raises(TypeCheckError):
            checks.check_answer_format(got, kind, "q", **kw)
    with pytest.raises(ValueError):
        checks.check_answer_format("x", "essay")


def test_check_choices_select_all_that_apply():
    for got in ("A, C", "AC", "c a", {"A", "C"}, ["a", "c"], "(A), (C)"):
        checks.check_choices(got, {"A", "C"})
    with pytest.raises(checks.QuizCheckError) as e:
        checks.check_choices("A, B", {"A", "C"}, "q6", "강의 10절")
    assert "빠진 보기 1개, 틀리게 고른 보기 1개" in _msg(e) and "강의 10절" in _msg(e)
    with pytest.raises(TypeCheckError):
        checks.check_choices(..., {"A"})
    with pytest.raises(TypeCheckError):
        checks.check_choices("dropout, batchnorm", {"A"})
    checks.check_answer_format("A, C", "choices", "q6", choices="ABCD")
    with pytest.raises(TypeCheckError):
        checks.check_answer_format("A, E", "choices", "q6", choices="ABCD")


def test_check_sequence_answer_alternative_orders():
    checks.check_sequence_answer("D→C→B→A", ["C", "D", "B", "A"], alternatives=[["D", "C", "B", "A"]])
    checks.check_sequence_answer("C, D, B, A", ["C", "D", "B", "A"], alternatives=[["D", "C", "B", "A"]])
    with pytest.raises(checks.QuizCheckError) as e:
        checks.check_sequence_answer("D→C→A→B", ["C", "D", "B", "A"], "q8",
                                     alternatives=[["D", "C", "B", "A"]])
    assert "4개 자리 중 2개가 맞습니다" in _msg(e)  # counted against the closest accepted order
    with pytest.raises(TypeCheckError):
        checks.check_sequence_answer(None, ["A", "B"], alternatives=[["B", "A"]])
