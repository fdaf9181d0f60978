"""`bench.run --games`: many small classes at once, end to end, as a correctness check.

No timing is asserted (a shared machine cannot promise latencies). What is asserted is
what the many-games rows in docs/performance.md rely on: every game's phones joined
and got its question and reveal, every answer was acknowledged and is a row in the
database under its own game, the floor ran the same games, and the table and the JSON
carry the new figures.
"""

import json
import sys
from pathlib import Path

import pytest

from bench.profile import read_stacks, summarise_stacks
from bench.run import COLUMNS, main, parse_args, profile_path, run, table_lines

GAMES = 2
PLAYERS = 3
# Small and quick: one question, short windows and gaps.
FAST = [
    "--games", str(GAMES), "--players", str(PLAYERS), "--questions", "1",
    "--join-rate", "100", "--answer-window", "0.3", "--gap", "0.2", "--settle", "0.2",
    "--stagger", "0.3", "--no-pin", "--database-url=", "--redis-url=",
]  # fmt: skip


@pytest.fixture(scope="module")
def row():
    # Explicitly empty URLs: CI exports DATABASE_URL/REDIS_URL for the scale-out tests,
    # and this run must use its own throwaway SQLite file and the in-memory layer.
    (only,) = run(parse_args(FAST))
    return only


def _cells(line):
    return dict(
        zip([name for name, _ in COLUMNS], [c.strip() for c in line.split("|")], strict=True)
    )


@pytest.mark.process
def test_every_game_gets_its_question_and_every_answer_is_stored_under_its_own_game(row):
    assert row.games == GAMES and len(row.server_games) == GAMES
    pins = [game.pin for game in row.server_games]
    assert len(set(pins)) == GAMES
    for game in row.server_games:
        assert game.joined == PLAYERS and not game.refused, game.refused
        (question,) = game.rounds
        assert question.delivered == question.reveals == PLAYERS
        assert game.answers_acked == game.answers_sent == PLAYERS, game.answer_errors
        assert game.player_seq_gaps == 0 and game.host_errors == []
        assert game.finished == PLAYERS
    stored = {count["pin"]: count for count in row.stored["games"]}
    assert set(stored) == set(pins)
    for pin in pins:
        assert stored[pin]["players"] == PLAYERS
        assert stored[pin]["answers"] == PLAYERS
        assert stored[pin]["answers_by_question"] == [0]
    assert row.stored["answers"] == row.server.answers_acked == GAMES * PLAYERS
    assert row.short_games() == []


@pytest.mark.process
def test_the_floor_plays_the_same_games_in_the_same_groups(row):
    assert len(row.floor_games) == GAMES
    assert len({game.pin for game in row.floor_games}) == GAMES
    for game in row.floor_games:
        assert game.joined == PLAYERS
        assert [r.delivered for r in game.rounds] == [PLAYERS]
        assert game.answers_acked == PLAYERS
    assert row.ratio() is not None


@pytest.mark.process
def test_the_row_prints_games_cpu_per_game_per_question_server_cpu_and_load(row):
    header, _, line = table_lines([row])
    for name in ("games", "cpu/q", "cpu %", "load", "load end", "ratio", "stored/acked"):
        assert name in header
    cells = _cells(line)
    assert cells["games"] == str(GAMES) and cells["players"] == str(PLAYERS)
    assert cells["joined"] == f"{GAMES * PLAYERS}/{GAMES * PLAYERS}"
    assert cells["stored/acked"] == f"{GAMES * PLAYERS}/{GAMES * PLAYERS}"
    assert cells["delivered"] == f"{GAMES * PLAYERS}/{GAMES * PLAYERS}"
    assert cells["gaps"] == "0"
    # One round per game per question: the CPU of the play over games x questions.
    assert len(row.server.rounds) == GAMES
    per_game_question = row.cpu_ms()[1]
    samples = row.server_samples
    assert per_game_question == pytest.approx(1000 * (samples.cpu_end - samples.cpu_joined) / GAMES)
    assert per_game_question > 0 and float(cells["cpu/q"]) == pytest.approx(
        per_game_question, abs=0.5
    )
    assert row.cpu_share() > 0 and float(cells["cpu %"]) >= 0
    assert float(cells["load end"]) == pytest.approx(row.load_at_end, abs=0.05)


@pytest.mark.process
def test_the_json_has_each_game_and_the_new_figures(row):
    data = json.loads(json.dumps(row.as_dict()))
    assert data["games"] == GAMES
    assert len(data["server_games"]) == len(data["floor_games"]) == GAMES
    assert [r["game"] for r in data["server"]["rounds"]] == [0, 1]
    assert data["server_cpu_ms_per_question"] > 0
    assert data["server_cpu_share_of_a_core"] > 0
    assert data["load_average_at_end"] is not None
    assert data["games_with_stored_not_acked"] == []


@pytest.mark.process
def test_profile_with_games_samples_the_server_while_the_games_play(tmp_path, capsys):
    py_spy = Path(sys.executable).parent / "py-spy"
    profiles = tmp_path / "profiles"
    code = main(
        [
            *FAST, "--no-floor", "--profile", str(profiles), "--profile-phase", "play",
            "--py-spy", str(py_spy), "--json", str(tmp_path / "run.json"),
        ]
    )  # fmt: skip
    assert code == 0
    output = profile_path(profiles, games=GAMES, players=PLAYERS, processes=1, number=0)
    total, inclusive, _ = summarise_stacks(read_stacks(output))
    assert total > 0, output.with_suffix(".log").read_text()
    # The samples are the Daphne server's. Which of its frames a second of play at 200
    # samples/s catches varies (CI once caught none of classroom/'s among ~10 stacks),
    # so ask for the server's code, not for one module.
    server_code = ("daphne/", "twisted/", "asgiref/", "channels/", "classroom/", "django/")
    assert any(part in frame for frame in inclusive for part in server_code), inclusive
    printed = capsys.readouterr().out
    assert "several games" in printed and "cpu %" in printed
    (saved,) = json.loads((tmp_path / "run.json").read_text())["rows"]
    assert saved["games"] == GAMES and saved["stored"]["answers"] == GAMES * PLAYERS


def test_profiles_of_two_mixes_do_not_overwrite_each_other(tmp_path):
    paths = {
        profile_path(tmp_path, games=games, players=30, processes=1, number=0)
        for games in (1, 20, 50)
    }
    assert len(paths) == 3
    assert profile_path(tmp_path, games=1, players=1000, processes=1, number=0).name == (
        "daphne-1000p-1x-0.txt"
    )


@pytest.mark.parametrize(
    "bad",
    [["--games", "0"], ["--pace-jitter", "1"], ["--stagger", "-1"]],
)
def test_games_options_out_of_bounds_are_refused(bad, capsys):
    with pytest.raises(SystemExit):
        parse_args(["--database-url=", "--redis-url=", *bad])
    assert "error" in capsys.readouterr().err


def test_profile_without_py_spy_is_refused_before_anything_starts(tmp_path, capsys):
    with pytest.raises(SystemExit):
        parse_args(["--profile", str(tmp_path), "--py-spy", str(tmp_path / "no-such-py-spy")])
    assert "needs py-spy" in capsys.readouterr().err


def test_a_row_per_mix_of_games_and_players():
    args = parse_args(["--games", "20", "50", "--players", "30", "--database-url="])
    assert args.games == [20, 50] and args.players == [30]
    assert parse_args(["--database-url="]).games == [1]
