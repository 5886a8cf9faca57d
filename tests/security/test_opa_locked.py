"""Issue 8, the policy server: the attack that turned a denied 20,000 payment into an allow, replayed.

The finding: OPA listened without authentication; one `PUT` of a module holding only `package warden` over
the payments rules made a high-risk 20,000 payment pass, while decisions kept naming the old policy hash.
Here OPA is the stand-in (tests/guardrails/opa_standin.py) locked with deploy/opa/authz.rego and real
tokens, the gate is the real Gate (Presidio, vault, SQLite stores) on `OpaEngine`, and every attack is made
over HTTP as an attacker on the network would. Then the case the lock cannot prevent: the server's policy
changed behind the engine's back (written straight into its store), which the revision check must catch.
"""
from __future__ import annotations

import logging
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "guardrails"))

from guardrails.approvals import ApprovalStore  # noqa: E402
from guardrails.audit import AuditLog  # noqa: E402
from guardrails.gate import Gate  # noqa: E402
from guardrails.gate_store import GateStore  # noqa: E402
from guardrails.policy import default_policy_dir  # noqa: E402
from guardrails.policy_opa import OpaEngine  # noqa: E402
from guardrails.redaction import get_redactor  # noqa: E402
from guardrails.vault import Vault  # noqa: E402
from opa_standin import OpaStandIn  # noqa: E402

GATE, OPERATOR = "gate-7d0c1f0e9b8a", "operator-52aa04e1c3f6"
EMPTY_PACKAGE = b"package warden\n"
REPO = Path(__file__).resolve().parents[2]


def high_risk_payment(amount: float = 20_000.0) -> dict:
    return {"tool": "payments.issue",
            "args": {"claim_id": "CLM-1001", "amount": amount, "currency": "USD", "payee_account": "ACCT-77812"},
            "principal": {"id": "agent:claims_triage", "roles": ["agent"]},
            "run": {"id": "run-1", "graph": "claims_triage", "step": 4},
            "provenance": {"claim_id": "system", "payee_account": "system", "amount": "model"},
            "context": {"claim": {"claim_id": "CLM-1001", "payee_account_on_file": "ACCT-77812",
                                  "claimant_email": "pat@example.com", "claimant_phone": "+1 415 555 0100"}}}


@pytest.fixture
def opa() -> Iterator[OpaStandIn]:
    with OpaStandIn(tokens={"gate": GATE, "operator": OPERATOR}) as server:
        yield server


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    folder = tmp_path / "policies"
    shutil.copytree(default_policy_dir(), folder)
    return folder


@pytest.fixture
def engine(opa: OpaStandIn, pack: Path) -> OpaEngine:
    """As compose runs it: the loader pushes with the operator's token, the gate holds only its own."""
    OpaEngine(opa.url, pack, token="", admin_token=OPERATOR)
    return OpaEngine(opa.url, pack, token=GATE, admin_token="")


@pytest.fixture
def gate(tmp_path: Path, engine: OpaEngine) -> Gate:
    """A gate that has seen CLM-1001 scored high-risk."""
    from cryptography.fernet import Fernet

    store = GateStore(tmp_path / "gate.db")
    store.record_fraud("CLM-1001", "high", 0.93)
    return Gate(redactor=get_redactor(), vault=Vault(tmp_path / "vault.db", Fernet.generate_key()), engine=engine,
                store=store, audit=AuditLog(tmp_path / "audit.db"), approvals=ApprovalStore(tmp_path / "approvals.db"))


