"""Parse and validate a seed YAML document (docs/yaml-schema.md) into frozen dataclasses.

Pure: no Django. Validation collects every problem it can find, each with the path of
the bad key (`timeline.events[3].year: expected a whole number`), and raises one
`SchemaError` listing them all, so an author fixes a file in one pass instead of one
error per run. The caller prefixes the file name (`SchemaError.prefixed`).
"""

from __future__ import annotations

import calendar
import dataclasses
import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from quizzes.lint import UnverifiedClaim

SCHEMA_VERSION = 1

EFFECTS = ("improved", "worsened", "neutral")
VERDICTS = ("success", "failure", "neutral")
QUESTION_KINDS = ("choice", "true_false", "order", "year_guess")
QUESTION_SOURCES = ("hand", "generated")
GENERATOR_KINDS = ("year_of_event", "event_in_year", "effect", "which_first", "actor")

TIME_LIMIT_MIN, TIME_LIMIT_MAX, TIME_LIMIT_DEFAULT = 5, 240, 20
POINTS_MULTIPLIER_MIN, POINTS_MULTIPLIER_MAX = 0, 2
YEAR_MIN, YEAR_MAX = 1, 9999
GENERATOR_COUNT_MAX = 200

# Lengths of the model columns the values end up in: a value that passes here must fit.
SLUG_MAX = 100
QUESTION_SLUG_MAX = 120
TITLE_MAX = 200
CHOICE_TEXT_MAX = 200
CHOICE_NOTE_MAX = 300
GENERATOR_KIND_MAX = 30
DATE_TEXT_MAX = 40

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TRUE_FALSE_TEXTS = ("True", "False")


class SchemaError(Exception):
    """Every problem found in one document; each entry is `path: message`."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))

    def prefixed(self, name: str) -> list[str]:
        return [f"{name}: {error}" for error in self.errors]


# -- Documents ----------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyActorDoc:
    name: str
    prompt: str
    distractors: tuple[str, ...] = ()


@dataclass(frozen=True)
class EventDoc:
    slug: str
    year: int
    title: str
    summary: str
    effect: str
    verdict: str
    month: int | None = None
    day: int | None = None
    actors: tuple[str, ...] = ()
    verdict_reason: str = ""
    correction: str = ""
    in_period: bool = True
    sources: tuple[str, ...] = ()
    key_actor: KeyActorDoc | None = None
    # Empty means every generator kind may use this event.
    generate: tuple[str, ...] = ()
    exclude_from_generation: bool = False
    # Shown instead of the date built from year/month/day where that date is uncertain.
    date_text: str = ""


@dataclass(frozen=True)
class TimelineDoc:
    slug: str
    title: str
    period_start: int
    period_end: int
    events: tuple[EventDoc, ...]
    description: str = ""
    overall_verdict: str = ""
    # Claims the fact check could not confirm; the linter refuses a question keying one.
    unverified: tuple[UnverifiedClaim, ...] = ()


@dataclass(frozen=True)
class GeneratorDoc:
    seed: int
    count: int
    kinds: tuple[str, ...] = GENERATOR_KINDS
    time_limit_s: int = TIME_LIMIT_DEFAULT

    def as_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "count": self.count,
            "kinds": list(self.kinds),
            "time_limit_s": self.time_limit_s,
        }


@dataclass(frozen=True)
class ChoiceDoc:
    text: str
    correct: bool = False
    note: str = ""


@dataclass(frozen=True)
class QuestionDoc:
    slug: str
    prompt: str
    explanation: str
    kind: str = "choice"
    event: str | None = None
    time_limit_s: int = TIME_LIMIT_DEFAULT
    points_multiplier: int = 1
    choices: tuple[ChoiceDoc, ...] = ()
    answer_year: int | None = None
    source: str = "hand"
    generator_kind: str = ""


@dataclass(frozen=True)
class QuizDoc:
    slug: str
    title: str
    description: str = ""
    generator: GeneratorDoc | None = None
    questions: tuple[QuestionDoc, ...] = ()

    @property
    def has_generated_questions(self) -> bool:
        return any(question.source == "generated" for question in self.questions)


@dataclass(frozen=True)
class SeedDocument:
    version: int
    timeline: TimelineDoc
    quizzes: tuple[QuizDoc, ...] = field(default_factory=tuple)


# -- YAML loading -------------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys (PyYAML keeps the last silently)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            duplicate = key in mapping
        except TypeError as exc:
            raise yaml.constructor.ConstructorError(
                None, None, "found an unhashable key", key_node.start_mark
            ) from exc
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _yaml_error_message(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    text = f"{context}, {problem}" if context else problem
    if mark is not None:
        return f"line {mark.line + 1}, column {mark.column + 1}: YAML syntax error: {text}"
    return f"YAML syntax error: {text}"


def parse_document(text: str) -> SeedDocument:
    """Parse YAML text and validate it; raise `SchemaError` listing every problem."""
    try:
        data = yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        raise SchemaError([_yaml_error_message(exc)]) from exc
    return validate_document(data)


def dump_document(data: dict[str, Any]) -> str:
    """YAML text for a document dict, key order kept so exports read like the seeds."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


