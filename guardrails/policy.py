"""Policy engines: the Rego pack in guardrails/policies decides allow / deny / require_approval for one tool call.

Two interchangeable engines implement `PolicyEngine`: `RegopyEngine` here (in-process rego-cpp, the default) and
`OpaEngine` (an OPA server, guardrails/policy_opa.py). Both load the same .rego files and data.json.
"""
from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, Field, ValidationError
from regopy import Interpreter, RegoError

if TYPE_CHECKING:
    from agents.settings import Settings

DECISION_ENTRYPOINT = "warden/decision"
"""The rule every engine evaluates: `data.warden.decision`."""

DATA_FILE = "data.json"

FAST_MODULE = "fast_path.rego"
FAST_ENTRYPOINT = "warden/fast/allowed_reveal"
"""The fast path (see fast_path.rego): regopy compiles it as a small bundle of its own and asks it first."""


class PolicyResult(BaseModel):
    """The policy's answer for one call (the gate turns it into a `Decision`)."""

    decision: Literal["allow", "deny", "require_approval"]
    reasons: list[str] = Field(default_factory=list)
    approval_role: str | None = None
    reveal: list[str] = Field(default_factory=list)


class PolicyError(RuntimeError):
    """The policy could not be compiled or evaluated: the gate fails closed on it."""


@runtime_checkable
class PolicyEngine(Protocol):
    """Evaluates the policy input document the gate builds (see CONTRACTS.md and the Rego pack)."""

    name: str
    bundle: str

    def evaluate(self, input: dict[str, Any]) -> PolicyResult: ...


class PolicySources(BaseModel):
    """The policy pack as read from disk: modules by file name, the data document and their digest."""

    modules: dict[str, str]
    data: dict[str, Any]
    bundle: str


def default_policy_dir() -> Path:
    """The policy pack shipped with Warden."""
    return Path(__file__).resolve().parent / "policies"


def load_sources(policy_dir: Path) -> PolicySources:
    """Reads every .rego file except *_test.rego, and data.json; the digest covers exactly what was read."""
    if not policy_dir.is_dir():
        raise PolicyError(f"policy directory {policy_dir} does not exist")
    files = sorted(p for p in policy_dir.glob("*.rego") if not p.name.endswith("_test.rego"))
    if not files:
        raise PolicyError(f"no .rego files in {policy_dir}")
    data_path = policy_dir / DATA_FILE
    if data_path.exists():
        files.append(data_path)
    digest = hashlib.sha256()
    modules: dict[str, str] = {}
    data: Any = {}
    for path in files:
        text = path.read_text(encoding="utf-8")
        digest.update(path.name.encode() + b"\0" + text.encode() + b"\0")
        if path.suffix == ".rego":
            modules[path.name] = text
        else:
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                raise PolicyError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise PolicyError(f"{data_path} must hold a JSON object")
    return PolicySources(modules=modules, data=data, bundle=f"sha256:{digest.hexdigest()}")


def parse_decision(value: Any) -> PolicyResult:
    """Validates the decision document an engine returned; anything else is a policy error."""
    if not isinstance(value, dict):
        raise PolicyError(f"policy returned no decision document (got {type(value).__name__})")
    try:
        return PolicyResult.model_validate(value)
    except ValidationError as exc:
        raise PolicyError(f"policy returned a malformed decision: {exc.errors()[0].get('msg')}") from exc


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " ".join(lines[:3])[:300] or "unknown error"


class _Compiled:
    """One compiled policy: the full bundle, the fast-path bundle if the pack has one, and the interpreter that runs them."""

    def __init__(self, sources: PolicySources) -> None:
        self.sources = sources
        self.full = self._build(sources.modules, DECISION_ENTRYPOINT)
        fast = sources.modules.get(FAST_MODULE)
        self.fast = self._build({FAST_MODULE: fast}, FAST_ENTRYPOINT) if fast else None
        self.runner = Interpreter()

    def _build(self, modules: dict[str, str], entrypoint: str) -> Any:
        try:
            builder = Interpreter()
            for name, text in modules.items():
                builder.add_module(name, text)
            builder.add_data_json(json.dumps(self.sources.data))
            bundle = builder.build(None, [entrypoint])
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
            reveal = None
            if compiled.fast:
                _set_input(runner, _fast_view(input))
                reveal = _query(runner, compiled.fast, FAST_ENTRYPOINT)
            document = None
            if reveal is None:
                _set_input(runner, input)
                document = _query(runner, compiled.full, DECISION_ENTRYPOINT)
        if isinstance(reveal, list) and all(isinstance(name, str) for name in reveal):
            return PolicyResult.model_construct(decision="allow", reasons=[], approval_role=None, reveal=reveal)
        if document is None:
            raise PolicyError("policy decision is undefined")
        return parse_decision(document)


