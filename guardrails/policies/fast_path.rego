# Fast path: the common, plainly allowed call, decided by one conjunction per kind of tool.
#
# Why: rego-cpp spends a few microseconds on every literal it evaluates, and the full rule set
# (every deny reason of every tool) costs several hundred; one conjunction here costs about a hundred.
# The regopy engine asks only the rule for the tool at hand (entrypoints warden/fast/plain,
# warden/fast/payments_issue, warden/fast/notifications_send) on a trimmed copy of the input, and falls
# back to `data.warden.decision` when it is undefined. OPA does not use this package.
#
# Rule: every condition here is at least as strict as the full rules (the fast path may miss an
# allowed call, never allow a denied one). tests/guardrails/test_policy_rules.py checks that the
# full rules give the same answer on every case. Because a deny rule added to the pack later would
# not be seen here, `covers` names the digest of the other modules this file was checked against:
# when they change, the engine turns the fast path off (and `warden policy check` says so, with the
# new digest to put here once this file has been reviewed against the change).
package warden.fast

import rego.v1

covers := "sha256:1d3e2dead1497ac6e57e334b4cf3a99c0ed4435ca4ec295a8359f70d75421692"

# Defined only for a call allowed outright (for tests and readers: the engine asks the rules below).
allow if plain

allow if payments_issue

allow if notifications_send

# Tools without argument rules: access is all there is.
plain if {
	not input.tool in {"payments.issue", "notifications.send", "provisioning.reserve"}
	access_ok
}

# An automatic payment. `amount > 0` and `amount <= limit` together admit numbers only
# (Rego orders strings, arrays and objects above numbers). The hottest rule of the pack, so access_ok is
# written out in it (a rule call costs rego-cpp about as much as three literals).
payments_issue if {
	input.tool == "payments.issue"
	input.known_tool == true
	who := input.principal
	who.id != ""
	is_string(who.id)
	some role in who.roles
	"payments.issue" in data.roles[role].tools
	data.kill_switch == {"all": false, "tools": []}
	s := input.state
	s.calls_last_minute < data.rate_limit.calls_per_minute
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
	s.claim_paid_total + p.amount <= cfg.claim_total_limit
	s.claim_fraud_band == "low"
}

# An email to the claimant's own address on file. Exact equality (stricter than the full rule's
# case-insensitive match) and an address pattern without `%`, separators or spaces, so none of the
# recipient rules can object; the subject must be one line of printable text.
notifications_send if {
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
# (A path read twice is bound to a local first: rego-cpp pays for every step of every reference.)
access_ok if {
	input.known_tool == true
	who := input.principal
	who.id != ""
	is_string(who.id)
	some role in who.roles
	input.tool in data.roles[role].tools
	data.kill_switch == {"all": false, "tools": []}
	input.state.calls_last_minute < data.rate_limit.calls_per_minute
}
