"""The models `warden eval run --model M` can name: the shipped scripted model, a deliberately worse one (to show
that a quality drop is caught), any script function by import path, or a real model through the settings.

`scripted` and `scripted-sloppy` run no inference: they are stand-ins with known behaviour, so a change in the
numbers is a change in the graph, the gate or the policy, never the weather."""
from __future__ import annotations

import importlib
import json
import re
from typing import Any, Callable

from evals.results import EvalError

_FIRST_MONEY = re.compile(r"(?:\$|USD|US\$|€|EUR|£|GBP)\s?\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?:\$|USD|US\$|€|EUR|£|GBP)\s?\d+(?:\.\d+)?",
                          re.I)


def sloppy_claims_script(request: Any) -> str:
    """A worse extractor on purpose: it leaves out the incident date, calls every claim `auto`, and reports the
    first money figure of the document instead of the amount claimed (grounded in the text, so the graph's checks
    accept it)."""
    from graphs.claims.scripted import hostile_claims_script

    out = json.loads(hostile_claims_script(request))
    out.pop("incident_date", None)
    out["claim_type"] = "auto"
    document = request.text().rsplit("Document:", 1)[-1].rsplit("JSON:", 1)[0]
    first = _FIRST_MONEY.search(document)
    if first:
        out["amount"] = float(re.sub(r"[^\d.]", "", first.group(0)))
    return json.dumps(out)


def _script(name: str) -> Callable[[Any], str]:
    if name == "scripted":
        from graphs.claims.scripted import hostile_claims_script

        return hostile_claims_script
    if name == "scripted-sloppy":
        return sloppy_claims_script
    module, _, attr = name.partition(":")
    try:
        fn = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise EvalError(f"model {name!r}: cannot import the script ({type(exc).__name__}: {exc})") from exc
    if not callable(fn):
        raise EvalError(f"model {name!r} is not a callable script")
    return fn


def build_model(name: str) -> tuple[Any | None, str]:
    """(model instance or None, settings llm). None means the runtime builds the model the settings name
    (`local`, or a LiteLLM model name), which may need a server or a GPU."""
    if name == "scripted" or name == "scripted-sloppy" or ":" in name:
        from serving.accounting import AccountingModel
        from serving.scripted import ScriptedModel

        return AccountingModel(ScriptedModel(_script(name), name=name), backend="scripted"), "scripted"
    return None, name
