"""Runs: list and search, one run's timeline, and its events live (SSE, resumable with Last-Event-ID)."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from guardrails.contracts import Principal
from api.auth import PEOPLE, RUN_STARTERS, require, still_signed_in
from api.context import ApiContext, get_ctx
from api.errors import ApiError, NotFound, error_doc
from api.run_starter import StartRefused
from api.sse import PING, SSE_HEADERS, SSE_RESPONSE, frame, resume_point

router = APIRouter(prefix="/v1/runs", tags=["runs"])
WAKE_S = 0.5
RunId = Path(..., pattern=r"^run-[A-Za-z0-9_.:-]{1,200}$", description="a run id (run-<graph>-<seq>)")


class RunOut(BaseModel):
    run_id: str
    graph: str
    key: str | None = None
    status: str
    decision: str | None = None
    started_at: float
    updated_at: float


class RunEvent(BaseModel):
    seq: int
    kind: str
    data: dict[str, Any]
    at: float


class RunList(BaseModel):
    runs: list[RunOut]


class RunDetail(RunOut):
    events: list[RunEvent]


class StartIn(BaseModel):
    graph: str = Field(min_length=1, max_length=100, description="a registered graph (claims_triage, ...)")
    event: dict[str, Any] = Field(description="the trigger event, as its source would publish it")


class StartOut(BaseModel):
    run_id: str
    graph: str
    key: str
    subject: str
    duplicate: bool = Field(description="the same event was published before: no new run")


@router.post("", response_model=StartOut, status_code=202, summary="Start a run of a graph by posting its event",
             responses={400: error_doc("the event cannot start a run"), 503: error_doc("no ingest here")})
async def start_run(body: StartIn, _: Principal = Depends(require(*RUN_STARTERS)),
                    ctx: ApiContext = Depends(get_ctx)) -> StartOut:
    if ctx.starter is None:
        raise ApiError(503, "this process cannot publish events (no ingest credential)")
    try:
        return StartOut(**await ctx.starter.start(body.graph, body.event))
    except StartRefused as exc:
        raise ApiError(400, str(exc)) from None


@router.get("", response_model=RunList, summary="Runs, newest first; filter by graph, status, key, start time")
async def list_runs(graph: str | None = Query(None, max_length=100),
                    status: Literal["running", "waiting", "completed", "failed"] | None = Query(None),
                    key: str | None = Query(None, max_length=200),
                    since: float | None = Query(None, ge=0, le=1e11, description="started at or after (unix seconds)"),
                    limit: int = Query(100, ge=1, le=1000),
                    _: Principal = Depends(require(*PEOPLE)), ctx: ApiContext = Depends(get_ctx)) -> RunList:
    rows = await asyncio.to_thread(ctx.journal.runs, graph=graph, status=status, key=key, since=since, limit=limit)
    return RunList(runs=[RunOut(**r) for r in rows])


@router.get("/{run_id}", response_model=RunDetail, summary="A run and its timeline (gate decisions, approvals, end)",
            responses={404: error_doc("no such run")})
async def get_run(run_id: str = RunId, _: Principal = Depends(require(*PEOPLE)),
                  ctx: ApiContext = Depends(get_ctx)) -> RunDetail:
    run = await asyncio.to_thread(ctx.journal.run, run_id)
    if run is None:
        raise NotFound("no such run")
    events = await asyncio.to_thread(ctx.journal.events, run_id, 0, 2000)
    return RunDetail(**run, events=[RunEvent(**e) for e in events])


@router.get("/{run_id}/events", summary="The run's events as SSE; reconnect with Last-Event-ID to resume",
            response_class=StreamingResponse, responses={**SSE_RESPONSE, 404: error_doc("no such run")})
async def run_events(request: Request, run_id: str = RunId,
                     last_event_id: int | None = Query(None, ge=0, le=10**17, description="resume after this event"),
                     _: Principal = Depends(require(*PEOPLE)), ctx: ApiContext = Depends(get_ctx)) -> StreamingResponse:
    after = resume_point(request, last_event_id)
    if await asyncio.to_thread(ctx.journal.run, run_id) is None:
        raise NotFound("no such run")

    async def events() -> AsyncIterator[bytes]:
        nonlocal after
        yield b"retry: 1000\n\n"
        idle = 0.0
        while True:
            batch = await asyncio.to_thread(ctx.journal.events, run_id, after, 200)
            for event in batch:
                after = event["seq"]
                yield frame(event["kind"], {**event["data"], "at": event["at"]}, event["seq"])
            if batch:
                idle = 0.0
                continue
            # woken by a new event, or after WAKE_S at most (an event written between the read and the wait)
            if not await ctx.journal.wait(WAKE_S):
                idle += WAKE_S
                if idle >= ctx.sse_ping_s:
                    idle = 0.0
                    if not await still_signed_in(request, ctx):
                        yield frame("error", {"error": "token revoked or expired"})
                        return
                    yield PING

    return StreamingResponse(events(), media_type="text/event-stream", headers=SSE_HEADERS)
