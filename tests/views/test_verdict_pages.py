"""The verdict round on the teacher's pages: the report counts who agreed with the
model answer and leaves votes out of accuracy; the answer page sets the class's
verdicts beside the model answer's, period by period, and prints on A4."""

import csv
import io
import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

from classroom.models import Game
from classroom.reports import game_report
from classroom.services.phases import game_create
from quizzes.models import Event, Question

from .conftest import make_answer, make_player

XSS = "<img src=x onerror=alert(1)>"
OVERALL = "Not successful overall. That is the model answer's verdict."


@pytest.fixture
def verdict_quiz(quiz, timeline):
    """The page tests' quiz (Tashkent 1966, the U-2 1960, Afghanistan 1979) and three
    verdict questions: SEATO (1954, failure), the oil deal (1961, success) and one on
    the U-2 the game never reaches."""
    timeline.overall_verdict = OVERALL
    timeline.save()
    seato = Event.objects.create(
        timeline=timeline,
        slug="seato",
        year=1954,
        month=9,
        title=f"Pakistan joins SEATO {XSS}",
        summary="Pakistan joined SEATO in September 1954. Moscow took it badly.",
        effect=Event.Effect.WORSENED,
        verdict=Event.Verdict.FAILURE,
        verdict_reason="Moscow saw an American ally.",
    )
    oil = Event.objects.create(
        timeline=timeline,
        slug="oil",
        year=1961,
        title="The USSR helps Pakistan look for oil",
        summary="In March 1961 Z. A. Bhutto's ministry got Soviet help. Experts came.",
        effect=Event.Effect.IMPROVED,
        verdict=Event.Verdict.SUCCESS,
        verdict_reason="Practical help.",
    )
    u2 = Event.objects.get(slug="u2")
    for position, event in ((3, seato), (4, oil), (5, u2)):
        Question.objects.create(
            quiz=quiz,
            slug=f"verdict-{event.slug}",
            position=position,
            kind=Question.Kind.VERDICT,
            prompt=f"Was it a success or a failure? ({event.slug})",
            explanation=f"because {event.verdict_reason.lower()}",
            event=event,
        )
    return quiz


def choice_id(question, text):
    return next(c["id"] for c in question["choices"] if c["text"] == text)


@pytest.fixture
def voted(verdict_quiz, teacher):
    """Five questions asked of three players (and a kicked one); the sixth not reached.
    SEATO: Failure, Failure, Success (the kicked player's Success left out). Oil:
    Success, Failure, and Chen did not vote."""
    game = game_create(quiz=verdict_quiz, host=teacher)
    # In the quiz's written order (a game asks in timeline order), so that the numbers
    # below are the positions written above.
    position = dict(verdict_quiz.questions.values_list("id", "position"))
    game.questions = sorted(game.questions, key=lambda q: position[q["id"]])
    game.question_index, game.phase = 4, "finished"
    # Saved, not updated: the per-process questions cache forgets a saved snapshot.
    game.save(update_fields=["questions", "question_index", "phase"])
    game.refresh_from_db()
    # The views' quiz is written in date order: the U-2 (0), the mediator (1), 1979 (2).
    mediator, seato, oil = game.questions[1], game.questions[3], game.questions[4]
    ayesha = make_player(game, "Ayesha", score=900)
    bilal = make_player(game, "Bilal", score=0)
    chen = make_player(game, "Chen", score=0)
    troll = make_player(game, "Troll", kicked=True)
    make_answer(ayesha, 1, choice_id=choice_id(mediator, "Kosygin"), correct=True, elapsed_ms=900)
    make_answer(bilal, 1, choice_id=choice_id(mediator, "Brezhnev"), correct=False, elapsed_ms=900)
    for player, vote in ((ayesha, "Failure"), (bilal, "Failure"), (chen, "Success")):
        make_answer(player, 3, choice_id=choice_id(seato, vote), correct=False, elapsed_ms=800)
    make_answer(troll, 3, choice_id=choice_id(seato, "Success"), correct=False, elapsed_ms=1)
    make_answer(ayesha, 4, choice_id=choice_id(oil, "Success"), correct=False, elapsed_ms=700)
    make_answer(bilal, 4, choice_id=choice_id(oil, "Failure"), correct=False, elapsed_ms=700)
    return game


