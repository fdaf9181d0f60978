"""The teacher's report: permissions, the numbers, the CSV, escaping."""

import csv
import io

import openpyxl
import pytest
from django.utils import timezone

from classroom.game_setup import GameSetup
from classroom.models import Game
from classroom.reports import csv_safe, game_report
from classroom.services.phases import game_create
from quizzes.models import Event

from .conftest import make_answer, make_player

XSS = "<img src=x onerror=alert(1)>"
# Where the fixture's questions stand in a game (timeline order).
U2, TASHKENT = 0, 1


def _choice_id(question, text):
    return next(c["id"] for c in question["choices"] if c["text"] == text)


def _letter(question, text):
    """The letter the class saw `text` under: the game's own order, A first."""
    return "ABCD"[[c["text"] for c in question["choices"]].index(text)]


@pytest.fixture
def played(game):
    """Three players and a kicked one; every question asked (see the numbers below)."""
    Game.objects.filter(pk=game.pk).update(question_index=2, phase="finished")
    game.refresh_from_db()
    # In timeline order: the U-2 (1960), Tashkent (1966), Afghanistan (1979).
    u2, tashkent = game.questions[U2], game.questions[TASHKENT]
    # The game shows choices in its own order under its own ids: found by their text.
    kosygin, brezhnev, gromyko = (
        _choice_id(tashkent, name) for name in ("Kosygin", "Brezhnev", "Gromyko")
    )
    true_id, false_id = _choice_id(u2, "True"), _choice_id(u2, "False")
    ayesha = make_player(game, "Ayesha", score=1800)
    bilal = make_player(game, "Bilal", score=1800)
    chen = make_player(game, "Chen", score=500)
    troll = make_player(game, "Troll", score=0, kicked=True)
    make_answer(ayesha, TASHKENT, choice_id=kosygin, correct=True, elapsed_ms=2000)
    make_answer(bilal, TASHKENT, choice_id=kosygin, correct=True, elapsed_ms=4000)
    make_answer(chen, TASHKENT, choice_id=brezhnev, correct=False, elapsed_ms=6000)
    make_answer(troll, TASHKENT, choice_id=gromyko, correct=False, elapsed_ms=500)
    make_answer(ayesha, U2, choice_id=true_id, correct=True, elapsed_ms=1000)
    make_answer(bilal, U2, choice_id=false_id, correct=False, elapsed_ms=3000)
    make_answer(ayesha, 2, value=1979, correct=True, elapsed_ms=5000)
    make_answer(bilal, 2, value=1980, correct=False, elapsed_ms=6000)
    make_answer(chen, 2, value=1979, correct=True, elapsed_ms=8000)
    return game


def test_players_are_ranked_with_accuracy_apart_from_speed(played):
    report = game_report(game=played)
    rows = [(p.rank, p.nickname, p.score, p.correct, p.accuracy, p.kicked) for p in report.players]
    assert rows == [
        (1, "Ayesha", 1800, 3, 100.0, False),
        (1, "Bilal", 1800, 1, 33.3, False),
        (3, "Chen", 500, 1, 33.3, False),
        (0, "Troll", 0, 0, 0.0, True),
    ]
    assert report.player_count == 3
    assert report.asked == 3
    assert report.average_accuracy == pytest.approx(55.6)


def test_each_question_has_accuracy_distribution_and_average_time(played):
    u2, tashkent, afghan = game_report(game=played).questions
    row = tashkent
    assert (row.answered, row.correct, row.accuracy, row.average_seconds) == (3, 2, 66.7, 4.0)
    # The kicked player's answer (Gromyko) is left out. Listed as the class saw them.
    expected = [
        (_letter(played.questions[TASHKENT], "Kosygin"), "Kosygin", 2, True),
        (_letter(played.questions[TASHKENT], "Brezhnev"), "Brezhnev", 1, False),
        (_letter(played.questions[TASHKENT], "Gromyko"), "Gromyko", 0, False),
        (_letter(played.questions[TASHKENT], "Podgorny"), "Podgorny", 0, False),
    ]
    shown = [(c.label, c.text, c.count, c.correct) for c in tashkent.distribution]
    assert shown == sorted(expected)
    assert (u2.answered, u2.correct, u2.accuracy, u2.average_seconds) == (2, 1, 33.3, 2.0)
    assert [(c.text, c.count) for c in u2.distribution] == [("True", 1), ("False", 1)]
    assert (afghan.accuracy, afghan.average_seconds) == (66.7, 6.3)
    assert [(c.text, c.count, c.correct) for c in afghan.distribution] == [
        ("1979", 2, True),
        ("1980", 1, False),
    ]


def test_accuracy_is_broken_down_by_period_and_by_success_or_failure(played):
    report = game_report(game=played)
    # The timeline's periods, by their titles (the game stored them when it started).
    periods = {g.label.split(":")[0]: (g.questions, g.accuracy) for g in report.periods}
    assert periods == {
        "1947–58": (0, None),
        "1958–71": (2, 50.0),
        "1971–79": (0, None),
        "1979–88": (1, 66.7),
    }
    verdicts = {g.label: (g.questions, g.accuracy) for g in report.verdicts}
    assert verdicts == {"Success": (1, 66.7), "Failure": (2, 50.0)}


