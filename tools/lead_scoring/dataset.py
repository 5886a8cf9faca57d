"""A seeded synthetic CRM history: leads with the features the graph reads, and whether each one bought.

Synthetic on purpose (no customer data ships with Warden). The label comes from a latent log-odds with effects a
sales team would recognise, including ones a linear score over the features cannot express exactly (diminishing
returns on site visits, budget mattering more for large companies), plus noise, so a model has something to learn
and a ceiling it cannot pass. `generate()` is deterministic for a seed.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass

SEED = 20261130
SIZE = 8000
FEATURES = ("employees_log10", "budget_k_log10", "site_visits", "demo_requested", "referral")
"""What `graphs/leads/record.lead_features` computes from a CRM record, in this order."""


@dataclass(frozen=True)
class Lead:
    features: tuple[float, ...]
    converted: int


def _latent(employees_log10: float, budget_k_log10: float, visits: float, demo: float, referral: float) -> float:
    return (-4.6 + 0.45 * employees_log10 + 0.7 * budget_k_log10 + 0.25 * employees_log10 * max(0.0, budget_k_log10 - 1)
            + 1.1 * math.log1p(visits) + 1.2 * demo + 0.8 * referral - 0.35 * demo * referral)


def generate(size: int = SIZE, seed: int = SEED) -> list[Lead]:
    """`size` leads; about one in four converts."""
    rng = random.Random(seed)
    out: list[Lead] = []
    for _ in range(size):
        employees = max(1, int(math.exp(rng.gauss(math.log(60), 1.6))))
        budget_k = max(1.0, math.exp(rng.gauss(math.log(25), 1.3)))
        visits = float(min(50, int(rng.expovariate(1 / 3.5))))
        demo = 1.0 if rng.random() < 0.22 + 0.02 * min(visits, 10) else 0.0
        referral = 1.0 if rng.random() < 0.15 else 0.0
        x = (round(math.log10(employees), 6), round(math.log10(budget_k), 6), visits, demo, referral)
        z = _latent(*x) + rng.gauss(0.0, 0.6)
        out.append(Lead(x, 1 if rng.random() < 1.0 / (1.0 + math.exp(-z)) else 0))
    return out
