"""One typed settings object for the whole process, read from the environment (WARDEN_*) and an optional file."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where Warden keeps its state and which external services it talks to."""

    model_config = SettingsConfigDict(env_prefix="WARDEN_", env_file=os.environ.get("WARDEN_ENV_FILE", ".warden.env"), extra="ignore")

    data_dir: Path = Field(default=Path(".warden"), description="state: NATS store, SQLite databases, vault")
    nats_url: str | None = Field(default=None, validation_alias="NATS_URL", description="unset: start an embedded "
                                 "nats-server; a cluster's nodes as a comma-separated list of URLs (every one a seed)")
    credentials: Path | None = Field(default=None, description="this process's credential file (or a folder of "
                                     "<role>.json) from `warden init`; required with NATS_URL")
    nats_insecure: bool = Field(default=False, description="WARDEN_NATS_INSECURE=1: connect to NATS_URL without "
                                "bus auth (development only; said on every start)")
    nats_replicas: int = Field(default=1, ge=1, le=5, description="copies of each JetStream stream the operator step "
                               "(`warden up --role admin`) keeps: 3 on a three-node cluster (`warden nats-config --cluster 3`)")
    opa_url: str | None = Field(default=None, validation_alias="OPA_URL", description="unset: evaluate Rego in-process with regopy")
    opa_token: SecretStr | None = Field(default=None, description="the gate's OPA token: asks for decisions only (deploy/opa/authz.rego)")
    opa_admin_token: SecretStr | None = Field(default=None, description="the operator's OPA token: uploads the policy pack")
    otlp_endpoint: str | None = Field(default=None, validation_alias="OTEL_EXPORTER_OTLP_ENDPOINT")
    http_host: str = Field(default="127.0.0.1", description="where `warden up` serves HTTP; 0.0.0.0 in a container, "
                           "so Prometheus on the compose network can scrape /metrics")
    postgres_url: SecretStr | None = Field(default=None, description="Postgres for the gate's state, approvals, "
                                              "LangGraph checkpoints and the tool ledgers instead of SQLite files under "
                                              "data_dir (holds a password)")
    vault_key: str | None = Field(default=None, description="Fernet key for the pseudonymization vault; generated under data_dir when unset")
    tools_key: SecretStr | None = Field(default=None, description="Fernet key sealing the tool ledgers' PII columns; "
                                        "<data_dir>/tools.key when unset. Every tools process sharing one Postgres "
                                        "needs the same one")
    llm: str = Field(default="local", description="local | scripted | any LiteLLM model name")
    llm_api_base: str | None = Field(default=None, description="OpenAI-compatible endpoint (vLLM) for a LiteLLM model name")
    llm_api_key: SecretStr | None = Field(default=None, description="API key the model endpoint requires (vLLM --api-key)")
    max_concurrent_actors: int = Field(default=16, ge=1)
    mailbox_size: int = Field(default=64, ge=1)
    max_deliveries: int = Field(default=3, ge=1, description="crashes before a message goes to events.deadletter")
    actor_idle_s: float = Field(default=30.0, gt=0)
    bus_partitions: int = Field(default=8, ge=1, le=32, description="partitions of each graph's keyed events "
                                "(events.keyed.<domain>.<verb>.<key>); read by the operator step, which creates one "
                                "consumer each; runtimes bind to whatever partitions exist")
    bus_ack_wait_s: float = Field(default=60.0, ge=2.0, description="how long a partition waits for a runtime that "
                                  "took its message and went silent before another runtime gets it (operator step; "
                                  "runtimes beat well within it)")
    tool_timeout_s: float = Field(default=5.0, gt=0)
    approval_ttl_s: float = Field(default=24 * 3600.0, gt=0)
    policy_dir: Path | None = Field(default=None, description="override the shipped guardrails/policies")

    def path(self, *parts: str) -> Path:
        """A path under the data directory, created on demand."""
        p = self.data_dir.joinpath(*parts)
        p.parent.mkdir(parents=True, exist_ok=True)
        return p


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own `Settings` instead)."""
    return Settings()
