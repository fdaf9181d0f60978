"""The admin's "Import questions" page and the spreadsheet downloads, through Django's
test client: reachable from the quiz admin, rights and CSRF checked, a form, then a
result page listing what was imported or every problem."""

import io
import re
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from quizzes.models import Question, Quiz
from quizzes.spreadsheet import MAX_UPLOAD_BYTES

from .spreadsheets import GOOD_ROWS, csv_bytes, kahoot_bytes, read_sheet

pytestmark = pytest.mark.django_db

URL = "/admin/quizzes/quiz/import/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(data: bytes, name: str = "Unit 3.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=XLSX)


def staff_with(*codenames: str):
    user = get_user_model().objects.create_user("editor", password="pw", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def admin_client(client):
    client.force_login(get_user_model().objects.create_superuser("boss", "b@example.com", "pw"))
    return client


@pytest.fixture
def quiz():
    return Quiz.objects.create(slug="cold-war", title="Cold War")


def test_the_quiz_list_and_a_quiz_page_link_to_the_import_page(admin_client, quiz):
    listing = admin_client.get(reverse("admin:quizzes_quiz_changelist")).content.decode()
    assert f'href="{URL}"' in listing and "Import questions" in listing
    page = admin_client.get(reverse("admin:quizzes_quiz_change", args=[quiz.pk])).content.decode()
    assert f'href="{URL}?quiz=cold-war"' in page


def test_the_page_is_a_form_with_csrf_and_the_quiz_preselected(admin_client, quiz):
    page = admin_client.get(URL, {"quiz": "cold-war"}).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert re.search(r'<option value="cold-war" selected>Cold War</option>', page)
    assert "B the question, C to F answers 1 to 4" in page


def test_a_good_file_is_imported_and_listed(admin_client):
    response = admin_client.post(URL, {"file": upload(kahoot_bytes(GOOD_ROWS))})
    page = response.content.decode()
    assert response.status_code == 200
    quiz = Quiz.objects.get()
    assert quiz.title == "Unit 3" and quiz.questions.count() == 3
    assert "Imported Unit 3.xlsx" in page
    assert "Added 3,\n    updated 0,\n    already up to date 0." in page
    assert reverse("admin:quizzes_quiz_change", args=[quiz.pk]) in page
    assert "Who brokered the Tashkent Declaration?" in page
    assert "The file gave no explanation for rows" in page


def test_a_bad_file_lists_every_problem_and_writes_nothing(admin_client):
    rows = [
        GOOD_ROWS[0],
        ['="<b>"&A1', "a", "b", None, None, 20, 1],
        ["Q?", "a", "b", None, None, 999, 1],
    ]
    response = admin_client.post(URL, {"file": upload(kahoot_bytes(rows))})
    page = response.content.decode()
    assert "Not imported: 2 problems in Unit 3.xlsx" in page
    assert "Nothing was written." in page
    assert "<td>10</td>" in page and "<td>B (Question)</td>" in page
    assert "=&quot;&lt;b&gt;&quot;&amp;A1" in page and "<b>" not in page  # escaped
    assert "<td>G (Time limit)</td>" in page and "time limit not allowed" in page
    assert Quiz.objects.count() == 0


def test_a_wrong_file_type_gets_a_clear_message(admin_client):
    response = admin_client.post(URL, {"file": upload(b"%PDF-1.4 ...", "quiz.pdf")})
    assert "This is a PDF. Upload the quiz as .xlsx or .csv." in response.content.decode()


def test_checking_only_writes_nothing(admin_client):
    response = admin_client.post(URL, {"file": upload(kahoot_bytes(GOOD_ROWS)), "check_only": "on"})
    page = response.content.decode()
    assert "Checked Unit 3.xlsx: nothing written" in page and "would be added" in page
    assert Quiz.objects.count() == 0


def test_adding_to_a_chosen_quiz(admin_client, quiz):
    data = csv_bytes([["question", "answer_1", "answer_2", "correct"], ["New?", "a", "b", "1"]])
    admin_client.post(URL, {"file": upload(data, "more.csv"), "quiz": "cold-war"})
    assert list(quiz.questions.values_list("prompt", flat=True)) == ["New?"]
    assert Quiz.objects.count() == 1


def test_a_file_over_the_limit_is_refused_by_the_form(admin_client):
    response = admin_client.post(URL, {"file": upload(b"x" * (MAX_UPLOAD_BYTES + 1), "big.csv")})
    page = response.content.decode()
    assert f"the limit is {MAX_UPLOAD_BYTES // 1024} KB" in page
    assert Quiz.objects.count() == 0


def test_a_post_without_the_csrf_token_is_refused():
    client = Client(enforce_csrf_checks=True)
    client.force_login(get_user_model().objects.create_superuser("boss", "b@example.com", "pw"))
    response = client.post(URL, {"file": upload(kahoot_bytes(GOOD_ROWS))})
    assert response.status_code == 403
    assert Quiz.objects.count() == 0


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_without_the_rights_to_change_questions_are_refused(client, quiz):
    client.force_login(staff_with("view_quiz", "change_quiz"))
    assert client.get(URL).status_code == 403
    listing = client.get(reverse("admin:quizzes_quiz_changelist")).content.decode()
    assert "Import questions" not in listing
    response = client.post(URL, {"file": upload(kahoot_bytes(GOOD_ROWS)), "quiz": "cold-war"})
    assert response.status_code == 403 and Question.objects.count() == 0


def test_a_teacher_who_may_not_add_quizzes_must_pick_one(client, quiz):
    client.force_login(staff_with("view_quiz", "change_quiz", "add_question", "change_question"))
    refused = client.post(URL, {"file": upload(kahoot_bytes(GOOD_ROWS))})
    assert "You may add to a quiz but not make a new one" in refused.content.decode()
    assert Quiz.objects.count() == 1
    client.post(URL, {"file": upload(kahoot_bytes(GOOD_ROWS)), "quiz": "cold-war"})
    assert quiz.questions.count() == 3


def _action(client, action: str, *quizzes: Quiz):
    return client.post(
        reverse("admin:quizzes_quiz_changelist"),
        {"action": action, "_selected_action": [q.pk for q in quizzes]},
    )


def test_the_download_actions_give_a_kahoot_file_and_a_csv(admin_client):
    admin_client.post(URL, {"file": upload(kahoot_bytes(GOOD_ROWS))})
    quiz = Quiz.objects.get()
    xlsx = _action(admin_client, "download_xlsx", quiz)
    assert xlsx["Content-Type"] == XLSX
    assert f'filename="{quiz.slug}.xlsx"' in xlsx["Content-Disposition"]
    rows = read_sheet(xlsx.content)
    assert rows[7][1:8] == [
        "Question - max 120 characters",
        "Answer 1 - max 75 characters",
        "Answer 2 - max 75 characters",
        "Answer 3 - max 75 characters",
        "Answer 4 - max 75 characters",
        "Time limit (sec) – 5, 10, 20, 30, 60, 90, 120, or 240 secs",
        "Correct answer(s) - choose at least one",
    ]
    assert rows[8][:8] == [1, *GOOD_ROWS[0][:4], None, 20, 1]
    csv_response = _action(admin_client, "download_csv", quiz)
    assert csv_response["Content-Type"].startswith("text/csv")
    assert csv_response.content.decode().startswith("question,answer_1,answer_2,")


def test_downloading_several_quizzes_gives_a_zip(admin_client, quiz):
    admin_client.post(URL, {"file": upload(kahoot_bytes(GOOD_ROWS))})
    response = _action(admin_client, "download_csv", *Quiz.objects.all())
    assert response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert sorted(names) == sorted(f"{q.slug}.csv" for q in Quiz.objects.all())


def test_the_add_quiz_page_has_no_import_link_yet(admin_client):
    page = admin_client.get(reverse("admin:quizzes_quiz_add"))
    assert page.status_code == 200
    assert "Import questions" not in page.content.decode()
