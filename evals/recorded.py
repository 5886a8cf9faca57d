"""The requests a data folder's gate recorded, rebuilt for re-judging (`warden eval replay`, `warden policy diff
--data-dir`). Works on a copy of the folder: the original is only read.

What the audit keeps, and so what a rebuilt request is made of:
- tool, run id, graph, step, principal, decision, reasons, approval id, idempotency key: as audited;
- arguments: as audited, i.e. redacted: a token of the run (`<PERSON_1>`) is kept and the gate resolves it through
  its vault, as it did; an argument the tool received in clear is audited only as a typed placeholder
  (`<BANK_ACCOUNT>`, `<EMAIL_ADDRESS>`): its value is taken from the effect's own sealed row (payments ledger,
  outbox, by idempotency key) when the call ran, or from the approval's facts when the approval says it was the
  account on file; otherwise the call is **not replayable** (a denied injected payee, for one);
- the record the policy reads (`context`): from the stored event in the EVENTS stream, as the gate reads it
  (RunRecords over an embedded bus started on the copy);
- provenance: not audited; an argument equal to a fact of the run's record counts as `system`, any other as
  `model` (the stricter source: provenance only ever restricts);
- gate state (paid totals, fraud band, reservations): the copied gate store as it stands at the end of the trail,
  excluding the call's own payment; rate-limit counts are not replayed (0). A trail where later calls changed a
  claim's totals can therefore differ from what the gate saw at the time.
Refusals (malformed or unknown-run requests) were never judged: the audit keeps no arguments for them.
"""
from __future__ import annotations

import asyncio
import functools
import gc
import json
import re
import shutil
import sqlite3
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from evals.results import EvalError

PLACEHOLDER = re.compile(r"^<([A-Z][A-Z_]*)>$")
KEY_CALL = re.compile(r"^(?P<run>.+):(?P<step>\d+):(?P<call>\d+):(?P<tool>[^:]+)$")


@dataclass
class RecordedCall:
    """One audited gate decision and the request rebuilt from it (None, with `skip`, when it cannot be)."""

    seq: int
    tool: str
    run_id: str
    decision: str
    reasons: list[str]
    request: dict[str, Any] | None = None
    facts: Any = None
    skip: str = ""
    state: dict[str, Any] = field(default_factory=dict)
    resolved_args: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"audit #{self.seq} {self.tool} {self.run_id}"

    @property
    def line(self) -> dict[str, Any] | None:
        """The call as a set line judged offline (context and state given), for `warden policy diff`."""
        if self.request is None or self.facts is None:
            return None
        # judged offline by a gate with another vault: the run's tokens go in resolved (in memory only)
        request = {**self.request, "args": self.resolved_args or self.request["args"], "context": self.facts.context}
        return {"name": self.name, "request": request, "_state": self.state}


@dataclass
class RecordedSession:
    """A private copy of a data folder and the calls of its audit trail."""

    folder: Path
    calls: list[RecordedCall]
    vault_key: bytes | None

    def gate(self, policy_dir: Path | None):
        """A gate over the copy's own vault, store and approvals, with the policy pack under test."""
        from guardrails.approvals import ApprovalStore
        from guardrails.audit import AuditLog
        from guardrails.gate import Gate
        from guardrails.gate_store import GateStore
        from guardrails.policy import PolicyError, RegopyEngine
        from guardrails.redaction import get_redactor
        from guardrails.vault import Vault

        try:
            engine = RegopyEngine(policy_dir)
        except PolicyError as exc:
            raise EvalError(f"policy pack {policy_dir or '(shipped)'} refused: {str(exc).splitlines()[0][:200]}") from exc
        key = self.vault_key or (self.folder / "vault.key").read_bytes().strip()
        return Gate(redactor=get_redactor(), vault=Vault(self.folder / "vault.sqlite3", key), engine=engine,
                    store=GateStore(self.folder / "gate.db"), audit=AuditLog(self.folder / "replay-audit.db"),
                    approvals=ApprovalStore(self.folder / "approvals.db"))


