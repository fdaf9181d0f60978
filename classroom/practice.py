""" "Practise what you missed": a short private round after a game (issue #14).

Built from the events behind a player's wrong (or unanswered) answers: the questions of
the game they missed, then questions the generator (quizzes/generator.py) makes on the
same events that the game did not ask, every one of which passed the quiz linter
(quizzes/lint.py) against the quiz, as the generator guarantees. Shuffled.

Nothing is stored: no row, no score, nothing in the class results. The round is the
same every time it is built for a player (the generator and the shuffle are seeded by
the game and the player), so the phone fetches it once (`practice_questions`, without
keys) and each answer is checked by building it again (`practice_check`); the key of a
question is only sent with its own check, as a reveal is after an answer. Both wait
until the game is over for the player (`_game_over_for`): mid-game, a practice reveal
would tell a key, or show an event, that a question still ahead asks about.

Reads only (no service): the player is found by their resume token.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_noop

from classroom import frames, selectors, self_paced
from classroom.errors import ClientError
from classroom.models import Answer, Game, Player
from classroom.scoring import score_for
from classroom.services.players import hash_token
from quizzes import generator, kinds, lint
from quizzes.lint_models import question_data
from quizzes.models import Question
from quizzes.snapshot import event_dict

# A short round: the missed questions first in number, then generated ones, at most.
MISSED_MAX = 8
GENERATED_MAX = 5
ROUND_MAX = 12
# How many drafts to ask the generator for before keeping those on the missed events.
DRAFTS = 60


@dataclass(frozen=True)
class _Sent:
    """An answer as the kinds' checks read it (the fields of `inbound.Answer`)."""

    choice_id: int | None = None
    choice_ids: tuple[int, ...] | None = None
    year: int | None = None


def _player(token: str, pin: str) -> Player:
    if not isinstance(token, str) or not 0 < len(token) <= 200:
        raise ClientError("bad_token", gettext_noop("That resume token is not known."))
    player = (
        Player.objects.select_related("game", "game__quiz", "game__quiz__timeline")
        .filter(token_hash=hash_token(token), game__pin=pin, kicked=False)
        .first()
    )
    if player is None:
        raise ClientError("bad_token", gettext_noop("That resume token is not known."))
    if not _game_over_for(player, timezone.now()):
        # Before that, a practice reveal would tell a key (or show an event) that a
        # question still ahead of this player asks about.
        raise ClientError(
            "wrong_phase", gettext_noop("Practice opens once you have finished the game.")
        )
    return player


def _game_over_for(player: Player, now: Any) -> bool:
    """Whether no question of the game is still ahead of or open for `player`: the game
    ended, or the homework player finished, or was past their last question."""
    game = player.game
    if game.is_ended or game.phase == Game.Phase.FINISHED:
        return True
    if not selectors.is_self_paced(game):
        return False
    where = selectors.paced_place(player, now)
    last = player.paced_index + 1 >= len(game.questions or [])
    return where is self_paced.Place.FINISHED or (where is self_paced.Place.REVEALED and last)


def _seed(*parts: Any) -> int:
    key = "|".join(str(part) for part in parts)
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")


def _missed(player: Player) -> list[dict[str, Any]]:
    """The game's questions this player reached and got wrong or left unanswered, in
    game order; polls (no right answer) left out."""
    questions = player.game.questions or []
    reached = _closed_for(player, timezone.now())
    right = set(
        Answer.objects.filter(player=player, correct=True).values_list("question_index", flat=True)
    )
    # The event is shown at every practice reveal: nothing later can give it away.
    return [
        dict(question, event_shown=True)
        for index, question in enumerate(questions[: max(reached, 0)])
        if index not in right and kinds.get(question["kind"]).judged
    ]


def _closed_for(player: Player, now: Any) -> int:
    """How many of the game's first questions are over for `player`: a question still
    open (the class's, or a homework player's own) is no practice material, since its
    practice reveal would tell the key while it can still be answered."""
    game = player.game
    if selectors.is_self_paced(game):
        still_open = selectors.paced_place(player, now) is self_paced.Place.OPEN
        return player.paced_index + (0 if still_open else 1)
    still_open = game.phase == Game.Phase.QUESTION
    return game.question_index + (0 if still_open else 1)


# The generator's drafts per game, kept by this process: making and linting them costs
# about a second and a half of CPU for the seed quiz, the same for every player of the
# game (they depend on the quiz and the game's seed only), so a class asking for its
# practice rounds pays it once per process, not once per phone or per answer checked.
_DRAFTS_KEPT = 32
_drafts_by_game: OrderedDict[int, list[generator.QuestionDraft]] = OrderedDict()
_drafts_lock = threading.Lock()


