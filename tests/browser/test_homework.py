"""Homework in real browsers: the teacher sets it, a student plays it on a phone at
their own pace (leaving and resuming on another phone in the middle), the teacher
watches progress live, ends it, and opens "Reteach the weakest" on its report."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.steps import answer_button, page_size, unnamed_controls, wrong_choice

pytestmark = pytest.mark.browser


def set_homework(browsers: Any, page: Any, *, questions: int) -> str:
    """From the dashboard's "Set as homework", a homework of the seed quiz closing
    tomorrow; returns its PIN, from the homework page it opens."""
    browsers.teacher_logs_in(page)
    card = page.locator('[data-testid="quiz"][data-slug="pakistan-ussr-1947-1988"]')
    card.get_by_role("link", name="Set as homework").click()
    expect(page.get_by_label("Homework (each student at their own pace)")).to_be_checked()
    # Homework's default: the timer off (accuracy only).
    expect(page.get_by_label("Accuracy only")).to_be_checked()
    page.get_by_label("How many questions").fill(str(questions))
    page.get_by_label("In timeline order", exact=True).check()
    tomorrow = (datetime.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Homework closes at").fill(tomorrow)
    page.get_by_role("button", name="Start the game").click()
    expect(page).to_have_url(re.compile(r"/host/[0-9]{6}/homework/$"))
    pin = page.url.rstrip("/").split("/")[-2]
    expect(page.get_by_test_id("pin")).to_have_text(pin)
    expect(page.get_by_test_id("qr")).to_be_visible()
    expect(page.get_by_test_id("connection")).to_have_text("Live")
    return pin


def answer(phone: Any, question: dict[str, Any], *, right: bool) -> None:
    """Answer a question of any kind on the phone; the reveal follows at once."""
    kind = question["kind"]
    if kind == "year_guess":
        year = question["answer_year"] if right else question["year_min"]
        phone.get_by_test_id("year-input").fill(str(year))
        phone.get_by_role("button", name="Submit year").tap()
    elif kind == "order":
        for choice_id in question["correct_choice_ids"]:
            answer_button(phone, choice_id).tap()
        phone.get_by_test_id("order-submit").tap()
    else:
        ids = question["correct_choice_ids"] or [question["choices"][0]["id"]]
        answer_button(phone, ids[0] if right else wrong_choice(question)).tap()
    expect(phone.get_by_test_id("result-screen")).to_be_visible()


def test_a_student_plays_homework_on_a_phone_leaves_resumes_elsewhere_and_practises(
    browsers, server
):
    teacher = browsers.projector_page("teacher")
    pin = set_homework(browsers, teacher, questions=3)
    questions = server.game_questions(pin)

    phone = browsers.phone("Sana")
    browsers.join(phone, pin, "Sana", via_qr=True)
    expect(phone.locator("#wait-title")).to_have_text("Homework")
    # The teacher's page lists her at once.
    row = teacher.locator('[data-testid="progress-row"]', has_text="Sana")
    expect(row).to_contain_text("Not started")

    phone.get_by_test_id("homework-start").tap()
    expect(phone.get_by_test_id("prompt")).to_have_text(questions[0]["prompt"])
    expect(phone.get_by_test_id("question-index")).to_have_text("Question 1 of 3")
    answer(phone, questions[0], right=True)
    expect(phone.get_by_test_id("result")).to_have_text("Correct!")
    expect(phone.get_by_test_id("explanation")).to_have_text(questions[0]["explanation"])
    expect(row.locator('[data-col="correct"]')).to_have_text("1")
    expect(row).to_contain_text("Still going")
    assert unnamed_controls(phone) == [], "the phone's reveal: controls without a name"
    assert unnamed_controls(teacher) == [], "the homework page: controls without a name"

    phone.get_by_test_id("homework-next").tap()
    expect(phone.get_by_test_id("prompt")).to_have_text(questions[1]["prompt"])
    # She copies her resume link and stops, in the middle of question 2.
    link = phone.evaluate(
        "() => location.origin + '/play/' + document.getElementById('phone').dataset.pin"
        " + '/#resume=' + JSON.parse(localStorage.getItem("
        "Object.keys(localStorage).find(k => k.indexOf('player') !== -1))).token"
    )
    phone.close()

    other = browsers.phone("Sana's other phone")
    other.goto(link)
    expect(other.get_by_test_id("me")).to_have_text("Sana")
    expect(other.get_by_test_id("prompt")).to_have_text(questions[1]["prompt"])
    assert "#resume=" not in other.url
    answer(other, questions[1], right=False)
    expect(other.get_by_test_id("result")).not_to_have_text("Correct!")
    other.get_by_test_id("homework-next").tap()
    expect(other.get_by_test_id("prompt")).to_have_text(questions[2]["prompt"])
    answer(other, questions[2], right=True)
    expect(other.get_by_test_id("homework-next")).to_have_text("See my result")
    other.get_by_test_id("homework-next").tap()
    expect(other.get_by_test_id("result")).to_have_text("Game over")
    expect(other.get_by_test_id("rank")).to_have_text("You finished 1st of 1")
    expect(row).to_contain_text("Finished")
    expect(row.locator('[data-col="reached"]')).to_have_text("3 / 3")

    practise = other.get_by_test_id("practise")
    expect(practise).to_be_visible()
    right_before = row.locator('[data-col="correct"]').text_content()
    score_before = row.locator('[data-col="score"]').text_content()

    # "Practise what you missed": the question she got wrong, privately, no points.
    practise.tap()
    expect(other).to_have_url(re.compile(rf"/play/{pin}/practice/$"))
    by_prompt = {q["prompt"]: q for q in questions}
    seen = []
    for _ in range(15):
        screen = other.locator("#practice")
        expect(screen).to_have_attribute("data-screen", re.compile(r"^p-(question|done)$"))
        if screen.get_attribute("data-screen") == "p-done":
            break
        text = other.get_by_test_id("prompt").text_content()
        seen.append(text)
        assert unnamed_controls(other) == [], "practice: controls without a name"
        if text in by_prompt:
            answer(other, by_prompt[text], right=True)
            expect(other.get_by_test_id("result")).to_have_text("Correct!")
        else:
            # A generated question on the same event: any answer, then its reveal.
            other.get_by_test_id("answer").first.tap()
            expect(other.get_by_test_id("result-screen")).to_be_visible()
        expect(other.get_by_test_id("explanation")).not_to_be_empty()
        other.get_by_test_id("practice-next").tap()
    assert questions[1]["prompt"] in seen
    expect(other.get_by_test_id("practice-summary")).to_contain_text("right")
    # Nothing from the practice reached the class results.
    teacher.reload()
    expect(teacher.get_by_test_id("connection")).to_have_text("Live")
    expect(row.locator('[data-col="correct"]')).to_have_text(right_before)
    expect(row.locator('[data-col="score"]')).to_have_text(score_before)


def test_the_teacher_watches_progress_live_ends_the_homework_and_reteaches_the_weakest(
    browsers, server
):
    teacher = browsers.projector_page("teacher")
    pin = set_homework(browsers, teacher, questions=2)
    questions = server.game_questions(pin)
    expect(teacher.get_by_test_id("homework-summary")).to_have_text(
        "0 joined · 0 still going · 0 finished"
    )
    phones = {name: browsers.phone(name) for name in ("Ali", "Bina")}
    for name, phone in phones.items():
        browsers.join(phone, pin, name, via_qr=True)
        phone.get_by_test_id("homework-start").tap()
    # Both got the first question wrong; the page follows each answer as it comes.
    for phone in phones.values():
        answer(phone, questions[0], right=False)
    for name in phones:
        row = teacher.locator('[data-testid="progress-row"]', has_text=name)
        expect(row.locator('[data-col="reached"]')).to_have_text("1 / 2")
        expect(row).to_contain_text("Still going")
    expect(teacher.get_by_test_id("homework-summary")).to_have_text(
        "2 joined · 2 still going · 0 finished"
    )
    # The same page on the teacher's phone: no sideways scrolling, and it is live too.
    mobile = browsers.phone("teacher's phone")
    browsers.teacher_logs_in(mobile)
    mobile.goto(f"/host/{pin}/homework/")
    expect(mobile.get_by_test_id("connection")).to_have_text("Live")
    expect(mobile.get_by_test_id("progress-row")).to_have_count(2)
    assert page_size(mobile)["w"] <= mobile.viewport_size["width"]
    phones["Ali"].get_by_test_id("homework-next").tap()
    answer(phones["Ali"], questions[1], right=True)
    ali = mobile.locator('[data-testid="progress-row"]', has_text="Ali")
    expect(ali.locator('[data-col="reached"]')).to_have_text("2 / 2")

    teacher.get_by_test_id("end-homework").click()
    expect(teacher.get_by_test_id("homework-ended")).to_be_visible()
    for phone in phones.values():
        expect(phone.get_by_test_id("result")).to_have_text("Game over")

    teacher.get_by_test_id("report-link").click()
    expect(teacher.get_by_test_id("player-started")).to_have_count(2)
    weakest = teacher.get_by_test_id("reteach-events")
    expect(weakest).to_contain_text("0 % right")
    teacher.get_by_label("as homework open for").select_option("3")
    teacher.get_by_test_id("reteach-homework").click()
    expect(teacher).to_have_url(re.compile(r"/host/[0-9]{6}/homework/$"))
    expect(teacher.get_by_role("status").first).to_contain_text(
        "This game reteaches the events the class got wrong most"
    )
    assert teacher.url.rstrip("/").split("/")[-2] != pin
