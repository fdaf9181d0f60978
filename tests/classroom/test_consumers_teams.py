"""Teams over websockets (docs/protocol.md, "Teams"): dealt at `start`, late joiners to
the smallest team, the teams' standings on the projector's frames and each player's
team rank and score on theirs."""

from collections import Counter

import pytest
from channels.db import database_sync_to_async

from classroom import teams
from classroom.game_setup import GameSetup
from classroom.models import Game, Player
from classroom.services import phases, players
from tests.classroom.conftest import (
    correct_choice,
    host_socket,
    join,
    player_socket,
    wrong_choice,
)
from tests.classroom.helpers import answers_submit, player_join, submission

pytestmark = pytest.mark.django_db(transaction=True)

NAMES = ("Ayesha", "Bilal", "Chen", "Dua", "Emre")


@pytest.fixture
def team_game(quiz, teacher) -> Game:
    return phases.game_create(quiz=quiz, host=teacher, setup=GameSetup(teams=2))


def _teams_of(game_id: int) -> dict[str, int | None]:
    return dict(Player.objects.filter(game_id=game_id).values_list("nickname", "team"))


def _mean_by_team(game_id: int) -> dict[int, int]:
    scores: dict[int, list[int]] = {}
    for team_id, score in Player.objects.filter(game_id=game_id, kicked=False).values_list(
        "team", "score"
    ):
        scores.setdefault(team_id, []).append(score)
    return {team_id: teams.mean(values) for team_id, values in scores.items()}


async def test_a_team_game_deals_teams_at_start_and_shows_team_standings_to_the_end(
    team_game, teacher
):
    host = await host_socket(team_game, teacher)
    phones = {}
    for name in NAMES:
        socket, joined = await join(team_game.pin, name)
        # Nobody is in a team in the lobby.
        assert "team" not in joined and "team" not in joined["state"]
        phones[name] = socket
    await host.send({"type": "start"})

    dealt = {}
    for name, socket in phones.items():
        frame = await socket.expect("team")
        dealt[name] = frame["team"]
        assert set(frame["team"]) == {"id", "name", "colour"}
        # The team frame comes before the first question.
        await socket.expect("question")
    stored = await database_sync_to_async(_teams_of)(team_game.pk)
    assert {name: team["id"] for name, team in dealt.items()} == stored
    assert sorted(Counter(stored.values()).values()) == [2, 3]
    assert dealt["Ayesha"]["name"] == teams.team(dealt["Ayesha"]["id"]).name

    question = await host.until("question")
    right = await database_sync_to_async(correct_choice)(team_game, 0)
    wrong = await database_sync_to_async(wrong_choice)(team_game, 0)
    picks = {"Ayesha": right, "Bilal": right, "Chen": wrong, "Dua": right, "Emre": wrong}
    for name, choice in picks.items():
        await phones[name].send(
            {"type": "answer", "question_id": question["question_id"], "choice_id": choice}
        )
        await phones[name].expect("answer_received")
    await host.until("reveal")
    means = await database_sync_to_async(_mean_by_team)(team_game.pk)
    team_ranks = {}
    for name, socket in phones.items():
        reveal = await socket.until("reveal")
        assert reveal["team_score"] == means[stored[name]]
        team_ranks[name] = reveal["team_rank"]
    best = max(means, key=lambda t: means[t])
    if len(set(means.values())) == 2:
        assert all(team_ranks[n] == (1 if stored[n] == best else 2) for n in NAMES)

    await host.send({"type": "scoreboard"})
    board = await host.expect("scoreboard")
    assert {t["id"]: t["score"] for t in board["teams"]} == means
    assert sorted(t["members"] for t in board["teams"]) == [2, 3]
    assert [t["rank"] for t in board["teams"]] == sorted(t["rank"] for t in board["teams"])
    for entry in board["teams"]:
        assert set(entry) >= {"id", "name", "colour", "score", "rank", "members"}
    for name, socket in phones.items():
        mine = await socket.expect("scoreboard")
        assert mine["team_score"] == means[stored[name]] and mine["team_rank"] in (1, 2)

    await host.send({"type": "end"})
    finished = await host.until("finished")
    assert {t["id"]: t["score"] for t in finished["teams"]} == means
    for name, socket in phones.items():
        mine = await socket.until("finished")
        assert mine["team_score"] == means[stored[name]]
    for socket in [host, *phones.values()]:
        await socket.disconnect()


