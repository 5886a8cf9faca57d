"""The audit trail for reviewers: redacted records only (arguments as the gate redacted them; no raw values)."""
from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path as FsPath
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from guardrails.audit import AuditLog
from guardrails.contracts import Principal
from api.auth import AUDIT_READERS, require
from api.context import ApiContext, get_ctx

router = APIRouter(prefix="/v1/audit", tags=["audit"])
FIELDS = ("tool", "run_id", "graph", "step", "principal", "decision", "reasons", "args", "redactions",
          "result_status", "approval_id", "policy_bundle", "at")


class AuditOut(BaseModel):
    seq: int
    hash: str
    tool: str
    run_id: str
    graph: str = ""
    step: int = 0
    principal: str = ""
    decision: str
    reasons: list[str] = []
    args: dict[str, Any] = {}
    redactions: list[dict[str, str]] = []
    result_status: str = ""
    approval_id: str | None = None
    policy_bundle: str = ""
    at: float = 0.0


class AuditPage(BaseModel):
    records: list[AuditOut]


@router.get("", response_model=AuditPage, summary="Audit records, newest first (redacted as the gate stored them)")
async def search_audit(run_id: str | None = Query(None, max_length=200), tool: str | None = Query(None, max_length=200),
                       decision: Literal["allow", "deny", "require_approval"] | None = Query(None),
                       before: int | None = Query(None, ge=1, le=10**15, description="records older than this seq"),
                       limit: int = Query(100, ge=1, le=1000),
                       _: Principal = Depends(require(*AUDIT_READERS)), ctx: ApiContext = Depends(get_ctx)) -> AuditPage:
    if isinstance(ctx.audit, AuditLog):  # SQLite: read the file, newest first, without loading the whole trail
        rows = await asyncio.to_thread(read_audit, ctx.settings.path("audit.db"), run_id=run_id, tool=tool,
                                       decision=decision, before=before, limit=limit)
    else:  # another backend: through its own interface
        rows = await asyncio.to_thread(_through_interface, ctx.audit, run_id=run_id, tool=tool, decision=decision,
                                       before=before, limit=limit)
    return AuditPage(records=rows)


def _through_interface(audit: Any, *, run_id: str | None, tool: str | None, decision: str | None, before: int | None,
                       limit: int) -> list[AuditOut]:
    out: list[AuditOut] = []
    for record in reversed(audit.records(run_id=run_id)):
        if (before and record["seq"] >= before) or (tool and record.get("tool") != tool) or \
                (decision and record.get("decision") != decision):
            continue
        out.append(AuditOut(seq=record["seq"], hash=record.get("hash", ""), **{k: record[k] for k in FIELDS if k in record}))
        if len(out) >= limit:
            break
    return out


def read_audit(path: FsPath, *, run_id: str | None, tool: str | None, decision: str | None, before: int | None,
               limit: int) -> list[AuditOut]:
    """Read-only over the gate's trail; only the listed fields leave (no timing, trace or idempotency key)."""
    if not path.exists():
        return []
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        sql, params = "SELECT seq, body, hash FROM audit WHERE 1=1", []
        if run_id is not None:
            sql += " AND run_id = ?"
            params.append(run_id)
        if before is not None:
            sql += " AND seq < ?"
            params.append(before)
        sql += " ORDER BY seq DESC"
        out: list[AuditOut] = []
        for seq, body, digest in db.execute(sql, params):
            record = json.loads(body)
            if (tool and record.get("tool") != tool) or (decision and record.get("decision") != decision):
                continue
            out.append(AuditOut(seq=seq, hash=digest, **{k: record[k] for k in FIELDS if k in record}))
            if len(out) >= limit:
                break
        return out
    finally:
        db.close()


class VerifyOut(BaseModel):
    intact: bool
    records: int
    problem: str | None = None


@router.get("/verify", response_model=VerifyOut, summary="Recompute the hash chain (as `warden audit verify`)")
async def verify_audit(_: Principal = Depends(require(*AUDIT_READERS)), ctx: ApiContext = Depends(get_ctx)) -> VerifyOut:
    from guardrails.audit import ChainBroken

    try:
        return VerifyOut(intact=True, records=await asyncio.to_thread(ctx.audit.verify))
    except ChainBroken as exc:
        return VerifyOut(intact=False, records=0, problem=str(exc))
