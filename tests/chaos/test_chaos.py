"""The short version of `make chaos`: every registered scenario, a few claims each and one fault, played in turn on
one multi-process topology (nats-server, tools, gate, runtime as separate processes). Nothing may be lost, no
effect may happen twice, the audit chain stays intact, and nothing the scenarios started outlives the teardown.

The figures come from the stores (checkpoints, ledgers, audit trail) and from /proc, never from timings.
"""
from __future__ import annotations

import asyncio

import pytest

from bench.chaos import SCENARIOS, Result, run_campaign

RUNS, KILLS, SEED = 8, 1, 14
ACK_WAIT_S = 5.0  # the operator's redelivery delay, shortened so a killed runtime's events come back quickly


@pytest.fixture(scope="module")
def campaign() -> dict[str, Result]:
    results = asyncio.run(run_campaign(list(SCENARIOS.values()), runs=RUNS, kills=KILLS, seed=SEED,
                                       ack_wait_s=ACK_WAIT_S))
    return {r.scenario: r for r in results}


@pytest.mark.timeout(1200)
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_a_fault_loses_no_run_and_repeats_no_effect(campaign: dict[str, Result], name: str) -> None:
    result = campaign.get(name)
    assert result is not None, f"{name} was not played: {next(iter(campaign.values())).detail.get('error')}"
    assert "error" not in result.detail, result.detail["error"]
    assert result.kills == KILLS, f"{name}: the fault was not injected"
    assert result.runs_lost == 0, f"{name}: runs lost {result.detail['lost']}"
    assert result.duplicate_effects == 0, f"{name}: {result.detail['effects']}"
    assert result.audit_chain_ok, f"{name}: {result.detail['audit']}"
    assert result.orphans == 0, f"{name}: still alive after teardown: {result.detail['orphans']}"


@pytest.mark.timeout(1200)
def test_the_runs_reach_their_honest_outcomes(campaign: dict[str, Result]) -> None:
    """A fault may turn a payment into an escalation (its outcome unknown), but the mix stays the samples'."""
    decisions = set().union(*(r.decisions for r in campaign.values()))
    assert {"paid", "awaiting_approval", "rejected"} <= decisions, decisions
