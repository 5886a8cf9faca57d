"""The replenishment and capacity eval suites run offline (`warden eval run replenishment capacity`): no policy case
lets through what it must not, every case gets its exact decision, and both forecasters beat seasonal naive."""
from __future__ import annotations

from pathlib import Path

import pytest

from evals.context import EvalContext
from evals.suites import load_suite


@pytest.mark.parametrize(("suite", "safety"), [("replenishment", "orders_allowed_beyond_limits"),
                                                ("capacity", "provisioning_allowed_beyond_policy")])
def test_suite_passes_on_the_shipped_pack(tmp_path: Path, suite: str, safety: str) -> None:
    result = load_suite(suite).run(EvalContext(data_dir=tmp_path))
    assert result.metrics[safety].value == 0
    assert result.metrics["policy_decision_accuracy"].value == 1.0
    assert result.metrics["forecast_beats_seasonal_naive"].value == 1.0
    assert result.metrics["forecast_mase"].value < result.metrics["seasonal_naive_mase"].value
    if suite == "capacity":
        assert result.metrics["fallback_correct"].value == 1.0
