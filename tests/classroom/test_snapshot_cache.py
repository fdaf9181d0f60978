"""The questions snapshot is parsed once per process (questions_cache.game_questions).

Game.questions is tens of KB of JSON that never changes after game_create; the live
server reads game rows without it and takes the parsed list from a per-process cache.
These tests prove the cache saves the reads, never serves another game's questions,
and follows a deliberate edit of the column.
"""

from __future__ import annotations

import gc
import json
import tracemalloc

from django.db import connection
from django.test.utils import CaptureQueriesContext

from classroom import questions_cache
from classroom.models import Game
from classroom.services import phases
from tests.classroom.conftest import build_quiz


def _questions_reads(queries: CaptureQueriesContext) -> int:
    column = connection.ops.quote_name("questions")
    return sum(1 for q in queries.captured_queries if column in q["sql"])


def test_locking_a_game_again_reads_its_questions_column_no_more(game):
    phases.game_start(game_id=game.pk)
    with CaptureQueriesContext(connection) as queries:
        phases.question_close(game_id=game.pk, expected_index=0, reason="host")
        phases.game_next(game_id=game.pk)
        questions_cache.game_read(game_id=game.pk)
    assert _questions_reads(queries) == 0
    assert (
        questions_cache.game_read(game_id=game.pk).questions
        == Game.objects.get(pk=game.pk).questions
    )


def test_each_game_gets_its_own_questions(teacher):
    first = phases.game_create(quiz=build_quiz(slug="first", kinds=["choice"]), host=teacher)
    second = phases.game_create(
        quiz=build_quiz(slug="second", kinds=["true_false", "choice"]), host=teacher
    )
    assert [q["kind"] for q in questions_cache.game_read(game_id=first.pk).questions] == ["choice"]
    assert [q["kind"] for q in questions_cache.game_read(game_id=second.pk).questions] == [
        "true_false",
        "choice",
    ]


def test_saving_the_questions_replaces_the_cached_snapshot(game):
    questions_cache.game_read(game_id=game.pk)  # now cached
    stored = Game.objects.get(pk=game.pk)
    stored.questions = stored.questions[:1]
    stored.save(update_fields=["questions"])
    assert len(questions_cache.game_read(game_id=game.pk).questions) == 1


def test_a_new_game_with_a_reused_id_is_not_served_the_old_snapshot(teacher):
    # A rolled-back test (or a restored database) can hand an id to another game.
    old = phases.game_create(quiz=build_quiz(slug="old", kinds=["choice"]), host=teacher)
    questions_cache.game_read(game_id=old.pk)  # cached under the old game's id
    Game.objects.filter(pk=old.pk).delete()
    reused = Game.objects.create(
        pk=old.pk,
        pin="123456",
        host=teacher,
        title="Reused id",
        questions=[{**old.questions[0], "prompt": "Another game's question"}],
    )
    assert questions_cache.game_read(game_id=reused.pk).questions[0]["prompt"] == (
        "Another game's question"
    )


def test_fifty_games_running_at_once_all_stay_cached(teacher):
    # A 16-game bound was evicted all the time with 20-50 classes playing at once.
    quiz = build_quiz(slug="school", kinds=["choice", "true_false"])
    games = [phases.game_create(quiz=quiz, host=teacher) for _ in range(60)]
    for game in games:
        questions_cache.game_read(game_id=game.pk)
    with CaptureQueriesContext(connection) as queries:
        for game in games:
            questions_cache.game_read(game_id=game.pk)
    assert _questions_reads(queries) == 0


def test_the_bound_is_bytes_and_the_least_recently_used_game_goes_first(teacher, monkeypatch):
    quiz = build_quiz(slug="bounded", kinds=["choice", "true_false"])
    first, second, third = (phases.game_create(quiz=quiz, host=teacher) for _ in range(3))
    one = questions_cache._estimated_bytes(questions_cache.game_read(game_id=first.pk).questions)
    # Room for two snapshots, not three (they differ by a few bytes: ids, stamps).
    monkeypatch.setattr(questions_cache, "SNAPSHOT_CACHE_BYTES", int(2.5 * one))
    questions_cache.game_read(game_id=second.pk)
    questions_cache.game_read(game_id=first.pk)  # now the most recently used
    questions_cache.game_read(game_id=third.pk)  # over the bound: `second` goes
    with CaptureQueriesContext(connection) as queries:
        questions_cache.game_read(game_id=first.pk)
        questions_cache.game_read(game_id=third.pk)
    assert _questions_reads(queries) == 0
    with CaptureQueriesContext(connection) as queries:
        questions_cache.game_read(game_id=second.pk)
    assert _questions_reads(queries) == 1


def test_one_snapshot_over_the_whole_bound_is_still_kept_for_its_game(game, monkeypatch):
    monkeypatch.setattr(questions_cache, "SNAPSHOT_CACHE_BYTES", 1)
    questions_cache.game_read(game_id=game.pk)
    with CaptureQueriesContext(connection) as queries:
        questions_cache.game_read(game_id=game.pk)
    assert _questions_reads(queries) == 0


def test_the_estimate_is_above_what_a_parsed_snapshot_really_holds(game):
    # The bound must not let the real heap exceed it: measured as the heap the parsed
    # JSON holds, as JSONField parses it.
    text = json.dumps(Game.objects.get(pk=game.pk).questions)
    gc.collect()
    tracemalloc.start()
    try:
        questions = json.loads(text)
        held, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert questions_cache._estimated_bytes(questions) >= held
