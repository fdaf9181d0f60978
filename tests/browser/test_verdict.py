"""The verdict round in real pages: the class votes on a phone while the projector
shows only how many have voted, the reveal sets the vote beside the model answer's
verdict, and after the game the answer page prints on A4."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.steps import contrast, tap_choice, unnamed_controls, wait_phase

pytestmark = pytest.mark.browser


def choice_id(question, text):
    return next(c["id"] for c in question["choices"] if c["text"] == text)


def test_a_class_votes_on_a_verdict_and_opens_the_answer_page(browsers, server):
    projector, pin = browsers.projector_with_game()
    phones = {name: browsers.phone(name) for name in ("Ayesha", "Bilal")}
    for name, phone in phones.items():
        browsers.join(phone, pin, name)
    questions = server.game_questions(pin)
    number = next(i for i, q in enumerate(questions) if q["kind"] == "verdict")
    question = questions[number]
    source = next(
        c["text"] for c in question["choices"] if c["id"] == question["verdict_choice_id"]
    )
    other = "Success" if source == "Failure" else "Failure"

    projector.get_by_role("button", name="Start").click()
    for _ in range(number):
        wait_phase(projector, "question")
        projector.get_by_test_id("close").click()
        wait_phase(projector, "reveal")
        projector.get_by_test_id("next").click()
    wait_phase(projector, "question")
    expect(projector.get_by_test_id("prompt")).to_have_text(question["prompt"])
    expect(projector.get_by_test_id("question-kind")).to_have_text("Verdict: success or failure?")
    expect(projector.get_by_test_id("tile")).to_have_text(["Success", "Failure"])
    expect(projector.locator("#q-hint")).to_have_text(
        "Vote on your phone: there is no right or wrong answer"
    )
    ayesha, bilal = phones["Ayesha"], phones["Bilal"]
    expect(ayesha.get_by_test_id("answer")).to_have_text(["Success", "Failure"])
    tap_choice(ayesha, choice_id(question, source))
    expect(ayesha.locator("#wait-text")).to_contain_text(f"You said: {source}.")
    # No bandwagon: the projector counts the votes, never shows which way they go.
    expect(projector.get_by_test_id("answered-count")).to_have_text("1 / 2")
    expect(projector.get_by_test_id("reveal")).to_be_hidden()
    assert source not in projector.get_by_test_id("question").inner_text().replace(
        "Success", ""
    ).replace("Failure", "")
    tap_choice(bilal, choice_id(question, other), last=True)

    wait_phase(projector, "reveal")
    expect(projector.get_by_test_id("chart-title")).to_have_text("The class's vote")
    bars = projector.get_by_test_id("bar")
    expect(bars).to_have_count(2)
    expect(projector.locator('[data-testid=bar][data-correct="true"]')).to_have_count(0)
    tagged = projector.locator("[data-testid=bar][data-tag]")
    expect(tagged).to_have_count(1)
    expect(tagged).to_have_attribute("data-choice-id", str(question["verdict_choice_id"]))
    expect(tagged).to_have_attribute("data-count", "1")
    expect(projector.get_by_test_id("correct-answer")).to_have_text(
        f"The model answer says: {source}"
    )
    expect(projector.get_by_test_id("explanation")).to_have_text(question["explanation"])
    expect(projector.get_by_test_id("reveal-stats")).to_contain_text(
        "2 votes · 1 agree with the model answer (50 %)"
    )
    expect(projector.get_by_test_id("event-verdict")).to_have_text(
        f"Model answer: {source.lower()}"
    )

    reason = question["explanation"]
    for phone, said, agreement in (
        (ayesha, source, "The model answer agrees with you"),
        (bilal, other, "The model answer sees it the other way"),
    ):
        expect(phone.get_by_test_id("result")).to_have_text(f"You said: {said}")
        expect(phone.get_by_test_id("points")).to_have_text(agreement)
        expect(phone.get_by_test_id("result-detail")).to_have_text(
            f"The model answer says: {source} — {reason}"
        )
        expect(phone.get_by_test_id("result-screen")).to_have_attribute("data-result", "vote")
        assert contrast(phone, "#result-title", "#screen-result") >= 4.5
        assert contrast(phone, "#result-detail", "#screen-result") >= 4.5

    projector.get_by_test_id("end").click()
    wait_phase(projector, "finished")
    link = projector.get_by_test_id("answer-link")
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", f"/host/{pin}/answer/")
    link.click()

    page = projector
    expect(page.get_by_test_id("answer-page")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("How successful was Pakistan's relationship with the USSR")
    )
    periods = page.get_by_test_id("answer-period")
    expect(periods).to_have_count(4)
    judged = page.locator("[data-testid=answer-event][data-judged=true]")
    expect(judged).to_have_count(1)
    expect(judged.get_by_test_id("class-vote")).to_contain_text(
        "Split evenly (1 success, 1 failure; 1 of 2 agree with the model answer)"
    )
    expect(judged.get_by_test_id("model-verdict")).to_contain_text(
        f"The model answer: {source.lower()} — {reason}"
    )
    expect(page.get_by_test_id("overall-verdict")).to_contain_text("Not successful overall")
    assert unnamed_controls(page) == []
    first = "[data-testid=answer-period] >> nth=0"
    for text in ("#period-1", ".evidence >> nth=0", ".verdict-failure >> nth=0", ".muted >> nth=0"):
        ground = first if text != ".verdict-failure >> nth=0" else text
        assert contrast(page, text, ground) >= 4.5, text

    # On paper: no navigation, no buttons, black on white, A4.
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.get_by_test_id("print")).to_be_hidden()
    backgrounds = page.evaluate(
        "[document.body, document.querySelector('main'), document.querySelector('.answer-period')]"
        ".map(n => getComputedStyle(n).backgroundColor)"
    )
    assert set(backgrounds) <= {"rgb(255, 255, 255)", "rgba(0, 0, 0, 0)"}, backgrounds
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 2 <= pages <= 12, pages
    # A4 is 595 x 842 points (Chromium rounds to the pixel: 595.92 x 842.88).
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([0-9.]+)\s+([0-9.]+)", pdf)
    assert box and abs(float(box[1]) - 595) < 2 and abs(float(box[2]) - 842) < 2, box