def _game_drafts(game: Any) -> list[generator.QuestionDraft]:
    """Generated questions for `game`'s quiz that pass the linter against the quiz's
    hand-written questions (as `quizzes.services.quiz_regenerate` makes them), each
    checked once more on its own so the guarantee does not rest on the order made."""
    with _drafts_lock:
        if game.pk in _drafts_by_game:
            _drafts_by_game.move_to_end(game.pk)
            return _drafts_by_game[game.pk]
    quiz = game.quiz
    timeline_events = list(quiz.timeline.events.all())
    handwritten = (
        quiz.questions.exclude(source=Question.Source.GENERATED)
        .select_related("event")
        .prefetch_related("choices")
    )
    existing = [question_data(question) for question in handwritten]
    try:
        unverified = lint.unverified_from(quiz.timeline.unverified or [])
        drafts = generator.generate_questions(
            events=timeline_events,
            config={"seed": _seed("practice", game.pk), "count": DRAFTS},
            taken_slugs=[q.slug for q in existing],
            existing=existing,
            unverified=unverified,
        )
    except ValueError:
        drafts = []
    against = lint.LintQuiz(
        slug=quiz.slug,
        questions=tuple(existing),
        events=tuple(lint.event_from(event) for event in timeline_events),
        unverified=unverified if drafts else (),
    )
    passed = [
        draft
        for draft in drafts
        if not lint.lint_candidate(
            dataclasses.replace(lint.question_from(draft), source="generated"), against
        )
    ]
    with _drafts_lock:
        _drafts_by_game[game.pk] = passed
        while len(_drafts_by_game) > _DRAFTS_KEPT:
            _drafts_by_game.popitem(last=False)
    return passed


def _generated(player: Player, events: set[str]) -> list[dict[str, Any]]:
    """Generated questions on `events` the game did not ask, as a game stores them."""
    game = player.game
    if game.quiz is None or game.quiz.timeline is None or not events:
        return []
    asked = {q["prompt"] for q in game.questions or []}
    wanted = [d for d in _game_drafts(game) if d.event in events and d.prompt not in asked]
    if not wanted:
        return []
    by_slug = {event.slug: event for event in game.quiz.timeline.events.all()}
    return [_as_snapshot(draft, by_slug[draft.event], player) for draft in wanted[:GENERATED_MAX]]


def _as_snapshot(draft: generator.QuestionDraft, event: Any, player: Player) -> dict[str, Any]:
    """A generator draft in the shape a game stores a question (quizzes/snapshot.py)."""
    rng = random.Random(_seed("deal", player.pk, draft.slug))
    ids = rng.sample(range(100_000_000, 2**31 - 1), len(draft.choices))
    choices = [{"id": i, "text": c.text} for i, c in zip(ids, draft.choices, strict=True)]
    rng.shuffle(choices)
    return {
        "id": _seed("question", draft.slug) % 2**31,
        "kind": draft.kind,
        "prompt": draft.prompt,
        "choices": choices,
        "correct_choice_ids": [i for i, c in zip(ids, draft.choices, strict=True) if c.correct],
        "explanation": draft.explanation,
        "time_limit_ms": draft.time_limit_s * 1000,
        "points_multiplier": 1,
        "event": event_dict(event),
        "generated": True,
    }


def practice_round(player: Player) -> list[dict[str, Any]]:
    """The round for `player`, with keys: missed questions and generated ones, shuffled."""
    missed = _missed(player)
    events = {q["event"]["slug"] for q in missed if isinstance(q.get("event"), dict)}
    round_ = missed[:MISSED_MAX] + _generated(player, events)
    random.Random(_seed("round", player.pk, len(round_))).shuffle(round_)
    return round_[:ROUND_MAX]


def practice_questions(*, token: str, pin: str) -> dict[str, Any]:
    """What the phone fetches: the round's questions as `question` frames (no keys)."""
    player = _player(token, pin)
    round_ = practice_round(player)
    return {
        "nickname": player.nickname,
        "questions": [
            frames.question_player(
                question=question,
                index=index,
                count=len(round_),
                time_limit_ms=int(question.get("time_limit_ms", 20_000)),
                remaining_ms=int(question.get("time_limit_ms", 20_000)),
            )
            for index, question in enumerate(round_)
        ],
    }


def practice_check(
    *,
    token: str,
    pin: str,
    index: int,
    choice_id: int | None = None,
    choice_ids: tuple[int, ...] | None = None,
    year: int | None = None,
) -> dict[str, Any]:
    """One practice answer checked: the question's reveal for this answer (right or not,
    the key, the explanation, the event). No points, nothing stored."""
    player = _player(token, pin)
    round_ = practice_round(player)
    if not 0 <= index < len(round_):
        raise ClientError("bad_field", gettext_noop("index must be one of the round's questions."))
    question = round_[index]
    try:
        value = kinds.get(question["kind"]).check(question, _Sent(choice_id, choice_ids, year))
    except kinds.Refused as refused:
        raise ClientError(refused.code, refused.message) from None
    result = score_for(
        question,
        answer=value,
        elapsed_ms=0,
        time_limit_ms=int(question.get("time_limit_ms", 20_000)),
        accuracy_only=True,
        streak_before=0,
    )
    kind = kinds.get(question["kind"])
    reveal = frames.reveal_paced(
        question=question,
        fields={**kind.your_fields(value), "correct": result.correct, "points": 0},
    )
    return reveal
