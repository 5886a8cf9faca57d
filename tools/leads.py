"""`scoring.lead_propensity`: how likely a new lead is to buy, as the `leads` micro service.

A transparent logistic score over a few CRM features (company size, stated budget, site visits, a demo
request, a referral): every weight is here to read, and a score is a pure function of its arguments.
"""
from __future__ import annotations

import math

from nats.aio.client import Client

from warden.settings import Settings
from tools.gate_proof import GateVerifier
from tools.schemas import LeadPropensityArgs, LeadPropensityResult
from tools.service import CallContext, ToolService, ToolSpec

TOOL = "scoring.lead_propensity"
MODEL = "lead-logistic-1"
WEIGHTS = {"employees_log10": 0.6, "budget_k_log10": 1.1, "site_visits": 0.18, "demo_requested": 1.3, "referral": 0.9}
BIAS = -4.2
HIGH, MEDIUM = 0.7, 0.4


def propensity(args: LeadPropensityArgs) -> LeadPropensityResult:
    """The score of one lead; features the model does not know count for nothing."""
    z = BIAS + sum(WEIGHTS[name] * float(value) for name, value in args.features.items() if name in WEIGHTS)
    score = 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))
    band = "high" if score >= HIGH else "medium" if score >= MEDIUM else "low"
    return LeadPropensityResult(lead_id=args.lead_id, score=round(score, 4), band=band, model=MODEL)


async def _score(args: LeadPropensityArgs, ctx: CallContext) -> LeadPropensityResult:
    return propensity(args)


def create_service(nc: Client, settings: Settings, verifier: GateVerifier) -> ToolService:
    """The `leads` micro service (not yet started)."""
    return ToolService(nc, "leads", [ToolSpec(TOOL, LeadPropensityArgs, _score, effectful=False)],
                       verifier=verifier, timeout_s=settings.tool_timeout_s, description=f"Lead scoring ({MODEL})")