AUTHZ_TABLE = [  # (token, method, path, allowed): deploy/opa/authz_test.rego says the same for `opa test`
    (GATE, "POST", "/v1/data/warden/meta/checked", True),
    (GATE, "POST", "/v1/data/warden/decision", True),
    (GATE, "POST", "/v1/data/warden/meta/revision", True),
    (GATE, "GET", "/health", True),
    (GATE, "PUT", "/v1/policies/warden/payments.rego", False),
    (GATE, "DELETE", "/v1/policies/warden/payments.rego", False),
    (GATE, "PUT", "/v1/data/payments", False),
    (GATE, "GET", "/v1/policies", False),
    (GATE, "GET", "/v1/data/payments", False),
    (GATE, "POST", "/v1/data", False),
    (GATE, "POST", "/v1/data/system/warden_tokens", False),
    (GATE, "POST", "/v1/query", False),
    (OPERATOR, "PUT", "/v1/policies/warden/payments.rego", True),
    (OPERATOR, "DELETE", "/v1/policies/warden/extra.rego", True),
    (OPERATOR, "GET", "/v1/policies", True),
    (OPERATOR, "PUT", "/v1/data/payments", True),
    (OPERATOR, "POST", "/v1/data/warden/meta/revision", True),
    (OPERATOR, "PUT", "/v1/data/system", False),
    (OPERATOR, "PUT", "/v1/data/system/warden_tokens", False),
    (OPERATOR, "PUT", "/v1/data/", False),
    (OPERATOR, "PUT", "/v1/data", False),
    (OPERATOR, "PUT", "/v1/data//system", False),
    (OPERATOR, "PUT", "/v1/policies//policy/authz.rego", False),
    (OPERATOR, "POST", "/v1/data/warden/decision", False),
    (OPERATOR, "DELETE", "/v1/data/payments", False),
    ("guessed", "POST", "/v1/data/warden/decision", False),
    ("guessed", "GET", "/health", False),
    (None, "GET", "/health", False),
    (None, "POST", "/v1/data/warden/decision", False),
]


def test_authz_table() -> None:
    """deploy/opa/authz.rego on the input OPA builds, evaluated with rego-cpp (no server in between)."""
    opa = OpaStandIn(tokens={"gate": GATE, "operator": OPERATOR})
    try:
        wrong = [(token, method, path) for token, method, path, allowed in AUTHZ_TABLE
                 if opa.authorized(method, path, f"Bearer {token}" if token else None) != allowed]
    finally:
        opa._server.server_close()
    assert not wrong


def test_token_rotation_keeps_both_tokens_valid_until_the_old_one_is_retired(tmp_path: Path) -> None:
    """docs/DEPLOY.md's rotation with deploy/opa/tokens.py, against authz.rego with the digests it writes."""
    import importlib.util
    import json
    import stat

    spec = importlib.util.spec_from_file_location("opa_tokens", REPO / "deploy" / "opa" / "tokens.py")
    tokens = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tokens)
    out = tmp_path / "secrets"
    tokens.create(out)
    assert stat.S_IMODE((out / "opa_gate_token").stat().st_mode) == 0o600 and (out / ".gitignore").read_text() == "*\n"

    def may_decide(*candidates: str) -> list[bool]:
        with OpaStandIn(tokens={}) as opa:  # OPA restarted with the digests now in opa_tokens.json
            opa.authz = {"warden_tokens": json.loads((out / "opa_tokens.json").read_text())}
            return [opa.authorized("POST", "/v1/data/warden/meta/checked", f"Bearer {t}") for t in candidates]

    old = (out / "opa_gate_token").read_text()
    tokens.rotate(out, "gate")
    new = (out / "opa_gate_token").read_text()
    assert new != old and may_decide(old, new) == [True, True]
    tokens.retire(out)
    assert may_decide(old, new) == [False, True]
    assert may_decide((out / "opa_operator_token").read_text()) == [False]  # the operator's token never decides


