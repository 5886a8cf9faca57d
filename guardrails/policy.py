"""Policy engines: the Rego pack in guardrails/policies decides allow / deny / require_approval for one tool call.

Two interchangeable engines implement `PolicyEngine`: `RegopyEngine` here (in-process rego-cpp, the default) and
`OpaEngine` (an OPA server, guardrails/policy_opa.py). Both load the same pack through `load_sources`, which
refuses a pack that does not match its manifest.json (guardrails/policy_manifest.py), and decide
`data.warden.decision`, whose document is parsed strictly (guardrails/policy_decision.py: duplicate keys, unknown
fields, wrong types are a PolicyError, so the gate denies). `RegopyEngine` first asks the fast_path.rego rule the
manifest names for the tool (on a trimmed input), which answers the common allowed call in a quarter of the time;
it is used only while its `covers` digest matches the rule modules, so a rule added later is never bypassed.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pydantic import BaseModel
from regopy import Interpreter, RegoError
from regopy import rego_shared as _c

from guardrails.policy_decision import (
    DECISION_ENTRYPOINT,
    REVEAL_FACTS_ENTRYPOINT,
    PolicyError,
    PolicyResult,
    parse_decision,
)
from guardrails.policy_manifest import (
    MANIFEST_FILE,
    Manifest,
    ManifestError,
    check_pack,
    decode_json_strict,
    defined_rules,
    pack_modules,
    plain_tools,
    read_manifest,
)
from guardrails.policy_fast_data import fast_data
from guardrails.rego_input import RegoInputError, set_input

if TYPE_CHECKING:
    from warden.settings import Settings

log = logging.getLogger(__name__)

DATA_FILE = "data.json"

FAST_MODULE = "fast_path.rego"
FAST_RULES = ("plain", "payments_issue", "notifications_send")
FAST_COVERS = "warden/fast/covers"
FAST_PLAIN_TOOLS = "warden/fast/plain_tools"
"""The fast path's rules (see fast_path.rego): regopy compiles them as a small bundle of its own and asks the
one the manifest names for the tool at hand first (`payments.issue` -> `payments_issue`, an access-only tool the
manifest declares `plain` -> `plain`); a tool the manifest gives no fast rule always goes to the full rules."""


@runtime_checkable
class PolicyEngine(Protocol):
    """Evaluates the policy input document the gate builds (see CONTRACTS.md and the Rego pack)."""

    name: str
    bundle: str

    def evaluate(self, input: dict[str, Any]) -> PolicyResult: ...


class PolicySources(BaseModel):
    """The policy pack as read from disk and checked against its manifest: modules by file name, the data
    document, the manifest and their digest."""

    modules: dict[str, str]
    data: dict[str, Any]
    bundle: str
    manifest: Manifest | None = None


def default_policy_dir() -> Path:
    """The policy pack shipped with Warden."""
    return Path(__file__).resolve().parent / "policies"


def load_sources(policy_dir: Path) -> PolicySources:
    """Reads every .rego file except *_test.rego, data.json and manifest.json; refuses a pack that does not match its
    manifest (a module missing, added, changed or without a rule it must define; see guardrails/policy_manifest.py).
    The digest covers exactly what was read."""
    if not policy_dir.is_dir():
        raise PolicyError(f"policy directory {policy_dir} does not exist")
    modules = pack_modules(policy_dir)
    if not modules:
        raise PolicyError(f"no .rego files in {policy_dir}")
    data_path = policy_dir / DATA_FILE
    manifest_path = policy_dir / MANIFEST_FILE
    try:
        data_text = data_path.read_text(encoding="utf-8") if data_path.exists() else None
        data = decode_json_strict(data_text, what=str(data_path)) if data_text is not None else {}
        if not isinstance(data, dict):
            raise PolicyError(f"{data_path} must hold a JSON object")
        manifest = read_manifest(policy_dir)
        check_pack(manifest, modules, data)
    except ManifestError as exc:
        raise PolicyError(str(exc)) from exc
    digest = hashlib.sha256()
    texts = [*modules.items()]
    if data_text is not None:
        texts.append((DATA_FILE, data_text))
    texts.append((MANIFEST_FILE, manifest_path.read_text(encoding="utf-8")))
    for name, text in texts:
        digest.update(name.encode() + b"\0" + text.encode() + b"\0")
    return PolicySources(modules=modules, data=data, bundle=f"sha256:{digest.hexdigest()}", manifest=manifest)


def rules_digest(modules: dict[str, str]) -> str:
    """The digest of every module but the fast path: what fast_path.rego's `covers` must name to be used."""
    digest = hashlib.sha256()
    for name in sorted(modules):
        if name != FAST_MODULE:
            digest.update(name.encode() + b"\0" + modules[name].encode() + b"\0")
    return f"sha256:{digest.hexdigest()}"


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " ".join(lines[:3])[:300] or "unknown error"


