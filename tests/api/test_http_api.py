"""The staff API as a client sees it, over real HTTP on a real Warden: auth, limits, approvals, runs, audit."""
from __future__ import annotations

import json

from api_helpers import CLAIMS, eventually


async def test_operations_endpoints_answer_without_a_token(live) -> None:
    async with live.client() as c:
        assert (await c.get("/healthz")).json() == {"status": "ok", "roles": ["tools", "gate", "runtime"]}
        ready = await c.get("/readyz")
        assert ready.status_code == 200 and ready.json()["checks"] == {"bus": True, "policy": True, "model": True}
        metrics = (await c.get("/metrics")).text
        assert "warden_live_actors" in metrics and "warden_approvals_pending" in metrics
        schema = (await c.get("/openapi.json")).json()
        assert {"/v1/approvals", "/v1/approvals/{approval_id}", "/v1/runs", "/v1/runs/{run_id}/events",
                "/v1/audit"} <= set(schema["paths"])


async def test_no_token_is_401_a_wrong_role_is_403_bad_input_is_422_and_a_big_body_is_413(live) -> None:
    async with live.client() as anon:
        r = await anon.get("/v1/approvals")
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        r = await anon.get("/v1/runs", headers={"Authorization": "Bearer wdn_not-a-token"})
        assert r.status_code == 401 and r.json() == {"error": "invalid or expired token"}
    async with live.client("staff") as staff:
        r = await staff.get("/v1/audit")
        assert r.status_code == 403 and "adjuster" in r.json()["error"]
    async with live.client("adjuster") as adj:
        r = await adj.post("/v1/approvals/apr-0123456789ab", json={"decision": "maybe"})
        assert r.status_code == 422 and r.json()["field"] == "body.decision"
        r = await adj.get("/v1/runs", params={"limit": 0})
        assert r.status_code == 422 and r.json()["field"] == "query.limit"
        r = await adj.post("/v1/approvals/apr-0123456789ab", content=b"x" * (300 * 1024),
                           headers={"Content-Type": "application/json"})
        assert r.status_code == 413
        r = await adj.post("/v1/approvals/apr-0123456789ab", json={"decision": "approve"})
        assert r.status_code == 404 and r.json() == {"error": "no such approval"}


async def test_an_adjuster_approves_once_over_http_and_the_run_finishes(live) -> None:
    await live.publish("CLM-1005")  # above the auto-approval limit: waits for an adjuster
    async with live.client("adjuster") as adj, live.client("staff") as staff, live.client("admin") as admin:
        async def pending():
            items = (await adj.get("/v1/approvals")).json()["approvals"]
            return [a for a in items if a["args"].get("claim_id") == "CLM-1005"]

        (approval,) = await eventually(pending)
        assert approval["role"] == "adjuster" and approval["args"]["payee_account"].startswith("<BANK_ACCOUNT")
        assert (await staff.get("/v1/approvals")).json()["approvals"] == []  # not a staff member's to decide
        r = await staff.post(f"/v1/approvals/{approval['id']}", json={"decision": "approve"})
        assert r.status_code == 403
        r = await adj.post(f"/v1/approvals/{approval['id']}", json={"decision": "approve", "reason": "receipts ok"})
        assert r.status_code == 200, r.text
        assert r.json()["approval"]["status"] == "approved" and r.json()["approval"]["decided_by"] == "user:adjuster-1"
        assert r.json()["run_resumed"] is True
        replay = await adj.post(f"/v1/approvals/{approval['id']}", json={"decision": "approve"})
        assert replay.status_code == 409 and "approved" in replay.json()["error"]

        run_id = approval["run_id"]

        async def finished():
            run = (await adj.get(f"/v1/runs/{run_id}")).json()
            return run if run.get("status") == "completed" else None

        run = await eventually(finished)
        assert run["decision"] == "paid" and run["key"] == "CLM-1005"
        kinds = [e["kind"] for e in run["events"]]
        assert "approval.pending" in kinds and "approval.approved" in kinds and kinds[-1] == "run.completed"
        assert [e["seq"] for e in run["events"]] == sorted(e["seq"] for e in run["events"])
        listed = (await adj.get("/v1/runs", params={"key": "CLM-1005"})).json()["runs"]
        assert [r["run_id"] for r in listed] == [run_id]

        metrics = (await adj.get("/metrics")).text
        assert 'warden_runs{graph="claims_triage",status="completed"}' in metrics
        assert 'warden_gate_decisions_total{tool="payments.issue",decision="allow"}' in metrics
        verified = (await admin.get("/v1/audit/verify")).json()
        assert verified["intact"] is True and verified["records"] > 0
        trail = (await admin.get("/v1/audit", params={"run_id": run_id})).json()["records"]
        tools = {(r["tool"], r["decision"]) for r in trail}
        assert ("approvals.decide", "deny") in tools  # the staff member's refused attempt is on the record
        assert ("approvals.decide", "allow") in tools and ("payments.issue", "allow") in tools
        raw = json.dumps(trail)
        claim = CLAIMS["CLM-1005"]
        for value in (claim["payee_account_on_file"], claim["claimant"]["email"], claim["claimant"]["name"]):
            assert value not in raw  # redacted records only


async def test_an_operator_starts_a_run_by_posting_its_event_and_the_inbox_streams_its_approval(live) -> None:
    import asyncio
    import time

    from api_helpers import parse_sse

    received: list[tuple[float, dict]] = []
    async with live.client("adjuster") as adj:
        async def listen() -> None:
            async with adj.stream("GET", "/v1/approvals/stream") as r:
                buf = ""
                async for chunk in r.aiter_text():
                    buf += chunk
                    complete, _, buf = buf.rpartition("\n\n")
                    for _, kind, data in parse_sse(complete):
                        if kind == "approval.pending":
                            received.append((time.time(), data))
                            return

        listening = asyncio.create_task(listen())
        await asyncio.sleep(0.3)
        async with live.client("operator") as op, live.client("staff") as staff:
            event = CLAIMS["CLM-1006"]
            assert (await staff.post("/v1/runs", json={"graph": "claims_triage", "event": event})).status_code == 403
            bad = await op.post("/v1/runs", json={"graph": "nope", "event": event})
            assert bad.status_code == 400 and "claims_triage" in bad.json()["error"]
            r = await op.post("/v1/runs", json={"graph": "claims_triage", "event": event})
            assert r.status_code == 202 and r.json()["run_id"].startswith("run-claims_triage-") and not r.json()["duplicate"]
            again = await op.post("/v1/runs", json={"graph": "claims_triage", "event": event})
            assert again.json()["duplicate"] is True
        await asyncio.wait_for(listening, 30)
    (at, approval), = received
    assert approval["run_id"] == r.json()["run_id"] and approval["args"]["claim_id"] == "CLM-1006"
    # How fast is a benchmark's business (bench/inbox_bench.py, target 1 s), not a timed assertion here.
    print(f"approval reached the inbox stream {(at - approval['created_at']) * 1000:.0f} ms after the gate opened it")
