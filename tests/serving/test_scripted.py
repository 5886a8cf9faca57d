"""The scripted model is a real Model that records every prompt it receives."""
from __future__ import annotations

import json

import pytest

from serving.model import Model, ModelError, ModelRequest
from serving.scripted import ScriptedModel, schema_stub


async def test_answers_in_order_and_records_prompts() -> None:
    model = ScriptedModel(["first", "second"])
    assert isinstance(model, Model)
    a = await model.generate(ModelRequest(prompt="Claimant <PERSON_1> reports a dented bumper"))
    b = await model.generate(ModelRequest(messages=[{"role": "user", "content": "hello"}]))
    assert (a.text, b.text) == ("first", "second")
    assert model.prompts == ["Claimant <PERSON_1> reports a dented bumper", "hello"]
    assert model.requests[0].prompt is not None and model.requests[1].messages is not None
    assert a.prompt_tokens == 6 and a.completion_tokens == 1


async def test_script_steps_can_fail_and_exhaustion_is_a_model_error() -> None:
    model = ScriptedModel([ModelError("backend down"), "ok"])
    with pytest.raises(ModelError, match="backend down"):
        await model.generate(ModelRequest(prompt="x"))
    assert (await model.generate(ModelRequest(prompt="x"))).text == "ok"
    with pytest.raises(ModelError, match="exhausted"):
        await model.generate(ModelRequest(prompt="x"))


async def test_function_script_and_stream_yield_words() -> None:
    model = ScriptedModel(lambda req: f"echo {req.lane} lane")
    chunks = [c async for c in model.stream(ModelRequest(prompt="p", lane="interactive"))]
    assert chunks == ["echo", " interactive", " lane"]
    assert "".join(chunks) == "echo interactive lane"
    assert model.prompts == ["p"]


async def test_default_script_returns_schema_shaped_json() -> None:
    schema = {"type": "object", "required": ["category", "amount", "flags"],
              "properties": {"category": {"enum": ["auto", "home"]}, "amount": {"type": "number", "minimum": 1},
                             "flags": {"type": "array", "items": {"type": "string"}}, "note": {"type": "string"}}}
    response = await ScriptedModel().generate(ModelRequest(prompt="extract", json_schema=schema))
    assert json.loads(response.text) == {"category": "auto", "amount": 1, "flags": []}
    assert (await ScriptedModel().generate(ModelRequest(prompt="hi"))).text == "OK"


def test_schema_stub_follows_refs_and_nullable_types() -> None:
    schema = {"$defs": {"Item": {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}}},
              "type": "object", "required": ["item", "maybe"],
              "properties": {"item": {"$ref": "#/$defs/Item"}, "maybe": {"type": ["null", "string"]}}}
    assert schema_stub(schema) == {"item": {"n": 0}, "maybe": ""}
