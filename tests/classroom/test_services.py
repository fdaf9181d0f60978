"""Services against the database: game creation, joining, answers in groups, closing."""

import random
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from classroom import selectors
from classroom.errors import ClientError
from classroom.models import Answer, Game, Player
from classroom.services import answers, phases, players, publish
from classroom.services.answers import Submission
from quizzes.models import Choice
from tests.classroom.conftest import build_quiz, correct_choice, wrong_choice
from tests.classroom.helpers import answers_submit, player_join

pytestmark = pytest.mark.django_db(transaction=True)


def generated_nickname_for_seed(seed: int) -> str:
    from classroom.nicknames import generated_nickname

    return generated_nickname(random.Random(seed))


def _open(game: Game) -> Game:
    phases.game_start(game_id=game.pk)
    return Game.objects.get(pk=game.pk)


def _sub(game: Game, player: Player, choice_id: int, *, after_ms: int = 1000) -> Submission:
    question = game.questions[game.question_index]
    return Submission(
        player_id=player.pk,
        question_id=question["id"],
        arrived_at=game.question_started_at + timedelta(milliseconds=after_ms),
        choice_id=choice_id,
    )


# --- game_create -------------------------------------------------------------------


def test_game_create_gives_a_six_digit_pin_and_snapshots_the_quiz(quiz, teacher):
    game = phases.game_create(quiz=quiz, host=teacher)
    assert len(game.pin) == 6 and game.pin.isdigit()
    assert game.phase == "lobby" and game.title == quiz.title
    first = game.questions[0]
    assert set(first) >= {
        "id", "slug", "kind", "prompt", "choices", "correct_choice_ids", "answer_year",
        "time_limit_ms", "points_multiplier", "explanation", "event", "neighbours",
    }  # fmt: skip
    assert first["time_limit_ms"] == 20_000
    assert first["event"]["slug"] == "tashkent"
    assert first["neighbours"]["prev"]["slug"] == "liaquat-visit"
    assert first["neighbours"]["next"]["slug"] == "afghan-war"


def test_editing_the_quiz_mid_game_changes_nothing(game, quiz):
    right = correct_choice(game, 0)
    # The game's ids are its own, so the quiz's key is found by what it says.
    right_text = next(c["text"] for c in game.questions[0]["choices"] if c["id"] == right)
    edited = Choice.objects.filter(question_id=game.questions[0]["id"], text=right_text).update(
        is_correct=False, text="Edited"
    )
    assert edited == 1
    stored = Game.objects.get(pk=game.pk).questions[0]
    assert stored["correct_choice_ids"] == [right]
    assert "Edited" not in [c["text"] for c in stored["choices"]]


def test_order_choices_are_shuffled_and_the_key_is_the_file_order(teacher):
    quiz = build_quiz(slug="ordered", kinds=("order",))
    game = phases.game_create(quiz=quiz, host=teacher, rng=random.Random(1))
    question = game.questions[0]
    in_file = list(Choice.objects.filter(question_id=question["id"]).values_list("text", flat=True))
    text = {c["id"]: c["text"] for c in question["choices"]}
    assert [text[i] for i in question["correct_choice_ids"]] == in_file
    assert [c["text"] for c in question["choices"]] != in_file
    assert sorted(c["text"] for c in question["choices"]) == sorted(in_file)


def test_a_year_guess_has_no_choices_and_a_range_around_the_period(teacher):
    quiz = build_quiz(slug="years", kinds=("year_guess",))
    question = phases.game_create(quiz=quiz, host=teacher).questions[0]
    assert question["choices"] == [] and question["answer_year"] == 1966
    assert (question["year_min"], question["year_max"]) == (1947, 1988)


def test_a_pin_taken_by_a_running_game_is_not_reused(quiz, teacher, monkeypatch):
    first = phases.game_create(quiz=quiz, host=teacher)
    values = iter([int(first.pin), int(first.pin), 123456])
    monkeypatch.setattr(phases.secrets, "randbelow", lambda n: next(values))
    second = phases.game_create(quiz=quiz, host=teacher)
    assert second.pin == "123456"


# --- joining -----------------------------------------------------------------------


