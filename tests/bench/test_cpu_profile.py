"""The fleet benchmark's profile: a busy thread's samples go to the concept of the most specific code on its
stack, and waiting threads (an event loop in select, an idle pool worker) are not counted as busy."""
from __future__ import annotations

import threading

from bench.cpu_profile import StackSampler, bucket_of

BUSY_SOURCE = """
def spin(stop):
    n = 0
    while not stop.is_set():
        n += 1
"""


def test_the_most_specific_concept_on_the_stack_wins() -> None:
    loop, actor = "/usr/lib/python3.11/asyncio/base_events.py", "/srv/warden/agents/graph_actor.py"
    assert bucket_of([loop, actor, "/srv/warden/guardrails/redaction.py", "/usr/lib/python3.11/json/encoder.py"]) == "redaction"
    assert bucket_of([loop, actor, "/srv/warden/agents/gate_client.py", "/usr/lib/python3.11/json/encoder.py"]) == "serialization"
    assert bucket_of([loop, "/venv/site-packages/nats/aio/client.py", "/usr/lib/python3.11/json/decoder.py"]) == "bus"
    assert bucket_of([loop, "/venv/site-packages/langgraph/checkpoint/sqlite/aio.py"]) == "checkpoints"
    assert bucket_of([loop, "/srv/warden/guardrails/policy.py", "/venv/site-packages/regopy/interpreter.py"]) == "policy"
    assert bucket_of(["/usr/lib/python3.11/threading.py"]) == "other"


def test_a_busy_thread_is_sampled_under_its_concept_and_a_waiting_one_is_not() -> None:
    namespace: dict = {}
    exec(compile(BUSY_SOURCE, "/srv/warden/guardrails/redaction_fixture.py", "exec"), namespace)
    stop, idle = threading.Event(), threading.Event()
    sampler = StackSampler(interval_s=0.001).start()
    waiter = threading.Thread(target=idle.wait)
    spinner = threading.Thread(target=namespace["spin"], args=(stop,))
    waiter.start()
    spinner.start()
    try:
        sampler.reset()
        while sampler.summary()["busy_samples"].get("redaction", 0) < 200:  # enough CPU ticks (10 ms each) to split
            stop.wait(0.01)
        summary = sampler.summary()
    finally:  # never leave a sampler walking the frames of the rest of the test run
        sampler.stop()
        stop.set()
        idle.set()
        spinner.join()
        waiter.join()
    assert summary["idle_samples"] > 0, "the thread waiting on an event is idle, and so is this one while it waits"
    assert summary["busy_share"]["redaction"] > 0.5
    assert summary["cpu_share"]["redaction"] > 0.5, "the spinning thread's CPU is filed under its concept"
    assert not any(t.name == "stack-sampler" for t in threading.enumerate()), "the sampler stopped"
