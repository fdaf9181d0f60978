"""A kicked phone remembers the kick: it cannot rejoin that game from the same browser.

The server refuses the kicked player's token (tests/classroom/test_consumers_rules.py,
test_kick_and_lock.py here); a new `join` from the same phone is stopped by the page
itself, which keeps the kick in localStorage (as Kahoot's red screen survives a
refresh). Here the real phone page runs in headless Chromium with its game socket
answered by the test through Playwright's `route_web_socket`, so the test controls
exactly when the kick arrives and counts every socket the page opens.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
PIN = "482913"
OTHER_PIN = "517204"
TOKEN = "resume-token-of-bilal"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


def _joined(nickname: str) -> str:
    player = {"id": 7, "nickname": nickname}
    state = {
        "type": "state",
        "seq": 1,
        "phase": "lobby",
        "player": player,
        "score": 0,
        "rank": None,
        "count": 1,
        "streak": 0,
        "host_connected": True,
        "question": None,
        "your_answer": None,
        "reveal": None,
        "finished": None,
    }
    return json.dumps(
        {
            "type": "joined",
            "player": player,
            "token": TOKEN,
            "state": state,
            "resumed": False,
            "seq": 1,
        }
    )


class FakeGame:
    """The server side of every game socket the page opens."""

    def __init__(self) -> None:
        self.sockets: list[tuple[str, Any]] = []
        self.received: list[dict[str, Any]] = []

    def handle(self, route: Any) -> None:
        self.sockets.append((route.url, route))

        def on_message(message: str | bytes) -> None:
            frame = json.loads(message)
            self.received.append(frame)
            if frame.get("type") == "join":
                route.send(_joined(frame["nickname"]))

        route.on_message(on_message)

    def kick(self) -> None:
        _url, route = self.sockets[-1]
        route.send(
            json.dumps(
                {
                    "type": "error",
                    "code": "kicked",
                    "message": "The teacher removed you from this game.",
                    "seq": 1,
                }
            )
        )
        route.close(code=4403)

    def opened_for(self, pin: str) -> int:
        return sum(1 for url, _route in self.sockets if url.endswith(f"/ws/play/{pin}/"))


@pytest.fixture
def phone(live_server):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=10_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            headless=True,
        )
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 360, "height": 740}
        )
        page = context.new_page()
        game = FakeGame()
        page.route_web_socket(re.compile(r"/ws/play/\d{6}/$"), game.handle)
        yield page, game
        browser.close()


def _local(page: Any, key: str) -> str | None:
    return page.evaluate("key => window.localStorage.getItem(key)", key)


def test_a_kicked_phone_cannot_rejoin_that_game_from_the_same_browser(phone):
    from playwright.sync_api import expect

    page, game = phone
    page.goto(f"/play/{PIN}/")
    page.get_by_test_id("nickname-input").fill("Bilal")
    page.get_by_test_id("join-button").click()
    root = page.locator("#phone")
    expect(root).to_have_attribute("data-player-id", "7")
    assert json.loads(_local(page, f"quiz.player.{PIN}"))["token"] == TOKEN

    game.kick()
    expect(root).to_have_attribute("data-kicked", "true")
    expect(page.get_by_test_id("join-error")).to_contain_text("removed you")
    assert _local(page, f"quiz.kicked.{PIN}") is not None
    # The revoked token is forgotten too: nothing left to resume with.
    assert _local(page, f"quiz.player.{PIN}") is None
    assert game.opened_for(PIN) == 1

    # A reload does not reconnect, and a new nickname on the same PIN is refused
    # by the page before any socket opens.
    page.reload()
    expect(root).to_have_attribute("data-kicked", "true")
    page.get_by_test_id("pin-input").fill(PIN)
    page.get_by_test_id("nickname-input").fill("Not Bilal")
    page.get_by_test_id("join-button").click()
    expect(page.get_by_test_id("join-error")).to_contain_text("cannot join it again")
    page.wait_for_timeout(500)
    assert game.opened_for(PIN) == 1
    assert [f["type"] for f in game.received] == ["join"]

    # Only that game: the same browser still joins another one.
    page.get_by_test_id("pin-input").fill(OTHER_PIN)
    page.get_by_test_id("nickname-input").fill("Bilal")
    page.get_by_test_id("join-button").click()
    expect(root).to_have_attribute("data-player-id", "7")
    assert game.opened_for(OTHER_PIN) == 1
