"""Timeout, retry, circuit breaker, fallback and accounting: behaviour added by wrapping a Model."""
from __future__ import annotations

import asyncio
import random

import pytest

from serving.accounting import AccountingModel
from serving.breaker import BreakerState, CircuitBreakerModel, CircuitOpen
from serving.fallback import AllModelsFailed, FallbackModel
from serving.model import Model, ModelError, ModelRequest
from serving.retry import RetryModel
from serving.scripted import ScriptedModel
from serving.timeout import ModelTimeout, TimeoutModel

REQ = ModelRequest(prompt="summarize claim CLM-1001")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- timeout -----------------------------------------------------------------------------------------------

async def test_timeout_turns_a_slow_backend_into_model_timeout() -> None:
    model = TimeoutModel(ScriptedModel(["late"], delay_s=1.0), timeout_s=0.05)
    with pytest.raises(ModelTimeout):
        await model.generate(REQ)
    assert isinstance(model, Model) and isinstance(ModelTimeout("x"), ModelError)


async def test_timeout_passes_fast_answers_and_bounds_streams() -> None:
    assert (await TimeoutModel(ScriptedModel(["quick"]), timeout_s=1.0).generate(REQ)).text == "quick"
    slow_stream = TimeoutModel(ScriptedModel(["a b c d e f"], stream_delay_s=0.05), timeout_s=0.12)
    got: list[str] = []
    with pytest.raises(ModelTimeout):
        async for chunk in slow_stream.stream(REQ):
            got.append(chunk)
    assert 0 < len(got) < 6


# --- retry -------------------------------------------------------------------------------------------------

async def test_retry_recovers_from_transient_failures() -> None:
    inner = ScriptedModel([ModelError("503"), ModelError("reset"), "fine"])
    model = RetryModel(inner, attempts=3, base_delay_s=0.001, rng=random.Random(1))
    assert (await model.generate(REQ)).text == "fine"
    assert inner.calls == 3 and model.retries == 2


async def test_retry_gives_up_after_attempts_and_skips_non_transient_errors() -> None:
    inner = ScriptedModel([ModelError("1"), ModelError("2"), ModelError("3"), "never"])
    with pytest.raises(ModelError, match="2"):
        await RetryModel(inner, attempts=2, base_delay_s=0.001).generate(REQ)
    assert inner.calls == 2
    open_inner = ScriptedModel([CircuitOpen("open"), "never"])
    with pytest.raises(CircuitOpen):
        await RetryModel(open_inner, attempts=3, base_delay_s=0.001).generate(REQ)
    assert open_inner.calls == 1
    bug = ScriptedModel([ValueError("a bug, not an outage"), "never"])
    with pytest.raises(ValueError):
        await RetryModel(bug, attempts=3, base_delay_s=0.001).generate(REQ)
    assert bug.calls == 1


def test_backoff_is_exponential_capped_and_jittered() -> None:
    model = RetryModel(ScriptedModel([]), base_delay_s=0.1, max_delay_s=0.5, rng=random.Random(7))
    for attempt, cap in [(0, 0.1), (1, 0.2), (2, 0.4), (3, 0.5), (6, 0.5)]:
        samples = [model.backoff_s(attempt) for _ in range(200)]
        assert all(0 <= s <= cap for s in samples)
        assert max(samples) > cap * 0.8 and min(samples) < cap * 0.2  # full jitter spreads across the range


async def test_retry_restarts_a_stream_only_before_its_first_chunk() -> None:
    inner = ScriptedModel([ModelError("refused"), "hello there"])
    model = RetryModel(inner, attempts=2, base_delay_s=0.001)
    assert [c async for c in model.stream(REQ)] == ["hello", " there"]


# --- circuit breaker ---------------------------------------------------------------------------------------

async def test_breaker_opens_after_consecutive_failures_and_rejects_fast() -> None:
    clock = FakeClock()
    inner = ScriptedModel([ModelError("down")] * 3 + ["back"])
    breaker = CircuitBreakerModel(inner, failure_threshold=3, cooldown_s=10, clock=clock)
    for _ in range(3):
        assert breaker.state is BreakerState.CLOSED
        with pytest.raises(ModelError, match="down"):
            await breaker.generate(REQ)
    assert breaker.state is BreakerState.OPEN
    with pytest.raises(CircuitOpen, match="circuit open"):
        await breaker.generate(REQ)
    assert inner.calls == 3  # rejected without touching the backend


async def test_breaker_half_opens_after_cooldown_and_closes_on_success() -> None:
    clock = FakeClock()
    inner = ScriptedModel([ModelError("down"), ModelError("down"), "recovered", "steady"])
    breaker = CircuitBreakerModel(inner, failure_threshold=2, cooldown_s=10, clock=clock)
    for _ in range(2):
        with pytest.raises(ModelError):
            await breaker.generate(REQ)
    clock.now += 10
    assert breaker.state is BreakerState.HALF_OPEN
    assert (await breaker.generate(REQ)).text == "recovered"
    assert breaker.state is BreakerState.CLOSED and breaker.consecutive_failures == 0
    assert (await breaker.generate(REQ)).text == "steady"


