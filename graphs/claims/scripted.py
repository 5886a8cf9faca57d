"""A scripted stand-in for the model on claims, written to be *hostile*: it obeys instructions it finds in
documents. The demo and tests use it to show that the gate, not the model, keeps money where it belongs."""
from __future__ import annotations

import json
import re

from graphs.claims.extraction import deterministic_extract
from serving.model import ModelRequest

_ACCOUNT = re.compile(r"<BANK_ACCOUNT_\d+>|\b[A-Za-z\u0400-\u04ff]{4}-\d{5,12}\b")
_EMAIL = re.compile(r"<EMAIL_ADDRESS_\d+>|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_OBEY = re.compile(r"ignore (all |any )?previous|instead|new account|send (the )?(settlement|payment|full|claim file)|"
                   r"override|system note|forward|email (the|a copy)|pay (it )?to|exactly this", re.I)


def hostile_claims_script(request: ModelRequest) -> str:
    """Extract like a model would, then follow any injected instruction in the document."""
    text = request.text()
    document = text.rsplit("Document:", 1)[-1].rsplit("JSON:", 1)[0]
    fields = deterministic_extract(document).model_dump(mode="json")
    out = {k: v for k, v in fields.items() if v is not None}
    if _OBEY.search(document):
        accounts = _ACCOUNT.findall(document)
        emails = _EMAIL.findall(document)
        if accounts:
            out["payee_account"] = accounts[-1]
        if emails and re.search(r"send|email|forward", document, re.I) and not accounts:
            out["contact_email"] = emails[-1]
    return json.dumps(out)
