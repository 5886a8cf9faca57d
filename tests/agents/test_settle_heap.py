"""After start, what a process loaded is out of the collector's view; what it makes later is collected as usual."""
from __future__ import annotations

import gc

from warden.heap import settle_heap


def test_objects_alive_at_settle_are_frozen_and_later_ones_are_not() -> None:
    loaded = [{"model": i} for i in range(1000)]  # stands in for spaCy, Presidio, schemas
    try:
        frozen = settle_heap()
        later = [{"request": 1}]
        tracked = {id(o) for o in gc.get_objects()}  # frozen objects are left out of every collection
        assert frozen >= len(loaded)
        assert id(loaded) not in tracked and id(loaded[0]) not in tracked
        assert id(later) in tracked
    finally:
        gc.unfreeze()