def test_questions_not_reached_are_not_counted(game):
    Game.objects.filter(pk=game.pk).update(question_index=0)
    game.refresh_from_db()
    player = make_player(game, "Solo", score=900)
    make_answer(
        player,
        0,
        choice_id=game.questions[0]["correct_choice_ids"][0],
        correct=True,
        elapsed_ms=1500,
    )
    report = game_report(game=game)
    assert report.asked == 1
    assert report.players[0].accuracy == 100.0
    assert [q.asked for q in report.questions] == [True, False, False]


def test_the_report_page_shows_the_numbers(teacher_client, played):
    html = teacher_client.get(f"/host/{played.pin}/report/").content.decode()
    assert "Ayesha" in html
    assert "66.7&nbsp;%" in html
    assert "4.0 s" in html
    assert "1958–71" in html
    assert f"/host/{played.pin}/report.csv" in html


def test_a_hostile_nickname_is_escaped_in_the_report(teacher_client, game):
    make_player(game, XSS, score=10)
    html = teacher_client.get(f"/host/{game.pin}/report/").content.decode()
    assert XSS not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def _sections(body: str) -> dict[str, list[list[str]]]:
    sections: dict[str, list[list[str]]] = {}
    current = None
    for row in csv.reader(io.StringIO(body)):
        if len(row) == 1 and row[0] in {
            "Players",
            "Questions",
            "By period",
            "By event verdict",
            "Not asked",
        }:
            current = sections.setdefault(row[0], [])
        elif current is not None and row:
            current.append(row)
        elif not row:
            current = None
    return sections