async def test_breaker_failed_probe_reopens_for_another_cooldown() -> None:
    clock = FakeClock()
    inner = ScriptedModel([ModelError("down"), ModelError("still down"), "ok"])
    breaker = CircuitBreakerModel(inner, failure_threshold=1, cooldown_s=5, clock=clock)
    with pytest.raises(ModelError):
        await breaker.generate(REQ)
    clock.now += 5
    with pytest.raises(ModelError, match="still down"):
        await breaker.generate(REQ)  # the half-open probe
    assert breaker.state is BreakerState.OPEN
    clock.now += 4.9
    with pytest.raises(CircuitOpen):
        await breaker.generate(REQ)
    clock.now += 0.1
    assert (await breaker.generate(REQ)).text == "ok"


async def test_breaker_admits_a_single_probe_while_half_open() -> None:
    clock = FakeClock()
    inner = ScriptedModel([ModelError("down"), "probe ok", "after"], delay_s=0.05)
    breaker = CircuitBreakerModel(inner, failure_threshold=1, cooldown_s=1, clock=clock)
    with pytest.raises(ModelError):
        await breaker.generate(REQ)
    clock.now += 1
    results = await asyncio.gather(breaker.generate(REQ), breaker.generate(REQ), return_exceptions=True)
    assert [type(r).__name__ for r in results] == ["ModelResponse", "CircuitOpen"]
    assert (await breaker.generate(REQ)).text == "after"


# --- fallback ----------------------------------------------------------------------------------------------

async def test_fallback_uses_the_next_model_when_one_fails() -> None:
    primary = ScriptedModel([ModelError("primary down")], name="primary")
    secondary = ScriptedModel(["from secondary"], name="secondary")
    chain = FallbackModel([primary, secondary])
    response = await chain.generate(REQ)
    assert response.text == "from secondary" and response.model == "secondary"
    assert primary.calls == 1 and secondary.calls == 1 and chain.served_by == {"secondary": 1}


async def test_fallback_raises_when_every_model_fails_and_streams_fall_over() -> None:
    chain = FallbackModel([ScriptedModel([ModelError("a down")], name="a"),
                           ScriptedModel([ModelError("b down")], name="b")])
    with pytest.raises(AllModelsFailed, match="a down.*b down"):
        await chain.generate(REQ)
    streaming = FallbackModel([ScriptedModel([ModelError("x")], name="a"), ScriptedModel(["via b"], name="b")])
    assert "".join([c async for c in streaming.stream(REQ)]) == "via b"


async def test_fallback_over_an_open_breaker_skips_the_dead_backend() -> None:
    dead = ScriptedModel([ModelError("down")] * 10, name="dead")
    breaker = CircuitBreakerModel(dead, failure_threshold=1, cooldown_s=60)
    chain = FallbackModel([breaker, ScriptedModel(lambda r: "spare", name="spare")])
    for _ in range(3):
        assert (await chain.generate(REQ)).text == "spare"
    assert dead.calls == 1


# --- accounting --------------------------------------------------------------------------------------------

async def test_accounting_counts_tokens_latency_and_failures_per_model() -> None:
    inner = ScriptedModel(["one two three", ModelError("boom"), "four"], name="m")
    model = AccountingModel(inner, backend="scripted")
    await model.generate(ModelRequest(prompt="a b"))
    with pytest.raises(ModelError):
        await model.generate(REQ)
    await model.generate(ModelRequest(prompt="c"))
    stats = model.stats()
    assert stats["backend"] == "scripted" and stats["model"] == "m"
    assert (stats["calls"], stats["failures"]) == (2, 1)
    assert (stats["prompt_tokens"], stats["completion_tokens"]) == (3, 4)
    assert stats["tokens_per_s"] > 0
    with pytest.raises(ModelError, match="exhausted"):
        [c async for c in model.stream(REQ)]
    assert model.stats()["failures"] == 2


async def test_accounting_counts_streamed_chunks() -> None:
    model = AccountingModel(ScriptedModel(["five words in this answer"]), backend="scripted")
    assert len([c async for c in model.stream(REQ)]) == 5
    assert model.stats()["calls"] == 1 and model.stats()["completion_tokens"] == 5


async def test_wrappers_stack_and_stay_models() -> None:
    stack = AccountingModel(CircuitBreakerModel(RetryModel(TimeoutModel(ScriptedModel(["ok"]), 1.0))))
    assert isinstance(stack, Model) and stack.name == "scripted"
    assert (await stack.generate(REQ)).text == "ok"
