"""The policy pack's manifest: which modules it must have, their digests, the rules they define, how each tool is judged.

A pack that compiles is not necessarily the pack that was reviewed: with payments.rego deleted, or cut down to
`package warden`, the rest still compiles and every payment rule is silently gone. guardrails/policies/manifest.json
pins the reviewed pack, and `load_sources` (guardrails/policy.py) refuses any pack that differs from it, at start
and on every hot reload (the running policy stays in force):

- `modules`: every .rego file, no more and no fewer, each with its sha256 and the rules it must define
  (`deny`/`needs_approval` contributions, the decision, the fast rules). Digests change with any edit.
- `tools`: every tool in data.json's `tools`, and only those, declared with the module that judges its
  arguments (`null`: access rules only) and its fast-path rule (`null`: always the full rules). A judging
  module must name the tool (`"payments.issue"`) and define `deny`; only an access-only tool may be `plain`,
  and fast_path.rego's `plain_tools` must list exactly the tools declared `plain` (checked by the regopy
  engine, which compiles the fast path). So a tool added to data.json is refused until someone says how it is
  judged, and it is never fast-pathed by default.
- `entrypoints`: the documents an engine asks for (`warden/decision`).
- `data`: dotted paths that data.json must define. data.json itself is not pinned: operators change limits
  and the kill switch without a review of the rules.

After reviewing a change to a rule, write the new digests with
`python -m guardrails.policy_manifest update [DIR]` (refuses a module that lost a rule it must define, a
removed module unless `--remove`, and an undeclared tool); `python -m guardrails.policy_manifest check [DIR]`
verifies without writing.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

MANIFEST_FILE = "manifest.json"

CONTRIBUTIONS = ("deny", "needs_approval")
"""The rules a module adds to (decision.rego): what `update` records for a module new to the manifest."""


class ManifestError(ValueError):
    """The pack does not match its manifest, or the manifest is unreadable (policy.py raises it as PolicyError)."""


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class ModuleEntry(_Strict):
    """One required module: its digest and the rules it must define."""

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    rules: list[str]


class ToolEntry(_Strict):
    """How one tool is judged: the module with its argument rules (None: access only) and its fast rule."""

    module: str | None
    fast: str | None


class Manifest(_Strict):
    """manifest.json."""

    format: Literal[1]
    entrypoints: list[str]
    modules: dict[str, ModuleEntry]
    tools: dict[str, ToolEntry]
    data: list[str]


def decode_json_strict(text: str, *, what: str = "document") -> Any:
    """json.loads that refuses duplicate keys (json keeps the last one silently), NaN and Infinity."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise ManifestError(f"{what} has the key {key[:40]!r} twice")
            out[key] = value
        return out

    def constant(name: str) -> Any:
        raise ManifestError(f"{what} holds {name}, which is not JSON")

    try:
        return json.loads(text, object_pairs_hook=pairs, parse_constant=constant, strict=False)
    except json.JSONDecodeError as exc:
        raise ManifestError(f"{what} is not valid JSON: {exc}") from exc


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def read_manifest(policy_dir: Path) -> Manifest:
    """The manifest of a pack folder; ManifestError when it is missing or malformed."""
    path = policy_dir / MANIFEST_FILE
    if not path.is_file():
        raise ManifestError(f"{path} is missing: a pack must list its modules (python -m guardrails.policy_manifest update)")
    return parse_manifest(path.read_text(encoding="utf-8"))


def parse_manifest(text: str) -> Manifest:
    try:
        return Manifest.model_validate(decode_json_strict(text, what=MANIFEST_FILE))
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ())) or "manifest"
        raise ManifestError(f"{MANIFEST_FILE}: {where}: {err.get('msg')}") from exc


def defined_rules(text: str) -> set[str]:
    """Names of the rules and functions a module defines: every rule head starts a line in this pack's style."""
    heads = re.finditer(r"^(?:default\s+)?([a-z_][A-Za-z0-9_]*)\b\s*(?:contains\b|:=|=|if\b|\(|\[|\{|$)", text, re.M)
    keywords = {"package", "import", "else"}
    return {m.group(1) for m in heads if m.group(1) not in keywords}


def check_pack(manifest: Manifest, modules: dict[str, str], data: dict[str, Any]) -> None:
    """Raises ManifestError unless the modules and data are the pack the manifest describes."""
    problems: list[str] = []
    missing = sorted(set(manifest.modules) - set(modules))
    extra = sorted(set(modules) - set(manifest.modules))
    problems += [f"{name} is required by {MANIFEST_FILE} but missing" for name in missing]
    problems += [f"{name} is not in {MANIFEST_FILE}" for name in extra]
    for name, entry in manifest.modules.items():
        if name not in modules:
            continue
        if sha256_text(modules[name]) != entry.sha256:
            problems.append(f"{name} differs from the digest in {MANIFEST_FILE}")
        lost = sorted(set(entry.rules) - defined_rules(modules[name]))
        if lost:
            problems.append(f"{name} does not define {', '.join(lost)}")
    problems += _tool_problems(manifest, modules, data)
    problems += [f"data.json has no {path}" for path in manifest.data if not _has_path(data, path)]
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise ManifestError("policy pack does not match its manifest: " + "; ".join(problems[:3]) + more)


