"""`scoring.fraud_risk`: the trained fraud model served as the `scoring` micro service.

The artefact is loaded once, at start, off the event loop; scoring itself is a single batched
predict (well under 5 ms), so it runs inline.
"""
from __future__ import annotations

import asyncio

from nats.aio.client import Client

from warden.settings import Settings
from tools.fraud.model import FraudModel, load_or_retrain
from tools.schemas import FraudRiskArgs, FraudRiskResult
from tools.gate_proof import GateVerifier
from tools.service import CallContext, ToolService, ToolSpec

TOOL = "scoring.fraud_risk"


class FraudScorer:
    """Scores claims with one loaded model."""

    def __init__(self, model: FraudModel) -> None:
        self.model = model

    async def score(self, args: FraudRiskArgs, ctx: CallContext) -> FraudRiskResult:
        return self.model.score(args)


async def create_service(nc: Client, settings: Settings, verifier: GateVerifier) -> ToolService:
    """The `scoring` micro service (not yet started), with the model already loaded."""
    model = await asyncio.to_thread(load_or_retrain, settings.data_dir)
    scorer = FraudScorer(model)
    return ToolService(nc, "scoring", [ToolSpec(TOOL, FraudRiskArgs, scorer.score, effectful=False)],
                       verifier=verifier, timeout_s=settings.tool_timeout_s,
                       description=f"Risk scoring ({model.version})")
