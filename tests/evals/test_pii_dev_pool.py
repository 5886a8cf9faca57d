"""The extra dev material never touches the held-out templates, and never re-uses the shipped files' seeds."""
from __future__ import annotations

import pytest

from evals.pii.independent import SEED, split_templates


def test_the_dev_pool_draws_only_dev_templates_with_fresh_values():
    pytest.importorskip("faker")
    from evals.pii.dev_pool import dev_pool

    dev, held = split_templates(SEED)
    records = dev_pool(count=300)
    assert {r["template_id"] for r in records} <= set(dev)
    assert not {r["template_id"] for r in records} & set(held)
    with pytest.raises(ValueError):
        dev_pool(seed=SEED)
