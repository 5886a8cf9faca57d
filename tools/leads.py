"""`scoring.lead_propensity`: how likely a new lead is to buy, as the `leads` micro service.

A logistic regression trained on a seeded synthetic CRM set (tools/lead_scoring/, model card there) over a few
CRM features (company size, stated budget, site visits, a demo request, a referral); its coefficients ship as
readable JSON, and a score is a pure function of its arguments.
"""
from __future__ import annotations

from functools import lru_cache

from nats.aio.client import Client

from warden.settings import Settings
from tools.gate_proof import GateVerifier
from tools.lead_scoring.model import LeadModel, band_for, load
from tools.schemas import LeadPropensityArgs, LeadPropensityResult
from tools.service import CallContext, ToolService, ToolSpec

TOOL = "scoring.lead_propensity"


@lru_cache(maxsize=1)
def _model() -> LeadModel:
    return load()


def propensity(args: LeadPropensityArgs) -> LeadPropensityResult:
    """The score of one lead; features the model does not know count for nothing."""
    model = _model()
    score = model.score(args.features)
    return LeadPropensityResult(lead_id=args.lead_id, score=round(score, 4), band=band_for(score), model=model.version)


async def _score(args: LeadPropensityArgs, ctx: CallContext) -> LeadPropensityResult:
    return propensity(args)


def create_service(nc: Client, settings: Settings, verifier: GateVerifier) -> ToolService:
    """The `leads` micro service (not yet started)."""
    return ToolService(nc, "leads", [ToolSpec(TOOL, LeadPropensityArgs, _score, effectful=False)],
                       verifier=verifier, timeout_s=settings.tool_timeout_s, description=f"Lead scoring ({_model().version})")
