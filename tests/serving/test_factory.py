"""Settings pick the model; every served model gets the same wrapper stack."""
from __future__ import annotations

import pytest

from warden.settings import Settings
from serving.accounting import AccountingModel
from serving.breaker import CircuitBreakerModel
from serving.factory import ModelConfigError, build_model, model_context, model_stats
from serving.instrumented import InstrumentedModel
from serving.lanes import LaneScheduler
from serving.litellm_model import LiteLLMModel, structured_fields
from serving.model import Model, ModelRequest
from serving.retry import RetryModel
from serving.scripted import ScriptedModel
from serving.timeout import TimeoutModel
from serving.wrapper import find_wrapper, innermost


async def test_scripted_settings_give_a_recording_scripted_model() -> None:
    model = build_model(Settings(llm="scripted"))
    assert isinstance(model, Model) and isinstance(innermost(model), ScriptedModel)
    response = await model.generate(ModelRequest(prompt="x", json_schema={"type": "object", "properties": {}}))
    assert response.text == "{}"
    assert model_stats(model)["backend"] == "scripted" and model_stats(model)["calls"] == 1


def test_local_needs_a_running_server() -> None:
    with pytest.raises(ModelConfigError, match="LlamaServer"):
        build_model(Settings(llm="local"))


def test_a_litellm_name_with_api_base_is_vllm_with_the_full_stack() -> None:
    model = build_model(Settings(llm="openai/Qwen/Qwen2.5-7B-Instruct", llm_api_base="http://gpu:8000/v1"))
    layers = []
    current = model
    while current is not None:
        layers.append(type(current))
        current = getattr(current, "inner", None)
    assert layers == [InstrumentedModel, AccountingModel, CircuitBreakerModel, RetryModel, LaneScheduler,
                      TimeoutModel, LiteLLMModel]
    base = innermost(model)
    assert isinstance(base, LiteLLMModel) and base.structured == "structured_outputs"
    assert base.api_base == "http://gpu:8000/v1" and find_wrapper(model, LaneScheduler).max_inflight == 16
    assert model.name == "openai/Qwen/Qwen2.5-7B-Instruct"


def test_one_request_shape_per_engine() -> None:
    schema = {"title": "Facts", "type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
    assert structured_fields(schema, "structured_outputs") == {"structured_outputs": {"json": schema}}
    assert structured_fields(schema, "guided_json") == {"guided_json": schema}
    assert structured_fields(schema, "response_format")["response_format"]["json_schema"]["name"] == "Facts"
    assert structured_fields(schema, "none") == {}
    grammar = structured_fields(schema, "gbnf")["grammar"]
    assert grammar.startswith("a-kv ::=") or "root ::=" in grammar
    kwargs = LiteLLMModel("openai/m", api_base="http://x/v1", structured="gbnf")._kwargs(
        ModelRequest(prompt="p", json_schema=schema, stop=["\n"]), stream=False)
    assert "grammar" in kwargs["extra_body"] and kwargs["stop"] == ["\n"] and kwargs["max_retries"] == 0


async def test_model_context_yields_a_model_with_stats(tmp_path) -> None:
    async with model_context(Settings(llm="scripted", data_dir=tmp_path)) as model:
        await model.generate(ModelRequest(prompt="hello"))
        stats = model.stats()  # the outermost wrapper answers from the accounting layer
    assert stats["backend"] == "scripted" and stats["calls"] == 1 and "tokens_per_s" in stats


def test_the_llm_api_key_is_sent_and_kept_out_of_errors() -> None:
    from serving.litellm_model import _model_error

    model = build_model(Settings(llm="openai/warden-model", llm_api_base="http://vllm:8000/v1", llm_api_key="sk-vllm-123"))
    base = innermost(model)
    assert isinstance(base, LiteLLMModel)
    assert base._kwargs(ModelRequest(prompt="p"), stream=False)["api_key"] == "sk-vllm-123"
    assert "sk-vllm-123" not in repr(Settings(llm_api_key="sk-vllm-123"))
    error = _model_error("m", RuntimeError("401: bad key sk-vllm-123"), "sk-vllm-123")
    assert "sk-vllm-123" not in str(error) and "***" in str(error)
    # without a key an OpenAI-compatible endpoint still gets the placeholder its client insists on
    assert innermost(build_model(Settings(llm="openai/m", llm_api_base="http://x/v1"))).api_key == "not-needed"