def test_the_csv_has_a_players_and_a_questions_section(teacher_client, played):
    response = teacher_client.get(f"/host/{played.pin}/report.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    sections = _sections(response.content.decode())
    players = sections["Players"]
    assert players[0][:6] == [
        "rank",
        "nickname",
        "score",
        "correct",
        "questions asked",
        "accuracy %",
    ]
    assert players[1][:6] == ["1", "Ayesha", "1800", "3", "3", "100.0"]
    assert players[3][:6] == ["3", "Chen", "500", "1", "3", "33.3"]
    questions = sections["Questions"]
    assert questions[2][:7] == [
        "2",
        "Who brokered the Tashkent Declaration?",
        "choice",
        "3",
        "2",
        "66.7",
        "4.0",
    ]
    letter = _letter(played.questions[TASHKENT], "Kosygin")
    assert f"{letter}: Kosygin = 2 (correct)" in questions[2][9]
    assert sections["By period"][2] == ["1958–71: The U-2 crisis, then a thaw", "2", "50.0"]


def test_csv_cells_cannot_start_a_formula(teacher_client, game):
    make_player(game, '=HYPERLINK("http://x")', score=5)
    make_player(game, "@SUM(A1)", score=4)
    body = teacher_client.get(f"/host/{game.pin}/report.csv").content.decode()
    nicknames = [row[1] for row in _sections(body)["Players"][1:]]
    assert nicknames == ['\'=HYPERLINK("http://x")', "'@SUM(A1)"]
    assert csv_safe("-1") == "'-1"
    assert csv_safe("+1") == "'+1"
    assert csv_safe(-1) == -1
    assert csv_safe("plain") == "plain"


@pytest.mark.parametrize("suffix", ["report/", "report.csv", "report.xlsx"])
def test_only_the_host_or_a_superuser_may_read_the_report(
    client, game, other_teacher, staff, superuser, suffix
):
    url = f"/host/{game.pin}/{suffix}"
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    client.force_login(other_teacher)
    assert client.get(url).status_code == 403
    # Staff who edit quiz content are teachers like any other, not every game's host.
    client.force_login(staff)
    assert client.get(url).status_code == 403
    client.force_login(superuser)
    assert client.get(url).status_code == 200
    client.force_login(game.host)
    assert client.get(url).status_code == 200


def test_an_unknown_pin_has_no_report(teacher_client, game):
    other = "000000" if game.pin != "000000" else "111111"
    assert teacher_client.get(f"/host/{other}/report/").status_code == 404


def test_a_reused_pin_reports_the_hosts_most_recent_game(teacher_client, game, quiz, teacher):
    Game.objects.filter(pk=game.pk).update(ended_at=timezone.now(), phase="finished")
    make_player(game, "OldGamePlayer", score=1)
    newer = Game.objects.create(
        pin=game.pin, quiz=quiz, host=teacher, title="Newer game", questions=game.questions
    )
    make_player(newer, "NewGamePlayer", score=1)
    html = teacher_client.get(f"/host/{game.pin}/report/").content.decode()
    assert "NewGamePlayer" in html
    assert "OldGamePlayer" not in html


def test_the_report_lists_questions_not_asked_apart(teacher_client, game):
    Game.objects.filter(pk=game.pk).update(question_index=0)
    html = teacher_client.get(f"/host/{game.pin}/report/").content.decode()
    assert html.count('data-testid="question-row"') == 1
    assert 'data-testid="not-asked"' in html
    assert "Not asked in this game: 2 questions" in html
    assert "The game ended before this question: 2" in html


def test_a_teacher_reads_the_events_own_date_not_a_year_inferred_for_it(
    teacher_client, quiz, teacher
):
    # An uncertain date: the year places the event, the text is what the sources say.
    Event.objects.filter(slug="afghan").update(year=1985, date_text="mid-1980s")
    game = game_create(quiz=quiz, host=teacher)
    Game.objects.filter(pk=game.pk).update(question_index=2, phase="finished")
    game.refresh_from_db()
    make_answer(make_player(game, "Ayesha", score=900), 2, value=1985, correct=True, elapsed_ms=900)
    rows = game_report(game=game).questions
    assert [(q.year, q.date_label) for q in rows] == [
        (1960, "1960"),
        (1966, "January 1966"),
        (1985, "mid-1980s"),
    ]
    html = teacher_client.get(f"/host/{game.pin}/report/").content.decode()
    assert '<span data-testid="question-date">mid-1980s</span>' in html
    assert '<span data-testid="question-date">1985</span>' not in html
    questions = _sections(teacher_client.get(f"/host/{game.pin}/report.csv").content.decode())[
        "Questions"
    ]
    assert questions[0][7] == "event date"
    assert [row[7] for row in questions[1:]] == ["1960", "January 1966", "mid-1980s"]
    book = openpyxl.load_workbook(
        io.BytesIO(teacher_client.get(f"/host/{game.pin}/report.xlsx").content)
    )
    assert [row[7] for row in book["Questions"].iter_rows(values_only=True)] == [
        "event date",
        "1960",
        "January 1966",
        "mid-1980s",
    ]


def test_the_report_says_which_questions_were_not_asked_and_why(teacher_client, quiz, teacher):
    game = game_create(quiz=quiz, host=teacher, setup=GameSetup(questions=1, periods=("1958-71",)))
    Game.objects.filter(pk=game.pk).update(question_index=0, phase="finished")
    game.refresh_from_db()
    report = game_report(game=game)
    assert report.setup_words == "1 question · about 1 minute · 1958–71"
    reasons = sorted((row.prompt, row.reason, row.period) for row in report.not_asked)
    assert reasons == [
        (
            "In which year did Soviet troops enter Afghanistan?",
            "not in the chosen periods",
            "1979–88",
        ),
        ("The U-2 flew from Peshawar.", "the game was limited to 1 question", "1958–71"),
    ]
    # Only the chosen period has a row in the table by period.
    assert [g.label for g in report.periods] == ["1958–71: The U-2 crisis, then a thaw"]
    html = teacher_client.get(f"/host/{game.pin}/report/").content.decode()
    assert "Set up as: 1 question · about 1 minute · 1958–71" in html
    assert "Not asked in this game: 2 questions" in html
    assert "The game was limited to 1 question: 1 · Not in the chosen periods: 1" in html
    assert html.count('data-testid="not-asked-row"') == 2
    rows = _sections(teacher_client.get(f"/host/{game.pin}/report.csv").content.decode())
    assert rows["Not asked"][0] == ["prompt", "kind", "period", "why not"]
    assert rows["Not asked"][1][:3] == ["The U-2 flew from Peshawar.", "true_false", "1958–71"]


def test_a_game_that_ended_early_says_which_questions_it_did_not_reach(
    teacher_client, quiz, teacher
):
    game = game_create(quiz=quiz, host=teacher, setup=GameSetup(periods=("1958-71",)))
    Game.objects.filter(pk=game.pk).update(question_index=0, phase="finished")
    game.refresh_from_db()
    reasons = [(row.prompt, row.reason) for row in game_report(game=game).not_asked]
    assert reasons == [
        ("Who brokered the Tashkent Declaration?", "the game ended before this question"),
        ("In which year did Soviet troops enter Afghanistan?", "not in the chosen periods"),
    ]


def test_a_game_started_before_setups_existed_reads_as_the_defaults(quiz, teacher):
    game = game_create(quiz=quiz, host=teacher)
    Game.objects.filter(pk=game.pk).update(
        setup={}, selection={}, question_index=2, phase="finished"
    )
    game.refresh_from_db()
    report = game_report(game=game)
    assert report.setup_words == "3 questions · about 2 minutes"
    # Its periods are the quiz timeline's today.
    assert len(report.periods) == 4 and report.not_asked == []


def test_a_quiz_without_periods_has_no_table_by_period(teacher_client, quiz, teacher, timeline):
    timeline.periods = []
    timeline.save()
    game = game_create(quiz=quiz, host=teacher)
    assert game_report(game=game).periods == []
    html = teacher_client.get(f"/host/{game.pin}/report/").content.decode()
    assert 'data-testid="no-periods"' in html and 'data-testid="periods-table"' not in html
