"""Demand and replenishment as a graph package: an inventory snapshot is forecast, a reorder planned, a purchase
order placed through the gate within spend limits (a buyer approves above them) and the supplier notified.

The forecaster is `scoring.demand_forecast` (tools/demand.py, model in tools/demand_model.py, card in
MODEL_CARD.md). The samples are synthetic SKUs drawn from the same generator with another seed (7), so they are
not training data.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from graphs.replenishment.demo_table import print_replenishment_table
from graphs.replenishment.graph import GRAPH, build_replenishment_graph
from graphs.replenishment.intake import InventorySnapshot, prepare_snapshot
from graphs.replenishment.record import (forecast_differs, inventory_view, order_differs, replenishment_summary,
                                         snapshot_key)
from graphs.spec import GraphPackage

TRIGGER = "events.inventory.snapshot"
SAMPLES = Path(__file__).resolve().parent / "samples" / "snapshots.jsonl"


def no_model(request: Any) -> str:
    """This graph asks no model: `--llm scripted` needs nothing scripted."""
    return "{}"


PACKAGE = GraphPackage(
    name=GRAPH, trigger=TRIGGER, key_field="sku", build=build_replenishment_graph, prepare=prepare_snapshot,
    tools=("scoring.demand_forecast", "purchasing.order", "notifications.send"),
    record_view=inventory_view, record_name="inventory",
    fact_checks={"scoring.demand_forecast": forecast_differs, "purchasing.order": order_differs},
    summary=replenishment_summary, outcome_key=snapshot_key, samples=SAMPLES, sample_noun="snapshots",
    scripted=no_model, print_table=print_replenishment_table, uses_model=False,
)

__all__ = ["GRAPH", "PACKAGE", "SAMPLES", "TRIGGER", "InventorySnapshot", "build_replenishment_graph",
           "prepare_snapshot"]
