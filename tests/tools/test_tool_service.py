"""The service base and the client: coded errors, timeouts, missing services, stats, no leaked internals."""
from __future__ import annotations

import asyncio
import json

import pytest
from pydantic import BaseModel

from tools.client import call_tool
from tools.errors import InvalidToolArgs, ToolFailure, ToolTimeout, ToolUnavailable
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
async def testing_service(tools_nc):
    """Test-only tools on the real base: `testing.sleep` (read-only) and `testing.explode`."""
    service = ToolService(tools_nc, "testing", [ToolSpec("testing.sleep", SleepArgs, sleep_for, effectful=False),
                                                ToolSpec("testing.explode", SleepArgs, explode, effectful=False)],
                          timeout_s=0.2)
    await service.start()
    yield service
    await service.stop()


async def test_a_slow_tool_times_out_with_504(testing_service, gate_nc) -> None:
    assert await call_tool(gate_nc, "testing.sleep", {"seconds": 0.01}, idempotency_key="", run_id="r",
                           timeout_s=2) == {"slept": 0.01}
    with pytest.raises(ToolTimeout) as exc:
        await call_tool(gate_nc, "testing.sleep", {"seconds": 1.0}, idempotency_key="", run_id="r", timeout_s=2)
    assert exc.value.code == 504 and "0.2s" in exc.value.message


async def test_no_reply_within_the_callers_timeout_is_a_timeout(testing_service, gate_nc) -> None:
    with pytest.raises(ToolTimeout):
        await call_tool(gate_nc, "testing.sleep", {"seconds": 0.15}, idempotency_key="", run_id="r", timeout_s=0.05)


async def test_a_tool_nobody_serves_is_unavailable(gate_nc) -> None:
    with pytest.raises(ToolUnavailable):
        await call_tool(gate_nc, "testing.nobody", {}, idempotency_key="k", run_id="r", timeout_s=1)


async def test_failures_do_not_leak_internals(testing_service, gate_nc) -> None:
    with pytest.raises(ToolFailure) as exc:
        await call_tool(gate_nc, "testing.explode", {"seconds": 0}, idempotency_key="", run_id="r", timeout_s=2)
    assert exc.value.code == 500 and "ref " in exc.value.message
    assert "hunter2" not in exc.value.message and "Traceback" not in exc.value.message


async def test_a_body_that_is_not_json_is_invalid(testing_service, gate_nc) -> None:
    reply = await gate_nc.request("tools.testing.sleep", b"{not json", timeout=2)
    assert reply.headers["Nats-Service-Error-Code"] == "400"
    with pytest.raises(InvalidToolArgs, match="seconds"):
        await call_tool(gate_nc, "testing.sleep", {}, idempotency_key="", run_id="r", timeout_s=2)


async def test_micro_stats_count_requests_and_errors_by_code(testing_service, gate_nc) -> None:
    await call_tool(gate_nc, "testing.sleep", {"seconds": 0}, idempotency_key="", run_id="r", timeout_s=2)
    with pytest.raises(InvalidToolArgs):
        await call_tool(gate_nc, "testing.sleep", {"seconds": "x"}, idempotency_key="", run_id="r", timeout_s=2)
    # what any NATS client sees on the standard micro control subject
    reply = await gate_nc.request("$SRV.STATS.testing", b"", timeout=2)
    endpoint = next(e for e in json.loads(reply.data)["endpoints"] if e["subject"] == "tools.testing.sleep")
    assert endpoint["num_requests"] == 2 and endpoint["num_errors"] == 1
    assert endpoint["data"] == {"errors_by_code": {"400": 1}}


async def test_every_served_tool_is_registered_on_its_subject(tool_services, gate_nc) -> None:
    specs = {name: spec for s in tool_services.services for name, spec in s.tools.items()}
    assert {name: spec.subject for name, spec in specs.items()} == TOOL_SUBJECTS
    assert all(spec.effectful == (name not in READ_ONLY_TOOLS) for name, spec in specs.items())
    for family in ("payments", "notifications", "scoring", "provisioning", "tickets"):
        info = json.loads((await gate_nc.request(f"$SRV.INFO.{family}", b"", timeout=2)).data)
        assert {e["subject"] for e in info["endpoints"]} <= set(TOOL_SUBJECTS.values())