def test_join_stores_only_the_tokens_hash_and_resume_finds_the_player(game):
    player, token = player_join(pin=game.pin, nickname="  Ayesha ")
    assert player.nickname == "Ayesha" and player.connected
    assert token not in player.token_hash and len(player.token_hash) == 64
    assert players.player_resume(token=token).pk == player.pk


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        (lambda g: Game.objects.filter(pk=g.pk).update(locked=True), "game_locked"),
        (lambda g: Game.objects.filter(pk=g.pk).update(ended_at=timezone.now()), "game_not_found"),
    ],
)
def test_join_refusals(game, setup, code):
    setup(game)
    with pytest.raises(ClientError) as refused:
        player_join(game_id=game.pk, nickname="Ayesha")
    assert refused.value.code == code
    assert Player.objects.count() == 0


def test_a_full_game_refuses_the_next_player(game, settings):
    settings.GAME_MAX_PLAYERS = 1
    player_join(game_id=game.pk, nickname="Ayesha")
    with pytest.raises(ClientError) as refused:
        player_join(game_id=game.pk, nickname="Bilal")
    assert refused.value.code == "game_full"


def test_nicknames_are_unique_ignoring_case_and_invalid_ones_refused(game):
    player_join(game_id=game.pk, nickname="Ayesha")
    with pytest.raises(ClientError) as taken:
        player_join(game_id=game.pk, nickname="aYESHA")
    assert taken.value.code == "nickname_taken"
    with pytest.raises(ClientError) as invalid:
        player_join(game_id=game.pk, nickname="\u200b\u200b")
    assert invalid.value.code == "nickname_invalid"


def test_a_nickname_whose_keys_outgrow_the_old_40_character_column_joins(game):
    # "ß" folds to "ss" and "m" to "rn": the keys of a 30-character name may be long.
    player, _ = player_join(game_id=game.pk, nickname="ß" * 25)
    assert len(player.nickname_key) == 50
    player, _ = player_join(game_id=game.pk, nickname="m" * 30)
    assert len(player.nickname_key) == len(player.nickname_skeleton) == 60


def test_a_key_too_long_for_its_column_is_refused(game, monkeypatch):
    monkeypatch.setattr(players, "NICKNAME_KEY_MAX", 10)
    with pytest.raises(ClientError) as refused:
        player_join(game_id=game.pk, nickname="Muhammad Ali")
    assert refused.value.code == "nickname_invalid"
    assert not Player.objects.exists()


@pytest.mark.parametrize(
    ("taken", "look_alike"),
    [
        ("Mallory", "M\u0430llory"),  # Cyrillic а
        ("Mallory", "m\u0410LLORY"),  # Cyrillic А, another case
        ("Alex", "AIex"),  # capital i for small L
        ("Bob", "B0B"),  # digit zero
        ("Ali", "\uff21\uff4c\uff49"),  # full-width
    ],
)
def test_a_look_alike_of_a_taken_name_is_nickname_taken(game, taken, look_alike):
    player_join(game_id=game.pk, nickname=taken)
    with pytest.raises(ClientError) as refused:
        player_join(game_id=game.pk, nickname=look_alike)
    assert refused.value.code == "nickname_taken"
    assert "looks the same" in refused.value.message
    assert list(Player.objects.values_list("nickname", flat=True)) == [taken]


def test_look_alikes_within_one_group_are_judged_in_order(game):
    results = players.players_join(
        game_id=game.pk, nicknames=["Mallory", "M\u0430llory", "Alex", "AIex", "Al\u00ed", "Ali"]
    )
    assert [r.error.code if r.error else r.player.nickname for r in results] == [
        "Mallory",
        "nickname_taken",
        "Alex",
        "nickname_taken",
        "Al\u00ed",
        "Ali",
    ]


def test_a_generated_name_never_looks_like_a_players_name(game):
    expected = generated_nickname_for_seed(99)
    look_alike = expected.replace("a", "\u0430").replace("e", "\u0435").replace("o", "\u043e")
    assert look_alike != expected
    player_join(game_id=game.pk, nickname=look_alike)
    phases.game_set_options(game_id=game.pk, generated_names_only=True)
    player, _ = player_join(game_id=game.pk, nickname="x", rng=random.Random(99))
    assert player.nickname != expected
    assert player.nickname_key != Player.objects.get(nickname=look_alike).nickname_key


