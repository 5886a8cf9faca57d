"""Claims triage as a graph package: the graph, its event and intake, the record the gate reads, samples, demo."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from graphs.claims.demo_table import print_claims_table, print_claims_totals
from graphs.claims.graph import GRAPH, build_claims_graph
from graphs.claims.intake import ClaimEvent, redact_claim
from graphs.claims.scripted import hostile_claims_script
from graphs.claims.record import claim_key, claim_summary, claim_view, fraud_features_differ
from graphs.spec import GraphPackage

TRIGGER = "events.claims.submitted"
SAMPLES = Path(__file__).resolve().parent / "samples" / "claims.jsonl"


def prepare_claim(run_id: str, payload: dict[str, Any], vault: Any, redactor: Any) -> dict[str, Any]:
    """Validate the claim event and tokenize its PII before anything enters graph state."""
    event = ClaimEvent.model_validate({k: v for k, v in payload.items() if not k.startswith("_")})
    record, document, count = redact_claim(event, vault.for_run(run_id), redactor)
    return {"run_id": run_id, "claim": record, "document": document, "intake_redactions": count, "reasons": [], "calls": []}


PACKAGE = GraphPackage(
    name=GRAPH, trigger=TRIGGER, key_field="claim_id", build=build_claims_graph, prepare=prepare_claim,
    tools=("scoring.fraud_risk", "payments.issue", "notifications.send"),
    record_view=claim_view, record_name="claim", fact_checks={"scoring.fraud_risk": fraud_features_differ},
    summary=claim_summary, outcome_key=claim_key, samples=SAMPLES, sample_noun="claims", scripted=hostile_claims_script,
    print_table=print_claims_table, print_totals=print_claims_totals,
)

__all__ = ["GRAPH", "PACKAGE", "SAMPLES", "TRIGGER", "ClaimEvent", "build_claims_graph", "prepare_claim"]
