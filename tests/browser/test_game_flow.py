"""A whole class plays the seed quiz: the teacher's projector and three phones."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.steps import (
    far_year,
    guess_year,
    question_fit_problems,
    reveal_fit_problems,
    tap_choice,
    wait_phase,
    wrong_choice,
)

pytestmark = pytest.mark.browser


def test_a_class_plays_the_seed_quiz_from_login_to_podium(browsers, server):
    projector, pin = browsers.projector_with_game()

    # The lobby: the PIN, the address and a QR code that points at the join page.
    expect(projector.get_by_test_id("lobby")).to_be_visible()
    expect(projector.get_by_test_id("join-url")).to_have_text(f"{server.url}/play/{pin}/")
    qr = projector.locator("svg[data-testid=qr]")
    expect(qr).to_be_visible()
    assert f"{server.url}/play/{pin}/" in (qr.get_attribute("aria-label") or qr.inner_html())
    expect(projector.get_by_test_id("player-count")).to_have_text("0")
    # Readable from the back row: the PIN is at least a tenth of the screen's height.
    assert projector.viewport_size == {"width": 1280, "height": 720}
    pin_box = projector.get_by_test_id("pin").bounding_box()
    assert pin_box["height"] >= 72, pin_box

    names = ["Ayesha", "Bilal", "Chen"]
    phones = {name: browsers.phone(name) for name in names}
    browsers.join(phones["Ayesha"], pin, "Ayesha")
    browsers.join(phones["Bilal"], pin, "Bilal", via_qr=True)
    browsers.join(phones["Chen"], pin, "Chen")
    expect(projector.locator("[data-testid=roster-item] .roster-name")).to_have_text(names)
    expect(projector.get_by_test_id("player-count")).to_have_text("3")
    for phone in phones.values():
        expect(phone.get_by_text("You're in!")).to_be_visible()

    questions = server.game_questions(pin)
    first, second = questions[0], questions[1]
    assert first["kind"] == "year_guess" and second["kind"] == "choice", "the seed quiz changed"

    # Question 1, a year guess: the projector counts down, the phones answer.
    projector.get_by_role("button", name="Start").click()
    wait_phase(projector, "question")
    expect(projector.get_by_test_id("prompt")).to_have_text(first["prompt"])
    expect(projector.get_by_test_id("question-index")).to_have_text(
        f"Question 1 of {len(questions)}"
    )
    countdown = projector.get_by_test_id("countdown")
    expect(countdown).to_be_visible()
    start_ms = int(countdown.get_attribute("data-remaining-ms"))
    assert 0 < start_ms <= first["time_limit_ms"]
    # The ring and the number follow the clock (read together: they tick together).
    projector.wait_for_function(
        "start => Number(document.getElementById('countdown').dataset.remainingMs) < start - 800",
        arg=start_ms,
    )
    later_ms, seconds = projector.evaluate(
        "[Number(document.getElementById('countdown').dataset.remainingMs),"
        " Number(document.getElementById('countdown-text').textContent)]"
    )
    # The attribute is rounded to the millisecond, the number is the ceiling of seconds.
    assert seconds in {later_ms // 1000, -(-later_ms // 1000)}, (seconds, later_ms)
    ring = float(projector.locator("#countdown-ring").get_attribute("stroke-dashoffset"))
    assert 0 < ring < 100, "the ring does not shrink with the time"
    expect(projector.get_by_test_id("answered-count")).to_have_text("0 / 3")

    for phone in phones.values():
        expect(phone.get_by_test_id("prompt")).to_have_text(first["prompt"])
    early_problems = question_fit_problems(projector, phones["Ayesha"], "Q1")
    guess_year(phones["Ayesha"], first["answer_year"])
    expect(projector.get_by_test_id("answered-count")).to_have_text("1 / 3")
    guess_year(phones["Bilal"], far_year(first))
    expect(projector.get_by_test_id("answered-count")).to_have_text("2 / 3")
    guess_year(phones["Chen"], first["answer_year"], last=True)

    # Everyone answered: the question closes by itself and the reveal shows.
    wait_phase(projector, "reveal")
    correct_bar = projector.locator(f'[data-testid=bar][data-year="{first["answer_year"]}"]')
    expect(correct_bar).to_have_attribute("data-count", "2")
    expect(correct_bar).to_have_attribute("data-correct", "true")
    expect(projector.get_by_test_id("correct-answer")).to_have_text(
        f"The year: {first['answer_year']}"
    )
    expect(projector.get_by_test_id("reveal-stats")).to_contain_text("2 of 3 answers correct")

    expect(phones["Ayesha"].get_by_test_id("result")).to_have_text("Correct!")
    expect(phones["Ayesha"].get_by_test_id("points")).to_have_text(
        re.compile(r"^\+[1-9]\d* points$")
    )
    expect(phones["Ayesha"].get_by_test_id("rank")).to_contain_text(
        re.compile(r"You are (1st|2nd)")
    )
    expect(phones["Bilal"].get_by_test_id("result")).to_have_text("Not this time")
    expect(phones["Bilal"].get_by_test_id("points")).to_have_text("+0 points")
    expect(phones["Bilal"].get_by_test_id("rank")).to_contain_text("You are 3rd")
    expect(phones["Bilal"].get_by_test_id("result-detail")).to_contain_text(
        f"The year was {first['answer_year']}"
    )

    # The scoreboard, on the projector and as a rank on each phone.
    projector.get_by_role("button", name="Scoreboard").click()
    wait_phase(projector, "scoreboard")
    rows = projector.get_by_test_id("scoreboard-row")
    expect(rows).to_have_count(3)
    expect(rows.nth(2)).to_contain_text("Bilal")
    expect(rows.nth(2)).to_have_attribute("data-rank", "3")
    expect(phones["Bilal"].get_by_test_id("rank")).to_have_text("You are 3rd of 3")

    # Question 2, multiple choice: four colours with four shapes.
    projector.get_by_role("button", name="Next question").click()
    wait_phase(projector, "question")
    tiles = projector.get_by_test_id("tile")
    expect(tiles).to_have_count(len(second["choices"]))
    shapes = [tiles.nth(i).get_attribute("data-shape") for i in range(tiles.count())]
    assert shapes == ["triangle", "diamond", "circle", "square"][: len(shapes)]
    for i in range(tiles.count()):
        expect(tiles.nth(i)).to_have_class(re.compile(rf"\bc{i}\b"))
        expect(tiles.nth(i).locator("svg.shape")).to_be_visible()

    expect(phones["Ayesha"].get_by_test_id("prompt")).to_have_text(second["prompt"])
    early_problems += question_fit_problems(projector, phones["Ayesha"], "Q2")
    right = second["correct_choice_ids"][0]
    right_text = next(c["text"] for c in second["choices"] if c["id"] == right)
    tap_choice(phones["Ayesha"], right)
    tap_choice(phones["Bilal"], wrong_choice(second))
    expect(projector.get_by_test_id("answered-count")).to_have_text("2 / 3")
    # Chen does not answer; the teacher closes the question.
    projector.get_by_role("button", name="Close question").click()
    wait_phase(projector, "reveal")
    bars = projector.get_by_test_id("bar")
    expect(bars).to_have_count(len(second["choices"]))
    expect(projector.locator(f'[data-testid=bar][data-choice-id="{right}"]')).to_have_attribute(
        "data-count", "1"
    )
    expect(projector.get_by_test_id("explanation")).to_have_text(
        re.compile(re.escape(second["explanation"].split(".")[0]))
    )
    expect(projector.get_by_test_id("event")).to_be_visible()
    expect(projector.get_by_test_id("timeline-current")).to_be_visible()

    expect(phones["Ayesha"].get_by_test_id("result")).to_have_text("Correct!")
    expect(phones["Bilal"].get_by_test_id("result")).to_have_text("Not this time")
    expect(phones["Bilal"].get_by_test_id("result-detail")).to_contain_text(
        f"The answer: {right_text}."
    )
    expect(phones["Chen"].get_by_test_id("result")).to_have_text("No answer this time")
    expect(phones["Chen"].get_by_test_id("points")).to_have_text("+0 points")

    # The rest of the quiz, paced by the teacher, to the podium. On the way, every
    # question and reveal must fit a 1280x720 projector and a 360x740 phone: nobody
    # scrolls a projector, and a student should not have to scroll to answer.
    problems = early_problems + reveal_fit_problems(projector, "Q2")
    for number in range(3, len(questions) + 1):
        question = questions[number - 1]
        label = f"Q{number} {question['slug']}"
        projector.get_by_test_id("next").click()
        wait_phase(projector, "question")
        expect(projector.get_by_test_id("question-index")).to_have_text(
            f"Question {number} of {len(questions)}"
        )
        expect(phones["Ayesha"].get_by_test_id("prompt")).to_have_text(question["prompt"])
        problems += question_fit_problems(projector, phones["Ayesha"], label)
        projector.get_by_test_id("close").click()
        wait_phase(projector, "reveal")
        problems += reveal_fit_problems(projector, label)
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
    expect(projector.get_by_test_id("next")).to_contain_text("Finish")
    projector.get_by_test_id("next").click()
    wait_phase(projector, "finished")

    expect(projector.get_by_test_id("podium-1").locator(".podium-name")).to_have_text("Ayesha")
    expect(projector.get_by_test_id("podium-3").locator(".podium-name")).to_have_text("Bilal")
    expect(projector.get_by_test_id("podium-2").locator(".podium-name")).to_have_text("Chen")
    expect(phones["Ayesha"].get_by_test_id("result")).to_have_text("Game over")
    expect(phones["Ayesha"].get_by_test_id("rank")).to_have_text("You finished 1st of 3")
    expect(phones["Bilal"].get_by_test_id("rank")).to_have_text("You finished 3rd of 3")

    # The report, from the podium.
    projector.get_by_test_id("report-link").click()
    expect(projector).to_have_url(re.compile(rf"/host/{pin}/report/$"))
    for name in names:
        expect(projector.get_by_role("cell", name=name, exact=True).first).to_be_visible()