# -- Validation ---------------------------------------------------------------------------


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a true/false value"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


_MISSING = object()


class _Validator:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path or 'document'}: {message}")

    # Each reader returns the converted value, or _MISSING after recording an error.

    def mapping(self, value: Any, path: str, allowed: tuple[str, ...]) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.error(path, f"expected a mapping, got {_describe(value)}")
            return None
        for key in value:
            if not isinstance(key, str) or key not in allowed:
                hint = ""
                if isinstance(key, str):
                    close = difflib.get_close_matches(key, allowed, n=1)
                    if close:
                        hint = f" (did you mean '{close[0]}'?)"
                key_path = f"{path}.{key}" if path else str(key)
                self.error(key_path, f"unknown key{hint}")
        return value

    def get(
        self,
        data: dict[str, Any],
        key: str,
        path: str,
        reader: Callable[[Any, str], Any],
        *,
        required: bool = False,
        default: Any = None,
    ) -> Any:
        key_path = f"{path}.{key}" if path else key
        if key not in data or data[key] is None:
            if required:
                self.error(key_path, "required")
                return _MISSING
            return default
        return reader(data[key], key_path)

    def integer(
        self, value: Any, path: str, low: int | None = None, high: int | None = None
    ) -> Any:
        # bool is a subclass of int in Python; `year: yes` must not pass as 1.
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(path, f"expected a whole number, got {_describe(value)}")
            return _MISSING
        if (low is not None and value < low) or (high is not None and value > high):
            self.error(path, f"must be between {low} and {high}, got {value}")
            return _MISSING
        return value

    def year(self, value: Any, path: str) -> Any:
        return self.integer(value, path, YEAR_MIN, YEAR_MAX)

    def boolean(self, value: Any, path: str) -> Any:
        if not isinstance(value, bool):
            self.error(path, f"expected true or false, got {_describe(value)}")
            return _MISSING
        return value

    def text(self, value: Any, path: str, *, max_length: int | None = None) -> Any:
        if not isinstance(value, str):
            hint = ""
            if isinstance(value, bool | int | float):
                hint = f' (put it in quotes: "{value}")'
            self.error(path, f"expected text, got {_describe(value)}{hint}")
            return _MISSING
        if max_length is not None and len(value) > max_length:
            self.error(path, f"too long: {len(value)} characters, at most {max_length}")
            return _MISSING
        return value

    def nonempty_text(self, value: Any, path: str, *, max_length: int | None = None) -> Any:
        result = self.text(value, path, max_length=max_length)
        if result is not _MISSING and not result.strip():
            self.error(path, "must not be empty")
            return _MISSING
        return result

    def slug(self, value: Any, path: str, *, max_length: int = SLUG_MAX) -> Any:
        result = self.text(value, path, max_length=max_length)
        if result is _MISSING:
            return result
        if not SLUG_RE.match(result):
            self.error(
                path,
                f"'{result}' is not a slug: use lowercase letters, digits and single hyphens",
            )
            return _MISSING
        return result

    def choice_of(self, value: Any, path: str, options: tuple[str, ...]) -> Any:
        if not isinstance(value, str) or value not in options:
            shown = f"'{value}'" if isinstance(value, str) else _describe(value)
            self.error(path, f"expected one of {', '.join(options)}; got {shown}")
            return _MISSING
        return value

    def text_list(self, value: Any, path: str) -> Any:
        if not isinstance(value, list):
            self.error(path, f"expected a list, got {_describe(value)}")
            return _MISSING
        items = [self.nonempty_text(item, f"{path}[{i}]") for i, item in enumerate(value)]
        if any(item is _MISSING for item in items):
            return _MISSING
        return tuple(items)

    def kinds_list(self, value: Any, path: str) -> Any:
        if not isinstance(value, list):
            self.error(path, f"expected a list, got {_describe(value)}")
            return _MISSING
        kinds = [
            self.choice_of(item, f"{path}[{i}]", GENERATOR_KINDS) for i, item in enumerate(value)
        ]
        if any(kind is _MISSING for kind in kinds):
            return _MISSING
        for i, kind in enumerate(kinds):
            if kind in kinds[:i]:
                self.error(f"{path}[{i}]", f"'{kind}' is listed twice")
                return _MISSING
        return tuple(kinds)

    # -- sections ------------------------------------------------------------------------

    def document(self, data: Any) -> SeedDocument | None:
        root = self.mapping(data, "", ("version", "timeline", "quizzes"))
        if root is None:
            return None
        version = self.get(root, "version", "", self.integer, required=True)
        if version is not _MISSING and version != SCHEMA_VERSION:
            self.error("version", f"must be {SCHEMA_VERSION}, got {version}")
        timeline = self.get(root, "timeline", "", self.timeline, required=True)
        event_slugs: set[str] = set()
        if timeline not in (_MISSING, None):
            event_slugs = {event.slug for event in timeline.events}
        quizzes = self.get(
            root,
            "quizzes",
            "",
            lambda value, path: self.quizzes(value, path, event_slugs, timeline is not _MISSING),
            default=(),
        )
        if self.errors:
            return None
        return SeedDocument(version=version, timeline=timeline, quizzes=quizzes)

    def timeline(self, value: Any, path: str) -> Any:
        data = self.mapping(
            value,
            path,
            ("slug", "title", "description", "period", "overall_verdict", "events", "unverified"),
        )
        if data is None:
            return _MISSING
        slug = self.get(data, "slug", path, self.slug, required=True)
        title = self.get(
            data,
            "title",
            path,
            lambda v, p: self.nonempty_text(v, p, max_length=TITLE_MAX),
            required=True,
        )
        description = self.get(data, "description", path, self.text, default="")
        overall_verdict = self.get(data, "overall_verdict", path, self.text, default="")
        period = self.get(data, "period", path, self.period, required=True)
        events = self.get(
            data,
            "events",
            path,
            lambda v, p: self.events(v, p, None if period is _MISSING else period),
            required=True,
        )
        event_slugs = None if events is _MISSING else {event.slug for event in events}
        unverified = self.get(
            data,
            "unverified",
            path,
            lambda v, p: self.unverified(v, p, event_slugs),
            default=(),
        )
        values = (slug, title, description, overall_verdict, period, events, unverified)
        if any(item is _MISSING for item in values):
            return _MISSING
        return TimelineDoc(
            unverified=unverified,
            slug=slug,
            title=title,
            description=description,
            overall_verdict=overall_verdict,
            period_start=period[0],
            period_end=period[1],
            events=events,
        )

    def unverified(self, value: Any, path: str, event_slugs: set[str] | None) -> Any:
        if not isinstance(value, list):
            self.error(path, f"expected a list, got {_describe(value)}")
            return _MISSING
        claims = []
        for i, item in enumerate(value):
            at = f"{path}[{i}]"
            data = self.mapping(item, at, ("claim", "match", "event"))
            if data is None:
                return _MISSING
            claim = self.get(data, "claim", at, self.nonempty_text, required=True)
            match = self.get(data, "match", at, self.text_list, required=True)
            event = self.get(data, "event", at, self.slug)
            if _MISSING in (claim, match, event):
                return _MISSING
            if not match:
                self.error(f"{at}.match", "must list at least one text to look for")
                return _MISSING
            if event is not None and event_slugs is not None and event not in event_slugs:
                self.error(f"{at}.event", f"no event with slug '{event}' in this timeline")
                return _MISSING
            claims.append(UnverifiedClaim(claim=claim, match=match, event=event))
        return tuple(claims)

    def period(self, value: Any, path: str) -> Any:
        data = self.mapping(value, path, ("start", "end"))
        if data is None:
            return _MISSING
        start = self.get(data, "start", path, self.year, required=True)
        end = self.get(data, "end", path, self.year, required=True)
        if start is _MISSING or end is _MISSING:
            return _MISSING
        if start > end:
            self.error(f"{path}.start", f"start ({start}) is after end ({end})")
            return _MISSING
        return (start, end)

    def events(self, value: Any, path: str, period: tuple[int, int] | None) -> Any:
        if isinstance(value, list) and not value:
            self.error(path, "must list at least one event")
            return _MISSING
        return self.slugged_list(value, path, lambda item, at: self.event(item, at, period))

    def slugged_list(self, value: Any, path: str, parse: Callable[[Any, str], Any]) -> Any:
        """Parse each item of a list whose items are keyed by a slug unique in the list."""
        if not isinstance(value, list):
            self.error(path, f"expected a list, got {_describe(value)}")
            return _MISSING
        items = [parse(item, f"{path}[{i}]") for i, item in enumerate(value)]
        seen: dict[str, int] = {}
        for i, item in enumerate(items):
            if item is _MISSING:
                continue
            if item.slug in seen:
                self.error(
                    f"{path}[{i}].slug",
                    f"duplicate slug '{item.slug}' (also at {path}[{seen[item.slug]}])",
                )
            else:
                seen[item.slug] = i
        if any(item is _MISSING for item in items) or len(seen) != len(items):
            return _MISSING
        return tuple(items)

    def event(self, value: Any, path: str, period: tuple[int, int] | None) -> Any:
        data = self.mapping(
            value,
            path,
            (
                "slug",
                "year",
                "month",
                "day",
                "title",
                "summary",
                "actors",
                "effect",
                "verdict",
                "verdict_reason",
                "correction",
                "in_period",
                "sources",
                "key_actor",
                "generate",
                "exclude_from_generation",
                "date_text",
            ),
        )
        if data is None:
            return _MISSING
        values = {
            "slug": self.get(data, "slug", path, self.slug, required=True),
            "year": self.get(data, "year", path, self.year, required=True),
            "month": self.get(data, "month", path, lambda v, p: self.integer(v, p, 1, 12)),
            "day": self.get(data, "day", path, lambda v, p: self.integer(v, p, 1, 31)),
            "title": self.get(
                data,
                "title",
                path,
                lambda v, p: self.nonempty_text(v, p, max_length=TITLE_MAX),
                required=True,
            ),
            "summary": self.get(data, "summary", path, self.nonempty_text, required=True),
            "actors": self.get(data, "actors", path, self.text_list, default=()),
            "effect": self.get(
                data, "effect", path, lambda v, p: self.choice_of(v, p, EFFECTS), required=True
            ),
            "verdict": self.get(
                data, "verdict", path, lambda v, p: self.choice_of(v, p, VERDICTS), required=True
            ),
            "verdict_reason": self.get(data, "verdict_reason", path, self.text, default=""),
            "correction": self.get(data, "correction", path, self.text, default=""),
            "in_period": self.get(data, "in_period", path, self.boolean, default=True),
            "sources": self.get(data, "sources", path, self.text_list, default=()),
            "key_actor": self.get(data, "key_actor", path, self.key_actor),
            "generate": self.get(data, "generate", path, self.kinds_list, default=()),
            "exclude_from_generation": self.get(
                data, "exclude_from_generation", path, self.boolean, default=False
            ),
            "date_text": self.get(
                data,
                "date_text",
                path,
                lambda v, p: self.text(v, p, max_length=DATE_TEXT_MAX),
                default="",
            ),
        }
        if any(item is _MISSING for item in values.values()):
            return _MISSING
        year, month, day = values["year"], values["month"], values["day"]
        if day is not None and month is None:
            self.error(f"{path}.day", "a day needs a month")
            return _MISSING
        if day is not None and day > calendar.monthrange(year, month)[1]:
            self.error(f"{path}.day", f"{calendar.month_name[month]} {year} has no day {day}")
            return _MISSING
        if period is not None and values["in_period"] and not period[0] <= year <= period[1]:
            self.error(
                f"{path}.year",
                f"{year} is outside the period {period[0]}-{period[1]}; "
                "set in_period: false for context events",
            )
            return _MISSING
        return EventDoc(**values)

    def key_actor(self, value: Any, path: str) -> Any:
        data = self.mapping(value, path, ("name", "prompt", "distractors"))
        if data is None:
            return _MISSING
        name = self.get(
            data,
            "name",
            path,
            lambda v, p: self.nonempty_text(v, p, max_length=CHOICE_TEXT_MAX),
            required=True,
        )
        prompt = self.get(data, "prompt", path, self.nonempty_text, required=True)
        distractors = self.get(data, "distractors", path, self.text_list, default=())
        if _MISSING in (name, prompt, distractors):
            return _MISSING
        seen = {name.casefold()}
        for i, distractor in enumerate(distractors):
            item_path = f"{path}.distractors[{i}]"
            if len(distractor) > CHOICE_TEXT_MAX:
                self.error(item_path, f"too long: at most {CHOICE_TEXT_MAX} characters")
                return _MISSING
            if distractor.casefold() in seen:
                what = (
                    "the key actor's name"
                    if distractor.casefold() == name.casefold()
                    else "a repeat"
                )
                self.error(item_path, f"'{distractor}' is {what}")
                return _MISSING
            seen.add(distractor.casefold())
        return KeyActorDoc(name=name, prompt=prompt, distractors=distractors)

    def quizzes(self, value: Any, path: str, event_slugs: set[str], check_events: bool) -> Any:
        return self.slugged_list(
            value, path, lambda item, at: self.quiz(item, at, event_slugs, check_events)
        )

    def quiz(self, value: Any, path: str, event_slugs: set[str], check_events: bool) -> Any:
        data = self.mapping(value, path, ("slug", "title", "description", "generator", "questions"))
        if data is None:
            return _MISSING
        slug = self.get(data, "slug", path, self.slug, required=True)
        title = self.get(
            data,
            "title",
            path,
            lambda v, p: self.nonempty_text(v, p, max_length=TITLE_MAX),
            required=True,
        )
        description = self.get(data, "description", path, self.text, default="")
        generator = self.get(data, "generator", path, self.generator)
        questions = self.get(
            data,
            "questions",
            path,
            lambda v, p: self.questions(v, p, event_slugs, check_events),
            default=(),
        )
        if _MISSING in (slug, title, description, generator, questions):
            return _MISSING
        if not questions and generator is None:
            self.error(f"{path}.questions", "a quiz needs questions or a generator block")
            return _MISSING
        return QuizDoc(
            slug=slug,
            title=title,
            description=description,
            generator=generator,
            questions=questions,
        )

    def generator(self, value: Any, path: str) -> Any:
        data = self.mapping(value, path, ("seed", "count", "kinds", "time_limit_s"))
        if data is None:
            return _MISSING
        seed = self.get(data, "seed", path, self.integer, required=True)
        count = self.get(
            data,
            "count",
            path,
            lambda v, p: self.integer(v, p, 1, GENERATOR_COUNT_MAX),
            required=True,
        )
        kinds = self.get(data, "kinds", path, self.kinds_list, default=GENERATOR_KINDS)
        time_limit = self.get(
            data,
            "time_limit_s",
            path,
            lambda v, p: self.integer(v, p, TIME_LIMIT_MIN, TIME_LIMIT_MAX),
            default=TIME_LIMIT_DEFAULT,
        )
        if _MISSING in (seed, count, kinds, time_limit):
            return _MISSING
        if not kinds:
            self.error(f"{path}.kinds", "must list at least one kind")
            return _MISSING
        return GeneratorDoc(seed=seed, count=count, kinds=kinds, time_limit_s=time_limit)

    def questions(self, value: Any, path: str, event_slugs: set[str], check_events: bool) -> Any:
        return self.slugged_list(
            value, path, lambda item, at: self.question(item, at, event_slugs, check_events)
        )

    def question(self, value: Any, path: str, event_slugs: set[str], check_events: bool) -> Any:
        data = self.mapping(
            value,
            path,
            (
                "slug",
                "kind",
                "prompt",
                "event",
                "time_limit_s",
                "points_multiplier",
                "explanation",
                "choices",
                "answer_year",
                "source",
                "generator_kind",
            ),
        )
        if data is None:
            return _MISSING

        def event_ref(v: Any, p: str) -> Any:
            slug = self.slug(v, p)
            if slug is not _MISSING and check_events and slug not in event_slugs:
                self.error(p, f"no event with slug '{slug}' in this file's timeline")
                return _MISSING
            return slug

        values = {
            "slug": self.get(
                data,
                "slug",
                path,
                lambda v, p: self.slug(v, p, max_length=QUESTION_SLUG_MAX),
                required=True,
            ),
            "kind": self.get(
                data,
                "kind",
                path,
                lambda v, p: self.choice_of(v, p, QUESTION_KINDS),
                default="choice",
            ),
            "prompt": self.get(data, "prompt", path, self.nonempty_text, required=True),
            "event": self.get(data, "event", path, event_ref),
            "time_limit_s": self.get(
                data,
                "time_limit_s",
                path,
                lambda v, p: self.integer(v, p, TIME_LIMIT_MIN, TIME_LIMIT_MAX),
                default=TIME_LIMIT_DEFAULT,
            ),
            "points_multiplier": self.get(
                data,
                "points_multiplier",
                path,
                lambda v, p: self.integer(v, p, POINTS_MULTIPLIER_MIN, POINTS_MULTIPLIER_MAX),
                default=1,
            ),
            "explanation": self.get(data, "explanation", path, self.nonempty_text, required=True),
            "answer_year": self.get(data, "answer_year", path, self.year),
            "source": self.get(
                data,
                "source",
                path,
                lambda v, p: self.choice_of(v, p, QUESTION_SOURCES),
                default="hand",
            ),
            "generator_kind": self.get(
                data,
                "generator_kind",
                path,
                lambda v, p: self.text(v, p, max_length=GENERATOR_KIND_MAX),
                default="",
            ),
        }
        raw_choices = data.get("choices")
        choices = self.get(data, "choices", path, self.choices, default=())
        if any(item is _MISSING for item in values.values()) or choices is _MISSING:
            return _MISSING
        kind = values["kind"]
        if not self.kind_rules(kind, choices, raw_choices, values["answer_year"], path):
            return _MISSING
        source, generator_kind = values["source"], values["generator_kind"]
        if source == "generated" and generator_kind not in GENERATOR_KINDS:
            self.error(
                f"{path}.generator_kind",
                f"a generated question needs one of {', '.join(GENERATOR_KINDS)}",
            )
            return _MISSING
        if source == "hand" and generator_kind:
            self.error(f"{path}.generator_kind", "only generated questions have a generator_kind")
            return _MISSING
        return QuestionDoc(choices=choices, **values)

    def choices(self, value: Any, path: str) -> Any:
        if not isinstance(value, list):
            self.error(path, f"expected a list, got {_describe(value)}")
            return _MISSING
        choices = [self.choice(item, f"{path}[{i}]") for i, item in enumerate(value)]
        if any(choice is _MISSING for choice in choices):
            return _MISSING
        seen: dict[str, int] = {}
        for i, choice in enumerate(choices):
            key = choice.text.strip().casefold()
            if key in seen:
                self.error(
                    f"{path}[{i}].text",
                    f"'{choice.text}' repeats {path}[{seen[key]}]",
                )
                return _MISSING
            seen[key] = i
        return tuple(choices)

    def choice(self, value: Any, path: str) -> Any:
        data = self.mapping(value, path, ("text", "correct", "note"))
        if data is None:
            return _MISSING
        text = self.get(
            data,
            "text",
            path,
            lambda v, p: self.nonempty_text(v, p, max_length=CHOICE_TEXT_MAX),
            required=True,
        )
        correct = self.get(data, "correct", path, self.boolean, default=False)
        note = self.get(
            data,
            "note",
            path,
            lambda v, p: self.text(v, p, max_length=CHOICE_NOTE_MAX),
            default="",
        )
        if _MISSING in (text, correct, note):
            return _MISSING
        return ChoiceDoc(text=text, correct=correct, note=note)

    def kind_rules(
        self,
        kind: str,
        choices: tuple[ChoiceDoc, ...],
        raw_choices: Any,
        answer_year: int | None,
        path: str,
    ) -> bool:
        choices_path = f"{path}.choices"
        correct = sum(1 for choice in choices if choice.correct)
        ok = True
        if kind != "year_guess" and answer_year is not None:
            self.error(f"{path}.answer_year", "only year_guess questions have an answer_year")
            ok = False
        if kind == "choice":
            if not 2 <= len(choices) <= 4:
                self.error(choices_path, f"a choice question needs 2-4 choices, got {len(choices)}")
                ok = False
            elif correct != 1:
                self.error(choices_path, f"exactly one choice must be correct, got {correct}")
                ok = False
        elif kind == "true_false":
            texts = sorted(choice.text for choice in choices)
            if texts != sorted(TRUE_FALSE_TEXTS):
                self.error(
                    choices_path,
                    'a true_false question has exactly two choices, "True" and "False"',
                )
                ok = False
            elif correct != 1:
                self.error(choices_path, f"exactly one choice must be correct, got {correct}")
                ok = False
        elif kind == "order":
            if not 3 <= len(choices) <= 4:
                self.error(choices_path, f"an order question needs 3-4 choices, got {len(choices)}")
                ok = False
            flagged = [
                i
                for i, item in enumerate(raw_choices or [])
                if isinstance(item, dict) and "correct" in item
            ]
            if flagged:
                self.error(
                    f"{choices_path}[{flagged[0]}].correct",
                    "order questions have no correct flags: list the choices in the right order",
                )
                ok = False
        elif kind == "year_guess":
            if choices:
                self.error(choices_path, "year_guess questions have no choices")
                ok = False
            if answer_year is None:
                self.error(f"{path}.answer_year", "required for year_guess questions")
                ok = False
        return ok


