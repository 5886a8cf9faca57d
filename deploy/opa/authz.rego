# Who may use the OPA server's own API: OPA runs with --authentication=token --authorization=basic and asks
# this module, data.system.authz.allow, before serving any request.
#
# input (built by OPA for every request): identity is the bearer token, path the URL path split on "/"
# (/v1/data/warden/decision -> ["v1", "data", "warden", "decision"]), method the HTTP method.
#
# Tokens are never written here. data.system.warden_tokens comes from a file mounted as a secret
# (`opa run ... system.warden_tokens:/run/secrets/opa_tokens.json`) and holds only SHA-256 digests:
#   {"gate": ["<sha256 hex of the gate's token>"], "operator": ["<sha256 hex of the operator's token>"]}
# Each role takes a list so a token can be rotated without downtime (old and new both valid until the old
# one is removed; see docs/DEPLOY.md). deploy/opa/tokens.py writes the tokens and this file.
package system.authz

import rego.v1

default allow := false

# The gate: asks for decisions, nothing else. It can neither read the policy nor the data it is made of.
allow if {
	is_gate
	gate_request
}

# The operator (the policy loader): writes the pack. It cannot touch data.system (where these tokens live).
allow if {
	is_operator
	operator_request
}

is_gate if crypto.sha256(input.identity) in data.system.warden_tokens.gate

is_operator if crypto.sha256(input.identity) in data.system.warden_tokens.operator

# decision: the parity test and tooling; meta.checked: the decision with the revision it came from (what the
# gate asks); meta.revision: which pack the server holds (what the gate checks at start).
decision_paths := {
	["v1", "data", "warden", "decision"],
	["v1", "data", "warden", "meta", "checked"],
	["v1", "data", "warden", "meta", "revision"],
}

gate_request if {
	input.method in {"GET", "POST"}
	input.path in decision_paths
}

gate_request if {
	input.method == "GET"
	input.path == ["health"]
}

# PUT/DELETE /v1/policies/<id>, and GET /v1/policies to find modules a new pack dropped.
operator_request if {
	input.method in {"PUT", "DELETE"}
	input.path[0] == "v1"
	input.path[1] == "policies"
	count(input.path) > 2
	not empty_segment
}

operator_request if {
	input.method == "GET"
	input.path == ["v1", "policies"]
}

# PUT /v1/data/<document>: the pack's data, anywhere but under data.system.
operator_request if {
	input.method == "PUT"
	input.path[0] == "v1"
	input.path[1] == "data"
	count(input.path) > 2
	input.path[2] != "system"
	not empty_segment
}

operator_request if {
	input.method == "GET"
	input.path == ["health"]
}

# The loader confirms that the pack it pushed is the one in force.
operator_request if {
	input.method in {"GET", "POST"}
	input.path == ["v1", "data", "warden", "meta", "revision"]
}

# "/v1/data/" or "/v1/data//system" would name the root document (and with it data.system), and
# "/v1/policies//policy/authz.rego" the modules OPA loaded from files at start, this one included.
empty_segment if "" in input.path
