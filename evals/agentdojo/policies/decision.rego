# The decision document the gate asks for: deny wins, then unmet approvals, else allow.
#
# Reasons echo only values the policy has checked or owns (data): rego-cpp does not escape strings
# that came from the input when it writes its result, and a reason must never carry raw PII.
#
# Every other file in this package only adds to two sets:
#   deny           - reasons the call must not run at all;
#   needs_approval - {"role", "reason"} objects: the call may run once that role approves.
#
# The regopy engine may answer a common, plainly allowed call from fast_path.rego (package warden.fast)
# without evaluating this; an OPA server evaluates `decision` for every call.
package warden

import rego.v1

default decision := {
	"decision": "deny",
	"reasons": ["policy produced no decision"],
	"approval_role": null,
	"reveal": [],
}

decision := {
	"decision": "deny",
	"reasons": sort(deny),
	"approval_role": null,
	"reveal": [],
} if count(deny) > 0

decision := {
	"decision": "require_approval",
	"reasons": approval_reasons,
	"approval_role": min(unmet_approval_roles),
	"reveal": reveal,
} if {
	count(deny) == 0
	count(unmet_approval_roles) > 0
}

decision := {
	"decision": "allow",
	"reasons": [],
	"approval_role": null,
	"reveal": reveal,
} if {
	count(deny) == 0
	count(unmet_approval_roles) == 0
}

# Roles whose approval the call still lacks.
unmet_approval_roles contains need.role if {
	some need in needs_approval
	not approval_granted(need.role)
}

approval_reasons := sort([need.reason |
	some need in needs_approval
	need.role in unmet_approval_roles
])

# A granted approval counts for the role it was asked of, or for an override role (admin).
approval_granted(role) if {
	input.approval.granted == true
	input.approval.role == role
}

approval_granted(_) if {
	input.approval.granted == true
	input.approval.role in data.approvals.override_roles
}

# Arguments the tool may receive in clear: the gate keeps every other one pseudonymized.
default reveal := []

reveal := data.tools[input.tool].reveal
