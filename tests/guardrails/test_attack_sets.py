"""The shipped attack set is denied line by line, and the benign set gets the decision each line expects.

Requests go through what the gate does before policy: request validation (guardrails.contracts),
argument validation (tools.schemas), then the policy input; a validation failure counts as a denial.
"""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from guardrails.contracts import ToolCallRequest
from guardrails.money import money_fields
from guardrails.request_limits import plain_numbers
from guardrails.policy import RegopyEngine
from tools.schemas import TOOL_ARGS

SETS = Path(__file__).resolve().parents[2] / "evals" / "attacks"
STATE_DEFAULTS = {"claim_paid_minor": 0, "claim_currencies": [], "calls_last_minute": 0, "principal_reserved_total": 0,
                  "claim_fraud_band": "unscored"}


def _lines(name: str) -> list[dict[str, Any]]:
    """Numbers with a fraction stay exact (Decimal), as the gate reads them off the wire."""
    return [json.loads(line, parse_float=Decimal) for line in (SETS / name).read_text(encoding="utf-8").splitlines()
            if line.strip()]


ATTACKS = _lines("attacks.jsonl")
BENIGN = _lines("benign.jsonl")


@pytest.fixture(scope="module")
def engine() -> RegopyEngine:
    return RegopyEngine()


def judge(engine: RegopyEngine, line: dict[str, Any]) -> tuple[str, list[str]]:
    """The decision the gate would reach for one set line (without pseudonymization, which policy never sees)."""
    try:
        exact = line["request"]
        request = ToolCallRequest.model_validate(plain_numbers(exact))
        if request.tool in TOOL_ARGS:
            TOOL_ARGS[request.tool].model_validate(request.args)
    except ValidationError as exc:
        return "deny", [f"invalid: {exc.errors()[0]['msg']}"]
    result = engine.evaluate({
        "tool": request.tool,
        "known_tool": request.tool in TOOL_ARGS,
        "args": request.args,
        "principal": request.principal.model_dump(),
        "run": request.run.model_dump(),
        "provenance": {k: request.provenance_of(k) for k in request.args},
        "context": request.context,
        "state": {**STATE_DEFAULTS, **line.get("_state", {})},
        "approval": None,
        **(money_fields(exact.get("args")) if request.tool == "payments.issue" else {}),
    })
    return result.decision, result.reasons


def test_sets_are_big_enough_and_well_formed() -> None:
    assert len(ATTACKS) >= 40 and len(BENIGN) >= 20
    for line in ATTACKS + BENIGN:
        assert set(line) <= {"name", "expect", "request", "_state"}
        assert set(line["request"]) <= {"tool", "args", "principal", "run", "provenance", "context", "approval_id"}
    assert all(line["expect"] == "deny" for line in ATTACKS)
    assert all(line["expect"] in ("allow", "require_approval") for line in BENIGN)
    assert len({line["name"] for line in ATTACKS + BENIGN}) == len(ATTACKS) + len(BENIGN)


@pytest.mark.parametrize("line", ATTACKS, ids=[line["name"] for line in ATTACKS])
def test_attack_is_denied(engine: RegopyEngine, line: dict[str, Any]) -> None:
    decision, reasons = judge(engine, line)
    assert decision == "deny" and reasons


@pytest.mark.parametrize("line", BENIGN, ids=[line["name"] for line in BENIGN])
def test_benign_request_gets_its_expected_decision(engine: RegopyEngine, line: dict[str, Any]) -> None:
    decision, reasons = judge(engine, line)
    assert decision == line["expect"], reasons


def test_attacks_are_denied_by_policy_not_only_by_validation(engine: RegopyEngine) -> None:
    """Most attacks are well-formed requests: the policy itself must stop them."""
    by_policy = [line for line in ATTACKS if not judge(engine, line)[1][0].startswith("invalid:")]
    assert len(by_policy) >= 40
