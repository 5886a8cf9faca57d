"""The pseudonymization vault: PII becomes stable typed tokens per run (`<PERSON_1>`), reversible only with the key.

Why: the model and the logs see `<EMAIL_ADDRESS_1>` instead of an address, yet the same address is the same token
throughout a run, and an effectful tool (after the gate allows it) can get the real value back. The mapping lives
in SQLite, encrypted with Fernet; lookups go through an HMAC of (run, type, value), so neither the value nor a
cross-run fingerprint of it is stored in clear. Tokens are scoped to their run: run B cannot resolve run A's.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from warden.settings import Settings
from guardrails.sqlite_tx import write_transaction
from tools.secret_file import load_or_create_secret

TOKEN = re.compile(r"<([A-Z][A-Z_]*)_(\d+)>")
WHOLE_TOKEN = re.compile(r"<([A-Z][A-Z_]{0,40})_(\d{1,6})>")


class UnresolvableToken(ValueError):
    """An argument is exactly a token that this run's vault cannot resolve (forged, another run's, another key)."""


class TokenConflict(ValueError):
    """A token registered again with another value: the first registration stands."""
_SCHEMA = """
CREATE TABLE IF NOT EXISTS vault_tokens (
    run_id TEXT NOT NULL,
    token TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    seq INTEGER NOT NULL,
    value_mac TEXT NOT NULL,
    ciphertext BLOB NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (run_id, token),
    UNIQUE (run_id, entity_type, value_mac)
)
"""


class VaultKeyError(ValueError):
    """The configured vault key is not a valid Fernet key."""


def _load_or_create_key(path: Path) -> bytes:
    """The key in `path`, created once (0600) when missing; concurrent first starts agree on one key."""
    return load_or_create_secret(path, Fernet.generate_key, what="vault key").strip()


class Vault:
    """Encrypted token store shared by all runs of a process (and by processes sharing the data dir)."""

    def __init__(self, db_path: Path, key: bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError) as exc:
            raise VaultKeyError(
                "vault key must be a urlsafe-base64 32-byte Fernet key (generate one with "
                "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`)"
            ) from exc
        self._mac_key = hashlib.sha256(b"warden-vault-index\0" + key).digest()
        db_path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(db_path, timeout=30.0, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=30000")
        self._db.execute(_SCHEMA)

    @classmethod
    def from_settings(cls, settings: Settings) -> Vault:
        """The vault under `settings.data_dir`, keyed by `settings.vault_key` or by `<data_dir>/vault.key`."""
        key = settings.vault_key.encode() if settings.vault_key else _load_or_create_key(settings.path("vault.key"))
        return cls(settings.path("vault.sqlite3"), key)

    def for_run(self, run_id: str) -> RunVault:
        """The token space of one run."""
        return RunVault(self, run_id)

    def digest(self, kind: str, value: str) -> str:
        """A keyed pseudonym of `value`, the same in every run and at every gate sharing the key: lets the gate
        count what it saw (messages per recipient) without storing the value itself."""
        return self._mac("", f"digest:{kind}", value)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- used by RunVault ---------------------------------------------------------------------------------

    def _mac(self, run_id: str, entity_type: str, value: str) -> str:
        msg = "\0".join((run_id, entity_type, value)).encode("utf-8", "surrogatepass")
        return hmac.new(self._mac_key, msg, hashlib.sha256).hexdigest()

    def _tokenize(self, run_id: str, entity_type: str, value: str) -> str:
        mac = self._mac(run_id, entity_type, value)
        with self._lock:
            # IMMEDIATE takes the write lock up front, so two processes cannot hand out the same sequence number.
            with write_transaction(self._db):
                row = self._db.execute(
                    "SELECT token FROM vault_tokens WHERE run_id=? AND entity_type=? AND value_mac=?",
                    (run_id, entity_type, mac),
                ).fetchone()
                if row is None:
                    (seq,) = self._db.execute(
                        "SELECT COALESCE(MAX(seq), 0) + 1 FROM vault_tokens WHERE run_id=? AND entity_type=?",
                        (run_id, entity_type),
                    ).fetchone()
                    token = f"<{entity_type}_{seq}>"
                    self._db.execute(
                        "INSERT INTO vault_tokens VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (run_id, token, entity_type, seq, mac, self._fernet.encrypt(value.encode("utf-8")), time.time()),
                    )
                else:
                    token = row[0]
        return token

    def _register(self, run_id: str, token: str, entity_type: str, value: str) -> None:
        """Store a token another component assigned (the runtime at intake); the first value for a token stands."""
        match = WHOLE_TOKEN.fullmatch(token)
        if not match or match.group(1) != entity_type:
            raise TokenConflict(f"malformed token for type {entity_type}")
        mac = self._mac(run_id, entity_type, value)
        with self._lock, write_transaction(self._db):
            row = self._db.execute("SELECT value_mac FROM vault_tokens WHERE run_id=? AND token=?", (run_id, token)).fetchone()
            if row is not None:
                if row[0] != mac:
                    raise TokenConflict(f"{token} is already registered for this run with another value")
                return
            other = self._db.execute("SELECT token FROM vault_tokens WHERE run_id=? AND entity_type=? AND value_mac=?",
                                     (run_id, entity_type, mac)).fetchone()
            if other is not None:
                raise TokenConflict(f"this value already has the token {other[0]} in this run")
            self._db.execute("INSERT INTO vault_tokens VALUES (?, ?, ?, ?, ?, ?, ?)",
                             (run_id, token, entity_type, int(match.group(2)), mac,
                              self._fernet.encrypt(value.encode("utf-8")), time.time()))

    def _resolve(self, run_id: str, token: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT ciphertext FROM vault_tokens WHERE run_id=? AND token=?", (run_id, token)
            ).fetchone()
        if row is None:
            return None
        try:
            return self._fernet.decrypt(row[0]).decode("utf-8")
        except InvalidToken:
            return None  # written under another key: unrecoverable, treat as unknown


class RunVault:
    """Tokens of one run: the same (type, value) always maps to the same token; cheap to create per call."""

    def __init__(self, vault: Vault, run_id: str) -> None:
        self._vault = vault
        self.run_id = run_id
        self._tokens: dict[tuple[str, str], str] = {}
        self._values: dict[str, str] = {}

    def tokenize(self, entity_type: str, value: str) -> str:
        """The token for `value`, e.g. `<PERSON_1>`; numbered per type in order of first appearance in the run."""
        key = (entity_type, value)
        token = self._tokens.get(key)
        if token is None:
            token = self._vault._tokenize(self.run_id, entity_type, value)
            self._tokens[key] = token
            self._values[token] = value
        return token

    def resolve(self, token: str) -> str | None:
        """The original value of a token of this run; None for unknown tokens and other runs' tokens."""
        value = self._values.get(token)
        if value is None:
            value = self._vault._resolve(self.run_id, token)
            if value is not None:
                self._values[token] = value
        return value

    def register(self, token: str, entity_type: str, value: str) -> None:
        """Record a token the runtime assigned at intake (it tokenizes but cannot resolve)."""
        self._vault._register(self.run_id, token, entity_type, value)
        self._tokens[(entity_type, value)] = token
        self._values[token] = value

    def resolve_value(self, value: Any) -> Any:
        """A value that is exactly one token becomes what it stands for; any other value is left as it is.

        Tokens inside other text are never resolved: `<DATE_OF_BIRTH_1>@northwind.example` is an address, not a
        way to mail someone's birth date. A whole-value token this run cannot resolve raises: a forged token, or
        one of another run or another vault key, must never be compared equal to itself."""
        if not isinstance(value, str) or not value.startswith("<") or not WHOLE_TOKEN.fullmatch(value):
            return value
        resolved = self.resolve(value)
        if resolved is None:
            raise UnresolvableToken(f"{WHOLE_TOKEN.fullmatch(value).group(1)} token does not belong to this run")
        return resolved

    def resolve_obj(self, obj: Any) -> Any:
        """`resolve_value` applied to every value inside nested dicts and lists (keys are never resolved)."""
        if isinstance(obj, dict):
            return {k: self.resolve_obj(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [self.resolve_obj(v) for v in obj]
        return self.resolve_value(obj)
