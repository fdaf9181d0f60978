"""Generate multiple-choice questions from a timeline's events.

Pure and deterministic: the same events and config give the same drafts, because every
random choice comes from a `random.Random` seeded with the config's seed (plus the
question's kind and event, so adding one event does not reshuffle every other question).

Distractor rules (docs: /work/shared/seed-facts.md section (c)): every wrong option is a
real value of a *different* event (its year, its title, its key figure), never equal to
the key and never repeated, and each carries a note saying where it really belongs so
the reveal can explain why it is wrong.

Every candidate also goes through the quiz linter (`quizzes/lint.py`) against the quiz
it would join (the hand-written questions and the drafts already chosen): a draft with
any finding, such as a repeat of a hand-written question or a title that states the
effect, is dropped and the next candidate of that kind is tried.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from quizzes import lint
from quizzes.schema_fields import GENERATOR_KINDS, TIME_LIMIT_DEFAULT

MAX_DISTRACTORS = 3
# "Same era": distractor years are drawn from the other events nearest in time.
ERA_POOL_SIZE = 6

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

EFFECT_TEXTS = {
    "improved": "Improved relations",
    "worsened": "Worsened relations",
    "neutral": "Little real change",
}
# The verdict is the model answer's judgement, so the reveal says whose it is.
VERDICT_TEXTS = {
    "success": "The model answer counts this as a success.",
    "failure": "The model answer counts this as a failure.",
    "neutral": "Neither a clear success nor a failure.",
}


@dataclass(frozen=True)
class ChoiceDraft:
    text: str
    correct: bool
    note: str = ""


@dataclass(frozen=True)
class QuestionDraft:
    slug: str
    generator_kind: str
    prompt: str
    event: str
    time_limit_s: int
    explanation: str
    choices: tuple[ChoiceDraft, ...]
    kind: str = "choice"


@dataclass(frozen=True)
class GeneratorConfig:
    seed: int
    count: int
    kinds: tuple[str, ...] = GENERATOR_KINDS
    time_limit_s: int = TIME_LIMIT_DEFAULT


@dataclass(frozen=True)
class _Event:
    slug: str
    year: int
    month: int | None
    day: int | None
    title: str
    summary: str
    effect: str
    verdict: str
    verdict_reason: str
    actors: tuple[str, ...]
    in_period: bool
    generate: tuple[str, ...]
    exclude_from_generation: bool
    key_actor_name: str
    key_actor_prompt: str
    key_actor_distractors: tuple[str, ...]
    # Shown instead of the computed date where the date is uncertain ("mid-1980s").
    date_text: str = ""

    @property
    def sort_key(self) -> tuple[int, int, int, str]:
        return (self.year, self.month or 0, self.day or 0, self.slug)

    @property
    def date_label(self) -> str:
        if self.date_text:
            return self.date_text
        if self.month and self.day:
            return f"{self.day} {MONTHS[self.month - 1]} {self.year}"
        if self.month:
            return f"{MONTHS[self.month - 1]} {self.year}"
        return str(self.year)

    @property
    def when(self) -> str:
        exact_day = self.day and not self.date_text
        return f"on {self.date_label}" if exact_day else f"in {self.date_label}"

    @property
    def usable(self) -> bool:
        return self.in_period and not self.exclude_from_generation

    def allows(self, kind: str) -> bool:
        return self.usable and (not self.generate or kind in self.generate)


def _read(source: Any, name: str, default: Any = None) -> Any:
    if isinstance(source, Mapping):
        return source.get(name, default)
    return getattr(source, name, default)


def _event(source: Any) -> _Event:
    """Accept an EventDoc, an Event model instance or a plain dict."""
    key_actor = _read(source, "key_actor") or {}
    generate = _read(source, "generate")
    if generate is None:
        generate = _read(source, "generate_kinds", ())
    return _Event(
        slug=_read(source, "slug"),
        year=int(_read(source, "year")),
        month=_read(source, "month"),
        day=_read(source, "day"),
        title=_read(source, "title"),
        summary=_read(source, "summary", "") or "",
        effect=_read(source, "effect"),
        verdict=_read(source, "verdict"),
        verdict_reason=_read(source, "verdict_reason", "") or "",
        actors=tuple(_read(source, "actors", ()) or ()),
        in_period=bool(_read(source, "in_period", True)),
        generate=tuple(generate or ()),
        exclude_from_generation=bool(_read(source, "exclude_from_generation", False)),
        key_actor_name=_read(key_actor, "name", "") or "",
        key_actor_prompt=_read(key_actor, "prompt", "") or "",
        key_actor_distractors=tuple(_read(key_actor, "distractors", ()) or ()),
        date_text=_read(source, "date_text", "") or "",
    )


def config_from(source: Any) -> GeneratorConfig:
    """Accept a GeneratorDoc, a GeneratorConfig or the dict stored on `Quiz.generator`."""
    kinds = _read(source, "kinds") or GENERATOR_KINDS
    if isinstance(kinds, str) or not isinstance(kinds, Sequence):
        raise ValueError("the generator's kinds must be a list")
    unknown = [kind for kind in kinds if kind not in GENERATOR_KINDS]
    if unknown:
        raise ValueError(f"unknown generator kinds: {', '.join(unknown)}")
    seed = _read(source, "seed")
    count = _read(source, "count")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError("the generator needs a whole-number seed")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError("the generator needs a count of at least 1")
    return GeneratorConfig(
        seed=seed,
        count=count,
        kinds=tuple(kinds),
        time_limit_s=_read(source, "time_limit_s") or TIME_LIMIT_DEFAULT,
    )


def _slug(kind: str, event: _Event) -> str:
    return f"gen-{kind.replace('_', '-')}-{event.slug}"


def _verdict_sentence(event: _Event) -> str:
    verdict = VERDICT_TEXTS.get(event.verdict, event.verdict)
    reason = event.verdict_reason.strip()
    if not reason:
        return verdict
    if event.verdict == "neutral" and "verdict" in reason.casefold():
        # "The model answer ... gives no verdict": saying "neither" too would repeat it.
        return reason
    return f"{verdict} {reason}"


def _explanation(event: _Event) -> str:
    # The date, the title and the verdict with its reason: about as long as a
    # hand-written reveal. The whole summary made reveals of 430-590 characters.
    return f"{event.date_label}: {event.title}. {_verdict_sentence(event)}"


def _gives_away_year(event: _Event) -> bool:
    """A title such as "The 1971 war" would answer its own year question."""
    return str(event.year) in event.title


def _names_overlap(candidate: str, actors: Iterable[str]) -> bool:
    """Whether `candidate` names someone in an event's actors list ("Kosygin" vs
    "Alexei Kosygin (Soviet Premier)"); erring towards "yes" only drops a distractor."""
    wanted = candidate.casefold().strip()
    for actor in actors:
        base = actor.split("(")[0].strip().casefold()
        if not base:
            continue
        if wanted in actor.casefold() or base in wanted:
            return True
    return False


class _Builder:
    def __init__(self, events: Sequence[_Event], config: GeneratorConfig) -> None:
        self.events = sorted(events, key=lambda event: event.sort_key)
        self.config = config
        # Only events a question may be about can lend their facts to distractors:
        # an excluded or epilogue event is excluded because its facts are unsafe or off-topic.
        self.pool = [event for event in self.events if event.usable]

    def rng(self, kind: str, event: _Event) -> random.Random:
        # str seeds are hashed with SHA-512 by random.seed, so this is stable across runs.
        return random.Random(f"{self.config.seed}:{kind}:{event.slug}")

    def draft(
        self,
        kind: str,
        event: _Event,
        prompt: str,
        explanation: str,
        choices: list[ChoiceDraft],
    ) -> QuestionDraft:
        return QuestionDraft(
            slug=_slug(kind, event),
            generator_kind=kind,
            prompt=prompt,
            event=event.slug,
            time_limit_s=self.config.time_limit_s,
            explanation=explanation,
            choices=tuple(choices),
        )

    def year_of_event(self, event: _Event) -> QuestionDraft | None:
        if _gives_away_year(event):
            return None
        rng = self.rng("year_of_event", event)
        by_year: dict[int, _Event] = {}
        for other in self.pool:
            if other.year != event.year and other.year not in by_year:
                by_year[other.year] = other
        nearest = sorted(by_year, key=lambda year: (abs(year - event.year), year))
        picked = rng.sample(nearest[:ERA_POOL_SIZE], min(MAX_DISTRACTORS, len(nearest)))
        if not picked:
            return None
        choices = [ChoiceDraft(text=str(event.year), correct=True)]
        for year in picked:
            other = by_year[year]
            choices.append(
                ChoiceDraft(text=str(year), correct=False, note=f"{year}: {other.title}")
            )
        choices.sort(key=lambda choice: int(choice.text))
        return self.draft(
            "year_of_event",
            event,
            f"In which year did this happen: {event.title}?",
            _explanation(event),
            choices,
        )

    def event_in_year(self, event: _Event) -> QuestionDraft | None:
        if _gives_away_year(event):
            return None
        rng = self.rng("event_in_year", event)
        seen = {event.title.casefold()}
        others = []
        for other in self.pool:
            if other.year == event.year or other.title.casefold() in seen:
                continue
            seen.add(other.title.casefold())
            others.append(other)
        picked = rng.sample(others, min(MAX_DISTRACTORS, len(others)))
        if not picked:
            return None
        choices = [ChoiceDraft(text=event.title, correct=True)]
        choices += [
            ChoiceDraft(text=other.title, correct=False, note=f"That happened {other.when}.")
            for other in picked
        ]
        rng.shuffle(choices)
        return self.draft(
            "event_in_year",
            event,
            f"Which of these happened in {event.year}?",
            _explanation(event),
            choices,
        )

    def effect(self, event: _Event) -> QuestionDraft | None:
        if event.effect not in EFFECT_TEXTS:
            return None
        options = ["improved", "worsened"] + (["neutral"] if event.effect == "neutral" else [])
        choices = [
            ChoiceDraft(
                text=EFFECT_TEXTS[option],
                correct=option == event.effect,
                note=""
                if option == event.effect
                else f"Not this time: the answer is '{EFFECT_TEXTS[event.effect]}'.",
            )
            for option in options
        ]
        effect_sentence = {
            "improved": "It improved relations with the USSR.",
            "worsened": "It worsened relations with the USSR.",
            "neutral": "It changed relations with the USSR very little.",
        }[event.effect]
        return self.draft(
            "effect",
            event,
            f"{event.date_label}: {event.title}. "
            "Did this improve or worsen relations with the USSR?",
            f"{effect_sentence} {_explanation(event)}",
            choices,
        )

    def which_first(self, event: _Event) -> QuestionDraft | None:
        rng = self.rng("which_first", event)
        others = [
            other
            for other in self.pool
            if other.year != event.year and other.title.casefold() != event.title.casefold()
        ]
        if not others:
            return None
        nearest = sorted(others, key=lambda other: (abs(other.year - event.year), other.sort_key))
        partner = rng.choice(nearest[:ERA_POOL_SIZE])
        first, second = sorted((event, partner), key=lambda item: item.sort_key)
        choices = [
            ChoiceDraft(text=first.title, correct=True),
            ChoiceDraft(
                text=second.title,
                correct=False,
                note=f"That came later, {second.when}.",
            ),
        ]
        rng.shuffle(choices)
        # Both titles and dates are already said: repeating the event's own title and
        # summary made these the longest reveals of the quiz.
        explanation = (
            f"First came “{first.title}” ({first.date_label}), then “{second.title}” "
            f"({second.date_label}). {_verdict_sentence(event)}"
        )
        return self.draft("which_first", event, "Which came first?", explanation, choices)

    def actor(self, event: _Event) -> QuestionDraft | None:
        if not (event.key_actor_name and event.key_actor_prompt):
            return None
        rng = self.rng("actor", event)
        key = event.key_actor_name
        seen = {key.casefold()}
        distractors: list[ChoiceDraft] = []
        for name in event.key_actor_distractors:
            if name.casefold() in seen:
                continue
            seen.add(name.casefold())
            distractors.append(
                ChoiceDraft(
                    text=name, correct=False, note="A real figure, but not the answer here."
                )
            )
        if len(distractors) < MAX_DISTRACTORS:
            fallback = []
            for other in self.pool:
                name = other.key_actor_name
                if (
                    other.slug == event.slug
                    or not name
                    or name.casefold() in seen
                    or _names_overlap(name, event.actors)
                ):
                    continue
                seen.add(name.casefold())
                fallback.append(
                    ChoiceDraft(
                        text=name,
                        correct=False,
                        # Not the other event's title: the note would answer the
                        # question about that event later in the quiz.
                        note=f"A key figure of another event, in {other.year}.",
                    )
                )
            rng.shuffle(fallback)
            distractors += fallback[: MAX_DISTRACTORS - len(distractors)]
        if not distractors:
            return None
        choices = [ChoiceDraft(text=key, correct=True), *distractors[:MAX_DISTRACTORS]]
        rng.shuffle(choices)
        return self.draft("actor", event, event.key_actor_prompt, _explanation(event), choices)


def _lint_question(draft: QuestionDraft) -> lint.LintQuestion:
    return dataclasses.replace(lint.question_from(draft), source="generated")


def _lint_event(event: _Event) -> lint.LintEvent:
    return lint.LintEvent(
        slug=event.slug,
        year=event.year,
        title=event.title,
        effect=event.effect,
        verdict=event.verdict,
        month=event.month,
        day=event.day,
        key_actor=event.key_actor_name,
    )


def generate_questions(
    *,
    events: Iterable[Any],
    config: Any,
    taken_slugs: Iterable[str] = (),
    existing: Iterable[Any] = (),
    unverified: Any = (),
) -> list[QuestionDraft]:
    """Up to `config.count` drafts, the kinds taken in turn so a short quiz still mixes
    them, and each turn preferring an event not yet asked about. Slugs in `taken_slugs`
    (the quiz's hand-written questions) are never produced.

    `existing` are the questions the drafts will join (QuestionDocs, lint questions or
    dicts) and `unverified` the timeline's unverified claims: a draft the linter finds
    anything wrong with, alone or next to them, is dropped."""
    config = config_from(config)
    builder = _Builder([_event(event) for event in events], config)
    taken = set(taken_slugs)
    context = [lint.question_from(question) for question in existing]
    quiz = lint.LintQuiz(
        slug="",
        questions=(),
        events=tuple(_lint_event(event) for event in builder.events),
        unverified=lint.unverified_from(list(unverified or ())),
    )
    rng = random.Random(config.seed)
    queues: dict[str, list[QuestionDraft]] = {}
    for kind in config.kinds:
        make = getattr(builder, kind)
        drafts = []
        for event in builder.events:
            if not event.allows(kind) or _slug(kind, event) in taken:
                continue
            draft = make(event)
            if draft is not None:
                drafts.append(draft)
        rng.shuffle(drafts)
        queues[kind] = drafts
    chosen: list[QuestionDraft] = []
    used_events: set[str] = set()

    def passes(draft: QuestionDraft) -> bool:
        current = lint.LintQuiz(
            slug=quiz.slug,
            questions=tuple(context),
            events=quiz.events,
            unverified=quiz.unverified,
        )
        candidate = _lint_question(draft)
        if lint.lint_candidate(candidate, current):
            return False
        context.append(candidate)
        return True

    while len(chosen) < config.count and any(queues.values()):
        for kind in config.kinds:
            queue = queues[kind]
            while queue and len(chosen) < config.count:
                index = next(
                    (i for i, draft in enumerate(queue) if draft.event not in used_events), 0
                )
                draft = queue.pop(index)
                if passes(draft):
                    chosen.append(draft)
                    used_events.add(draft.event)
                    break
    return chosen
