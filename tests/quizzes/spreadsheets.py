"""Build spreadsheet files for the import tests: Kahoot's template layout, CSV, raw zips."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from typing import Any

import openpyxl

from quizzes.spreadsheet import KAHOOT_HEADERS

INSTRUCTIONS = [
    "Quiz template",
    "Add questions, at least two answers, a time limit and the correct answer.",
    "Questions up to 120 characters, answers up to 75.",
    "See an example question below.",
    "Export to .xlsx before you upload.",
]


class Text(str):
    """A cell value written as a text cell even if it starts with "=" (openpyxl would
    otherwise write a formula)."""


def kahoot_bytes(
    rows: Sequence[Sequence[Any]],
    *,
    header_row: int = 8,
    explanation: bool = False,
    numbered_to: int = 0,
) -> bytes:
    """A workbook in Kahoot's template layout: instructions in B2:B6, headers in
    `header_row` (B-H, and I "Explanation" if asked), one row of
    [question, answer 1-4, time limit, correct(, explanation)] per item from the next
    row, column A numbered (down to `numbered_to` like the real template's empty rows).
    None leaves a cell empty."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for offset, line in enumerate(INSTRUCTIONS[: max(0, header_row - 3)]):
        sheet.cell(row=2 + offset, column=2, value=line)
    for index, heading in enumerate(KAHOOT_HEADERS.values()):
        sheet.cell(row=header_row, column=2 + index, value=heading)
    if explanation:
        sheet.cell(row=header_row, column=9, value="Explanation")
    for number in range(1, max(numbered_to, len(rows)) + 1):
        sheet.cell(row=header_row + number, column=1, value=number)
    for offset, row in enumerate(rows, start=1):
        for index, value in enumerate(row):
            if value is None:
                continue
            cell = sheet.cell(row=header_row + offset, column=2 + index)
            cell.value = value
            if isinstance(value, Text):
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_bytes(rows: Sequence[Sequence[Any]]) -> bytes:
    """A workbook whose first sheet holds `rows` from A1 (for the CSV layout in .xlsx)."""
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: Sequence[Sequence[Any]], *, delimiter: str = ",", bom: bool = False) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def replace_member(data: bytes, name: str, content: bytes) -> bytes:
    """The same .xlsx with one part's content swapped."""
    source = zipfile.ZipFile(io.BytesIO(data))
    members = {info.filename: source.read(info.filename) for info in source.infolist()}
    members[name] = content
    return zip_bytes(members)


def read_sheet(data: bytes) -> list[list[Any]]:
    """The first sheet's values, row by row (for checking exported files)."""
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


GOOD_ROWS = [
    ["Who brokered the Tashkent Declaration?", "Kosygin", "Brezhnev", "Gromyko", None, 20, 1],
    ["Pakistan joined SEATO in 1954.", "True", "False", None, None, 10, 1],
    ["Which came first?", "U-2 incident", "Tashkent Declaration", None, None, 30, 1],
]
