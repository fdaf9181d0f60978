"""Picture questions in a real browser: large beside the prompt on a 1280x720 projector,
small above the answers on a 360x740 phone (tap to enlarge, Escape to return), the
answer buttons always on screen, and nothing loaded from anywhere but the server."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import expect

from tests.browser.server import ROOT
from tests.browser.steps import (
    guess_year,
    page_size,
    question_fit_problems,
    unnamed_controls,
    wait_phase,
)
from tests.quizzes.pictures import map_png, portrait_png

pytestmark = pytest.mark.browser

EXAMPLE = ROOT / "docs" / "examples" / "example-picture-quiz.yaml"
EXAMPLE_SLUG = "example-picture-quiz"
ALT = (
    "Schematic map of South Asia, not to scale: Pakistan's western wing in the north-west "
    "and its eastern wing in the east, both green, with India between them."
)
KINDS_SLUG = "test-picture-kinds"


def start_quiz(browsers: Any, slug: str) -> tuple[Any, str]:
    projector = browsers.projector_page()
    browsers.teacher_logs_in(projector)
    browsers.open_setup(projector, quiz=slug)
    browsers.fill_setup(projector)
    return projector, browsers.start_from_setup(projector)


def box(locator: Any) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None, "not drawn"
    return found


def loaded(img: Any) -> bool:
    """Whether the picture arrived and decodes (waits for it)."""
    return img.evaluate("n => n.decode().then(() => n.naturalWidth > 0, () => false)")


def answer_controls_on_screen(phone: Any) -> list[str]:
    """Every answer control of the phone, whole, inside the 360x740 screen."""
    problems = []
    controls = phone.locator("#answers button, #answers input")
    for index in range(controls.count()):
        found = box(controls.nth(index))
        if (
            found["y"] < 0
            or found["y"] + found["height"] > 740
            or found["x"] + found["width"] > 360
        ):
            problems.append(f"answer control {index + 1} is off the screen: {found}")
    size = page_size(phone)
    if size["h"] > 740 or size["w"] > 360:
        problems.append(f"the phone page scrolls: {size}")
    return problems


def test_a_picture_question_on_the_projector_and_the_phone(browsers, server):
    server.load_seeds(EXAMPLE)
    projector, pin = start_quiz(browsers, EXAMPLE_SLUG)
    phone = browsers.phone("Ayesha")
    browsers.join(phone, pin, "Ayesha")
    projector.keyboard.press("Space")
    wait_phase(projector, "question")

    # The projector: the map large, beside the prompt, the whole question on screen.
    figure = projector.get_by_test_id("question-picture")
    expect(figure).to_be_visible()
    picture = figure.get_by_role("img", name=ALT)
    expect(picture).to_be_visible()
    src = picture.get_attribute("src")
    assert re.fullmatch(r"/media/questions/[0-9a-f]{32}\.png", src), src
    assert loaded(picture), "the projector's picture did not load"
    shown, prompt = box(picture), box(projector.get_by_test_id("prompt"))
    assert shown["x"] + shown["width"] <= prompt["x"], "the picture is not beside the prompt"
    assert shown["height"] >= 0.45 * 720 and shown["width"] >= 0.4 * 1280, shown
    assert question_fit_problems(projector, phone, "picture question") == []

    # Served as what it is, from this server, with nothing to sniff.
    response = phone.request.get(src)
    assert response.status == 200
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"

    # The phone: small above the answers, a button named by the alt text.
    thumb = phone.get_by_role("button", name=ALT)
    expect(thumb).to_be_visible()
    assert loaded(thumb.locator("img")), "the phone's picture did not load"
    small = box(thumb)
    first_answer = box(phone.get_by_test_id("answer").first)
    assert small["y"] + small["height"] <= first_answer["y"], "the picture is not above the answers"
    assert small["height"] <= 0.25 * 740, small
    assert answer_controls_on_screen(phone) == []
    assert unnamed_controls(phone) == []

    # Tap to enlarge: a modal dialog named by the alt text, focus on its Close button.
    thumb.tap()
    dialog = phone.get_by_role("dialog", name=ALT)
    expect(dialog).to_be_visible()
    expect(phone.get_by_test_id("picture-close")).to_be_focused()
    assert unnamed_controls(phone) == []
    big = box(dialog.get_by_role("img", name=ALT))
    # As wide as the screen allows (a landscape map on an upright phone), well over the
    # small picture.
    assert big["width"] >= 0.9 * (360 - 24), big
    assert big["width"] * big["height"] > 1.5 * small["width"] * small["height"], (big, small)
    # Escape closes it and gives the focus back to the small picture.
    phone.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(thumb).to_be_focused()
    # From the keyboard: Enter opens it, the Close button closes it.
    phone.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    phone.get_by_role("button", name="Close picture").click()
    expect(dialog).to_be_hidden()
    expect(thumb).to_be_focused()
    # A tap on the dark around the picture closes it too.
    thumb.tap()
    expect(dialog).to_be_visible()
    phone.mouse.click(180, 8)
    expect(dialog).to_be_hidden()

    # The picture changes nothing about answering.
    right = server.game_questions(pin)[0]["correct_choice_ids"][0]
    phone.locator(f'[data-testid="answer"][data-choice-id="{right}"]').tap()
    wait_phase(projector, "reveal")
    expect(phone.get_by_test_id("result")).to_have_text("Correct!")
    expect(projector.get_by_test_id("question-picture")).to_be_hidden()


def _kinds_quiz(folder: Path) -> Path:
    """A quiz whose pictures meet the tallest answer controls and the longest texts."""
    (folder / "pictures").mkdir()
    (folder / "pictures" / "portrait.png").write_bytes(portrait_png())
    (folder / "pictures" / "map.png").write_bytes(map_png())
    long_prompt = (
        "Look closely at the picture: which of these four events, all of them part of the "
        "long story of Pakistan's relations with the Soviet Union, came first of all?"
    )
    document = {
        "version": 1,
        "timeline": {
            "slug": "test-picture-kinds",
            "title": "Picture kinds",
            "period": {"start": 1947, "end": 1991},
            "events": [
                {
                    "slug": "e1",
                    "year": 1966,
                    "title": "Tashkent",
                    "summary": "Talks at Tashkent.",
                    "effect": "neutral",
                    "verdict": "neutral",
                }
            ],
        },
        "quizzes": [
            {
                "slug": KINDS_SLUG,
                "title": "Pictures with every kind",
                "questions": [
                    {
                        "slug": "order-portrait",
                        "kind": "order",
                        "prompt": long_prompt,
                        "explanation": "In this order.",
                        "image": "pictures/portrait.png",
                        "alt": "A tall drawing: a green panel under a blue circle.",
                        "choices": [
                            {"text": "First Soviet oil credit"},
                            {"text": "Tashkent Declaration"},
                            {"text": "Indo-Soviet treaty"},
                            {"text": "Steel mill opens"},
                        ],
                    },
                    {
                        "slug": "long-choice-map",
                        "kind": "choice",
                        "prompt": long_prompt + " " + long_prompt,
                        "explanation": "The first.",
                        "image": "pictures/map.png",
                        "alt": "Schematic map of Pakistan's two wings with India between them.",
                        "choices": [
                            {"text": f"Answer {n}: a long answer that wraps over several lines"}
                            | ({"correct": True} if n == 1 else {})
                            for n in range(1, 5)
                        ],
                    },
                    {
                        "slug": "year-map",
                        "kind": "year_guess",
                        "prompt": long_prompt,
                        "explanation": "1966.",
                        "answer_year": 1966,
                        "image": "pictures/map.png",
                        "alt": "Schematic map of Pakistan's two wings with India between them.",
                    },
                ],
            }
        ],
    }
    path = folder / "picture-kinds.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def test_the_answer_controls_of_every_kind_stay_on_a_phone_screen_beside_a_picture(
    browsers, server, tmp_path
):
    server.load_seeds(_kinds_quiz(tmp_path))
    projector, pin = start_quiz(browsers, KINDS_SLUG)
    phone = browsers.phone("Bilal")
    browsers.join(phone, pin, "Bilal")
    questions = server.game_questions(pin)

    projector.keyboard.press("Space")
    wait_phase(projector, "question")
    # A portrait picture gets a narrower column, still the screen's height.
    screen = projector.get_by_test_id("question")
    expect(screen).to_have_class(re.compile(r"\bpicture-portrait\b"))
    portrait = projector.get_by_test_id("question-picture").get_by_role("img")
    assert loaded(portrait)
    tall = box(portrait)
    assert tall["height"] >= 0.55 * 720 and tall["height"] > tall["width"], tall
    expect(phone.get_by_role("button", name="A tall drawing: a green panel under a blue circle."))
    assert answer_controls_on_screen(phone) == []
    assert question_fit_problems(projector, phone, "order with a portrait picture") == []
    projector.get_by_role("button", name="Close question").click()
    wait_phase(projector, "reveal")

    # A long prompt and long answers: the small picture gives way, the answers stay.
    projector.get_by_test_id("next").click()
    wait_phase(projector, "question")
    thumb = phone.get_by_test_id("question-picture")
    expect(thumb).to_be_visible()
    # Even a 48 px strip would push them: the picture moves up into the header line.
    expect(thumb).to_have_class(re.compile(r"\bis-compact\b"))
    chip, head = box(thumb), box(phone.get_by_test_id("question-index"))
    assert chip["height"] <= 30 and abs(chip["y"] - head["y"]) < 12, (chip, head)
    timer = box(phone.get_by_test_id("timer"))
    assert head["x"] + head["width"] < chip["x"] and chip["x"] + chip["width"] < timer["x"]
    assert answer_controls_on_screen(phone) == []
    # Still a button named by the alt text, which opens the whole picture.
    thumb.tap()
    expect(phone.get_by_test_id("picture-dialog")).to_be_visible()
    phone.keyboard.press("Escape")
    assert question_fit_problems(projector, phone, "long choices with a map") == []
    projector.get_by_role("button", name="Close question").click()
    wait_phase(projector, "reveal")

    projector.get_by_test_id("next").click()
    wait_phase(projector, "question")
    expect(screen).to_have_class(re.compile(r"\bpicture-landscape\b"))
    expect(phone.get_by_test_id("year-input")).to_be_visible()
    expect(phone.get_by_test_id("question-picture")).to_be_visible()
    assert answer_controls_on_screen(phone) == []
    assert question_fit_problems(projector, phone, "year guess with a map") == []
    guess_year(phone, questions[2]["answer_year"], last=True)
    wait_phase(projector, "reveal")