class _Compiled:
    """One compiled policy: the full bundle, the fast-path bundle if the pack has one, and the interpreter that runs them."""

    def __init__(self, sources: PolicySources) -> None:
        self.sources = sources
        manifest = sources.manifest
        entrypoints = list(manifest.entrypoints) if manifest else [DECISION_ENTRYPOINT]
        if DECISION_ENTRYPOINT not in entrypoints:
            raise PolicyError(f"the manifest's entrypoints must include {DECISION_ENTRYPOINT}")
        self.full = self._build(sources.modules, entrypoints)
        self.runner = Interpreter()
        tools = sources.data.get("tools")
        self.reveal: dict[str, list[str]] = {
            name: spec["reveal"] for name, spec in (tools.items() if isinstance(tools, dict) else ())
            if isinstance(spec, dict) and isinstance(spec.get("reveal"), list)
            and all(isinstance(arg, str) for arg in spec["reveal"])
        }
        self.reveal_facts: dict[str, list[str]] = {
            name: spec["reveal_facts"] for name, spec in (tools.items() if isinstance(tools, dict) else ())
            if isinstance(spec, dict) and isinstance(spec.get("reveal_facts"), list)
            and all(isinstance(arg, str) for arg in spec["reveal_facts"])
            and manifest is not None and REVEAL_FACTS_ENTRYPOINT in manifest.entrypoints
        }
        # The pack must decide: an empty input (no tool, no principal) is a well-formed deny.
        probe = parse_decision(_query(self.runner._impl, self.full, DECISION_ENTRYPOINT, {}))
        if probe.decision != "deny":
            raise PolicyError(f"the pack does not deny an empty request (it answers {probe.decision})")
        self.fast: Any = None
        self.fast_rules: dict[str, str] = {}
        self.fast_status = f"off: the pack has no {FAST_MODULE}"
        fast = sources.modules.get(FAST_MODULE)
        if fast and manifest is None:
            self.fast_status = f"off: the pack has no {MANIFEST_FILE} naming each tool's fast rule"
        elif fast:
            self._compile_fast(fast, manifest)

    def _compile_fast(self, fast: str, manifest: Manifest) -> None:
        """The fast-path bundle, used only while `covers` matches the rules; the tools it may answer, from the manifest."""
        wanted = {name: entry.fast for name, entry in manifest.tools.items() if entry.fast and name in self.reveal}
        missing = set(wanted.values()) - (set(FAST_RULES) & defined_rules(fast))
        if missing:
            raise PolicyError(f"{MANIFEST_FILE} names fast rules that {FAST_MODULE} does not define or the engine "
                              f"does not know: {', '.join(sorted(missing))}")
        bundle = self._build({FAST_MODULE: fast}, [f"warden/fast/{rule}" for rule in (*FAST_RULES, "covers", "plain_tools")],
                             data=fast_data(fast, self.sources.data))
        listed = _query(self.runner._impl, bundle, FAST_PLAIN_TOOLS, {})
        if sorted(listed or []) != sorted(plain_tools(manifest)):
            raise PolicyError(f"{FAST_MODULE} plain_tools and the tools {MANIFEST_FILE} declares plain differ: "
                              f"{', '.join(sorted(set(listed or []) ^ plain_tools(manifest)))}")
        covered = _query(self.runner._impl, bundle, FAST_COVERS, {})
        rules = rules_digest(self.sources.modules)
        if covered == rules:
            self.fast, self.fast_status = bundle, "on"
            self.fast_rules = {tool: f"warden/fast/{rule}" for tool, rule in wanted.items()}
        else:
            self.fast_status = (f"off: the rules changed since {FAST_MODULE} was checked against them "
                                f"(it covers {covered}); review it, then set covers := \"{rules}\"")
            log.warning("policy fast path %s", self.fast_status)

    def fast_entrypoint(self, tool: Any) -> str | None:
        """The fast rule the manifest names for this tool, or None: the full rules decide (a tool is never
        fast-pathed by default)."""
        if self.fast is None or not isinstance(tool, str):
            return None
        return self.fast_rules.get(tool)

    def _build(self, modules: dict[str, str], entrypoints: list[str], data: dict[str, Any] | None = None) -> Any:
        try:
            builder = Interpreter()
            for name, text in modules.items():
                builder.add_module(name, text)
            builder.add_data_json(json.dumps(self.sources.data if data is None else data))
            bundle = builder.build(None, entrypoints)
        except RegoError as exc:
            raise PolicyError(f"policy does not compile: {_first_line(str(exc))}") from exc
        if not bundle.ok():
            raise PolicyError("policy does not compile")
        bundle._builder = builder  # the builder must outlive its bundle
        return bundle