async def test_a_late_joiner_goes_to_the_smallest_team_and_is_told_it_on_joining(
    team_game, teacher
):
    host = await host_socket(team_game, teacher)
    phones = [(await join(team_game.pin, name))[0] for name in NAMES[:3]]
    await host.send({"type": "start"})
    await host.until("question")
    stored = await database_sync_to_async(_teams_of)(team_game.pk)
    smaller = min((1, 2), key=lambda t: (Counter(stored.values())[t], t))

    late, joined = await join(team_game.pin, "Farah")
    assert joined["team"]["id"] == smaller
    assert joined["state"]["team"] == joined["team"]
    assert joined["state"]["team_rank"] in (1, 2)
    assert (await database_sync_to_async(_teams_of)(team_game.pk))["Farah"] == smaller
    # The teams are level now: the next goes to the lower id.
    _late2, joined2 = await join(team_game.pin, "Gul")
    assert joined2["team"]["id"] == 1
    for socket in [host, late, _late2, *phones]:
        await socket.disconnect()


async def test_the_projector_lobby_and_state_carry_teams_only_after_start(team_game, teacher):
    await database_sync_to_async(player_join)(game_id=team_game.pk, nickname="Ayesha")
    await database_sync_to_async(player_join)(game_id=team_game.pk, nickname="Bilal")
    host = await host_socket(team_game, teacher)
    assert "teams" not in await host.expect("lobby")
    assert "teams" not in await host.expect("state")
    await host.disconnect()

    await database_sync_to_async(phases.game_start)(game_id=team_game.pk)
    host = await host_socket(team_game, teacher)
    lobby = await host.expect("lobby")
    state = await host.expect("state")
    assert lobby["teams"] == state["teams"]
    assert sorted((t["members"], t["score"], t["rank"]) for t in state["teams"]) == [
        (1, 0, 1),
        (1, 0, 1),
    ]
    await host.disconnect()


def _started_with_a_kicked_and_a_leaving_player(game_id: int) -> dict[str, str]:
    tokens = {}
    for name in ("Ayesha", "Bilal", "Chen", "Dua"):
        _player, tokens[name] = player_join(game_id=game_id, nickname=name)
    phases.game_start(game_id=game_id)
    game = Game.objects.get(pk=game_id)
    question = game.questions[0]
    by_name = {p.nickname: p for p in Player.objects.filter(game_id=game_id)}
    answers_submit(
        game_id=game_id,
        submissions=[
            submission(game, by_name[n], question["correct_choice_ids"][0])
            for n in ("Ayesha", "Bilal", "Chen", "Dua")
        ],
    )
    # Ayesha leaves (her phone dies); Bilal is kicked.
    players.player_disconnected(player_id=by_name["Ayesha"].pk, reason="left")
    players.player_kick(game_id=game_id, player_id=by_name["Bilal"].pk)
    return tokens


async def test_a_player_who_left_still_counts_for_their_team_a_kicked_one_does_not(
    team_game, teacher
):
    tokens = await database_sync_to_async(_started_with_a_kicked_and_a_leaving_player)(team_game.pk)
    host = await host_socket(team_game, teacher)
    await host.expect("lobby")
    state = await host.expect("state")
    assert sum(t["members"] for t in state["teams"]) == 3
    # The one who left comes back to her team with her points.
    phone = await player_socket(team_game.pin)
    await phone.send({"type": "resume", "token": tokens["Ayesha"]})
    joined = await phone.expect("joined")
    assert joined["resumed"] and joined["team"]["id"] in (1, 2)
    mine = next(t for t in state["teams"] if t["id"] == joined["team"]["id"])
    assert joined["state"]["team_score"] == mine["score"] and mine["score"] > 0
    for socket in (host, phone):
        await socket.disconnect()


async def test_a_phone_cannot_choose_its_team(team_game, teacher):
    host = await host_socket(team_game, teacher)
    phone = await player_socket(team_game.pin)
    await phone.send({"type": "join", "nickname": "Ayesha", "team": 2})
    joined = await phone.expect("joined")
    assert "team" not in joined
    other, other_joined = await join(team_game.pin, "Bilal")
    await host.send({"type": "start"})
    # Dealt by the server, seeded with the game: whatever the phone asked for.
    expected = teams.assign(
        [joined["player"]["id"], other_joined["player"]["id"]], teams=2, seed=team_game.pk
    )
    assert (await phone.expect("team"))["team"]["id"] == expected[joined["player"]["id"]]
    for socket in (host, phone, other):
        await socket.disconnect()


async def test_a_game_without_teams_sends_no_team_fields(game, teacher):
    host = await host_socket(game, teacher)
    phone, _joined = await join(game.pin, "Ayesha")
    await host.send({"type": "start"})
    # No team frame: the question comes first.
    assert (await phone.expect("question"))["type"] == "question"
    await host.send({"type": "end"})
    finished = await host.until("finished")
    assert "teams" not in finished
    mine = await phone.until("finished")
    assert "team_rank" not in mine and "team_score" not in mine
    for socket in (host, phone):
        await socket.disconnect()
