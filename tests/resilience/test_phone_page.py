"""The phone page in Chromium keeps its promises of issue 4 (static/js/phone.js, common.js).

The page's websocket goes through Playwright's `route_web_socket`, so a test can cut it
or answer a frame in the server's place; the page's timers run on Playwright's clock,
so "no reconnect until a trigger" is certain rather than likely. The server is a real
Daphne process (tests/resilience/harness.py).
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import async_playwright, expect

from tests.resilience.harness import (
    Database,
    Server,
    child_env,
    close_all,
    free_port,
    launch_game,
    prepare_database,
)

pytestmark = [pytest.mark.browser, pytest.mark.process]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TIMEOUT_MS = 15_000

TRIGGERS = {
    "online": "window.dispatchEvent(new Event('online'))",
    "visibilitychange": "document.dispatchEvent(new Event('visibilitychange'))",
    "pageshow": "window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))",
}


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    password = secrets.token_urlsafe(12)
    env = child_env(tmp_path / "db.sqlite3")
    prepare_database(env, password, [60, 60])
    server = Server(env=env, port=free_port(), log=tmp_path / "daphne.log")
    host = None
    try:
        await server.start()
        teacher = await launch_game(server, password)
        host = await teacher.connect(server)
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            context = await browser.new_context(
                base_url=server.base_url, viewport={"width": 360, "height": 740}
            )
            context.set_default_timeout(TIMEOUT_MS)
            expect.set_options(timeout=TIMEOUT_MS)
            page = await context.new_page()
            yield {
                "server": server,
                "pin": teacher.pin,
                "host": host,
                "page": page,
                "db": Database(tmp_path / "db.sqlite3"),
            }
            await browser.close()
    except BaseException:
        print(server.tail())
        raise
    finally:
        await close_all(host)
        server.stop()


async def _route_sockets(page: Any, on_answer=None) -> list[Any]:
    """Route the page's game sockets to the server; return the list of routes opened."""
    routes: list[Any] = []

    def handle(route: Any) -> None:
        routes.append(route)
        server = route.connect_to_server()

        def from_page(message: str | bytes) -> None:
            frame = json.loads(message)
            if frame.get("type") == "answer" and on_answer is not None and on_answer(route, frame):
                return
            server.send(message)

        route.on_message(from_page)

    await page.route_web_socket(re.compile(r"/ws/play/\d{6}/$"), handle)
    return routes


async def _join(page: Any, pin: str, nickname: str) -> str:
    await page.goto(f"/play/{pin}/")
    await page.get_by_label("Nickname").fill(nickname)
    await page.get_by_role("button", name="Join").click()
    root = page.locator("#phone")
    await expect(root).to_have_attribute("data-player-id", re.compile(r"^\d+$"))
    await expect(page.locator("#conn-status")).to_have_attribute("data-state", "open")
    return await root.get_attribute("data-player-id")


async def test_the_phone_reconnects_at_once_on_online_visibilitychange_and_pageshow_and_by_backoff(
    live,
):
    page, db, pin = live["page"], live["db"], live["pin"]
    await page.clock.install()
    routes = await _route_sockets(page)
    player_id = await _join(page, pin, "Zara")
    game_id = db.game(pin)["id"]
    # From now on the page's timers only run when the test says so.
    await page.clock.pause_at(int(time.time() * 1000) + 1000)
    assert await page.evaluate("document.visibilityState") == "visible"

    for trigger, script in TRIGGERS.items():
        opened = len(routes)
        await routes[-1].close(code=4000, reason="wifi dropped")
        await expect(page.locator("#conn-status")).to_have_attribute("data-state", "waiting")
        await page.wait_for_timeout(500)
        assert len(routes) == opened, f"reconnected before {trigger}: the backoff timer ran"
        await page.evaluate(script)
        await expect(page.locator("#conn-status")).to_have_attribute("data-state", "open")
        assert len(routes) == opened + 1, trigger
        await expect(page.locator("#phone")).to_have_attribute("data-player-id", player_id)

    # Without any trigger the backoff timer brings it back (at most 20 s later).
    opened = len(routes)
    await routes[-1].close(code=4000, reason="wifi dropped")
    await expect(page.locator("#conn-status")).to_have_attribute("data-state", "waiting")
    await page.clock.run_for(21_000)
    await expect(page.locator("#conn-status")).to_have_attribute("data-state", "open")
    assert len(routes) == opened + 1
    await expect(page.locator("#phone")).to_have_attribute("data-player-id", player_id)
    # Every reconnect was a resume: still one player.
    assert list(db.players(game_id)) == [int(player_id)]


async def test_the_phone_sends_an_answer_again_after_try_again_and_one_row_results(live):
    page, db, pin, host = live["page"], live["db"], live["pin"], live["host"]
    refused: list[dict[str, Any]] = []

    def refuse_the_first(route: Any, frame: dict[str, Any]) -> bool:
        """Answer the first answer frame as a server whose database failed would."""
        if refused:
            refused.append(frame)
            return False
        refused.append(frame)
        error = {"type": "error", "code": "try_again", "message": "Please send it again."}
        route.send(json.dumps(error))
        return True

    await _route_sockets(page, on_answer=refuse_the_first)
    player_id = await _join(page, pin, "Omar")
    await host.send({"type": "start"})
    question = await host.until("question")
    await expect(page.locator("#phone")).to_have_attribute("data-screen", "question")
    await page.get_by_test_id("answer").first.click()
    await expect(page.locator("#wait-title")).to_have_text("Answer received")
    # Sent twice: refused once, stored the second time.
    assert len(refused) == 2 and refused[0] == refused[1]
    rows = db.answers(db.game(pin)["id"])
    assert [(r["player_id"], r["question_id"]) for r in rows] == [
        (int(player_id), question["question_id"])
    ]