def _fast_view(input: dict[str, Any]) -> dict[str, Any]:
    """The part of the input that fast_path.rego reads (handing rego-cpp fewer nodes is most of the saving).

    Safe by construction: `tool` and `args` are handed over whole (so a negative literal on them sees what
    the full rules see); every other input reference in the fast path is a positive literal, so a field
    missing here can only make the fast path undefined (and the full rules decide), never allow more.
    """
    principal = input.get("principal")
    context = input.get("context")
    provenance = input.get("provenance")
    claim = context.get("claim") if isinstance(context, dict) else None
    view: dict[str, Any] = {key: input[key] for key in ("tool", "known_tool", "args", "state") if key in input}
    if isinstance(principal, dict):
        view["principal"] = {key: principal[key] for key in ("id", "roles") if key in principal}
    if isinstance(claim, dict):
        view["context"] = {"claim": {key: claim[key] for key in ("claim_id", "payee_account_on_file", "claimant_email") if key in claim}}
    if isinstance(provenance, dict) and "payee_account" in provenance:
        view["provenance"] = {"payee_account": provenance["payee_account"]}
    return view


def _query(runner: Any, bundle: Any, entrypoint: str) -> Any:
    """One entrypoint's value, or None when it is undefined.

    The C API directly: regopy's Output wrapper would parse the result twice over.
    """
    from regopy.rego_shared import (
        rego_bundle_query_entrypoint,
        rego_free_output,
        rego_output_ok,
        rego_output_string,
    )

    try:
        out = rego_bundle_query_entrypoint(runner, bundle._impl, entrypoint)
    except RegoError as exc:
        raise PolicyError(f"policy evaluation failed: {_first_line(str(exc))}") from exc
    try:
        ok = rego_output_ok(out)
        text = rego_output_string(out)
    finally:
        rego_free_output(out)
    if not ok:
        raise PolicyError(f"policy evaluation failed: {_first_line(text)}")
    if text == "undefined":
        return None
    try:
        document = json.loads(text, strict=False)
    except json.JSONDecodeError as exc:
        raise PolicyError(f"policy output is not JSON: {exc}") from exc
    expressions = document.get("expressions") if isinstance(document, dict) else None
    return expressions[0] if expressions else None


def _set_input(impl: Any, value: dict[str, Any]) -> None:
    """Hands the input document to rego-cpp, built node by node through its C API.

    About three times faster than rego-cpp parsing JSON text, and the only way whose strings compare as
    OPA's do (parsed JSON text keeps its escapes: "a\\nb" would not count as a line break).
    """
    from regopy import rego_shared as c

    p = c.rego_new_input()
    try:
        _add(c.rego, p, value)
        if c.rego.regoSetInput(impl, p) != 0:
            raise PolicyError(f"policy input refused: {_first_line(c.rego_get_error(impl))}")
    finally:
        c.rego_free_input(p)


_INT64 = 2**63
_INF = float("inf")


def _add(lib: Any, p: Any, v: Any) -> None:
    """Pushes one JSON value onto a rego-cpp input builder (post-order: children, then the container)."""
    t = type(v)
    if t is str:
        if "\0" in v:  # a C string would end there: "ACCT-77812\0x" must not become "ACCT-77812"
            raise PolicyError("policy input holds a NUL character")
        code = lib.regoInputString(p, v.encode())
    elif t is dict:
        item = lib.regoInputObjectItem
        for key, value in v.items():
            if type(key) is not str or "\0" in key:
                raise PolicyError("policy input has a key that is not a plain string")
            lib.regoInputString(p, key.encode())
            _add(lib, p, value)
            item(p)
        code = lib.regoInputObject(p, len(v))
    elif v is None:
        code = lib.regoInputNull(p)
    elif t is bool:
        code = lib.regoInputBoolean(p, v)
    elif t is float:
        if v != v or v == _INF or v == -_INF:
            raise PolicyError("policy input holds a number that is not finite")
        code = lib.regoInputFloat(p, v)
    elif t is int:
        if -_INT64 <= v < _INT64:
            code = lib.regoInputInt(p, v)
        else:  # beyond int64: the nearest float still compares right against every limit
            try:
                code = lib.regoInputFloat(p, float(v))
            except OverflowError as exc:
                raise PolicyError("policy input holds a number too large to judge") from exc
    elif t is list or t is tuple:
        for value in v:
            _add(lib, p, value)
        code = lib.regoInputArray(p, len(v))
    elif isinstance(v, (str, int, float, dict, list)):  # subclasses (str enums and the like): their JSON value
        _add(lib, p, json.loads(json.dumps(v)))
        return
    else:
        raise PolicyError(f"policy input holds a {t.__name__}, not JSON")
    if code != 0:
        raise PolicyError("rego-cpp refused a policy input value")


def load_engine(settings: Settings) -> PolicyEngine:
    """The engine the settings ask for: an OPA server when opa_url is set, else in-process regopy."""
    policy_dir = settings.policy_dir or default_policy_dir()
    if settings.opa_url:
        from guardrails.policy_opa import OpaEngine

        return OpaEngine(settings.opa_url, policy_dir)
    return RegopyEngine(policy_dir)
