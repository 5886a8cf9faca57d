"""HTTP details a client relies on: bodies are bounded however they are sent, and the console is locked down."""
from __future__ import annotations


async def test_a_chunked_body_without_a_length_is_bounded_too(bare) -> None:
    async def chunks():
        for _ in range(40):
            yield b"x" * 8192  # 320 KiB, never declared

    async with bare.client("adjuster") as c:
        r = await c.post("/v1/approvals/apr-0123456789ab", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "limit" in r.json()["error"]


async def test_the_console_is_served_with_a_strict_content_security_policy(bare) -> None:
    async with bare.client() as c:
        page = await c.get("/")
        script = await c.get("/console/console.js")
    assert page.status_code == 200 and "<h1>Warden</h1>" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"] and page.headers["x-frame-options"] == "DENY"
    assert script.status_code == 200 and "Last-Event-ID" in script.text


async def test_revoking_a_token_ends_its_open_streams(bare) -> None:
    import asyncio

    from api_helpers import parse_sse

    token = bare.ctx.directory.add_user("leaver", ["adjuster"])
    run = "run-claims_triage-900100"
    bare.ctx.journal.record(run, "tool.decision", {"n": 0}, source_key="leaver:0", graph="claims_triage")
    async with bare.client() as c:
        async def read(path: str) -> list:
            async with c.stream("GET", path, headers={"Authorization": f"Bearer {token}"}) as r:
                assert r.status_code == 200
                return parse_sse("".join([chunk async for chunk in r.aiter_text()]))

        streams = asyncio.gather(read("/v1/approvals/stream"), read(f"/v1/runs/{run}/events"))
        await asyncio.sleep(0.5)
        bare.ctx.directory.revoke("leaver")
        inbox, events = await asyncio.wait_for(streams, 10)  # both end on their next keep-alive (1 s here)
    assert inbox[-1][1] == "error" and events[-1][1] == "error"
    async with bare.client() as c:
        assert (await c.get("/v1/runs", headers={"Authorization": f"Bearer {token}"})).status_code == 401