@contextmanager
def recorded_session(data_dir: Path, since: float | None = None) -> Iterator[RecordedSession]:
    """Copy `data_dir`, verify its whole audit chain, rebuild every audited call (those at or after `since`, a
    Unix time, when given). EvalError when it cannot."""
    from guardrails.audit import AuditLog, ChainBroken, per_call

    data_dir = Path(data_dir)
    if not (data_dir / "audit.db").is_file():
        raise EvalError(f"no audit trail at {data_dir}/audit.db (run `warden demo` first, or name its data folder)")
    tmp = tempfile.mkdtemp(prefix="warden-replay-")
    try:
        folder = Path(tmp) / "data"
        shutil.copytree(data_dir, folder, ignore=shutil.ignore_patterns("*.sock", "nats-server.log"))
        audit = AuditLog(folder / "audit.db")
        try:
            audit.verify()
        except ChainBroken as exc:
            raise EvalError(f"audit chain broken, nothing replayed: {exc}") from exc
        # One line per call: an executed call's decision is also in its result record.
        records = [r for r in per_call(audit.records()) if since is None or float(r.get("at") or 0) >= since]
        audit.close()
        vault_key = _secret(folder, "gate", "vault_key")
        calls = asyncio.run(_rebuild(folder, records))
        try:
            yield RecordedSession(folder=folder, calls=calls, vault_key=vault_key)
        finally:
            _store.cache_clear()
            _vault.cache_clear()
    finally:
        _remove_copy(Path(tmp))


def _remove_copy(tmp: Path) -> None:
    """Remove the copy once no store uses it: the WAL checkpoint thread (guardrails/wal_checkpoints.py) drops a file
    a round after its store is collected, and until then may recreate a `-wal` file while the folder is removed."""
    gc.collect()
    for _ in range(20):
        shutil.rmtree(tmp, ignore_errors=True)
        if not tmp.exists():
            return
        time.sleep(0.1)


def recorded_requests(data_dir: Path) -> list[RecordedCall]:
    """The rebuilt calls of a data folder (the copy is gone when this returns; the lines stay usable)."""
    with recorded_session(data_dir) as session:
        return session.calls


def _secret(folder: Path, role: str, name: str) -> bytes | None:
    from agents.credentials import CredentialError, RoleCredentials

    path = folder / "secrets" / f"{role}.json"
    if not path.is_file():
        return None
    try:
        creds = RoleCredentials.load(path, role)
        return creds.secret(name) if name in creds.secrets else None
    except CredentialError:
        return None


async def _rebuild(folder: Path, records: list[dict[str, Any]]) -> list[RecordedCall]:
    from agents.bus import EVENTS_STREAM, connect
    from agents.nats_server import EmbeddedNats
    from graphs.registry import packages, triggers
    from guardrails.event_seal import open_event
    from guardrails.records import RunRecords, UnknownRun

    calls = [RecordedCall(seq=r["seq"], tool=r["tool"], run_id=r["run_id"], decision=r["decision"],
                          reasons=list(r.get("reasons") or [])) for r in records]
    if not calls:
        return calls
    if not (folder / "nats").is_dir():
        for c in calls:
            c.skip = "no EVENTS stream in the data folder: the run's record cannot be read"
        return calls
    registered = packages()
    server = EmbeddedNats(folder / "nats", triggers(registered), secrets_dir=folder / "secrets")
    try:
        creds = server.start()
    except Exception as exc:
        raise EvalError(f"cannot open the data folder's event stream: {type(exc).__name__}: {str(exc)[:160]}") from exc
    try:
        try:
            nc = await connect(creds, "gate")
        except Exception as exc:
            raise EvalError(f"cannot read the data folder's event stream: {type(exc).__name__}: {str(exc)[:160]}") from exc
        js = nc.jetstream()
        event_key = _secret(folder, "gate", "event_key")

        async def fetch(seq: int):
            msg = await js.get_msg(EVENTS_STREAM, seq)
            return msg.subject, msg.data

        opener = (lambda e: open_event(e, event_key, allow_plain=True)) if event_key else None
        runs = RunRecords(fetch, {name: p.record_spec for name, p in registered.items()}, opener)
        sealed = _SealedRows(folder)
        for call, record in zip(calls, records):
            if record.get("result_status") == "refused":
                call.skip = "refused before judging (the audit keeps no arguments)"
                continue
            try:
                call.facts = await runs.facts(record.get("graph", ""), call.run_id)
            except UnknownRun as exc:
                call.skip = f"run record unavailable: {exc}"
                continue
            _request(call, record, sealed, folder)
        await nc.close()
    finally:
        server.stop()
    return calls


