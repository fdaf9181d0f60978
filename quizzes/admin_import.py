"""The admin's "Import questions" page and the spreadsheet download actions.

The page is an admin view (`QuizAdmin.get_urls`), so the admin's login, staff check and
CSRF protection apply. Importing needs the rights to change quizzes and to add and
change questions; making a new quiz needs the right to add quizzes as well.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse

from quizzes.models import Quiz
from quizzes.schema_fields import CHOICE_TEXT_MAX, TIME_LIMIT_MAX, TIME_LIMIT_MIN, TITLE_MAX
from quizzes.spreadsheet import (
    CSV_COLUMNS,
    EXPLANATION_MAX,
    KAHOOT_HEADER_ROW,
    MAX_DATA_ROWS,
    MAX_QUESTIONS,
    MAX_UPLOAD_BYTES,
    PROMPT_MAX,
)
from quizzes.transfer import (
    ImportRefused,
    import_file,
    picture_warnings,
    quiz_export_csv,
    quiz_export_xlsx,
)

IMPORT_PERMISSIONS = ("quizzes.change_quiz", "quizzes.add_question", "quizzes.change_question")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Spreadsheet",
        help_text=(
            f"Kahoot's quiz template (.xlsx) or a CSV with a header row; at most "
            f"{MAX_UPLOAD_BYTES // 1024} KB and {MAX_QUESTIONS} questions."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    quiz = forms.ModelChoiceField(
        queryset=Quiz.objects.order_by("title"),
        required=False,
        to_field_name="slug",
        label="Add to quiz",
        empty_label="— a new quiz —",
        help_text=(
            "Leave as “a new quiz” to make one. Picking a quiz adds the file's questions "
            "to it and updates the questions it already has with the same text (or slug); "
            "its other questions stay as they are."
        ),
    )
    title = forms.CharField(
        max_length=TITLE_MAX,
        required=False,
        label="Title of the new quiz",
        help_text="Default: the file's name. Not used when adding to a quiz.",
    )
    check_only = forms.BooleanField(
        required=False,
        label="Check the file only",
        help_text="List what would be imported, or what is wrong, and write nothing.",
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size // 1024} KB; the limit is "
                f"{MAX_UPLOAD_BYTES // 1024} KB. A quiz spreadsheet is far smaller: remove "
                "pictures and other sheets, or split the quiz."
            )
        return upload


def import_view(model_admin: Any, request: HttpRequest) -> HttpResponse:
    if not request.user.has_perms(IMPORT_PERMISSIONS):
        raise PermissionDenied("Importing needs the rights to change quizzes and questions.")
    report = problems = None
    file_name = ""
    initial = {}
    if request.method == "GET" and request.GET.get("quiz"):
        initial["quiz"] = request.GET["quiz"]
    form = ImportForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        quiz = form.cleaned_data["quiz"]
        if quiz is None and not request.user.has_perm("quizzes.add_quiz"):
            form.add_error("quiz", "You may add to a quiz but not make a new one: pick a quiz.")
        else:
            upload = form.cleaned_data["file"]
            file_name = upload.name
            data = upload.read(MAX_UPLOAD_BYTES + 1)
            try:
                report = import_file(
                    name=upload.name,
                    data=data,
                    quiz_slug=quiz.slug if quiz else None,
                    title=form.cleaned_data["title"],
                    dry_run=form.cleaned_data["check_only"],
                )
            except ImportRefused as exc:
                problems = exc.problems
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": "Import questions",
        "form": form,
        "adminform": helpers.AdminForm(
            form,
            [
                (
                    "Import another file" if report or problems else "Upload a spreadsheet",
                    {"fields": ["file", "quiz", "title", "check_only"]},
                )
            ],
            {},
        ),
        "report": report,
        "problems": problems,
        "file_name": file_name,
        "quiz_url": _quiz_url(report.quiz_slug) if report and not report.dry_run else "",
        "limits": {
            "upload_kb": MAX_UPLOAD_BYTES // 1024,
            "questions": MAX_QUESTIONS,
            "rows": MAX_DATA_ROWS,
            "prompt": PROMPT_MAX,
            "answer": CHOICE_TEXT_MAX,
            "explanation": EXPLANATION_MAX,
            "time_min": TIME_LIMIT_MIN,
            "time_max": TIME_LIMIT_MAX,
        },
        "kahoot_header_row": KAHOOT_HEADER_ROW,
        "csv_columns": CSV_COLUMNS,
    }
    return TemplateResponse(request, "admin/quizzes/quiz/import.html", context)


def _quiz_url(slug: str) -> str:
    quiz = Quiz.objects.filter(slug=slug).first()
    return reverse("admin:quizzes_quiz_change", args=[quiz.pk]) if quiz else ""


def _download(
    model_admin: Any,
    request: HttpRequest,
    queryset: QuerySet[Quiz],
    build: Callable[[Quiz], tuple[bytes, list[str]]],
    extension: str,
    content_type: str,
) -> HttpResponse:
    files: list[tuple[str, bytes]] = []
    for quiz in queryset.order_by("title"):
        data, notes = build(quiz)
        files.append((f"{quiz.slug}.{extension}", data))
        for note in notes:
            model_admin.message_user(request, f"“{quiz}”: {note}", messages.WARNING)
    return attachment(files, content_type=content_type, zip_name=f"quizzes-{extension}.zip")


def attachment(
    files: list[tuple[str, bytes]] | list[tuple[str, str]], *, content_type: str, zip_name: str
) -> HttpResponse:
    """One file as itself, several as one zip (an admin action's download)."""
    if len(files) == 1:
        name, data = files[0]
        response = HttpResponse(data, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(name, data)
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{zip_name}"'
    return response


def download_xlsx(model_admin: Any, request: HttpRequest, queryset: QuerySet[Quiz]) -> HttpResponse:
    return _download(
        model_admin, request, queryset, lambda q: quiz_export_xlsx(quiz=q), "xlsx", XLSX_TYPE
    )


def download_csv(model_admin: Any, request: HttpRequest, queryset: QuerySet[Quiz]) -> HttpResponse:
    return _download(
        model_admin,
        request,
        queryset,
        lambda q: (quiz_export_csv(quiz=q).encode("utf-8"), picture_warnings(quiz=q)),
        "csv",
        "text/csv; charset=utf-8",
    )
