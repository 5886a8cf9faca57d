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
separators(ch) := concat("|", [`[,;<>"'\\]`, line_breaking]) if {
	ch == "sms"
} else := concat("|", [`[,;<>"'\\[:space:]]`, line_breaking, unicode_spaces])

# A line break or control character: ASCII controls (CR, LF, VT, FF, TAB, ...), the C1 controls
# U+0080-U+009F (NEL is U+0085), the line and paragraph separators U+2028 and U+2029, and the
# percent-encodings of CR, LF, NEL, LS and PS. One alternative per character on purpose: rego-cpp matches
# regexes on UTF-8 bytes, so a bracket class of non-ASCII characters would also match every character that
# shares a byte with one of them; a literal sequence matches only itself (in OPA too).
# Double-quoted: OPA turns the \u escapes into the characters, rego-cpp's regex reads the escapes.
line_breaking := "[[:cntrl:]]|\u0080|\u0081|\u0082|\u0083|\u0084|\u0085|\u0086|\u0087|\u0088|\u0089|\u008a|\u008b|\u008c|\u008d|\u008e|\u008f|\u0090|\u0091|\u0092|\u0093|\u0094|\u0095|\u0096|\u0097|\u0098|\u0099|\u009a|\u009b|\u009c|\u009d|\u009e|\u009f|\u2028|\u2029|%0[aAdD]|%[cC]2%85|%[eE]2%80%[aA][89]"

# Unicode spaces an address never contains (no-break, en/em, ideographic, ...), one alternative each as above.
unicode_spaces := "\u00a0|\u1680|\u2000|\u2001|\u2002|\u2003|\u2004|\u2005|\u2006|\u2007|\u2008|\u2009|\u200a|\u200b|\u202f|\u205f|\u3000|\ufeff"

deny contains "subject must be one line of printable text" if {
	notifying
	subject := object.get(input.args, "subject", "")
	not clean_subject(subject)
}

clean_subject(subject) if {
	is_string(subject)
	not regex.match(line_breaking, subject)
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
	not regex.match(concat("|", [line_breaking, unicode_spaces]), recipient)
}

deny contains "staff notifications go to one staff queue or user id" if {
	notifying
	channel == "staff"
	not regex.match(`^[A-Za-z0-9][A-Za-z0-9:._#-]{0,63}$`, recipient)
}

# Record facts the tool may receive in clear inside text arguments (their tokens are replaced by the value):
# the claimant's own name, in an email or SMS to the contact on file for the claim, and nowhere else.
# The gate asks this (entrypoint warden/reveal_facts) only for an allowed call of a tool whose data.json
# entry lists the fact under `reveal_facts`.
reveal_facts contains "claimant_name" if {
	notifying
	channel == "email"
	is_string(input.context.claim.claimant_email)
	recipient == input.context.claim.claimant_email
}

reveal_facts contains "claimant_name" if {
	notifying
	channel == "sms"
	is_string(input.context.claim.claimant_phone)
	recipient == input.context.claim.claimant_phone
}