# --- the report -------------------------------------------------------------------------


def test_the_report_counts_who_agreed_with_the_model_answer_per_event(voted):
    rows = game_report(game=voted).verdict_round
    assert [
        (r.number, r.title, r.source, r.success, r.failure, r.agreed, r.share, r.majority)
        for r in rows
    ] == [
        (4, f"Pakistan joins SEATO {XSS}", "failure", 1, 2, 2, 66.7, "failure"),
        (5, "The USSR helps Pakistan look for oil", "success", 1, 1, 1, 50.0, "split"),
    ]
    assert rows[0].date_label == "September 1954"


def test_votes_count_nowhere_as_right_or_wrong(voted):
    report = game_report(game=voted)
    # Three questions with a right answer were asked: accuracy is out of those three.
    ayesha = next(p for p in report.players if p.nickname == "Ayesha")
    assert (ayesha.correct, ayesha.asked, ayesha.accuracy) == (1, 3, 33.3)
    assert report.asked == 5
    assert report.average_accuracy == round(100 * 1 / (3 * 3), 1)
    seato = report.questions[3]
    assert not seato.judged and seato.accuracy is None and seato.kind_label.startswith("Verdict")
    assert [(c.text, c.count, c.correct) for c in seato.distribution] == [
        ("Success", 1, False),
        ("Failure", 2, True),
    ]
    assert seato.mark == "model answer"
    # SEATO is the only question of 1947–58, and a vote: that period has nothing to mark.
    first = next(g for g in report.periods if g.label.startswith("1947–58"))
    assert (first.questions, first.accuracy) == (0, None)
    failures = next(g for g in report.verdicts if g.label == "Failure")
    # The U-2 and Afghanistan questions, not the SEATO vote.
    assert failures.questions == 2


def test_the_report_page_shows_the_verdict_round_and_links_the_answer_page(teacher_client, voted):
    html = teacher_client.get(f"/host/{voted.pin}/report/").content.decode()
    assert f'href="/host/{voted.pin}/answer/" data-testid="answer-link"' in html
    table = html[html.index('data-testid="verdict-round-table"') :]
    assert re.search(r'data-testid="agreed">2 of 3 \(66\.7&nbsp;%\)<', table)
    assert re.search(r'data-testid="class-majority">Split evenly<', table)
    assert XSS not in html and "&lt;img src=x" in html
    assert "A vote: no right answer" in html and "model answer</span>" in html


def test_the_report_csv_has_a_verdict_round_section(teacher_client, voted):
    body = teacher_client.get(f"/host/{voted.pin}/report.csv").content.decode()
    rows = list(csv.reader(io.StringIO(body)))
    start = rows.index(["Verdict round"])
    assert rows[start + 1][:4] == ["number", "event", "event date", "model answer"]
    assert rows[start + 2] == [
        "4",
        f"Pakistan joins SEATO {XSS}",
        "September 1954",
        "failure",
        "1",
        "2",
        "2",
        "66.7",
    ]
    assert "model answer" in body


def test_a_report_without_verdict_questions_has_no_verdict_round(teacher_client, game):
    assert game_report(game=game).verdict_round == []
    html = teacher_client.get(f"/host/{game.pin}/report/").content.decode()
    assert "verdict-round-table" not in html and 'data-testid="answer-link"' not in html


# --- the answer page --------------------------------------------------------------------


def answer_page(client, game):
    return client.get(f"/host/{game.pin}/answer/")


def test_only_the_host_or_a_superuser_may_open_the_answer_page(
    client, voted, other_teacher, superuser, teacher
):
    assert answer_page(client, voted).status_code == 302  # to the login page
    client.force_login(other_teacher)
    assert answer_page(client, voted).status_code == 403
    client.force_login(superuser)
    assert answer_page(client, voted).status_code == 200
    client.force_login(teacher)
    assert answer_page(client, voted).status_code == 200
    assert client.get("/host/000000/answer/").status_code == 404


def test_a_game_without_verdict_questions_has_no_answer_page(teacher_client, game):
    Game.objects.filter(pk=game.pk).update(question_index=2, phase="finished")
    assert answer_page(teacher_client, game).status_code == 404


