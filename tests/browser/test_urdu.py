"""Urdu in a real browser: a phone that asks for Urdu, a phone that picks it on the join
page, and a projector in the teacher's Urdu; right to left, in the server's own font,
with no English interface text left and the quiz's own text as it was written.

The pictures of every Urdu screen are saved under test-results/urdu/ (docs/screens.md
shows the ones `python -m tests.browser.screenshots --only urdu` takes).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.harness import RESULTS
from tests.browser.server import ROOT
from tests.browser.steps import answer_button, unnamed_controls, wait_phase, wrong_choice

pytestmark = pytest.mark.browser

LOCALE = ROOT / "locale" / "ur" / "LC_MESSAGES"
SHOTS = RESULTS / "urdu"
URDU_HEADERS = {"Accept-Language": "ur-PK,ur;q=0.9,en;q=0.5"}


def english_interface_strings() -> list[str]:
    """The catalogue's English sentences: the pieces of every msgid between its
    placeholders and markup that have two words or more, less those the seed quizzes
    also use (quiz content stays in English: "model answer" is in a quiz's text)."""
    content = " ".join(
        path.read_text(encoding="utf-8") for path in (ROOT / "seeds").rglob("*.y*ml")
    )
    found: set[str] = set()
    for name in ("django.po", "djangojs.po"):
        text = (LOCALE / name).read_text(encoding="utf-8")
        for block in re.findall(r'^msgid((?:\s*".*"\n)+)', text, flags=re.M):
            msgid = "".join(re.findall(r'"(.*)"', block)).replace('\\"', '"')
            for piece in re.split(r"%\(\w+\)s|<[^>]+>|\\n", msgid):
                piece = piece.strip(" .,:;!?…()—–")
                if len(piece.split()) >= 2 and not piece.startswith("python manage"):
                    found.add(piece)
    return sorted(piece for piece in found if piece not in content)


ENGLISH = english_interface_strings()


def english_left(page: Any) -> list[str]:
    """Interface sentences still in English on the page: its visible text, and the
    names and titles the browser gives controls and regions."""
    shown = page.evaluate(
        """() => [document.body.innerText, document.title,
                  ...[...document.querySelectorAll('[aria-label], [title], [alt]')]
                     .filter(n => !n.closest('[hidden]'))
                     .map(n => [n.getAttribute('aria-label'), n.getAttribute('title'),
                                n.getAttribute('alt')].join(' '))].join('\\n')"""
    )
    return [sentence for sentence in ENGLISH if sentence in shown]


def assert_urdu_page(page: Any, screen: str) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ur")
    expect(html).to_have_attribute("dir", "rtl")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl", screen
    assert english_left(page) == [], f"{screen}: English interface text left"
    assert unnamed_controls(page) == [], f"{screen}: controls without an accessible name"


def urdu_font_used(page: Any) -> bool:
    """Whether the page's Urdu font came from this server and was drawn."""
    return page.evaluate(
        """async () => {
             await document.fonts.ready;
             return [...document.fonts].some(f => f.family.includes('Nastaliq')
                                                  && f.status === 'loaded');
           }"""
    )


def shoot(page: Any, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.wait_for_timeout(300)
    page.screenshot(path=str(path), animations="disabled", caret="hide")
    return path


def test_phones_and_projector_play_in_urdu_right_to_left(browsers, server):
    projector, pin = browsers.projector_with_game()
    # The teacher picks Urdu on the dashboard; the projector follows that choice.
    projector.goto("/")
    with projector.expect_navigation(wait_until="load"):
        projector.get_by_test_id("language-ur").click()
    expect(projector.locator("html")).to_have_attribute("lang", "ur")
    assert_urdu_page(projector, "dashboard")
    projector.goto(f"/host/{pin}/")
    expect(projector.get_by_test_id("connection")).to_have_text("رابطہ قائم")
    expect(projector.get_by_test_id("lobby")).to_be_visible()

    # A phone whose browser asks for Urdu gets it without touching the switch.
    asks = browsers.phone("asks for urdu")
    asks.context.set_extra_http_headers(URDU_HEADERS)
    asks.goto(f"/play/{pin}/")
    assert_urdu_page(asks, "join (Accept-Language)")
    assert urdu_font_used(asks)
    # The switch shows both languages, each in its own script; Urdu is the current one.
    expect(asks.get_by_test_id("language-ur")).to_have_attribute("aria-current", "true")
    expect(asks.get_by_test_id("language-en")).to_have_text("English")
    shoot(asks, "phone-join")
    asks.get_by_label("عرفی نام").fill("Ayesha")
    asks.get_by_role("button", name="شامل ہوں", exact=True).click()
    expect(asks.get_by_test_id("wait")).to_contain_text("آپ شامل ہو گئے!")
    assert_urdu_page(asks, "waiting")

    # An English phone picks Urdu on the join page; the choice is remembered.
    picks = browsers.phone("picks urdu")
    picks.goto(f"/play/{pin}/")
    expect(picks.locator("html")).to_have_attribute("dir", "ltr")
    with picks.expect_navigation(wait_until="load"):
        picks.get_by_test_id("language-ur").click()
    expect(picks.locator("html")).to_have_attribute("dir", "rtl")
    picks.goto("/play/")
    assert_urdu_page(picks, "join after the switch")
    # Its error comes back in Urdu too (the name is taken).
    picks.get_by_label("گیم پن").fill(pin)
    picks.get_by_label("عرفی نام").fill("Ayesha")
    picks.get_by_role("button", name="شامل ہوں", exact=True).click()
    expect(picks.get_by_test_id("join-error")).to_contain_text("پہلے سے موجود ہے")
    picks.get_by_label("عرفی نام").fill("Bilal")
    picks.get_by_role("button", name="شامل ہوں", exact=True).click()
    expect(picks.get_by_test_id("wait")).to_be_visible()

    expect(projector.get_by_test_id("player-count")).to_have_text("2")
    assert_urdu_page(projector, "projector lobby")
    # The quiz's title is shown as it was written.
    assert projector.locator(".proj-title").inner_text().startswith("How successful was Pakistan")
    shoot(projector, "projector-lobby")

    questions = server.game_questions(pin)
    projector.keyboard.press("Space")
    wait_phase(projector, "question")
    # The seed quiz starts with a year guess; the next is a choice question.
    expect(asks.get_by_test_id("year-input")).to_be_visible()
    assert_urdu_page(asks, "phone year guess")
    projector.keyboard.press("Space")
    wait_phase(projector, "reveal")
    projector.keyboard.press("ArrowRight")
    wait_phase(projector, "question")
    second = questions[1]
    expect(asks.get_by_test_id("answers")).to_be_visible()
    assert_urdu_page(projector, "projector question")
    assert_urdu_page(asks, "phone question")
    # The question is in the quiz's language, in its own direction.
    prompt = asks.get_by_test_id("prompt")
    assert prompt.inner_text() == second["prompt"]
    assert prompt.evaluate("n => getComputedStyle(n).unicodeBidi") == "plaintext"
    # The four shapes keep their colours, and their corners match the projector's.
    answer = asks.get_by_test_id("answer").first
    tile = projector.get_by_test_id("tile").first
    assert answer.evaluate("n => getComputedStyle(n).backgroundColor") == tile.evaluate(
        "n => getComputedStyle(n).backgroundColor"
    )
    boxes = [asks.get_by_test_id("answer").nth(i).bounding_box() for i in range(2)]
    assert boxes[0]["x"] < boxes[1]["x"], "the first answer is at the left, as on the projector"
    shoot(asks, "phone-question")
    shoot(projector, "projector-question")

    answer_button(asks, second["correct_choice_ids"][0]).tap()
    expect(asks.locator("#wait-title")).to_have_text("جواب مل گیا")
    assert_urdu_page(asks, "phone answer received")
    answer_button(picks, wrong_choice(second)).tap()
    wait_phase(projector, "reveal")
    expect(asks.get_by_test_id("result")).to_have_text("درست!")
    assert_urdu_page(asks, "phone result")
    assert_urdu_page(projector, "projector reveal")
    shoot(asks, "phone-correct")
    shoot(projector, "projector-reveal")

    projector.keyboard.press("s")
    wait_phase(projector, "scoreboard")
    assert_urdu_page(projector, "projector scoreboard")
    assert_urdu_page(picks, "phone rank")

    projector.get_by_test_id("end").click()
    wait_phase(projector, "finished")
    expect(asks.get_by_test_id("result")).to_have_text("گیم ختم")
    assert_urdu_page(projector, "projector podium")
    assert_urdu_page(asks, "phone final")
    projector.get_by_test_id("report-link").click()
    assert_urdu_page(projector, "report")


def test_an_unknown_language_in_the_switch_is_ignored_and_the_page_stays_english(browsers):
    phone = browsers.phone("bad switch")
    phone.goto("/play/")
    # A forged form: the switch's own form with a language the server does not have.
    phone.evaluate(
        """() => { const b = document.querySelector('[data-testid="language-ur"]');
                   b.value = 'xx-evil'; b.click(); }"""
    )
    expect(phone).to_have_url(re.compile(r"/play/$"))
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.locator("html")).to_have_attribute("dir", "ltr")
    assert all(cookie["name"] != "django_language" for cookie in phone.context.cookies())
