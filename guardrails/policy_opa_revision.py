"""The revision check of the OPA engine: the mark each uploaded module carries, and the `warden.meta` module.

Every module OpaEngine uploads carries a mark (`warden_revision_mark`: the module's name and digest), and one more
module, `package warden.meta`, names the pack's revision only while every mark is present and the data is exactly
as uploaded; `checked` returns the decision beside that revision in one query (guardrails/policy_opa.py).
"""
from __future__ import annotations

import hashlib
import json
import re

from guardrails.policy import REVEAL_FACTS_ENTRYPOINT, PolicyError, PolicySources

META_POLICY_ID = "warden-meta/revision"
"""The revision module, outside POLICY_ID_PREFIX so that a pack's own file can never collide with it."""

CHECKED_PATH = "warden/meta/checked"
REVISION_PATH = "warden/meta/revision"
MARK_RULE = "warden_revision_mark"
UNKNOWN_REVISION = "unknown: this server does not hold the pack Warden uploaded"

_PACKAGE = re.compile(r"^package\s+([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*$", re.MULTILINE)


def module_mark(name: str, text: str) -> str:
    """The mark one module carries on the server: its file name and the digest of its text."""
    return f"{name} sha256:{hashlib.sha256(text.encode()).hexdigest()}"


def module_package(name: str, text: str) -> str:
    """The package a module declares (`warden`, `warden.fast`)."""
    found = _PACKAGE.search(text)
    if not found:
        raise PolicyError(f"{name}: no plain `package a.b` line, so it cannot carry a revision mark")
    return found.group(1)


def marked_modules(sources: PolicySources) -> dict[str, str]:
    """Each module's text as uploaded: unchanged, with its mark appended as a rule of its own package."""
    return {name: f"{text.rstrip()}\n\n# Added by Warden's OpaEngine: the revision check (policy_opa.py).\n"
                  f"{MARK_RULE} contains {json.dumps(module_mark(name, text))} if true\n"
            for name, text in sources.modules.items()}


def meta_module(sources: PolicySources) -> str:
    """`package warden.meta`: `revision` is the pack's digest only while the server holds every mark and the data."""
    if any(not key.isidentifier() for key in sources.data):
        raise PolicyError("data.json: every top-level key must be a plain identifier for the revision check")
    packages = sorted({module_package(name, text) for name, text in sources.modules.items()})
    marks = sorted(module_mark(name, text) for name, text in sources.modules.items())
    collect = "\n".join(f"marks contains m if {{\n\tsome m in data.{package}.{MARK_RULE}\n}}" for package in packages)
    data_checks = "\n".join(f"\tdata[{json.dumps(key)}] == {json.dumps(value, sort_keys=True)}"
                            for key, value in sorted(sources.data.items()))
    return (
        "# Written by Warden's OpaEngine with the pack it uploaded (guardrails/policy_opa.py); do not edit.\n"
        "# `revision` names the pack only while every module's mark is present and the data is as uploaded.\n"
        "package warden.meta\n\nimport rego.v1\n\n"
        f"expected_marks := {{{', '.join(json.dumps(mark) for mark in marks)}}}\n\n"
        f"{collect}\n\n"
        f"default revision := {json.dumps(UNKNOWN_REVISION)}\n\n"
        f"revision := {json.dumps(sources.bundle)} if {{\n"
        "\tmarks == expected_marks\n"
        f"{data_checks}\n"
        "}\n\n"
        # reveal_facts is a partial set, so always defined where the pack has it (the manifest says so)
        + ('checked := {"decision": data.warden.decision, "revision": revision, '
           '"reveal_facts": data.warden.reveal_facts}\n' if asks_reveal_facts(sources) else
           'checked := {"decision": data.warden.decision, "revision": revision}\n')
    )


def asks_reveal_facts(sources: PolicySources) -> bool:
    """Whether the pack's manifest names `warden/reveal_facts` as an entrypoint (as RegopyEngine requires)."""
    manifest = getattr(sources, "manifest", None)
    return manifest is not None and REVEAL_FACTS_ENTRYPOINT in manifest.entrypoints