def test_an_offensive_nickname_becomes_a_generated_one(game, monkeypatch):
    monkeypatch.setattr(players, "is_offensive", lambda name: name == "Rude")
    player, _ = player_join(game_id=game.pk, nickname="Rude")
    assert player.nickname != "Rude" and len(player.nickname.split()) >= 2


def test_a_kicked_player_cannot_resume(game):
    player, token = player_join(game_id=game.pk, nickname="Ayesha")
    players.player_kick(game_id=game.pk, player_id=player.pk)
    with pytest.raises(ClientError) as refused:
        players.player_resume(token=token)
    assert (refused.value.code, refused.value.close_code) == ("kicked", 4403)


def test_a_token_of_another_game_is_bad_token(game, quiz, teacher):
    _, token = player_join(game_id=game.pk, nickname="Ayesha")
    other = phases.game_create(quiz=quiz, host=teacher)
    with pytest.raises(ClientError) as refused:
        players.player_resume(token=token, game_id=other.pk)
    assert refused.value.code == "bad_token"


# --- answers -----------------------------------------------------------------------


def test_two_answers_of_one_player_in_one_batch_store_one(game):
    ayesha, _ = player_join(game_id=game.pk, nickname="Ayesha")
    player_join(game_id=game.pk, nickname="Bilal")
    game = _open(game)
    right, wrong = correct_choice(game, 0), wrong_choice(game, 0)
    results = answers_submit(
        game_id=game.pk,
        submissions=[_sub(game, ayesha, right), _sub(game, ayesha, wrong, after_ms=1200)],
    )
    assert [r.ok for r in results] == [True, False]
    assert results[1].error.code == "already_answered"
    stored = list(Answer.objects.all())
    assert [(a.player_id, a.choice_id) for a in stored] == [(ayesha.pk, right)]
    assert stored[0].elapsed_ms == 1000 and stored[0].points == 975


def test_a_batch_is_one_transaction_of_a_few_queries(game):
    players = [player_join(game_id=game.pk, nickname=f"P{i}")[0] for i in range(30)]
    game = _open(game)
    right = correct_choice(game, 0)
    with CaptureQueriesContext(connection) as queries:
        results = answers_submit(
            game_id=game.pk, submissions=[_sub(game, p, right) for p in players]
        )
    assert all(r.ok for r in results)
    assert Answer.objects.count() == 30
    # Not one query per answer: the batch is stored together (then the question closes).
    assert len(queries) < 60


def test_a_database_error_gives_every_answer_try_again_and_stores_nothing(game, monkeypatch):
    ayesha, _ = player_join(game_id=game.pk, nickname="Ayesha")
    bilal, _ = player_join(game_id=game.pk, nickname="Bilal")
    game = _open(game)
    right = correct_choice(game, 0)
    submissions = [_sub(game, ayesha, right), _sub(game, bilal, right)]
    real_insert = answers._insert_answers

    def broken(*args, **kwargs):
        raise DatabaseError("disk I/O error")

    monkeypatch.setattr(answers, "_insert_answers", broken)
    results = answers_submit(game_id=game.pk, submissions=submissions)
    assert [r.error.code for r in results] == ["try_again", "try_again"]
    assert Answer.objects.count() == 0
    assert Game.objects.get(pk=game.pk).seq == game.seq
    monkeypatch.setattr(answers, "_insert_answers", real_insert)
    retry = answers_submit(game_id=game.pk, submissions=submissions[:1])
    assert retry[0].ok
    assert Answer.objects.count() == 1


def test_an_answer_stamped_after_the_players_deadline_is_late(game):
    ayesha, _ = player_join(game_id=game.pk, nickname="Ayesha")
    player_join(game_id=game.pk, nickname="Bilal")
    game = _open(game)
    late = _sub(game, ayesha, correct_choice(game, 0), after_ms=20_001)
    [result] = answers_submit(game_id=game.pk, submissions=[late])
    assert result.error.code == "question_closed"
    assert Answer.objects.count() == 0


