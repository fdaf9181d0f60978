"""Admin for quiz content: timelines and events, quizzes (regenerate, duplicate, download
as YAML) and questions with their choices, validated by the same rules as the YAML."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.utils.html import format_html, format_html_join

from quizzes import admin_import
from quizzes.generator import GENERATOR_KINDS, config_from
from quizzes.images import MAX_BYTES, Picture, PictureRefused, picture_from_file
from quizzes.kinds import VERDICT_CHOICES
from quizzes.lint_models import question_findings
from quizzes.models import Choice, Event, Question, Quiz, Timeline
from quizzes.schema_fields import TIME_LIMIT_MAX, TIME_LIMIT_MIN
from quizzes.services import (
    QuizContentError,
    quiz_duplicate,
    quiz_export,
    quiz_export_pictures,
    quiz_regenerate,
)
from quizzes.yaml_schema import TRUE_FALSE_TEXTS, dump_document

GENERATOR_KEYS = {"seed", "count", "kinds", "time_limit_s"}


@admin.register(Timeline)
class TimelineAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "period_start", "period_end", "event_count")
    search_fields = ("title", "slug", "description")
    prepopulated_fields = {"slug": ("title",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Timeline]:
        return super().get_queryset(request).annotate(num_events=Count("events"))

    @admin.display(description="Events", ordering="num_events")
    def event_count(self, obj: Timeline) -> int:
        return obj.num_events


class EventAdminForm(forms.ModelForm):
    def clean_generate_kinds(self) -> list[str]:
        kinds = self.cleaned_data["generate_kinds"] or []
        if not isinstance(kinds, list) or any(kind not in GENERATOR_KINDS for kind in kinds):
            raise forms.ValidationError(
                f"Give a list of generator kinds from: {', '.join(GENERATOR_KINDS)} "
                "(an empty list means every kind)."
            )
        return kinds

    def clean_key_actor(self) -> dict[str, Any]:
        key_actor = self.cleaned_data["key_actor"] or {}
        if not key_actor:
            return {}
        if (
            not isinstance(key_actor, dict)
            or not isinstance(key_actor.get("name"), str)
            or not isinstance(key_actor.get("prompt"), str)
            or not isinstance(key_actor.get("distractors", []), list)
            or set(key_actor) - {"name", "prompt", "distractors"}
        ):
            raise forms.ValidationError(
                'Use {"name": "...", "prompt": "...", "distractors": ["...", ...]} or leave empty.'
            )
        return key_actor


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    form = EventAdminForm
    list_display = ("date", "title", "effect", "verdict", "in_period", "exclude_from_generation")
    list_display_links = ("date", "title")
    list_filter = ("effect", "verdict", "in_period", "exclude_from_generation", "timeline")
    search_fields = ("title", "summary", "actors")
    ordering = ("timeline", "year", "month", "day", "slug")
    list_select_related = ("timeline",)

    @admin.display(description="Date", ordering="year")
    def date(self, obj: Event) -> str:
        return obj.date_label


class QuizAdminForm(forms.ModelForm):
    def clean_generator(self) -> dict[str, Any]:
        generator = self.cleaned_data["generator"] or {}
        if not generator:
            return {}
        example = '{"seed": 1947, "count": 12, "kinds": ["year_of_event", "effect"]}'
        if not isinstance(generator, dict) or set(generator) - GENERATOR_KEYS:
            raise forms.ValidationError(
                f"Use the keys {', '.join(sorted(GENERATOR_KEYS))}, e.g. {example}."
            )
        try:
            config = config_from(generator)
        except ValueError as exc:
            raise forms.ValidationError(f"{str(exc).capitalize()}, e.g. {example}.") from exc
        limit = generator.get("time_limit_s", config.time_limit_s)
        if isinstance(limit, bool) or not isinstance(limit, int):
            raise forms.ValidationError("time_limit_s must be a whole number of seconds.")
        if not TIME_LIMIT_MIN <= limit <= TIME_LIMIT_MAX:
            raise forms.ValidationError(
                f"time_limit_s must be between {TIME_LIMIT_MIN} and {TIME_LIMIT_MAX} seconds."
            )
        return generator


class QuestionInline(admin.TabularInline):
    """The quiz's running order at a glance; each row links to the full question."""

    model = Question
    fields = ("position", "slug", "kind", "source", "short_prompt")
    readonly_fields = ("slug", "kind", "source", "short_prompt")
    extra = 0
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Choices need their own inline, which only the question page has.
        return False

    @admin.display(description="Prompt")
    def short_prompt(self, obj: Question) -> str:
        return obj.prompt[:100]


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    form = QuizAdminForm
    list_display = ("title", "slug", "timeline", "question_count", "updated_at")
    list_filter = ("timeline",)
    search_fields = ("title", "slug", "description")
    prepopulated_fields = {"slug": ("title",)}
    inlines = (QuestionInline,)
    actions = (
        "regenerate_generated_questions",
        "duplicate_quiz",
        "download_yaml",
        "download_xlsx",
        "download_csv",
    )
    # Both add an "Import questions" button (docs/authoring.md).
    change_list_template = "admin/quizzes/quiz/change_list.html"
    change_form_template = "admin/quizzes/quiz/change_form.html"

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(lambda request: admin_import.import_view(self, request))
        return [path("import/", view, name="quizzes_quiz_import"), *super().get_urls()]

    @admin.action(description="Download as Kahoot spreadsheet (.xlsx)", permissions=("view",))
    def download_xlsx(self, request: HttpRequest, queryset: QuerySet[Quiz]) -> HttpResponse:
        return admin_import.download_xlsx(self, request, queryset)

    @admin.action(description="Download as CSV", permissions=("view",))
    def download_csv(self, request: HttpRequest, queryset: QuerySet[Quiz]) -> HttpResponse:
        return admin_import.download_csv(self, request, queryset)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Quiz]:
        return super().get_queryset(request).annotate(num_questions=Count("questions"))

    @admin.display(description="Questions", ordering="num_questions")
    def question_count(self, obj: Quiz) -> int:
        return obj.num_questions

    @admin.action(description="Regenerate generated questions", permissions=("change",))
    def regenerate_generated_questions(
        self, request: HttpRequest, queryset: QuerySet[Quiz]
    ) -> None:
        for quiz in queryset:
            try:
                count = quiz_regenerate(quiz=quiz)
            except QuizContentError as exc:
                self.message_user(request, f"Not regenerated: {exc}.", messages.ERROR)
            else:
                self.message_user(
                    request, f"“{quiz}”: {count} generated questions made afresh.", messages.SUCCESS
                )

    @admin.action(description="Duplicate quiz", permissions=("add",))
    def duplicate_quiz(self, request: HttpRequest, queryset: QuerySet[Quiz]) -> None:
        for quiz in queryset:
            copy = quiz_duplicate(quiz=quiz)
            self.message_user(
                request, f"“{quiz}” copied as “{copy}” (slug {copy.slug}).", messages.SUCCESS
            )

    @admin.action(description="Download YAML", permissions=("view",))
    def download_yaml(self, request: HttpRequest, queryset: QuerySet[Quiz]) -> HttpResponse | None:
        files: list[tuple[str, str | bytes]] = []
        for quiz in queryset.select_related("timeline"):
            try:
                files.append((f"{quiz.slug}.yaml", dump_document(quiz_export(quiz=quiz))))
                # The pictures beside it, as the YAML names them (one zip then).
                files += quiz_export_pictures(quiz=quiz)
            except QuizContentError as exc:
                self.message_user(request, f"Nothing downloaded: {exc}.", messages.ERROR)
                return None
        return admin_import.attachment(
            files, content_type="application/yaml; charset=utf-8", zip_name="quizzes.zip"
        )


