"""The frozen dataclasses a seed document is read into (`quizzes/yaml_schema.py`).

No defaults here: the validator gives every attribute a value, an absent key its
table's default (`quizzes/schema_fields.TABLES[...].defaults()`), so defaults are
written in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quizzes.lint import UnverifiedClaim
from quizzes.periods import Period


@dataclass(frozen=True)
class KeyActorDoc:
    name: str
    prompt: str
    distractors: tuple[str, ...]


@dataclass(frozen=True)
class EventDoc:
    slug: str
    year: int
    month: int | None
    day: int | None
    title: str
    summary: str
    actors: tuple[str, ...]
    effect: str
    verdict: str
    verdict_reason: str
    correction: str
    in_period: bool
    sources: tuple[str, ...]
    key_actor: KeyActorDoc | None
    # Empty means every generator kind may use this event.
    generate: tuple[str, ...]
    exclude_from_generation: bool
    # Shown instead of the date built from year/month/day where that date is uncertain.
    date_text: str


@dataclass(frozen=True)
class TimelineDoc:
    slug: str
    title: str
    description: str
    overall_verdict: str
    period_start: int
    period_end: int
    # The parts the period is taught in, in order (quizzes/periods.py); may be empty.
    periods: tuple[Period, ...]
    events: tuple[EventDoc, ...]
    # Claims the fact check could not confirm; the linter refuses a question keying one.
    unverified: tuple[UnverifiedClaim, ...]


@dataclass(frozen=True)
class GeneratorDoc:
    seed: int
    count: int
    kinds: tuple[str, ...]
    time_limit_s: int

    def as_dict(self) -> dict[str, Any]:
        """As stored in `Quiz.generator` (JSON) and written to YAML."""
        return {
            "seed": self.seed,
            "count": self.count,
            "kinds": list(self.kinds),
            "time_limit_s": self.time_limit_s,
        }


@dataclass(frozen=True)
class ChoiceDoc:
    text: str
    correct: bool
    note: str


@dataclass(frozen=True)
class QuestionDoc:
    slug: str
    kind: str
    prompt: str
    event: str | None
    time_limit_s: int
    points_multiplier: int
    explanation: str
    answer_year: int | None
    source: str
    generator_kind: str
    choices: tuple[ChoiceDoc, ...]
    # The picture's path relative to the YAML file, or None; its alt text ("" without).
    image: str | None
    alt: str


@dataclass(frozen=True)
class QuizDoc:
    slug: str
    title: str
    description: str
    generator: GeneratorDoc | None
    questions: tuple[QuestionDoc, ...]

    @property
    def has_generated_questions(self) -> bool:
        return any(question.source == "generated" for question in self.questions)


@dataclass(frozen=True)
class SeedDocument:
    version: int
    timeline: TimelineDoc
    quizzes: tuple[QuizDoc, ...]
