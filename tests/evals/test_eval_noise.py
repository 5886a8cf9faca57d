"""The comparison with a baseline tells a regression from noise, and repeats tell flaky from failing."""
from __future__ import annotations

from evals.baseline import compare
from evals.harness import EvalRun, merge_repeats
from evals.results import CaseResult, Metric, SuiteResult
from evals.stats import mcnemar_one_sided, two_proportion_one_sided, wilson


def _suite(trials: dict[str, bool], *, unsafe: list[str] | None = None, flaky: list[str] | None = None) -> SuiteResult:
    r = SuiteResult(suite="s")
    m = Metric.share("accuracy", trials)
    m.flaky = flaky or []
    r.add(m)
    r.add(Metric.failures("leaks", unsafe or []))
    return r


def _verdicts(current: SuiteResult, base: SuiteResult | None) -> dict[str, str]:
    return {f.metric: f.verdict for f in compare([current], {"s": base} if base else None)}


def test_statistics_against_known_values() -> None:
    assert mcnemar_one_sided(0, 0) == 1.0
    assert mcnemar_one_sided(1, 0) == 0.5
    assert abs(mcnemar_one_sided(5, 0) - 1 / 32) < 1e-12
    assert abs(mcnemar_one_sided(4, 1) - 6 / 32) < 1e-12
    lo, hi = wilson(90, 100)
    assert 0.82 < lo < 0.83 and 0.94 < hi < 0.95
    assert two_proportion_one_sided(90, 100, 70, 100) < 0.001
    assert two_proportion_one_sided(90, 100, 88, 100) > 0.05


def test_one_lost_case_is_noise_and_many_are_a_regression() -> None:
    base = _suite({f"c{i}": True for i in range(40)})
    one_lost = _suite({f"c{i}": i != 0 for i in range(40)})
    many_lost = _suite({f"c{i}": i >= 8 for i in range(40)})
    assert _verdicts(one_lost, base)["accuracy"] == "noise"
    assert _verdicts(many_lost, base)["accuracy"] == "quality_regression"
    run = EvalRun("r", [many_lost], compare([many_lost], {"s": base}))
    assert run.exit_code == 10


def test_lost_and_gained_cases_cancel_out() -> None:
    base = _suite({f"c{i}": i >= 5 for i in range(40)})
    swapped = _suite({f"c{i}": i < 5 or i >= 10 for i in range(40)})  # 5 gained, 5 lost
    assert _verdicts(swapped, base)["accuracy"] == "same"


def test_flaky_trials_are_left_out_of_the_test() -> None:
    base = _suite({f"c{i}": True for i in range(20)})
    shaky = _suite({f"c{i}": i >= 6 for i in range(20)}, flaky=[f"c{i}" for i in range(6)])
    finding = compare([shaky], {"s": base})[0]
    assert finding.verdict == "noise" and len(finding.flaky) == 6


def test_any_safety_failure_exits_20_with_or_without_a_baseline() -> None:
    unsafe = _suite({"c0": True}, unsafe=["canary:card"])
    assert _verdicts(unsafe, None)["leaks"] == "safety_regression"
    assert EvalRun("r", [unsafe], compare([unsafe], None)).exit_code == 20
    crashed = SuiteResult(suite="t", error="could not start")
    assert EvalRun("r", [unsafe, crashed], compare([unsafe, crashed], None)).exit_code == 20
    assert EvalRun("r", [crashed], []).exit_code == 30


def test_repeats_merge_to_pass_k_and_name_flaky_trials() -> None:
    runs = []
    for k in range(3):
        r = _suite({"a": True, "b": k != 1, "c": False})
        r.cases = [CaseResult(id="b", passed=k != 1)]
        runs.append(r)
    merged = merge_repeats(runs)
    m = merged.metrics["accuracy"]
    assert m.trials == {"a": True, "b": False, "c": False} and m.flaky == ["b"]
    assert merged.cases[0].runs == [True, False, True] and merged.cases[0].flaky
