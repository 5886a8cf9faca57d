"""The redactor's result cache: findings per (content hash, field kind), least recently used first out."""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from guardrails.redaction_results import Entity

CacheKey = tuple[bytes, str]


def cache_key(text: str, kind: str) -> CacheKey:
    """The same text read as the same kind of field has the same findings; the hash keeps the key small."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest(), kind


class ResultCache:
    """A thread-safe LRU of analysis results; size 0 turns it off."""

    def __init__(self, size: int) -> None:
        self._entries: OrderedDict[CacheKey, tuple[Entity, ...]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: CacheKey) -> tuple[Entity, ...] | None:
        if not self._size:
            return None
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
            return hit

    def put(self, key: CacheKey, entities: tuple[Entity, ...]) -> None:
        if not self._size:
            return
        with self._lock:
            self._entries[key] = entities
            if len(self._entries) > self._size:
                self._entries.popitem(last=False)
