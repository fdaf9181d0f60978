"""The join gate in real Chromium: the projector shows the shapes, a phone taps them."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.steps import contrast, unnamed_controls, wait_phase

pytestmark = pytest.mark.browser

NAMES = {"triangle": "Triangle", "diamond": "Diamond", "circle": "Circle", "square": "Square"}


def start_gated_game(browsers: Any) -> tuple[Any, str]:
    """A teacher ticks "Shapes to join" on the setup page and starts the seed quiz."""
    projector = browsers.projector_page()
    browsers.teacher_logs_in(projector)
    pin = browsers.start_seed_quiz(projector, join_gate=True)
    expect(projector.get_by_test_id("join-gate")).to_be_visible()
    expect(projector.get_by_test_id("gate-shape")).to_have_count(4)
    return projector, pin


def shapes_on(projector: Any) -> list[str]:
    return projector.get_by_test_id("gate-shape").evaluate_all(
        "items => items.map(item => item.getAttribute('data-shape'))"
    )


def to_the_shapes(phone: Any, pin: str, nickname: str) -> None:
    phone.goto(f"/play/{pin}/")
    phone.get_by_label("Nickname").fill(nickname)
    phone.get_by_role("button", name="Join").click()
    expect(phone.get_by_test_id("gate")).to_be_visible()
    expect(phone.get_by_role("heading", name="Tap the shapes on the big screen")).to_be_visible()


def tap(phone: Any, shapes: list[str]) -> None:
    for shape in shapes:
        phone.get_by_role("button", name=NAMES[shape], exact=True).click()


def test_a_student_joins_by_tapping_the_shapes_on_the_projector(browsers):
    projector, pin = start_gated_game(browsers)
    shapes = shapes_on(projector)
    assert len(shapes) == 4 and set(shapes) <= set(NAMES)
    expect(projector.get_by_test_id("gate-countdown")).to_have_text(
        re.compile(r"New shapes in [0-9]+ s")
    )
    phone = browsers.phone("Sana")
    to_the_shapes(phone, pin, "Sana")
    # Nothing on the phone says which shapes are right.
    assert not re.search("|".join(NAMES), phone.locator("#gate-picked").inner_text())
    assert unnamed_controls(phone) == []
    size = phone.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    assert size[0] <= 360 and size[1] <= 740, size

    # A slip of the thumb is undone.
    tap(phone, ["square" if shapes[0] != "square" else "circle"])
    expect(phone.locator("#gate-picked .filled")).to_have_count(1)
    phone.get_by_role("button", name="Undo").click()
    expect(phone.locator("#gate-picked .filled")).to_have_count(0)
    expect(phone.get_by_role("button", name="Join")).to_be_disabled()

    # As a student does: read the projector now (the shapes may have changed meanwhile).
    tap(phone, shapes_on(projector))
    expect(phone.locator("#gate-picked .filled")).to_have_count(4)
    phone.get_by_role("button", name="Join").click()
    expect(phone.get_by_test_id("wait")).to_be_visible()
    expect(phone.get_by_test_id("me")).to_have_text("Sana")
    expect(projector.locator("[data-testid=roster-item] .roster-name")).to_have_text(["Sana"])
    expect(projector.get_by_test_id("player-count")).to_have_text("1")

    # During the game the shapes stay small in the top bar, for a student who is late.
    projector.keyboard.press("Space")
    wait_phase(projector, "question")
    expect(projector.get_by_test_id("join-gate")).to_be_hidden()
    expect(projector.get_by_test_id("gate-small")).to_be_visible()
    small = projector.get_by_test_id("gate-small-shape")
    expect(small).to_have_count(4)
    late = browsers.phone("late")
    to_the_shapes(late, pin, "Tariq")
    tap(late, small.evaluate_all("items => items.map(item => item.getAttribute('data-shape'))"))
    late.get_by_role("button", name="Join").click()
    expect(late.get_by_test_id("me")).to_have_text("Tariq")
    expect(late.get_by_test_id("question")).to_be_visible()


def test_wrong_shapes_are_refused_with_a_clear_message(browsers):
    projector, pin = start_gated_game(browsers)
    # Wrong for certain: none of the sequences the gate accepts while this test runs
    # (the previous window's is let in for a grace, and the shapes may change meanwhile;
    # a sequence made only from the projector's is right by chance 1 time in 256).
    accepted = browsers.server.gate_sequences_near(pin)
    assert tuple(shapes_on(projector)) in accepted  # the test derives the server's shapes
    wrong = next(
        list(candidate)
        for candidate in itertools.product(NAMES, repeat=4)
        if candidate not in accepted
    )
    phone = browsers.phone("Guesser")
    to_the_shapes(phone, pin, "Guesser")
    tap(phone, wrong)
    phone.get_by_role("button", name="Join").click()
    error = phone.get_by_test_id("gate-error")
    expect(error).to_have_text(re.compile("Those are not the shapes on the big screen"))
    assert contrast(phone, "#gate-error", "body") >= 4.5
    expect(phone.get_by_test_id("gate")).to_be_visible()
    expect(phone.locator("#gate-picked .filled")).to_have_count(0)
    expect(projector.get_by_test_id("player-count")).to_have_text("0")
    expect(projector.get_by_test_id("roster-item")).to_have_count(0)
    # Back to the form to change the nickname, and in with the right shapes.
    phone.get_by_role("button", name="Change PIN or nickname").click()
    expect(phone.get_by_test_id("join")).to_be_visible()
    phone.get_by_label("Nickname").fill("Sana")
    phone.get_by_role("button", name="Join").click()
    expect(phone.get_by_test_id("gate")).to_be_visible()
    tap(phone, shapes_on(projector))
    phone.get_by_role("button", name="Join").click()
    expect(phone.get_by_test_id("me")).to_have_text("Sana")


def test_the_teacher_switches_the_shapes_on_in_the_lobby(browsers):
    projector, pin = browsers.projector_with_game()
    expect(projector.get_by_test_id("join-gate")).to_be_hidden()
    projector.get_by_label(re.compile("Shapes to join")).check()
    expect(projector.get_by_test_id("join-gate")).to_be_visible()
    expect(projector.get_by_test_id("gate-shape")).to_have_count(4)
    for place in range(1, 5):
        tile = f"#gate-shapes li:nth-child({place})"
        assert contrast(projector, f"{tile} .gate-shape-name", tile) >= 4.5, place
    phone = browsers.phone("Sana")
    to_the_shapes(phone, pin, "Sana")
    projector.get_by_label(re.compile("Shapes to join")).uncheck()
    expect(projector.get_by_test_id("join-gate")).to_be_hidden()
    # Each server process remembers the option for up to a second.
    phone.wait_for_timeout(1100)
    phone.get_by_role("button", name="Change PIN or nickname").click()
    phone.get_by_role("button", name="Join").click()
    expect(phone.get_by_test_id("me")).to_have_text("Sana")
