"""Encryption of the tool stores' PII columns (payee accounts, recipients, message bodies) at rest.

Why: the ledger and the outbox stand in for external systems but live in the data folder, next to the vault;
`warden pii scan` must find no raw value there. Each PII column holds `enc1:<Fernet token>` under a tools-side
key (`<data_dir>/tools.key`, 0600, separate from the vault's so the gate's key never sits with the tools);
idempotency fingerprints are HMACs under the same key, so a hash of a 7-digit account cannot be brute-forced
from the database alone. Columns written before this (no `enc1:` prefix) still read back as they are.
"""
from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from warden.settings import Settings
from tools.secret_file import load_or_create_secret

KEY_NAME = "tools.key"
PREFIX = "enc1:"


class ToolsKeyError(ValueError):
    """The tools key is missing, unreadable or not a Fernet key."""


def _load_or_create_key(path: Path) -> bytes:
    """The key in `path`, created once (0600, parent 0700 when created here); concurrent first starts agree."""
    return load_or_create_secret(path, Fernet.generate_key, what="tools key").strip()


class ColumnCipher:
    """Seals and opens one store's PII columns; `mac` fingerprints values for equality checks without storing them."""

    def __init__(self, key: bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError) as exc:
            raise ToolsKeyError(f"the tools key must be a Fernet key: {exc}") from exc
        self._mac_key = hashlib.sha256(b"warden-tools-mac\0" + key).digest()

    @classmethod
    def from_settings(cls, settings: Settings) -> ColumnCipher:
        """The cipher keyed by `settings.tools_key` (WARDEN_TOOLS_KEY: tools processes on several machines sharing
        one Postgres) or else by `<data_dir>/tools.key`, created on first use."""
        if settings.tools_key is not None:
            return cls(settings.tools_key.get_secret_value().encode())
        return cls(_load_or_create_key(settings.path(KEY_NAME)))

    def seal(self, value: str) -> str:
        """`enc1:` + a Fernet token of `value` (randomised: equal values give different ciphertexts)."""
        return PREFIX + self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def open(self, stored: str) -> str:
        """The value of a sealed column; a column written before sealing comes back unchanged."""
        if not stored.startswith(PREFIX):
            return stored
        try:
            return self._fernet.decrypt(stored[len(PREFIX):].encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise ToolsKeyError("a sealed column does not open with this tools key (was tools.key replaced?)") from exc

    def key_id(self) -> str:
        """A fingerprint of the key itself, so a shared store can tell that two processes seal with the same key."""
        return self.mac(b"warden-tools-key-id")

    def mac(self, data: bytes) -> str:
        """A keyed fingerprint (hex HMAC-SHA256) of `data`."""
        return hmac.new(self._mac_key, data, hashlib.sha256).hexdigest()


def last4(value: str) -> str:
    """What a person needs to recognise an account: its last four characters."""
    return "…" + value[-4:] if len(value) > 4 else "…"
