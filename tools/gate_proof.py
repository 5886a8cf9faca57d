"""Proof that the gate judged a tool call: an Ed25519 signature by the gate that every tool service checks.

The bus permissions are the first wall (only the gate may publish on `tools.>`); this is the second, for
when the first is breached (a leaked credential, a JetStream consumer relaying onto `tools.>`). The gate
signs, per forwarded call, the claims {tool, args_sha256, key, decision_id, exp}; `args_sha256` is over the
exact body bytes sent, so there is no second serialisation to disagree with. The tool service holds only
the public key: it can check a proof, never make one.

Header value: `base64url(canonical claims JSON) "." base64url(signature)`, unpadded, on `Warden-Gate-Proof`.
This module imports nothing from the gate: the gate imports tools, never the reverse.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from cryptography.exceptions import InvalidSignature

from tools.secret_file import load_or_create_secret
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from tools.errors import ToolError

PROOF_HEADER = "Warden-Gate-Proof"
DEFAULT_TTL_S = 30.0
MAX_TTL_S = 300.0
"""A proof claiming to live longer than this is refused: it bounds the replay window and the seen-set."""
CLOCK_LEEWAY_S = 5.0
"""Tolerated clock difference between the gate's host and a tool service's host."""
MAX_PROOF_CHARS = 2048
MAX_SEEN = 100_000
KEY_BYTES = 32
_B64URL = re.compile(r"[A-Za-z0-9_-]*")


class ProofRejected(ToolError):
    """A tool request whose gate proof is missing, forged, stale, or for another call; `reason` is a short slug."""

    def __init__(self, code: int, message: str, *, reason: str = "invalid") -> None:
        super().__init__(code, message)
        self.reason = reason


@dataclass(frozen=True)
class ProofClaims:
    """What the gate vouched for: this tool, with these exact body bytes and key, until `exp` (unix seconds)."""

    tool: str
    args_sha256: str
    key: str
    decision_id: str
    exp: int


def encode_args(args: Mapping[str, Any]) -> bytes:
    """The body bytes of a tool request: how the client sends arguments, and so what the gate signs."""
    return json.dumps(args, allow_nan=False).encode()


def _body(args: bytes | Mapping[str, Any]) -> bytes:
    return args if isinstance(args, (bytes, bytearray)) else encode_args(args)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    """Strict: a character outside the urlsafe alphabet is an error, not silently skipped."""
    text = text.rstrip("=")
    if not _B64URL.fullmatch(text):
        raise ValueError("not unpadded urlsafe base64")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class GateSigner:
    """The gate's half: signs each call it forwards. Holds the private key; only the gate has one."""

    def __init__(self, private_key: bytes) -> None:
        self._key = Ed25519PrivateKey.from_private_bytes(private_key)

    def sign(self, tool: str, args: bytes | Mapping[str, Any], idempotency_key: str | None, *,
             ttl_s: float = DEFAULT_TTL_S, now: float | None = None, decision_id: str | None = None) -> str:
        """The `Warden-Gate-Proof` header value for one call; `args` are the exact body bytes (or a dict encoded
        as `encode_args` does). `decision_id` defaults to a new uuid4; pass the audit record's to link the two."""
        exp = int((time.time() if now is None else now) + ttl_s)
        claims = {"tool": tool, "args_sha256": hashlib.sha256(_body(args)).hexdigest(), "key": idempotency_key or "",
                  "decision_id": decision_id or uuid.uuid4().hex, "exp": exp}
        payload = json.dumps(claims, sort_keys=True, separators=(",", ":")).encode()
        return f"{_b64(payload)}.{_b64(self._key.sign(payload))}"