class RegopyEngine:
    """In-process Rego with rego-cpp: compiled once into bundles, then evaluated per call (thread-safe)."""

    name = "regopy"

    def __init__(self, policy_dir: Path | None = None) -> None:
        self.policy_dir = policy_dir or default_policy_dir()
        self._lock = threading.Lock()  # an interpreter holds its input between set and query
        self._compiled = _Compiled(load_sources(self.policy_dir))

    @property
    def bundle(self) -> str:
        return self._compiled.sources.bundle

    @property
    def fast_path(self) -> str:
        """"on", or "off: <why>" (see fast_path.rego's `covers`)."""
        return self._compiled.fast_status

    def reload(self) -> None:
        """Recompiles from disk; on failure the old policy stays in force and PolicyError is raised."""
        compiled = _Compiled(load_sources(self.policy_dir))
        with self._lock:
            self._compiled = compiled

    def evaluate(self, input: dict[str, Any]) -> PolicyResult:
        """The decision for one policy input; PolicyError when the policy cannot produce one."""
        if not isinstance(input, dict):
            raise PolicyError("policy input must be a JSON object")
        with self._lock:
            compiled = self._compiled
            runner = compiled.runner._impl
            tool = input.get("tool")
            entrypoint = compiled.fast_entrypoint(tool)
            if entrypoint:
                answer = _query(runner, compiled.fast, entrypoint, _fast_view(input))
                if answer is True:
                    reveal = list(compiled.reveal[tool])
                    return PolicyResult.model_construct(decision="allow", reasons=[], approval_role=None, reveal=reveal,
                                                        reveal_facts=self._facts(compiled, runner, tool, input))
                if answer is not None and answer is not False:  # a fast rule is a boolean or undefined
                    raise PolicyError(f"fast rule {entrypoint} answered a {type(answer).__name__}, not a boolean")
            document = _query(runner, compiled.full, DECISION_ENTRYPOINT, input)
            if document is None:
                raise PolicyError("policy decision is undefined")
            result = parse_decision(document, reveal_allowed=compiled.reveal.get(tool, []) if isinstance(tool, str) else [])
            if result.decision == "allow":
                result.reveal_facts = self._facts(compiled, runner, tool, input)
        return result

    def fast_path_allows(self, input: dict[str, Any]) -> bool:
        """Whether the fast rule alone allows this input (benchmarks check they measure what they say they do)."""
        with self._lock:
            compiled = self._compiled
            entrypoint = compiled.fast_entrypoint(input.get("tool"))
            return bool(entrypoint) and _query(compiled.runner._impl, compiled.fast, entrypoint, _fast_view(input)) is True

    @staticmethod
    def _facts(compiled: "_Compiled", runner: Any, tool: Any, input: dict[str, Any]) -> list[str]:
        """For an allowed call of a tool that declares `reveal_facts`: which of them the policy grants here."""
        declared = compiled.reveal_facts.get(tool) if isinstance(tool, str) else None
        if not declared:
            return []
        answer = _query(runner, compiled.full, REVEAL_FACTS_ENTRYPOINT, input)
        if answer is None:
            return []
        if not isinstance(answer, list) or not all(isinstance(f, str) for f in answer) or not set(answer) <= set(declared):
            raise PolicyError("policy returned malformed reveal_facts")
        return sorted(answer)


