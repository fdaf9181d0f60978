"""The game setup page and `POST /host/start/` (docs/protocol.md, "Game setup"): every
field's bounds and bad values, the presets, the live estimate, and the teacher's last
choice remembered per teacher."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from classroom.game_setup import GameSetup
from classroom.models import Game, LastSetup
from classroom.services.phases import game_create

START = "/host/start/"
ESTIMATE = "/host/start/estimate/"


def post(client, **fields):
    return client.post(START, {"quiz": "pk-quiz", **fields})


def refused(response, field, message):
    """The form came back (400) with `message` next to `field`, and nothing started."""
    html = response.content.decode()
    assert response.status_code == 400, html[:400]
    box = f'id="err-{field}" data-testid="error-{field}">'
    assert box in html, f"no message box for {field}"
    shown = html.split(box, 1)[1].split("</p>", 1)[0]
    assert message in shown, f"{field}: {shown!r}"
    assert 'data-testid="setup-errors"' in html
    assert not Game.objects.exists()


def in_a_day() -> str:
    return (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")


# -- The page ---------------------------------------------------------------------------


def test_start_a_game_opens_the_setup_page_of_that_quiz(teacher_client, quiz):
    response = teacher_client.get(START, {"quiz": quiz.slug})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Set up a game" in html and quiz.title in html
    for name in (
        "questions",
        "periods",
        "order",
        "time_scale",
        "mode",
        "closes_at",
        "accuracy_only",
        "teams",
        "reading_s",
        "join_gate",
        "generated_names_only",
    ):
        assert f'name="{name}"' in html, name
    assert 'action="/host/start/"' in html and "csrfmiddlewaretoken" in html
    assert not Game.objects.exists()


def test_the_page_shows_the_estimate_of_the_game_it_would_start(teacher_client, quiz):
    html = teacher_client.get(START, {"quiz": quiz.slug}).content.decode()
    # Three 20 s questions and 25 s around each: 135 s, about 2 minutes.
    assert 'data-testid="estimate" id="estimate" role="status" aria-live="polite">' in html
    assert "3 questions · about 2 minutes</p>" in html


def test_the_periods_are_the_quizs_timeline_periods_with_their_question_counts(
    teacher_client, quiz
):
    html = teacher_client.get(START, {"quiz": quiz.slug}).content.decode()
    assert "1958–71: The U-2 crisis, then a thaw (2 questions)" in html
    assert "1979–88: The Soviet war in Afghanistan (1 question)" in html
    assert 'value="1958-71"' in html


@pytest.mark.parametrize("slug", ["nope", "x" * 300])
def test_the_setup_page_of_an_unknown_quiz_says_so(teacher_client, quiz, slug):
    response = teacher_client.get(START, {"quiz": slug})
    assert response.status_code == 400
    assert 'data-testid="start-error"' in response.content.decode()


@pytest.mark.django_db
def test_the_setup_page_and_its_estimate_need_a_login(client, quiz):
    for url in (START, ESTIMATE):
        response = client.get(url, {"quiz": quiz.slug})
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


# -- Starting ------------------------------------------------------------------------------


def test_only_the_quiz_starts_a_live_game_of_every_question(teacher_client, quiz):
    response = post(teacher_client)
    game = Game.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/host/{game.pin}/"
    assert len(game.questions) == 3
    setup = GameSetup.from_stored(game.setup)
    assert setup.mode == "live" and setup.questions is None
    assert setup.periods == ("1947-58", "1958-71", "1971-79", "1979-88")
    assert game.selection["left_out"] == []


def test_every_field_is_stored_with_the_game(teacher_client, quiz):
    response = post(
        teacher_client,
        questions="2",
        periods=["1958-71", "1979-88"],
        order="shuffled",
        time_scale="1.5",
        accuracy_only="on",
        teams="4",
        reading_s="5",
        join_gate="on",
        generated_names_only="true",
    )
    assert response.status_code == 302
    game = Game.objects.get()
    setup = GameSetup.from_stored(game.setup)
    assert setup == GameSetup(
        questions=2,
        periods=("1958-71", "1979-88"),
        order="shuffled",
        time_scale=1.5,
        accuracy_only=True,
        teams=4,
        reading_s=5,
        join_gate=True,
        generated_names_only=True,
    )
    assert game.options == {
        "accuracy_only": True,
        "generated_names_only": True,
        "join_gate": True,
    }
    assert len(game.questions) == 2
    # A time scale of 1.5: 20 s questions get 30 s.
    assert {q["time_limit_ms"] for q in game.questions} == {30_000}


def test_homework_is_stored_with_its_closing_time_in_the_teachers_zone(teacher_client, quiz):
    when = (timezone.now() + timedelta(days=2)).astimezone(timezone.get_fixed_timezone(300))
    local = when.strftime("%Y-%m-%dT%H:%M")
    response = post(teacher_client, mode="self_paced", closes_at=local, timezone="Asia/Karachi")
    assert response.status_code == 302
    setup = GameSetup.from_stored(Game.objects.get().setup)
    assert setup.mode == "self_paced"
    assert setup.closes_at.utcoffset() == timedelta(hours=5)
    assert setup.closes_at.strftime("%Y-%m-%dT%H:%M") == local


def test_a_closing_time_with_its_own_offset_is_taken_as_written(teacher_client, quiz):
    when = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    written = when.astimezone(timezone.get_fixed_timezone(-180)).isoformat()
    response = post(teacher_client, mode="self_paced", closes_at=written, timezone="Asia/Tokyo")
    assert response.status_code == 302
    assert GameSetup.from_stored(Game.objects.get().setup).closes_at == when


def test_a_live_game_ignores_a_closing_time_left_in_the_form(teacher_client, quiz):
    assert post(teacher_client, mode="live", closes_at=in_a_day()).status_code == 302
    assert GameSetup.from_stored(Game.objects.get().setup).closes_at is None


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"questions": "0"}, "questions", "Ask for 1 to 3 questions, or leave empty."),
        ({"questions": "4"}, "questions", "Ask for 1 to 3 questions, or leave empty."),
        ({"questions": "-1"}, "questions", "Ask for 1 to 3 questions"),
        ({"questions": "ten"}, "questions", "Give a whole number, or leave empty for all."),
        ({"questions": "2.5"}, "questions", "Give a whole number"),
        ({"questions": "9" * 5000}, "questions", "Give a whole number"),
        ({"periods": "1990-99"}, "periods", "“1990-99” is not a period of this quiz."),
        ({"periods_shown": "1"}, "periods", "Tick at least one period."),
        ({"order": "random"}, "order", "Choose timeline order or shuffled."),
        ({"time_scale": "3"}, "time_scale", "Choose normal time, 1.5 × or twice as long."),
        ({"time_scale": "1.50"}, "time_scale", "Choose normal time"),
        ({"mode": "homework"}, "mode", "Choose live or homework."),
        ({"mode": "self_paced"}, "closes_at", "Homework needs the date and time it closes."),
        (
            {"mode": "self_paced", "closes_at": "2020-01-01T10:00"},
            "closes_at",
            "Pick a time in the future.",
        ),
        (
            {"mode": "self_paced", "closes_at": "14/03/2030 18:00"},
            "closes_at",
            "Give a date and time, e.g. 2025-03-14T18:00.",
        ),
        (
            {"mode": "self_paced", "closes_at": "2030-02-30T10:00"},
            "closes_at",
            "Give a date and time",
        ),
        (
            {
                "mode": "self_paced",
                "closes_at": (timezone.localtime() + timedelta(days=29)).strftime("%Y-%m-%dT%H:%M"),
            },
            "closes_at",
            "Homework can stay open for at most 28 days.",
        ),
        ({"accuracy_only": "maybe"}, "accuracy_only", "“Accuracy only” must be ticked or not."),
        ({"teams": "1"}, "teams", "Choose no teams or 2 to 8 teams."),
        ({"teams": "9"}, "teams", "Choose no teams or 2 to 8 teams."),
        ({"teams": "two"}, "teams", "Choose no teams or 2 to 8 teams."),
        ({"reading_s": "11"}, "reading_s", "Reading time is 0 to 10 seconds."),
        ({"reading_s": "-1"}, "reading_s", "Reading time is 0 to 10 seconds."),
        ({"reading_s": "soon"}, "reading_s", "Give a whole number of seconds."),
        ({"join_gate": "2"}, "join_gate", "“Shapes to join” must be ticked or not."),
        (
            {"generated_names_only": "yes"},
            "generated_names_only",
            "“Generated names only” must be ticked or not.",
        ),
    ],
)
def test_a_bad_value_shows_the_form_again_with_a_message_next_to_it(
    teacher_client, quiz, fields, field, message
):
    refused(post(teacher_client, **fields), field, message)


def test_a_value_sent_twice_is_refused_not_guessed(teacher_client, quiz):
    refused(post(teacher_client, teams=["2", "4"]), "teams", "Give one value only.")


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../../etc/passwd", "/etc/localtime"])
def test_a_bad_time_zone_is_refused(teacher_client, quiz, zone):
    response = post(teacher_client, mode="self_paced", closes_at=in_a_day(), timezone=zone)
    assert response.status_code == 400
    assert f"“{zone}” is not a time zone." in response.content.decode()
    assert not Game.objects.exists()


def test_the_form_shown_again_keeps_what_the_teacher_typed_and_marks_the_field(
    teacher_client, quiz
):
    html = post(teacher_client, questions="2", teams="4", reading_s="12").content.decode()
    assert 'aria-invalid="true" aria-describedby="err-reading_s"' in html
    assert 'value="2"' in html
    assert '<option value="4" selected>4 teams</option>' in html


def test_every_bad_value_is_reported_at_once(teacher_client, quiz):
    html = post(teacher_client, questions="0", teams="1", order="up").content.decode()
    for field in ("questions", "teams", "order"):
        assert f'aria-describedby="err-{field}"' in html


def test_a_period_without_questions_starts_nothing_and_says_why(teacher_client, quiz):
    response = post(teacher_client, periods="1947-58")
    refused(response, "periods", "No question of this quiz is in the chosen periods.")


def test_the_start_form_is_protected_by_csrf(teacher, quiz):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(teacher)
    assert strict.post(START, {"quiz": quiz.slug, "questions": "2"}).status_code == 403
    assert not Game.objects.exists()


# -- The presets -----------------------------------------------------------------------


def test_the_presets_are_links_labelled_with_what_they_ask_of_this_quiz(teacher_client, quiz):
    html = teacher_client.get(START, {"quiz": quiz.slug}).content.decode()
    assert 'href="/host/start/?quiz=pk-quiz&amp;preset=starter"' in html
    # The quiz has only 3 questions: the starter says so.
    assert "Starter: 3 questions, ~2 min" in html
    assert "Full revision: all 3 questions, ~2 min" in html
    assert 'data-testid="preset-period-1958-71"' in html
    # A period without questions offers no quick choice.
    assert 'data-testid="preset-period-1947-58"' not in html


def test_a_preset_fills_the_form(teacher_client, quiz):
    html = teacher_client.get(
        START, {"quiz": quiz.slug, "preset": "period-1958-71"}
    ).content.decode()
    assert 'value="1958-71" id="id_periods_1" checked' in html
    assert 'value="1979-88" id="id_periods_3" checked' not in html
    assert "2 questions · about 2 minutes · 1958–71</p>" in html


def test_the_starter_preset_asks_ten_questions_of_the_seed_quiz(teacher_client, seed_quiz):
    html = teacher_client.get(START, {"quiz": seed_quiz.slug}).content.decode()
    assert "Starter: 10 questions, ~8 min" in html
    page = teacher_client.get(START, {"quiz": seed_quiz.slug, "preset": "starter"})
    assert 'name="questions" value="10"' in page.content.decode()


def test_an_unknown_preset_says_so_and_shows_the_last_choice(teacher_client, quiz):
    html = teacher_client.get(START, {"quiz": quiz.slug, "preset": "nope"}).content.decode()
    assert "There is no such quick choice" in html


# -- The teacher's last choice ---------------------------------------------------------------


def test_the_last_choice_is_remembered_in_the_database_per_teacher(
    teacher_client, quiz, other_teacher
):
    post(teacher_client, questions="2", periods="1958-71", teams="3", reading_s="4")
    stored = LastSetup.objects.get(teacher=teacher_client.session["_auth_user_id"])
    assert stored.quiz_slug == quiz.slug and stored.setup["teams"] == 3
    html = teacher_client.get(START, {"quiz": quiz.slug}).content.decode()
    assert 'name="questions" value="2"' in html
    assert '<option value="3" selected>3 teams</option>' in html
    assert 'name="reading_s" value="4"' in html
    assert 'value="1958-71" id="id_periods_1" checked' in html
    assert 'value="1979-88" id="id_periods_3" checked' not in html
    # Another teacher, another browser: their own (none yet: the defaults).
    other = Client()
    other.force_login(other_teacher)
    theirs = other.get(START, {"quiz": quiz.slug}).content.decode()
    assert '<option value="0" selected>No teams</option>' in theirs
    assert 'value="1979-88" id="id_periods_3" checked' in theirs


def test_the_last_choice_follows_the_teacher_to_another_browser(teacher_client, quiz, teacher):
    post(teacher_client, teams="5")
    elsewhere = Client()
    elsewhere.force_login(teacher)
    html = elsewhere.get(START, {"quiz": quiz.slug}).content.decode()
    assert '<option value="5" selected>5 teams</option>' in html


def test_a_refused_form_is_not_remembered(teacher_client, quiz):
    post(teacher_client, teams="9")
    assert not LastSetup.objects.exists()


def test_homework_whose_closing_time_passed_is_shown_with_the_time_to_give_again(
    teacher_client, quiz, teacher
):
    closes = timezone.now() + timedelta(days=1)
    game_create(quiz=quiz, host=teacher, setup=GameSetup(mode="self_paced", closes_at=closes))
    LastSetup.objects.filter(teacher=teacher).update(
        setup={**LastSetup.objects.get().setup, "closes_at": "2020-01-01T10:00:00+00:00"}
    )
    html = teacher_client.get(START, {"quiz": quiz.slug}).content.decode()
    assert 'value="self_paced" id="id_mode_1" checked' in html
    assert 'name="closes_at" value="' not in html


def test_another_quizs_periods_are_not_carried_over(teacher_client, quiz, teacher):
    LastSetup.objects.create(
        teacher=teacher, quiz_slug="another", setup={"periods": ["1958-71"], "teams": 2}
    )
    html = teacher_client.get(START, {"quiz": quiz.slug}).content.decode()
    assert 'value="1979-88" id="id_periods_3" checked' in html
    assert '<option value="2" selected>2 teams</option>' in html


def test_an_unreadable_last_choice_gives_the_defaults(teacher_client, quiz, teacher):
    LastSetup.objects.create(teacher=teacher, quiz_slug=quiz.slug, setup={"teams": "lots"})
    response = teacher_client.get(START, {"quiz": quiz.slug})
    assert response.status_code == 200
    assert '<option value="0" selected>No teams</option>' in response.content.decode()


# -- The live estimate ---------------------------------------------------------------------


def test_the_estimate_follows_the_form(teacher_client, quiz):
    response = teacher_client.get(
        ESTIMATE,
        {"quiz": quiz.slug, "questions": "2", "time_scale": "2", "reading_s": "5", "teams": "2"},
    )
    assert response.status_code == 200
    body = json.loads(response.content)
    # Two 20 s questions doubled, 5 s reading and 25 s around each: 140 s.
    assert body == {
        "questions": 2,
        "seconds": 140,
        "minutes": 2,
        "summary": "2 questions · about 2 minutes · time limits × 2 · 2 teams · reading time 5 s",
    }
    assert not Game.objects.exists() and not LastSetup.objects.exists()


def test_the_estimate_of_bad_values_is_their_messages(teacher_client, quiz):
    response = teacher_client.get(ESTIMATE, {"quiz": quiz.slug, "questions": "9", "teams": "1"})
    assert response.status_code == 400
    errors = json.loads(response.content)["errors"]
    assert errors["questions"] == ["Ask for 1 to 3 questions, or leave empty."]
    assert errors["teams"] == ["Choose no teams or 2 to 8 teams."]


def test_the_estimate_of_an_unknown_quiz_is_refused(teacher_client, quiz):
    response = teacher_client.get(ESTIMATE, {"quiz": "nope"})
    assert response.status_code == 400
    assert "nope" in json.loads(response.content)["errors"]["quiz"][0]
