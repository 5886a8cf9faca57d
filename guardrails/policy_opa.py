"""The OPA-server policy engine: the same Rego pack and data, evaluated by an Open Policy Agent over HTTP.

Chosen when settings.opa_url is set. Two things make a decision from a remote server trustworthy:

Who may talk to OPA. OPA runs with `--authentication=token --authorization=basic` and deploy/opa/authz.rego:
the gate's token (`WARDEN_OPA_TOKEN`) may only ask for decisions, the operator's token
(`WARDEN_OPA_ADMIN_TOKEN`) may only write the pack. This engine sends the one each request needs.

Which policy OPA holds. Before trusting a decision, the engine checks that OPA still holds the pack it
uploaded (or, without the operator's token, the pack on its own disk). Every uploaded module carries a mark
(`warden_revision_mark`, the module's name and digest) and one more module, `warden.meta`, names the
pack's revision only while every mark is present and the data is exactly as uploaded:

    data.warden.meta.checked == {"decision": data.warden.decision, "revision": revision}

One query returns both, so a decision cannot come from a different policy than the revision beside it. A
revision other than the engine's bundle digest (a module replaced or dropped, data rewritten, a reload half
done) denies the call, logs an error and counts in `revision_mismatches`. This catches drift and a writer
who does not know the scheme; one holding the operator's token can forge anything, which is why only the
policy loader holds it (docs/DEPLOY.md).

Uploads: OPA's REST API has no transaction across modules, so modules go up in passes (one that calls a
function of a module not uploaded yet is retried after it), dropped modules are deleted, and a refused pack
is replaced by the last good one. While a pack is half uploaded the marks do not match: decisions fail closed.
The marks and the revision module are built in guardrails/policy_opa_revision.py.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from guardrails.policy import (
    PolicyError,
    PolicyResult,
    PolicySources,
    default_policy_dir,
    load_sources,
    parse_decision,
)
from guardrails.policy_opa_revision import (
    CHECKED_PATH,
    META_POLICY_ID,
    REVISION_PATH,
    asks_reveal_facts,
    marked_modules,
    meta_module,
)

log = logging.getLogger(__name__)

POLICY_ID_PREFIX = "warden"
"""Modules are stored on the server as warden/<file name>, so a reload replaces them in place."""

_ALARM_EVERY_S = 60.0


class OpaEngine:
    """Evaluates `data.warden.decision` on an OPA server, and only while that server holds the expected pack.

    `token` is the gate's token (decisions), `admin_token` the operator's (uploads); None reads them from the
    process settings (WARDEN_OPA_TOKEN, WARDEN_OPA_ADMIN_TOKEN), "" means none. The engine uploads the pack
    when it holds the operator's token, or when it holds no token at all (an OPA without authentication, as
    in development); holding only the gate's token it uploads nothing and checks that the server holds the
    pack from its own disk, which the policy loader (`python -m guardrails.policy_opa push`) put there.
    """

    name = "opa"

    def __init__(self, url: str, policy_dir: Path | None = None, *, token: str | None = None,
                 admin_token: str | None = None, timeout_s: float = 2.0) -> None:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise PolicyError(f"OPA url {url!r} is not http(s)://host[:port]")
        if token is None or admin_token is None:
            from warden.settings import get_settings

            settings = get_settings()
            token = _secret(settings.opa_token) if token is None else token
            admin_token = _secret(settings.opa_admin_token) if admin_token is None else admin_token
        self.url = url
        self.policy_dir = policy_dir or default_policy_dir()
        self.uploads = bool(admin_token) or not token
        self._query_headers = _bearer(token)
        self._admin_headers = _bearer(admin_token)
        self._http = httpx.Client(base_url=parts.geturl().rstrip("/"), timeout=timeout_s)
        self._lock = threading.Lock()  # one reload at a time; evaluations read the state it leaves
        self._sources: PolicySources | None = None  # the pack the server should hold, when known
        self._reloading = False
        self.bundle = ""
        self.revision_mismatches = 0
        self.last_mismatch: str | None = None
        self._last_alarm = 0.0
        self.reload()

    @classmethod
    def from_settings(cls, settings: Any, policy_dir: Path | None = None) -> OpaEngine:
        """The engine for these settings (opa_url, opa_token, opa_admin_token), rather than the process's."""
        return cls(settings.opa_url, policy_dir, token=_secret(settings.opa_token),
                   admin_token=_secret(settings.opa_admin_token))


    def reload(self) -> None:
        """Puts the pack from disk in force; when the server refuses it, the previous one is put back and
        PolicyError raised. Without the operator's token it only checks that the server holds the new pack."""
        sources = load_sources(self.policy_dir)
        with self._lock:
            self._reloading = True
            try:
                if self.uploads:
                    self._upload(sources)
                else:
                    self._sources, self.bundle = sources, sources.bundle
                    self._verify(sources)
            finally:
                self._reloading = False

    def _upload(self, sources: PolicySources) -> None:
        previous = self._sources
        try:
            self._push(sources)
            self._verify(sources)
        except Exception as exc:  # connection errors, compile errors, HTTP errors: all mean "not this policy"
            self._sources = None
            restored = previous is not None and self._restore(previous)
            if not restored:
                self.bundle = ""
            reason = exc if isinstance(exc, PolicyError) else PolicyError(_short(exc))
            raise PolicyError(f"OPA at {self.url} refused the policy pack: {reason}") from exc
        self._sources = sources
        self.bundle = sources.bundle

    def _restore(self, previous: PolicySources) -> bool:
        try:
            self._push(previous)
        except Exception as exc:
            log.error("OPA at %s: could not put the previous policy back (%s); failing closed", self.url, _short(exc))
            return False
        self._sources = previous
        log.warning("OPA at %s: new policy refused, previous policy %s restored", self.url, previous.bundle[:19])
        return True

    def _push(self, sources: PolicySources) -> None:
        """Data first (the modules refer to it), then modules in passes, the revision module, then stale ones removed."""
        for key, value in sources.data.items():
            if not isinstance(value, dict):
                raise PolicyError(f"data.json: top-level {key!r} must be an object for the OPA data API")
            self._admin("PUT", f"/v1/data/{key}", json=value)
        marked = marked_modules(sources)
        pending = dict(marked)
        while pending:
            failures: dict[str, Exception] = {}
            for name, text in pending.items():
                try:
                    self._put_policy(f"{POLICY_ID_PREFIX}/{name}", text)
                except Exception as exc:
                    failures[name] = exc
            if len(failures) == len(pending):  # no progress: the pack itself is wrong
                name, exc = next(iter(failures.items()))
                raise PolicyError(f"{name}: {_short(exc)}") from exc
            pending = {name: marked[name] for name in failures}
        self._put_policy(META_POLICY_ID, meta_module(sources))
        wanted = {f"{POLICY_ID_PREFIX}/{name}" for name in sources.modules}
        for policy_id in self._policy_texts():
            if policy_id.startswith(f"{POLICY_ID_PREFIX}/") and policy_id not in wanted:
                self._admin("DELETE", f"/v1/policies/{policy_id}")

    def _put_policy(self, policy_id: str, text: str) -> None:
        self._admin("PUT", f"/v1/policies/{policy_id}", content=text.encode(), headers={"Content-Type": "text/plain"})

    def _policy_texts(self) -> dict[str, str]:
        reply = self._admin("GET", "/v1/policies")
        return {item["id"]: item.get("raw", "") for item in reply.get("result") or [] if isinstance(item, dict)}

    def _verify(self, sources: PolicySources) -> None:
        """Raises PolicyError unless the server reports this pack's revision."""
        # the policy loader holds only the operator's token, which may read the revision too
        reply = self._query(REVISION_PATH, {}, self._query_headers or self._admin_headers)
        reported = reply.get("result")
        if reported != sources.bundle:
            self._alarm(reported)
            raise PolicyError(f"OPA at {self.url} holds policy revision {_revision_text(reported)}, "
                              f"not {sources.bundle[:19]}")


    def evaluate(self, input: dict[str, Any]) -> PolicyResult:
        """The decision for one policy input; PolicyError when the server cannot produce one or holds another policy."""
        expected, sources = self.bundle, self._sources
        if sources is None or not expected:
            raise PolicyError(f"OPA at {self.url} holds no known policy (a reload failed); denying")
        reply = self._query(CHECKED_PATH, input)
        checked = reply.get("result")
        if not isinstance(checked, dict) or "decision" not in checked:
            if not self._reloading:  # the revision module is gone, or the pack's decision undefined: both alarming
                self._alarm(None)
            raise PolicyError(f"OPA at {self.url} returned no decision (is the policy loaded?); denying")
        revision = checked.get("revision")
        if revision != expected:
            if self._reloading:
                raise PolicyError(f"OPA at {self.url}: a policy reload is in progress; denying")
            self._alarm(revision)
            raise PolicyError(f"OPA at {self.url} decided with policy revision {_revision_text(revision)}, "
                              f"not {expected[:19]}; denying")
        tool = input.get("tool") if isinstance(input, dict) else None
        result = parse_decision(checked["decision"], reveal_allowed=_declared(sources.data, tool, "reveal"))
        declared = _declared(sources.data, tool, "reveal_facts") if asks_reveal_facts(sources) else []
        if result.decision == "allow" and declared:  # as RegopyEngine: facts only for an allowed call that declares them
            facts = checked.get("reveal_facts")
            if not isinstance(facts, list) or not all(isinstance(f, str) for f in facts) or not set(facts) <= set(declared):
                raise PolicyError("policy returned malformed reveal_facts")
            result.reveal_facts = sorted(facts)
        return result

    def _query(self, path: str, input: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
        try:
            response = self._http.post(f"/v1/data/{path}", json={"input": input},
                                       headers=self._query_headers if headers is None else headers)
        except Exception as exc:
            raise PolicyError(f"OPA at {self.url} failed to evaluate: {_short(exc)}") from exc
        if response.status_code in (401, 403):
            which = "the gate's token (WARDEN_OPA_TOKEN)" if headers is None or headers is self._query_headers \
                else "the operator's token (WARDEN_OPA_ADMIN_TOKEN)"
            raise PolicyError(f"OPA at {self.url} refused {which} ({response.status_code}): "
                              "check it against the digests OPA loaded (deploy/opa/tokens.py)")
        if response.status_code != 200:
            raise PolicyError(f"OPA at {self.url} failed to evaluate: HTTP {response.status_code} {_body(response)}")
        try:
            reply = response.json()
        except ValueError as exc:
            raise PolicyError(f"OPA at {self.url} answered with something other than JSON") from exc
        if not isinstance(reply, dict):
            raise PolicyError(f"OPA at {self.url} answered with something other than a JSON object")
        return reply

    def _admin(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        headers = {**self._admin_headers, **kwargs.pop("headers", {})}
        response = self._http.request(method, path, headers=headers, **kwargs)
        if response.status_code in (401, 403):
            raise PolicyError(f"OPA refused the operator's token on {method} {path} ({response.status_code})")
        if response.status_code >= 300:
            raise PolicyError(f"{method} {path}: HTTP {response.status_code} {_body(response)}")
        return response.json() if response.content else {}


    def _alarm(self, reported: Any) -> None:
        """Counts a revision mismatch; logs it (at most once a minute) and marks the current trace span."""
        self.revision_mismatches += 1
        self.last_mismatch = _revision_text(reported)
        try:
            from opentelemetry import trace

            span = trace.get_current_span()
            span.set_attribute("warden.policy.revision_mismatch", True)
            span.add_event("policy revision mismatch", {"reported": self.last_mismatch, "expected": self.bundle})
        except Exception:  # telemetry never decides anything
            pass
        now = time.monotonic()
        if now - self._last_alarm < _ALARM_EVERY_S and self.revision_mismatches > 1:
            return
        self._last_alarm = now
        log.error("OPA at %s serves policy revision %s, not the expected %s: denying every call until it does "
                  "(%d mismatches so far)%s", self.url, self.last_mismatch, self.bundle[:19] or "(none)",
                  self.revision_mismatches, self._drift_note())

    def _drift_note(self) -> str:
        """Which modules differ from the uploaded ones, when this engine may list them (the operator's token)."""
        if not self._admin_headers and self._query_headers:
            return ""
        sources = self._sources
        if sources is None:
            return ""
        try:
            held = self._policy_texts()
        except Exception:
            return ""
        wanted = {f"{POLICY_ID_PREFIX}/{name}": text for name, text in marked_modules(sources).items()}
        wanted[META_POLICY_ID] = meta_module(sources)
        changed = sorted(pid for pid, text in wanted.items() if held.get(pid) != text)
        extra = sorted(pid for pid in held if pid.startswith(f"{POLICY_ID_PREFIX}/") and pid not in wanted)
        return f"; modules changed or missing: {changed or 'none'}, unexpected: {extra or 'none'}"

    def metrics_lines(self) -> list[str]:
        """Prometheus lines for `/metrics` (register with `serving.health.register_metrics`): the alarm to watch."""
        return [f"warden_policy_revision_mismatches_total {self.revision_mismatches}",
                f"warden_policy_known {1 if self._sources is not None and self.bundle else 0}"]

    def close(self) -> None:
        """Closes the HTTP client."""
        self._http.close()


def push(policy_dir: Path | None = None) -> str:
    """Uploads the pack with the operator's token from the settings; returns its revision (the policy loader)."""
    from warden.settings import get_settings

    settings = get_settings()
    if not settings.opa_url:
        raise PolicyError("OPA_URL is not set")
    if not _secret(settings.opa_admin_token):
        raise PolicyError("pushing the pack needs the operator's token: set WARDEN_OPA_ADMIN_TOKEN")
    engine = OpaEngine.from_settings(settings, policy_dir or settings.policy_dir)
    engine.close()
    return engine.bundle


def _declared(data: dict[str, Any], tool: Any, field: str) -> list[str]:
    """What data.json lets a decision for `tool` reveal (`reveal`: arguments, `reveal_facts`: record facts)."""
    tools = data.get("tools")
    spec = tools.get(tool) if isinstance(tools, dict) and isinstance(tool, str) else None
    listed = spec.get(field) if isinstance(spec, dict) else None
    return [name for name in listed if isinstance(name, str)] if isinstance(listed, list) else []


def _secret(value: Any) -> str:
    return "" if value is None else value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)


def _bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def _revision_text(value: Any) -> str:
    text = "(none)" if value is None else value if isinstance(value, str) else json.dumps(value)
    return text[:19] if text.startswith("sha256:") else text[:80]


def _body(response: httpx.Response) -> str:
    try:
        reply = response.json()
    except ValueError:
        return response.text[:200]
    errors = (reply.get("errors") or [None]) if isinstance(reply, dict) else [None]
    first = errors[0].get("message") if isinstance(errors[0], dict) else None
    return str(first or (reply.get("message") or reply.get("code") if isinstance(reply, dict) else "") or "")[:200]


def _short(exc: BaseException) -> str:
    """One readable clause: connection errors nest several exceptions deep."""
    if isinstance(exc, httpx.ConnectError):
        return "cannot connect (is the OPA server running?)"
    if isinstance(exc, httpx.TimeoutException):
        return "no answer in time"
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"


if __name__ == "__main__":  # the policy loader: `python -m guardrails.policy_opa push [POLICY_DIR]`
    import sys

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per module uploaded is noise
    args = sys.argv[1:]
    if not args or args[0] != "push" or len(args) > 2:
        print("usage: python -m guardrails.policy_opa push [POLICY_DIR]", file=sys.stderr)
        raise SystemExit(2)
    try:
        revision = push(Path(args[1]) if len(args) == 2 else None)
    except PolicyError as exc:
        print(f"policy push: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    print(f"policy pack {revision} in force")
