"""Errors the API answers with: a status and one message a person can act on, never a traceback."""
from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)


class ApiError(Exception):
    """A refusal with its HTTP status; `message` must never echo a secret or raw PII."""

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class Unauthorized(ApiError):
    def __init__(self, message: str = "a valid bearer token is required (from `warden users add`)") -> None:
        super().__init__(401, message, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(403, message)


class NotFound(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(404, message)


class Conflict(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(409, message)


class ErrorOut(BaseModel):
    """Every refusal: one message a person can act on."""

    error: str


class FieldError(BaseModel):
    field: str
    message: str


class ValidationOut(ErrorOut):
    """422: the first bad field named in `error` and `field`, all of them in `errors`."""

    field: str
    errors: list[FieldError]


def error_doc(description: str) -> dict[str, Any]:
    return {"model": ErrorOut, "description": description}


ERRORS: dict[int | str, dict[str, Any]] = {
    401: error_doc("no valid bearer token"), 403: error_doc("the caller's role may not do this"),
    413: error_doc("request body over the limit"), 422: {"model": ValidationOut, "description": "invalid input"}}
"""What every /v1 route may answer besides success (documented in /openapi.json)."""


def _field(loc: tuple | list) -> str:
    """`body.decision`, `query.limit`: where the bad input was, as the client named it."""
    return ".".join(str(part) for part in loc)


def validation_body(exc: RequestValidationError) -> dict[str, Any]:
    """422 body naming each bad field; the rejected input itself is left out (it may carry PII)."""
    errors = [{"field": _field(e.get("loc", ())), "message": str(e.get("msg", "invalid"))} for e in exc.errors()]
    first = errors[0] if errors else {"field": "body", "message": "invalid"}
    return {"error": f"invalid {first['field']}: {first['message']}", "field": first["field"], "errors": errors[:20]}


def install_error_handlers(app: FastAPI) -> None:
    """Every error leaves as `{"error": ...}` JSON with its status."""

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse({"error": exc.message}, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(validation_body(exc), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("API error on %s %s", request.method, request.url.path)
        return JSONResponse({"error": f"internal error ({type(exc).__name__})"}, status_code=500)
