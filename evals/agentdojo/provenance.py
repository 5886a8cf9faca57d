"""Where a value came from, worked out by the gate from what it has seen, not from what the model claims.

The gate relays every tool call, so it sees the user's request and every tool result. A value found in the
request is `user`; found in a field a trusted tool owns (the bank's own transaction records, the workspace
directory) it is `system`; found only in untrusted content (files, web pages, message bodies, transaction
subjects) it is `document`; found nowhere, `model`."""
from __future__ import annotations

import re
from typing import Any

TRUSTED_FIELDS: dict[str, set[str] | None] = {
    "get_iban": None, "get_balance": None, "get_user_info": None,
    "get_most_recent_transactions": {"id", "sender", "recipient", "amount", "date", "recurring"},
    "get_scheduled_transactions": {"id", "sender", "recipient", "amount", "date", "recurring"},
    "get_channels": None, "get_users_in_channel": None,
    "read_channel_messages": {"sender", "recipient"}, "read_inbox": {"sender", "recipient"},
}
"""Tool -> the result fields it is the trusted writer of (None: all of them). Any other result is untrusted."""

LINK = re.compile(r"(?:https?://)?(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?:/[^\s\"'<>]*)?", re.I)


def norm(value: Any) -> str:
    """Lower case, no scheme or `www.`, no trailing slash: how a value is compared wherever it was seen."""
    text = str(value).strip().lower()
    text = re.sub(r"^https?://", "", text)
    return re.sub(r"^www\.", "", text).rstrip("/")


class Tracer:
    """What one run has seen so far, by trust."""

    def __init__(self, prompt: str) -> None:
        self.prompt = norm(prompt).replace("https://", "").replace("http://", "").replace("www.", "")
        self.system: set[str] = set()
        self.documents: list[str] = []

    def observe(self, tool: str, result: Any) -> None:
        """Remember a tool result: trusted fields as facts, everything else as untrusted text."""
        trusted = TRUSTED_FIELDS.get(tool, set())
        for path, leaf in _leaves(result):
            if trusted is None or (path and path[-1] in trusted):
                self.system.add(norm(leaf))
            else:
                self.documents.append(norm(leaf))

    def source(self, value: Any) -> str:
        """user | system | document | model for one argument value."""
        v = norm(value)
        if not v:
            return "user"
        if v in self.prompt:
            return "user"
        if v in self.system:
            return "system"
        if any(v in d for d in self.documents):
            return "document"
        return "model"

    def links(self, text: str) -> list[dict[str, str]]:
        """Every web address inside a text argument, with its source."""
        return [{"url": norm(m.group(0)), "source": self.source(m.group(0))} for m in LINK.finditer(text or "")
                if "." in m.group(0) and not re.fullmatch(r"[\d.]+", m.group(0))]


def _leaves(obj: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    if hasattr(obj, "model_dump"):
        obj = obj.model_dump(mode="json")
    if isinstance(obj, dict):
        return [leaf for k, v in obj.items() for leaf in _leaves(v, (*path, str(k)))]
    if isinstance(obj, (list, tuple, set)):
        return [leaf for v in obj for leaf in _leaves(v, path)]
    return [(path, obj)] if obj is not None else []
