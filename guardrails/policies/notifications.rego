# notifications.send: one recipient per call, only the contact on file, internal mailboxes or allow-listed webhooks.
package warden

import rego.v1

notifying if input.tool == "notifications.send"

channel := input.args.channel

recipient := input.args.to

deny contains "notification channel is not one of email, sms, webhook, staff" if {
	notifying
	not data.notifications.channels[channel]
}

deny contains concat("", ["role ", concat(", ", sort(known_roles)), " may not use the ", channel, " channel"]) if {
	notifying
	data.notifications.channels[channel]
	count(known_roles) > 0
	not channel_allowed
}

channel_allowed if {
	some role in known_roles
	role in data.notifications.channels[channel].roles
}

deny contains "recipient must be a string" if {
	notifying
	not is_string(recipient)
}

# One recipient: no list separators, no line breaks, no angle-bracket display names.
deny contains "exactly one recipient per notification: no commas, semicolons, spaces or line breaks" if {
	notifying
	is_string(recipient)
	regex.match(separators(channel), recipient)
}

# Phone numbers on file are written with spaces, so SMS allows them and checks digits after.
separators(ch) := `[,;<>"'\\[:cntrl:]]|%0[aAdD]` if {
	ch == "sms"
} else := `[,;<>"'\\[:cntrl:][:space:]]|%0[aAdD]`

deny contains "subject must be one line of printable text" if {
	notifying
	subject := object.get(input.args, "subject", "")
	not clean_subject(subject)
}

clean_subject(subject) if {
	is_string(subject)
	not regex.match(`[[:cntrl:]]|%0[aAdD]`, subject)
}

deny contains concat("", ["email goes only to the claimant's address on file or to a mailbox at ", concat(", ", data.notifications.internal_domains)]) if {
	notifying
	channel == "email"
	not email_allowed
}

email_allowed if {
	regex.match(`^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$`, recipient)
	is_string(claim.claimant_email)
	lower(recipient) == lower(claim.claimant_email)
}

# Internal mailboxes are plain names (claims-team@northwind.example): a dotted local part
# could pass a foreign domain off as a mailbox (evil.com@northwind.example).
email_allowed if {
	parts := split(lower(recipient), "@")
	count(parts) == 2
	regex.match(`^[a-z0-9][a-z0-9_+-]{0,63}$`, parts[0])
	parts[1] in data.notifications.internal_domains
}

deny contains "SMS goes only to the claimant's phone number on file" if {
	notifying
	channel == "sms"
	not sms_allowed
}

sms_allowed if {
	number := phone_digits(recipient)
	regex.match(`^\+?[0-9]{6,15}$`, number)
	is_string(claim.claimant_phone)
	number == phone_digits(claim.claimant_phone)
}

phone_digits(s) := regex.replace(s, `[ ().-]`, "")

deny contains concat("", ["webhooks go only to URLs under ", concat(", ", data.notifications.webhook_prefixes)]) if {
	notifying
	channel == "webhook"
	not webhook_allowed
}

# Prefix match on the raw string, with nothing that could move the host or path elsewhere:
# no userinfo (@), no backslashes, no dot-segments, no percent-encoding, no whitespace.
webhook_allowed if {
	some prefix in data.notifications.webhook_prefixes
	startswith(recipient, prefix)
	not regex.match(`[@\\%[:space:][:cntrl:]]|\.\.`, recipient)
}

deny contains "staff notifications go to one staff queue or user id" if {
	notifying
	channel == "staff"
	not regex.match(`^[A-Za-z0-9][A-Za-z0-9:._#-]{0,63}$`, recipient)
}
