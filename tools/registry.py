"""Starting every tool service, and the subject each tool is served on."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from nats.aio.client import Client

from warden.settings import Settings
from tools import demand, leads, notifications, offers, payments, provisioning, purchasing, tickets
from tools.fraud import service as fraud_service
from tools.gate_proof import GateVerifier
from tools.service import ToolService, tool_subject

log = logging.getLogger(__name__)

SERVED_TOOLS = ("scoring.fraud_risk", "scoring.lead_propensity", "scoring.demand_forecast", "payments.issue",
                "notifications.send", "provisioning.reserve", "provisioning.release", "tickets.update",
                "purchasing.order", "offers.discount")
TOOL_SUBJECTS: dict[str, str] = {tool: tool_subject(tool) for tool in SERVED_TOOLS}
"""Tool name -> NATS subject, for every tool `start_tool_services` serves."""


@dataclass
class ToolServices:
    """The running tool services of this process."""

    services: list[ToolService] = field(default_factory=list)

    def stats(self) -> dict[str, Any]:
        """micro stats per service family, as the JSON `$SRV.STATS` would return."""
        return {s.family: s.stats().to_dict() for s in self.services}

    def refused(self) -> dict[str, dict[str, int]]:
        """Requests refused for not coming from the gate, per tool and reason."""
        return {tool: reasons for s in self.services for tool, reasons in s.refused().items()}

    async def stop(self) -> None:
        """Stop serving (in reverse start order) and close the databases."""
        while self.services:
            service = self.services.pop()
            try:
                await service.stop()
            except Exception:  # keep stopping the others
                log.exception("stopping tool service %s failed", service.family)


async def start_tool_services(nc: Client, settings: Settings, verifier: GateVerifier) -> ToolServices:
    """Start the scoring, lead scoring, payments, notifications, provisioning and tickets services on `nc` (role "tools").

    `verifier` holds the gate's public key; every service refuses a request the gate did not sign. They share
    it, so one process remembers each decision id once.
    """
    running = ToolServices()
    try:
        running.services.append(await fraud_service.create_service(nc, settings, verifier))
        await running.services[-1].start()
        for build in (leads.create_service, demand.create_service, payments.create_service,
                      notifications.create_service, provisioning.create_service, tickets.create_service,
                      purchasing.create_service, offers.create_service):
            running.services.append(build(nc, settings, verifier))
            await running.services[-1].start()
    except BaseException:
        await running.stop()
        raise
    return running
