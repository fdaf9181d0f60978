"""A nickname made of HTML is shown as the text it is, everywhere, and runs nothing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.steps import far_year, guess_year, wait_phase

pytestmark = pytest.mark.browser

PROBE = "<img src=x onerror=alert(1)>"


def test_an_html_nickname_shows_literally_and_opens_no_dialog(browsers, server):
    projector, pin = browsers.projector_with_game()
    dialogs: list[str] = []
    phone = browsers.phone("prankster")
    for page in (projector, phone):
        page.on("dialog", lambda dialog: dialogs.append(f"{dialog.type}: {dialog.message}"))

    browsers.join(phone, pin, PROBE)
    expect(phone.get_by_test_id("me")).to_have_text(PROBE)
    expect(projector.locator("[data-testid=roster-item] .roster-name")).to_have_text([PROBE])
    expect(projector.get_by_role("button", name=f"Remove {PROBE}")).to_be_visible()

    questions = server.game_questions(pin)
    projector.keyboard.press("Space")
    wait_phase(projector, "question")
    guess_year(phone, far_year(questions[0]), last=True)
    wait_phase(projector, "reveal")
    projector.keyboard.press("s")
    wait_phase(projector, "scoreboard")
    expect(projector.locator("[data-testid=scoreboard-row] .score-name")).to_have_text([PROBE])
    expect(phone.get_by_test_id("rank")).to_have_text("You are 1st of 1")

    projector.get_by_role("button", name="End game").click()
    wait_phase(projector, "finished")
    expect(projector.get_by_test_id("podium-1").locator(".podium-name")).to_have_text(PROBE)
    expect(phone.get_by_test_id("result")).to_have_text("Game over")

    projector.get_by_test_id("report-link").click()
    expect(projector).to_have_url(re.compile(rf"/host/{pin}/report/$"))
    expect(projector.get_by_text(PROBE, exact=True).first).to_be_visible()

    for page in (projector, phone):
        assert page.locator("img[src=x]").count() == 0
        requested = browsers.watch_for(page).requests
        assert not [url for url in requested if url.rstrip("/").endswith("/x")], requested
    # The only dialog is the teacher's own "End game?" confirmation.
    assert dialogs == ["confirm: End the game for everyone now?"]
