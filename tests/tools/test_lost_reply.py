"""A tool call whose reply was lost with the gate's connection (its bus node died) is asked once more with the
same key and proof, and the tool's ledger answers the repeat; a plain timeout is not repeated. Live bus: the
gate's connection is really dropped and re-established while the request waits."""
from __future__ import annotations

import asyncio

import nats
import pytest

from tools.client import call_tool
from tools.errors import ToolTimeout
from tools.gate_proof import PROOF_HEADER
from tools.service import IDEMPOTENCY_HEADER

TOOL = "testing.lost_reply"


@pytest.fixture
async def gate_nc(nats_creds):
    """The gate's connection, reconnecting as quickly as Warden's own (agents/bus.py)."""
    nc = await nats.connect(nats_creds.url_for("gate"), inbox_prefix="_INBOX.gate", reconnect_time_wait=0.5,
                            max_reconnect_attempts=-1)
    yield nc
    await nc.close()


async def _responder(tools_nc, gate_nc, *, answer_from: int, drop_connection: bool) -> list[dict]:
    """A service on the tool's subject that answers only from request `answer_from` on; before that, it drops the
    gate's connection (when asked to) instead of answering, as a dying bus node would."""
    seen: list[dict] = []

    async def handle(msg) -> None:
        seen.append(dict(msg.headers or {}))
        if len(seen) >= answer_from:
            await msg.respond(b'{"status": "paid", "asked": %d}' % len(seen))
        elif drop_connection:
            await gate_nc.force_reconnect()

    await tools_nc.subscribe(f"tools.{TOOL}", cb=handle)
    await tools_nc.flush()
    return seen


async def test_a_reply_lost_with_the_connection_is_asked_for_again_with_the_same_key(tools_nc, gate_nc, signer) -> None:
    seen = await _responder(tools_nc, gate_nc, answer_from=2, drop_connection=True)
    result = await call_tool(gate_nc, TOOL, {"claim_id": "CLM-1"}, idempotency_key="run-1:3:0:pay", run_id="run-1",
                             timeout_s=2.0, signer=signer)
    assert result == {"status": "paid", "asked": 2}
    assert len(seen) == 2 and gate_nc.stats["reconnects"] >= 1
    assert seen[0][IDEMPOTENCY_HEADER] == seen[1][IDEMPOTENCY_HEADER] == "run-1:3:0:pay"
    assert seen[0][PROOF_HEADER] == seen[1][PROOF_HEADER]  # the same judged call, not a new one


@pytest.mark.parametrize(("drop_connection", "asked"), [(False, 1), (True, 2)], ids=["plain timeout", "lost twice"])
async def test_a_plain_timeout_is_not_repeated_and_a_lost_reply_only_once(tools_nc, gate_nc, signer, drop_connection,
                                                                          asked) -> None:
    seen = await _responder(tools_nc, gate_nc, answer_from=99, drop_connection=drop_connection)
    with pytest.raises(ToolTimeout):
        await call_tool(gate_nc, TOOL, {"claim_id": "CLM-1"}, idempotency_key="k", run_id="run-1", timeout_s=1.0,
                        signer=signer)
    await asyncio.sleep(0.2)
    assert len(seen) == asked
