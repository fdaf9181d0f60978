"""The quiz linter's adapter from the database: rows in, `quizzes.lint` data out.

Thin on purpose: every rule lives in the pure `quizzes/lint.py`.
"""

from __future__ import annotations

from quizzes import lint
from quizzes.models import Question, Quiz


def question_data(question: Question) -> lint.LintQuestion:
    """One question row (its choices prefetched, ideally) as lint input."""
    return lint.LintQuestion(
        slug=question.slug,
        kind=question.kind,
        prompt=question.prompt,
        explanation=question.explanation,
        choices=tuple(
            lint.LintChoice(text=choice.text, correct=choice.is_correct, note=choice.note)
            for choice in question.choices.all()
        ),
        answer_year=question.answer_year,
        time_limit_s=question.time_limit_s,
        event=question.event.slug if question.event_id else None,
        source=question.source,
    )


def quiz_data(quiz: Quiz) -> lint.LintQuiz:
    """The quiz with its questions in order, its timeline's events and unverified claims.

    A malformed `unverified` value (only possible by writing around the model's
    validator) lints as no claims rather than breaking the admin page."""
    timeline = quiz.timeline
    questions = quiz.questions.select_related("event").prefetch_related("choices")
    events: tuple[lint.LintEvent, ...] = ()
    unverified: tuple[lint.UnverifiedClaim, ...] = ()
    if timeline is not None:
        events = tuple(lint.event_from(event) for event in timeline.events.all())
        try:
            unverified = lint.unverified_from(timeline.unverified)
        except ValueError:
            unverified = ()
    return lint.LintQuiz(
        slug=quiz.slug,
        questions=tuple(question_data(question) for question in questions),
        events=events,
        unverified=unverified,
    )


def quiz_findings(quiz: Quiz) -> list[lint.Finding]:
    return lint.lint_quiz(quiz_data(quiz))


def question_findings(question: Question) -> list[lint.Finding]:
    """The findings of the whole quiz that name this question."""
    findings = quiz_findings(question.quiz)
    return [finding for finding in findings if finding.question == question.slug]
