"""Predictive capacity as a graph package: a service's metrics are forecast an hour ahead and units reserved or
released through the gate ahead of the load; a missing, stale or wrong forecast falls back to reactive rules, and
the run's result says which and why.

The forecaster is graphs/capacity/load_model.py (card: MODEL_CARD.md). Samples are synthetic services from the
same generator with another seed (99); `checkout-api` sends two events (morning and evening), processed in order.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from graphs.capacity.demo_table import print_capacity_table
from graphs.capacity.graph import GRAPH, build_capacity_graph
from graphs.capacity.intake import CapacityMetrics, prepare_metrics
from graphs.capacity.record import capacity_key, capacity_summary, capacity_view, release_differs, reserve_differs
from graphs.spec import GraphPackage

TRIGGER = "events.capacity.metrics"
SAMPLES = Path(__file__).resolve().parent / "samples" / "metrics.jsonl"


def no_model(request: Any) -> str:
    """This graph asks no model: `--llm scripted` needs nothing scripted."""
    return "{}"


PACKAGE = GraphPackage(
    name=GRAPH, trigger=TRIGGER, key_field="service", build=build_capacity_graph, prepare=prepare_metrics,
    tools=("provisioning.reserve", "provisioning.release"),
    record_view=capacity_view, record_name="capacity",
    fact_checks={"provisioning.reserve": reserve_differs, "provisioning.release": release_differs},
    summary=capacity_summary, outcome_key=capacity_key, samples=SAMPLES, sample_noun="metrics events",
    scripted=no_model, print_table=print_capacity_table, uses_model=False,
)

__all__ = ["GRAPH", "PACKAGE", "SAMPLES", "TRIGGER", "CapacityMetrics", "build_capacity_graph", "prepare_metrics"]
