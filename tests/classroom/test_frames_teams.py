"""The frame builders' team and reading-time fields (classroom/frames.py): only the
fields of docs/protocol.md, and none in a game without them."""

from classroom import frames

QUESTION = {
    "id": 41,
    "prompt": "When?",
    "kind": "choice",
    "choices": [{"id": 1, "text": "A"}, {"id": 2, "text": "B"}],
    "correct_choice_ids": [1],
    "time_limit_ms": 20_000,
}
TEAM = {"id": 3, "name": "Green", "colour": "#15803d", "secret": "not sent"}
STANDING = {**TEAM, "score": 640, "rank": 1, "members": 4, "delta": 120, "previous_rank": 2}


def test_the_team_frame_carries_only_id_name_and_colour():
    assert frames.team(team=TEAM, seq=4) == {
        "type": "team",
        "team": {"id": 3, "name": "Green", "colour": "#15803d"},
        "seq": 4,
    }
    assert frames.team(team=None)["team"] is None


def test_host_boards_carry_teams_only_when_given():
    board = frames.scoreboard_host(top=[], teams=[STANDING])
    assert board["teams"] == [
        {
            "id": 3,
            "name": "Green",
            "colour": "#15803d",
            "score": 640,
            "rank": 1,
            "members": 4,
            "delta": 120,
            "previous_rank": 2,
        }
    ]
    assert "teams" not in frames.scoreboard_host(top=[])
    done = frames.finished_host(podium=[], report_url="/r/", timeline_url=None, teams=[STANDING])
    assert done["teams"][0]["score"] == 640
    assert "teams" not in frames.finished_host(podium=[], report_url="/r/", timeline_url=None)


def test_player_boards_add_the_team_rank_and_score_in_a_team_game_only():
    assert frames.scoreboard_player(rank=2, score=500, count=9, team_rank=1, team_score=640) == {
        "type": "scoreboard",
        "rank": 2,
        "score": 500,
        "count": 9,
        "team_rank": 1,
        "team_score": 640,
    }
    assert "team_rank" not in frames.finished_player(rank=2, score=500, count=9)
    fields = {"score": 500, "rank": 2, "team_rank": 1, "team_score": 640, "other": 1}
    reveal = frames.reveal_player(question=QUESTION, fields=fields)
    assert (reveal["team_rank"], reveal["team_score"]) == (1, 640) and "other" not in reveal


def test_a_question_carries_reading_fields_only_with_a_reading_time():
    shown = frames.question_player(
        question=QUESTION,
        index=0,
        count=1,
        time_limit_ms=20_000,
        remaining_ms=20_000,
        reading_ms=5000,
        answerable_in_ms=-3,
    )
    assert (shown["reading_ms"], shown["answerable_in_ms"]) == (5000, 0)
    plain = frames.question_player(
        question=QUESTION, index=0, count=1, time_limit_ms=20_000, remaining_ms=20_000
    )
    assert "reading_ms" not in plain and "answerable_in_ms" not in plain
    assert not frames.ANSWER_KEYS & set(shown)
