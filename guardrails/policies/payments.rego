# payments.issue: exact amounts within per-currency limits, per payment and per claim, to the payee on file only.
#
# Amounts are judged in integer minor units of one currency, never as floats: the gate reads `args.amount`
# exactly (guardrails/money.py) and writes
#   input.money = {"amount_minor": 100000, "currency": "USD", "exponent": 2}   (1000.00 USD)
# only when the amount is a number with no more decimals than the currency has; otherwise it leaves
# `money` out and says why in `input.money_error`. The claim's running total comes from the gate's store:
#   input.state.claim_paid_minor  - paid and in flight on the claim in this payment's currency (minor units)
#   input.state.claim_currencies  - every currency already paid or held on the claim
# Limits are per currency, in minor units: data.payments.limits.<CUR>.
package warden

import rego.v1

paying if input.tool == "payments.issue"

payment := input.args

claim := input.context.claim

money := input.money

# The limits of the payment's currency; undefined for a currency the pack does not pay in.
limits := data.payments.limits[payment.currency]

# The claim id from the trusted context when there is one: it names the claim in reasons.
claim_label := claim.claim_id if {
	regex.match(`^[A-Za-z0-9_-]{1,64}$`, claim.claim_id)
} else := "(unknown claim)"

deny contains concat("", ["currency must be one of ", concat(", ", sort(object.keys(data.payments.limits)))]) if {
	paying
	not limits
}

# No exact amount from the gate: nothing below can be judged. The reason is one of money.py's fixed texts,
# never the input itself.
deny contains sprintf("payment amount is not an exact amount: %s", [money_error_label]) if {
	paying
	not money
}

money_error_label := input.money_error if {
	input.money_error in {
		"amount is not a number",
		"amount is not a finite number",
		"amount has more decimals than the currency allows",
		"amount is negative zero",
		"amount is out of range",
		"currency is not a known ISO 4217 code",
	}
} else := "the gate did not read the amount"

# The gate read the amount in the currency the tool will be asked to pay in, with that currency's decimals.
deny contains "payment amount was not read in the payment's currency" if {
	paying
	limits
	money
	not money_matches
}

money_matches if {
	money.currency == payment.currency
	money.exponent == limits.exponent
}

deny contains "payment amount must be a positive number" if {
	paying
	money
	not positive_number(money.amount_minor)
}

deny contains concat("", ["payment amount is above the hard limit of ", format_money(limits.hard_minor), " per payment"]) if {
	paying
	money_matches
	positive_number(money.amount_minor)
	money.amount_minor > limits.hard_minor
}

# The total per claim counts, so splitting one payment into many does not help.
deny contains concat("", ["claim ", claim_label, " would be paid ", format_money(paid_minor + money.amount_minor), " in total, above the limit of ", format_money(limits.claim_total_minor), " per claim"]) if {
	paying
	money_matches
	positive_number(money.amount_minor)
	paid_minor + money.amount_minor > limits.claim_total_minor
}

paid_minor := counter("claim_paid_minor")

deny contains "amount already paid on the claim is unknown" if {
	paying
	not paid_minor
}

# The claim total is per currency and the pack holds no exchange rates, so a second currency on one claim
# would let each currency's limit be paid in full. Denied, not sent to an adjuster: the claim total is a
# hard limit that no approval lifts, and no one can check it across currencies here.
paid_currencies := currencies if {
	currencies := object.get(input, ["state", "claim_currencies"], [])
	is_array(currencies)
	every c in currencies {
		is_string(c)
	}
}

deny contains "currencies already paid on the claim are unknown" if {
	paying
	not paid_currencies
}

deny contains concat("", ["claim ", claim_label, " is paid in ", concat(", ", sort(other_currencies)), "; a payment in ", payment.currency, " cannot be held to the claim total and is refused"]) if {
	paying
	limits
	count(other_currencies) > 0
}

# Echoed only when the pack knows them (a gate record, but still no free text in reasons).
other_currencies contains label if {
	some c in paid_currencies
	c != payment.currency
	label := currency_label(c)
}

currency_label(c) := c if {
	data.payments.limits[c]
} else := "another currency"

deny contains "no claim on file for this payment: the payee cannot be checked" if {
	paying
	not is_string(claim.payee_account_on_file)
}

deny contains sprintf("payment is not for claim %s in context", [claim_label]) if {
	paying
	is_string(claim.payee_account_on_file)
	payment.claim_id != claim.claim_id
}

# Exact comparison on purpose: a look-alike character is a different account.
deny contains sprintf("payee is not the account on file for claim %s", [claim_label]) if {
	paying
	is_string(claim.payee_account_on_file)
	payment.payee_account != claim.payee_account_on_file
}

# Missing provenance means the model said it.
payee_provenance := source if {
	source := input.provenance.payee_account
} else := "model"

# Echoed in a reason only when it is one of the known sources.
provenance_label := payee_provenance if {
	payee_provenance in {"system", "user", "model", "document"}
} else := "unrecognised source"

deny contains sprintf("payee account came from the %s and is never paid automatically", [provenance_label]) if {
	paying
	not payee_provenance in data.payments.trusted_payee_provenance
}

needs_approval contains {
	"role": data.payments.approver_role,
	"reason": concat("", ["payment above the auto-approval limit of ", format_money(limits.auto_approval_minor), " needs an ", data.payments.approver_role]),
} if {
	paying
	money_matches
	positive_number(money.amount_minor)
	money.amount_minor > limits.auto_approval_minor
}

# The fraud band comes from the gate's own record of the claim's last `scoring.fraud_risk` result
# (state.claim_fraud_band), not from the agent: a runtime cannot talk a risky claim into an automatic payment.
# No score on record (never scored, the scorer was down, or a band the policy does not know) is no automatic
# payment either: an adjuster looks first. Safety does not depend on the graph calling the scorer.
fraud_band := band if {
	band := input.state.claim_fraud_band
	band in {"low", "medium", "high"}
} else := "unscored"

deny contains sprintf("claim %s scored high fraud risk and is not paid", [claim_label]) if {
	paying
	fraud_band == "high"
}

needs_approval contains {
	"role": data.payments.approver_role,
	"reason": sprintf("claim scored medium fraud risk: an %s reviews the payment", [data.payments.approver_role]),
} if {
	paying
	fraud_band == "medium"
}

needs_approval contains {
	"role": data.payments.approver_role,
	"reason": sprintf("claim %s has no fraud score on record: an %s reviews the payment", [claim_label, data.payments.approver_role]),
} if {
	paying
	fraud_band == "unscored"
}

# "1000.00 USD" from minor units of the payment's currency. Only for numbers the policy has checked: limits
# from data, and totals of a checked amount and the gate's counter. Reasons put it in with concat: rego-cpp's
# sprintf quotes a string built this way ("%s" gives "\"1000.00 USD\""). Always defined (the last branch
# catches anything odd), so a deny rule never loses its reason, and with it the deny, to a formatting error.
format_money(minor) := concat("", [format_int(minor / d, 10), ".", substring(format_int(d + (minor % d), 10), 1, -1), " ", payment.currency]) if {
	d := minor_unit_divisors[limits.exponent]
	d > 1
} else := concat(" ", [format_int(minor, 10), payment.currency]) if {
	limits.exponent == 0
} else := concat(" ", [format_int(minor, 10), "minor units of", payment.currency])

# 10 ** exponent: 12345 minor units with exponent 2 are 123 and 10145 -> "45" (the 1 keeps the leading zero).
minor_unit_divisors := [1, 10, 100, 1000, 10000]
