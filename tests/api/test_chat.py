"""The staff assistant: a cited answer about a claim, from BM25 retrieval over the corpus and the claim's stored
record, with PII redacted before anything reaches a prompt."""
from __future__ import annotations

from api.chat import ChatService, load_corpus, retrieve
from serving.scripted import ScriptedModel

from api_helpers import CLAIMS, eventually, parse_sse

PII = [CLAIMS["CLM-1007"]["claimant"]["name"], CLAIMS["CLM-1007"]["claimant"]["email"], CLAIMS["CLM-1007"]["policy_number"],
       CLAIMS["CLM-1007"]["claimant"]["phone"], "ACCT-9000001", CLAIMS["CLM-1007"]["payee_account_on_file"]]


def test_bm25_finds_the_physiotherapy_sheet_for_a_physiotherapy_question() -> None:
    hits = retrieve(load_corpus(), "how many physiotherapy sessions are covered", 2)
    assert hits[0].doc_id == "policy-health-physiotherapy"


async def _known(live, claim_id: str) -> None:
    async with live.client("staff") as staff:
        async def known():
            return (await staff.get("/v1/runs", params={"key": claim_id})).json()["runs"]
        await eventually(known)


async def test_the_assistant_answers_about_claim_1007_with_citations_and_no_pii(live) -> None:
    await live.publish("CLM-1007")
    await _known(live, "CLM-1007")
    async with live.client("staff") as staff:
        r = await staff.post("/v1/chat", json={"message": "What happened with claim CLM-1007, and is physiotherapy covered?"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(r.text)
    answer = "".join(d["text"] for _, kind, d in events if kind == "token")
    cited = [d["doc_id"] for _, kind, d in events if kind == "citation"]
    assert events[-1][1] == "done" and events[-1][2]["citations"] == cited
    assert "claim:CLM-1007" in cited and "policy-health-physiotherapy" in cited
    assert "[claim:CLM-1007]" in answer and "physiotherapy" in answer.lower()
    assert [int(i) for i, _, _ in events] == list(range(1, len(events) + 1))
    for value in PII:
        assert value not in r.text


async def test_a_served_model_sees_only_redacted_passages_and_its_answer_cites_what_it_named(live) -> None:
    await live.publish("CLM-1007")  # a repeat of the same event is dropped by the stream; the run is known
    await _known(live, "CLM-1007")
    model = ScriptedModel(lambda req: "The claim asks for 480.00 USD of physiotherapy [claim:CLM-1007]; up to 12 "
                                      "sessions a year are covered [policy-health-physiotherapy].")
    chat = ChatService(model, live.server.ctx.redact, claims=live.server.ctx.chat.claims)
    events = [e async for e in chat.answer("Tell me about CLM-1007 physiotherapy cover")]
    prompt = model.prompts[0]
    assert "UNTRUSTED" in prompt and "claim:CLM-1007:statement" in prompt  # the statement is marked as claimant text
    for value in PII:
        assert value not in prompt
    assert [d["doc_id"] for kind, d in events if kind == "citation"] == ["claim:CLM-1007", "policy-health-physiotherapy"]


async def test_chat_needs_a_token_and_valid_input(live) -> None:
    async with live.client() as anon:
        assert (await anon.post("/v1/chat", json={"message": "hi"})).status_code == 401
    async with live.client("staff") as staff:
        r = await staff.post("/v1/chat", json={"message": "hi", "claim_id": "1007"})
        assert r.status_code == 422 and r.json()["field"] == "body.claim_id"
        r = await staff.post("/v1/chat", json={"message": ""})
        assert r.status_code == 422 and r.json()["field"] == "body.message"
