# `opa test deploy/opa`: who may do what on OPA's API. rego-cpp crashes on `with`, so without an OPA the
# same table runs through tests/security/test_opa_locked.py::test_authz_table (and this file through
# tests/guardrails/test_policy_engines.py -m opa when an `opa` binary is on PATH).
package system.authz_test

import rego.v1

import data.system.authz

tokens := {
	"gate": [crypto.sha256("gate-token")],
	"operator": [crypto.sha256("operator-token")],
}

allowed(identity, method, path) if {
	authz.allow with input as {"identity": identity, "method": method, "path": path}
		with data.system.warden_tokens as tokens
}

refused(identity, method, path) if not allowed(identity, method, path)

test_the_gate_asks_for_decisions if {
	allowed("gate-token", "POST", ["v1", "data", "warden", "meta", "checked"])
	allowed("gate-token", "POST", ["v1", "data", "warden", "decision"])
	allowed("gate-token", "POST", ["v1", "data", "warden", "meta", "revision"])
	allowed("gate-token", "GET", ["health"])
}

test_the_gate_neither_writes_nor_reads_the_policy if {
	refused("gate-token", "PUT", ["v1", "policies", "warden", "payments.rego"])
	refused("gate-token", "DELETE", ["v1", "policies", "warden", "payments.rego"])
	refused("gate-token", "PUT", ["v1", "data", "payments"])
	refused("gate-token", "GET", ["v1", "policies"])
	refused("gate-token", "GET", ["v1", "data", "payments"])
	refused("gate-token", "POST", ["v1", "data"])
	refused("gate-token", "POST", ["v1", "data", "system", "warden_tokens"])
	refused("gate-token", "POST", ["v1", "query"])
}

test_the_operator_writes_the_pack if {
	allowed("operator-token", "PUT", ["v1", "policies", "warden", "payments.rego"])
	allowed("operator-token", "DELETE", ["v1", "policies", "warden", "extra.rego"])
	allowed("operator-token", "GET", ["v1", "policies"])
	allowed("operator-token", "PUT", ["v1", "data", "payments"])
	allowed("operator-token", "POST", ["v1", "data", "warden", "meta", "revision"])
}

test_the_operator_cannot_touch_the_tokens_the_root_or_startup_files if {
	refused("operator-token", "PUT", ["v1", "data", "system"])
	refused("operator-token", "PUT", ["v1", "data", "system", "warden_tokens"])
	refused("operator-token", "PUT", ["v1", "data", ""])
	refused("operator-token", "PUT", ["v1", "data"])
	refused("operator-token", "PUT", ["v1", "data", "", "system"])
	refused("operator-token", "PUT", ["v1", "policies", "", "policy", "authz.rego"])
	refused("operator-token", "POST", ["v1", "data", "warden", "decision"])
	refused("operator-token", "DELETE", ["v1", "data", "payments"])
}

test_nobody_else_anything if {
	refused("guessed", "POST", ["v1", "data", "warden", "decision"])
	refused("guessed", "GET", ["health"])
	not authz.allow with input as {"method": "GET", "path": ["health"]} with data.system.warden_tokens as tokens
	not authz.allow with input as {"method": "POST", "path": ["v1", "data", "warden", "decision"]}
		with data.system.warden_tokens as tokens
}
