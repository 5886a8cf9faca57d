"""Tool errors as types: each carries the code a tool service replies with, and a message a user can act on."""
from __future__ import annotations


class ToolError(Exception):
    """A tool call that did not produce a result; `code` follows HTTP (400, 403, 409, 500, 503, 504)."""

    code: int = 500

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class _CodedToolError(ToolError):
    def __init__(self, message: str) -> None:
        super().__init__(type(self).code, message)


class InvalidToolArgs(_CodedToolError):
    """The arguments (or required headers) do not fit the tool's schema; the message names the field."""

    code = 400


class ToolDenied(_CodedToolError):
    """The tool refused the call on its own checks (independent of the gate's policy)."""

    code = 403


class IdempotencyConflict(_CodedToolError):
    """The idempotency key was already used for a call with different arguments."""

    code = 409


class ToolFailure(_CodedToolError):
    """The tool failed while running; it may be retried with the same idempotency key."""

    code = 500


class ToolUnavailable(_CodedToolError):
    """No service answers for this tool (not started, or crashed)."""

    code = 503


class ToolTimeout(_CodedToolError):
    """The tool did not finish in time; an effect may still have happened, so retry with the same key."""

    code = 504


_BY_CODE: dict[int, type[_CodedToolError]] = {c.code: c for c in (InvalidToolArgs, ToolDenied, IdempotencyConflict,
                                                                    ToolFailure, ToolUnavailable, ToolTimeout)}


def error_for_code(code: int, message: str) -> ToolError:
    """The typed error for a reply's code; an unknown code stays a plain `ToolError` with that code."""
    cls = _BY_CODE.get(code)
    return cls(message) if cls else ToolError(code, message)
