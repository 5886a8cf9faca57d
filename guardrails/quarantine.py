"""The record quarantine: free text arriving on `events.records.incoming` is scanned before anyone else reads it.

Why: records from outside (contact forms, CRM exports, emails) carry PII nobody has classified yet. This
component, running in the gate process because it holds the vault, reads each record once from its durable
consumer and publishes exactly one outcome:

* `events.records.quarantined`: the text contains high-risk PII (`is_high_risk`); it is published tokenized
  (`<US_SSN_1>`, reversible only through the vault, run `record:<record_id>`) for a person to review.
* `events.records.clean`: anything else, anonymized with typed placeholders (`<PERSON>`), no way back.
* `events.records.rejected`: a body that is not a valid record, with a reason that never quotes the text.

Then the raw incoming message is erased from the stream (`erase_incoming`: JetStream overwrites it in its
store), so after intake only the tokenized or anonymized copy is at rest, and the message is acked. Counts per
outcome are exposed for `/metrics` by `metrics_lines` (registered with `serving.health.register_metrics`).
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable
from typing import Any

from nats.aio.client import Client
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from guardrails.redaction import Redactor, get_redactor
from guardrails.vault import Vault
from warden.trace_context import trace_carrier

log = logging.getLogger(__name__)

EVENTS_STREAM = "EVENTS"
INCOMING_SUBJECT = "events.records.incoming"
QUARANTINED_SUBJECT = "events.records.quarantined"
CLEAN_SUBJECT = "events.records.clean"
REJECTED_SUBJECT = "events.records.rejected"
CONSUMER = "quarantine"
OUTCOMES = ("quarantined", "clean", "rejected")
MAX_TEXT_CHARS = 64 * 1024

# Types whose exposure alone enables fraud or identity theft (breach-notification laws name them: card
# numbers, SSNs, bank accounts). A name with a date of birth is the same risk together, not apart.
HIGH_RISK_TYPES = frozenset({"CREDIT_CARD", "US_SSN", "IBAN_CODE", "BANK_ACCOUNT"})
HIGH_RISK_COMBINATIONS = (frozenset({"PERSON", "DATE_OF_BIRTH"}),)


class QuarantineError(RuntimeError):
    """The quarantine cannot run: its durable consumer is missing or the bus refused it."""


class IncomingRecord(BaseModel):
    """The body of `events.records.incoming`. Unknown fields are refused: they would pass unscanned."""

    model_config = ConfigDict(extra="forbid", strict=True)

    record_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
    source: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")
    text: str = Field(max_length=MAX_TEXT_CHARS)


def high_risk_types(types: Iterable[str]) -> list[str]:
    """The entity types that make a record high-risk (empty: it is not)."""
    found = set(types)
    risky = found & HIGH_RISK_TYPES
    for combo in HIGH_RISK_COMBINATIONS:
        if combo <= found:
            risky |= combo
    return sorted(risky)


def is_high_risk(types: Iterable[str]) -> bool:
    """Whether the entity types found in one record make it high-risk."""
    return bool(high_risk_types(types))


def quarantine_consumer_config(*, ack_wait_s: float = 60.0, max_deliver: int = 5) -> ConsumerConfig:
    """The durable pull consumer the quarantine binds to; the admin step creates it on the EVENTS stream."""
    return ConsumerConfig(durable_name=CONSUMER, filter_subject=INCOMING_SUBJECT, ack_policy=AckPolicy.EXPLICIT,
                          deliver_policy=DeliverPolicy.ALL, ack_wait=ack_wait_s, max_deliver=max_deliver,
                          max_ack_pending=256)


def _reason(exc: ValidationError) -> str:
    """Field names and rule messages only: pydantic's `input` would quote the text."""
    parts = [f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors(include_input=False)]
    return "invalid record: " + "; ".join(parts)[:300]


