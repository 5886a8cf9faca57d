"""The OPA-server policy engine: the same Rego pack and data, evaluated by an Open Policy Agent over HTTP.

Chosen when settings.opa_url is set. At start it uploads every module and the data document, so the
server decides exactly what the in-process regopy engine would; the bundle digest is the same.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from guardrails.policy import (
    DECISION_ENTRYPOINT,
    PolicyError,
    PolicyResult,
    default_policy_dir,
    load_sources,
    parse_decision,
)

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
        self.bundle = ""
        self.reload()

    def reload(self) -> None:
        """Uploads the pack from disk: data first (the modules refer to it), then every module."""
        sources = load_sources(self.policy_dir)
        try:
            with self._lock:
                for key, value in sources.data.items():
                    if not isinstance(value, dict):
                        raise PolicyError(f"data.json: top-level {key!r} must be an object for the OPA data API")
                    self._client.update_or_create_data(value, key)
                for name, text in sources.modules.items():
                    self._client.update_policy_from_string(text, f"{POLICY_ID_PREFIX}/{name}", rego_compat=False)
        except PolicyError:
            raise
        except Exception as exc:  # connection errors, RegoParseError, HTTP errors: all mean "no policy"
            raise PolicyError(f"OPA at {self.url} refused the policy pack: {_short(exc)}") from exc
        self.bundle = sources.bundle

    def evaluate(self, input: dict[str, Any]) -> PolicyResult:
        """The decision for one policy input; PolicyError when the server cannot produce one."""
        try:
            with self._lock:
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
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
