"""Fixtures shared by the guardrails tests."""
from __future__ import annotations

import pytest

from guardrails.redaction import Redactor, get_redactor


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    """The process-wide redactor the gate uses (spaCy loads once)."""
    return get_redactor()