def _request(call: RecordedCall, record: dict[str, Any], sealed: "_SealedRows", folder: Path) -> None:
    """Fill `call.request` (and `call.state`) from the audit record, or say in `call.skip` why not."""
    from guardrails.directory import Directory

    principal = record.get("principal", "")
    if not principal.startswith("agent:"):
        call.skip = f"principal {principal!r} is a person: their roles at the time are not audited"
        return
    args = dict(record.get("args") or {})
    approval = _approval(folder, record.get("approval_id")) if record.get("approval_id") else None
    claim = (call.facts.context or {}).get("claim") or {}
    for name, value in list(args.items()):
        if isinstance(value, str) and PLACEHOLDER.match(value):
            filled = sealed.value(call.tool, record.get("idempotency_key", ""), name)
            if filled is None and approval and name == "payee_account" and \
                    (approval.get("facts") or {}).get("payee_matches_account_on_file") is True:
                filled = claim.get("payee_account_on_file")
            if filled is None:
                call.skip = f"{name} is audited only as {value} and no effect or approval records its value"
                return
            args[name] = filled
    facts_values = {v for v in claim.values() if isinstance(v, str)}
    resolved = _resolve(folder, call.run_id, args)
    provenance = {k: "system" if isinstance(v, str) and v in facts_values else "model" for k, v in resolved.items()}
    if approval and isinstance((approval.get("facts") or {}).get("provenance"), dict):
        provenance.update(approval["facts"]["provenance"])
    key = record.get("idempotency_key", "")
    m = KEY_CALL.match(key)
    run = {"id": call.run_id, "graph": record.get("graph", ""), "step": int(record.get("step") or 0),
           "call": int(m.group("call")) if m else 0}
    claimed = record.get("approval_id") if record.get("decision") == "allow" else None
    call.request = {"tool": call.tool, "args": args, "principal": Directory.agent(record.get("graph", "")).model_dump(),
                    "run": run, "provenance": provenance, **({"approval_id": claimed} if claimed else {})}
    call.state = _state(folder, call.tool, resolved, principal, key)
    call.resolved_args = resolved


def _state(folder: Path, tool: str, args: dict[str, Any], principal: str, key: str) -> dict[str, Any]:
    """The gate-store state for an offline line (policy diff): read from the copied store, this call excluded."""
    store = _store(folder)
    claim_id = args.get("claim_id") if tool == "payments.issue" else None
    currency = args.get("currency") if isinstance(args.get("currency"), str) else None
    ok = isinstance(claim_id, str)
    return {"claim_paid_minor": store.claim_paid_minor(claim_id, currency, excluding=key) if ok and currency else 0,
            "claim_currencies": store.claim_currencies(claim_id, excluding=key) if ok else [],
            "claim_fraud_band": store.fraud_band(claim_id) if ok else "unscored",
            "principal_reserved_total": store.principal_reserved_total(principal) if tool == "provisioning.reserve" else 0}


def _resolve(folder: Path, run_id: str, args: dict[str, Any]) -> dict[str, Any]:
    """The arguments with this run's whole-value tokens resolved, as the gate would (for provenance only)."""
    vault = _vault(folder)
    if vault is None:
        return args
    try:
        return vault.for_run(run_id).resolve_obj(args)
    except Exception:  # an unresolvable token: the gate denies it; compare as given
        return args


@functools.lru_cache(maxsize=4)
def _vault(folder: Path):
    from guardrails.vault import Vault

    key = _secret(folder, "gate", "vault_key")
    if key is None and (folder / "vault.key").is_file():
        key = (folder / "vault.key").read_bytes().strip()
    return Vault(folder / "vault.sqlite3", key) if key else None


@functools.lru_cache(maxsize=4)
def _store(folder: Path):
    from guardrails.gate_store import GateStore

    return GateStore(folder / "gate.db")


def _approval(folder: Path, approval_id: str) -> dict[str, Any] | None:
    db = folder / "approvals.db"
    if not db.exists():
        return None
    conn = sqlite3.connect(db)
    try:
        row = conn.execute("SELECT body FROM approvals_v2 WHERE id = ?", (approval_id,)).fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return json.loads(row[0]) if row else None


class _SealedRows:
    """The values an effect's own row holds (sealed under the tools key), by tool and idempotency key."""

    COLUMNS = {("payments.issue", "payee_account"): ("payments.db", "payments", "payee_account"),
               ("notifications.send", "to"): ("notifications.db", "outbox", "recipient")}

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._cipher = None

    def value(self, tool: str, key: str, arg: str) -> str | None:
        where = self.COLUMNS.get((tool, arg))
        if where is None or not key:
            return None
        db_name, table, column = where
        tables = [table, "staff_queue"] if tool == "notifications.send" else [table]
        db = self.folder / db_name
        if not db.exists():
            return None
        conn = sqlite3.connect(db)
        try:
            for t in tables:
                try:
                    row = conn.execute(f"SELECT {column} FROM {t} WHERE idempotency_key = ?", (key,)).fetchone()
                except sqlite3.Error:
                    continue
                if row:
                    return self._open(row[0])
        finally:
            conn.close()
        return None

    def _open(self, stored: str) -> str:
        if self._cipher is None:
            from tools.at_rest import ColumnCipher
            from warden.settings import Settings

            self._cipher = ColumnCipher.from_settings(Settings(_env_file=None, data_dir=self.folder))
        return self._cipher.open(stored)