class Quarantine:
    """Consumes incoming records, publishes each one's outcome, erases the raw copy, counts outcomes."""

    def __init__(self, nc: Client, vault: Vault, *, redactor: Redactor | None = None, stream: str = EVENTS_STREAM,
                 durable: str = CONSUMER, batch: int = 16, erase_incoming: bool = True,
                 publish_timeout_s: float = 5.0) -> None:
        self.nc = nc
        self.vault = vault
        self.redactor = redactor
        self.stream = stream
        self.durable = durable
        self.batch = batch
        self.erase_incoming = erase_incoming
        self.publish_timeout_s = publish_timeout_s
        self.counts: dict[str, int] = dict.fromkeys(OUTCOMES, 0)
        self.erase_failures = 0
        self._js = nc.jetstream()
        self._sub: Any = None
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        """Bind to the durable consumer (never creates it) and start pulling."""
        try:
            await self._js.consumer_info(self.stream, self.durable)
            self._sub = await self._js.pull_subscribe_bind(durable=self.durable, stream=self.stream)
        except Exception as exc:
            raise QuarantineError(f"consumer {self.durable} on {self.stream} is not available ({type(exc).__name__}): "
                                  "create it with quarantine_consumer_config() in the admin step") from None
        self.redactor = self.redactor or await asyncio.to_thread(get_redactor)
        self._task = asyncio.create_task(self._pull(), name=f"pull:{self.durable}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._sub is not None:
            try:
                await self._sub.unsubscribe()
            except Exception:
                pass
            self._sub = None

    def metrics_lines(self) -> list[str]:
        """Prometheus text lines: records by outcome, and raw copies that could not be erased."""
        lines = ["# HELP warden_records_total Incoming records by quarantine outcome.",
                 "# TYPE warden_records_total counter"]
        lines += [f'warden_records_total{{outcome="{o}"}} {self.counts[o]}' for o in OUTCOMES]
        lines += ["# HELP warden_records_erase_failures_total Raw incoming records the quarantine could not erase.",
                  "# TYPE warden_records_erase_failures_total counter",
                  f"warden_records_erase_failures_total {self.erase_failures}"]
        return lines

    async def _pull(self) -> None:
        while True:
            try:
                msgs = await self._sub.fetch(self.batch, timeout=1.0)
            except (NatsTimeout, asyncio.TimeoutError):
                continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the bus went away for a moment: back off, reconnect handles the rest
                log.warning("quarantine fetch failed: %s", exc)
                await asyncio.sleep(0.5)
                continue
            for msg in msgs:
                try:
                    await self.handle(msg)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # not acked: redelivered after ack_wait, up to max_deliver
                    log.warning("quarantine could not process stream seq %s: %s: %s",
                                msg.metadata.sequence.stream, type(exc).__name__, exc)

    async def handle(self, msg: Any) -> str:
        """Classify one message, publish its outcome, erase the raw copy, ack; returns the outcome."""
        seq = msg.metadata.sequence.stream
        outcome, subject, body = await self._judge(msg.data, seq)
        # The outcome is stored before the raw copy goes; a crash in between republishes with the same id,
        # which the stream's duplicate window drops.
        headers = {"Nats-Msg-Id": f"quarantine:{self.stream}:{seq}", **trace_carrier(getattr(msg, "headers", None))}
        await self._js.publish(subject, json.dumps(body).encode(), timeout=self.publish_timeout_s, headers=headers)
        if self.erase_incoming:
            await self._erase(seq)
        await msg.ack()
        self.counts[outcome] += 1
        return outcome

    async def _judge(self, data: bytes, seq: int) -> tuple[str, str, dict[str, Any]]:
        try:
            raw = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return "rejected", REJECTED_SUBJECT, {"record_id": None, "stream_seq": seq, "reason": "body is not JSON"}
        try:
            record = IncomingRecord.model_validate(raw)
        except ValidationError as exc:
            record_id = raw.get("record_id") if isinstance(raw, dict) else None
            safe_id = record_id if isinstance(record_id, str) and _valid_id(record_id) else None
            return "rejected", REJECTED_SUBJECT, {"record_id": safe_id, "stream_seq": seq, "reason": _reason(exc)}
        found = await asyncio.to_thread(self.redactor.analyze, record.text)
        types = sorted({e.type for e in found})
        base = {"record_id": record.record_id, "source": record.source, "types": types, "stream_seq": seq}
        risk = high_risk_types(types)
        if risk:
            run = f"record:{record.record_id}"
            redacted = await asyncio.to_thread(self.redactor.redact_text, record.text, vault=self.vault.for_run(run))
            return "quarantined", QUARANTINED_SUBJECT, {**base, "text": redacted.text, "risk": risk, "vault_run": run}
        redacted = await asyncio.to_thread(self.redactor.redact_text, record.text)
        return "clean", CLEAN_SUBJECT, {**base, "text": redacted.text}

    async def _erase(self, seq: int) -> None:
        try:
            # No `no_erase`: the server overwrites the message in its store, not only its index.
            resp = await self.nc.request(f"$JS.API.STREAM.MSG.DELETE.{self.stream}", json.dumps({"seq": seq}).encode(),
                                         timeout=self.publish_timeout_s)
            answer = json.loads(resp.data)
            if answer.get("success"):
                return
            error = answer.get("error", {}).get("description", "refused")
        except Exception as exc:  # no answer: the bus does not let this user delete; stop waiting on every record
            self.erase_incoming = False
            error = f"{type(exc).__name__}: {exc}; erasing is now off (grant $JS.API.STREAM.MSG.DELETE.{self.stream})"
        self.erase_failures += 1
        log.error("quarantine could not erase the raw record at %s seq %s: %s", self.stream, seq, error)


def _valid_id(record_id: str) -> bool:
    try:
        IncomingRecord(record_id=record_id, source="x", text="")
        return True
    except ValidationError:
        return False
