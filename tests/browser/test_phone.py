"""The phone page at 360x740: one hand, no zoom, no scroll, every state unmistakable."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.steps import (
    contrast,
    far_year,
    guess_year,
    tap_choice,
    unnamed_controls,
    wait_phase,
    wrong_choice,
)

pytestmark = pytest.mark.browser


def layout(page: Any) -> dict[str, int]:
    return page.evaluate(
        "({scrollWidth: document.documentElement.scrollWidth,"
        " scrollHeight: document.documentElement.scrollHeight,"
        " width: window.innerWidth, height: window.innerHeight})"
    )


def assert_phone_screen_fits(page: Any, screen: str) -> None:
    size = layout(page)
    assert size["width"] == 360, size
    assert size["scrollWidth"] <= 360, f"{screen}: scrolls sideways {size}"
    assert size["scrollHeight"] <= 740, f"{screen}: needs vertical scrolling {size}"
    assert unnamed_controls(page) == [], f"{screen}: controls without an accessible name"
    if page.get_by_test_id("me").text_content():
        ratio = contrast(page, "#me", ".phone-bar")
        assert ratio >= 4.5, f"{screen}: the nickname in the header has contrast {ratio:.1f}"


def test_every_phone_screen_fits_360px_with_big_named_buttons(browsers, server):
    projector, pin = browsers.projector_with_game()
    right, wrong = browsers.phone("right"), browsers.phone("wrong")

    right.goto("/play/")
    viewport_meta = right.locator("meta[name=viewport]").get_attribute("content")
    assert "width=device-width" in viewport_meta and "user-scalable=no" not in viewport_meta
    for field in ("Game PIN", "Nickname"):
        # Below 16 px phones zoom into a field when it gets the focus.
        size = right.get_by_label(field).evaluate("n => parseFloat(getComputedStyle(n).fontSize)")
        assert size >= 16, (field, size)
    assert_phone_screen_fits(right, "join")

    browsers.join(right, pin, "Sana")
    browsers.join(wrong, pin, "Tariq")
    expect(right.get_by_test_id("wait")).to_contain_text("You're in!")
    assert_phone_screen_fits(right, "waiting in the lobby")

    questions = server.game_questions(pin)
    first, second = questions[0], questions[1]
    projector.keyboard.press("Space")
    expect(right.get_by_test_id("year-input")).to_be_visible()
    assert_phone_screen_fits(right, "year question")
    guess_year(right, first["answer_year"])
    expect(right.get_by_test_id("wait")).to_contain_text("Answer received")
    assert_phone_screen_fits(right, "answer received")
    guess_year(wrong, far_year(first), last=True)
    wait_phase(projector, "reveal")

    expect(right.get_by_test_id("result")).to_have_text("Correct!")
    assert_phone_screen_fits(right, "correct")
    expect(wrong.get_by_test_id("result")).to_have_text("Not this time")
    assert_phone_screen_fits(wrong, "wrong")
    colour = "n => getComputedStyle(n).backgroundColor"
    right_bg = right.get_by_test_id("result-screen").evaluate(colour)
    wrong_bg = wrong.get_by_test_id("result-screen").evaluate(colour)
    assert right_bg != wrong_bg, "correct and wrong look the same"
    for phone in (right, wrong):
        ratio = contrast(phone, "#result-title", "#screen-result")
        assert ratio >= 4.5, f"the result title has contrast {ratio:.1f}"

    # Four big buttons, each with its shape and a name that says what it answers.
    projector.keyboard.press("ArrowRight")
    buttons = right.get_by_test_id("answer")
    expect(buttons).to_have_count(len(second["choices"]))
    assert_phone_screen_fits(right, "choice question")
    area = 0.0
    for index, choice in enumerate(second["choices"]):
        button = right.get_by_role("button", name=re.compile(re.escape(choice["text"])))
        expect(button).to_have_attribute("data-choice-id", str(choice["id"]))
        expect(button.locator("svg.shape")).to_have_count(1)
        box = button.bounding_box()
        assert box["height"] >= 96 and box["width"] >= 150, (index, box)
        assert box["y"] + box["height"] <= 740, f"button {index} is below the screen: {box}"
        area += box["width"] * box["height"]
    assert area >= 0.45 * 360 * 740, f"the answer buttons cover only {area / (360 * 740):.0%}"

    tap_choice(right, second["correct_choice_ids"][0])
    tap_choice(wrong, wrong_choice(second), last=True)
    expect(right.get_by_test_id("rank")).to_have_text(re.compile(r"^You are 1st"))
    # The phones can draw their reveal before the projector draws its own; "S" pressed
    # before the projector is in the reveal does nothing.
    wait_phase(projector, "reveal")
    projector.keyboard.press("s")
    expect(wrong.get_by_test_id("rank")).to_have_text("You are 2nd of 2")
    assert_phone_screen_fits(wrong, "scoreboard rank")

    projector.get_by_role("button", name="End game").click()
    expect(right.get_by_test_id("rank")).to_have_text("You finished 1st of 2")
    assert_phone_screen_fits(right, "final rank")


def test_phones_say_waiting_for_the_teacher_while_the_projector_is_closed(browsers):
    projector, pin = browsers.projector_with_game()
    phone = browsers.phone("Uzma")
    browsers.join(phone, pin, "Uzma")
    away = phone.get_by_test_id("teacher-away")
    expect(away).to_be_hidden()

    context = projector.context
    projector.close()
    expect(away).to_be_visible()
    expect(away).to_have_text(re.compile("waiting for the teacher", re.IGNORECASE))

    projector = browsers.page(context, "projector again")
    projector.goto(f"/host/{pin}/")
    expect(projector.get_by_test_id("roster-item")).to_have_count(1)
    expect(away).to_be_hidden()


def test_no_page_loads_anything_from_outside_the_server(browsers, server):
    projector, pin = browsers.projector_with_game()
    phone = browsers.phone("offline")
    browsers.join(phone, pin, "Nadia")
    for path in ("/", f"/host/{pin}/report/", "/timeline/pakistan-ussr-1947-1988/"):
        response = projector.goto(path)
        assert response.ok, (path, response.status)
        projector.wait_for_load_state("networkidle")
    for page in (projector, phone):
        watch = browsers.watch_for(page)
        assert watch.requests, "the watch saw nothing"
        assert watch.foreign_requests == []
        # The one web font is the Urdu pages' own, served from static/fonts/ (and only
        # fetched for Arabic-script text: an English page never downloads it).
        fonts = page.evaluate("[...document.fonts].map(f => f.family)")
        assert set(fonts) <= {"Noto Nastaliq Urdu"}, f"web fonts would be downloaded: {fonts}"
        fetched = [url for url in watch.requests if url.endswith((".woff2", ".woff", ".ttf"))]
        assert fetched == [], f"an English page downloaded a font: {fetched}"
