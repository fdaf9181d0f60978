"""Parse and validate a seed YAML document (docs/yaml-schema.md) into frozen dataclasses.

Pure: no Django. The keys of every section, their types, defaults and limits are the
tables of `quizzes/schema_fields.py`; this module reads a document by those tables (one
reader a field type), then checks what ties fields together (`_CHECKS`: a day needs
a month, an event lies in the period, ...) and each question kind's authoring rules
(`KIND_RULES`, one function a kind).

Validation collects every problem it can find, each with the path of the bad key
(`timeline.events[3].year: expected a whole number`), and raises one `SchemaError`
listing them all, so an author fixes a file in one pass instead of one error per run.
A value that is itself wrong is not checked against its neighbours (a day is not
checked against a month that is not a number). The caller prefixes the file name
(`SchemaError.prefixed`).

The tables live in `schema_fields.py` and the documents in `seed_documents.py`; what
is left here (about 600 lines) is one pass over one document: the YAML loader,
a reader a type, the checks across fields and the kind rules, which share the
validator's error list and paths. A section's values may be completed from elsewhere in
the document once they pass (`_FILLS`: a verdict question's explanation from its
event's verdict_reason).
"""

from __future__ import annotations

import calendar
import dataclasses
import difflib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import yaml

from quizzes import periods as timeline_periods
from quizzes.kinds import VERDICT, VERDICT_CHOICES
from quizzes.lint import UnverifiedClaim
from quizzes.schema_fields import (
    GENERATOR_KINDS,
    PICTURE_PATH_RE,
    SCHEMA_VERSION,
    SLUG_RE,
    TABLES,
    Field,
    Type,
)
from quizzes.seed_documents import (
    ChoiceDoc,
    EventDoc,
    GeneratorDoc,
    KeyActorDoc,
    QuestionDoc,
    QuizDoc,
    SeedDocument,
    TimelineDoc,
)

TRUE_FALSE_TEXTS = ("True", "False")