class ChoiceInlineFormSet(BaseInlineFormSet):
    """The kind rules of docs/yaml-schema.md, checked on the choices as submitted."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        rows = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        problems: list[str] = []
        seen: set[str] = set()
        for row in rows:
            key = row["text"].strip().casefold()
            if key in seen:
                problems.append(f"Two choices have the same text: “{row['text']}”.")
            seen.add(key)
        count = len(rows)
        correct = sum(1 for row in rows if row.get("is_correct"))
        kind = self.instance.kind
        if kind == Question.Kind.CHOICE:
            if not 2 <= count <= 4:
                problems.append(f"A multiple-choice question needs 2 to 4 choices; it has {count}.")
            elif correct != 1:
                problems.append(f"Mark exactly one choice as correct; {correct} are marked.")
        elif kind == Question.Kind.TRUE_FALSE:
            if sorted(row["text"] for row in rows) != sorted(TRUE_FALSE_TEXTS):
                problems.append(
                    'A true-or-false question needs exactly two choices, "True" and "False".'
                )
            elif correct != 1:
                problems.append(f"Mark exactly one choice as correct; {correct} are marked.")
        elif kind == Question.Kind.ORDER:
            if not 3 <= count <= 4:
                problems.append(f"An ordering question needs 3 or 4 choices; it has {count}.")
            if correct:
                problems.append(
                    "An ordering question has no correct choice: "
                    "give the choices positions in the right order instead."
                )
        elif kind == Question.Kind.YEAR_GUESS and count:
            problems.append(
                "A guess-the-year question has no choices: remove them and set the answer year."
            )
        elif kind == Question.Kind.VERDICT:
            if count and sorted(row["text"] for row in rows) != sorted(VERDICT_CHOICES):
                problems.append(
                    "A verdict question needs no choices: the class always sees “Success” and "
                    "“Failure”. Remove them."
                )
            if correct:
                problems.append(
                    "A verdict question has no correct choice: the event's verdict is the "
                    "model answer shown at the reveal."
                )
        if problems:
            raise forms.ValidationError(problems)


class ChoiceInline(admin.TabularInline):
    model = Choice
    formset = ChoiceInlineFormSet
    fields = ("position", "text", "is_correct", "note")
    max_num = 4

    def get_extra(self, request: HttpRequest, obj: Question | None = None, **kwargs: Any) -> int:
        return 4 if obj is None else max(0, 2 - obj.choices.count())


class PictureField(forms.FileField):
    """An uploaded picture, checked and cleaned by quizzes/images.py: the form keeps the
    cleaned file (named by its format only) in place of the upload."""

    default_error_messages = {"refused": "%(message)s"}

    def clean(self, data: Any, initial: Any = None) -> Any:
        value = super().clean(data, initial)
        if not isinstance(value, UploadedFile):
            return value  # nothing new: the stored picture, or False to remove it
        if value.size is not None and value.size > MAX_BYTES:
            # Refused before a byte of it is read.
            raise forms.ValidationError(
                f"The file is too big: at most {MAX_BYTES // (1024 * 1024)} MB.", code="refused"
            )
        try:
            value.seek(0)
            picture = picture_from_file(value)
        except PictureRefused as exc:
            raise forms.ValidationError(
                self.error_messages["refused"], code="refused", params={"message": exc.message}
            ) from exc
        cleaned = ContentFile(picture.data, name=f"picture.{picture.extension}")
        cleaned.picture = picture  # type: ignore[attr-defined]
        return cleaned


class QuestionAdminForm(forms.ModelForm):
    image = PictureField(
        label="Picture",
        required=False,
        help_text=Question._meta.get_field("image").help_text,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )

    def clean_image(self) -> Any:
        image = self.cleaned_data.get("image")
        picture: Picture | None = getattr(image, "picture", None)
        if picture is not None:
            self.instance.image_width = picture.width
            self.instance.image_height = picture.height
        elif image is False:
            # "Clear" ticked: the picture goes, and its description with it.
            self.instance.image_width = None
            self.instance.image_height = None
        return image

    def clean_image_alt(self) -> str:
        alt = (self.cleaned_data.get("image_alt") or "").strip()
        if self.data.get(self.add_prefix("image-clear")) and not self.files.get(
            self.add_prefix("image")
        ):
            return ""
        return alt

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "explanation" in self.fields:
            # Still required (below), except that a verdict question may take its
            # event's verdict_reason.
            self.fields["explanation"].required = False
            self.fields["explanation"].help_text = (
                "Shown at the reveal. A verdict question left blank takes its event's "
                "verdict reason."
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        kind = cleaned.get("kind")
        self._clean_explanation(cleaned)
        if kind == Question.Kind.VERDICT:
            self._clean_verdict(cleaned)
        answer_year = cleaned.get("answer_year")
        if kind == Question.Kind.YEAR_GUESS and answer_year is None:
            self.add_error("answer_year", "A guess-the-year question needs its answer year.")
        if kind and kind != Question.Kind.YEAR_GUESS and answer_year is not None:
            self.add_error("answer_year", "Only guess-the-year questions have an answer year.")
        source, generator_kind = cleaned.get("source"), cleaned.get("generator_kind", "")
        if source == Question.Source.GENERATED and generator_kind not in GENERATOR_KINDS:
            self.add_error(
                "generator_kind",
                f"A generated question names its generator: {', '.join(GENERATOR_KINDS)}.",
            )
        if source == Question.Source.HAND and generator_kind:
            self.add_error("generator_kind", "Only generated questions have a generator kind.")
        quiz, event = cleaned.get("quiz"), cleaned.get("event")
        if quiz and event and event.timeline_id != quiz.timeline_id:
            self.add_error("event", "Pick an event from this quiz's timeline.")
        return cleaned

    def _clean_explanation(self, cleaned: dict[str, Any]) -> None:
        if (cleaned.get("explanation") or "").strip():
            return
        event = cleaned.get("event")
        if cleaned.get("kind") == Question.Kind.VERDICT and event and event.verdict_reason.strip():
            cleaned["explanation"] = event.verdict_reason.strip()
        elif "explanation" not in self.errors:
            self.add_error("explanation", "Every question needs an explanation for the reveal.")

    def _clean_verdict(self, cleaned: dict[str, Any]) -> None:
        event = cleaned.get("event")
        if event is None:
            self.add_error("event", "A verdict question needs the event the class judges.")
        elif event.verdict not in (Event.Verdict.SUCCESS, Event.Verdict.FAILURE):
            self.add_error(
                "event",
                f"“{event.title}” has the verdict {event.get_verdict_display().lower()}: pick "
                "an event the source calls a success or a failure.",
            )


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    form = QuestionAdminForm
    inlines = (ChoiceInline,)
    list_display = ("short_prompt", "quiz", "position", "kind", "source", "time_limit_s")
    list_filter = ("source", "kind", "quiz")
    search_fields = ("prompt",)
    list_select_related = ("quiz",)
    autocomplete_fields = ("event",)
    readonly_fields = ("lint_findings", "picture_size")
    fieldsets = (
        (None, {"fields": ("quiz", "slug", "position", "kind", "prompt", "event")}),
        ("Picture", {"fields": ("image", "image_alt", "picture_size")}),
        ("Timing and scoring", {"fields": ("time_limit_s", "points_multiplier", "answer_year")}),
        ("Reveal", {"fields": ("explanation",)}),
        ("Origin", {"fields": ("source", "generator_kind")}),
        ("Quiz linter", {"fields": ("lint_findings",)}),
    )

    @admin.display(description="Prompt", ordering="prompt")
    def short_prompt(self, obj: Question) -> str:
        return obj.prompt[:80]

    @admin.display(description="Stored as")
    def picture_size(self, obj: Question | None) -> str:
        if obj is None or not obj.image:
            return "No picture."
        return format_html(
            '<img src="{}" alt="{}" width="{}" height="{}" class="picture-preview" '
            'data-testid="picture-preview"><br>{} × {} pixels, metadata removed.',
            obj.image.url,
            obj.image_alt,
            min(obj.image_width or 0, 320),
            round((obj.image_height or 0) * min(1, 320 / max(obj.image_width or 1, 1))),
            obj.image_width,
            obj.image_height,
        )

    @admin.display(description="Findings")
    def lint_findings(self, obj: Question | None) -> str:
        """What `manage.py lint_quiz` says about this question, as saved, in the context of
        its quiz (repeats need the other questions)."""
        if obj is None or obj.pk is None:
            return "Save the question to see what the quiz linter finds."
        findings = question_findings(obj)
        if not findings:
            return format_html('<p data-testid="lint-clean">{}</p>', "No findings.")
        rows = format_html_join(
            "",
            '<li class="lint-{}" data-code="{}"><strong>{} {}</strong> ({}): {}</li>',
            ((f.severity, f.code, f.code, f.severity, f.rule.name, f.message) for f in findings),
        )
        return format_html('<ul data-testid="lint-findings">{}</ul>', rows)
