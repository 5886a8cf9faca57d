"""Sealing event payloads at rest: routing fields stay readable, everything else becomes one AES-GCM ciphertext.

Why: a claim event carries the claimant's name, contacts and account, and the EVENTS stream keeps it for 7 days
(dead letters and redeliveries copy it again). A sealed event keeps only what the bus and the runtime route by
(`claim_id`) in clear; the body is encrypted and authenticated, and the clear fields are bound to it as
associated data, so a sealed body cannot be replayed under another claim id or with an extra clear field.

    {"claim_id": "CLM-1001", "sealed": "<base64url nonce|ciphertext>", "sealed_v": 1, "sealed_kid": "3f2a9c01"}

The AES key is derived (HKDF-SHA256) from the key given, so the same secret may be the vault's Fernet key or the
dedicated key file `load_or_create_event_key` manages, without one ciphertext format ever using the other's key.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag

from tools.secret_file import SecretFileError, load_or_create_secret
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SEALED = "sealed"
SEALED_V = "sealed_v"
SEALED_KID = "sealed_kid"
VERSION = 1
_RESERVED = frozenset({SEALED, SEALED_V, SEALED_KID})
_NONCE = 12
_INFO = b"warden-event-seal-v1"


class SealedEventError(ValueError):
    """A sealed event cannot be opened: tampered, sealed with another key, or not sealed when it must be."""


def _aead(key: bytes) -> tuple[AESGCM, str]:
    """The AES-256-GCM cipher for `key` and its key id (a short fingerprint that tells keys apart, not secret)."""
    if not isinstance(key, (bytes, bytearray)) or len(key) < 32:
        raise SealedEventError("event key must be at least 32 bytes (use load_or_create_event_key or the vault key)")
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(bytes(key))
    return AESGCM(derived), hashlib.sha256(b"kid\0" + derived).hexdigest()[:8]


def _associated_data(clear: Mapping[str, Any]) -> bytes:
    """Canonical bytes of every clear field (names and values), bound to the ciphertext."""
    try:
        return json.dumps(dict(clear), sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()
    except (TypeError, ValueError) as exc:
        raise SealedEventError(f"clear fields must be JSON values: {exc}") from exc


def seal_event(payload: Mapping[str, Any], key: bytes, clear: Iterable[str]) -> dict[str, Any]:
    """`payload` with the fields named in `clear` kept readable and all the others sealed into `sealed`.

    A clear field missing from `payload` is simply absent; the body may be empty. Fields named `sealed*` are
    reserved. The nonce is random per call, so sealing the same event twice gives different ciphertexts.
    """
    if not isinstance(payload, Mapping):
        raise SealedEventError("only a JSON object can be sealed")
    reserved = _RESERVED & set(payload)
    if reserved:
        raise SealedEventError(f"payload already has reserved field(s) {sorted(reserved)}: is it sealed already?")
    names = set(clear)
    clear_part = {k: v for k, v in payload.items() if k in names}
    body = {k: v for k, v in payload.items() if k not in names}
    aead, kid = _aead(key)
    try:
        plaintext = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise SealedEventError(f"payload must be JSON-serialisable: {exc}") from exc
    nonce = os.urandom(_NONCE)
    bound = {**clear_part, SEALED_V: VERSION, SEALED_KID: kid}
    ciphertext = aead.encrypt(nonce, plaintext, _associated_data(bound))
    return {**bound, SEALED: base64.urlsafe_b64encode(nonce + ciphertext).decode("ascii")}


def is_sealed(payload: Any) -> bool:
    """Whether `payload` is a sealed event (has the `sealed` field); says nothing about whether it opens."""
    return isinstance(payload, Mapping) and SEALED in payload


def open_event(payload: Mapping[str, Any], key: bytes, *, allow_plain: bool = False) -> dict[str, Any]:
    """The original payload of a sealed event: its clear fields merged with the decrypted body.

    Raises `SealedEventError` when the ciphertext or any clear field was changed, the key is another one, the
    version is unknown, or the payload is not sealed at all (unless `allow_plain`, which returns a copy as is:
    for events published before sealing was switched on).
    """
    if not isinstance(payload, Mapping):
        raise SealedEventError("a sealed event must be a JSON object")
    if SEALED not in payload:
        if allow_plain:
            return dict(payload)
        raise SealedEventError("event is not sealed (no 'sealed' field) and plain events are not accepted here")
    if payload.get(SEALED_V) != VERSION:
        raise SealedEventError(f"unknown seal version {payload.get(SEALED_V)!r} (this build opens version {VERSION})")
    token = payload[SEALED]
    try:
        raw = base64.urlsafe_b64decode(token.encode("ascii")) if isinstance(token, str) else b""
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raw = b""
    if len(raw) < _NONCE + 16:
        raise SealedEventError("the 'sealed' field is not a valid ciphertext")
    aead, kid = _aead(key)
    if payload.get(SEALED_KID, kid) != kid:
        raise SealedEventError(f"event was sealed with another key (key id {payload.get(SEALED_KID)!r}, "
                               f"this key is {kid!r})")
    bound = {k: v for k, v in payload.items() if k != SEALED}
    try:
        plaintext = aead.decrypt(raw[:_NONCE], raw[_NONCE:], _associated_data(bound))
    except InvalidTag:
        raise SealedEventError("sealed event failed authentication: it was altered, its clear fields changed, "
                               "or it was sealed with another key") from None
    body = json.loads(plaintext.decode("utf-8"))
    clear_part = {k: v for k, v in bound.items() if k not in _RESERVED}
    return {**body, **clear_part}


def load_or_create_event_key(path: Path) -> bytes:
    """The event key stored in `path` (urlsafe base64 of 32 random bytes), created once when missing.

    The file is created 0600 in a 0700 folder, written under a temporary name and linked into place, so two
    processes starting together agree on one key and nobody ever reads a half-written file. An existing file
    readable by group or others is refused: the key protects every sealed event.
    """
    try:
        key = load_or_create_secret(path, lambda: base64.urlsafe_b64encode(os.urandom(32)) + b"\n", what="event key").strip()
    except SecretFileError as exc:
        raise SealedEventError(str(exc)) from None
    try:
        if len(base64.urlsafe_b64decode(key)) != 32:
            raise ValueError
    except (binascii.Error, ValueError):
        raise SealedEventError(f"event key {path} is not urlsafe base64 of 32 bytes") from None
    return key
