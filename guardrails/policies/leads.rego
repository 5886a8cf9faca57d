# Lead outreach and offers (the lead follow-up graph).
#
# The lead's facts come from the stored `events.leads.created` event (the graph package's record view), never
# from the caller:
#   input.context.lead.email          - the contact address on file
#   input.context.lead.consent_email  - true only when the CRM recorded consent to email
#   input.context.lead.timezone       - the lead's IANA time zone (validated by the record view, else null)
# and from the gate's own store:
#   input.state.recipient_sends_7d    - messages the gate relayed to this recipient in the last 7 days
#   input.state.record_local_hour     - the hour now (0-23) in the record's time zone, by the gate's clock
# (The gate converts the time: rego-cpp's time.clock with a time zone crashed the process under load.)
package warden

import rego.v1

lead := input.context.lead

emailing_lead if {
	input.tool == "notifications.send"
	input.args.channel == "email"
	is_object(lead)
}

# The lead's own address on file, exactly (compared lower-cased); notifications.rego's other email rules still apply.
email_allowed if {
	is_object(lead)
	is_string(lead.email)
	regex.match(`^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$`, recipient)
	lower(recipient) == lower(lead.email)
}

to_the_lead if {
	emailing_lead
	is_string(lead.email)
	lower(input.args.to) == lower(lead.email)
}

deny contains "the lead has not consented to email on record" if {
	to_the_lead
	not lead.consent_email == true
}

deny contains "the lead's address is at a suppressed domain" if {
	to_the_lead
	domain := split(lower(input.args.to), "@")[1]
	domain in data.leads.suppressed_domains
}

deny contains "the lead has no valid time zone on record: quiet hours cannot be checked" if {
	to_the_lead
	not is_number(input.state.record_local_hour)
}

deny contains sprintf("quiet hours in the lead's time zone (%d:00 to %d:00): no outreach now", [data.leads.quiet_hours.start, data.leads.quiet_hours.end]) if {
	to_the_lead
	quiet(input.state.record_local_hour)
}

quiet(hour) if hour >= data.leads.quiet_hours.start

quiet(hour) if hour < data.leads.quiet_hours.end

deny contains "messages sent to this lead in the last 7 days are unknown" if {
	to_the_lead
	not counter("recipient_sends_7d")
}

deny contains sprintf("frequency cap: at most %d messages to a lead in 7 days", [data.leads.max_messages_per_week]) if {
	to_the_lead
	counter("recipient_sends_7d") >= data.leads.max_messages_per_week
}

# offers.discount: small discounts automatically, larger ones with a sales manager, none above the maximum.
offering if input.tool == "offers.discount"

deny contains "a discount is offered only to the lead of the run's record" if {
	offering
	not input.args.lead_id == lead.lead_id
}

deny contains sprintf("discount above the maximum of %d%%", [data.leads.discount.max_pct]) if {
	offering
	input.args.percent > data.leads.discount.max_pct
}

deny contains "discount percent must be a whole number of at least 1" if {
	offering
	not positive_whole_number(input.args.percent)
}

needs_approval contains {
	"role": data.leads.discount.approver_role,
	"reason": sprintf("a discount above %d%% needs a %s", [data.leads.discount.auto_max_pct, data.leads.discount.approver_role]),
} if {
	offering
	input.args.percent > data.leads.discount.auto_max_pct
}
