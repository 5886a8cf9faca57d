# provisioning.reserve: a per-principal quota runs automatically, more needs an operator, too much is refused.
package warden

import rego.v1

reserving if input.tool == "provisioning.reserve"

quantity := input.args.quantity

reserved_total := counter("principal_reserved_total")

deny contains "reservation quantity must be a positive whole number" if {
	reserving
	not positive_whole_number(quantity)
}

positive_whole_number(x) if {
	positive_number(x)
	floor(x) == x
}

deny contains sprintf("reservation is above the maximum of %v units in one request", [data.provisioning.max_per_request]) if {
	reserving
	positive_number(quantity)
	quantity > data.provisioning.max_per_request
}

deny contains "units already reserved by the principal are unknown" if {
	reserving
	not reserved_total
}

needs_approval contains {
	"role": data.provisioning.approver_role,
	"reason": sprintf("reservation brings the principal to %v units, above the automatic quota of %v: needs an %s", [reserved_total + quantity, data.provisioning.auto_quota_per_principal, data.provisioning.approver_role]),
} if {
	reserving
	positive_number(quantity)
	reserved_total + quantity > data.provisioning.auto_quota_per_principal
}
