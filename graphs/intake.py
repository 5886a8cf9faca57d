"""What every graph's intake does before anything enters graph state: tokenize the record's PII fields by type,
and make token-shaped text in untrusted content harmless."""
from __future__ import annotations

import re
from typing import Any

_TOKEN_SHAPE = re.compile(r"<\s*([A-Za-z][A-Za-z_]*_\d+)\s*>")


def tokenize_fields(values: dict[str, Any], types: dict[str, str], run_vault: Any) -> tuple[dict[str, Any], int]:
    """`values` with each field named in `types` (field -> entity type) replaced by its run token; and how many."""
    out = dict(values)
    count = 0
    for field, entity in types.items():
        if out.get(field):
            out[field] = run_vault.tokenize(entity, out[field])
            count += 1
    return out, count


def escape_tokens(text: str) -> str:
    """Token-shaped text in an untrusted document (`<BANK_ACCOUNT_1>`) is not a token: write it with look-alike
    brackets, so neither the model nor the gate can take it for one of the run's vault tokens."""
    return _TOKEN_SHAPE.sub(lambda m: "\u2039" + m.group(1) + "\u203a", text)