class SchemaError(Exception):
    """Every problem found in one document; each entry is `path: message`."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))

    def prefixed(self, name: str) -> list[str]:
        return [f"{name}: {error}" for error in self.errors]


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


# -- Reading by the tables ----------------------------------------------------------------


# In this order: bool is a kind of int in Python, and `yes` must not read as a number.
_DESCRIPTIONS = (
    (type(None), "nothing"),
    (bool, "a true/false value"),
    (int, "a whole number"),
    (float, "a decimal number"),
    (str, "text"),
    (list, "a list"),
    (dict, "a mapping"),
)


def _describe(value: Any) -> str:
    return next(
        (words for kind, words in _DESCRIPTIONS if isinstance(value, kind)), type(value).__name__
    )


# What a reader returns after recording an error: the value is unusable.
_MISSING = object()


class _Validator:
    def __init__(self) -> None:
        self.errors: list[str] = []
        # Every value read so far, by "table.key", for the checks that look at another
        # section: events need "timeline.period", questions "document.timeline".
        self.seen: dict[str, Any] = {}

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path or 'document'}: {message}")

    def section(self, value: Any, path: str, name: str) -> Any:
        """Read a mapping by the table `name`, then build its document."""
        table = TABLES[name]
        data = self.mapping(value, path, table.keys)
        if data is None:
            return _MISSING
        values: dict[str, Any] = {}
        for item in table.fields:
            key_path = f"{path}.{item.key}" if path else item.key
            values[item.key] = self.read(data, item, key_path)
            self.seen[f"{name}.{item.key}"] = values[item.key]
        if _MISSING in values.values():
            return _MISSING
        problems = list(_CHECKS[name](values, data, self.seen)) if name in _CHECKS else []
        for key, message in problems:
            self.error(f"{path}.{key}" if path else key, message)
        if problems:
            return _MISSING
        if name in _FILLS:
            values = _FILLS[name](values, self.seen)
        return _DOCUMENTS[name](**values)

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

    def read(self, data: dict[str, Any], item: Field, path: str) -> Any:
        if item.key not in data or data[item.key] is None:
            if item.required:
                self.error(path, "required")
                return _MISSING
            return item.default
        reader: Callable[[Any, str, Field], Any] = getattr(self, f"read_{item.type}")
        return reader(data[item.key], path, item)

    # -- one reader a field type (schema_fields.Type) -----------------------------------

    def read_version(self, value: Any, path: str, item: Field) -> Any:
        version = self.read_whole(value, path, item)
        if version is not _MISSING and version != SCHEMA_VERSION:
            self.error(path, f"must be {SCHEMA_VERSION}, got {version}")
        return version

    def read_whole(self, value: Any, path: str, item: Field) -> Any:
        # bool is a subclass of int in Python; `year: yes` must not pass as 1.
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(path, f"expected a whole number, got {_describe(value)}")
            return _MISSING
        low, high = item.low, item.high
        if (low is not None and value < low) or (high is not None and value > high):
            self.error(path, f"must be between {low} and {high}, got {value}")
            return _MISSING
        return value

    def read_flag(self, value: Any, path: str, item: Field) -> Any:
        if not isinstance(value, bool):
            self.error(path, f"expected true or false, got {_describe(value)}")
            return _MISSING
        return value

    def read_text(self, value: Any, path: str, item: Field) -> Any:
        if not isinstance(value, str):
            hint = ""
            if isinstance(value, bool | int | float):
                hint = f' (put it in quotes: "{value}")'
            self.error(path, f"expected text, got {_describe(value)}{hint}")
            return _MISSING
        if item.max_length is not None and len(value) > item.max_length:
            self.error(path, f"too long: {len(value)} characters, at most {item.max_length}")
            return _MISSING
        if item.nonempty and not value.strip():
            self.error(path, "must not be empty")
            return _MISSING
        return value

    def read_slug(self, value: Any, path: str, item: Field) -> Any:
        slug = self.read_text(value, path, item)
        if slug is not _MISSING and not SLUG_RE.match(slug):
            self.error(
                path, f"'{slug}' is not a slug: use lowercase letters, digits and single hyphens"
            )
            return _MISSING
        return slug

    def read_event(self, value: Any, path: str, item: Field) -> Any:
        slug = self.read_slug(value, path, item)
        # Checked only when the file's timeline is whole (never for questions alone).
        timeline = self.seen.get("document.timeline", _MISSING)
        if (
            slug is not _MISSING
            and timeline is not _MISSING
            and slug not in {event.slug for event in timeline.events}
        ):
            self.error(path, f"no event with slug '{slug}' in this file's timeline")
            return _MISSING
        return slug

    def read_one_of(self, value: Any, path: str, item: Field) -> Any:
        if not isinstance(value, str) or value not in item.choices:
            shown = f"'{value}'" if isinstance(value, str) else _describe(value)
            self.error(path, f"expected one of {', '.join(item.choices)}; got {shown}")
            return _MISSING
        return value

    def _items(self, value: Any, path: str, item: Field) -> list[Any] | None:
        """The list's items, or None after an error about the list as a whole."""
        if not isinstance(value, list):
            self.error(path, f"expected a list, got {_describe(value)}")
            return None
        if item.at_least_one and not value:
            self.error(path, f"must list at least one {item.at_least_one}")
            return None
        return value

    def read_texts(self, value: Any, path: str, item: Field) -> Any:
        items = self._items(value, path, item)
        if items is None:
            return _MISSING
        each = Field(item.key, Type.TEXT, nonempty=True, max_length=item.max_length)
        texts = [self.read_text(text, f"{path}[{i}]", each) for i, text in enumerate(items)]
        if _MISSING in texts:
            return _MISSING
        return tuple(texts)

    def read_kinds(self, value: Any, path: str, item: Field) -> Any:
        items = self._items(value, path, item)
        if items is None:
            return _MISSING
        each = Field(item.key, Type.ONE_OF, choices=GENERATOR_KINDS)
        kinds = [self.read_one_of(kind, f"{path}[{i}]", each) for i, kind in enumerate(items)]
        if _MISSING in kinds:
            return _MISSING
        for i, kind in enumerate(kinds):
            if kind in kinds[:i]:
                self.error(f"{path}[{i}]", f"'{kind}' is listed twice")
                return _MISSING
        return tuple(kinds)

    def read_picture(self, value: Any, path: str, item: Field) -> Any:
        text = self.read_text(value, path, item)
        if text is _MISSING:
            return _MISSING
        if not PICTURE_PATH_RE.match(text) or ".." in text.split("/"):
            self.error(
                path,
                f"'{text}' is not a path beside this file: write it relative to the YAML "
                "file, with / between folders, no .. and no leading /",
            )
            return _MISSING
        return text

    def read_mapping(self, value: Any, path: str, item: Field) -> Any:
        return self.section(value, path, item.section)

    def read_list(self, value: Any, path: str, item: Field) -> Any:
        items = self._items(value, path, item)
        if items is None:
            return _MISSING
        docs = [self.section(each, f"{path}[{i}]", item.section) for i, each in enumerate(items)]
        unique = self._unique(docs, path, item.unique) if item.unique else True
        if not unique or _MISSING in docs:
            return _MISSING
        return tuple(docs)

    def _unique(self, docs: list[Any], path: str, by: str) -> bool:
        first: dict[str, int] = {}
        for i, doc in enumerate(docs):
            if doc is _MISSING:
                continue
            # A choice's text: "Kosygin" and " kosygin" are the same answer.
            key = doc.slug if by == "slug" else doc.text.strip().casefold()
            if key not in first:
                first[key] = i
            elif by == "slug":
                self.error(
                    f"{path}[{i}].slug", f"duplicate slug '{key}' (also at {path}[{first[key]}])"
                )
            else:
                self.error(f"{path}[{i}].text", f"'{doc.text}' repeats {path}[{first[key]}]")
        return len(first) == sum(doc is not _MISSING for doc in docs)


