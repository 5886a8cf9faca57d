"""Walking a tool call's nested arguments: which strings to analyse (by path), and the same tree with some of
them replaced. The redactor decides what to replace; this module only knows the shape of JSON-like values."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guardrails.redaction_fields import TOKEN


def string_leaves(value: Any, path: str, skip: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """(path, text) for every non-blank string under `value` that is not already a whole token, paths such as
    `args.body` or `args.items[0]`; a path in `skip` and everything under it is passed over."""
    leaves: list[tuple[str, str]] = []

    def collect(item: Any, where: str) -> None:
        if where in skip:
            return
        if isinstance(item, str):
            if item.strip() and not TOKEN.fullmatch(item.strip()):
                leaves.append((where, item))
        elif isinstance(item, dict):
            for k, v in item.items():
                collect(v, f"{where}.{k}")
        elif isinstance(item, (list, tuple)):
            for n, v in enumerate(item):
                collect(v, f"{where}[{n}]")

    collect(value, path)
    return leaves


def with_replaced(value: Any, path: str, replaced: Mapping[str, str]) -> Any:
    """A copy of `value` in which the strings at the paths of `replaced` are swapped for theirs."""
    if path in replaced:
        return replaced[path]
    if isinstance(value, dict):
        return {k: with_replaced(v, f"{path}.{k}", replaced) for k, v in value.items()}
    if isinstance(value, list):
        return [with_replaced(v, f"{path}[{n}]", replaced) for n, v in enumerate(value)]
    if isinstance(value, tuple):
        return tuple(with_replaced(v, f"{path}[{n}]", replaced) for n, v in enumerate(value))
    return value


def all_strings(value: Any) -> list[str]:
    """Every string under `value`, in order."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in all_strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in all_strings(v)]
    return []
