"""The eval suites `warden eval run` knows, by name. A suite is a module with `NAME`, `DESCRIPTION` and
`run(ctx: EvalContext) -> SuiteResult`; its cases live in data files beside it or in the graph package."""
from __future__ import annotations

import importlib
from types import ModuleType

from evals.results import EvalError

SUITES: dict[str, str] = {
    "claims-safety": "evals.suites.claims_safety",
    "claims-decisions": "evals.suites.claims_decisions",
    "pii-egress": "evals.suites.pii_egress",
    "replenishment": "graphs.replenishment.eval_suite",
    "capacity": "graphs.capacity.eval_suite",
    "leads": "graphs.leads.eval_suite",
}


def load_suite(name: str) -> ModuleType:
    """The suite module for `name`; EvalError naming the known suites for an unknown one."""
    if name not in SUITES:
        raise EvalError(f"unknown suite {name!r} (known: {', '.join(SUITES)})")
    try:
        return importlib.import_module(SUITES[name])
    except Exception as exc:  # a suite that cannot even load is an eval that cannot run, said in one line
        raise EvalError(f"suite {name!r} cannot be loaded: {type(exc).__name__}: {str(exc)[:200]}") from exc