def _put(opa: OpaStandIn, path: str, body: bytes, token: str | None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.put(f"{opa.url}{path}", content=body, headers=headers).status_code


def test_the_finding_replayed_an_unauthenticated_put_is_refused_and_the_payment_stays_denied(
        opa: OpaStandIn, gate: Gate) -> None:
    before = gate.check(high_risk_payment())
    assert before.decision.decision == "deny"
    assert any("high fraud risk" in reason for reason in before.decision.reasons)

    assert _put(opa, "/v1/policies/warden/payments.rego", EMPTY_PACKAGE, None) == 401
    assert _put(opa, "/v1/policies/warden/payments.rego", EMPTY_PACKAGE, "guessed-token") == 401
    assert _put(opa, "/v1/policies/warden/payments.rego", EMPTY_PACKAGE, GATE) == 401  # the gate's token writes nothing
    assert _put(opa, "/v1/data/payments", b'{"hard_limit": 1e9}', GATE) == 401
    assert "package warden\n" not in opa.modules.values()

    after = gate.check(high_risk_payment())
    assert after.decision == before.decision
    assert gate.engine.revision_mismatches == 0


def test_the_tokens_rules_cannot_be_rewritten_even_by_the_operator(opa: OpaStandIn, engine: OpaEngine) -> None:
    assert _put(opa, "/v1/data/system", b'{"warden_tokens": {"operator": []}}', OPERATOR) == 401
    assert _put(opa, "/v1/data/system/warden_tokens", b'{"gate": []}', OPERATOR) == 401
    assert _put(opa, "/v1/data/", b"{}", OPERATOR) == 401  # the root document holds data.system
    assert _put(opa, "/v1/data//system", b"{}", OPERATOR) == 401
    # the modules OPA loaded from files have ids that are paths: this one is /policy/authz.rego
    assert _put(opa, "/v1/policies//policy/authz.rego", b"package system.authz\nallow := true\n", OPERATOR) == 401
    assert _put(opa, "/v1/policies/%2Fpolicy%2Fauthz.rego", b"package system.authz\nallow := true\n", OPERATOR) == 401


def test_nobody_without_the_gates_token_reads_decisions_or_the_policy(opa: OpaStandIn, engine: OpaEngine) -> None:
    body = {"input": {"tool": "payments.issue"}}
    for path in ("/v1/data/warden/decision", "/v1/data/warden/meta/checked", "/v1/data"):
        assert httpx.post(f"{opa.url}{path}", json=body).status_code == 401
    assert httpx.post(f"{opa.url}/v1/data/warden/decision", json=body,
                      headers={"Authorization": f"Bearer {GATE}"}).status_code == 200
    gate_headers = {"Authorization": f"Bearer {GATE}"}
    assert httpx.get(f"{opa.url}/v1/policies", headers=gate_headers).status_code == 401  # the policy text
    assert httpx.get(f"{opa.url}/v1/data/payments", headers=gate_headers).status_code == 401  # the data
    assert httpx.post(f"{opa.url}/v1/data/system/authz/allow", json=body, headers=gate_headers).status_code == 401


def test_a_module_changed_behind_the_engines_back_denies_and_raises_the_alarm(
        opa: OpaStandIn, gate: Gate, caplog: pytest.LogCaptureFixture) -> None:
    """What the lock cannot stop (a stolen operator token, a console, a restore from backup) the revision
    check catches: the server no longer holds the pack the engine trusts, so no call passes."""
    assert gate.check(high_risk_payment(amount=500.0)).decision.decision == "deny"  # high risk: denied at any amount
    opa.modules["warden/payments.rego"] = EMPTY_PACKAGE.decode()  # the finding's module, written out of band
    with caplog.at_level(logging.ERROR, logger="guardrails.policy_opa"):
        judgement = gate.check(high_risk_payment())
    assert judgement.decision.decision == "deny"
    assert gate.engine.revision_mismatches == 1
    assert gate.engine.last_mismatch.startswith("unknown")
    assert "warden_policy_revision_mismatches_total 1" in gate.engine.metrics_lines()
    assert any("serves policy revision" in r.getMessage() and "denying every call" in r.getMessage()
               for r in caplog.records)


def test_the_revision_module_deleted_behind_the_engines_back_denies(opa: OpaStandIn, engine: OpaEngine) -> None:
    from guardrails.policy_opa import META_POLICY_ID
    from test_policy_rules import pay

    del opa.modules[META_POLICY_ID]
    with pytest.raises(Exception, match="returned no decision"):
        engine.evaluate(pay(amount=500.0))
    assert engine.revision_mismatches == 1


def test_data_rewritten_behind_the_engines_back_denies(opa: OpaStandIn, engine: OpaEngine) -> None:
    from test_policy_rules import pay

    assert engine.evaluate(pay(amount=20_000.0)).decision == "require_approval"
    opa.data["payments"] = {**opa.data["payments"], "auto_approval_limit": 1_000_000}
    with pytest.raises(Exception, match="decided with policy revision"):
        engine.evaluate(pay(amount=20_000.0))
    assert engine.revision_mismatches == 1


def test_a_forged_revision_module_alone_does_not_hide_a_changed_rule(opa: OpaStandIn, engine: OpaEngine) -> None:
    """Replacing the rules and keeping the revision module is the attack the marks are for."""
    from test_policy_rules import pay

    marked = opa.modules["warden/payments.rego"]
    opa.modules["warden/payments.rego"] = marked.split("\n\n# Added by Warden's OpaEngine")[0].replace(
        "deny contains", "ignored contains", 1)
    with pytest.raises(Exception, match="decided with policy revision"):
        engine.evaluate(pay(amount=500.0))


def test_even_an_unlocked_opa_no_longer_turns_the_finding_into_an_allow(pack: Path) -> None:
    """The old deployment (no authentication): the PUT succeeds, but the engine sees the revision change."""
    from test_policy_rules import pay

    with OpaStandIn() as open_server:
        engine = OpaEngine(open_server.url, pack, token="", admin_token="")
        assert httpx.put(f"{open_server.url}/v1/policies/warden/payments.rego", content=EMPTY_PACKAGE).status_code == 200
        with pytest.raises(Exception, match="decided with policy revision"):
            engine.evaluate(pay(amount=20_000.0))


def test_compose_publishes_neither_opa_nor_vllm_and_locks_both() -> None:
    compose = yaml.safe_load((REPO / "compose.yaml").read_text())
    services = compose["services"]
    opa, vllm, nats = services["opa"], services["vllm"], services["nats"]
    assert "ports" not in opa and "ports" not in vllm
    assert "--authentication=token" in opa["command"] and "--authorization=basic" in opa["command"]
    assert list(opa["networks"]) == ["internal"] and "internal" in vllm["networks"]
    assert compose["networks"]["internal"].get("internal") is True  # no route out, nothing published
    assert "/policy/authz.rego" in opa["command"]
    assert any(str(arg).startswith("system.warden_tokens:/run/secrets/") for arg in opa["command"])
    assert opa["image"] == "openpolicyagent/opa:1.22.2"
    assert "--api-key" not in " ".join(map(str, vllm.get("command", [])))  # the key comes from a secret, not argv
    assert any("nats-server.conf" in str(volume) for volume in nats["volumes"])
    files = {name: spec["file"] for name, spec in compose["secrets"].items()}
    for role in ("tools", "gate", "runtime"):
        warden = services[f"warden-{role}"]
        mounted = {s["source"]: s["target"] for s in warden["secrets"]}
        credentials = [source for source in mounted if files[source].startswith("./deploy/secrets/warden/")]
        assert credentials == [f"warden_{role}_credentials"], role  # its own credential file and no other
        assert files[credentials[0]] == f"./deploy/secrets/warden/{role}.json"
        assert warden["environment"]["WARDEN_CREDENTIALS"] == f"/run/secrets/{mounted[credentials[0]]}"
        assert ("WARDEN_OPA_TOKEN" in mounted.values()) == (role == "gate"), role
        assert "WARDEN_OPA_ADMIN_TOKEN" not in mounted.values(), role
        assert ("WARDEN_LLM_API_KEY" in mounted.values()) == (role == "runtime"), role
        assert warden["volumes"] == [f"warden-{role}-data:/app/.warden"]
    assert [s["target"] for s in services["opa-policy"]["secrets"]] == ["WARDEN_OPA_ADMIN_TOKEN"]
