"""The quiz linter: rules that catch questions which teach wrong history or give
themselves away, in the manner of a code linter.

Pure: no Django. It works on plain frozen dataclasses (`LintQuiz`, `LintQuestion`,
`LintEvent`, `UnverifiedClaim`); `quiz_from_documents` builds them from the YAML
documents and `quizzes/lint_models.py` from the database. `lint_quiz` checks a whole
quiz; `lint_candidate` checks one question against a quiz it would join, which is how
the generator drops its bad drafts. Each finding has a code, a severity, the question's
slug and one sentence; the rules are listed in `RULES` and in docs/yaml-schema.md.

The rules are heuristics over text, tuned to be strict: a finding means "a student
could answer this without knowing the history, or be taught something false", and the
fix is to reword the question, not to argue with the rule.

Why one module of about a thousand lines: the rules share the text helpers (words,
forms of a word, years, effect and place cues), and tuning one rule means reading it
next to them and next to the rules it must not contradict. Each rule is one function,
listed in `SINGLE_RULES` or called from `_pair_ordered`/`_pair_directed`, so a reader
goes from a code in `RULES` to its function by name.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from quizzes.kinds import VERDICT

ERROR = "error"
WARNING = "warning"

# A 15-year-old reading off a projector: about 3 words a second. Adults average about
# 240 words a minute in silent reading of non-fiction (Brysbaert 2019); a class reading
# a shared screen, some in a second language, is slower, so the pace errs low.
READING_WPM = 180
# Time left after reading to think and tap, and per item to arrange an order question.
THINK_S = 8
ORDER_ITEM_S = 2
# A phone button holds about 60 characters on a 360 px screen without shrinking.
CHOICE_MAX = 60
# "Far longer than the others": longer than this, or 1.5 times the quiz's median (but a
# reveal under the floor is never too long, however short the others are).
EXPLANATION_MAX = 400
EXPLANATION_FLOOR = 250
EXPLANATION_MEDIAN_FACTOR = 1.5
EXPLANATION_MEDIAN_MIN_OTHERS = 5
# "Notably the longest": 30 % and 8 characters longer than every other choice.
KEY_LONGEST_FACTOR = 1.3
KEY_LONGEST_MIN_EXTRA = 8

EFFECT_CHOICES = {"improved relations": "improved", "worsened relations": "worsened"}
# Words in a prompt that state the answer to "did this improve or worsen relations?".
EFFECT_CUES = {
    "improved": (
        "agree", "agrees", "agreed", "agreement", "aid", "help", "helps", "helped",
        "aided", "thaw", "friendship", "friendly", "brokers", "broker", "mend", "mends",
        "rebuild", "rebuilds", "warm", "warmer", "welcome", "welcomes", "goodwill",
    ),
    "worsened": (
        "warn", "warns", "warned", "warning", "stern", "against", "attack", "attacks",
        "raid", "raids", "bomb", "bombs", "bombing", "shot", "spy", "snub", "snubbed",
        "rift", "angers", "angered", "veto", "vetoes", "hostile", "side", "backs",
        "threat", "threatens", "protest", "protests", "criticises",
    ),
}  # fmt: skip
# A place in the prompt that names the answer (Kabul -> Afghanistan).
PLACE_CUES = {
    "kabul": "afghanistan",
    "delhi": "india",
    "beijing": "china",
    "peking": "china",
    "tehran": "iran",
    "washington": "usa",
    "moscow": "ussr",
    "dhaka": "bangladesh",
}
OFFICE_WORDS = (
    "president", "premier", "prime minister", "minister", "secretary", "chairman",
    "leader", "general", "king", "marshal", "ambassador", "delegate", "head of state",
)  # fmt: skip
# Words that carry no fact: never a cue, never evidence of a repeat.
STOPWORDS = frozenset((
    "a", "an", "the", "and", "or", "but", "of", "in", "on", "at", "to", "for", "by", "with",
    "from", "into", "about", "over", "after", "before", "during", "under", "than", "then",
    "also", "only", "as", "is", "are", "was", "were", "be", "been", "being", "has", "have",
    "had", "do", "did", "does", "not", "no", "yes", "its", "it", "his", "her", "their",
    "this", "that", "these", "those", "which", "what", "who", "whom", "whose", "when",
    "where", "why", "how", "true", "false", "one", "two", "three", "four", "year", "years",
    "time", "same", "so", "pakistan", "ussr", "soviet", "soviets", "union", "russia",
    "russian", "relations", "relationship", "country",
))  # fmt: skip

VERDICT_WORDS = {
    "success": ("success",),
    "failure": ("failure",),
    "neutral": ("neutral", "neither", "no verdict"),
}

_YEAR = re.compile(r"(?<![\d])(1[5-9]\d\d|20\d\d)(?![\d])")
_YEAR_RANGE = re.compile(r"(?<![\d])(1[5-9]\d\d|20\d\d)\s*[–—-]\s*\d{2,4}(?![\d])")
_REASON = re.compile(r"[:;]|\s[–—-]\s|\bbecause\b|\bso that\b", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: str
    summary: str


RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule("K101", "key-longest", ERROR, "the key is notably the longest choice"),
        Rule(
            "K102",
            "key-format",
            ERROR,
            "the key is the only choice of its format (a range among years, the only one "
            "with a title or a reason, the only one without a year)",
        ),
        Rule(
            "K103",
            "prompt-cue",
            ERROR,
            "the prompt contains the key, a word of it, a place that names it, a word "
            "that states the effect, or a year that rules the distractors out",
        ),
        Rule("R201", "same-fact", ERROR, "two questions on one event ask the same fact"),
        Rule(
            "R202",
            "answered-by-prompt",
            ERROR,
            "another question on the same event states this question's answer in its "
            "prompt, or in its reveal or order items earlier in the quiz",
        ),
        Rule("R203", "same-key", WARNING, "two questions have the same answer"),
        Rule(
            "T301",
            "reading-time",
            ERROR,
            f"prompt and choices take too long to read at {READING_WPM} words a minute, "
            f"plus {THINK_S} s to think, for the time limit",
        ),
        Rule("T302", "choice-length", ERROR, f"a choice is over {CHOICE_MAX} characters"),
        Rule("X401", "explanation-verdict", ERROR, "the explanation omits the event's verdict"),
        Rule(
            "X402",
            "explanation-length",
            ERROR,
            f"the explanation is over {EXPLANATION_MAX} characters or "
            f"{EXPLANATION_MEDIAN_FACTOR} times the quiz's median",
        ),
        Rule(
            "F501",
            "unverified-key",
            ERROR,
            "the keyed claim is one the timeline lists as unverified",
        ),
        Rule("F502", "distractor-true", ERROR, "a distractor is also true by the timeline"),
        Rule(
            "F503",
            "distractor-maybe-true",
            WARNING,
            "a distractor year belongs to another event the prompt also describes",
        ),
        Rule(
            "A601",
            "two-claims",
            WARNING,
            "a true/false statement makes two claims, so it is half true",
        ),
        Rule(
            "V701",
            "verdict-event",
            ERROR,
            "a verdict question has no event, or its event's verdict is neither success "
            "nor failure",
        ),
        Rule(
            "V702",
            "verdict-contested",
            ERROR,
            "a verdict question asks about an event whose verdict the fact check contests "
            "(an unverified claim on the event matches the verdict)",
        ),
        Rule(
            "V703",
            "verdict-given-away",
            ERROR,
            "an earlier question on a verdict question's event gives the verdict in its "
            "reveal before the class votes",
        ),
        Rule(
            "V704",
            "after-the-verdict",
            ERROR,
            "a question comes after the verdict question on its event, whose reveal (the "
            "event's title, date and reason) may answer it",
        ),
    )
}

# The question kind that asks the class for a verdict (quizzes/kinds.py, `Verdict`).
VERDICT_KIND = VERDICT.name
VERDICTS_ASKED = ("success", "failure")


@dataclass(frozen=True)
class Finding:
    code: str
    question: str
    message: str
    related: str = ""

    @property
    def rule(self) -> Rule:
        return RULES[self.code]

    @property
    def severity(self) -> str:
        return self.rule.severity

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def format(self, quiz: str = "") -> str:
        where = f"{quiz}:{self.question}" if quiz else self.question
        return f"{where}: {self.code} {self.severity} ({self.rule.name}): {self.message}"


# -- Input ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LintChoice:
    text: str
    correct: bool = False
    note: str = ""


@dataclass(frozen=True)
class LintQuestion:
    slug: str
    kind: str
    prompt: str
    explanation: str
    choices: tuple[LintChoice, ...] = ()
    answer_year: int | None = None
    time_limit_s: int = 20
    event: str | None = None
    source: str = "hand"

    @property
    def key(self) -> LintChoice | None:
        if self.kind not in ("choice", "true_false"):
            return None
        return next((choice for choice in self.choices if choice.correct), None)

    @property
    def distractors(self) -> tuple[LintChoice, ...]:
        return tuple(choice for choice in self.choices if not choice.correct)


@dataclass(frozen=True)
class LintEvent:
    slug: str
    year: int
    title: str
    effect: str = ""
    verdict: str = ""
    month: int | None = None
    day: int | None = None
    key_actor: str = ""

    @property
    def sort_key(self) -> tuple[int, int, int]:
        return (self.year, self.month or 0, self.day or 0)


@dataclass(frozen=True)
class UnverifiedClaim:
    """A claim the fact check could not confirm. A question whose keyed statement
    contains any `match` text (whole words, ignoring case) keys it; with `event`, only questions on
    that event are checked (so "1986" is refused only where it would date that event)."""

    claim: str
    match: tuple[str, ...]
    event: str | None = None


@dataclass(frozen=True)
class LintQuiz:
    slug: str
    questions: tuple[LintQuestion, ...]
    events: tuple[LintEvent, ...] = ()
    unverified: tuple[UnverifiedClaim, ...] = ()

    def event(self, slug: str | None) -> LintEvent | None:
        if not slug:
            return None
        return next((event for event in self.events if event.slug == slug), None)


# -- Adapters from anything with the right attributes ---------------------------------


def _read(source: Any, name: str, default: Any = None) -> Any:
    if isinstance(source, Mapping):
        return source.get(name, default)
    return getattr(source, name, default)


def unverified_from(data: Any) -> tuple[UnverifiedClaim, ...]:
    """Claims from a timeline's `unverified` list (YAML or the database's JSON).

    Raises ValueError naming the first bad entry: a list of mappings, each with a
    non-empty `claim`, a non-empty list of non-empty `match` texts and an optional
    `event` slug."""
    if data in (None, ""):
        return ()
    if not isinstance(data, list | tuple):
        raise ValueError("unverified must be a list")
    claims = []
    for index, item in enumerate(data):
        where = f"unverified[{index}]"
        if isinstance(item, UnverifiedClaim):
            claims.append(item)
            continue
        if not isinstance(item, Mapping):
            raise ValueError(f"{where} must be a mapping with claim and match")
        unknown = set(item) - {"claim", "match", "event"}
        if unknown:
            raise ValueError(f"{where} has unknown keys: {', '.join(sorted(map(str, unknown)))}")
        claim, match, event = item.get("claim"), item.get("match"), item.get("event")
        if not isinstance(claim, str) or not claim.strip():
            raise ValueError(f"{where}.claim must be non-empty text")
        if (
            not isinstance(match, list | tuple)
            or not match
            or not all(isinstance(text, str) and text.strip() for text in match)
        ):
            raise ValueError(f"{where}.match must be a non-empty list of non-empty texts")
        if event is not None and (not isinstance(event, str) or not event.strip()):
            raise ValueError(f"{where}.event must be an event slug")
        claims.append(UnverifiedClaim(claim=claim, match=tuple(match), event=event or None))
    return tuple(claims)


def question_from(source: Any) -> LintQuestion:
    """A QuestionDoc, a generator draft or a plain dict as lint input."""
    choices = tuple(
        LintChoice(
            text=_read(choice, "text", ""),
            correct=bool(_read(choice, "correct", _read(choice, "is_correct", False))),
            note=_read(choice, "note", "") or "",
        )
        for choice in (_read(source, "choices", ()) or ())
    )
    return LintQuestion(
        slug=_read(source, "slug"),
        kind=_read(source, "kind", "choice") or "choice",
        prompt=_read(source, "prompt", "") or "",
        explanation=_read(source, "explanation", "") or "",
        choices=choices,
        answer_year=_read(source, "answer_year"),
        time_limit_s=_read(source, "time_limit_s", 20) or 20,
        event=_read(source, "event"),
        source=_read(source, "source", "hand") or "hand",
    )


def event_from(source: Any) -> LintEvent:
    """An EventDoc, an Event row or a plain dict as lint input."""
    key_actor = _read(source, "key_actor") or {}
    return LintEvent(
        slug=_read(source, "slug"),
        year=int(_read(source, "year")),
        title=_read(source, "title", "") or "",
        effect=_read(source, "effect", "") or "",
        verdict=_read(source, "verdict", "") or "",
        month=_read(source, "month"),
        day=_read(source, "day"),
        key_actor=_read(key_actor, "name", "") or "",
    )


def quiz_from_documents(
    *, quiz: Any, timeline: Any, questions: Iterable[Any] | None = None
) -> LintQuiz:
    """Lint input from a QuizDoc and its TimelineDoc; `questions` replaces the quiz's own
    (e.g. with the generated questions a load would add)."""
    return LintQuiz(
        slug=_read(quiz, "slug"),
        questions=tuple(
            question_from(q) for q in (questions if questions is not None else quiz.questions)
        ),
        events=tuple(event_from(event) for event in timeline.events),
        unverified=unverified_from(list(_read(timeline, "unverified", ()) or ())),
    )


# -- Text helpers ---------------------------------------------------------------------


def _normal(text: str) -> str:
    text = text.casefold().replace("’", "'")
    text = re.sub(r"'s\b", "", text)
    return " ".join(_WORD.findall(text))


def _words(text: str) -> list[str]:
    return _normal(text).split()


def _significant(text: str) -> list[str]:
    return [word for word in _words(text) if word not in STOPWORDS and len(word) >= 3]


def _same_word(a: str, b: str) -> bool:
    """Equal, or forms of one word (India/Indian, Afghan/Afghanistan, explore/exploration):
    a shared start of at least five letters and three quarters of the shorter word."""
    if a == b:
        return True
    shorter = min(len(a), len(b))
    if shorter < 5:
        return False
    common = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        common += 1
    return common >= max(5, 0.75 * shorter)


def _contains_word(words: Iterable[str], word: str) -> bool:
    return any(_same_word(word, other) for other in words)


def _phrase_in(phrase: str, text: str) -> bool:
    phrase, text = _normal(phrase), _normal(text)
    if phrase.startswith("the "):
        phrase = phrase[4:]
    return bool(phrase) and f" {phrase} " in f" {text} "


def _years(text: str) -> set[int]:
    return {int(year) for year in _YEAR.findall(text)}


def _only_year(text: str) -> int | None:
    """The year a choice stands for, if it is a date: '1952', 'February 1989'."""
    years = _years(text)
    if len(years) != 1 or _YEAR_RANGE.search(text):
        return None
    rest = _YEAR.sub("", _normal(text)).split()
    months = {
        "january", "february", "march", "april", "may", "june", "july", "august",
        "september", "october", "november", "december", "early", "late", "mid",
    }  # fmt: skip
    return next(iter(years)) if all(word in months for word in rest) else None


def _reading_seconds(question: LintQuestion) -> float:
    words = len(question.prompt.split()) + sum(len(c.text.split()) for c in question.choices)
    return words * 60 / READING_WPM


def _is_effect_question(question: LintQuestion) -> bool:
    texts = {_normal(choice.text) for choice in question.choices}
    return question.kind == "choice" and set(EFFECT_CHOICES) <= texts


def _asked_year(question: LintQuestion, event: LintEvent | None) -> int | None:
    """The year a question asks for: its answer year, a date key, or (for "which of these
    happened in YEAR?") the year in the prompt when the key is the event's title."""
    if question.kind == "year_guess":
        return question.answer_year
    key = question.key
    if question.kind != "choice" or key is None:
        return None
    year = _only_year(key.text)
    if year is not None:
        return year
    if event is not None and _normal(key.text) == _normal(event.title):
        years = _years(question.prompt)
        if event.year in years:
            return event.year
    return None


def _text_key(question: LintQuestion, quiz: LintQuiz) -> str | None:
    """The key of a choice question that is a name or a thing: not a date, an effect or
    an event's title (a title keyed against other titles asks about dates, which
    `_asked_year` covers)."""
    key = question.key
    if question.kind != "choice" or key is None or _is_effect_question(question):
        return None
    if _only_year(key.text) is not None or _YEAR_RANGE.search(key.text):
        return None
    if any(_normal(key.text) == _normal(event.title) for event in quiz.events):
        return None
    return key.text


# -- Single-question rules ------------------------------------------------------------


def _key_longest(q: LintQuestion, quiz: LintQuiz) -> Iterator[Finding]:
    key = q.key
    if q.kind != "choice" or key is None or len(q.distractors) < 2:
        return
    longest = max(len(choice.text) for choice in q.distractors)
    if len(key.text) >= longest * KEY_LONGEST_FACTOR and (
        len(key.text) - longest >= KEY_LONGEST_MIN_EXTRA
    ):
        yield Finding(
            "K101",
            q.slug,
            f"The key ({len(key.text)} characters) is much longer than every other choice "
            f"(at most {longest}): students learn to pick the longest. Shorten it or "
            "lengthen the others.",
        )


def _features(text: str) -> dict[str, bool]:
    low = f" {text.casefold()} "
    return {
        "a range of years": bool(_YEAR_RANGE.search(text)),
        "a year": bool(_YEAR.search(text)),
        "a title or a description after a comma": ", " in text
        or any(re.search(rf"\b{re.escape(word)}\b", low) for word in OFFICE_WORDS),
        "a reason": bool(_REASON.search(text)),
    }


def _key_format(q: LintQuestion, quiz: LintQuiz) -> Iterator[Finding]:
    key = q.key
    if q.kind != "choice" or key is None or len(q.distractors) < 2:
        return
    mine = _features(key.text)
    theirs = [_features(choice.text) for choice in q.distractors]
    for feature, value in mine.items():
        others = {features[feature] for features in theirs}
        if others == {not value}:
            which = "the only choice with" if value else "the only choice without"
            yield Finding(
                "K102",
                q.slug,
                f"The key “{key.text}” is {which} {feature}: students can spot it without "
                "knowing the answer. Give every choice the same form.",
            )


def _prompt_cue(q: LintQuestion, quiz: LintQuiz) -> Iterator[Finding]:
    prompt_words = _words(q.prompt)
    if q.kind == "year_guess":
        if q.answer_year is not None and q.answer_year in _years(q.prompt):
            yield Finding("K103", q.slug, f"The prompt contains the answer, {q.answer_year}.")
        return
    key = q.key
    if q.kind != "choice" or key is None:
        return
    distractor_words = [word for choice in q.distractors for word in _words(choice.text)]
    if _is_effect_question(q):
        direction = EFFECT_CHOICES.get(_normal(key.text))
        cues = [word for word in prompt_words if word in EFFECT_CUES.get(direction or "", ())]
        if cues:
            yield Finding(
                "K103",
                q.slug,
                f"The prompt says “{cues[0]}”, which tells students the relations "
                f"{direction}. Ask about an event whose wording does not give its effect.",
            )
        return
    if len(_normal(key.text)) >= 3 and _phrase_in(key.text, q.prompt):
        yield Finding("K103", q.slug, f"The prompt contains the key, “{key.text}”.")
        return
    for word in _significant(key.text):
        if _contains_word(prompt_words, word) and not _contains_word(distractor_words, word):
            yield Finding(
                "K103",
                q.slug,
                f"The prompt shares the word “{word}” with the key and with no other "
                "choice: a cue to the answer.",
            )
            return
    key_words = _words(key.text)
    for place, target in PLACE_CUES.items():
        if (
            _contains_word(prompt_words, place)
            and _contains_word(key_words, target)
            and not _contains_word(distractor_words, target)
        ):
            yield Finding(
                "K103",
                q.slug,
                f"The prompt mentions {place.title()}, which points to the key “{key.text}”.",
            )
            return
    prompt_years = _years(q.prompt)
    if prompt_years and not _years(key.text):
        for choice in q.distractors:
            stray = _years(choice.text) - prompt_years
            if stray:
                yield Finding(
                    "K103",
                    q.slug,
                    f"The prompt gives the year {min(prompt_years)}, so “{choice.text}” is "
                    f"ruled out by its year ({min(stray)}) alone. Leave years out of the "
                    "choices.",
                )
                return


def _reading_time(q: LintQuestion, quiz: LintQuiz) -> Iterator[Finding]:
    reading = _reading_seconds(q)
    needed = reading + THINK_S
    if q.kind == "order":
        needed += ORDER_ITEM_S * len(q.choices)
    if needed > q.time_limit_s:
        yield Finding(
            "T301",
            q.slug,
            f"Reading the prompt and choices takes about {reading:.0f} s at {READING_WPM} "
            f"words a minute; with time to think that is {needed:.0f} s, over the "
            f"{q.time_limit_s} s limit. Shorten the text or raise the limit.",
        )


def _choice_length(q: LintQuestion, quiz: LintQuiz) -> Iterator[Finding]:
    for choice in q.choices:
        if len(choice.text) > CHOICE_MAX:
            yield Finding(
                "T302",
                q.slug,
                f"The choice “{choice.text[:40]}…” has {len(choice.text)} characters; "
                f"a phone button holds {CHOICE_MAX}.",
            )


def _verdict_question_after(q: LintQuestion, quiz: LintQuiz) -> LintQuestion | None:
    """The verdict question on q's event that comes after q in the quiz, if any."""
    if not q.event:
        return None
    slugs = [other.slug for other in quiz.questions]
    at = slugs.index(q.slug) if q.slug in slugs else len(slugs)
    return next(
        (
            other
            for other in quiz.questions[at + 1 :]
            if other.kind == VERDICT_KIND and other.event == q.event
        ),
        None,
    )


def _gives_verdict(q: LintQuestion, verdict: str) -> str | None:
    """The word of q's reveal (explanation and notes) that gives `verdict`, if any."""
    text = _reveal_text(q).casefold()
    return next((word for word in VERDICT_WORDS.get(verdict, ()) if word in text), None)


def _explanation_verdict(q: LintQuestion, quiz: LintQuiz) -> Iterator[Finding]:
    event = quiz.event(q.event)
    # A verdict question's reveal states the verdict itself, beside its reason; before
    # one on the same event, the reveal must not (V703): the class votes first.
    if event is None or event.verdict not in VERDICT_WORDS or q.kind == VERDICT_KIND:
        return
    if _verdict_question_after(q, quiz) is not None:
        return
    text = q.explanation.casefold()
    if not any(word in text for word in VERDICT_WORDS[event.verdict]):
        wanted = " or ".join(f"“{word}”" for word in VERDICT_WORDS[event.verdict])
        yield Finding(
            "X401",
            q.slug,
            f"The explanation does not give the event's verdict ({event.verdict}): say "
            f"{wanted} and why.",
        )


def _explanation_length(q: LintQuestion, quiz: LintQuiz) -> Iterator[Finding]:
    length = len(q.explanation)
    others = [len(other.explanation) for other in quiz.questions if other.slug != q.slug]
    if length > EXPLANATION_MAX:
        yield Finding(
            "X402",
            q.slug,
            f"The explanation has {length} characters, over {EXPLANATION_MAX}: too much "
            "to read at the reveal.",
        )
    elif len(others) >= EXPLANATION_MEDIAN_MIN_OTHERS:
        median = statistics.median(others)
        if length > max(median * EXPLANATION_MEDIAN_FACTOR, EXPLANATION_FLOOR):
            yield Finding(
                "X402",
                q.slug,
                f"The explanation has {length} characters, far more than the quiz's "
                f"median of {median:.0f}: keep reveals about the same length.",
            )


def _has_phrase(text: str, phrase: str) -> bool:
    """Whole words only, ignoring case, so "aid" is not found in "said"."""
    phrase = re.escape(phrase.replace("’", "'"))
    return re.search(rf"(?<!\w){phrase}(?!\w)", text, re.IGNORECASE) is not None


def _keyed_statement(q: LintQuestion) -> str:
    if q.kind == "choice":
        key = q.key
        return f"{q.prompt} {key.text if key else ''}"
    if q.kind == "year_guess":
        return f"{q.prompt} {q.answer_year or ''}"
    if q.kind == "order":
        return " ".join([q.prompt, *(choice.text for choice in q.choices)])
    # A true/false statement is keyed either way: "false" asserts its negation.
    return q.prompt


def _unverified_key(q: LintQuestion, quiz: LintQuiz) -> Iterator[Finding]:
    statement = _keyed_statement(q).replace("’", "'")
    for claim in quiz.unverified:
        if claim.event and claim.event != q.event:
            continue
        hit = next((text for text in claim.match if _has_phrase(statement, text)), None)
        if hit:
            yield Finding(
                "F501",
                q.slug,
                f"The question keys “{hit}”, part of a claim the fact check could not "
                f"confirm: {claim.claim}.",
            )


def _distractor_true(q: LintQuestion, quiz: LintQuiz) -> Iterator[Finding]:
    key = q.key
    if q.kind != "choice" or key is None:
        return
    event = quiz.event(q.event)
    if _is_effect_question(q):
        if event is not None and event.effect in ("improved", "worsened"):
            for choice in q.distractors:
                if EFFECT_CHOICES.get(_normal(choice.text)) == event.effect:
                    yield Finding(
                        "F502",
                        q.slug,
                        f"“{choice.text}” is a distractor, but the timeline says the event "
                        f"{event.effect} relations.",
                    )
        return
    by_title = {_normal(e.title): e for e in quiz.events}
    keyed_event = by_title.get(_normal(key.text))
    if keyed_event is not None:
        asked = _years(q.prompt)
        first = re.search(r"\b(first|earlier|earliest)\b", q.prompt, re.IGNORECASE)
        for choice in q.distractors:
            other = by_title.get(_normal(choice.text))
            if other is None:
                continue
            if other.year in asked and keyed_event.year in asked:
                yield Finding(
                    "F502",
                    q.slug,
                    f"“{choice.text}” also happened in {other.year}, by the timeline.",
                )
            elif first and other.sort_key < keyed_event.sort_key:
                yield Finding(
                    "F502",
                    q.slug,
                    f"“{choice.text}” came before the key, by the timeline.",
                )
    if event is not None and event.key_actor and _normal(key.text) != _normal(event.key_actor):
        for choice in q.distractors:
            if _normal(choice.text) == _normal(event.key_actor):
                yield Finding(
                    "F502",
                    q.slug,
                    f"“{choice.text}” is a distractor, but the timeline names them as this "
                    "event's key figure.",
                )


def _distractor_maybe_true(q: LintQuestion, quiz: LintQuiz) -> Iterator[Finding]:
    key = q.key
    if q.kind != "choice" or key is None or _only_year(key.text) is None:
        return
    prompt_words = set(_significant(q.prompt))
    for choice in q.distractors:
        year = _only_year(choice.text)
        if year is None:
            continue
        for other in quiz.events:
            if other.year != year or other.slug == q.event:
                continue
            title_words = set(_significant(other.title))
            shared = sorted(w for w in title_words if _contains_word(prompt_words, w))
            if len(shared) >= 2:
                yield Finding(
                    "F503",
                    q.slug,
                    f"{year} is the year of “{other.title}”, which the prompt also fits "
                    f"({', '.join(shared)}): a student could fairly answer {year}.",
                )
                break


def _two_claims(q: LintQuestion, quiz: LintQuiz) -> Iterator[Finding]:
    if q.kind != "true_false":
        return
    text = q.prompt.casefold()
    text = re.sub(r"^\s*true or false\s*[:,]?", "", text)
    markers = len(_years(text))
    markers += sum(
        text.count(marker)
        for marker in (" at the same time", " both ", ", and ", " but ", " and also ")
    )
    if markers >= 2:
        yield Finding(
            "A601",
            q.slug,
            "The statement makes two claims (e.g. a date and a second fact): if one is "
            "false the whole is false, and students cannot tell which part was meant.",
        )


def _verdict_event(q: LintQuestion, quiz: LintQuiz) -> Iterator[Finding]:
    if q.kind != VERDICT_KIND:
        return
    event = quiz.event(q.event)
    if event is None:
        yield Finding(
            "V701",
            q.slug,
            "A verdict question needs the event the class judges: its verdict is the answer "
            "the reveal gives.",
        )
    elif event.verdict not in VERDICTS_ASKED:
        yield Finding(
            "V701",
            q.slug,
            f"The event “{event.title}” has the verdict {event.verdict or 'none'}: ask for a "
            "verdict only on an event the source calls a success or a failure.",
        )


def _verdict_contested(q: LintQuestion, quiz: LintQuiz) -> Iterator[Finding]:
    event = quiz.event(q.event)
    if q.kind != VERDICT_KIND or event is None or event.verdict not in VERDICTS_ASKED:
        return
    for claim in quiz.unverified:
        if claim.event == event.slug and any(
            _has_phrase(event.verdict, text) for text in claim.match
        ):
            yield Finding(
                "V702",
                q.slug,
                f"The fact check contests the verdict on “{event.title}” ({claim.claim}): "
                "ask for a verdict only where it is clear.",
            )
            return


def _verdict_given_away(q: LintQuestion, quiz: LintQuiz) -> Iterator[Finding]:
    event = quiz.event(q.event)
    if q.kind != VERDICT_KIND or event is None:
        return
    for other in quiz.questions:
        if other.slug == q.slug:
            return
        word = _gives_verdict(other, event.verdict) if other.event == q.event else None
        if word:
            yield Finding(
                "V703",
                q.slug,
                f"The reveal of “{other.slug}”, on the same event earlier in the quiz, says "
                f"“{word}”: the class would see the verdict before it votes. Leave the "
                "verdict out of that reveal (the verdict question gives it).",
                related=other.slug,
            )
            return


def _after_the_verdict(q: LintQuestion, quiz: LintQuiz) -> Iterator[Finding]:
    if q.kind == VERDICT_KIND or not q.event:
        return
    for other in quiz.questions:
        if other.slug == q.slug:
            return
        if other.kind == VERDICT_KIND and other.event == q.event:
            yield Finding(
                "V704",
                q.slug,
                f"It comes after “{other.slug}”, the verdict question on the same event, "
                "whose reveal shows the event's title, date and reason: put the verdict "
                "question last on its event.",
                related=other.slug,
            )
            return


SINGLE_RULES = (
    _key_longest,
    _key_format,
    _prompt_cue,
    _reading_time,
    _choice_length,
    _explanation_verdict,
    _explanation_length,
    _unverified_key,
    _distractor_true,
    _distractor_maybe_true,
    _two_claims,
    _verdict_event,
    _verdict_contested,
    _verdict_given_away,
    _after_the_verdict,
)


# -- Pair rules -----------------------------------------------------------------------


def _key_words(question: LintQuestion, quiz: LintQuiz) -> set[str]:
    text = _text_key(question, quiz)
    return set(_significant(text)) if text else set()


def _pair_ordered(first: LintQuestion, second: LintQuestion, quiz: LintQuiz) -> Iterator[Finding]:
    """Repeats between two questions, reported on the one that comes `second`."""
    same_event = bool(first.event) and first.event == second.event
    second_year = _asked_year(second, quiz.event(second.event))
    first_year = _asked_year(first, quiz.event(first.event))
    second_text = _text_key(second, quiz)
    if same_event:
        if second_year is not None and first_year == second_year:
            yield Finding(
                "R201",
                second.slug,
                f"It asks for the same date ({second_year}) of the same event as “{first.slug}”.",
                related=first.slug,
            )
        first_words, second_words = _key_words(first, quiz), _key_words(second, quiz)
        if (
            first_words
            and second_words
            and (first_words <= second_words or second_words <= first_words)
        ):
            yield Finding(
                "R201",
                second.slug,
                f"Its answer “{second_text}” repeats the answer of “{first.slug}” about the "
                "same event.",
                related=first.slug,
            )
    elif second_text and _normal(_text_key(first, quiz) or "") == _normal(second_text):
        yield Finding(
            "R203",
            second.slug,
            f"“{second_text}” is also the answer of “{first.slug}”: students learn to pick "
            "a name they have seen keyed before.",
            related=first.slug,
        )


def _name_words(question: LintQuestion) -> list[str]:
    """Capitalised words of the key that no distractor shares ("Gorbachev" of "Mikhail
    Gorbachev", "Ayub" of "Ayub Khan"): naming one of them names the key."""
    key = question.key
    if key is None:
        return []
    others = [word for choice in question.distractors for word in _words(choice.text)]
    return [
        word
        for raw in re.findall(r"[A-Z][A-Za-z]+", key.text)
        if len(word := _normal(raw)) >= 5
        and word not in STOPWORDS
        and not _contains_word(others, word)
    ]


def _reveal_segments(question: LintQuestion) -> list[str]:
    """What the reveal shows, a sentence at a time: the explanation's sentences, and each
    noted choice with its note."""
    sentences = re.split(r"(?<=[.!?])\s+", question.explanation.strip())
    notes = [f"{choice.text}: {choice.note}" for choice in question.choices if choice.note]
    return [segment for segment in (*sentences, *notes) if segment]


def _reveal_text(question: LintQuestion) -> str:
    return " ".join(_reveal_segments(question))


def _effect_direction(question: LintQuestion) -> str | None:
    key = question.key
    if key is None or not _is_effect_question(question):
        return None
    return EFFECT_CHOICES.get(_normal(key.text))


def _states_effect(text: str, direction: str) -> str | None:
    """A word in `text` that tells the class relations improved or worsened."""
    verdict = "success" if direction == "improved" else "failure"
    words = _words(text)
    return next((w for w in words if w in EFFECT_CUES[direction] or w == verdict), None)


def _pair_directed(
    a: LintQuestion, b: LintQuestion, quiz: LintQuiz, *, a_first: bool
) -> Iterator[Finding]:
    """Findings about `b` caused by what `a` shows students: its prompt (wherever it
    stands: a prompt that states an answer repeats the fact), and, when `a` comes
    first, its reveal and its order items."""
    same_event = bool(a.event) and a.event == b.event
    b_year = _asked_year(b, quiz.event(b.event))
    b_text = _text_key(b, quiz)
    b_words = _key_words(b, quiz)
    direction = _effect_direction(b)

    names = _name_words(b) if b_text else []

    def states_key(text: str) -> bool:
        if b_text is None:
            return False
        words = _words(text)
        return (
            _phrase_in(b_text, text)
            or bool(b_words and all(_contains_word(words, word) for word in b_words))
            or any(_contains_word(words, name) for name in names)
        )

    if same_event and b_year is not None:
        if a.kind == "true_false":
            distractor_years = {
                year for choice in b.distractors if (year := _only_year(choice.text)) is not None
            }
            stated = _years(a.prompt) & (distractor_years - {b_year})
            if stated and b_year not in _years(a.prompt):
                yield Finding(
                    "R201",
                    b.slug,
                    f"The true/false statement “{a.slug}” is about the same date "
                    f"({min(stated)}) of the same event.",
                    related=a.slug,
                )
        if b_year in _years(a.prompt):
            yield Finding(
                "R202",
                b.slug,
                f"The prompt of “{a.slug}” gives the answer, {b_year}.",
                related=a.slug,
            )
        elif a_first and b_year in _years(_reveal_text(a)):
            yield Finding(
                "R202",
                b.slug,
                f"The reveal of “{a.slug}”, earlier in the quiz, gives the answer, {b_year}.",
                related=a.slug,
            )
    if same_event and b_text:
        if states_key(a.prompt):
            yield Finding(
                "R202",
                b.slug,
                f"The prompt of “{a.slug}” states the answer, “{b_text}”.",
                related=a.slug,
            )
        elif a_first and states_key(_reveal_text(a)):
            yield Finding(
                "R202",
                b.slug,
                f"The reveal of “{a.slug}”, earlier in the quiz, states the answer, “{b_text}”.",
                related=a.slug,
            )
    if same_event and direction:
        cue = _states_effect(a.prompt, direction)
        where = "prompt"
        if cue is None and a_first:
            cue, where = _states_effect(_reveal_text(a), direction), "reveal"
        if cue:
            yield Finding(
                "R202",
                b.slug,
                f"The {where} of “{a.slug}” says “{cue}”: relations {direction}, the answer.",
                related=a.slug,
            )
    if a_first and not same_event:
        yield from _cross_event_reveal(a, b, quiz, b_year, names)
    if a_first and a.kind == "order" and b_text:
        prompt_words = set(_significant(b.prompt))
        for item in a.choices:
            shared = {w for w in _significant(item.text) if _contains_word(prompt_words, w)}
            if states_key(item.text) and len(shared) >= 2:
                yield Finding(
                    "R202",
                    b.slug,
                    f"The order item “{item.text}” of “{a.slug}”, earlier in the quiz, "
                    f"states the answer, “{b_text}”.",
                    related=a.slug,
                )
                break


def _cross_event_reveal(
    a: LintQuestion, b: LintQuestion, quiz: LintQuiz, b_year: int | None, names: list[str]
) -> Iterator[Finding]:
    """An earlier reveal about another event that still answers `b`: a sentence or note
    with b's year and two words of b's event title ("An oil exploration agreement: that
    came in March 1961"), or with the name b keys and a word of b's prompt or event
    ("Alexei Kosygin: he later mediated at Tashkent")."""
    event = quiz.event(b.event)
    title_words = set(_significant(event.title)) if event else set()
    context = set(_significant(b.prompt)) | title_words
    for segment in _reveal_segments(a):
        words = _significant(segment)
        if b_year is not None and b_year in _years(segment):
            shared = {w for w in words if _contains_word(title_words, w)}
            if len(shared) >= 2:
                yield Finding(
                    "R202",
                    b.slug,
                    f"The reveal of “{a.slug}”, earlier in the quiz, gives the answer: "
                    f"“{segment}”.",
                    related=a.slug,
                )
                return
        if names and any(_contains_word(_words(segment), name) for name in names):
            key_words = _words(b.key.text) if b.key else []
            extra = {
                w
                for w in words
                if len(w) >= 5
                and not _YEAR.fullmatch(w)
                and not _contains_word(key_words, w)
                and _contains_word(context, w)
            }
            if extra:
                yield Finding(
                    "R202",
                    b.slug,
                    f"The reveal of “{a.slug}”, earlier in the quiz, links the answer to "
                    f"this question: “{segment}”.",
                    related=a.slug,
                )
                return


# -- Entry points ---------------------------------------------------------------------


def _dedupe(findings: Iterable[Finding]) -> list[Finding]:
    seen: set[tuple[str, str, str]] = set()
    result = []
    for finding in findings:
        key = (finding.code, finding.question, finding.related or finding.message)
        if key not in seen:
            seen.add(key)
            result.append(finding)
    return result


def lint_question(question: LintQuestion, quiz: LintQuiz) -> list[Finding]:
    """The rules that need only this question (and the quiz's events and claims)."""
    return [finding for rule in SINGLE_RULES for finding in rule(question, quiz)]


def lint_quiz(quiz: LintQuiz) -> list[Finding]:
    """Every finding for every question of the quiz, in question order."""
    findings: list[Finding] = []
    for question in quiz.questions:
        findings += lint_question(question, quiz)
    questions = quiz.questions
    for index, second in enumerate(questions):
        for first in questions[:index]:
            findings += _pair_ordered(first, second, quiz)
            findings += _pair_directed(first, second, quiz, a_first=True)
            findings += _pair_directed(second, first, quiz, a_first=False)
    order = {question.slug: index for index, question in enumerate(quiz.questions)}
    findings = _dedupe(findings)
    findings.sort(key=lambda f: (order.get(f.question, len(order)), f.code))
    return findings


def lint_candidate(candidate: LintQuestion, quiz: LintQuiz) -> list[Finding]:
    """Findings that adding `candidate` to `quiz` would cause: its own, and any pair
    finding between it and a question already there (whichever one it names)."""
    context = LintQuiz(
        slug=quiz.slug,
        questions=(*quiz.questions, candidate),
        events=quiz.events,
        unverified=quiz.unverified,
    )
    findings = lint_question(candidate, context)
    for other in quiz.questions:
        findings += _pair_ordered(other, candidate, context)
        findings += _pair_directed(other, candidate, context, a_first=True)
        findings += _pair_directed(candidate, other, context, a_first=False)
    return _dedupe(findings)
