"""The teacher's report as an Excel workbook: who may download it, what it holds, and
that no cell can run as a formula."""

import io
import zipfile

import openpyxl
import pytest

from classroom.models import Game

from .conftest import make_answer, make_player

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def played(game):
    Game.objects.filter(pk=game.pk).update(question_index=2, phase="finished")
    game.refresh_from_db()
    # The game deals its own choice order and ids: find the choices by their text.
    # The Tashkent question is the second in timeline order (after the U-2).
    by_text = {c["text"]: c["id"] for c in game.questions[1]["choices"]}
    kosygin, brezhnev = by_text["Kosygin"], by_text["Brezhnev"]
    ayesha = make_player(game, "Ayesha", score=1800)
    chen = make_player(game, '=HYPERLINK("http://evil","click")', score=500)
    make_answer(ayesha, 1, choice_id=kosygin, correct=True, elapsed_ms=2000)
    make_answer(chen, 1, choice_id=brezhnev, correct=False, elapsed_ms=6000)
    make_answer(ayesha, 2, value=1979, correct=True, elapsed_ms=5000)
    return game


def workbook(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content))


def test_the_report_page_links_to_the_xlsx(teacher_client, played):
    page = teacher_client.get(f"/host/{played.pin}/report/").content.decode()
    assert f'href="/host/{played.pin}/report.xlsx"' in page
    assert 'data-testid="csv-link"' in page


def test_the_xlsx_holds_the_reports_sections_with_numbers_as_numbers(teacher_client, played):
    response = teacher_client.get(f"/host/{played.pin}/report.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    stamp = played.created_at.strftime("%Y-%m-%d")
    assert f'filename="game-{played.pin}-{stamp}.xlsx"' in response["Content-Disposition"]
    book = workbook(response.content)
    assert book.sheetnames == [
        "Game", "Players", "Questions", "By period", "By verdict", "By event", "Not asked"
    ]  # fmt: skip
    summary = {row[0]: row[1] for row in book["Game"].iter_rows(values_only=True)}
    assert summary["PIN"] == played.pin and summary["Players"] == 2
    assert summary["Questions asked"] == 3
    players = list(book["Players"].iter_rows(values_only=True))
    assert players[0] == (
        "rank", "nickname", "score", "correct", "questions asked", "accuracy %", "kicked"
    )  # fmt: skip
    assert players[1] == (1, "Ayesha", 1800, 2, 3, 66.7, None)
    questions = list(book["Questions"].iter_rows(values_only=True))
    assert questions[2][:7] == (
        2,
        "Who brokered the Tashkent Declaration?",
        "choice",
        2,
        1,
        50.0,
        4.0,
    )
    letter = "ABCD"[[c["text"] for c in played.questions[1]["choices"]].index("Kosygin")]
    assert f"{letter}: Kosygin = 1 (correct)" in questions[2][9]
    periods = list(book["By period"].iter_rows(values_only=True))
    assert periods[0] == ("period", "questions", "accuracy %")


def test_no_cell_of_the_xlsx_is_a_formula(teacher_client, played):
    content = teacher_client.get(f"/host/{played.pin}/report.xlsx").content
    archive = zipfile.ZipFile(io.BytesIO(content))
    for name in archive.namelist():
        if name.startswith("xl/worksheets/"):
            xml = archive.read(name).decode()
            assert "<f>" not in xml and "<f " not in xml, name
    cell = workbook(content)["Players"]["B3"]
    assert cell.value == '=HYPERLINK("http://evil","click")'
    assert (cell.data_type, cell.quotePrefix) == ("s", True)
