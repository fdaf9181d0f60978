"""What a student's thumb and a teacher's hand do, for the browser tests and screenshots."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect


def answer_button(phone: Any, choice_id: int) -> Any:
    return phone.locator(f'[data-testid="answer"][data-choice-id="{choice_id}"]')


def _acknowledged(phone: Any, last: bool) -> None:
    # The last answer closes the question at once, so its receipt may be replaced by
    # the reveal before anyone could read it.
    if last:
        expect(phone.get_by_test_id("question")).to_be_hidden()
    else:
        expect(phone.locator("#wait-title")).to_have_text("Answer received")


def tap_choice(phone: Any, choice_id: int, *, last: bool = False) -> None:
    """Tap one answer button and wait for the server's receipt."""
    answer_button(phone, choice_id).tap()
    _acknowledged(phone, last)


def guess_year(phone: Any, year: int, *, last: bool = False) -> None:
    field = phone.get_by_test_id("year-input")
    field.fill(str(year))
    phone.get_by_role("button", name="Submit year").tap()
    _acknowledged(phone, last)


def wrong_choice(question: dict[str, Any]) -> int:
    correct = set(question["correct_choice_ids"])
    return next(c["id"] for c in question["choices"] if c["id"] not in correct)


def far_year(question: dict[str, Any]) -> int:
    """A year in the allowed range at least ten years from the answer: worth nothing."""
    year, low, high = question["answer_year"], question["year_min"], question["year_max"]
    return low if abs(year - low) >= 10 else high


def wait_phase(projector: Any, phase: str) -> None:
    expect(projector.locator("#projector")).to_have_attribute("data-phase", phase)


def no_overflow(locator: Any) -> dict[str, int]:
    """The element's scroll and client sizes: content that fits has scroll <= client."""
    return locator.evaluate(
        "n => ({scrollHeight: n.scrollHeight, clientHeight: n.clientHeight,"
        " scrollWidth: n.scrollWidth, clientWidth: n.clientWidth})"
    )


def fits(locator: Any) -> bool:
    size = no_overflow(locator)
    return (
        size["scrollHeight"] <= size["clientHeight"] + 1
        and size["scrollWidth"] <= size["clientWidth"] + 1
    )
