"""Whole files a teacher (or a troublemaker) might upload: each is refused with a clear
reason before anything reads its questions. Pure: no database."""

import io
import time
import zipfile

import openpyxl
import pytest

from quizzes import spreadsheet
from quizzes.spreadsheet import (
    HEADER_SEARCH_ROWS,
    MAX_DATA_ROWS,
    MAX_QUESTIONS,
    MAX_SHEET_ROWS,
    MAX_UNZIPPED_BYTES,
    MAX_UPLOAD_BYTES,
    MAX_ZIP_MEMBERS,
    FileRefused,
    parse_table,
    read_table,
)

from .spreadsheets import GOOD_ROWS, csv_bytes, kahoot_bytes, replace_member, zip_bytes


def refusal(name: str, data: bytes) -> str:
    with pytest.raises(FileRefused) as caught:
        parse_table(read_table(name, data))
    return str(caught.value)


def test_a_good_kahoot_file_is_read():
    parsed = parse_table(read_table("quiz.xlsx", kahoot_bytes(GOOD_ROWS)))
    assert parsed.problems == []
    assert parsed.layout == "kahoot"
    assert [q.prompt for q in parsed.questions] == [row[0] for row in GOOD_ROWS]


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(monkeypatch):
    monkeypatch.setattr(spreadsheet, "_xlsx_table", lambda data: pytest.fail("was read"))
    message = refusal("big.xlsx", b"PK\x03\x04" + b"\0" * MAX_UPLOAD_BYTES)
    assert f"the limit is {MAX_UPLOAD_BYTES // 1024} KB" in message


def test_an_empty_file_is_refused():
    assert "The file is empty" in refusal("empty.csv", b"  \n")


