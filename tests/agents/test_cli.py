"""The `warden` command as a user runs it: real processes, real files, exit codes and output formats."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
WARDEN = Path(sys.executable).parent / "warden"


def warden(*args: str, stdin: str | None = None, tmp_path: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = os.environ | {"WARDEN_DATA_DIR": str(tmp_path / "state")} | (env or {})
    return subprocess.run([str(WARDEN), *args], input=stdin, capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)


def test_gate_check_denies_every_attack_and_decides_benign_calls_as_expected(tmp_path: Path) -> None:
    attacks = (ROOT / "evals/attacks/attacks.jsonl").read_text().splitlines()
    benign = (ROOT / "evals/attacks/benign.jsonl").read_text().splitlines()
    assert len(attacks) >= 40 and len(benign) >= 20
    done = warden("gate", "check", "-", stdin="\n".join(attacks + benign), tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    decisions = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(decisions) == len(attacks) + len(benign)
    for line, decision in zip(attacks, decisions):
        assert decision["decision"] == "deny", f"attack allowed: {json.loads(line)['name']}: {decision}"
        assert decision["reasons"]
    for line, decision in zip(benign, decisions[len(attacks):]):
        case = json.loads(line)
        assert decision["decision"] == case["expect"], f"{case['name']}: {decision['reasons']}"


def test_gate_check_output_follows_the_decision_contract(tmp_path: Path) -> None:
    request = {"tool": "notifications.send",
               "args": {"channel": "email", "to": "pat@example.com", "subject": "Claim CLM-1001",
                        "body": "Dear Pat Lee, your claim CLM-1001 for $850.00 was paid."},
               "principal": {"id": "agent:claims_triage", "roles": ["agent"], "on_behalf_of": None},
               "run": {"id": "run-0001", "graph": "claims_triage", "step": 6},
               "context": {"claim": {"claim_id": "CLM-1001", "claimant_email": "pat@example.com"}}}
    done = warden("gate", "check", "-", stdin=json.dumps(request, indent=2), tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    decision = json.loads(done.stdout)
    assert set(decision) >= {"decision", "reasons", "args", "redactions", "approval", "policy"}
    assert decision["decision"] == "allow"
    assert decision["args"]["to"] == "pat@example.com"  # the channel needs the recipient
    assert "Pat Lee" not in decision["args"]["body"] and "$850.00" in decision["args"]["body"]
    assert {"path": "args.body", "type": "PERSON"} in decision["redactions"]
    assert decision["policy"]["engine"] == "regopy" and decision["policy"]["bundle"].startswith("sha256:")


@pytest.mark.parametrize("stdin", ["{not json", '{"tool": "x"}\n[1, 2', ""])
def test_malformed_input_exits_2_with_one_line(tmp_path: Path, stdin: str) -> None:
    done = warden("gate", "check", "-", stdin=stdin, tmp_path=tmp_path)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_redact_reports_entities_with_offsets_into_the_input(tmp_path: Path) -> None:
    text = "Claimant Maria Gonzalez (maria.g@example.com, +1 415 555 0134) claims $850.00 on CLM-1001."
    done = warden("redact", "-", stdin=json.dumps({"id": 7, "text": text}), tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["id"] == 7 and "$850.00" in out["text"] and "CLM-1001" in out["text"]
    found = {(e["type"], text[e["start"]:e["end"]]) for e in out["entities"]}
    assert {("PERSON", "Maria Gonzalez"), ("EMAIL_ADDRESS", "maria.g@example.com"), ("PHONE_NUMBER", "+1 415 555 0134")} <= found
    bad = warden("redact", "-", stdin='{"id": 1}', tmp_path=tmp_path)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_policy_check_rejects_a_policy_that_does_not_compile(tmp_path: Path) -> None:
    shipped = warden("policy", "check", tmp_path=tmp_path)
    assert shipped.returncode == 0 and "fast path: on" in shipped.stdout
    broken = tmp_path / "policies"
    broken.mkdir()
    (broken / "data.json").write_text("{}")
    (broken / "decision.rego").write_text("package warden\n decision := {{{ \n")
    done = warden("policy", "check", str(broken), tmp_path=tmp_path)
    assert done.returncode == 1 and "does not compile" in done.stderr


def test_approvals_and_audit_commands_on_an_empty_store(tmp_path: Path) -> None:
    assert warden("approvals", "list", tmp_path=tmp_path).stdout == ""
    anonymous = warden("approvals", "approve", "apr-nope", tmp_path=tmp_path)
    assert anonymous.returncode == 1 and "needs your token" in anonymous.stderr
    token = warden("users", "add", "ann", "--role", "adjuster", tmp_path=tmp_path).stdout.strip()
    missing = warden("approvals", "approve", "apr-nope", tmp_path=tmp_path, env={"WARDEN_TOKEN": token})
    assert missing.returncode == 1 and "no such approval" in missing.stderr
    verify = warden("audit", "verify", tmp_path=tmp_path)
    assert verify.returncode == 0 and "0 records" in verify.stdout


def test_an_unreachable_opa_server_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    opa = {"OPA_URL": f"http://127.0.0.1:{port}"}
    for args in (("up", "--port", "0"), ("gate", "check", "-")):
        done = warden(*args, stdin="{}", tmp_path=tmp_path, env=opa)
        assert done.returncode == 1, done
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
        assert "cannot connect (is the OPA server running?)" in done.stderr
    marker = str(tmp_path / "state" / "nats").encode()
    leftover = [p for p in Path("/proc").iterdir() if p.name.isdigit() and marker in _cmdline(p)]
    assert not leftover, "a failed `warden up` left its nats-server running"


def _cmdline(proc: Path) -> bytes:
    try:
        return (proc / "cmdline").read_bytes()
    except OSError:  # the process ended while we looked
        return b""
