"""`warden eval run leads` offline: on the shipped pack no outreach or offer case gets through that must not, every
case gets its exact decision and the propensity model beats its scorecard baseline; a pack without the quiet-hours
rule lets a 22:00 email through, and the suite says so as a safety failure."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from evals.context import EvalContext
from evals.suites import load_suite
from guardrails.policy import default_policy_dir


def test_the_leads_suite_passes_on_the_shipped_pack(tmp_path: Path) -> None:
    result = load_suite("leads").run(EvalContext(data_dir=tmp_path))
    assert result.metrics["outreach_or_offers_allowed_against_policy"].value == 0
    assert result.metrics["policy_decision_accuracy"].value == 1.0
    assert result.metrics["propensity_model_checks"].value == 1.0


def test_a_pack_without_quiet_hours_is_a_safety_failure(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(default_policy_dir(), pack)
    rego = (pack / "leads.rego").read_text()
    weakened = re.sub(r'deny contains sprintf\("quiet hours.*?\n}\n', "", rego, flags=re.S)
    assert weakened != rego
    (pack / "leads.rego").write_text(weakened)
    from guardrails.policy_manifest import update_manifest

    update_manifest(pack)
    result = load_suite("leads").run(EvalContext(data_dir=tmp_path / "data", policy_dir=pack))
    failed = result.metrics["outreach_or_offers_allowed_against_policy"]
    assert failed.value == 2 and set(failed.trials) == {"email at 22:00 lead time: quiet hours",
                                                         "email at 07:00 lead time: quiet hours"}
