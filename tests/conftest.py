"""Shared fixtures: a real nats-server per test session, settings rooted in a temp dir."""
from __future__ import annotations

import os

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from pathlib import Path

import pytest

from agents.nats_server import EmbeddedNats, NatsCredentials
from warden.settings import Settings


@pytest.fixture(scope="session")
def nats_creds(tmp_path_factory: pytest.TempPathFactory) -> NatsCredentials:
    """A real nats-server (JetStream on, per-component users) for the whole session."""
    server = EmbeddedNats(tmp_path_factory.mktemp("nats"), {"claims_triage": "events.claims.submitted"})
    creds = server.start()
    yield creds
    server.stop()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings whose state lives in this test's temp dir."""
    return Settings(data_dir=tmp_path / "warden", vault_key=None, llm="scripted")
