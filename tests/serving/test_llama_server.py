"""The embedded model end to end: the real llama.cpp server, reached through LiteLLM, constrained by a schema."""
from __future__ import annotations

import json

import pytest
from pydantic import BaseModel

from warden.settings import Settings
from serving.factory import build_model, model_stats
from serving.litellm_model import LiteLLMModel, close_clients
from serving.llama_server import LlamaServer, LlamaServerError, free_port
from serving.model import ModelError, ModelRequest


class ClaimFacts(BaseModel):
    category: str
    amount: float


SCHEMA = {"type": "object", "additionalProperties": False, "required": ["category", "amount"],
          "properties": {"category": {"type": "string", "enum": ["auto", "home", "travel"]},
                         "amount": {"type": "number"}}}

FEW_SHOT = """Extract the claim category and amount as JSON.
Claim: My car was rear-ended, repair estimate is 1200 dollars.
JSON: {"category": "auto", "amount": 1200}
Claim: A pipe burst in the kitchen and flooded the floor; the plumber charged 450.
JSON: {"category": "home", "amount": 450}
Claim: My flight was cancelled and I paid 310 for a hotel.
JSON: """


@pytest.fixture(scope="module")
async def llama(tmp_path_factory: pytest.TempPathFactory):
    async with LlamaServer(log_path=tmp_path_factory.mktemp("llama") / "server.log") as server:
        yield server
    await close_clients()


@pytest.mark.llm
async def test_few_shot_completion_returns_schema_valid_json_and_counts_tokens(llama: LlamaServer) -> None:
    model = build_model(Settings(llm="local"), llama=llama)
    response = await model.generate(ModelRequest(prompt=FEW_SHOT, json_schema=SCHEMA, max_tokens=48))
    facts = ClaimFacts.model_validate(json.loads(response.text))
    assert set(json.loads(response.text)) == {"category", "amount"}
    assert facts.category in {"auto", "home", "travel"}
    assert response.prompt_tokens > 50 and response.completion_tokens > 0
    streamed = [c async for c in model.stream(ModelRequest(prompt="The capital of France is", max_tokens=8,
                                                            lane="interactive"))]
    assert len(streamed) > 1 and "".join(streamed).strip()
    stats = model_stats(model)
    assert stats["backend"] == "llama.cpp" and stats["model"] == "openai/gemma-3-270m"
    assert stats["calls"] == 2 and stats["completion_tokens"] >= response.completion_tokens
    assert stats["tokens_per_s"] > 0 and stats["breaker"] == "closed"


async def test_unreachable_endpoint_is_a_model_error() -> None:
    model = LiteLLMModel("openai/none", api_base=f"http://127.0.0.1:{free_port()}/v1", request_timeout_s=5)
    with pytest.raises(ModelError, match="openai/none"):
        await model.generate(ModelRequest(prompt="hello", max_tokens=4))


async def test_server_that_dies_reports_its_log(tmp_path) -> None:
    bogus = tmp_path / "not-a-model.gguf"
    bogus.write_bytes(b"GGUF but not really")
    with pytest.raises(LlamaServerError, match="exited with code") as info:
        await LlamaServer(bogus, log_path=tmp_path / "log", startup_timeout_s=30).start()
    assert str(info.value).count("\n") >= 1  # the tail of the server log follows the first line
