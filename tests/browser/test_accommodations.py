"""Teaching the history in a real browser (issue 8): extra time set from the projector's
lobby, the reveal's mini-timeline, the timeline after the podium, and the timeline page
on a phone."""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.server import SEED_QUIZ
from tests.browser.steps import page_size, wait_phase

pytestmark = pytest.mark.browser


def stored_extra_time(server: Any, pin: str, nickname: str) -> int:
    with contextlib.closing(sqlite3.connect(server.db_path, timeout=10)) as db:
        row = db.execute(
            "SELECT p.extra_time_s FROM classroom_player p JOIN classroom_game g "
            "ON p.game_id = g.id WHERE g.pin = ? AND g.ended_at IS NULL AND p.nickname = ?",
            (pin, nickname),
        ).fetchone()
    return row[0]


def eventually(page: Any, check: Any, timeout_ms: int = 10_000) -> bool:
    """Whether `check()` becomes true within the time, asking every 100 ms."""
    for _ in range(timeout_ms // 100):
        if check():
            return True
        page.wait_for_timeout(100)
    return bool(check())


def extra_time_button(projector: Any, nickname: str) -> Any:
    item = projector.get_by_test_id("roster-item").filter(has_text=nickname)
    return item.get_by_test_id("extra-time")


def test_the_teacher_gives_one_phone_ten_seconds_more_from_the_lobby(browsers, server):
    projector, pin = browsers.projector_with_game()
    ayesha, bilal = browsers.phone("Ayesha"), browsers.phone("Bilal")
    browsers.join(ayesha, pin, "Ayesha")
    browsers.join(bilal, pin, "Bilal")

    button = extra_time_button(projector, "Ayesha")
    expect(button).to_have_accessible_name("Extra time for Ayesha: 0 s")
    expect(button).to_have_text("+ time")
    # From the keyboard: Enter, then Space, on the focused button; the value shown is
    # the server's answer each time.
    button.focus()
    projector.keyboard.press("Enter")
    expect(button).to_have_accessible_name("Extra time for Ayesha: 10 s")
    expect(button).to_have_text("+10 s")
    projector.keyboard.press(" ")
    expect(button).to_have_accessible_name("Extra time for Ayesha: 20 s")
    button.click()
    expect(button).to_have_accessible_name("Extra time for Ayesha: 30 s")
    button.click()
    expect(button).to_have_accessible_name("Extra time for Ayesha: 0 s")
    button.click()
    expect(button).to_have_accessible_name("Extra time for Ayesha: 10 s")
    assert stored_extra_time(server, pin, "Ayesha") == 10
    expect(extra_time_button(projector, "Bilal")).to_have_accessible_name(
        "Extra time for Bilal: 0 s"
    )
    # Space on the focused button set the time: it did not also start the game.
    expect(projector.get_by_test_id("lobby")).to_be_visible()

    # A projector that reloads still shows who has extra time.
    projector.reload()
    expect(projector.get_by_test_id("connection")).to_have_text("Connected")
    expect(extra_time_button(projector, "Ayesha")).to_have_accessible_name(
        "Extra time for Ayesha: 10 s"
    )

    first = server.game_questions(pin)[0]
    limit_ms = first["time_limit_ms"]
    projector.get_by_role("button", name="Start").click()
    wait_phase(projector, "question")
    for phone in (ayesha, bilal):
        expect(phone.get_by_test_id("prompt")).to_have_text(first["prompt"])
    ayesha_ms = int(ayesha.get_by_test_id("timer").get_attribute("data-remaining-ms"))
    bilal_ms = int(bilal.get_by_test_id("timer").get_attribute("data-remaining-ms"))
    assert ayesha_ms > limit_ms, (ayesha_ms, limit_ms)
    assert bilal_ms <= limit_ms, (bilal_ms, limit_ms)
    assert ayesha_ms - bilal_ms > 8_000, (ayesha_ms, bilal_ms)
    # The projector waits for the last player's clock.
    countdown = int(projector.get_by_test_id("countdown").get_attribute("data-remaining-ms"))
    assert countdown > limit_ms, (countdown, limit_ms)


def test_the_extra_time_button_shows_what_the_server_stored_not_the_press(browsers, server):
    """The server's `extra_time` echo is held back: the button must not change by itself,
    though the server did store the change, which a reload then shows."""
    projector = browsers.projector_page()
    held: list[dict[str, Any]] = []

    def route(page_socket: Any) -> None:
        to_server = page_socket.connect_to_server()

        def from_server(message: str | bytes) -> None:
            frame = json.loads(message) if isinstance(message, str) else {}
            if frame.get("type") == "extra_time" and not held:
                held.append(frame)
                return
            page_socket.send(message)

        to_server.on_message(from_server)

    projector.route_web_socket(re.compile(r"/ws/host/"), route)
    browsers.teacher_logs_in(projector)
    pin = browsers.start_seed_quiz(projector)
    browsers.join(browsers.phone("Chen"), pin, "Chen")

    extra_time_button(projector, "Chen").click()
    assert eventually(projector, lambda: stored_extra_time(server, pin, "Chen") == 10)
    assert eventually(projector, lambda: len(held) == 1)
    expect(extra_time_button(projector, "Chen")).to_have_accessible_name("Extra time for Chen: 0 s")

    projector.reload()
    expect(projector.get_by_test_id("connection")).to_have_text("Connected")
    expect(extra_time_button(projector, "Chen")).to_have_accessible_name(
        "Extra time for Chen: 10 s"
    )


def test_the_reveal_teaches_the_event_then_the_podium_opens_the_timeline(browsers, server):
    projector = browsers.projector_page()
    browsers.teacher_logs_in(projector)
    # A reveal leaves off an event a later question asks about, which in the order of
    # the story is usually the next one; a game on one period reaches, within ten
    # questions, an event whose next one lies outside the game.
    pin = browsers.start_seed_quiz(projector, periods=["1971–79"])
    phone = browsers.phone("Nadia")
    browsers.join(phone, pin, "Nadia")
    questions = server.game_questions(pin)
    # A question on an event with a neighbour on each side.
    number = next(
        i
        for i, q in enumerate(questions)
        if q["event"] and q["neighbours"]["prev"] and q["neighbours"]["next"]
    )
    question = questions[number]
    event, neighbours = question["event"], question["neighbours"]

    projector.get_by_role("button", name="Start").click()
    for _ in range(number):
        wait_phase(projector, "question")
        projector.get_by_test_id("close").click()
        wait_phase(projector, "reveal")
        projector.get_by_test_id("next").click()
    wait_phase(projector, "question")
    expect(projector.get_by_test_id("prompt")).to_have_text(question["prompt"])
    projector.get_by_test_id("close").click()
    wait_phase(projector, "reveal")

    box = projector.get_by_test_id("event")
    expect(box).to_be_visible()
    expect(box).to_contain_text(event["title"])
    # The model answer's verdict is attributed, never stated as a fact.
    said = {"success": "success", "failure": "failure", "neutral": "neither"}[event["verdict"]]
    expect(projector.get_by_test_id("event-verdict")).to_have_text(f"Model answer: {said}")
    items = projector.get_by_test_id("timeline").locator("li")
    expect(items).to_have_count(3)
    expect(items.nth(0)).to_contain_text(neighbours["prev"]["title"])
    expect(items.nth(1)).to_have_attribute("data-testid", "timeline-current")
    expect(items.nth(1)).to_contain_text(event["title"])
    expect(items.nth(2)).to_contain_text(neighbours["next"]["title"])
    assert event["verdict_reason"].strip()
    expect(projector.get_by_test_id("event-reason")).to_have_text(event["verdict_reason"])

    projector.get_by_test_id("end").click()
    wait_phase(projector, "finished")
    expect(projector.get_by_test_id("timeline-link")).to_be_visible()
    projector.keyboard.press("t")
    expect(projector).to_have_url(re.compile(rf"/timeline/{SEED_QUIZ}/\?podium={pin}$"))
    expect(projector.get_by_test_id("timeline-chart")).to_be_visible()
    expect(projector.get_by_test_id("overall-verdict")).to_contain_text("Not successful")
    projector.get_by_test_id("back-to-podium").click()
    expect(projector).to_have_url(re.compile(rf"/host/{pin}/$"))
    wait_phase(projector, "finished")
    expect(projector.get_by_test_id("podium-1").locator(".podium-name")).to_have_text("Nadia")


def test_a_students_phone_gets_the_login_page_not_the_timeline(browsers):
    """During a game the timeline would answer the year, order and effect questions."""
    phone = browsers.phone("student")
    phone.goto(f"/timeline/{SEED_QUIZ}/")
    expect(phone).to_have_url(re.compile(r"/accounts/login/\?next="))
    expect(phone.get_by_label("Password")).to_be_visible()
    expect(phone.get_by_test_id("timeline-chart")).to_have_count(0)
    assert "Tashkent" not in phone.content()


def test_the_timeline_page_reads_on_a_360_px_phone(browsers):
    """A teacher may open it on a phone (to go over the story after class)."""
    phone = browsers.phone("reader")
    browsers.teacher_logs_in(phone)
    phone.goto(f"/timeline/{SEED_QUIZ}/")
    expect(phone.get_by_test_id("timeline-chart")).to_be_visible()
    size = page_size(phone)
    assert size["w"] <= 360, f"the timeline page scrolls sideways on a phone: {size}"
    chart = phone.get_by_test_id("timeline-chart").bounding_box()
    assert chart["x"] >= 0 and chart["x"] + chart["width"] <= 360, chart
    # The chart is an overview there; the event list carries the reading.
    items = phone.locator(".event-item")
    assert items.count() >= 10
    for index in (0, items.count() - 1):
        item = items.nth(index)
        item.scroll_into_view_if_needed()
        expect(item).to_be_visible()
        box = item.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, box
    font_px = items.first.evaluate("n => parseFloat(getComputedStyle(n).fontSize)")
    assert font_px >= 14, font_px
    expect(phone.get_by_test_id("overall-verdict")).to_be_visible()
    expect(phone.get_by_test_id("success-count")).to_be_visible()
    expect(phone.get_by_test_id("failure-count")).to_be_visible()
