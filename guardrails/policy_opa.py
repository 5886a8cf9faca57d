"""The OPA-server policy engine: the same Rego pack and data, evaluated by an Open Policy Agent over HTTP.

Chosen when settings.opa_url is set. At start it uploads every module and the data document, so the
server decides exactly what the in-process regopy engine would; the bundle digest is the same.

OPA's REST API has no transaction across modules, so a reload is made safe here: modules go up in passes
(one that refers to a function of a module not uploaded yet is retried after it), modules this pack no
longer has are deleted, and when the new pack is refused the last good one is put back. If even that
fails, the server's policy is unknown and every evaluation fails closed until a reload succeeds.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from guardrails.policy import (
    DECISION_ENTRYPOINT,
    PolicyError,
    PolicyResult,
    PolicySources,
    default_policy_dir,
    load_sources,
    parse_decision,
)

log = logging.getLogger(__name__)

POLICY_ID_PREFIX = "warden"
"""Modules are stored on the server as warden/<file name>, so a reload replaces them in place."""


class OpaEngine:
    """Evaluates `data.warden.decision` on an OPA server through opa-python-client."""

    name = "opa"

    def __init__(self, url: str, policy_dir: Path | None = None, *, timeout_s: float = 2.0) -> None:
        from opa_client.opa import OpaClient

        parts = urlsplit(url if "://" in url else f"http://{url}")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise PolicyError(f"OPA url {url!r} is not http(s)://host[:port]")
        self.url = url
        self.policy_dir = policy_dir or default_policy_dir()
        self._client = OpaClient(
            host=parts.hostname,
            port=parts.port or (443 if parts.scheme == "https" else 8181),
            ssl=parts.scheme == "https",
            timeout=timeout_s,
            retries=1,
        )
        self._lock = threading.Lock()  # requests.Session is not documented as thread-safe
        self._sources: PolicySources | None = None  # the pack the server holds, when known
        self.bundle = ""
        self.reload()

    def reload(self) -> None:
        """Uploads the pack from disk; when the server refuses it, the previous pack is put back and PolicyError raised."""
        sources = load_sources(self.policy_dir)
        with self._lock:
            previous = self._sources
            try:
                self._push(sources)
            except Exception as exc:  # connection errors, RegoParseError, HTTP errors: all mean "not this policy"
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
        """Data first (the modules refer to it), then modules in passes, then stale modules removed."""
        for key, value in sources.data.items():
            if not isinstance(value, dict):
                raise PolicyError(f"data.json: top-level {key!r} must be an object for the OPA data API")
            self._client.update_or_create_data(value, key)
        pending = dict(sources.modules)
        while pending:
            failures: dict[str, Exception] = {}
            for name, text in pending.items():
                try:
                    self._client.update_policy_from_string(text, f"{POLICY_ID_PREFIX}/{name}", rego_compat=False)
                except Exception as exc:
                    failures[name] = exc
            if len(failures) == len(pending):  # no progress: the pack itself is wrong
                name, exc = next(iter(failures.items()))
                raise PolicyError(f"{name}: {_short(exc)}") from exc
            pending = {name: sources.modules[name] for name in failures}
        wanted = {f"{POLICY_ID_PREFIX}/{name}" for name in sources.modules}
        for policy_id in self._client.get_policies_list():
            if policy_id.startswith(f"{POLICY_ID_PREFIX}/") and policy_id not in wanted:
                self._client.delete_policy(policy_id)

    def evaluate(self, input: dict[str, Any]) -> PolicyResult:
        """The decision for one policy input; PolicyError when the server cannot produce one."""
        with self._lock:
            if self._sources is None:
                raise PolicyError(f"OPA at {self.url} holds no known policy (a reload failed); denying")
            try:
                reply = self._client.query_rule(input, DECISION_ENTRYPOINT)
            except Exception as exc:
                raise PolicyError(f"OPA at {self.url} failed to evaluate: {_short(exc)}") from exc
        if not isinstance(reply, dict) or "result" not in reply:
            raise PolicyError("OPA returned no decision (is the policy loaded?)")
        return parse_decision(reply["result"])

    def close(self) -> None:
        """Closes the HTTP session."""
        self._client.close_connection()


def _short(exc: BaseException) -> str:
    """One readable clause: requests' connection errors nest three exceptions deep."""
    import requests

    if isinstance(exc, requests.exceptions.ConnectionError):
        return "cannot connect (is the OPA server running?)"
    if isinstance(exc, requests.exceptions.Timeout):
        return "no answer in time"
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
