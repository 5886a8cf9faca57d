"""What of a call's arguments the tool sees in clear and what the record keeps, after the policy decided.

The redactor applies its own time budget (`Redactor.budget_s`) to every call; a refusal raises
`RedactionRefused`, which the gate turns into a deny.
"""
from __future__ import annotations

from typing import Any

from guardrails.vault import TOKEN


def redact_for_record(redactor: Any, args: dict[str, Any], reveal: list[str],
                      vault: Any) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Tokenize what stays hidden; an argument the tool receives in clear gets a typed placeholder in the
    record instead of a vault entry (it would only be resolved again)."""
    shown = [f"args.{name}" for name in reveal if name in args]
    return redactor.redact_args(args, vault=vault, placeholders=shown)  # one analysis for all the arguments


def reveal_facts(forwarded: dict[str, Any], facts: list[str], context: dict[str, Any], vault: Any) -> dict[str, Any]:
    """Inside text arguments, the tokens that stand for a record fact the policy let through (the claimant's own
    name to the claimant) become the value; every other token stays a token."""
    values = {(context.get("claim") or {}).get(fact) for fact in facts} - {None, ""}
    if not values:
        return forwarded

    def clear(match) -> str:
        value = vault.resolve(match.group(0))
        return value if value in values else match.group(0)

    return {k: TOKEN.sub(clear, v) if isinstance(v, str) and "<" in v else v for k, v in forwarded.items()}
