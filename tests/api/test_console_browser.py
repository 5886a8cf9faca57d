"""The web console in a real browser (Debian's chromium driven by Playwright) against a real `warden up` stack:
an adjuster signs in with a token from `warden users add`, sees a pending payment arrive live, approves it,
watches its run finish, and asks the assistant about the claim (a cited answer). Screenshots go to evals/reports/screenshots/."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).parents[2] / "evals/reports/screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="browser test needs Debian's chromium at /usr/bin/chromium "
                       "(apt-get install -y chromium); Playwright cannot download its own browser here"),
    pytest.mark.skipif(shutil.which("true") is None, reason="no POSIX tools"),
]


@pytest.fixture(scope="module")
async def browser():
    playwright_api = pytest.importorskip("playwright.async_api", reason="pip install playwright (the dev extra)")
    async with playwright_api.async_playwright() as p:
        b = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield b
        finally:
            await b.close()


async def test_an_adjuster_signs_in_approves_a_payment_live_and_sees_the_run_finish(live, browser) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = await browser.new_page(viewport={"width": 1400, "height": 1000})
    await page.goto(live.base + "/")
    await page.get_by_label("Token").fill("wdn_wrong")
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_text("That token is not valid").wait_for(timeout=10_000)

    await page.get_by_label("Token").fill(live.tokens["adjuster"])
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_text("signed in as user:adjuster-1").wait_for(timeout=10_000)
    await page.get_by_text("(live)").wait_for(timeout=10_000)

    await live.publish("CLM-1006")  # above the auto-approval limit: the gate asks an adjuster
    item = page.locator("#inbox li.pending", has_text="payments.issue")
    await item.wait_for(timeout=30_000)  # arrives over the SSE stream, no reload
    assert "<BANK_ACCOUNT" in await item.inner_text()  # PII shown as tokens
    await page.screenshot(path=str(SHOTS / "console-approval-pending.png"), full_page=True)

    await item.get_by_label("reason").fill("receipts match the claim")
    await item.get_by_role("button", name="Approve").click()
    await page.locator("#inbox li.decided", has_text="approved by user:adjuster-1").wait_for(timeout=10_000)
    await page.locator("#timeline li[data-kind='run.completed']").wait_for(timeout=30_000)
    assert "paid" in await page.locator("#timeline li[data-kind='run.completed']").inner_text()
    await page.locator("#runs tbody tr", has_text="CLM-1006").locator("td.status", has_text="completed").wait_for(timeout=10_000)
    await page.screenshot(path=str(SHOTS / "console-run-finished.png"), full_page=True)

    await page.get_by_label("Ask about a claim").fill("What happened with claim CLM-1006, and what does the payment procedure say?")
    await page.get_by_role("button", name="Ask").click()
    await page.locator("#citations li", has_text="Claim record CLM-1006").wait_for(timeout=30_000)
    assert "[claim:CLM-1006]" in await page.locator("#answer").inner_text()
    await page.screenshot(path=str(SHOTS / "console-chat.png"), full_page=True)
    await page.close()
