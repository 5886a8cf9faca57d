"""Calling a tool over NATS: the only way the gate (or anything else) reaches a tool service.

Service error codes come back as `tools.errors` types; a request nobody answers is `ToolUnavailable`,
one that is not answered in time is `ToolTimeout`. Pass a `timeout_s` a little longer than the
services' own `tool_timeout_s`, so a slow tool reports its own 504 rather than going silent.

Tool services act only on calls the gate signed and only reply into the gate's inbox: the gate passes its
`GateSigner`, which signs the very body bytes sent here, on a connection with `inbox_prefix="_INBOX.gate"`.
A call without a signer is refused by the service (401), which is what it is for.
"""
from __future__ import annotations

import asyncio
import json
from typing import Any

from nats.aio.client import Client
from nats.errors import NoRespondersError, TimeoutError as NatsTimeoutError
from nats.micro.request import ERROR_CODE_HEADER, ERROR_HEADER

from tools.errors import InvalidToolArgs, ToolError, ToolFailure, ToolTimeout, ToolUnavailable, error_for_code
from tools.gate_proof import PROOF_HEADER, GateSigner, encode_args
from warden.trace_context import trace_headers
from tools.service import IDEMPOTENCY_HEADER, RUN_ID_HEADER, tool_subject


async def call_tool(nc: Client, tool: str, args: dict[str, Any], *, idempotency_key: str, run_id: str,
                    timeout_s: float, signer: GateSigner | None = None, no_service_wait_s: float = 3.0) -> dict[str, Any]:
    """Call `tool` with `args` and return its result as a dict; raises a `ToolError` subtype otherwise.

    With `signer`, the request carries the gate's proof over exactly the body sent (it is serialised once).
    A call nobody received is asked again for up to `no_service_wait_s` (a service whose bus node just died
    resubscribes on another one) before it is `ToolUnavailable`: nothing can have happened, so that is safe.
    A call that times out while this connection reconnected (its bus node died, and the reply with it) is asked
    once more with the same key and proof: the tool's ledger answers a repeat of an effect it already made.
    """
    try:
        body = encode_args(args)
    except (TypeError, ValueError) as exc:
        raise InvalidToolArgs(f"arguments for {tool} are not JSON-serialisable: {exc}") from None
    proof = signer.sign(tool, body, idempotency_key) if signer is not None else None
    headers = trace_headers({name: value for name, value in ((IDEMPOTENCY_HEADER, idempotency_key),
                                                             (RUN_ID_HEADER, run_id), (PROOF_HEADER, proof)) if value})
    deadline = asyncio.get_running_loop().time() + no_service_wait_s
    asked_again = False
    while True:
        reconnects = nc.stats["reconnects"]
        try:
            msg = await nc.request(tool_subject(tool), body, timeout=timeout_s, headers=headers or None)
            break
        except NoRespondersError:
            if asyncio.get_running_loop().time() >= deadline:
                raise ToolUnavailable(f"no service is serving {tool}") from None
            await asyncio.sleep(0.25)
        except NatsTimeoutError:
            if asked_again or (nc.stats["reconnects"] == reconnects and not nc.is_reconnecting):
                raise ToolTimeout(f"{tool} did not answer within {timeout_s:g}s") from None
            asked_again = True  # the reply was lost with the connection, not refused: ask once more
    code = (msg.headers or {}).get(ERROR_CODE_HEADER)
    if code:
        description = (msg.headers or {}).get(ERROR_HEADER, "")
        if not code.isdigit():
            raise ToolError(500, f"{tool} replied with a malformed error code {code!r}: {description}")
        raise error_for_code(int(code), description)
    try:
        result = json.loads(msg.data)
    except ValueError:
        raise ToolFailure(f"{tool} replied with something that is not JSON") from None
    if not isinstance(result, dict):
        raise ToolFailure(f"{tool} replied with JSON that is not an object")
    return result
