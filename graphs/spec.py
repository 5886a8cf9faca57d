"""What a graph package declares so that Warden can run it: one value, `PACKAGE`, exported by the package.

The runtime, the gate and the CLI know a *kind* of thing (a `GraphPackage`), never a particular graph: the
application reads these declarations from the registry (graphs/registry.py) and hands each component the part
it needs (the runtime its triggers, builders and summaries; the gate its record views and fact checks).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from graphs.ports import GraphDeps
from guardrails.records import FactCheck, RecordSpec, RecordView, no_record

Prepare = Callable[[str, dict[str, Any], Any, Any], dict[str, Any]]
"""(run_id, opened event, intake vault, redactor) -> the graph's input, PII already tokenized. Raise
ValidationError or ValueError on a bad event: the run fails as `invalid_event`."""

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
_TRIGGER = re.compile(r"^events\.[a-z0-9_]+(\.[a-z0-9_]+)*$")
RESERVED_SUBJECT_PREFIXES = ("events.approvals.", "events.records.", "events.deadletter", "events.keyed.")
"""Subjects under events. that belong to Warden itself (approval answers, the quarantine), never a trigger."""


class PackageError(ValueError):
    """A graph package that cannot be registered (bad name, trigger, or a name already taken)."""


def count_calls(values: dict[str, Any]) -> dict[str, Any]:
    """The part of every run summary the runtime can compute for any graph that logs its calls in `calls`."""
    calls = values.get("calls") or []
    return {
        "calls": calls,
        "allowed": sum(c.get("decision") == "allow" for c in calls),
        "denied": sum(c.get("decision") == "deny" for c in calls),
        "awaiting": sum(c.get("decision") == "require_approval" for c in calls),
        "reasons": values.get("reasons", []),
        "pending": values.get("pending", {}),
    }


def no_outcome_key(values: dict[str, Any]) -> str | None:
    return None


@dataclass(frozen=True)
class GraphPackage:
    """One graph, everything about it, in one place.

    `name` becomes the bus user `rt-<name>`, the gate subjects `gate.<name>.call.<tool>` and the run ids
    `run-<name>-<seq>`. `trigger` is the subject (under `events.`) whose events start runs; only the `ingest`
    user may publish it, so what its events say is a fact the gate reads back from the stream.
    """

    name: str
    trigger: str
    key_field: str
    build: Callable[[GraphDeps], Any]
    prepare: Prepare
    record_view: RecordView = no_record
    """The stored event -> what the policy reads as `input.context` (trusted fields only, never free text)."""
    record_name: str = "run"
    tools: tuple[str, ...] | None = None
    """The tools the graph calls: the gate denies a run of this graph any other (None: what the policy grants)."""
    fact_checks: Mapping[str, FactCheck] = field(default_factory=dict)
    """Tool -> which of its arguments must equal facts of the run's record (the gate denies a call that differs)."""
    summary: Callable[[dict[str, Any]], dict[str, Any]] = count_calls
    """A run's final state -> what a caller may see of it (no document text: decisions and counts)."""
    outcome_key: Callable[[dict[str, Any]], str | None] = no_outcome_key
    """A run's state -> its business key, so an outcome reached on resume is announced under it."""
    clear_fields: tuple[str, ...] = ()
    """Event fields the ingest edge leaves unsealed (besides `key_field`, which routes the event)."""
    samples: Path | None = None
    """Sample events (JSONL) that `warden demo --graph <name>` publishes."""
    sample_noun: str = "events"
    scripted: Callable[[Any], str] | None = None
    """The script of `--llm scripted`'s model for this graph (a hostile one: the gate, not the prompt, must hold)."""
    print_table: Callable[[list[dict[str, Any]], dict[str, Any], Any, TextIO], dict[str, Any]] | None = None
    """(samples, outcomes by key, the running Warden, out) -> totals: the demo's table for this graph."""
    print_totals: Callable[[dict[str, Any], TextIO], None] | None = None
    uses_model: bool = True
    """False for a graph that never asks the model (deterministic code and tools): its demo needs no LLM."""

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise PackageError(f"graph name {self.name!r} must match {_NAME.pattern}")
        if not _TRIGGER.match(self.trigger) or self.trigger.startswith(RESERVED_SUBJECT_PREFIXES):
            raise PackageError(f"trigger {self.trigger!r} of graph {self.name!r} must be a subject under events. "
                               f"outside {', '.join(RESERVED_SUBJECT_PREFIXES)}")
        if not self.key_field:
            raise PackageError(f"graph {self.name!r} names no key field")
        undeclared = sorted(set(self.fact_checks) - set(self.tools)) if self.tools is not None else []
        if undeclared:
            raise PackageError(f"graph {self.name!r} checks tools it does not declare: {', '.join(undeclared)}")

    @property
    def record_spec(self) -> RecordSpec:
        """What the gate needs to read this graph's runs."""
        return RecordSpec(self.trigger, self.key_field, self.record_view, self.record_name, dict(self.fact_checks),
                          frozenset(self.tools) if self.tools is not None else None)