_FAST_CLAIM_FIELDS = {
    "payments.issue": ("claim_id", "payee_account_on_file"),
    "notifications.send": ("claimant_email",),
}
_FAST_PAYMENT_ARGS = ("claim_id", "currency", "payee_account")
_RATE_FIELDS = ("calls_last_minute", "key_calls_last_minute", "fleet_calls_last_minute")
_FAST_STATE_FIELDS = {"payments.issue": (*_RATE_FIELDS, "claim_paid_minor", "claim_currencies", "claim_fraud_band")}


def _fast_view(input: dict[str, Any]) -> dict[str, Any]:
    """The part of the input that the tool's fast rule reads (handing rego-cpp fewer nodes saves a third).

    Safe by construction: `tool` and `args` are handed over whole (so a negative literal on them sees what
    the full rules see), except a payment's `amount`, which its rule never reads (it reads the gate's exact
    `money`); every other input reference in the fast path is a positive literal, so a field missing here can
    only make the fast path undefined (and the full rules decide), never allow more.
    """
    tool = input.get("tool")
    view: dict[str, Any] = {key: input[key] for key in ("tool", "known_tool", "args") if key in input}
    args = view.get("args")
    if tool == "payments.issue" and isinstance(args, dict):
        view["args"] = {key: args[key] for key in _FAST_PAYMENT_ARGS if key in args}
    principal = input.get("principal")
    if isinstance(principal, dict):
        view["principal"] = {key: principal[key] for key in ("id", "roles") if key in principal}
    state = input.get("state")
    if isinstance(state, dict):
        fields = _FAST_STATE_FIELDS.get(tool, _RATE_FIELDS)
        view["state"] = {key: state[key] for key in fields if key in state}
    context = input.get("context")
    claim = context.get("claim") if isinstance(context, dict) else None
    if isinstance(claim, dict) and tool in _FAST_CLAIM_FIELDS:
        view["context"] = {"claim": {key: claim[key] for key in _FAST_CLAIM_FIELDS[tool] if key in claim}}
    if tool == "payments.issue":
        provenance = input.get("provenance")
        if isinstance(provenance, dict) and "payee_account" in provenance:
            view["provenance"] = {"payee_account": provenance["payee_account"]}
        if "money" in input:
            view["money"] = input["money"]
    return view


_TRUE_OUTPUT = '{"expressions":[true]}'


def _query(runner: Any, bundle: Any, entrypoint: str, input: dict[str, Any]) -> Any:
    """One entrypoint's value for this input, or None when it is undefined.

    The C API directly: regopy's Output wrapper would parse the result twice over.
    """
    _set_input(runner, input)
    out = _c.rego.regoBundleQueryEntrypoint(runner, bundle._impl, entrypoint.encode())
    if not out:
        raise PolicyError(f"policy evaluation failed: {_first_line(_c.rego_get_error(runner))}")
    try:
        ok = _c.rego.regoOutputOk(out)
        text = _c.rego_output_string(out)
    except RegoError as exc:
        raise PolicyError(f"policy output unreadable: {_first_line(str(exc))}") from exc
    finally:
        _c.rego.regoFreeOutput(out)
    if not ok:
        raise PolicyError(f"policy evaluation failed: {_first_line(text)}")
    if text == "undefined":
        return None
    if text == _TRUE_OUTPUT:  # the fast path's answer: no JSON to parse
        return True
    try:  # duplicate keys refused: rego-cpp writes input strings unescaped, and json would keep the last key
        document = decode_json_strict(text, what="policy output")
    except ManifestError as exc:
        raise PolicyError(str(exc)) from exc
    if not isinstance(document, dict) or set(document) != {"expressions"}:
        raise PolicyError("policy output is not one result")
    expressions = document["expressions"]
    if not isinstance(expressions, list) or len(expressions) != 1:
        raise PolicyError("policy output is not one result")
    return expressions[0]


def _set_input(impl: Any, value: dict[str, Any]) -> None:
    """Hands the input document to rego-cpp (guardrails/rego_input.py); a value it cannot take is a PolicyError."""
    try:
        set_input(impl, value)
    except RegoInputError as exc:
        raise PolicyError(str(exc)) from exc


def load_engine(settings: Settings) -> PolicyEngine:
    """The engine the settings ask for: an OPA server when opa_url is set, else in-process regopy."""
    policy_dir = settings.policy_dir or default_policy_dir()
    if settings.opa_url:
        from guardrails.policy_opa import OpaEngine

        return OpaEngine(settings.opa_url, policy_dir)
    return RegopyEngine(policy_dir)
