# Who may call what: known tools, known principals, role grants, kill switch, rate limit.
package warden

import rego.v1

known_tool if {
	input.known_tool == true
	data.tools[input.tool]
}

# Echo the tool name only when it looks like one: reasons must never carry arbitrary input.
tool_label := input.tool if {
	regex.match(`^[a-z0-9_]{1,32}(\.[a-z0-9_]{1,32}){0,3}$`, input.tool)
} else := "(unnamed)"

deny contains sprintf("unknown tool %s", [tool_label]) if not known_tool

deny contains "principal has no id" if not principal_has_id

principal_has_id if {
	is_string(input.principal.id)
	input.principal.id != ""
}

deny contains "principal has no roles" if not principal_has_roles

principal_has_roles if {
	is_array(input.principal.roles)
	count(input.principal.roles) > 0
}

# The principal's roles that the policy data defines; anything else is ignored.
known_roles contains role if {
	some role in input.principal.roles
	is_string(role)
	data.roles[role]
}

deny contains "principal has no known role" if {
	principal_has_roles
	count(known_roles) == 0
}

deny contains concat("", ["role ", concat(", ", sort(known_roles)), " does not grant ", tool_label]) if {
	known_tool
	count(known_roles) > 0
	not tool_granted
}

tool_granted if {
	some role in known_roles
	input.tool in data.roles[role].tools
}

deny contains "all tools are stopped by the kill switch" if data.kill_switch.all == true

deny contains sprintf("%s is stopped by the kill switch", [tool_label]) if input.tool in data.kill_switch.tools

# Rate limits, counted by the gate in its shared store (every gate of the fleet counts the same calls):
# calls_last_minute       - per run for an agent (a run cannot loop a tool), per person for people;
# key_calls_last_minute   - per business key of an agent's run (many runs cannot hammer one claim);
# fleet_calls_last_minute - per agent across every run of the fleet, sized for the fleet in data.json.
rate_limit := data.rate_limit.calls_per_minute

key_rate_limit := data.rate_limit.key_calls_per_minute

fleet_rate_limit := data.rate_limit.fleet.runtimes * data.rate_limit.fleet.calls_per_minute_per_runtime

deny contains sprintf("rate limit: at most %v calls per minute to %s", [rate_limit, tool_label]) if {
	input.state.calls_last_minute >= rate_limit
}

deny contains sprintf("rate limit: at most %v calls per minute to %s on one business key", [key_rate_limit, tool_label]) if {
	input.state.key_calls_last_minute >= key_rate_limit
}

deny contains sprintf("fleet rate limit: at most %v calls per minute to %s by this agent", [fleet_rate_limit, tool_label]) if {
	input.state.fleet_calls_last_minute >= fleet_rate_limit
}

deny contains "rate limit state is not a number" if {
	some name in ["calls_last_minute", "key_calls_last_minute", "fleet_calls_last_minute"]
	calls := object.get(input, ["state", name], 0)
	not is_number(calls)
}

# Shared helpers for the tool rules.
positive_number(x) if {
	is_number(x)
	x > 0
}

# A counter from the gate's store: missing means nothing counted yet.
counter(name) := value if {
	value := object.get(input, ["state", name], 0)
	is_number(value)
}
