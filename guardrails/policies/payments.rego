# payments.issue: positive amounts within limits, per payment and per claim, to the payee on file only.
package warden

import rego.v1

paying if input.tool == "payments.issue"

payment := input.args

claim := input.context.claim

# The claim id from the trusted context when there is one: it names the claim in reasons.
claim_label := claim.claim_id if {
	regex.match(`^[A-Za-z0-9_-]{1,64}$`, claim.claim_id)
} else := "(unknown claim)"

deny contains "payment amount must be a positive number" if {
	paying
	not positive_number(payment.amount)
}

deny contains sprintf("payment amount is above the hard limit of %v per payment", [data.payments.hard_limit]) if {
	paying
	positive_number(payment.amount)
	payment.amount > data.payments.hard_limit
}

deny contains concat("", ["currency must be one of ", concat(", ", sort(data.payments.currencies))]) if {
	paying
	not payment.currency in data.payments.currencies
}

# The total per claim counts, so splitting one payment into many does not help.
deny contains sprintf("claim %s would be paid %v in total, above the limit of %v per claim", [claim_label, paid_total + payment.amount, data.payments.claim_total_limit]) if {
	paying
	positive_number(payment.amount)
	paid_total + payment.amount > data.payments.claim_total_limit
}

paid_total := counter("claim_paid_total")

deny contains "amount already paid on the claim is unknown" if {
	paying
	not paid_total
}

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
	"reason": sprintf("payment above the auto-approval limit of %v needs an %s", [data.payments.auto_approval_limit, data.payments.approver_role]),
} if {
	paying
	positive_number(payment.amount)
	payment.amount > data.payments.auto_approval_limit
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
