"""`scoring.demand_forecast`: expected daily unit sales of a SKU, as the `demand` micro service.

The model (tools/demand_model.py) loads its shipped coefficients (tools/demand_model.json), or, without them, trains
from its seeded synthetic history off the event loop (deterministic, about two seconds, nothing downloaded). A
forecast is a pure function of its arguments.
"""
from __future__ import annotations

import asyncio
import threading

import numpy as np
from nats.aio.client import Client

from tools.demand_model import MAX_HORIZON, MIN_HISTORY, MODEL_NAME, DemandModel, trained
from tools.errors import InvalidToolArgs
from tools.gate_proof import GateVerifier
from tools.schemas import DemandForecastArgs, DemandForecastResult
from tools.service import CallContext, ToolService, ToolSpec
from warden.settings import Settings

TOOL = "scoring.demand_forecast"
_train_lock = threading.Lock()


def _model() -> DemandModel:
    with _train_lock:  # two first calls at once train once
        return trained()


def forecast(args: DemandForecastArgs) -> DemandForecastResult:
    """The forecast of one SKU; a history too short or a horizon too long is a typed error, not a guess."""
    if len(args.history) < MIN_HISTORY * 2:
        raise InvalidToolArgs(f"invalid arguments for {TOOL}: history: needs at least {MIN_HISTORY * 2} days")
    if args.horizon > MAX_HORIZON:
        raise InvalidToolArgs(f"invalid arguments for {TOOL}: horizon: at most {MAX_HORIZON} days")
    if any(not np.isfinite(v) or v < 0 for v in args.history):
        raise InvalidToolArgs(f"invalid arguments for {TOOL}: history: daily sales must be finite and not negative")
    model = _model()
    days = model.forecast(args.history, args.promo_days[:args.horizon], args.horizon)
    level = float(np.mean(args.history[-MIN_HISTORY:]))
    return DemandForecastResult(sku=args.sku, forecast=[round(float(d), 3) for d in days], total=round(float(days.sum()), 3),
                                daily_error_sd=round(model.relative_error_sd * level, 3), model=MODEL_NAME)


async def _forecast(args: DemandForecastArgs, ctx: CallContext) -> DemandForecastResult:
    return await asyncio.to_thread(forecast, args)


def create_service(nc: Client, settings: Settings, verifier: GateVerifier) -> ToolService:
    """The `demand` micro service (not yet started). The model loads (or trains) now, in the background, so the
    first call does not wait for it within the gate's tool timeout."""
    threading.Thread(target=_model, name="demand-model-training", daemon=True).start()
    return ToolService(nc, "demand", [ToolSpec(TOOL, DemandForecastArgs, _forecast, effectful=False)],
                       verifier=verifier, timeout_s=settings.tool_timeout_s,
                       description=f"Demand forecasting ({MODEL_NAME})")