# -- What ties a section's fields together -----------------------------------------------
# A section's checks run once every one of its values is valid. Like the kind rules
# below, each yields its problems as (key under the section, message); `seen` holds the
# values read elsewhere in the document (the period, the events).

Problems = Iterator[tuple[str, str]]


def _period_checks(values: dict[str, Any], data: dict[str, Any], seen: dict) -> Problems:
    if values["start"] > values["end"]:
        yield "start", f"start ({values['start']}) is after end ({values['end']})"


def _timeline_checks(values: dict[str, Any], data: dict[str, Any], seen: dict) -> Problems:
    start, end = values["period"]
    found = timeline_periods.problems(values["periods"], timeline_start=start, timeline_end=end)
    for index, key, message in found:
        yield ("periods" if index is None else f"periods[{index}].{key}"), message


def _claim_checks(values: dict[str, Any], data: dict[str, Any], seen: dict) -> Problems:
    event, events = values["event"], seen.get("timeline.events", _MISSING)
    if event is not None and events is not _MISSING and event not in {e.slug for e in events}:
        yield "event", f"no event with slug '{event}' in this timeline"


def _event_checks(values: dict[str, Any], data: dict[str, Any], seen: dict) -> Problems:
    year, month, day = values["year"], values["month"], values["day"]
    if day is not None and month is None:
        yield "day", "a day needs a month"
    elif day is not None and day > calendar.monthrange(year, month)[1]:
        yield "day", f"{calendar.month_name[month]} {year} has no day {day}"
    else:
        period = seen.get("timeline.period", _MISSING)
        if period is not _MISSING and values["in_period"] and not period[0] <= year <= period[1]:
            yield (
                "year",
                f"{year} is outside the period {period[0]}-{period[1]}; "
                "set in_period: false for context events",
            )


def _key_actor_checks(values: dict[str, Any], data: dict[str, Any], seen: dict) -> Problems:
    name = values["name"].casefold()
    named = {name}
    for i, distractor in enumerate(values["distractors"]):
        if distractor.casefold() in named:
            what = "the key actor's name" if distractor.casefold() == name else "a repeat"
            yield f"distractors[{i}]", f"'{distractor}' is {what}"
            return
        named.add(distractor.casefold())


