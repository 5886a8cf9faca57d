"""Bounds a request must meet before the gate parses it: size, nesting depth, and text that can be stored.

Checked on the raw bytes first, so a body nested 100,000 levels deep or holding a lone surrogate is answered
(denied and audited) instead of crashing the parser or the audit writer.
"""
from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

MAX_REQUEST_BYTES = 256 * 1024
MAX_DEPTH = 32
_STRUCTURE = re.compile(rb'[\[\]{}"\\]')


class RequestRejected(ValueError):
    """A body the gate will not parse or judge; the message is safe to audit (it never echoes the body)."""


def nesting_depth(data: bytes, limit: int = MAX_DEPTH) -> int:
    """The deepest nesting of arrays/objects in a JSON text (brackets inside strings do not count), stopping
    early once past `limit` (a text with too few brackets to pass `limit` gives their count, an upper bound). One
    pass over the structural bytes: linear whatever the input."""
    if data.count(b"[") + data.count(b"{") <= limit:  # too few brackets to nest deeper: skip the scan (the usual case)
        return min(limit, data.count(b"[") + data.count(b"{"))
    depth = deepest = 0
    in_string = False
    skip_until = -1  # a backslash inside a string consumes the byte after it
    for m in _STRUCTURE.finditer(data):
        pos, ch = m.start(), m.group()
        if pos < skip_until:
            continue
        if in_string:
            if ch == b"\\":
                skip_until = pos + 2
            elif ch == b'"':
                in_string = False
        elif ch == b'"':
            in_string = True
        elif ch in (b"[", b"{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        elif ch in (b"]", b"}"):
            depth -= 1
    return deepest


def parse_bounded(data: bytes) -> Any:
    """JSON from a request body within the size and depth bounds; numbers with a fraction are kept exact
    (Decimal), so 1000.0000001 is never rounded into 1000.0 on its way to the policy."""
    if len(data) > MAX_REQUEST_BYTES:
        raise RequestRejected(f"request larger than {MAX_REQUEST_BYTES} bytes")
    if nesting_depth(data) > MAX_DEPTH:
        raise RequestRejected(f"request nested deeper than {MAX_DEPTH} levels")
    try:
        value = json.loads(data, object_pairs_hook=_no_duplicates, parse_float=Decimal)
    except RequestRejected:
        raise
    except (ValueError, RecursionError):
        raise RequestRejected("malformed request: body is not JSON") from None
    _check_text(value)
    return value


def plain_numbers(value: Any) -> Any:
    """The same document with exact decimals turned back into JSON floats (for schemas and tools)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: plain_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_numbers(v) for v in value]
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise RequestRejected("malformed request: duplicate key in a JSON object")
        out[k] = v
    return out


def _check_text(value: Any) -> None:
    """Every string must be valid Unicode (no lone surrogates): what cannot be stored cannot be audited."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                raise RequestRejected("malformed request: text holds an unpaired surrogate") from None
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
