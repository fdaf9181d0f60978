"""The report's homework additions and "Reteach the weakest" (classroom/views.py,
`reteach_start`): which events, why, and the new game, live or as homework."""

from datetime import timedelta

from django.utils import timezone

from classroom.game_setup import SELF_PACED, GameSetup
from classroom.models import Answer, Game, Player
from classroom.services import phases


def _played(game, *, right: bool) -> None:
    """One player who answered every question, all right or all wrong; game ended."""
    player = Player.objects.create(
        game=game,
        nickname="Ayesha",
        nickname_key="ayesha",
        token_hash="b" * 64,
        paced_started_at=timezone.now() - timedelta(minutes=5),
        paced_finished_at=timezone.now(),
    )
    for index, question in enumerate(game.questions):
        Answer.objects.create(
            game=game,
            player=player,
            question_index=index,
            question_id=question["id"],
            choice_id=question["choices"][0]["id"] if question["choices"] else None,
            elapsed_ms=1000,
            correct=right,
            points=1000 if right else 0,
        )
    Game.objects.filter(pk=game.pk).update(
        phase="finished", ended_at=timezone.now(), question_index=len(game.questions) - 1
    )


def test_the_report_lists_accuracy_by_event_and_offers_the_weakest(teacher_client, game):
    _played(game, right=False)
    html = teacher_client.get(f"/host/{game.pin}/report/").content.decode()
    assert 'data-testid="events-table"' in html
    assert 'data-testid="reteach-events"' in html
    weak = html.split('data-testid="reteach-events"', 1)[1].split("</ul>", 1)[0]
    assert "0&nbsp;% right" in weak
    assert 'data-testid="reteach-live"' in html and 'data-testid="reteach-homework"' in html


def test_a_class_that_got_everything_right_has_nothing_to_reteach(teacher_client, game):
    _played(game, right=True)
    html = teacher_client.get(f"/host/{game.pin}/report/").content.decode()
    assert 'data-testid="reteach-none"' in html and 'data-testid="reteach-live"' not in html
    response = teacher_client.post(f"/host/{game.pin}/reteach/", {"mode": "live"})
    assert response.status_code == 302 and Game.objects.count() == 1


def test_reteach_live_starts_a_game_on_the_weakest_events_and_says_why(teacher_client, game):
    _played(game, right=False)
    response = teacher_client.post(f"/host/{game.pin}/reteach/", {"mode": "live"})
    new = Game.objects.exclude(pk=game.pk).get()
    assert response.status_code == 302 and response["Location"] == f"/host/{new.pin}/"
    weak_events = {q["event"]["slug"] for q in game.questions if q.get("event")}
    assert {q["event"]["slug"] for q in new.questions} <= weak_events
    assert new.selection["reteach"] and "0 % right" in new.selection["reteach"][0]
    page = teacher_client.get(response["Location"]).content.decode()
    assert "This game reteaches the events the class got wrong most" in page


def test_reteach_as_homework_opens_for_the_days_chosen(teacher_client, game):
    _played(game, right=False)
    response = teacher_client.post(
        f"/host/{game.pin}/reteach/", {"mode": "self_paced", "days": "3"}
    )
    new = Game.objects.exclude(pk=game.pk).get()
    assert response["Location"] == f"/host/{new.pin}/homework/"
    setup = GameSetup.from_stored(new.setup)
    assert setup.mode == SELF_PACED and setup.accuracy_only
    assert timedelta(days=3) - setup.closes_at.__sub__(timezone.now()) < timedelta(minutes=1)


def test_reteach_refuses_a_mode_or_days_out_of_bounds(teacher_client, game):
    _played(game, right=False)
    for data in ({"mode": "party"}, {"mode": "self_paced", "days": "400"}, {"days": "x"}):
        assert teacher_client.post(f"/host/{game.pin}/reteach/", data).status_code == 400
    assert Game.objects.count() == 1


def test_another_teachers_report_cannot_be_retaught(client, game, other_teacher):
    _played(game, right=False)
    client.force_login(other_teacher)
    assert client.post(f"/host/{game.pin}/reteach/", {"mode": "live"}).status_code == 403


def test_a_homework_report_shows_when_each_student_started_and_finished(
    teacher_client, quiz, teacher
):
    setup = GameSetup(mode=SELF_PACED, closes_at=timezone.now() + timedelta(days=1))
    game = phases.game_create(quiz=quiz, host=teacher, setup=setup)
    _played(game, right=True)
    html = teacher_client.get(f"/host/{game.pin}/report/").content.decode()
    started = html.split('data-testid="player-started">', 1)[1].split("</td>", 1)[0]
    finished = html.split('data-testid="player-finished">', 1)[1].split("</td>", 1)[0]
    assert "<time" in started and "<time" in finished


def test_the_csv_of_a_homework_has_start_and_finish_times_and_the_events(
    teacher_client, quiz, teacher
):
    setup = GameSetup(mode=SELF_PACED, closes_at=timezone.now() + timedelta(days=1))
    game = phases.game_create(quiz=quiz, host=teacher, setup=setup)
    _played(game, right=True)
    text = teacher_client.get(f"/host/{game.pin}/report.csv").content.decode()
    head = next(line for line in text.splitlines() if line.startswith("rank,"))
    assert head.endswith(",started,finished")
    row = next(line for line in text.splitlines() if line.startswith("1,Ayesha,"))
    assert row.count(timezone.localtime().strftime("%Y-%m-%d")) == 2
    assert "By event" in text and "event,date,questions,accuracy %" in text