def test_extra_time_moves_a_players_deadline(game):
    ayesha, _ = player_join(game_id=game.pk, nickname="Ayesha")
    player_join(game_id=game.pk, nickname="Bilal")
    players.player_set_extra_time(game_id=game.pk, player_id=ayesha.pk, seconds=10)
    game = _open(game)
    assert game.question_deadline - game.question_started_at == timedelta(seconds=30)
    [result] = answers_submit(
        game_id=game.pk, submissions=[_sub(game, ayesha, correct_choice(game, 0), after_ms=25_000)]
    )
    assert result.ok
    # Judged against 30 s: 25 s scores round(1000 * (1 - 25/30/2)).
    assert Answer.objects.get().points == round(1000 * (1 - (25 / 30) / 2))


def test_close_is_idempotent_and_scores_non_answerers_zero_with_streak_reset(game):
    ayesha, _ = player_join(game_id=game.pk, nickname="Ayesha")
    bilal, _ = player_join(game_id=game.pk, nickname="Bilal")
    Player.objects.filter(pk=bilal.pk).update(streak=3)
    game = _open(game)
    answers_submit(game_id=game.pk, submissions=[_sub(game, ayesha, correct_choice(game, 0))])
    assert phases.question_close(game_id=game.pk, expected_index=0, reason="host")
    assert not phases.question_close(game_id=game.pk, expected_index=0, reason="time")
    ayesha.refresh_from_db()
    bilal.refresh_from_db()
    assert (ayesha.score, ayesha.streak, ayesha.previous_score) == (975, 1, 0)
    assert (bilal.score, bilal.streak) == (0, 0)
    assert Game.objects.get(pk=game.pk).phase == "reveal"


def test_the_timer_does_not_close_a_question_before_its_deadline(game):
    player_join(game_id=game.pk, nickname="Ayesha")
    game = _open(game)
    assert not phases.question_close(game_id=game.pk, expected_index=0, reason="time")
    Game.objects.filter(pk=game.pk).update(question_deadline=timezone.now() - timedelta(seconds=1))
    assert phases.question_close(game_id=game.pk, expected_index=0, reason="time")


def test_every_broadcast_bumps_its_audiences_seq_once(game):
    before = Game.objects.get(pk=game.pk)
    player_join(game_id=game.pk, nickname="Ayesha")  # projector only
    after_join = Game.objects.get(pk=game.pk)
    assert (after_join.seq, after_join.player_seq) == (before.seq + 1, before.player_seq)
    phases.game_start(game_id=game.pk)  # both audiences
    started = Game.objects.get(pk=game.pk)
    assert (started.seq, started.player_seq) == (after_join.seq + 1, after_join.player_seq + 1)


def test_broadcasts_are_published_only_after_commit(game, monkeypatch):
    published = []
    monkeypatch.setattr(publish, "_publisher", lambda game_id, message: published.append(message))
    player_join(game_id=game.pk, nickname="Ayesha")
    assert [m["host"]["type"] for m in published] == ["player_joined"]
    with pytest.raises(ClientError):
        player_join(game_id=game.pk, nickname="AYESHA")
    assert len(published) == 1


def test_players_join_judges_each_name_of_a_group_in_order(game, settings):
    settings.GAME_MAX_PLAYERS = 3
    player_join(game_id=game.pk, nickname="Ayesha")
    before = Game.objects.get(pk=game.pk).seq
    results = players.players_join(
        game_id=game.pk, nicknames=["Bilal", "BILAL", "\u200b", "Chen", "Dua"]
    )
    assert [r.error.code if r.error else r.player.nickname for r in results] == [
        "Bilal",
        "nickname_taken",
        "nickname_invalid",
        "Chen",
        "game_full",
    ]
    assert Player.objects.count() == 3
    # One player_joined broadcast (one seq) per player who joined.
    assert Game.objects.get(pk=game.pk).seq == before + 2


def test_answer_totals_keep_a_player_who_answered_and_left(game):
    ayesha, _ = player_join(game_id=game.pk, nickname="Ayesha")
    player_join(game_id=game.pk, nickname="Bilal")
    player_join(game_id=game.pk, nickname="Chen")
    game = _open(game)
    answers_submit(game_id=game.pk, submissions=[_sub(game, ayesha, correct_choice(game, 0))])
    players.player_disconnected(player_id=ayesha.pk)
    assert selectors.answer_totals(Game.objects.get(pk=game.pk)) == (1, 3)
