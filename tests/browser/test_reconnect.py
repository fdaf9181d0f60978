"""A phone that reloads, sleeps or loses the wifi comes back as the same player."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.steps import guess_year, tap_choice, wait_phase

pytestmark = pytest.mark.browser


def test_a_phone_that_reloads_mid_question_comes_back_as_the_same_player_with_its_answer(
    browsers, server
):
    projector, pin = browsers.projector_with_game()
    zara, omar = browsers.phone("Zara"), browsers.phone("Omar")
    browsers.join(zara, pin, "Zara")
    browsers.join(omar, pin, "Omar")
    zara_id = zara.locator("#phone").get_attribute("data-player-id")
    questions = server.game_questions(pin)
    first, second = questions[0], questions[1]

    projector.keyboard.press("Space")
    wait_phase(projector, "question")
    guess_year(zara, first["answer_year"])
    expect(projector.get_by_test_id("answered-count")).to_have_text("1 / 2")

    zara.reload()
    expect(zara.locator("#wait-title")).to_have_text("Answer received")
    expect(zara.get_by_test_id("me")).to_have_text("Zara")
    expect(zara.locator("#phone")).to_have_attribute("data-player-id", zara_id)
    # Still two players and one answer: the reload made no new player.
    expect(projector.get_by_test_id("answered-count")).to_have_text("1 / 2")
    expect(projector.get_by_test_id("player-count")).to_have_text("2")
    expect(projector.get_by_test_id("roster-item")).to_have_count(2)

    guess_year(omar, first["answer_year"] + 1, last=True)
    wait_phase(projector, "reveal")
    expect(zara.get_by_test_id("result")).to_have_text("Correct!")
    expect(zara.get_by_test_id("result-detail")).to_contain_text(
        f"(you said {first['answer_year']})"
    )
    score = zara.get_by_test_id("score").text_content()
    assert score and score != "0 pts"

    # A reload before answering brings the question back, ready to be answered.
    projector.keyboard.press("ArrowRight")
    wait_phase(projector, "question")
    expect(zara.get_by_test_id("prompt")).to_have_text(second["prompt"])
    zara.reload()
    expect(zara.get_by_test_id("prompt")).to_have_text(second["prompt"])
    expect(zara.get_by_test_id("answer")).to_have_count(len(second["choices"]))
    expect(zara.get_by_test_id("score")).to_have_text(score)
    tap_choice(zara, second["correct_choice_ids"][0])
    expect(projector.get_by_test_id("answered-count")).to_have_text("1 / 2")
    expect(zara.locator("#phone")).to_have_attribute("data-player-id", zara_id)
