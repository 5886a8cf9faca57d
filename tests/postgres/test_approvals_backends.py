"""Approvals behave the same in SQLite and Postgres: decided once, by the role asked for, used by one call, and
expiring; under concurrency from several store instances (several gates and staff APIs) still once."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from guardrails.approvals import ApprovalError
from guardrails.contracts import Principal

ANN = Principal(id="user:ann", roles=["adjuster"])
STAFF = Principal(id="user:sam", roles=["staff"])


def new_approval(store, requested_by: str = "agent:claims_triage"):
    return store.create(run_id="run-claims_triage-1", graph="claims_triage", tool="payments.issue", role="adjuster",
                        reason="payment above the auto-approval limit", redacted_args={"amount": 4800.0},
                        hash_="sha256:x", policy_bundle="sha256:p", idempotency_key="payments.issue:CLM-1005",
                        requested_by=requested_by, facts={"fraud_band": "low"})


def test_decided_once_by_the_role_asked_for_never_the_requester(backend) -> None:
    store = backend.open_approvals()
    approval = new_approval(store)
    assert [a.id for a in store.list()] == [approval.id] and store.get(approval.id).facts == {"fraud_band": "low"}
    with pytest.raises(ApprovalError, match="needs the adjuster role"):
        store.decide(approval.id, approve=True, approver=STAFF)
    own = new_approval(store, requested_by="user:ann")
    with pytest.raises(ApprovalError, match="requested it"):
        store.decide(own.id, approve=True, approver=ANN)
    decided = store.decide(approval.id, approve=True, approver=ANN)
    assert decided.decided_role == "adjuster" and decided.decided_by == "user:ann"
    with pytest.raises(ApprovalError, match="not pending"):
        store.decide(approval.id, approve=False, approver=Principal(id="user:bo", roles=["adjuster"]))
    assert backend.open_approvals().get(approval.id).status == "approved"
    assert [a.id for a in store.list(None)] == [approval.id, own.id]
    with pytest.raises(ApprovalError, match="no such approval"):
        store.get("apr-missing")


def test_used_by_one_call_announced_once_and_expiring(backend) -> None:
    store = backend.open_approvals()
    approval = new_approval(store)
    store.decide(approval.id, approve=True, approver=ANN)
    store.use(approval.id, "payments.issue:CLM-1005")
    store.use(approval.id, "payments.issue:CLM-1005")  # the same call retried after a crash
    with pytest.raises(ApprovalError, match="already used"):
        backend.open_approvals().use(approval.id, "payments.issue:CLM-1006")
    assert store.get(approval.id).used_key == "payments.issue:CLM-1005"
    assert [a.id for a in store.unannounced()] == [approval.id]
    store.mark_announced(approval.id)
    assert store.unannounced() == []
    lapsing = backend.open_approvals(ttl_s=0.01)
    stale = new_approval(lapsing)
    assert [a.id for a in lapsing.expire_due(now=stale.expires_at + 1)] == [stale.id]
    assert lapsing.expire_due(now=stale.expires_at + 1) == []  # expired once
    assert store.get(stale.id).status == "expired" and [a.id for a in store.unannounced()] == [stale.id]
    with pytest.raises(ApprovalError, match="not pending"):
        store.decide(stale.id, approve=True, approver=ANN)


def test_concurrent_deciders_and_users_on_several_stores_win_once(backend) -> None:
    stores = [backend.open_approvals() for _ in range(2)]
    approval = new_approval(stores[0])
    deciders = [Principal(id=f"user:adj{i}", roles=["adjuster"]) for i in range(10)]
    start = threading.Barrier(10, timeout=60)

    def decide(i: int) -> str:
        start.wait()
        try:
            return stores[i % 2].decide(approval.id, approve=True, approver=deciders[i]).decided_by
        except ApprovalError:
            return ""

    with ThreadPoolExecutor(10) as pool:
        winners = [w for w in pool.map(decide, range(10)) if w]
    assert len(winners) == 1
    final = stores[1].get(approval.id)
    assert final.decided_by == winners[0] and final.status == "approved"
    use_start = threading.Barrier(10, timeout=60)

    def use(i: int) -> bool:
        use_start.wait()
        try:
            stores[i % 2].use(approval.id, f"payments.issue:CLM-{i}")
            return True
        except ApprovalError:
            return False

    with ThreadPoolExecutor(10) as pool:
        assert sum(pool.map(use, range(10))) == 1
