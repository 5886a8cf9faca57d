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

covers := "sha256:84018ac54a0a726e5cdb658a2d32dddc4ee9e9a593e5921facefec269ad80cb2"

# Defined only for a call allowed outright (for tests and readers: the engine asks the rules below).
allow if plain

allow if payments_issue

allow if notifications_send

# The tools whose calls are judged on access alone (no argument rules in the pack): an allow-list, so a tool
# added later is never fast-pathed until it is listed here. manifest.json names the same tools as `"fast": "plain"`,
# and the engine refuses a pack where the two differ.
plain_tools := {
	"scoring.fraud_risk",
	"scoring.lead_propensity",
	"scoring.demand_forecast",
	"documents.search",
	"tickets.update",
}

plain if {
	input.tool in plain_tools
	access_ok
}

# An automatic payment, in exact minor units (input.money, written by the gate) within the limits of its
# currency. `amount_minor > 0` and `<= limit` together admit numbers only (Rego orders strings, arrays and
# objects above numbers). A claim already paid in another currency is left to the full rules (which deny it):
# `claim_currencies` must be empty or exactly this currency. The hottest rule of the pack, so access_ok and the
# rate limits are written out in it (a rule call costs rego-cpp about as much as three literals); a counter the
# gate did not send leaves the rule undefined, and the full rules decide.
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
	s.key_calls_last_minute < data.rate_limit.key_calls_per_minute
	fleet := data.rate_limit.fleet
	s.fleet_calls_last_minute < fleet.runtimes * fleet.calls_per_minute_per_runtime
	p := input.args
	m := input.money
	cur := p.currency
	m.currency == cur
	lim := data.payments.limits[cur]
	m.exponent == lim.exponent
	m.amount_minor > 0
	m.amount_minor <= lim.auto_approval_minor
	c := input.context.claim
	is_string(c.payee_account_on_file)
	p.claim_id == c.claim_id
	p.payee_account == c.payee_account_on_file
	input.provenance.payee_account in data.payments.trusted_payee_provenance
	s.claim_paid_minor + m.amount_minor <= lim.claim_total_minor
	s.claim_currencies in [[], [cur]]
	s.claim_fraud_band == "low"
}

# An email to the claimant's own address on file. Exact equality (stricter than the full rule's
# case-insensitive match) and an address pattern without `%`, separators or spaces, so none of the
# recipient rules can object; the subject must be one line of printable text (notifications.rego's
# `line_breaking`, repeated here because this package is compiled on its own).
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
	not regex.match("[[:cntrl:]]|\u0080|\u0081|\u0082|\u0083|\u0084|\u0085|\u0086|\u0087|\u0088|\u0089|\u008a|\u008b|\u008c|\u008d|\u008e|\u008f|\u0090|\u0091|\u0092|\u0093|\u0094|\u0095|\u0096|\u0097|\u0098|\u0099|\u009a|\u009b|\u009c|\u009d|\u009e|\u009f|\u2028|\u2029|%0[aAdD]|%[cC]2%85|%[eE]2%80%[aA][89]", a.subject)
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
	within_rate_limits(input.state)
}

# Every rate limit of access.rego; a counter the gate did not send (a person has no key or fleet count) is 0.
within_rate_limits(s) if {
	s.calls_last_minute < data.rate_limit.calls_per_minute
	object.get(s, "key_calls_last_minute", 0) < data.rate_limit.key_calls_per_minute
	fleet := data.rate_limit.fleet
	object.get(s, "fleet_calls_last_minute", 0) < fleet.runtimes * fleet.calls_per_minute_per_runtime
}