def sections(html):
    """The page's period sections by their years ("1947–58"), each its section's html."""
    found = re.findall(
        r'<section class="answer-period" data-testid="answer-period" data-period="([^"]+)"'
        r"(.*?)</section>",
        html,
        re.S,
    )
    # A period's title starts with its years: "1947–58: Neutral, then ...".
    return {label.split(":")[0]: section for label, section in found}


def test_the_answer_page_sets_the_class_beside_the_model_answer_period_by_period(
    teacher_client, voted
):
    response = answer_page(teacher_client, voted)
    html = response.content.decode()
    assert response.templates[0].name == "classroom/answer.html"
    periods = sections(html)
    assert list(periods) == ["1947–58", "1958–71", "1971–79", "1979–88"]
    early = periods["1947–58"]
    assert "Pakistan joins SEATO &lt;img" in early and XSS not in html
    # One sentence of evidence, the class's vote and split, the model answer's verdict.
    assert (
        '<span class="label">Evidence:</span> Pakistan joined SEATO in September 1954.</p>' in early
    )
    assert "Moscow took it badly" not in early
    assert "Failure (1 success, 2 failure; 2 of 3 agree with the model answer)" in early
    assert 'verdict-failure">failure</span> — because moscow saw an american ally.' in early
    assert "Mostly failure: 1 vote for success, 2 for failure (33&nbsp;% success)" in early
    # The period's other events come from the timeline, in date order; an initial
    # ("Z. A.") does not end the evidence sentence.
    middle = periods["1958–71"]
    assert middle.index("U-2 shot down") < middle.index("The USSR helps Pakistan")
    assert "In March 1961 Z. A. Bhutto&#x27;s ministry got Soviet help.</p>" in middle
    assert "Split evenly (1 success, 1 failure; 1 of 2 agree" in middle
    # The U-2, the oil deal and Tashkent, by the model answer.
    assert "Mostly success: 2 successes, 1 failure among the period's events" in middle
    assert middle.count('data-judged="true"') == 1  # the U-2 vote was never reached
    assert "Not voted on in this game" in periods["1971–79"]
    assert "Soviet intervention in Afghanistan" in periods["1979–88"]
    assert f"<p>{OVERALL}</p>".replace("'", "&#x27;") in html
    assert "<figcaption>The model answer's overall verdict.</figcaption>" in html
    assert "2 votes for success and 3 for failure" in html


def test_the_votes_of_an_open_verdict_question_stay_hidden(teacher_client, voted):
    Game.objects.filter(pk=voted.pk).update(phase="question")
    html = answer_page(teacher_client, voted).content.decode()
    middle = sections(html)["1958–71"]
    assert "The USSR helps Pakistan look for oil" in middle
    assert 'data-judged="true"' not in middle and "Split evenly" not in middle


def test_the_answer_page_prints_on_a4_without_the_sites_navigation(teacher_client, voted):
    html = answer_page(teacher_client, voted).content.decode()
    assert '<link rel="stylesheet" href="/static/css/answer.css">' in html
    assert 'class="button-row no-print"' in html
    assert '<script src="/static/js/answer.js">' in html
    with open(finders.find("css/answer.css"), encoding="utf-8") as stylesheet:
        css = stylesheet.read()
    assert re.search(r"@page\s*\{\s*size:\s*A4", css)
    printed = css[css.index("@media print") :]
    for hidden in (".topbar", ".skip-link", ".no-print"):
        assert hidden in printed.split("display: none")[0]
    assert "background: #fff !important" in printed
    assert "break-inside: avoid-page" in printed
    assert settings.STATIC_URL == "/static/"


def test_the_report_xlsx_has_a_verdict_round_sheet_with_numbers_as_numbers(teacher_client, voted):
    import openpyxl

    content = teacher_client.get(f"/host/{voted.pin}/report.xlsx").content
    sheet = openpyxl.load_workbook(io.BytesIO(content))["Verdict round"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][-2:] == ["agreed with the model answer", "agreed %"]
    assert rows[1] == [4, f"Pakistan joins SEATO {XSS}", "September 1954", "failure", 1, 2, 2, 66.7]
    assert rows[2][-2:] == [1, 50.0]
