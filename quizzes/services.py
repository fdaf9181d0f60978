"""Every write to quiz content: loading seed documents, export, regenerate, duplicate.

Loading is an upsert by slug that compares before it writes, so loading the same file
twice changes nothing (and reports every row "unchanged"). Generated questions follow
one rule (docs/yaml-schema.md, "Generated questions"): if a quiz in the file lists any
question with `source: generated`, the file is a snapshot and those are stored as
written; otherwise its `generator` block is run here and the drafts are stored after the
hand-written questions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max, Model

from quizzes import lint
from quizzes import periods as timeline_periods
from quizzes.generator import QuestionDraft, generate_questions
from quizzes.images import Picture
from quizzes.lint_models import question_data
from quizzes.models import (
    PICTURE_FOLDER,
    Choice,
    Event,
    Question,
    Quiz,
    Timeline,
    picture_file_bytes,
    picture_file_save,
)
from quizzes.schema_fields import SCHEMA_VERSION, SLUG_MAX, SLUG_RE, TABLES
from quizzes.yaml_schema import (
    ChoiceDoc,
    EventDoc,
    QuestionDoc,
    QuizDoc,
    SchemaError,
    SeedDocument,
    TimelineDoc,
    cross_document_errors,
    validate_document,
)

MODEL_NAMES = ("Timeline", "Event", "Quiz", "Question", "Choice")
ACTIONS = ("created", "updated", "unchanged", "deleted")


class QuizContentError(Exception):
    """A content operation cannot be done as asked; nothing was written."""


@dataclass
class LoadReport:
    """What a load did (or, for a dry run, would do), per model and action."""

    dry_run: bool = False
    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {name: dict.fromkeys(ACTIONS, 0) for name in MODEL_NAMES}
    )

    def add(self, model: str, action: str, n: int = 1) -> None:
        self.counts[model][action] += n

    @property
    def changed(self) -> bool:
        return any(
            counts[action]
            for counts in self.counts.values()
            for action in ACTIONS
            if action != "unchanged"
        )

    def lines(self) -> list[str]:
        return [
            f"{name}: " + ", ".join(f"{self.counts[name][action]} {action}" for action in ACTIONS)
            for name in MODEL_NAMES
        ]


# -- Loading ------------------------------------------------------------------------------


def _upsert(
    model: type[Model], *, lookup: dict[str, Any], values: dict[str, Any], report: LoadReport
) -> Model:
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        report.add(model.__name__, "created")
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save()
        report.add(model.__name__, "updated")
    else:
        report.add(model.__name__, "unchanged")
    return obj


def _key_actor_dict(event: EventDoc) -> dict[str, Any]:
    if event.key_actor is None:
        return {}
    return {
        "name": event.key_actor.name,
        "prompt": event.key_actor.prompt,
        "distractors": list(event.key_actor.distractors),
    }


def _event_values(event: EventDoc) -> dict[str, Any]:
    return {
        "year": event.year,
        "month": event.month,
        "day": event.day,
        "title": event.title,
        "summary": event.summary,
        "actors": list(event.actors),
        "effect": event.effect,
        "verdict": event.verdict,
        "verdict_reason": event.verdict_reason,
        "correction": event.correction,
        "in_period": event.in_period,
        "sources": list(event.sources),
        "generate_kinds": list(event.generate),
        "exclude_from_generation": event.exclude_from_generation,
        "key_actor": _key_actor_dict(event),
        "date_text": event.date_text,
    }


def _unverified_list(claims: Sequence[lint.UnverifiedClaim]) -> list[dict[str, Any]]:
    """Claims as stored in `Timeline.unverified` and written to YAML."""
    result = []
    for claim in claims:
        item: dict[str, Any] = {"claim": claim.claim, "match": list(claim.match)}
        if claim.event:
            item["event"] = claim.event
        result.append(item)
    return result


def _draft_to_doc(draft: QuestionDraft) -> QuestionDoc:
    # What a draft does not say (points, answer_year) reads as a seed file's absent key.
    return QuestionDoc(
        **TABLES["question"].defaults()
        | {
            "slug": draft.slug,
            "prompt": draft.prompt,
            "explanation": draft.explanation,
            "kind": draft.kind,
            "event": draft.event,
            "time_limit_s": draft.time_limit_s,
            "choices": tuple(
                ChoiceDoc(text=choice.text, correct=choice.correct, note=choice.note)
                for choice in draft.choices
            ),
            "source": Question.Source.GENERATED,
            "generator_kind": draft.generator_kind,
        }
    )


def quiz_questions_for_load(*, quiz: QuizDoc, timeline: TimelineDoc) -> tuple[QuestionDoc, ...]:
    """The questions a load stores for `quiz`, in order: the file's, then (unless the file
    already lists generated questions) the generator's drafts, linted against the file's
    questions."""
    if quiz.generator is None or quiz.has_generated_questions:
        return quiz.questions
    drafts = generate_questions(
        events=timeline.events,
        config=quiz.generator,
        taken_slugs=[question.slug for question in quiz.questions],
        existing=quiz.questions,
        unverified=timeline.unverified,
    )
    return quiz.questions + tuple(_draft_to_doc(draft) for draft in drafts)


def _sync_choices(question: Question, choices: Sequence[ChoiceDoc], report: LoadReport) -> None:
    wanted = [
        (position, choice.text, choice.correct, choice.note)
        for position, choice in enumerate(choices)
    ]
    current = list(
        question.choices.order_by("position", "id").values_list(
            "position", "text", "is_correct", "note"
        )
    )
    if current == wanted:
        report.add("Choice", "unchanged", len(current))
        return
    # A choice has no slug to match on, so a changed list is replaced as a whole.
    question.choices.all().delete()
    Choice.objects.bulk_create(
        Choice(question=question, position=position, text=text, is_correct=correct, note=note)
        for position, text, correct, note in wanted
    )
    report.add("Choice", "deleted", len(current))
    report.add("Choice", "created", len(wanted))


# The pictures a load stores: per document, the cleaned file of each `image` path.
Pictures = Mapping[str, Picture]
NO_PICTURE = {"image": "", "image_alt": "", "image_width": None, "image_height": None}


def _stored_bytes(name: str) -> bytes | None:
    try:
        return picture_file_bytes(name)
    except OSError:
        return None  # the file is gone: the load writes it again


def _picture_values(
    quiz: Quiz, doc: QuestionDoc, pictures: Pictures, report: LoadReport
) -> dict[str, Any]:
    """The picture columns a question of the file gets. The same picture as stored (the
    same cleaned bytes) keeps its file, so a second load changes nothing; another one
    is written under a new random name first (a dry run writes no file)."""
    if doc.image is None:
        return dict(NO_PICTURE)
    picture = pictures.get(doc.image)
    if picture is None:
        raise QuizContentError(
            f"question '{doc.slug}': the picture '{doc.image}' was not read; load the file "
            "with `manage.py load_seeds`, which reads the pictures beside it"
        )
    stored = Question.objects.filter(quiz=quiz, slug=doc.slug).values_list("image", flat=True)
    current = stored.first() or ""
    if current and _stored_bytes(current) == picture.data:
        name = current
    elif report.dry_run:
        name = f"{PICTURE_FOLDER}/(not written: dry run).{picture.extension}"
    else:
        name = picture_file_save(picture)
    return {
        "image": name,
        "image_alt": doc.alt,
        "image_width": picture.width,
        "image_height": picture.height,
    }


def _sync_questions(
    quiz: Quiz,
    questions: Sequence[QuestionDoc],
    event_ids: dict[str, int],
    report: LoadReport,
    pictures: Pictures,
) -> None:
    for position, doc in enumerate(questions):
        question = _upsert(
            Question,
            lookup={"quiz": quiz, "slug": doc.slug},
            values={
                "position": position,
                "kind": doc.kind,
                "source": doc.source,
                "generator_kind": doc.generator_kind,
                "event_id": event_ids[doc.event] if doc.event else None,
                "prompt": doc.prompt,
                "explanation": doc.explanation,
                "time_limit_s": doc.time_limit_s,
                "points_multiplier": doc.points_multiplier,
                "answer_year": doc.answer_year,
                **_picture_values(quiz, doc, pictures, report),
            },
            report=report,
        )
        _sync_choices(question, doc.choices, report)
    stale = quiz.questions.exclude(slug__in=[doc.slug for doc in questions])
    stale_choices = Choice.objects.filter(question__in=stale).count()
    deleted = stale.count()
    if deleted:
        stale.delete()
        report.add("Question", "deleted", deleted)
        report.add("Choice", "deleted", stale_choices)


def _load_document(document: SeedDocument, report: LoadReport, pictures: Pictures) -> None:
    doc = document.timeline
    timeline = _upsert(
        Timeline,
        lookup={"slug": doc.slug},
        values={
            "title": doc.title,
            "description": doc.description,
            "period_start": doc.period_start,
            "period_end": doc.period_end,
            "periods": timeline_periods.as_stored(doc.periods),
            "overall_verdict": doc.overall_verdict,
            "unverified": _unverified_list(doc.unverified),
        },
        report=report,
    )
    event_ids: dict[str, int] = {}
    for event in doc.events:
        row = _upsert(
            Event,
            lookup={"timeline": timeline, "slug": event.slug},
            values=_event_values(event),
            report=report,
        )
        event_ids[event.slug] = row.pk
    # The file is the whole timeline: an event taken out of it goes (its questions keep
    # their text and lose only the link).
    stale_events = timeline.events.exclude(slug__in=list(event_ids))
    deleted = stale_events.count()
    if deleted:
        stale_events.delete()
        report.add("Event", "deleted", deleted)

    for quiz_doc in document.quizzes:
        quiz = _upsert(
            Quiz,
            lookup={"slug": quiz_doc.slug},
            values={
                "title": quiz_doc.title,
                "description": quiz_doc.description,
                "timeline_id": timeline.pk,
                "generator": quiz_doc.generator.as_dict() if quiz_doc.generator else {},
            },
            report=report,
        )
        questions = quiz_questions_for_load(quiz=quiz_doc, timeline=doc)
        _sync_questions(quiz, questions, event_ids, report, pictures)


def seed_documents_load(
    *,
    documents: Sequence[SeedDocument],
    dry_run: bool = False,
    pictures: Sequence[Pictures] | None = None,
) -> LoadReport:
    """Upsert several validated documents in one transaction; `dry_run` rolls it back.

    `pictures[i]` holds the cleaned pictures document i names by path
    (quizzes/picture_files.py reads them); a document naming a picture needs them."""
    conflicts = cross_document_errors(
        [(f"document {number}", document) for number, document in enumerate(documents, 1)]
    )
    if conflicts:
        raise QuizContentError("; ".join(conflicts))
    if pictures is not None and len(pictures) != len(documents):
        raise QuizContentError("give the pictures of every document, in the same order")
    report = LoadReport(dry_run=dry_run)
    with transaction.atomic():
        for index, document in enumerate(documents):
            _load_document(document, report, pictures[index] if pictures is not None else {})
        if dry_run:
            transaction.set_rollback(True)
    return report


# -- Export -------------------------------------------------------------------------------


def _event_export(event: Event) -> dict[str, Any]:
    data: dict[str, Any] = {"slug": event.slug, "year": event.year}
    if event.month is not None:
        data["month"] = event.month
    if event.day is not None:
        data["day"] = event.day
    data["title"] = event.title
    data["summary"] = event.summary
    if event.actors:
        data["actors"] = list(event.actors)
    data["effect"] = event.effect
    data["verdict"] = event.verdict
    for name in ("verdict_reason", "correction"):
        if getattr(event, name):
            data[name] = getattr(event, name)
    if not event.in_period:
        data["in_period"] = False
    if event.sources:
        data["sources"] = list(event.sources)
    if event.key_actor:
        data["key_actor"] = dict(event.key_actor)
    if event.generate_kinds:
        data["generate"] = list(event.generate_kinds)
    if event.exclude_from_generation:
        data["exclude_from_generation"] = True
    if event.date_text:
        data["date_text"] = event.date_text
    return data


def picture_export_path(question: Question) -> str:
    """Where an exported quiz's picture goes, relative to its YAML file: a folder named
    after the quiz, a file named after the question (names an author can read; the
    served URL stays random)."""
    extension = question.image.name.rsplit(".", 1)[-1]
    return f"{question.quiz.slug}-images/{question.slug}.{extension}"


def quiz_export_pictures(*, quiz: Quiz) -> list[tuple[str, bytes]]:
    """The picture files of `quiz_export(quiz=quiz)`: (path relative to the YAML, bytes)."""
    pictures = []
    for question in quiz.questions.exclude(image="").select_related("quiz"):
        try:
            data = picture_file_bytes(question.image.name)
        except OSError as exc:
            raise QuizContentError(
                f"question '{question.slug}': its picture file is missing ({exc})"
            ) from exc
        pictures.append((picture_export_path(question), data))
    return pictures


def _question_export(question: Question) -> dict[str, Any]:
    data: dict[str, Any] = {"slug": question.slug, "kind": question.kind, "prompt": question.prompt}
    if question.event_id is not None:
        data["event"] = question.event.slug
    data["time_limit_s"] = question.time_limit_s
    if question.points_multiplier != 1:
        data["points_multiplier"] = question.points_multiplier
    data["explanation"] = question.explanation
    choices = []
    for choice in question.choices.all():
        item: dict[str, Any] = {"text": choice.text}
        # Order questions are keyed by position, never by a flag.
        if choice.is_correct and question.kind != Question.Kind.ORDER:
            item["correct"] = True
        if choice.note:
            item["note"] = choice.note
        choices.append(item)
    if choices:
        data["choices"] = choices
    if question.answer_year is not None:
        data["answer_year"] = question.answer_year
    if question.source != Question.Source.HAND:
        data["source"] = question.source
    if question.generator_kind:
        data["generator_kind"] = question.generator_kind
    if question.image:
        data["image"] = picture_export_path(question)
        data["alt"] = question.image_alt
    return data


def quiz_export(*, quiz: Quiz) -> dict[str, Any]:
    """The quiz and its whole timeline as a seed document (docs/yaml-schema.md).

    The result is validated before it is returned, so a quiz edited into a state the
    schema rejects fails here with the schema's message instead of at the next load.
    """
    timeline = quiz.timeline
    if timeline is None:
        raise QuizContentError(
            f"quiz '{quiz.slug}' has no timeline; the YAML schema needs one to export it"
        )
    timeline_data: dict[str, Any] = {"slug": timeline.slug, "title": timeline.title}
    if timeline.description:
        timeline_data["description"] = timeline.description
    timeline_data["period"] = {"start": timeline.period_start, "end": timeline.period_end}
    if timeline.periods:
        # As stored: an unreadable list fails the validation below, by the schema's words.
        timeline_data["periods"] = timeline.periods
    if timeline.overall_verdict:
        timeline_data["overall_verdict"] = timeline.overall_verdict
    timeline_data["events"] = [_event_export(event) for event in timeline.events.all()]
    if timeline.unverified:
        timeline_data["unverified"] = _unverified_list(lint.unverified_from(timeline.unverified))

    quiz_data: dict[str, Any] = {"slug": quiz.slug, "title": quiz.title}
    if quiz.description:
        quiz_data["description"] = quiz.description
    if quiz.generator:
        quiz_data["generator"] = dict(quiz.generator)
    questions = quiz.questions.select_related("event", "quiz").prefetch_related("choices")
    quiz_data["questions"] = [_question_export(question) for question in questions]

    data = {"version": SCHEMA_VERSION, "timeline": timeline_data, "quizzes": [quiz_data]}
    try:
        validate_document(data)
    except SchemaError as exc:
        problems = "; ".join(exc.errors)
        raise QuizContentError(
            f"quiz '{quiz.slug}' cannot be exported as valid YAML: {problems}"
        ) from exc
    return data


# -- Regenerate and duplicate -------------------------------------------------------------


def _store_drafts(
    quiz: Quiz, drafts: Iterable[QuestionDraft], start: int, events: dict[str, Event]
) -> int:
    stored = 0
    for offset, draft in enumerate(drafts):
        question = Question.objects.create(
            quiz=quiz,
            slug=draft.slug,
            position=start + offset,
            kind=draft.kind,
            source=Question.Source.GENERATED,
            generator_kind=draft.generator_kind,
            event=events.get(draft.event),
            prompt=draft.prompt,
            explanation=draft.explanation,
            time_limit_s=draft.time_limit_s,
        )
        Choice.objects.bulk_create(
            Choice(
                question=question,
                position=position,
                text=choice.text,
                is_correct=choice.correct,
                note=choice.note,
            )
            for position, choice in enumerate(draft.choices)
        )
        stored += 1
    return stored


def quiz_regenerate(*, quiz: Quiz) -> int:
    """Replace the quiz's generated questions with fresh drafts from its generator
    settings and its timeline's events, after the hand-written ones. Returns how many."""
    with transaction.atomic():
        quiz = Quiz.objects.select_for_update().get(pk=quiz.pk)
        if not quiz.generator:
            raise QuizContentError(f"quiz '{quiz.slug}' has no generator settings")
        if quiz.timeline is None:
            raise QuizContentError(f"quiz '{quiz.slug}' has no timeline to generate from")
        events = list(quiz.timeline.events.all())
        quiz.questions.filter(source=Question.Source.GENERATED).delete()
        remaining = quiz.questions.select_related("event").prefetch_related("choices")
        try:
            drafts = generate_questions(
                events=events,
                config=quiz.generator,
                taken_slugs=remaining.values_list("slug", flat=True),
                existing=[question_data(question) for question in remaining],
                unverified=quiz.timeline.unverified,
            )
        except ValueError as exc:
            raise QuizContentError(f"quiz '{quiz.slug}': {exc}") from exc
        last = remaining.aggregate(last=Max("position"))["last"]
        start = 0 if last is None else last + 1
        return _store_drafts(quiz, drafts, start, {event.slug: event for event in events})