def _quiz_checks(values: dict[str, Any], data: dict[str, Any], seen: dict) -> Problems:
    if not values["questions"] and values["generator"] is None:
        yield "questions", "a quiz needs questions or a generator block"


def _question_checks(values: dict[str, Any], data: dict[str, Any], seen: dict) -> Problems:
    kind, answer_year = values["kind"], values["answer_year"]
    if kind != "year_guess" and answer_year is not None:
        yield "answer_year", "only year_guess questions have an answer_year"
    # Only a verdict question may take its explanation from elsewhere (its event).
    if kind != VERDICT.name and not values["explanation"]:
        yield "explanation", "required"
    yield from KIND_RULES[kind](values, data, seen)
    source, generator_kind = values["source"], values["generator_kind"]
    if source == "generated" and generator_kind not in GENERATOR_KINDS:
        yield (
            "generator_kind",
            f"a generated question needs one of {', '.join(GENERATOR_KINDS)}",
        )
    if source == "hand" and generator_kind:
        yield "generator_kind", "only generated questions have a generator_kind"
    yield from _picture_checks(values)


def _picture_checks(values: dict[str, Any]) -> Problems:
    """Alt text goes with a picture: required with one, refused without."""
    if values["image"] is not None and not values["alt"].strip():
        yield (
            "alt",
            "required with an image: describe what a student needs from the picture",
        )
    if values["image"] is None and values["alt"]:
        yield "alt", "there is no image to describe: add `image` or remove `alt`"


_CHECKS: dict[str, Callable[[dict[str, Any], dict[str, Any], dict], Problems]] = {
    "period": _period_checks,
    "timeline": _timeline_checks,
    "unverified claim": _claim_checks,
    "event": _event_checks,
    "key actor": _key_actor_checks,
    "quiz": _quiz_checks,
    "question": _question_checks,
}


def _event_of(values: dict[str, Any], seen: dict) -> EventDoc | None:
    """The question's event, when the document's timeline has been read whole."""
    events = seen.get("timeline.events", _MISSING)
    if events is _MISSING or values["event"] is None:
        return None
    return next((event for event in events if event.slug == values["event"]), None)


def _question_fill(values: dict[str, Any], seen: dict) -> dict[str, Any]:
    if values["kind"] == VERDICT.name and not values["explanation"]:
        event = _event_of(values, seen)
        # The checks made sure there is a reason to take when nothing was written.
        return {**values, "explanation": event.verdict_reason.strip() if event else ""}
    return values


# What is completed in a section whose values passed, from the rest of the document.
_FILLS: dict[str, Callable[[dict[str, Any], dict], dict[str, Any]]] = {
    "question": _question_fill,
}

# What each section is read into, from its values by key.
_DOCUMENTS: dict[str, Callable[..., Any]] = {
    "document": SeedDocument,
    "timeline": lambda period, **values: TimelineDoc(
        period_start=period[0], period_end=period[1], **values
    ),
    "period": lambda start, end: (start, end),
    "timeline period": timeline_periods.Period,
    "unverified claim": UnverifiedClaim,
    "event": EventDoc,
    "key actor": KeyActorDoc,
    "quiz": QuizDoc,
    "generator": GeneratorDoc,
    "question": QuestionDoc,
    "choice": ChoiceDoc,
}


# -- Question kinds: what each kind asks of its choices -----------------------------------
# One function a kind, given the question's values, its raw mapping and what the
# document said elsewhere (`seen`: the timeline's events, for a verdict question).


def _exactly_one_correct(choices: tuple[ChoiceDoc, ...]) -> Problems:
    correct = sum(1 for choice in choices if choice.correct)
    if correct != 1:
        yield "choices", f"exactly one choice must be correct, got {correct}"


def _choice_kind(values: dict[str, Any], data: dict[str, Any], seen: dict) -> Problems:
    choices = values["choices"]
    if not 2 <= len(choices) <= 4:
        yield "choices", f"a choice question needs 2-4 choices, got {len(choices)}"
    else:
        yield from _exactly_one_correct(choices)


