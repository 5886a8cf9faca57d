"""The pseudonymization vault (guardrails/vault.py) in Postgres, so a token the runtime registered through one
gate resolves at every gate on the database (each holds the same vault key, from the gate credential).

Same tokens, encryption and HMAC index as the SQLite `Vault`; only the table lives elsewhere. Numbering a new
token reads the run's highest number and inserts under an advisory lock per (run, type), so two gates never hand
out one token for two values.
"""
from __future__ import annotations

import hashlib
import threading
import time

from cryptography.fernet import Fernet, InvalidToken
from psycopg_pool import ConnectionPool

from guardrails.stores_pg import apply_schema
from guardrails.vault import WHOLE_TOKEN, TokenConflict, Vault, VaultKeyError

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS gate_vault_tokens (run_id TEXT NOT NULL, token TEXT NOT NULL,"
    " entity_type TEXT NOT NULL, seq INTEGER NOT NULL, value_mac TEXT NOT NULL, ciphertext BYTEA NOT NULL,"
    " created_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (run_id, token), UNIQUE (run_id, entity_type, value_mac))",
)


class PgVault(Vault):
    """Encrypted token store shared by every gate on the database. RunVault works on it unchanged."""

    def __init__(self, pool: ConnectionPool, key: bytes) -> None:
        """Not Vault.__init__, which opens the SQLite file: the same key checks, then the shared table."""
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError) as exc:
            raise VaultKeyError("vault key must be a urlsafe-base64 32-byte Fernet key") from exc
        self._mac_key = hashlib.sha256(b"warden-vault-index\0" + key).digest()
        self._lock = threading.Lock()
        self.pool = pool
        apply_schema(pool, SCHEMA)

    def close(self) -> None:
        """Nothing of its own to close: the pool is shared with the gate's other stores."""

    def _tokenize(self, run_id: str, entity_type: str, value: str) -> str:
        mac = self._mac(run_id, entity_type, value)
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"vault:{run_id}:{entity_type}",))
            row = conn.execute("SELECT token FROM gate_vault_tokens WHERE run_id=%s AND entity_type=%s AND value_mac=%s",
                               (run_id, entity_type, mac)).fetchone()
            if row is not None:
                return row[0]
            (seq,) = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM gate_vault_tokens WHERE run_id=%s"
                                  " AND entity_type=%s", (run_id, entity_type)).fetchone()
            token = f"<{entity_type}_{seq}>"
            conn.execute("INSERT INTO gate_vault_tokens VALUES (%s,%s,%s,%s,%s,%s,%s)",
                         (run_id, token, entity_type, seq, mac, self._fernet.encrypt(value.encode("utf-8")), time.time()))
        return token

    def _register(self, run_id: str, token: str, entity_type: str, value: str) -> None:
        """Store a token the runtime assigned at intake; the first value for a token stands."""
        match = WHOLE_TOKEN.fullmatch(token)
        if not match or match.group(1) != entity_type:
            raise TokenConflict(f"malformed token for type {entity_type}")
        mac = self._mac(run_id, entity_type, value)
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"vault:{run_id}:{entity_type}",))
            row = conn.execute("SELECT value_mac FROM gate_vault_tokens WHERE run_id=%s AND token=%s",
                               (run_id, token)).fetchone()
            if row is not None:
                if row[0] != mac:
                    raise TokenConflict(f"{token} is already registered for this run with another value")
                return
            other = conn.execute("SELECT token FROM gate_vault_tokens WHERE run_id=%s AND entity_type=%s"
                                 " AND value_mac=%s", (run_id, entity_type, mac)).fetchone()
            if other is not None:
                raise TokenConflict(f"this value already has the token {other[0]} in this run")
            conn.execute("INSERT INTO gate_vault_tokens VALUES (%s,%s,%s,%s,%s,%s,%s)",
                         (run_id, token, entity_type, int(match.group(2)), mac,
                          self._fernet.encrypt(value.encode("utf-8")), time.time()))

    def _resolve(self, run_id: str, token: str) -> str | None:
        with self.pool.connection() as conn:
            row = conn.execute("SELECT ciphertext FROM gate_vault_tokens WHERE run_id=%s AND token=%s",
                               (run_id, token)).fetchone()
        if row is None:
            return None
        try:
            return self._fernet.decrypt(bytes(row[0])).decode("utf-8")
        except InvalidToken:
            return None  # written under another key: unrecoverable, treat as unknown
