"""The projector is driven from the keyboard, as a teacher at a laptop does.

(That every screen fits 1280x720 is checked along the whole game in test_game_flow.)
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.steps import unnamed_controls, wait_phase

pytestmark = pytest.mark.browser


def test_the_teacher_runs_the_game_from_the_keyboard(browsers, server):
    projector, pin = browsers.projector_with_game()
    count = len(server.game_questions(pin))
    browsers.join(browsers.phone("Hina"), pin, "Hina")
    expect(projector.get_by_test_id("player-count")).to_have_text("1")
    assert unnamed_controls(projector) == [], "projector controls without an accessible name"

    projector.keyboard.press("Space")
    wait_phase(projector, "question")
    expect(projector.get_by_test_id("question-index")).to_have_text(f"Question 1 of {count}")
    projector.keyboard.press("Space")
    wait_phase(projector, "reveal")
    projector.keyboard.press("s")
    wait_phase(projector, "scoreboard")
    projector.keyboard.press("ArrowRight")
    wait_phase(projector, "question")
    expect(projector.get_by_test_id("question-index")).to_have_text(f"Question 2 of {count}")
    projector.keyboard.press("ArrowRight")
    wait_phase(projector, "reveal")
    projector.keyboard.press("Space")
    wait_phase(projector, "question")
    expect(projector.get_by_test_id("question-index")).to_have_text(f"Question 3 of {count}")

    projector.keyboard.press("f")
    projector.wait_for_function("document.fullscreenElement !== null")
    projector.keyboard.press("f")
    projector.wait_for_function("document.fullscreenElement === null")

    # Sound starts off, M switches it on and off again.
    sound = projector.get_by_test_id("sound")
    expect(sound).to_have_attribute("aria-pressed", "false")
    projector.keyboard.press("m")
    expect(sound).to_have_attribute("aria-pressed", "true")
    projector.keyboard.press("m")
    expect(sound).to_have_attribute("aria-pressed", "false")
