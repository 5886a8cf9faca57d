"""Per-component credentials: each role holds only its own bus passwords and keys, in a 0600 file in a 0700 folder.

`warden init` writes one file per role (admin, ingest, gate, tools, runtime) and the nats-server
configuration that accepts exactly those users (bcrypt hashes, never the passwords). A process started as one
role loads that role's file and nothing else: the runtime's host holds no gate key, no vault key and no other
role's password. The embedded server writes the same files under `<data_dir>/secrets/`.
"""
from __future__ import annotations

import base64
import json
import os
import secrets
import stat
from pathlib import Path
from typing import Iterable

from cryptography.fernet import Fernet
from pydantic import BaseModel, Field

from agents.bus_users import FIXED_USERS, runtime_user

ROLES = ("admin", "ingest", "gate", "tools", "runtime")

# Which keys each role needs. The event key seals PII in events at rest (ingest seals, runtime and gate open);
# the vault key and the gate's signing key never leave the gate; tools get only the gate's public key.
ROLE_SECRETS: dict[str, tuple[str, ...]] = {
    "admin": (),
    "ingest": ("event_key",),
    "gate": ("vault_key", "gate_signing_key", "event_key"),
    "tools": ("gate_public_key",),
    "runtime": ("event_key",),
}


class CredentialError(RuntimeError):
    """A role's credential is missing, unreadable, or readable by others."""


class RoleCredentials(BaseModel):
    """What one role's process holds: where the bus is, its bus users' passwords, its keys."""

    role: str
    nats_url: str
    users: dict[str, str] = Field(default_factory=dict)
    secrets: dict[str, str] = Field(default_factory=dict)

    def secret(self, name: str) -> bytes:
        if name not in self.secrets:
            raise CredentialError(f"the {self.role} credential holds no {name}: regenerate it with `warden init`")
        return self.secrets[name].encode()

    def save(self, path: Path) -> None:
        """Write with mode 0600 inside a 0700 folder, atomically."""
        secure_dir(path.parent)
        tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(self.model_dump_json(indent=2))
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path, role: str | None = None) -> "RoleCredentials":
        """Read a role file; refuse one that others can read (a leaked secret is no secret)."""
        if not path.is_file():
            raise CredentialError(f"no credential file at {path}: run `warden init` (or set WARDEN_CREDENTIALS)")
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise CredentialError(f"{path} is readable by others (mode {mode:o}); chmod 600 it")
        try:
            creds = cls.model_validate_json(path.read_text())
        except ValueError as exc:
            raise CredentialError(f"{path} is not a Warden credential file") from exc
        if role is not None and creds.role != role:
            raise CredentialError(f"{path} holds the {creds.role} credential, not {role}")
        return creds


def secure_dir(path: Path) -> None:
    """Create `path` (0700) or tighten it to 0700."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)


def bus_users(graphs: Iterable[str]) -> dict[str, str]:
    """Every bus user of a deployment -> the role whose file holds its password."""
    users = {u: u for u in FIXED_USERS}
    users.update({runtime_user(g): "runtime" for g in graphs})
    return users


def _signing_keypair() -> tuple[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    pub = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.urlsafe_b64encode(raw).decode(), base64.urlsafe_b64encode(pub).decode()


def generate(nats_url: str, graphs: Iterable[str]) -> dict[str, RoleCredentials]:
    """Fresh credentials for every role of a deployment running `graphs`."""
    graphs = tuple(graphs)
    passwords = {user: secrets.token_urlsafe(24) for user in bus_users(graphs)}
    signing, public = _signing_keypair()
    keys = {"vault_key": Fernet.generate_key().decode(), "event_key": Fernet.generate_key().decode(),
            "gate_signing_key": signing, "gate_public_key": public}
    out = {}
    for role in ROLES:
        users = {u: pw for u, pw in passwords.items() if bus_users(graphs)[u] == role}
        out[role] = RoleCredentials(role=role, nats_url=nats_url, users=users,
                                    secrets={name: keys[name] for name in ROLE_SECRETS[role]})
    return out


def load_or_generate(folder: Path, nats_url: str, graphs: Iterable[str]) -> dict[str, RoleCredentials]:
    """The credentials kept in `folder` (keys must survive a restart: the vault and sealed events depend on
    them), pointed at `nats_url`, with users added for graphs that are new; generated and written when absent."""
    graphs = tuple(graphs)
    try:
        creds = {role: RoleCredentials.load(folder / f"{role}.json", role) for role in ROLES}
    except CredentialError:
        creds = generate(nats_url, graphs)
        write_all(creds, folder)
        return creds
    wanted = bus_users(graphs)
    for user, role in wanted.items():
        if user not in creds[role].users:
            creds[role].users[user] = secrets.token_urlsafe(24)
    for c in creds.values():
        c.nats_url = nats_url
    write_all(creds, folder)
    return creds


def write_all(creds: dict[str, RoleCredentials], folder: Path) -> dict[str, Path]:
    """One file per role in `folder` (0700): `<role>.json` (0600)."""
    secure_dir(folder)
    paths = {}
    for role, c in creds.items():
        paths[role] = folder / f"{role}.json"
        c.save(paths[role])
    return paths


def load_for(path: Path, role: str) -> RoleCredentials:
    """The credential of `role` from a file, or from `<role>.json` when `path` is a folder of them."""
    return RoleCredentials.load(path / f"{role}.json" if path.is_dir() else path, role)


def passwords_from_env(users: Iterable[str]) -> dict[str, str]:
    """`WARDEN_NATS_<USER>_PASSWORD` for each user that has one (e.g. WARDEN_NATS_RT_CLAIMS_TRIAGE_PASSWORD)."""
    found = {}
    for user in users:
        var = "WARDEN_NATS_" + user.upper().replace("-", "_") + "_PASSWORD"
        if os.environ.get(var):
            found[user] = os.environ[var]
    return found


def dump_public(creds: dict[str, RoleCredentials]) -> str:
    """Which role holds which users and keys, without a single secret (for `warden init`'s output)."""
    return json.dumps({r: {"users": sorted(c.users), "keys": sorted(c.secrets)} for r, c in creds.items()}, indent=2)
