"""Who is who, as the gate establishes it: agents by the bus subject they may publish, people by a token.

An agent's principal is `agent:<graph>`, bound by the bus (only that graph's runtime user may publish
`gate.<graph>.>`); its roles come from here, never from the request. A person is a user added with
`warden users add NAME --role ROLE`: the token is printed once and stored as a SHA-256 hash (tokens are 256-bit
random, so a slow hash adds nothing), with an expiry, and can be revoked. An OIDC issuer can replace the token
check later by implementing `authenticate` against the issuer's JWKS and mapping a claim to roles.
"""
from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
import time
from pathlib import Path

from guardrails.contracts import Principal

ROLES = ("adjuster", "staff", "operator", "buyer", "sales_manager", "admin")
AGENT_ROLES = ("agent",)
TOKEN_PREFIX = "wdn_"


class AuthError(PermissionError):
    """A token that is unknown, expired or revoked (one message for all: no oracle)."""


class Directory:
    """Principals for agents (by graph) and people (by token), with their roles."""

    def __init__(self, db_path: Path | None = None) -> None:
        self._db = None
        self._lock = threading.Lock()
        if db_path is not None:
            db_path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(db_path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, roles TEXT NOT NULL, "
                             "token_hash TEXT NOT NULL UNIQUE, created_at REAL NOT NULL, expires_at REAL NOT NULL, "
                             "revoked INTEGER NOT NULL DEFAULT 0)")

    @staticmethod
    def agent(graph: str) -> Principal:
        """The principal of a graph's runtime, as the bus subject proves it."""
        return Principal(id=f"agent:{graph or 'unknown'}", roles=list(AGENT_ROLES))

    def add_user(self, name: str, roles: list[str], *, ttl_days: float = 90.0) -> str:
        """Create (or re-issue) a user's token; returns the token, which is never stored."""
        bad = [r for r in roles if r not in ROLES]
        if bad or not roles:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        if not name or len(name) > 64 or not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
            raise ValueError("user name: 1-64 letters, digits, '-', '_' or '.'")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = time.time()
        with self._lock:
            self._require_db().execute("INSERT OR REPLACE INTO users VALUES (?,?,?,?,?,0)",
                                       (name, json.dumps(sorted(set(roles))), _hash(token), now, now + ttl_days * 86400))
        return token

    def revoke(self, name: str) -> bool:
        with self._lock:
            cur = self._require_db().execute("UPDATE users SET revoked = 1 WHERE name = ?", (name,))
        return cur.rowcount == 1

    def authenticate(self, token: str) -> Principal:
        """The user a token belongs to; AuthError when unknown, expired or revoked."""
        if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX):
            raise AuthError("invalid or expired token")
        with self._lock:
            row = self._require_db().execute("SELECT name, roles, expires_at, revoked FROM users WHERE token_hash = ?",
                                             (_hash(token),)).fetchone()
        if row is None or row[3] or row[2] < time.time():
            raise AuthError("invalid or expired token")
        return Principal(id=f"user:{row[0]}", roles=json.loads(row[1]))

    def users(self) -> list[dict]:
        with self._lock:
            rows = self._require_db().execute("SELECT name, roles, expires_at, revoked FROM users ORDER BY name").fetchall()
        return [{"name": n, "roles": json.loads(r), "expires_at": e, "revoked": bool(v)} for n, r, e, v in rows]

    def _require_db(self) -> sqlite3.Connection:
        if self._db is None:
            raise AuthError("this gate has no user directory")
        return self._db


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
