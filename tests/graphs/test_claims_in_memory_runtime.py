"""The same claims graph on the in-memory runtime (no event bus), with the gate called in-process: the two
runtimes are interchangeable behind one interface. Tools are still the real services."""
from __future__ import annotations

import contextlib
import json
from pathlib import Path

from cryptography.fernet import Fernet
from langgraph.checkpoint.memory import InMemorySaver

from agents.agent_id import AgentId
from agents.bus import connect
from agents.gate_client import LocalToolGateway
from agents.graph_actor import GraphActor
from agents.runtime import InMemoryRuntime
from graphs.ports import GraphDeps
from graphs.registry import packages
from guardrails.approvals import ApprovalStore
from guardrails.audit import AuditLog
from guardrails.contracts import Principal
from guardrails.gate import Gate
from guardrails.gate_store import GateStore
from guardrails.policy import RegopyEngine
from guardrails.redaction import get_redactor
from guardrails.vault import Vault
from graphs.claims.scripted import hostile_claims_script
from serving.scripted import ScriptedModel
from tools.client import call_tool
from tools.errors import ToolUnavailable
from tools.registry import start_tool_services

CLAIMS = [json.loads(l) for l in (Path(__file__).parents[2] / "graphs/claims/samples/claims.jsonl").read_text().splitlines() if l.strip()]


@contextlib.asynccontextmanager
async def claims_runtime(tmp_path: Path, nats_creds, settings, *, down: frozenset[str] = frozenset()):
    """The claims graph on the in-memory runtime behind a real gate and real tool services; tools named in `down`
    answer "no service" at the transport seam, as during an outage."""
    from tools.gate_proof import GateSigner, GateVerifier, generate_signing_key

    signing_key, public_key = generate_signing_key()
    tools_nc, gate_nc = await connect(nats_creds, "tools"), await connect(nats_creds, "gate")
    services = await start_tool_services(tools_nc, settings, GateVerifier(public_key))
    signer = GateSigner(signing_key)
    vault = Vault(tmp_path / "vault.db", Fernet.generate_key())

    async def transport(tool, args, key, run_id):
        if tool in down:
            raise ToolUnavailable(f"no service is serving {tool}")
        return await call_tool(gate_nc, tool, args, idempotency_key=key, run_id=run_id, timeout_s=5, signer=signer)

    gate = Gate(redactor=get_redactor(), vault=vault, engine=RegopyEngine(), store=GateStore(tmp_path / "g.db"),
                audit=AuditLog(tmp_path / "a.db"), approvals=ApprovalStore(tmp_path / "ap.db"), call_tool=transport)
    spec = packages()["claims_triage"]
    deps = GraphDeps(tools=LocalToolGateway(gate, Principal(id="agent:claims_triage", roles=["agent"])),
                     model=ScriptedModel(hostile_claims_script))
    actor = GraphActor("claims_triage", spec.build(deps).compile(checkpointer=InMemorySaver()),
                       lambda run_id, payload: spec.prepare(run_id, payload, vault, get_redactor()),
                       summary=spec.summary, outcome_key=spec.outcome_key)
    try:
        yield InMemoryRuntime({"claims_triage": actor}), actor, gate
    finally:
        await services.stop()
        await tools_nc.close()
        await gate_nc.close()


async def test_claims_run_on_the_in_memory_runtime(tmp_path: Path, nats_creds, settings) -> None:
    async with claims_runtime(tmp_path, nats_creds, settings) as (runtime, _, _):
        for claim in CLAIMS[:8]:
            await runtime.send(AgentId("claims_triage", claim["claim_id"]), claim, msg_id=claim["claim_id"])
        await runtime.host.drain()
    decisions = {o.key: o.decision for o in runtime.outcomes}
    assert decisions["CLM-1001"] == "paid"
    assert decisions["CLM-1005"] == "awaiting_approval"
    assert decisions["CLM-1007"] == "escalated"  # the injected payee, refused by the gate


async def test_a_claim_whose_score_is_unavailable_waits_on_a_listed_approval(tmp_path: Path, nats_creds, settings) -> None:
    """The scorer is down: the graph still asks to pay, the gate (not the graph) sends it to an adjuster with an
    approval record the queue lists, and approving it resumes the run to the payment."""
    claim = CLAIMS[0]
    async with claims_runtime(tmp_path, nats_creds, settings, down=frozenset({"scoring.fraud_risk"})) as (runtime, actor, gate):
        await runtime.send(AgentId("claims_triage", claim["claim_id"]), claim, msg_id="outage-1")
        await runtime.host.drain()
        waiting = runtime.outcomes[-1]
        assert waiting.decision == "awaiting_approval"
        (pending,) = gate.approvals.list()
        assert pending.tool == "payments.issue" and pending.role == "adjuster" and "no fraud score on record" in pending.reason
        gate.approvals.decide(pending.id, approve=True, approver=Principal(id="user:ann", roles=["adjuster"]))
        done = await actor.resume(waiting.run_id, claim["claim_id"], {"approved": True, "approval_id": pending.id, "by": "user:ann"})
    assert done.status == "completed" and done.decision == "paid"
