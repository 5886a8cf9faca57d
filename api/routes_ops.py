"""Operations: liveness, readiness (bus, policy, model) and Prometheus metrics."""
from __future__ import annotations

import asyncio
import time

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, PlainTextResponse

from guardrails.contracts import Principal
from api.auth import person
from api.context import ApiContext, get_ctx

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="The process is alive")
async def healthz(ctx: ApiContext = Depends(get_ctx)) -> dict:
    return {"status": "ok", "roles": list(ctx.roles)}


@router.get("/readyz", summary="Bus, policy and model are ready (503 naming what is not)",
            responses={503: {"description": "a component is not ready"}})
async def readyz(ctx: ApiContext = Depends(get_ctx)) -> JSONResponse:
    checks = ctx.readiness()
    ready = all(checks.values())
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks},
                        status_code=200 if ready else 503)


@router.get("/metrics", summary="Prometheus text", response_class=PlainTextResponse)
async def metrics(ctx: ApiContext = Depends(get_ctx)) -> PlainTextResponse:
    pending = await asyncio.to_thread(ctx.approvals.list, "pending")
    lines = list(ctx.metric_lines())
    lines.append(f"warden_approvals_pending {len(pending)}")
    oldest = max((time.time() - a.created_at for a in pending), default=0.0)
    lines.append(f"warden_approvals_oldest_pending_age_seconds {oldest:.3f}")
    counts = await asyncio.to_thread(ctx.journal.counts)
    lines += [f'warden_runs{{graph="{_label(g)}",status="{_label(s)}"}} {n}' for g, s, n in counts["runs"]]
    lines += [f'warden_gate_decisions_total{{tool="{_label(t)}",decision="{_label(d)}"}} {n}'
              for t, d, n in counts["decisions"]]
    return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")


def _label(value: object) -> str:
    return str(value or "").replace("\\", "").replace('"', "").replace("\n", " ")[:100]


@router.get("/v1/me", summary="Who the bearer token belongs to", tags=["auth"])
async def me(who: Principal = Depends(person)) -> dict:
    return {"id": who.id, "roles": who.roles}
