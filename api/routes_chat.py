"""`POST /v1/chat`: the staff assistant's answer as a stream of tokens, then its citations."""
from __future__ import annotations

from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from guardrails.contracts import Principal
from api.auth import PEOPLE, require
from api.context import ApiContext, get_ctx
from api.errors import ApiError, error_doc
from api.sse import SSE_HEADERS, SSE_RESPONSE, frame

router = APIRouter(prefix="/v1/chat", tags=["chat"])


class ChatIn(BaseModel):
    message: str = Field(min_length=1, max_length=2000, description="the question")
    claim_id: str | None = Field(default=None, pattern=r"^CLM-\d{4,10}$", description="the claim it is about")


@router.post("", summary="Ask the assistant (SSE: token..., citation..., done)", response_class=StreamingResponse,
             responses={**SSE_RESPONSE, 503: error_doc("no assistant in this process")})
async def chat(body: ChatIn, _: Principal = Depends(require(*PEOPLE)),
               ctx: ApiContext = Depends(get_ctx)) -> StreamingResponse:
    if ctx.chat is None:
        raise ApiError(503, "the assistant runs where the model does: start `warden up` with the runtime role")

    async def events() -> AsyncIterator[bytes]:
        seq = 0
        try:
            async for kind, data in ctx.chat.answer(body.message, body.claim_id):
                seq += 1
                yield frame(kind, data, seq)
        except Exception as exc:  # the stream has started: the error is an event, not a status
            yield frame("error", {"error": f"the assistant failed ({type(exc).__name__})"}, seq + 1)

    return StreamingResponse(events(), media_type="text/event-stream", headers=SSE_HEADERS)
