"""The lead-propensity model: a seeded synthetic CRM set, a logistic regression trained on it, its model card."""
