# Fast path: the common, plainly allowed call, decided by one conjunction per kind of tool.
#
# Why: rego-cpp spends a few microseconds on every literal it evaluates, and the full rule set
# (every deny reason of every tool) costs several hundred; this small package costs about a hundred
# and the regopy engine compiles it as a bundle of its own. It is defined only when the call is
# allowed outright; otherwise `decision` in decision.rego falls back to the full rules.
# Rule: every condition here is at least as strict as the full rules (the fast path may miss an
# allowed call, never allow a denied one). tests/guardrails/test_policy_rules.py checks that the
# full rules give the same answer on every case.
package warden.fast

import rego.v1

# Defined only for a call allowed outright; its value is the list of arguments to reveal.
# (decision.rego wraps it into the decision document; the regopy engine does the same in Python,
# because building the object in rego-cpp costs more than the check itself.)
allowed_reveal := data.tools[input.tool].reveal if allow

# Tools without argument rules: access is all there is.
allow if {
	not input.tool in {"payments.issue", "notifications.send", "provisioning.reserve"}
	access_ok
}

# An automatic payment. `amount > 0` and `amount <= limit` together admit numbers only
# (Rego orders strings, arrays and objects above numbers).
allow if {
	input.tool == "payments.issue"
	access_ok
	p := input.args
	c := input.context.claim
	cfg := data.payments
	p.amount > 0
	p.amount <= cfg.auto_approval_limit
	p.currency in cfg.currencies
	is_string(c.payee_account_on_file)
	p.claim_id == c.claim_id
	p.payee_account == c.payee_account_on_file
	input.provenance.payee_account in cfg.trusted_payee_provenance
	input.state.claim_paid_total + p.amount <= cfg.claim_total_limit
	input.state.claim_fraud_band in {"low", "unscored"}
}

# An email to the claimant's own address on file. Exact equality (stricter than the full rule's
# case-insensitive match) and an address pattern without `%`, separators or spaces, so none of the
# recipient rules can object; the subject must be one line of printable text.
allow if {
	input.tool == "notifications.send"
	access_ok
	a := input.args
	a.channel == "email"
	some role in input.principal.roles
	role in data.notifications.channels.email.roles
	is_string(input.context.claim.claimant_email)
	a.to == input.context.claim.claimant_email
	regex.match(`^[A-Za-z0-9._+-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$`, a.to)
	is_string(a.subject)
	not regex.match(`[[:cntrl:]]|%0[aAdD]`, a.subject)
}

# access.rego as one conjunction. A role only grants tools listed in data.tools (a data test checks it).
access_ok if {
	input.known_tool == true
	input.principal.id != ""
	is_string(input.principal.id)
	some role in input.principal.roles
	input.tool in data.roles[role].tools
	data.kill_switch == {"all": false, "tools": []}
	input.state.calls_last_minute < data.rate_limit.calls_per_minute
}
