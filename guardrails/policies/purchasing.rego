# purchasing.order: an order's exact total within per-supplier and per-day spend limits; above them a buyer approves.
#
# The gate reads the unit price exactly (guardrails/money.py) and writes
#   input.money = {"amount_minor": 1250, "currency": "USD", "exponent": 2}     (12.50 USD per unit)
# and, from its own store (never from the caller), what was already spent or is in flight today (UTC, the
# gate's clock) in the order's currency:
#   input.state.supplier_day_spend_minor  - with this order's supplier
#   input.state.day_spend_minor           - with every supplier
# Limits are per currency, in minor units: data.purchasing.limits.<CUR>. The supplier, SKU and price are checked
# against the inventory record by the replenishment package's fact check before this runs.
package warden

import rego.v1

ordering if input.tool == "purchasing.order"

order := input.args

order_limits := data.purchasing.limits[order.currency]

deny contains concat("", ["order currency must be one of ", concat(", ", sort(object.keys(data.purchasing.limits)))]) if {
	ordering
	not order_limits
}

deny contains sprintf("order unit price is not an exact amount: %s", [money_error_label]) if {
	ordering
	not input.money
}

deny contains "order unit price was not read in the order's currency" if {
	ordering
	order_limits
	input.money
	not order_money_matches
}

order_money_matches if {
	input.money.currency == order.currency
	input.money.exponent == order_limits.exponent
}

deny contains "order unit price must be a positive number" if {
	ordering
	input.money
	not positive_number(input.money.amount_minor)
}

deny contains "order quantity must be a positive whole number" if {
	ordering
	not positive_whole_number(order.quantity)
}

# The exact total in minor units: integer times integer.
order_minor := input.money.amount_minor * order.quantity if {
	ordering
	order_money_matches
	positive_number(input.money.amount_minor)
	positive_whole_number(order.quantity)
}

supplier_spent := counter("supplier_day_spend_minor")

day_spent := counter("day_spend_minor")

deny contains "spend with the supplier today is unknown" if {
	ordering
	not supplier_spent
}

deny contains "spend today is unknown" if {
	ordering
	not day_spent
}

deny contains concat("", ["order is above the hard limit of ", order_money(order_limits.order_hard_minor), " per order"]) if {
	order_minor > order_limits.order_hard_minor
}

deny contains concat("", ["order would bring today's spend to ", order_money(day_spent + order_minor), ", above the hard limit of ", order_money(order_limits.day_hard_minor), " per day"]) if {
	day_spent + order_minor > order_limits.day_hard_minor
}

needs_approval contains {
	"role": data.purchasing.approver_role,
	"reason": concat("", ["order brings today's spend with the supplier to ", order_money(supplier_spent + order_minor), ", above the automatic limit of ", order_money(order_limits.supplier_day_auto_minor), ": needs a ", data.purchasing.approver_role]),
} if {
	supplier_spent + order_minor > order_limits.supplier_day_auto_minor
}

needs_approval contains {
	"role": data.purchasing.approver_role,
	"reason": concat("", ["order brings today's spend to ", order_money(day_spent + order_minor), ", above the automatic limit of ", order_money(order_limits.day_auto_minor), " per day: needs a ", data.purchasing.approver_role]),
} if {
	day_spent + order_minor > order_limits.day_auto_minor
}

# "1234.50 USD" from minor units of the order's currency (numbers the policy computed or owns only).
order_money(minor) := concat("", [format_int(minor / d, 10), ".", substring(format_int(d + (minor % d), 10), 1, -1), " ", order.currency]) if {
	d := minor_unit_divisors[order_limits.exponent]
	d > 1
} else := concat(" ", [format_int(minor, 10), order.currency])