def validate_document(data: Any) -> SeedDocument:
    """Validate already-parsed YAML data; raise `SchemaError` listing every problem."""
    validator = _Validator()
    document = validator.document(data)
    if validator.errors or document is None:
        raise SchemaError(validator.errors or ["the document is empty"])
    return document


def _comparable(timeline: TimelineDoc) -> TimelineDoc:
    # Event order in a file carries no meaning (events are sorted by date everywhere).
    events = tuple(sorted(timeline.events, key=lambda event: event.slug))
    return dataclasses.replace(timeline, events=events)


def cross_document_errors(named: Sequence[tuple[str, SeedDocument]]) -> list[str]:
    """Conflicts between documents loaded together, each message prefixed by its name.

    A quiz slug may appear in one document only. A timeline may appear in several (an
    exported second quiz carries its timeline along) provided every copy is the same,
    since each load of a timeline makes the database match that copy.
    """
    errors: list[str] = []
    timelines: dict[str, tuple[str, TimelineDoc]] = {}
    quizzes: dict[str, str] = {}
    for name, document in named:
        timeline = document.timeline
        first_name, first = timelines.setdefault(timeline.slug, (name, timeline))
        if first_name != name and _comparable(first) != _comparable(timeline):
            errors.append(
                f"{name}: timeline.slug: timeline '{timeline.slug}' is also defined in "
                f"{first_name}, differently; every copy of a timeline must be the same"
            )
        for index, quiz in enumerate(document.quizzes):
            other = quizzes.setdefault(quiz.slug, name)
            if other != name:
                errors.append(
                    f"{name}: quizzes[{index}].slug: quiz '{quiz.slug}' is also defined in {other}"
                )
    return errors


def validate_questions(data: Any) -> tuple[QuestionDoc, ...]:
    """Validate a list of question mappings (the `questions` of a quiz) on their own, by
    the same rules as a seed file; raise `SchemaError` listing every problem. Paths
    start at `questions[i]`. Used by the spreadsheet importer before it writes."""
    validator = _Validator()
    questions = validator.questions(data, "questions", set(), False)
    if validator.errors or questions is _MISSING:
        raise SchemaError(validator.errors or ["questions: expected a list"])
    return questions