def _true_false_kind(values: dict[str, Any], data: dict[str, Any], seen: dict) -> Problems:
    choices = values["choices"]
    if sorted(choice.text for choice in choices) != sorted(TRUE_FALSE_TEXTS):
        yield "choices", 'a true_false question has exactly two choices, "True" and "False"'
    else:
        yield from _exactly_one_correct(choices)


def _flagged_choices(data: dict[str, Any]) -> list[int]:
    """Positions of the written choices that carry a `correct` flag."""
    return [
        i
        for i, raw in enumerate(data.get("choices") or [])
        if isinstance(raw, dict) and "correct" in raw
    ]


def _order_kind(values: dict[str, Any], data: dict[str, Any], seen: dict) -> Problems:
    choices = values["choices"]
    if not 3 <= len(choices) <= 4:
        yield "choices", f"an order question needs 3-4 choices, got {len(choices)}"
    # The order is the answer: a `correct` flag means the author misread the kind.
    flagged = _flagged_choices(data)
    if flagged:
        yield (
            f"choices[{flagged[0]}].correct",
            "order questions have no correct flags: list the choices in the right order",
        )


def _year_guess_kind(values: dict[str, Any], data: dict[str, Any], seen: dict) -> Problems:
    if values["choices"]:
        yield "choices", "year_guess questions have no choices"
    if values["answer_year"] is None:
        yield "answer_year", "required for year_guess questions"


def _verdict_kind(values: dict[str, Any], data: dict[str, Any], seen: dict) -> Problems:
    # The choices are implied (Success, then Failure) and the key is the event's
    # verdict: an author writes no choices, or exactly those two without flags.
    texts = sorted(choice.text for choice in values["choices"])
    if texts and texts != sorted(VERDICT_CHOICES):
        yield (
            "choices",
            'a verdict question has no choices to write (they are "Success" and "Failure"); '
            "leave them out",
        )
    flagged = _flagged_choices(data)
    if flagged:
        yield (
            f"choices[{flagged[0]}].correct",
            "a verdict question takes its answer from its event's verdict: remove the flag",
        )
    if values["event"] is None:
        yield "event", "required for verdict questions: the event the class judges"
        return
    event = _event_of(values, seen)
    if event is None:
        # Questions read alone (a spreadsheet's): the event cannot be checked here.
        return
    if event.verdict not in ("success", "failure"):
        yield (
            "event",
            f"'{event.slug}' has the verdict {event.verdict}: a verdict question needs an "
            "event the source calls a success or a failure",
        )
    elif not values["explanation"] and not event.verdict_reason.strip():
        yield (
            "explanation",
            f"required: '{event.slug}' has no verdict_reason to take the explanation from",
        )


KIND_RULES: dict[str, Callable[[dict[str, Any], dict[str, Any], dict], Problems]] = {
    "choice": _choice_kind,
    "true_false": _true_false_kind,
    "order": _order_kind,
    "year_guess": _year_guess_kind,
    "verdict": _verdict_kind,
}


# -- Entry points -------------------------------------------------------------------------


def validate_document(data: Any) -> SeedDocument:
    """Validate already-parsed YAML data; raise `SchemaError` listing every problem."""
    validator = _Validator()
    document = validator.section(data, "", "document")
    if validator.errors or document is _MISSING:
        raise SchemaError(validator.errors or ["the document is empty"])
    return document


def validate_questions(data: Any) -> tuple[QuestionDoc, ...]:
    """Validate a list of question mappings (the `questions` of a quiz) on their own, by
    the same rules as a seed file; raise `SchemaError` listing every problem. Paths
    start at `questions[i]`. Used by the spreadsheet importer before it writes."""
    validator = _Validator()
    questions = validator.read_list(data, "questions", TABLES["quiz"].field("questions"))
    if validator.errors or questions is _MISSING:
        raise SchemaError(validator.errors or ["questions: expected a list"])
    return questions


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
