"""Who is calling: a bearer token from `warden users add`, resolved by the gate's Directory to a Principal.

OIDC can replace the token issuer without touching a route: implement `Directory.authenticate` (or a drop-in
with the same signature) against the issuer's JWKS and map a claim to the roles in `guardrails/directory.py`.
"""
from __future__ import annotations

import asyncio

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from guardrails.contracts import Principal
from guardrails.directory import AuthError
from api.context import ApiContext, get_ctx
from api.errors import Forbidden, Unauthorized

PEOPLE = ("staff", "adjuster", "operator", "admin")
AUDIT_READERS = ("admin", "adjuster", "operator")
TICKET_WORKERS = ("staff", "admin")
RUN_STARTERS = ("operator", "admin")

_bearer = HTTPBearer(auto_error=False, description="token printed by `warden users add NAME --role ROLE`")


async def person(credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
                 ctx: ApiContext = Depends(get_ctx)) -> Principal:
    """The authenticated person; 401 without a valid, unexpired, unrevoked token."""
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthorized()
    try:
        return await asyncio.to_thread(ctx.directory.authenticate, credentials.credentials)
    except AuthError as exc:
        raise Unauthorized(str(exc)) from None


def require(*roles: str):
    """A dependency: the caller, who must hold one of `roles` (admin always may); 403 otherwise."""

    async def check(principal: Principal = Depends(person)) -> Principal:
        if "admin" in principal.roles or any(r in principal.roles for r in roles):
            return principal
        raise Forbidden(f"this needs one of the roles {', '.join(roles)}")

    return check


async def still_signed_in(request: Request, ctx: ApiContext) -> bool:
    """Re-check a long-lived stream's token (on each keep-alive): a revoked or expired token ends the stream."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    try:
        await asyncio.to_thread(ctx.directory.authenticate, token.strip())
        return scheme.lower() == "bearer"
    except AuthError:
        return False