class GateVerifier:
    """The tool service's half: checks a proof with the gate's public key, and remembers decision ids it has seen.

    A decision id seen before is accepted again only for the same tool, body and key (an idempotent retry the
    ledger dedupes); the signature already binds those, so the seen-set is a second check that costs one dict
    lookup. It keeps ids until their expiry, at most `max_seen`; past that the oldest go first (only the gate can
    mint ids, so an attacker cannot flood it).
    """

    def __init__(self, public_key: bytes, *, leeway_s: float = CLOCK_LEEWAY_S, max_ttl_s: float = MAX_TTL_S,
                 max_seen: int = MAX_SEEN) -> None:
        self._key = Ed25519PublicKey.from_public_bytes(public_key)
        self.leeway_s = leeway_s
        self.max_ttl_s = max_ttl_s
        self.max_seen = max_seen
        self._seen: OrderedDict[str, ProofClaims] = OrderedDict()

    def verify(self, header: str | None, tool: str, args: bytes | Mapping[str, Any], idempotency_key: str | None,
               now: float | None = None) -> ProofClaims:
        """The claims of a valid proof for exactly this call; raises `ProofRejected` otherwise."""
        now = time.time() if now is None else now
        claims = self._authentic(header)
        if claims.exp + self.leeway_s < now:
            raise ProofRejected(401, f"gate proof for {tool} expired; the call must go through the gate again",
                                reason="expired")
        if claims.exp > now + self.max_ttl_s + self.leeway_s:
            raise ProofRejected(401, f"gate proof for {tool} claims to live longer than {self.max_ttl_s:g}s",
                                reason="malformed")
        if claims.tool != tool:
            raise ProofRejected(403, f"gate proof was issued for another tool, not {tool}", reason="wrong_tool")
        if claims.args_sha256 != hashlib.sha256(_body(args)).hexdigest():
            raise ProofRejected(403, f"arguments differ from those the gate approved for {tool}", reason="wrong_args")
        if claims.key != (idempotency_key or ""):
            raise ProofRejected(403, f"idempotency key differs from the one the gate approved for {tool}",
                                reason="wrong_key")
        self._remember(claims, now)
        return claims

    def _authentic(self, header: str | None) -> ProofClaims:
        if not header:
            raise ProofRejected(401, f"no {PROOF_HEADER} header: tools only act on calls the gate approved",
                                reason="missing")
        if len(header) > MAX_PROOF_CHARS or header.count(".") != 1:
            raise ProofRejected(401, f"{PROOF_HEADER} header is malformed", reason="malformed")
        payload_b64, sig_b64 = header.split(".")
        try:
            payload, signature = _unb64(payload_b64), _unb64(sig_b64)
        except (binascii.Error, ValueError):
            raise ProofRejected(401, f"{PROOF_HEADER} header is malformed", reason="malformed") from None
        try:
            self._key.verify(signature, payload)
        except InvalidSignature:
            raise ProofRejected(401, f"{PROOF_HEADER} signature is not the gate's", reason="bad_signature") from None
        try:  # signed by the gate, so well-formed unless the gate is broken; still checked, never assumed
            raw = json.loads(payload)
            claims = ProofClaims(tool=raw["tool"], args_sha256=raw["args_sha256"], key=raw["key"],
                                 decision_id=raw["decision_id"], exp=raw["exp"])
        except (ValueError, KeyError, TypeError):
            raise ProofRejected(401, f"{PROOF_HEADER} claims are malformed", reason="malformed") from None
        if not (all(isinstance(v, str) for v in (claims.tool, claims.args_sha256, claims.key, claims.decision_id))
                and type(claims.exp) is int):
            raise ProofRejected(401, f"{PROOF_HEADER} claims are malformed", reason="malformed")
        return claims

    def _remember(self, claims: ProofClaims, now: float) -> None:
        seen = self._seen.get(claims.decision_id)
        if seen is not None:
            if seen != claims:
                raise ProofRejected(403, f"gate decision {claims.decision_id} was already used for another call",
                                    reason="replayed")
            return
        while self._seen:  # drop expired ids (insertion order is close enough to expiry order: one ttl)
            oldest = next(iter(self._seen.values()))
            if oldest.exp + self.leeway_s >= now and len(self._seen) < self.max_seen:
                break
            self._seen.popitem(last=False)
        self._seen[claims.decision_id] = claims

    @property
    def seen_count(self) -> int:
        """Decision ids currently remembered."""
        return len(self._seen)


def generate_signing_key() -> tuple[bytes, bytes]:
    """A new Ed25519 key pair as raw bytes: (private, public)."""
    key = Ed25519PrivateKey.generate()
    return _raw_private(key), _raw_public(key.public_key())


def public_key_from_private(private_key: bytes) -> bytes:
    """The raw public key (what the tool services get) for a raw private key."""
    return _raw_public(Ed25519PrivateKey.from_private_bytes(private_key).public_key())


def encode_key(raw: bytes) -> str:
    """A raw key as urlsafe base64 text (how credential files and settings carry it)."""
    return base64.urlsafe_b64encode(raw).decode()


def decode_key(text: str | bytes) -> bytes:
    """The raw 32-byte key from urlsafe base64 text (padded or not); raises ValueError for anything else."""
    try:
        raw = _unb64(text.decode() if isinstance(text, bytes) else text.strip())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ValueError("gate key is not urlsafe base64") from None
    if len(raw) != KEY_BYTES:
        raise ValueError(f"gate key must be {KEY_BYTES} bytes, got {len(raw)}")
    return raw


def load_or_create_signing_key(path: Path) -> bytes:
    """The gate's raw private key at `path`, created there (file 0600, folder 0700) when missing.

    Created atomically: written to a temporary file in the same folder and linked into place, so a reader
    never sees a partial key and two processes starting together end up with the same one.
    """
    key = load_or_create_secret(path, lambda: generate_signing_key()[0], what="gate signing key")
    if len(key) != KEY_BYTES:
        raise ValueError(f"gate signing key {path} is not a raw {KEY_BYTES}-byte Ed25519 key")
    return key


def _raw_private(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
