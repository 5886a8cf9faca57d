"""Lead follow-up as a graph package: a new lead is scored from the CRM's record and routed to sales."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from graphs.leads.demo_table import print_lead_table
from graphs.leads.graph import GRAPH, build_lead_graph
from graphs.leads.intake import LeadEvent, prepare_lead
from graphs.leads.record import features_differ, lead_key, lead_summary, lead_view
from graphs.spec import GraphPackage

TRIGGER = "events.leads.created"
SAMPLES = Path(__file__).resolve().parent / "samples" / "leads.jsonl"


def no_model(request: Any) -> str:
    """This graph asks no model: `--llm scripted` needs nothing scripted."""
    return "{}"


PACKAGE = GraphPackage(
    name=GRAPH, trigger=TRIGGER, key_field="lead_id", build=build_lead_graph, prepare=prepare_lead,
    tools=("scoring.lead_propensity", "tickets.update", "notifications.send", "offers.discount"),
    record_view=lead_view, record_name="lead", fact_checks={"scoring.lead_propensity": features_differ},
    summary=lead_summary, outcome_key=lead_key, samples=SAMPLES, sample_noun="leads", scripted=no_model,
    print_table=print_lead_table, uses_model=False,
)

__all__ = ["GRAPH", "PACKAGE", "SAMPLES", "TRIGGER", "LeadEvent", "build_lead_graph", "prepare_lead"]
