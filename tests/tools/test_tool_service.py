"""The service base and the client: coded errors, timeouts, missing services, stats, no leaked internals, and no
service without the gate's key."""
from __future__ import annotations

import asyncio
import json

import pytest
from pydantic import BaseModel

from tools.client import call_tool
from tools.errors import InvalidToolArgs, ToolError, ToolFailure, ToolTimeout, ToolUnavailable
from tools.registry import TOOL_SUBJECTS
from tools.schemas import READ_ONLY_TOOLS, ToolArgs
from tools.service import CallContext, ToolService, ToolSpec


class SleepArgs(ToolArgs):
    seconds: float


class Done(BaseModel):
    slept: float


async def sleep_for(args: SleepArgs, ctx: CallContext) -> Done:
    await asyncio.sleep(args.seconds)
    return Done(slept=args.seconds)


async def explode(args: SleepArgs, ctx: CallContext) -> Done:
    raise RuntimeError("db password is hunter2")


@pytest.fixture
async def testing_service(tools_nc, verifier):
    """Test-only tools on the real base: `testing.sleep` (read-only) and `testing.explode`."""
    service = ToolService(tools_nc, "testing", [ToolSpec("testing.sleep", SleepArgs, sleep_for, effectful=False),
                                                ToolSpec("testing.explode", SleepArgs, explode, effectful=False)],
                          verifier=verifier, timeout_s=0.2)
    await service.start()
    yield service
    await service.stop()


@pytest.fixture
def call(gate_nc, signer):
    """Call a testing tool as the gate does: signed, replies into the gate's inbox."""
    async def call(tool: str, args: dict, *, timeout_s: float = 2, key: str = "") -> dict:
        return await call_tool(gate_nc, tool, args, idempotency_key=key, run_id="r", timeout_s=timeout_s, signer=signer)

    return call


async def test_a_slow_tool_times_out_with_504(testing_service, call, gate_nc) -> None:
    assert await call("testing.sleep", {"seconds": 0.01}, timeout_s=2) == {"slept": 0.01}
    with pytest.raises(ToolTimeout) as exc:
        await call("testing.sleep", {"seconds": 1.0}, timeout_s=2)
    assert exc.value.code == 504 and "0.2s" in exc.value.message


async def test_no_reply_within_the_callers_timeout_is_a_timeout(testing_service, call, gate_nc) -> None:
    with pytest.raises(ToolTimeout):
        await call("testing.sleep", {"seconds": 0.15}, timeout_s=0.05)


async def test_a_tool_nobody_serves_is_unavailable(call) -> None:
    with pytest.raises(ToolUnavailable):
        await call("testing.nobody", {}, key="k", timeout_s=1)


async def test_failures_do_not_leak_internals(testing_service, call, gate_nc) -> None:
    with pytest.raises(ToolFailure) as exc:
        await call("testing.explode", {"seconds": 0}, timeout_s=2)
    assert exc.value.code == 500 and "ref " in exc.value.message
    assert "hunter2" not in exc.value.message and "Traceback" not in exc.value.message


async def test_a_body_that_is_not_json_is_invalid(testing_service, call, gate_nc, signer) -> None:
    reply = await gate_nc.request("tools.testing.sleep", b"{not json", timeout=2,
                                  headers={"Warden-Gate-Proof": signer.sign("testing.sleep", b"{not json", None)})
    assert reply.headers["Nats-Service-Error-Code"] == "400"
    with pytest.raises(InvalidToolArgs, match="seconds"):
        await call("testing.sleep", {}, timeout_s=2)


async def test_micro_stats_count_requests_and_errors_by_code(testing_service, call, admin_nc) -> None:
    await call("testing.sleep", {"seconds": 0}, timeout_s=2)
    with pytest.raises(InvalidToolArgs):
        await call("testing.sleep", {"seconds": "x"}, timeout_s=2)
    # what any NATS client sees on the standard micro control subject
    reply = await admin_nc.request("$SRV.STATS.testing", b"", timeout=2)
    endpoint = next(e for e in json.loads(reply.data)["endpoints"] if e["subject"] == "tools.testing.sleep")
    assert endpoint["num_requests"] == 2 and endpoint["num_errors"] == 1
    assert endpoint["data"] == {"errors_by_code": {"400": 1}, "refused_by_reason": {}}


async def test_every_served_tool_is_registered_on_its_subject(tool_services, admin_nc) -> None:
    specs = {name: spec for s in tool_services.services for name, spec in s.tools.items()}
    assert {name: spec.subject for name, spec in specs.items()} == TOOL_SUBJECTS
    assert all(spec.effectful == (name not in READ_ONLY_TOOLS) for name, spec in specs.items())
    for family in ("payments", "notifications", "scoring", "provisioning", "tickets"):
        info = json.loads((await admin_nc.request(f"$SRV.INFO.{family}", b"", timeout=2)).data)
        assert {e["subject"] for e in info["endpoints"]} <= set(TOOL_SUBJECTS.values())


async def test_read_only_tools_also_refuse_a_call_the_gate_did_not_sign(testing_service, gate_nc, admin_nc) -> None:
    with pytest.raises(ToolError) as exc:
        await call_tool(gate_nc, "testing.sleep", {"seconds": 0}, idempotency_key="", run_id="r", timeout_s=2)
    assert exc.value.code == 401 and "Warden-Gate-Proof" in exc.value.message
    reply = await admin_nc.request("$SRV.STATS.testing", b"", timeout=2)
    endpoint = next(e for e in json.loads(reply.data)["endpoints"] if e["subject"] == "tools.testing.sleep")
    assert endpoint["data"] == {"errors_by_code": {"401": 1}, "refused_by_reason": {"missing": 1}}
    assert testing_service.refused()["testing.sleep"] == {"missing": 1}


def test_a_service_cannot_be_built_without_the_gates_key() -> None:
    with pytest.raises(TypeError, match="GateVerifier"):
        ToolService(None, "testing", [ToolSpec("testing.sleep", SleepArgs, sleep_for, effectful=False)],  # type: ignore[arg-type]
                    verifier=None, timeout_s=1)  # type: ignore[arg-type]


async def test_a_slow_tool_serves_its_callers_concurrently(tools_nc, verifier, call) -> None:
    """micro alone awaits each request before the next: eight 0.3 s calls would take 2.4 s, one after another."""
    inside, peak = 0, 0

    async def slow(args: SleepArgs, ctx: CallContext) -> Done:
        nonlocal inside, peak
        inside += 1
        peak = max(peak, inside)
        await asyncio.sleep(args.seconds)
        inside -= 1
        return Done(slept=args.seconds)

    service = ToolService(tools_nc, "testing", [ToolSpec("testing.sleep", SleepArgs, slow, effectful=False)],
                          verifier=verifier, timeout_s=5, max_concurrent=4)
    await service.start()
    try:
        results = await asyncio.gather(*(call("testing.sleep", {"seconds": 0.3}, timeout_s=10) for _ in range(8)))
    finally:
        await service.stop()
    assert results == [{"slept": 0.3}] * 8
    assert peak == 4  # concurrent, and never past the bound
