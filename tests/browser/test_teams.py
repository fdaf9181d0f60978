"""Teams and reading time in real pages: a teacher sets up a ten-question team game with
reading time (a verdict question among them) through the setup form; four phones play
it. Each question shows the prompt alone first (phones without buttons, the projector a
draining bar); each phone wears its team's colour and hears its team's rank; the
projector shows the team board and the team podium; the report lists the teams."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.steps import (
    answer_question,
    contrast,
    unnamed_controls,
    wait_phase,
)

pytestmark = pytest.mark.browser

NAMES = ("Ayesha", "Bilal", "Chen", "Dua")
READING_S = 2


def test_a_team_game_with_reading_time_is_set_up_played_and_reported(browsers, server):
    projector = browsers.projector_page()
    browsers.teacher_logs_in(projector)
    browsers.open_setup(projector)
    browsers.fill_setup(
        projector, questions=10, order="Shuffled", teams="2 teams", reading_s=READING_S
    )
    pin = browsers.start_from_setup(projector)
    expect(projector.get_by_test_id("setup-summary")).to_contain_text("2 teams")
    expect(projector.get_by_test_id("setup-summary")).to_contain_text(f"reading time {READING_S} s")
    questions = server.game_questions(pin)
    assert len(questions) == 10
    assert any(q["kind"] == "verdict" for q in questions), [q["kind"] for q in questions]

    phones = {name: browsers.phone(name) for name in NAMES}
    for name, phone in phones.items():
        browsers.join(phone, pin, name)
        expect(phone.get_by_test_id("team")).to_be_hidden()
    projector.get_by_role("button", name="Start").click()

    # Reading time: the prompt alone, no buttons on the phones, a bar on the projector.
    wait_phase(projector, "question")
    first = questions[0]
    expect(projector.get_by_test_id("prompt")).to_have_text(first["prompt"])
    expect(projector.get_by_test_id("reading")).to_be_visible()
    expect(projector.get_by_test_id("tiles")).to_be_hidden()
    ayesha = phones["Ayesha"]
    expect(ayesha.get_by_test_id("prompt")).to_have_text(first["prompt"])
    expect(ayesha.get_by_test_id("reading")).to_be_visible()
    expect(ayesha.get_by_test_id("answers")).to_be_hidden()
    # Then the answers open, and the clock starts with the whole limit.
    expect(ayesha.get_by_test_id("answers")).to_be_visible(timeout=READING_S * 1000 + 3000)
    expect(projector.get_by_test_id("tiles")).to_be_visible()
    expect(projector.get_by_test_id("reading")).to_be_hidden()

    # Every phone wears its team: a badge in the team's colour, readable.
    team_of = {}
    for name, phone in phones.items():
        badge = phone.get_by_test_id("team")
        expect(badge).to_be_visible()
        expect(badge).to_have_text(re.compile(r"^Team \w+$"))
        team_of[name] = badge.inner_text().removeprefix("Team ")
        assert contrast(phone, "#my-team", "#my-team") >= 4.5
    assert sorted(team_of.values()).count(team_of["Ayesha"]) == 2  # two teams of two

    scoreboard_at = 2
    for index, question in enumerate(questions):
        wait_phase(projector, "question")
        expect(projector.get_by_test_id("question-index")).to_have_text(
            f"Question {index + 1} of 10"
        )
        for at, name in enumerate(NAMES):
            # Ayesha is always right; the others on every other question.
            right = name == "Ayesha" or index % 2 == 0
            answer_question(phones[name], question, right=right, last=at == len(NAMES) - 1)
        wait_phase(projector, "reveal")
        for phone in phones.values():
            expect(phone.get_by_test_id("team-rank")).to_have_text(
                re.compile(r"^Your team: (1st|2nd) place · \d+ pts$")
            )
        if index == scoreboard_at:
            projector.get_by_test_id("scoreboard-button").click()
            wait_phase(projector, "scoreboard")
            board = projector.get_by_test_id("team-board")
            expect(board).to_be_visible()
            expect(projector.get_by_test_id("team-row")).to_have_count(2)
            expect(projector.get_by_test_id("team-row").first).to_have_attribute("data-rank", "1")
            assert (
                contrast(
                    projector, ".team-row .team-chip >> nth=0", ".team-row .team-chip >> nth=0"
                )
                >= 4.5
            )
            assert unnamed_controls(projector) == []
        projector.get_by_test_id("next").click()

    wait_phase(projector, "finished")
    podium = projector.get_by_test_id("team-podium")
    expect(podium).to_be_visible()
    places = projector.get_by_test_id("team-place")
    expect(places).to_have_count(2)
    winner = places.first
    expect(winner).to_have_attribute("data-rank", "1")
    # Ayesha's team did best: she was right every time and the rest alike.
    expect(winner).to_contain_text(team_of["Ayesha"])
    assert (
        contrast(
            projector, "[data-testid=team-place] >> nth=0", "[data-testid=team-place] >> nth=0"
        )
        >= 4.5
    )
    expect(projector.get_by_test_id("podium-1")).to_contain_text("Ayesha")
    expect(phones["Ayesha"].get_by_test_id("team-rank")).to_contain_text("1st place")
    assert unnamed_controls(projector) == []

    link = projector.get_by_test_id("answer-link")
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", f"/host/{pin}/answer/")

    projector.get_by_test_id("report-link").click()
    expect(projector.get_by_role("heading", level=1)).to_contain_text("Report")
    rows = projector.get_by_test_id("teams-table").get_by_test_id("team-row")
    expect(rows).to_have_count(2)
    expect(rows.first.get_by_test_id("team-name")).to_have_text(team_of["Ayesha"])
    expect(rows.first.get_by_test_id("team-members")).to_contain_text("Ayesha")
