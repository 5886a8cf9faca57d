"""Which graphs exist, and how each turns an event into its (redacted) input."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphs.claims_intake import ClaimEvent, redact_claim
from graphs.claims_triage import GRAPH as CLAIMS, build_claims_graph
from graphs.ports import GraphDeps


@dataclass(frozen=True)
class GraphSpec:
    name: str
    build: Callable[[GraphDeps], Any]
    prepare: Callable[[str, dict[str, Any], Any, Any], dict[str, Any]]


def _prepare_claim(run_id: str, payload: dict[str, Any], vault: Any, redactor: Any) -> dict[str, Any]:
    event = ClaimEvent.model_validate({k: v for k, v in payload.items() if not k.startswith("_")})
    record, document, count = redact_claim(event, vault.for_run(run_id), redactor)
    return {"run_id": run_id, "claim": record, "document": document, "intake_redactions": count, "reasons": [], "calls": []}


GRAPHS: dict[str, GraphSpec] = {CLAIMS: GraphSpec(CLAIMS, build_claims_graph, _prepare_claim)}
