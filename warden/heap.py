"""Keeping the garbage collector off the request path of a long-running process.

A Warden process loads hundreds of thousands of objects at start (spaCy's model, Presidio, the policy engine,
pydantic schemas) that live as long as it does. CPython's full collections walk all of them: 100-300 ms with the
event loop stopped, so every call in flight waits (64 concurrent gate calls all finished ~250 ms late behind one).
Collecting once after start and freezing what survived moves those objects out of the collector's view; objects
made later are collected as usual.
"""
from __future__ import annotations

import gc


def settle_heap() -> int:
    """Collect, then freeze every object alive now (call once a process has loaded what it keeps). Returns how
    many objects are frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
