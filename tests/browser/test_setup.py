"""The game setup page in real Chromium: a teacher sets up a ten-question starter on one
period, sees the estimate follow the form, plays the game to the end, and reads in the
report what was asked and why the rest was not. And the page by keyboard alone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.server import SEED_QUIZ
from tests.browser.steps import (
    answer_question,
    contrast,
    unnamed_controls,
    wait_phase,
)

pytestmark = pytest.mark.browser

PERIOD = "1958–71: The U-2 crisis, then a thaw"


def test_a_ten_question_starter_on_one_period_is_set_up_and_played_to_the_end(browsers, server):
    projector = browsers.projector_page()
    browsers.teacher_logs_in(projector)
    browsers.open_setup(projector)
    # Every field as a teacher who has played before might have left it, then the preset.
    browsers.fill_setup(projector, teams="3 teams", reading_s=4, join_gate=True)
    projector.get_by_role("link", name=re.compile(r"^Starter: 10 questions, ~8 min$")).click()
    expect(projector.get_by_label("How many questions")).to_have_value("10")
    # The preset keeps the rest of the last choice; this class plays without them.
    browsers.fill_setup(projector, questions=10, periods=[PERIOD[:7]])
    estimate = projector.get_by_test_id("estimate")
    # The estimate follows the form, as the server computes it.
    expect(estimate).to_have_text("10 questions · about 8 minutes · 1958–71")
    projector.get_by_label("Twice as long").check()
    expect(estimate).to_have_text(re.compile(r"^10 questions · about 1[0-9] minutes · 1958–71"))
    projector.get_by_label("Normal", exact=True).check()
    expect(estimate).to_have_text("10 questions · about 8 minutes · 1958–71")

    pin = browsers.start_from_setup(projector)
    expect(projector.get_by_test_id("setup-summary")).to_have_text(
        "This game: 10 questions · about 8 minutes · 1958–71"
    )
    questions = server.game_questions(pin)
    assert len(questions) == 10
    assert all(1958 <= q["event"]["year"] < 1971 for q in questions)
    years = [q["event"]["year"] for q in questions]
    assert years == sorted(years)

    names = ["Ayesha", "Bilal"]
    phones = {name: browsers.phone(name) for name in names}
    for name in names:
        browsers.join(phones[name], pin, name)
    expect(projector.get_by_test_id("player-count")).to_have_text("2")

    projector.get_by_role("button", name="Start").click()
    for index, question in enumerate(questions):
        wait_phase(projector, "question")
        expect(projector.get_by_test_id("question-index")).to_have_text(
            f"Question {index + 1} of 10"
        )
        expect(projector.get_by_test_id("prompt")).to_have_text(question["prompt"])
        answer_question(phones["Ayesha"], question, right=True, last=False)
        answer_question(phones["Bilal"], question, right=index % 2 == 0, last=True)
        wait_phase(projector, "reveal")
        # The next question's event is never on the mini timeline of this reveal.
        later = {q["event"]["title"] for q in questions[index + 1 :]}
        neighbours = projector.get_by_test_id("timeline-neighbour").all_inner_texts()
        assert not [text for text in neighbours if any(t in text for t in later)], neighbours
        projector.get_by_test_id("next").click()

    wait_phase(projector, "finished")
    expect(projector.get_by_test_id("podium-1")).to_contain_text("Ayesha")
    for phone in phones.values():
        expect(phone.get_by_test_id("result")).to_have_text("Game over")

    projector.get_by_test_id("report-link").click()
    expect(projector.get_by_role("heading", level=1)).to_contain_text("Report")
    expect(projector.get_by_test_id("setup-summary")).to_have_text(
        "Set up as: 10 questions · about 8 minutes · 1958–71"
    )
    expect(projector.get_by_test_id("question-row")).to_have_count(10)
    not_asked = projector.get_by_test_id("not-asked")
    expect(not_asked).to_contain_text("Not in the chosen periods: ")
    # Every question of the period that was not asked is counted under the limit.
    in_period = server.count_questions(SEED_QUIZ, years=(1958, 1971))
    expect(not_asked).to_contain_text(f"The game was limited to 10 questions: {in_period - 10}")
    expect(projector.get_by_test_id("period-row")).to_have_count(1)
    expect(projector.get_by_test_id("period-row")).to_contain_text(PERIOD)

    # The next setup page starts from this choice.
    projector.goto("/")
    browsers.open_setup(projector)
    expect(projector.get_by_label("How many questions")).to_have_value("10")
    expect(projector.get_by_role("checkbox", name=re.compile(r"^1958–71"))).to_be_checked()
    expect(projector.get_by_role("checkbox", name=re.compile(r"^1947–58"))).not_to_be_checked()


def test_the_setup_page_works_from_the_keyboard_and_says_what_is_wrong(browsers):
    page = browsers.projector_page("setup")
    browsers.teacher_logs_in(page)
    browsers.open_setup(page)
    browsers.fill_setup(page)
    assert unnamed_controls(page) == []

    # A bad value is marked at once, next to its field, and read out with it.
    field = page.get_by_label("How many questions")
    field.fill("99")
    message = page.get_by_test_id("error-questions")
    expect(message).to_have_text(re.compile(r"^Ask for 1 to \d+ questions, or leave empty\.$"))
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", "err-questions")
    expect(page.get_by_test_id("estimate")).to_have_text(
        "Fix the marked values to see how long the game takes."
    )
    assert (
        contrast(page, '[data-testid="error-questions"]', "#setup-form > fieldset:first-of-type")
        >= 4.5
    )
    field.fill("")
    expect(message).to_have_text("")
    expect(field).not_to_have_attribute("aria-invalid", "true")

    # The homework time shows only for homework.
    closes = page.get_by_label("Homework closes at")
    expect(closes).to_be_hidden()
    page.get_by_label("Homework (each student at their own pace)").check()
    expect(closes).to_be_visible()
    page.get_by_label("Live, in class (you move the game on)").check()
    expect(closes).to_be_hidden()

    # A quick choice is a link: Tab to it, Enter, and the form is filled.
    starter = page.get_by_test_id("preset-starter")
    for _ in range(40):
        page.keyboard.press("Tab")
        if starter.evaluate("node => node === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the starter")
    page.keyboard.press("Enter")
    expect(page.get_by_label("How many questions")).to_have_value("10")

    # And the game starts from the keyboard too.
    page.get_by_role("button", name="Start the game").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/host/[0-9]{6}/$"))
    expect(page.get_by_test_id("setup-summary")).to_contain_text("10 questions")
