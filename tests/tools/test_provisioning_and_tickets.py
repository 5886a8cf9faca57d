"""provisioning.reserve/release and tickets.update: simple records, idempotent by key."""
from __future__ import annotations

import pytest

from tools.client import call_tool
from tools.errors import InvalidToolArgs


@pytest.fixture
def call(signer):
    """Call a tool as the gate does: signed."""
    async def call(nc, tool: str, args: dict, key: str) -> dict:
        return await call_tool(nc, tool, args, idempotency_key=key, run_id="run-3", timeout_s=5, signer=signer)

    return call


async def test_reserve_then_release(tool_services, call, gate_nc, settings, db_rows) -> None:
    reserved = await call(gate_nc, "provisioning.reserve", {"resource": "gpu", "quantity": 4, "reason": "batch"}, "r-1")
    assert reserved["status"] == "reserved" and reserved["quantity"] == 4
    again = await call(gate_nc, "provisioning.reserve", {"resource": "gpu", "quantity": 4, "reason": "batch"}, "r-1")
    assert again == {**reserved, "status": "duplicate"}

    released = await call(gate_nc, "provisioning.release", {"reservation_id": reserved["reservation_id"]}, "rel-1")
    assert released["status"] == "released"
    released_again = await call(gate_nc, "provisioning.release", {"reservation_id": reserved["reservation_id"]}, "rel-2")
    assert released_again["status"] == "released"  # releasing twice is harmless
    [row] = db_rows(settings.data_dir / "provisioning.db", "SELECT * FROM reservations")
    assert row["status"] == "released"


async def test_releasing_an_unknown_reservation_is_invalid(tool_services, call, gate_nc) -> None:
    with pytest.raises(InvalidToolArgs, match="reservation_id"):
        await call(gate_nc, "provisioning.release", {"reservation_id": "RES-NOPE"}, "rel-x")


async def test_reserving_nothing_is_invalid(tool_services, call, gate_nc) -> None:
    with pytest.raises(InvalidToolArgs, match="quantity"):
        await call(gate_nc, "provisioning.reserve", {"resource": "gpu", "quantity": 0}, "r-0")


async def test_ticket_update_upserts_and_keeps_history(tool_services, call, gate_nc, settings, db_rows) -> None:
    first = await call(gate_nc, "tickets.update", {"ticket_id": "T-1", "status": "open", "comment": "received"}, "t-1")
    assert first == {"ticket_id": "T-1", "status": "updated", "ticket_status": "open"}
    await call(gate_nc, "tickets.update", {"ticket_id": "T-1", "status": "resolved", "comment": "paid"}, "t-2")
    dup = await call(gate_nc, "tickets.update", {"ticket_id": "T-1", "status": "resolved", "comment": "paid"}, "t-2")
    assert dup["status"] == "duplicate"

    db = settings.data_dir / "tickets.db"
    assert db_rows(db, "SELECT ticket_id, status FROM tickets") == [{"ticket_id": "T-1", "status": "resolved"}]
    assert [r["comment"] for r in db_rows(db, "SELECT comment FROM ticket_updates ORDER BY id")] == ["received", "paid"]


async def test_ticket_status_must_be_known(tool_services, call, gate_nc) -> None:
    with pytest.raises(InvalidToolArgs, match="status"):
        await call(gate_nc, "tickets.update", {"ticket_id": "T-1", "status": "escalated"}, "t-bad")
