"""What the gate and the runtime read of an inventory snapshot: the record view of a stored snapshot, the checks
that a forecast and an order use the record's own figures, and a run's summary."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from graphs.spec import count_calls

ORDER_PREFIX = "PO-"


def inventory_view(event: dict[str, Any]) -> dict[str, Any]:
    """The warehouse system's fields the policy and the fact checks read (supplier terms on file, sales)."""
    return {"inventory": {key: event.get(key) for key in
                          ("snapshot_id", "sku", "supplier_id", "unit_price", "currency", "lead_time_days",
                           "review_days", "sales", "promo_days")}}


def order_id_for(snapshot_id: str) -> str:
    """One purchase order per snapshot, whatever the retries or redeliveries (the tool's business key)."""
    return ORDER_PREFIX + snapshot_id


def _record(context: dict[str, Any]) -> dict[str, Any]:
    record = context.get("inventory")
    if not isinstance(record, dict) or not record.get("sku"):
        raise ValueError("no inventory snapshot on record")
    return record


def forecast_differs(args: dict[str, Any], context: dict[str, Any]) -> list[str]:
    """A forecast is asked for the snapshot's SKU with its recorded sales and promotion calendar, never inflated."""
    record = _record(context)
    out = [] if args.get("sku") == record["sku"] else ["sku"]
    history = args.get("history")
    if not isinstance(history, list) or [float(v) for v in history] != [float(v) for v in record.get("sales") or []]:
        out.append("history")
    horizon = args.get("horizon") if isinstance(args.get("horizon"), int) else 7
    planned = [bool(v) for v in (record.get("promo_days") or [])][:horizon]
    if list(args.get("promo_days") or []) != planned:
        out.append("promo_days")
    return out


def order_differs(args: dict[str, Any], context: dict[str, Any]) -> list[str]:
    """An order names the snapshot's SKU, the supplier and contract price on file, and the snapshot's order id."""
    record = _record(context)
    out = [name for name in ("sku", "supplier_id", "currency") if args.get(name) != record.get(name)]
    if args.get("order_id") != order_id_for(str(record.get("snapshot_id"))):
        out.append("order_id")
    try:
        if Decimal(str(args.get("unit_price"))) != Decimal(str(record.get("unit_price"))):
            out.append("unit_price")
    except InvalidOperation:
        out.append("unit_price")
    return out


def replenishment_summary(values: dict[str, Any]) -> dict[str, Any]:
    """What a caller may see of a replenishment run: the plan, the order and the gate's verdicts."""
    plan = values.get("plan") or {}
    return {**count_calls(values), "forecast_total": (values.get("forecast") or {}).get("total"),
            "forecast_days": len((values.get("forecast") or {}).get("forecast") or []),
            "position": plan.get("position"), "reorder_point": plan.get("reorder_point"),
            "quantity": plan.get("quantity"), "total": plan.get("total"), "currency": plan.get("currency"),
            "order_id": (values.get("order") or {}).get("order_id")}


def snapshot_key(values: dict[str, Any]) -> str | None:
    return (values.get("snapshot") or {}).get("sku")
