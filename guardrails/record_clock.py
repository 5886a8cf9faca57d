"""The hour now in a run record's own time zone, for rules such as quiet hours: read by the gate's clock.

A record (the run's facts, from its stored event) may name an IANA `timezone`; the gate supplies
`state.record_local_hour` from it. The conversion is done here, not in Rego: rego-cpp's time.clock with a time
zone aborted the process ("free(): invalid pointer") when called from the gate's worker threads.
"""
from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@lru_cache(maxsize=512)
def known_zone(name: str) -> ZoneInfo | None:
    """The IANA time zone `name`, or None when this machine does not know it (or it is path-like)."""
    if not name or len(name) > 64 or ".." in name or name.startswith("/"):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def record_clock(context: Any, now: datetime | None = None) -> dict[str, int]:
    """`{"record_local_hour": h}` when one record in `context` names a known time zone, else nothing (the policy
    treats a missing hour as unknown and refuses what depends on it)."""
    if not isinstance(context, dict):
        return {}
    for record in context.values():
        name = record.get("timezone") if isinstance(record, dict) else None
        zone = known_zone(name) if isinstance(name, str) else None
        if zone is not None:
            return {"record_local_hour": (now or datetime.now(timezone.utc)).astimezone(zone).hour}
    return {}
