"""What the gate and the runtime read of a capacity metrics event: the record view, the checks that a reserve names
the service's own resource and id and a release one of the reservations the service holds, and a run's summary."""
from __future__ import annotations

from typing import Any

from graphs.spec import count_calls


def capacity_view(event: dict[str, Any]) -> dict[str, Any]:
    """The monitoring system's fields the fact checks read: which service, resource, and reservations it holds."""
    held = event.get("held") if isinstance(event.get("held"), list) else []
    return {"capacity": {"metrics_id": event.get("metrics_id"), "service": event.get("service"),
                         "resource": event.get("resource"),
                         "held": [h.get("reservation_id") for h in held if isinstance(h, dict)]}}


def resource_for(service: str, resource: str) -> str:
    """What a reservation reserves: one resource of one service."""
    return f"{service}/{resource}"


def reservation_id_for(metrics_id: str) -> str:
    """One reservation per metrics event, whatever the retries (the tool's business key)."""
    return "RES-" + metrics_id


def _record(context: dict[str, Any]) -> dict[str, Any]:
    record = context.get("capacity")
    if not isinstance(record, dict) or not record.get("service"):
        raise ValueError("no capacity metrics on record")
    return record


def reserve_differs(args: dict[str, Any], context: dict[str, Any]) -> list[str]:
    """A reservation is for this service's resource, under this event's reservation id."""
    record = _record(context)
    out = [] if args.get("resource") == resource_for(str(record["service"]), str(record.get("resource"))) else ["resource"]
    if args.get("reservation_id") != reservation_id_for(str(record.get("metrics_id"))):
        out.append("reservation_id")
    return out


def release_differs(args: dict[str, Any], context: dict[str, Any]) -> list[str]:
    """A release names a reservation the monitoring system reports this service as holding."""
    return [] if args.get("reservation_id") in (_record(context).get("held") or []) else ["reservation_id"]


def capacity_summary(values: dict[str, Any]) -> dict[str, Any]:
    """What a caller may see of a capacity run: mode (predictive or the reactive fallback and why), units, verdicts."""
    p = values.get("plan") or {}
    return {**count_calls(values), "mode": p.get("mode"), "why": p.get("why"), "current_units": p.get("current_units"),
            "needed_units": p.get("needed_units"), "forecast_load": p.get("forecast_load"),
            "reserved": p.get("reserve"), "released": len(p.get("release") or [])}


def capacity_key(values: dict[str, Any]) -> str | None:
    return (values.get("metrics") or {}).get("service")
