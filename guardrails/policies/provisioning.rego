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

# No principal holds more than the maximum in total, approved or not.
deny contains sprintf("reservation would bring the principal to more than the maximum of %v units in total", [data.provisioning.max_total_per_principal]) if {
	reserving
	positive_number(quantity)
	reserved_total + quantity > data.provisioning.max_total_per_principal
}

# provisioning.release: only the principal that made the reservation releases it. The owner is what the gate
# recorded when it relayed the reserve (input.state.reservation, from its store, never from the caller); a
# reservation the gate never relayed has no owner on record and is not released automatically.
releasing if input.tool == "provisioning.release"

deny contains "reservation is not on the gate's record: only reservations made through the gate are released" if {
	releasing
	not is_object(input.state.reservation)
}

deny contains "reservation belongs to another principal" if {
	releasing
	is_object(input.state.reservation)
	input.state.reservation.principal != input.principal.id
	not release_overridden
}

# An operator (or admin) may release anyone's reservation: that is their job.
release_overridden if {
	some role in known_roles
	role in data.provisioning.release_any_roles
}
