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


def answer_question(phone: Any, question: dict[str, Any], *, right: bool, last: bool) -> None:
    """One phone answers a question of any kind, rightly or not (a verdict: agrees with
    the model answer or not; `last`: the question closes with this answer)."""
    if question["kind"] == "verdict":
        choices = [c["id"] for c in question["choices"]]
        agree = question["verdict_choice_id"]
        tap_choice(phone, agree if right else next(c for c in choices if c != agree), last=last)
    elif question["kind"] == "order":
        # Earliest first; wrong: latest first (no pair in order).
        ids = list(question["correct_choice_ids"])
        for choice in ids if right else reversed(ids):
            phone.locator(f'[data-testid="answer"][data-choice-id="{choice}"]').tap()
        phone.get_by_role("button", name="Submit order").tap()
        if last:
            expect(phone.get_by_test_id("question")).to_be_hidden()
        else:
            expect(phone.locator("#wait-title")).to_have_text("Answer received")
    elif question["kind"] == "year_guess":
        guess_year(phone, question["answer_year"] if right else far_year(question), last=last)
    else:
        choice = question["correct_choice_ids"][0] if right else wrong_choice(question)
        tap_choice(phone, choice, last=last)


def wait_phase(projector: Any, phase: str) -> None:
    expect(projector.locator("#projector")).to_have_attribute("data-phase", phase)


def no_overflow(locator: Any) -> dict[str, int]:
    """The element's scroll and client sizes: content that fits has scroll <= client."""
    return locator.evaluate(
        "n => ({scrollHeight: n.scrollHeight, clientHeight: n.clientHeight,"
        " scrollWidth: n.scrollWidth, clientWidth: n.clientWidth})"
    )


def page_size(page: Any) -> dict[str, int]:
    return page.evaluate(
        "({w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight})"
    )


def question_fit_problems(projector: Any, phone: Any, label: str) -> list[str]:
    """What of an open question would need scrolling: on the 1280x720 projector (the
    prompt, each answer tile, the screen) or on a 360x740 phone (the page)."""
    problems = []
    tiles = projector.get_by_test_id("tile")
    parts = {
        "prompt": projector.get_by_test_id("prompt"),
        "question screen": projector.get_by_test_id("question"),
        **{f"tile {i + 1}": tiles.nth(i) for i in range(tiles.count())},
    }
    for name, locator in parts.items():
        size = no_overflow(locator)
        if size["scrollHeight"] > size["clientHeight"] + 1:
            problems.append(f"{label}: projector {name} overflows {size}")
    size = page_size(projector)
    if size["w"] > 1280 or size["h"] > 720:
        problems.append(f"{label}: the projector page scrolls {size}")
    size = page_size(phone)
    if size["w"] > 360 or size["h"] > 740:
        problems.append(f"{label}: the phone page scrolls {size}")
    return problems


def reveal_fit_problems(projector: Any, label: str) -> list[str]:
    problems = []
    parts = {
        "reveal screen": projector.get_by_test_id("reveal"),
        "distribution": projector.get_by_test_id("distribution"),
        "explanation column": projector.locator(".reveal-side"),
    }
    for name, locator in parts.items():
        size = no_overflow(locator)
        if size["scrollHeight"] > size["clientHeight"] + 1:
            problems.append(f"{label}: projector {name} overflows {size}")
    return problems


NAMED_ROLES = {"button", "textbox", "spinbutton", "link", "checkbox", "combobox", "radio"}


def unnamed_controls(page: Any) -> list[str]:
    """Controls the accessibility tree gives no name (what a screen reader would say)."""
    session = page.context.new_cdp_session(page)
    try:
        nodes = session.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        session.detach()
    missing = []
    for node in nodes:
        role = (node.get("role") or {}).get("value")
        if node.get("ignored") or role not in NAMED_ROLES:
            continue
        if not str((node.get("name") or {}).get("value") or "").strip():
            missing.append(f"{role} #{node.get('backendDOMNodeId')}")
    return missing


_CONTRAST_JS = """([text, ground]) => {
  const rgb = (css) => css.match(/[0-9.]+/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const a = lum(rgb(getComputedStyle(text).color));
  const b = lum(rgb(getComputedStyle(ground).backgroundColor));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def contrast(page: Any, text_selector: str, background_selector: str) -> float:
    """WCAG contrast ratio of an element's text colour against another's background."""
    handles = [page.locator(text_selector).element_handle()]
    handles.append(page.locator(background_selector).element_handle())
    return page.evaluate(_CONTRAST_JS, handles)
