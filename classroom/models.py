"""Live game state. Everything that decides a score lives here, in the database,
so a restarted server (or another process) can carry a game on."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from classroom.nicknames import MAX_KEY_LENGTH


class Game(models.Model):
    class Phase(models.TextChoices):
        LOBBY = "lobby", gettext_lazy("Lobby")
        QUESTION = "question", gettext_lazy("Question open")
        REVEAL = "reveal", gettext_lazy("Reveal")
        SCOREBOARD = "scoreboard", gettext_lazy("Scoreboard")
        FINISHED = "finished", gettext_lazy("Finished")

    pin = models.CharField(max_length=6)
    quiz = models.ForeignKey(
        "quizzes.Quiz", on_delete=models.SET_NULL, null=True, related_name="games"
    )
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hosted_games"
    )
    title = models.CharField(max_length=200)
    # The quiz's questions and keys as they were at start: editing the quiz in the
    # admin mid-game must not change this game. A list of dicts: quizzes/snapshot.py.
    questions = models.JSONField(default=list)
    phase = models.CharField(max_length=12, choices=Phase.choices, default=Phase.LOBBY)
    # Index into `questions` of the open or last question; -1 before the first.
    question_index = models.IntegerField(default=-1)
    # Absolute server times of the open question (UTC); durations go to clients.
    question_started_at = models.DateTimeField(null=True, blank=True)
    question_deadline = models.DateTimeField(null=True, blank=True)
    locked = models.BooleanField(default=False)
    # Sequence numbers of the broadcasts (docs/protocol.md, Part 2): `seq` counts
    # those with a projector frame, `player_seq` those with a phone frame, so a delta
    # only one audience receives never looks like a lost frame to the other.
    seq = models.PositiveBigIntegerField(default=0)
    player_seq = models.PositiveBigIntegerField(default=0)
    # The open projector socket (its channel name), empty when none: a newer projector
    # tab replaces it, so the old tab closing does not tell phones the teacher left.
    host_connection = models.CharField(max_length=100, blank=True, default="")
    # The lobby's switches as they are now (accuracy_only, generated_names_only,
    # join_gate): the setup gives their first values, `set_options` changes them.
    options = models.JSONField(default=dict, blank=True)
    # The teacher's setup as the game was started (classroom/game_setup.py,
    # `GameSetup.from_stored(game.setup)`): questions, periods, order, time_scale,
    # mode, closes_at, teams, reading_s and the switches' first values. {} for games
    # started before setups existed (read as the defaults).
    setup = models.JSONField(default=dict, blank=True)
    # What the server made of the setup (classroom/services/phases.py, game_create):
    # "periods" (the quiz timeline's periods at start), "eligible", "estimate_s" and
    # "left_out" [{"id", "slug", "prompt", "kind", "period", "reason"}]: the quiz's
    # questions the game does not ask, and why (quizzes/selection.py), for the report.
    selection = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["pin"],
                condition=Q(ended_at__isnull=True),
                name="game_unique_pin_while_running",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pin} · {self.title}"

    @property
    def is_ended(self) -> bool:
        return self.ended_at is not None


class Player(models.Model):
    game = models.ForeignKey(Game, on_delete=models.CASCADE, related_name="players")
    nickname = models.CharField(max_length=40)
    # The two look-alike keys of the nickname (classroom/nicknames.py): each is unique
    # per game, so "ALI", "Аli" (Cyrillic А) and "AIi" (capital i) cannot join beside
    # "Ali". The skeleton is empty only for players of games that had ended before it
    # existed (migration 0003); empty ones are not compared.
    nickname_key = models.CharField(max_length=MAX_KEY_LENGTH)
    nickname_skeleton = models.CharField(max_length=MAX_KEY_LENGTH, blank=True, default="")
    # sha256 of the resume token; the token itself is only ever on the phone.
    token_hash = models.CharField(max_length=64, unique=True)
    score = models.IntegerField(default=0)
    streak = models.PositiveIntegerField(default=0)
    correct_count = models.PositiveIntegerField(default=0)
    # Score and rank before the last question, for the scoreboard's movement.
    previous_score = models.IntegerField(default=0)
    kicked = models.BooleanField(default=False)
    # Whether the player has an open socket (any process); away players do not
    # hold up "everyone has answered".
    connected = models.BooleanField(default=False)
    # Extra seconds on every question (accommodation set by the host).
    extra_time_s = models.PositiveSmallIntegerField(default=0)
    # The player's team (classroom/teams.py, `teams.team`) in a team game, from `start`
    # (or joining after it); None before, and in a game without teams. The server
    # decides it: no frame of a phone can set it.
    team = models.PositiveSmallIntegerField(null=True, blank=True)
    joined_at = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(auto_now_add=True)
    # A homework game's own pace (classroom/self_paced.py): the player's current or
    # last question (-1 before the first), when it went out and closes for them (no
    # deadline without a timer), whether it has an answer; when they started and
    # finished. Stored, so a resume days later or after a restart lands where they were.
    paced_index = models.IntegerField(default=-1)
    paced_sent_at = models.DateTimeField(null=True, blank=True)
    paced_deadline = models.DateTimeField(null=True, blank=True)
    paced_answered = models.BooleanField(default=False)
    paced_started_at = models.DateTimeField(null=True, blank=True)
    paced_finished_at = models.DateTimeField(null=True, blank=True)
    # The teacher's progress page: when this player's `progress` was last sent, and
    # whether a change waits for the next second (at most one frame a second).
    progress_sent_at = models.DateTimeField(null=True, blank=True)
    progress_pending = models.BooleanField(default=False)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["game", "nickname_key"], name="player_unique_nickname_per_game"
            ),
            models.UniqueConstraint(
                fields=["game", "nickname_skeleton"],
                condition=~Q(nickname_skeleton=""),
                name="player_unique_nickname_skeleton_per_game",
            ),
        ]

    def __str__(self) -> str:
        return self.nickname


class Answer(models.Model):
    game = models.ForeignKey(Game, on_delete=models.CASCADE, related_name="answers")
    player = models.ForeignKey(Player, on_delete=models.CASCADE, related_name="answers")
    question_index = models.PositiveIntegerField()
    # The snapshot's question id and chosen choice id (ints on the wire).
    question_id = models.BigIntegerField()
    choice_id = models.BigIntegerField(null=True, blank=True)
    # For kinds whose answer is not one choice (order: list of ids; year_guess: a year).
    value = models.JSONField(null=True, blank=True)
    elapsed_ms = models.PositiveIntegerField()
    correct = models.BooleanField(default=False)
    points = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["question_index", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["player", "question_index"], name="answer_once_per_player_and_question"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.player} → q{self.question_index}"


class LastSetup(models.Model):
    """A teacher's last game setup, to fill the setup page the next time (kept in the
    database, not the session: it follows the teacher to another computer)."""

    teacher = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="last_setup"
    )
    # The quiz it was for: its periods mean nothing for another quiz.
    quiz_slug = models.CharField(max_length=100, blank=True)
    # `GameSetup.as_stored()` (classroom/game_setup.py).
    setup = models.JSONField(default=dict)
    saved_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"last setup of {self.teacher}"
