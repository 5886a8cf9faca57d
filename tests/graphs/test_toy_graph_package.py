"""A graph package written outside the repository, registered by an entry point alone, runs through the real bus,
gate and tools: no core file names it. Its bus user, consumers, ingest permission and gate view all come from
its `GraphPackage`."""
from __future__ import annotations

import asyncio
import json
import textwrap
from pathlib import Path

import pytest

from app.assembly import Warden
from agents.bus import connect
from warden.settings import Settings
from graphs.registry import ENTRY_POINT_GROUP, packages
from graphs.spec import GraphPackage, PackageError
from serving.scripted import ScriptedModel
from guardrails.audit import per_call

TOY = '''
"""A toy graph: one node that closes a ticket through the gate, and tries one tool it did not declare."""
from typing import Any, TypedDict

from langgraph.graph import END, START, StateGraph

from graphs.ports import GraphDeps
from graphs.spec import GraphPackage


class ToyState(TypedDict, total=False):
    run_id: str
    ticket_id: str
    decision: str
    calls: list[dict[str, Any]]


def build(deps: GraphDeps) -> StateGraph:
    async def close(state: ToyState) -> dict[str, Any]:
        calls = []
        for i, (tool, args) in enumerate([
                ("tickets.update", {"ticket_id": state["ticket_id"], "status": "resolved", "comment": "closed by toy"}),
                ("documents.search", {"query": "anything"})]):
            out = await deps.tools.call(tool, args, run_id=state["run_id"], graph="toy", step=1, call=i,
                                        provenance={k: "system" for k in args})
            calls.append({"tool": tool, "decision": out.decision, "reasons": out.reasons, "ok": out.ok})
        return {"calls": calls, "decision": "closed" if calls[0]["ok"] else "failed"}

    graph = StateGraph(ToyState)
    graph.add_node("close", close)
    graph.add_edge(START, "close")
    graph.add_edge("close", END)
    return graph


def prepare(run_id: str, event: dict[str, Any], vault: Any, redactor: Any) -> dict[str, Any]:
    if not isinstance(event.get("ticket_id"), str):
        raise ValueError("a toy event needs a ticket_id")
    return {"run_id": run_id, "ticket_id": event["ticket_id"], "calls": []}


PACKAGE = GraphPackage(name="toy", trigger="events.toy.created", key_field="ticket_id", build=build,
                       prepare=prepare, tools=("tickets.update",),
                       record_view=lambda event: {"ticket": {"ticket_id": event.get("ticket_id")}},
                       summary=lambda values: {"calls": values.get("calls", [])})
'''


@pytest.fixture
def toy_registered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The toy package and its distribution metadata (an installed wheel's entry point) in a temp folder."""
    site = tmp_path / "site"
    (site / "toy_graph").mkdir(parents=True)
    (site / "toy_graph" / "__init__.py").write_text(textwrap.dedent(TOY))
    dist = site / "toy_graph-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-graph\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\ntoy = toy_graph:PACKAGE\n")
    monkeypatch.syspath_prepend(str(site))
    yield site


def test_an_entry_point_registers_a_graph_package(toy_registered) -> None:
    registered = packages()
    assert {"claims_triage", "toy"} <= set(registered)
    assert registered["toy"].trigger == "events.toy.created"


def test_a_package_cannot_take_another_graphs_name_or_a_reserved_subject(toy_registered) -> None:
    toy = packages()["toy"]
    with pytest.raises(PackageError):
        packages([GraphPackage(name="toy", trigger="events.toy2.created", key_field="k", build=toy.build, prepare=toy.prepare)])
    with pytest.raises(PackageError):
        packages([GraphPackage(name="toy2", trigger="events.toy.created", key_field="k", build=toy.build, prepare=toy.prepare)])
    for subject in ("events.approvals.decided.toy2", "events.records.incoming", "events.keyed.toy", "tools.tickets.update", "gate.toy2.call.x"):
        with pytest.raises(PackageError):
            GraphPackage(name="toy2", trigger=subject, key_field="k", build=toy.build, prepare=toy.prepare)


def test_ingest_may_publish_exactly_the_registered_triggers(toy_registered) -> None:
    from agents.bus_users import permissions
    from graphs.registry import triggers

    allowed = permissions(triggers(packages()))["ingest"]["publish"]["allow"]
    triggers_ = {"events.claims.submitted", "events.leads.created", "events.inventory.snapshot",
                 "events.capacity.metrics", "events.toy.created"}
    keyed = {t.replace("events.", "events.keyed.", 1) + ".*" for t in triggers_}  # the same, key in the subject
    assert set(allowed) == triggers_ | keyed | {"events.records.incoming"}
    assert permissions(["toy"])["ingest"]["publish"]["allow"] == ["events.records.incoming"]  # names alone: no trigger


async def test_the_toy_graph_runs_through_the_real_bus_and_gate(toy_registered, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "warden", llm="scripted")
    async with Warden(settings, model=ScriptedModel(lambda request: "{}"), graphs=["toy"]) as warden:
        nc = await connect(warden.creds, "ingest")  # the event source publishes the toy's trigger, as for claims
        done: asyncio.Future = asyncio.get_running_loop().create_future()

        async def on_completed(msg) -> None:
            data = json.loads(msg.data)
            if data.get("graph") == "toy" and not done.done():
                done.set_result(data)

        await nc.subscribe("runs.completed", cb=on_completed)
        ack = await nc.jetstream().publish("events.toy.created", json.dumps({"ticket_id": "TCK-7"}).encode())
        outcome = await asyncio.wait_for(done, timeout=60)
        audit = per_call(warden.gate.audit.records())
        detail = {o.run_id: o.detail for o in warden.runtime.host.outcomes}
        await nc.close()

    run_id = f"run-toy-{ack.seq}"
    assert outcome["run_id"] == run_id and outcome["key"] == "TCK-7"
    assert outcome["status"] == "completed" and outcome["decision"] == "closed"
    calls = {c["tool"]: c for c in detail[run_id]["calls"]}
    assert calls["tickets.update"]["decision"] == "allow" and calls["tickets.update"]["ok"]
    # the package declared only tickets.update: the gate refuses it anything else, whatever the policy grants
    assert calls["documents.search"]["decision"] == "deny"
    assert "does not declare" in " ".join(calls["documents.search"]["reasons"])
    allowed = [r for r in audit if r["tool"] == "tickets.update" and r["decision"] == "allow"]
    assert len(allowed) == 1 and allowed[0]["run_id"] == run_id
    assert allowed[0]["principal"] == "agent:toy" and allowed[0]["result_status"] != "not_executed"
    assert warden.gate.audit.verify() >= 2


async def test_the_toy_runtime_user_cannot_publish_the_claims_trigger(toy_registered, tmp_path: Path) -> None:
    """The toy's bus user comes from the operator step and is as narrow as the claims one."""
    settings = Settings(data_dir=tmp_path / "warden", llm="scripted")
    async with Warden(settings, model=ScriptedModel(lambda request: "{}"), graphs=["toy", "claims_triage"]) as warden:
        rt = await connect(warden.creds, "rt-toy")
        with pytest.raises(Exception):
            await rt.jetstream().publish("events.toy.created", b'{"ticket_id": "TCK-8"}', timeout=2)
        with pytest.raises(Exception):
            await rt.request("gate.claims_triage.call.tickets.update", b"{}", timeout=2)
        await rt.close()