def _tool_problems(manifest: Manifest, modules: dict[str, str], data: dict[str, Any]) -> list[str]:
    tools = data.get("tools") if isinstance(data.get("tools"), dict) else {}
    problems = [f"tool {name} is in data.json but not declared in {MANIFEST_FILE}" for name in sorted(set(tools) - set(manifest.tools))]
    problems += [f"tool {name} is declared in {MANIFEST_FILE} but not in data.json" for name in sorted(set(manifest.tools) - set(tools))]
    for name, entry in manifest.tools.items():
        if entry.module is not None:
            text = modules.get(entry.module)
            if entry.module not in manifest.modules or text is None:
                problems.append(f"tool {name} is judged by {entry.module}, which the pack does not have")
            elif f'"{name}"' not in text or "deny" not in defined_rules(text):
                problems.append(f"{entry.module} must name tool {name} and define deny for it")
        if entry.fast == "plain" and entry.module is not None:
            problems.append(f"tool {name} has argument rules in {entry.module}: it cannot be fast-pathed as plain")
        if entry.fast not in (None, "plain") and (entry.module is None or entry.fast != fast_rule_name(name)):
            problems.append(f"tool {name}: fast rule must be null, plain or {fast_rule_name(name)} (with a module)")
    return problems


def fast_rule_name(tool: str) -> str:
    """The fast_path.rego rule for a tool with argument rules: payments.issue -> payments_issue."""
    return tool.replace(".", "_")


def _has_path(data: Any, path: str) -> bool:
    node = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def plain_tools(manifest: Manifest) -> frozenset[str]:
    """The tools the manifest lets the fast path judge on access alone."""
    return frozenset(name for name, entry in manifest.tools.items() if entry.fast == "plain")


def pack_modules(policy_dir: Path) -> dict[str, str]:
    """Every .rego module of a pack folder except tests, by file name."""
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(policy_dir.glob("*.rego")) if not p.name.endswith("_test.rego")}


def update_manifest(policy_dir: Path, *, remove: bool = False) -> Manifest:
    """Rewrites manifest.json for the modules on disk (new digests; a new module is added with the contributions
    it defines) and returns it. Refuses what only a person should decide: a module that lost a rule it must define,
    a module that is gone (unless `remove`), a tool without a declaration."""
    current = read_manifest(policy_dir)
    modules = pack_modules(policy_dir)
    data = decode_json_strict((policy_dir / "data.json").read_text(encoding="utf-8"), what="data.json")
    gone = sorted(set(current.modules) - set(modules))
    if gone and not remove:
        raise ManifestError(f"{', '.join(gone)} listed in {MANIFEST_FILE} but gone: pass --remove if that is intended")
    entries: dict[str, ModuleEntry] = {}
    for name, text in modules.items():
        defined = defined_rules(text)
        rules = current.modules[name].rules if name in current.modules else [r for r in CONTRIBUTIONS if r in defined]
        entries[name] = ModuleEntry(sha256=sha256_text(text), rules=rules)
    manifest = current.model_copy(update={"modules": entries})
    check_pack(manifest, modules, data if isinstance(data, dict) else {})
    staged = policy_dir / f".{MANIFEST_FILE}.new"  # a watcher polling meanwhile never reads half a manifest
    staged.write_text(render(manifest), encoding="utf-8")
    os.replace(staged, policy_dir / MANIFEST_FILE)
    return manifest


def render(manifest: Manifest) -> str:
    """manifest.json text: stable key order, one module or tool per line, so a review diff shows what changed."""
    lines = ["{", f'  "format": {manifest.format},', f'  "entrypoints": {json.dumps(manifest.entrypoints)},', '  "modules": {']
    rows = [f'    {json.dumps(name)}: {json.dumps(entry.model_dump())}' for name, entry in sorted(manifest.modules.items())]
    lines += [",\n".join(rows), "  },", '  "tools": {']
    rows = [f'    {json.dumps(name)}: {json.dumps(entry.model_dump())}' for name, entry in sorted(manifest.tools.items())]
    lines += [",\n".join(rows), "  },", f'  "data": {json.dumps(manifest.data)}', "}"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m guardrails.policy_manifest", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("check", "update"))
    parser.add_argument("policy_dir", nargs="?", type=Path, help="pack folder (default: the shipped guardrails/policies)")
    parser.add_argument("--remove", action="store_true", help="update: drop modules that are gone from the folder")
    args = parser.parse_args(argv)
    from guardrails.policy import PolicyError, RegopyEngine, default_policy_dir

    policy_dir = args.policy_dir or default_policy_dir()
    try:
        if args.command == "update":
            update_manifest(policy_dir, remove=args.remove)
        engine = RegopyEngine(policy_dir)  # the full check: manifest, compile, fast path
    except (ManifestError, PolicyError) as exc:
        print(f"policy manifest: {exc}", file=sys.stderr)
        return 1
    print(f"policy ok: {engine.bundle} (fast path {engine.fast_path})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
