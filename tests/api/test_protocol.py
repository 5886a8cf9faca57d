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
