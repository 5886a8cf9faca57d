"""The compose topology's traces and metrics: every Warden role exports to Jaeger and is scraped by Prometheus,
and the only ports published to the host are those two UIs, on loopback."""
from __future__ import annotations

from pathlib import Path

import yaml

REPO = Path(__file__).parents[2]
ROLES = ("tools", "gate", "runtime")


def _compose() -> dict:
    return yaml.safe_load((REPO / "compose.yaml").read_text())


def test_only_the_jaeger_and_prometheus_uis_are_published_and_only_on_loopback() -> None:
    services = _compose()["services"]
    published = {name: spec["ports"] for name, spec in services.items() if spec.get("ports")}
    assert published == {"jaeger": ["127.0.0.1:16686:16686"], "prometheus": ["127.0.0.1:9090:9090"]}


def test_only_the_uis_join_the_network_that_can_reach_the_host() -> None:
    services = _compose()["services"]
    on_ui = sorted(name for name, spec in services.items() if "ui" in (spec.get("networks") or []))
    assert on_ui == ["jaeger", "prometheus"]
    assert all("internal" in services[name]["networks"] for name in on_ui)  # they reach the roles only in there


def test_every_role_exports_traces_to_jaeger_and_serves_metrics_on_the_internal_network() -> None:
    services = _compose()["services"]
    for role in ROLES:
        env = services[f"warden-{role}"]["environment"]
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://jaeger:4318", role
        assert env["WARDEN_HTTP_HOST"] == "0.0.0.0", role
        assert "--port" in services[f"warden-{role}"]["command"] and "8080" in services[f"warden-{role}"]["command"]


def test_prometheus_scrapes_each_roles_metrics() -> None:
    services = _compose()["services"]
    assert any("deploy/prometheus/prometheus.yml" in v for v in services["prometheus"]["volumes"])
    config = yaml.safe_load((REPO / "deploy/prometheus/prometheus.yml").read_text())
    warden = next(job for job in config["scrape_configs"] if job["job_name"] == "warden")
    assert warden["metrics_path"] == "/metrics"
    targets = {t for group in warden["static_configs"] for t in group["targets"]}
    assert targets == {f"warden-{role}:8080" for role in ROLES}
