"""A stand-in for an OPA server's REST API, for testing `OpaEngine`'s side of the wire where no OPA runs.

No OPA binary installs from the registries this project can reach, so this serves the part of OPA's v1 API
the engine uses (policies list/put/delete, data put/delete, data query with input) over real HTTP, and
evaluates with rego-cpp. It checks the protocol and the engine's reload/rollback logic, not OPA's Rego
semantics: `test_opa_engine_decides_like_regopy` does that against a real OPA when OPA_URL is set.

Like OPA, a module is compiled together with every other module when it is put, and refused with HTTP 400
(nothing stored) when that fails; a query of an undefined document answers `{}`.

`OpaStandIn(tokens={"gate": ..., "operator": ...})` serves like `opa run --authentication=token
--authorization=basic` with deploy/opa/authz.rego: every request is first judged by `data.system.authz.allow`,
compiled with the uploaded modules and with the tokens' SHA-256 digests at `data.system.warden_tokens` (as
compose mounts them), on the input OPA builds (`identity` from `Authorization: Bearer`, `method`, `path` split
on "/"); a refusal is HTTP 401 with OPA's body.
"""
from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from regopy import Interpreter, RegoError
from regopy.rego_shared import rego_free_output, rego_output_string, rego_query

from guardrails.policy import _set_input

AUTHZ_POLICY = Path(__file__).resolve().parents[2] / "deploy" / "opa" / "authz.rego"


class OpaStandIn:
    """`with OpaStandIn() as opa:` serves on 127.0.0.1 at `opa.url`; `opa.requests` logs (method, path)."""

    def __init__(self, tokens: dict[str, str | list[str]] | None = None) -> None:
        self.modules: dict[str, str] = {}
        self.data: dict[str, Any] = {}
        self.authz: dict[str, Any] | None = None  # data.system when authorization is on
        if tokens is not None:
            self.authz = {"warden_tokens": {role: [hashlib.sha256(t.encode()).hexdigest()
                                                   for t in ([given] if isinstance(given, str) else given)]
                                            for role, given in tokens.items()}}
        self.requests: list[tuple[str, str]] = []
        self.refused: list[tuple[str, str]] = []
        self.refuse_puts = False  # set to make every policy PUT fail with 500, as a broken server would
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> OpaStandIn:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _compile(self, modules: dict[str, str]) -> str | None:
        try:
            interp = self._interpreter(modules)
            interp.query("true")
        except RegoError as exc:
            return str(exc).splitlines()[0] if str(exc) else "compile error"
        return None

    def _interpreter(self, modules: dict[str, str]) -> Interpreter:
        interp = Interpreter()
        if self.authz is not None:  # OPA compiles the startup files with the uploaded modules
            interp.add_module("/policy/authz.rego", AUTHZ_POLICY.read_text())
        for name, text in modules.items():
            interp.add_module(name, text)
        data = dict(self.data)
        if self.authz is not None:
            data["system"] = {**self.authz, **(data.get("system") or {})}
        interp.add_data_json(json.dumps(data))
        return interp

    def authorized(self, method: str, raw_path: str, authorization: str | None) -> bool:
        """`data.system.authz.allow` for this request, on the input OPA's basic authorizer builds."""
        if self.authz is None:
            return True
        # as OPA: the URL path is decoded (%2F becomes "/"), split on "/", and each part unescaped again
        input: dict[str, Any] = {"method": method, "path": [unquote(p) for p in unquote(raw_path)[1:].split("/")]}
        if authorization and authorization.startswith("Bearer "):
            input["identity"] = authorization.removeprefix("Bearer ")
        with self._lock:
            return self._query("system/authz/allow", input).get("result") is True

    def _query(self, path: str, input: Any) -> dict[str, Any]:
        interp = self._interpreter(self.modules)
        if input is not None:
            _set_input(interp._impl, input)
        ref = "data" + "".join(f'["{part}"]' for part in path.split("/") if part)
        out = rego_query(interp._impl, ref)
        try:
            text = rego_output_string(out)
        finally:
            rego_free_output(out)
        if text == "undefined":
            return {}
        value = json.loads(text)["expressions"][0]
        return {"result": value}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _reply(self, status: int, body: dict[str, Any] | None = None) -> None:
                raw = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _route(self, method: str) -> None:
                path = self.path.split("?", 1)[0]
                standin.requests.append((method, path))
                if not standin.authorized(method, path, self.headers.get("Authorization")):
                    standin.refused.append((method, path))
                    self._body()
                    self._reply(401, {"code": "unauthorized", "message": "request rejected by administrative policy"})
                    return
                with standin._lock:
                    if path.startswith("/v1/policies"):
                        self._policies(method, path.removeprefix("/v1/policies").strip("/"))
                    elif path.startswith("/v1/data"):
                        self._data(method, path.removeprefix("/v1/data").strip("/"))
                    else:
                        self._reply(404, {"code": "resource_not_found", "message": path})

            def _policies(self, method: str, policy_id: str) -> None:
                if method == "GET" and not policy_id:
                    self._reply(200, {"result": [{"id": i, "raw": t} for i, t in standin.modules.items()]})
                elif method == "PUT" and policy_id:
                    if standin.refuse_puts:
                        self._reply(500, {"code": "internal_error", "message": "storage unavailable"})
                        return
                    candidate = {**standin.modules, policy_id: self._body().decode()}
                    error = standin._compile(candidate)
                    if error:
                        self._reply(400, {"code": "invalid_parameter",
                                          "message": "error(s) occurred while compiling module(s)",
                                          "errors": [{"code": "rego_compile_error", "message": error}]})
                        return
                    standin.modules = candidate
                    self._reply(200, {})
                elif method == "DELETE" and policy_id in standin.modules:
                    del standin.modules[policy_id]
                    self._reply(200, {})
                else:
                    self._reply(404, {"code": "resource_not_found", "message": f"storage_not_found_error: policy id {policy_id!r}"})

            def _data(self, method: str, path: str) -> None:
                parts = [p for p in path.split("/") if p]
                if method == "PUT" and len(parts) == 1:
                    standin.data[parts[0]] = json.loads(self._body())
                    self._reply(204)
                elif method == "DELETE" and len(parts) == 1 and parts[0] in standin.data:
                    del standin.data[parts[0]]
                    self._reply(204)
                elif method == "POST":
                    document = json.loads(self._body() or b"{}")
                    self._reply(200, standin._query(path, document.get("input")))
                else:
                    self._reply(404, {"code": "resource_not_found", "message": path})

            def do_GET(self) -> None:
                self._route("GET")

            def do_PUT(self) -> None:
                self._route("PUT")

            def do_POST(self) -> None:
                self._route("POST")

            def do_DELETE(self) -> None:
                self._route("DELETE")

        return Handler