def _free_copy_slug(base: str) -> str:
    stem = f"{base}-copy"[:SLUG_MAX]
    candidate, number = stem, 2
    while Quiz.objects.filter(slug=candidate).exists():
        suffix = f"-{number}"
        candidate = f"{stem[: SLUG_MAX - len(suffix)]}{suffix}"
        number += 1
    return candidate


def quiz_duplicate(*, quiz: Quiz, new_slug: str | None = None) -> Quiz:
    """A copy of the quiz with all its questions and choices, under a new slug."""
    with transaction.atomic():
        if new_slug is None:
            new_slug = _free_copy_slug(quiz.slug)
        elif len(new_slug) > SLUG_MAX or not SLUG_RE.match(new_slug):
            raise QuizContentError(f"'{new_slug}' is not a slug")
        elif Quiz.objects.filter(slug=new_slug).exists():
            raise QuizContentError(f"a quiz with slug '{new_slug}' already exists")
        copy = Quiz.objects.create(
            slug=new_slug,
            title=f"{quiz.title} (copy)"[: Quiz._meta.get_field("title").max_length],
            description=quiz.description,
            timeline=quiz.timeline,
            generator=dict(quiz.generator),
        )
        for question in quiz.questions.prefetch_related("choices"):
            choices = list(question.choices.all())
            question.pk = None
            question.id = None
            question._state.adding = True
            question.quiz = copy
            question.save()
            Choice.objects.bulk_create(
                Choice(
                    question=question,
                    position=choice.position,
                    text=choice.text,
                    is_correct=choice.is_correct,
                    note=choice.note,
                )
                for choice in choices
            )
        return copy