def test_an_old_xls_or_password_protected_workbook_is_refused():
    message = refusal("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500)
    assert "old Excel .xls" in message and "save it as Excel Workbook (.xlsx)" in message


def test_a_pdf_is_refused():
    assert "This is a PDF" in refusal("quiz.pdf", b"%PDF-1.7\n...")


def test_a_text_file_named_like_a_spreadsheet_is_refused():
    message = refusal("quiz.xlsx", b"question,answer_1\nA,B\n")
    assert "named like a spreadsheet but is not one inside" in message


def test_an_opendocument_file_is_refused_with_how_to_save_it():
    data = zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"})
    assert "OpenDocument file (.ods)" in refusal("quiz.ods", data)


def test_a_word_file_is_refused():
    data = zip_bytes({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<x/>"})
    assert "Word or PowerPoint" in refusal("quiz.docx", data)


def test_a_zip_that_is_not_a_workbook_is_refused():
    assert "not an Excel workbook" in refusal("quiz.xlsx", zip_bytes({"notes.txt": b"hi"}))


def test_a_damaged_zip_is_refused():
    data = kahoot_bytes(GOOD_ROWS)
    assert "damaged" in refusal("quiz.xlsx", data[: len(data) // 2])


def test_a_zip_bomb_is_refused_before_openpyxl_opens_it(monkeypatch):
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("was opened"))
    # 30 MB of zeros deflates to about 30 KB: small upload, huge unpacked.
    bomb = replace_member(
        kahoot_bytes(GOOD_ROWS), "xl/worksheets/sheet2.xml", b"\0" * (MAX_UNZIPPED_BYTES + 1)
    )
    assert len(bomb) < MAX_UPLOAD_BYTES
    message = refusal("bomb.xlsx", bomb)
    assert f"at most {MAX_UNZIPPED_BYTES // 1024 // 1024} MB is read" in message


def test_a_zip_whose_declared_size_lies_cannot_unpack_more_than_it_declares():
    # The size check trusts each part's declared size; zipfile stops a part at that size
    # and then fails its checksum, so a lie makes the file unreadable, never bigger.
    data = bytearray(kahoot_bytes(GOOD_ROWS))
    name = b"xl/worksheets/sheet1.xml"
    entry = data.find(b"PK\x01\x02")
    while data[entry + 46 : entry + 46 + len(name)] != name:
        entry = data.find(b"PK\x01\x02", entry + 4)
    data[entry + 24 : entry + 28] = (10).to_bytes(4, "little")  # uncompressed size
    assert zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(name.decode()).file_size == 10
    assert "cannot be read" in refusal("liar.xlsx", bytes(data))


def test_a_workbook_with_too_many_parts_is_refused():
    members = {"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>"}
    members.update({f"xl/media/image{i}.png": b"x" for i in range(MAX_ZIP_MEMBERS)})
    assert f"at most {MAX_ZIP_MEMBERS} are read" in refusal("many.xlsx", zip_bytes(members))


def test_an_xml_entity_bomb_is_refused():
    entities = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)).replace(
        "&lol0;", "&lol;"
    )
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + entities.encode()
        + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="B1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    bomb = replace_member(kahoot_bytes(GOOD_ROWS), "xl/worksheets/sheet1.xml", laughs)
    with pytest.raises(FileRefused) as caught:
        read_table("laughs.xlsx", bomb)
    assert "cannot be read" in str(caught.value)
    causes = []
    error: BaseException | None = caught.value
    while error is not None:
        causes.append(type(error).__name__)
        error = error.__cause__ or error.__context__
    assert "EntitiesForbidden" in causes  # defusedxml refused it; nothing was expanded


def test_xlsx_is_refused_when_defusedxml_is_missing(monkeypatch):
    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    assert "defusedxml is not installed" in refusal("quiz.xlsx", kahoot_bytes(GOOD_ROWS))


def test_a_csv_that_is_not_utf8_is_refused_with_how_to_save_it():
    data = "question,answer_1,answer_2,correct\nCafé?,Oui,Non,1\n".encode("cp1252")
    assert "CSV UTF-8" in refusal("quiz.csv", data)


def test_a_binary_file_with_zero_bytes_is_refused():
    assert "not a text file" in refusal("quiz.csv", b"question\x00\x01\x02")


def test_a_csv_with_broken_quotes_is_reported_by_row():
    data = b'question,answer_1,answer_2,correct\n"Fine",a,b,1\n"Broken"x,a,b,1\n'
    assert "Row 3" in refusal("quiz.csv", data)


def test_a_file_in_neither_layout_says_what_row_8_should_hold():
    data = kahoot_bytes(GOOD_ROWS)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    workbook.active["C8"] = "Choice A"
    buffer = io.BytesIO()
    workbook.save(buffer)
    message = refusal("quiz.xlsx", buffer.getvalue())
    assert "neither Kahoot's quiz template nor a CSV" in message
    assert "headers in row 8" in message and "C: “Choice A”" in message


def test_rows_past_the_row_limit_are_refused_not_dropped():
    last = HEADER_SEARCH_ROWS + MAX_DATA_ROWS + 1
    rows = [["question", "answer_1", "answer_2", "correct"], ["Q1?", "a", "b", "1"]]
    rows += [[]] * (last - 3) + [["Q2?", "a", "b", "1"]]
    parsed = parse_table(read_table("quiz.csv", csv_bytes(rows)))
    assert [p.row for p in parsed.problems] == [last]
    assert f"at most {MAX_DATA_ROWS} rows after the header are read" in str(parsed.problems[0])


def test_more_questions_than_the_limit_are_refused():
    rows = [["question", "answer_1", "answer_2", "correct"]]
    rows += [[f"Question {i}?", "a", "b", "1"] for i in range(MAX_QUESTIONS + 1)]
    parsed = parse_table(read_table("quiz.csv", csv_bytes(rows)))
    assert any(f"at most {MAX_QUESTIONS} are imported" in str(p) for p in parsed.problems)


def test_the_file_type_comes_from_the_content_not_the_name():
    parsed = parse_table(read_table("questions.csv", kahoot_bytes(GOOD_ROWS)))
    assert parsed.file_type == "xlsx"
    assert len(parsed.questions) == len(GOOD_ROWS)


def test_content_far_below_the_questions_is_found_cheaply_and_refused():
    workbook = openpyxl.load_workbook(io.BytesIO(kahoot_bytes(GOOD_ROWS)))
    workbook.active.cell(row=1_048_576, column=30, value="hidden far away")
    buffer = io.BytesIO()
    workbook.save(buffer)
    started = time.perf_counter()
    parsed = parse_table(read_table("far.xlsx", buffer.getvalue()))
    assert time.perf_counter() - started < 1.5
    assert [p.row for p in parsed.problems] == [1_048_576]


def test_a_sheet_storing_too_many_rows_is_refused():
    workbook = openpyxl.Workbook()
    for number in range(1, MAX_SHEET_ROWS + 2):
        workbook.active.cell(row=number, column=1).number_format = "0.00"
        workbook.active.cell(row=number, column=1).value = None
    workbook.active.cell(row=MAX_SHEET_ROWS + 1, column=1, value="x")
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert f"more than {MAX_SHEET_ROWS:,} rows" in refusal("rows.xlsx", buffer.getvalue())
