"""Actor addresses: `AgentId(type, key)`, written `type/key` (e.g. `claims_triage/CLM-1001`)."""
from __future__ import annotations

import re
from dataclasses import dataclass

_TYPE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,199}$")


class InvalidAgentId(ValueError):
    """An actor address that cannot be routed."""


@dataclass(frozen=True, slots=True)
class AgentId:
    """Which actor handles a message: its type picks the code, its key picks the instance."""

    type: str
    key: str

    def __post_init__(self) -> None:
        if not _TYPE.match(self.type):
            raise InvalidAgentId(f"agent type {self.type!r} must be lower-case letters, digits or '_'")
        if not _KEY.match(self.key):
            raise InvalidAgentId(f"agent key {self.key!r} must be 1-200 of letters, digits, '_.:@-'")

    def __str__(self) -> str:
        return f"{self.type}/{self.key}"

    @classmethod
    def parse(cls, text: str) -> "AgentId":
        type_, sep, key = text.partition("/")
        if not sep:
            raise InvalidAgentId(f"{text!r} is not of the form type/key")
        return cls(type_, key)
