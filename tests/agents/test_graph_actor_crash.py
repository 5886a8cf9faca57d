"""A run whose process died between a node's saved writes and the checkpoint after them is continued on redelivery,
never taken for finished: LangGraph's snapshot then has no `next` step, but still the task that wrote.

Found by `make chaos` (kill -9 the runtime): such runs were acked as `skipped` with no decision, and never ended."""
from __future__ import annotations

import operator
from typing import Annotated, TypedDict

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph

from agents.agent_id import AgentId
from agents.envelope import Envelope
from agents.graph_actor import GraphActor


class Died(BaseException):
    """The process is gone (kill -9): nothing after this point is written."""


class DyingSaver(InMemorySaver):
    """Stops saving at the checkpoint after step `die_at`: the writes of that step's nodes are already stored."""

    die_at: int | None = None

    async def aput(self, config, checkpoint, metadata, new_versions):
        if self.die_at is not None and metadata.get("step", -1) > self.die_at:
            raise Died()
        return await super().aput(config, checkpoint, metadata, new_versions)


class State(TypedDict, total=False):
    steps: Annotated[list[str], operator.add]
    decision: str


def _graph(saver: InMemorySaver):
    g = StateGraph(State)
    g.add_node("intake", lambda s: {"steps": ["intake"]})
    g.add_node("decide", lambda s: {"steps": ["decide"], "decision": "paid"})
    g.add_edge(START, "intake")
    g.add_edge("intake", "decide")
    g.add_edge("decide", END)
    return g.compile(checkpointer=saver)


async def test_a_run_killed_after_a_node_wrote_is_continued_not_skipped() -> None:
    saver = DyingSaver()
    saver.die_at = 0  # intake ran and its writes are saved; the checkpoint after it never is
    actor = GraphActor("t", _graph(saver), lambda run_id, payload: {"steps": []})
    envelope = Envelope(agent=AgentId("t", "CLM-1"), payload={}, msg_id="EVENTS:7", subject="events.t")
    with pytest.raises(Died):
        await actor(envelope)
    config = {"configurable": {"thread_id": "run-t-7"}}
    crashed = await actor.graph.aget_state(config)
    assert crashed.values and not crashed.next and crashed.tasks  # what used to read as "finished"

    saver.die_at = None  # the runtime restarts; the event is delivered again
    outcome = await actor(envelope)
    assert (outcome.status, outcome.decision) == ("completed", "paid")
    assert (await actor.graph.aget_state(config)).values["steps"] == ["intake", "decide"]
