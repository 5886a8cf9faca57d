"""The gate's state behaves the same in SQLite and in Postgres, and holds with several gate processes: each
store instance here has its own connection (or pool), as a separate gate process would."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from guardrails.gate_store import RATE_WINDOW_S

CLAIM_TOTAL_MINOR = 2_500_000  # the shipped per-claim limit (USD 25,000), data.json


def test_holds_count_toward_the_claim_until_paid_or_released(backend) -> None:
    store = backend.open_gate_store()
    assert store.hold_payment("k1", "CLM-1", 80_000, "USD") is True
    assert store.hold_payment("k1", "CLM-1", 80_000, "USD") is False  # a retry in flight: not its hold to release
    assert store.claim_paid_minor("CLM-1", "USD") == 80_000
    assert store.claim_paid_minor("CLM-1", "USD", excluding="k1") == 0  # a call is judged without its own hold
    store.record_payment("k1", "CLM-1", 80_000, "USD")
    store.record_payment("k1", "CLM-1", 80_000, "USD")  # recorded twice (a redelivery): counted once
    store.hold_payment("k2", "CLM-1", 5_000, "USD")
    assert store.claim_paid_minor("CLM-1", "USD") == 85_000
    store.release_payment("k2")
    assert store.claim_paid_minor("CLM-1", "USD") == 80_000
    assert store.claim_paid_minor("CLM-1", "EUR") == 0 and store.claim_currencies("CLM-1") == ["USD"]
    assert store.claim_currencies("CLM-1", excluding="k1") == []


def test_fraud_band_only_rises(backend) -> None:
    store = backend.open_gate_store()
    assert store.fraud_band("CLM-9") == "unscored"
    assert store.record_fraud("CLM-9", "medium", 0.4) == "medium"
    assert store.record_fraud("CLM-9", "low", 0.1) == "medium"  # a rescore cannot lower it
    assert store.record_fraud("CLM-9", "high", 0.9) == "high"
    assert backend.open_gate_store().fraud_band("CLM-9") == "high"


def test_spend_reservations_and_sends_are_shared(backend) -> None:
    one, two = backend.open_gate_store(), backend.open_gate_store()
    assert one.hold_spend("o1", "SUP-1", 10_000, "USD") and not two.hold_spend("o1", "SUP-1", 10_000, "USD")
    two.record_spend("o2", "SUP-2", 2_500, "USD")
    assert one.spend_today("SUP-1", "USD") == (10_000, 12_500)
    one.release_spend("o1")
    two.release_spend("o2")  # placed orders always count
    assert two.spend_today("SUP-1", "USD") == (0, 2_500)
    one.record_reservation("r-key", "user:op", 12, "res-1")
    two.record_reservation("r-key", "user:op", 12, "res-1")
    assert two.principal_reserved_total("user:op") == 12
    assert two.reservation_owner("res-1") == {"principal": "user:op", "released": False}
    two.record_release("res-1")
    assert one.principal_reserved_total("user:op") == 0 and one.reservation_owner("res-1")["released"] is True
    assert one.reservation_owner("res-unknown") is None
    one.record_send("s1", "Pat@Example.com", now=1000.0)
    two.record_send("s2", "pat@example.com", now=1001.0)
    assert two.sends_since("PAT@example.com", 999.0) == 2 and one.sends_since("pat@example.com", 1000.5) == 1


def test_two_gates_paying_one_claim_at_once_cannot_pass_its_total(backend) -> None:
    """24 payments of 2,500 race from two stores (the gate's protocol: hold, read the total without its own
    hold, then pay or release): whatever the interleaving, the claim is never paid more than 25,000."""
    stores = [backend.open_gate_store(), backend.open_gate_store()]
    amount, attempts = 250_000, 24
    start = threading.Barrier(attempts, timeout=60)

    def pay(i: int) -> bool:
        store, key = stores[i % 2], f"payments.issue:CLM-7:{i}"
        start.wait()
        if not store.hold_payment(key, "CLM-7", amount, "USD"):
            return False
        if store.claim_paid_minor("CLM-7", "USD", excluding=key) + amount > CLAIM_TOTAL_MINOR:
            store.release_payment(key)
            return False
        store.record_payment(key, "CLM-7", amount, "USD")
        return True

    with ThreadPoolExecutor(attempts) as pool:
        paid = sum(pool.map(pay, range(attempts)))
    total = stores[0].claim_paid_minor("CLM-7", "USD")
    assert total == paid * amount <= CLAIM_TOTAL_MINOR
    assert paid >= 1
    # nothing is left held: a later honest payment sees only what was paid
    assert stores[1].claim_paid_minor("CLM-7", "USD") == total


def test_rate_limit_counts_calls_through_every_gate(backend) -> None:
    stores = [backend.open_gate_store(), backend.open_gate_store()]
    counts = [stores[i % 2].count_call("agent:x|run-1", "documents.search", now=1000.0 + i / 2) for i in range(61)]
    assert counts[-1] == 60  # the 61st call in the minute sees the 60 made through either gate
    # a minute after 1029.75 only the last call (at 1030.0) is still in the window
    assert stores[0].count_call("agent:x|run-1", "documents.search", now=1029.75 + RATE_WINDOW_S) == 1


def test_concurrent_counts_from_two_gates_see_each_other(backend) -> None:
    stores = [backend.open_gate_store(), backend.open_gate_store()]
    start = threading.Barrier(20, timeout=60)

    def count(i: int) -> int:
        start.wait()
        return stores[i % 2].count_call("user:ann", "tickets.update", now=5000.0)

    with ThreadPoolExecutor(20) as pool:
        seen = sorted(pool.map(count, range(20)))
    assert seen == list(range(20))  # every call saw a different count: none was lost between gates


def test_one_call_counts_toward_its_run_its_key_and_its_agent_at_once(backend) -> None:
    """Many runs on one claim through two gates: each run's count stays low, the claim's and the agent's see all."""
    stores = [backend.open_gate_store(), backend.open_gate_store()]
    counts = [stores[i % 2].count_calls([f"agent:x|run-{i}", "key|agent:x|CLM-1", "agent:x"], "documents.search",
                                        now=2000.0 + i) for i in range(10)]
    assert [c[0] for c in counts] == [0] * 10
    assert [c[1] for c in counts] == list(range(10)) == [c[2] for c in counts]


def test_concurrent_counts_over_overlapping_scopes_neither_deadlock_nor_lose_calls(backend) -> None:
    stores = [backend.open_gate_store(), backend.open_gate_store()]
    start = threading.Barrier(16, timeout=60)

    def count(i: int) -> list[int]:
        start.wait()
        scopes = ["agent:x", f"key|agent:x|CLM-{i % 2}"]
        return stores[i % 2].count_calls(scopes if i % 3 else scopes[::-1], "documents.search", now=7000.0)

    with ThreadPoolExecutor(16) as pool:
        seen = list(pool.map(count, range(16)))
    assert sorted(c[0] if i % 3 else c[1] for i, c in enumerate(seen)) == list(range(16))  # the agent's count
