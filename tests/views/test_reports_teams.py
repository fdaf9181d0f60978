"""The report of a team game: the teams' table in the page, the CSV and the workbook."""

import csv
import io

import openpyxl
import pytest

from classroom.game_setup import GameSetup
from classroom.models import Game
from classroom.reports import game_report
from classroom.services.phases import game_create

from .conftest import make_answer, make_player

U2, TASHKENT = 0, 1


@pytest.fixture
def team_game(quiz, teacher):
    """Blue: Ayesha 1800, Chen 500 (mean 1150). Orange: Bilal 1800, and Troll, kicked,
    who counts for no team (mean 1800)."""
    game = game_create(quiz=quiz, host=teacher, setup=GameSetup(teams=2))
    Game.objects.filter(pk=game.pk).update(question_index=2, phase="finished")
    game.refresh_from_db()
    u2 = game.questions[U2]
    true_id = next(c["id"] for c in u2["choices"] if c["text"] == "True")
    for name, score, team, kicked in [
        ("Ayesha", 1800, 1, False),
        ("Bilal", 1800, 2, False),
        ("Chen", 500, 1, False),
        ("Troll", 0, 2, True),
    ]:
        player = make_player(game, name, score=score, kicked=kicked)
        player.team = team
        player.save(update_fields=["team"])
        if name in ("Ayesha", "Bilal", "Troll"):
            make_answer(player, U2, choice_id=true_id, correct=True, elapsed_ms=1000)
    return game


def test_the_report_ranks_teams_by_their_members_mean_score(team_game):
    report = game_report(game=team_game)
    assert [(t.rank, t.name, t.score, t.members) for t in report.teams] == [
        (1, "Orange", 1800, ["Bilal"]),
        (2, "Blue", 1150, ["Ayesha", "Chen"]),
    ]
    asked = report.players[0].asked
    orange, blue = report.teams
    # Correct answers / (members x questions asked): Troll's answer is not Orange's.
    assert orange.correct == 1 and orange.accuracy == round(100 / asked, 1)
    assert blue.correct == 1 and blue.accuracy == round(100 / (2 * asked), 1)


def test_a_game_without_teams_has_no_team_table(teacher_client, game):
    make_player(game, "Ayesha", score=100)
    assert game_report(game=game).teams == []
    page = teacher_client.get(f"/host/{game.pin}/report/").content.decode()
    assert 'data-testid="teams-table"' not in page
    assert "\nTeams\r\n" not in teacher_client.get(f"/host/{game.pin}/report.csv").content.decode()


def test_the_report_page_shows_the_team_table(teacher_client, team_game):
    page = teacher_client.get(f"/host/{team_game.pin}/report/").content.decode()
    assert 'data-testid="teams-table"' in page
    table = page[page.index('data-testid="teams-table"') :]
    assert table.index("Orange") < table.index("Blue")
    assert "Ayesha, Chen" in table
    assert "Troll" not in table[: table.index("</table>")]


def test_the_csv_and_the_workbook_have_a_teams_section(teacher_client, team_game):
    rows = list(
        csv.reader(io.StringIO(teacher_client.get(f"/host/{team_game.pin}/report.csv").text))
    )
    at = rows.index(["Teams"])
    assert rows[at + 1][:4] == ["rank", "team", "score (members' mean)", "members"]
    assert rows[at + 2][:4] == ["1", "Orange", "1800", "1"]
    assert rows[at + 3][:4] == ["2", "Blue", "1150", "2"]
    assert rows[at + 3][5] == "Ayesha, Chen"

    response = teacher_client.get(f"/host/{team_game.pin}/report.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Teams"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][:4] == [1, "Orange", 1800, 1]
    assert values[2][:4] == [2, "Blue", 1150, 2]
