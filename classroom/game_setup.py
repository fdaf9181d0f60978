"""A game's setup: what a teacher chooses before the lobby (docs/protocol.md, "Game
setup"), its bounds, how long it will take, the presets and the setup in plain words.

Pure: no Django. The setup page's form (`classroom/forms.py`) declares the same fields
with these bounds for the browser and turns what it accepts into a `GameSetup`;
`phases.game_create` takes one, picks the questions with it (quizzes/selection.py),
stores it on the game (`Game.setup`, `GameSetup.as_stored`) and anything later reads
it back with `GameSetup.from_stored`. A `GameSetup` checks its own bounds, so no code
path can store one the form would refuse.

Every field of the protocol is here, including those whose game behaviour is built on
top of this (mode and closes_at: homework; teams; reading_s): they are validated and
stored now, and read from `game.setup` by those features.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any, Protocol

LIVE = "live"
SELF_PACED = "self_paced"
MODES = (LIVE, SELF_PACED)
TIMELINE = "timeline"
SHUFFLED = "shuffled"
ORDERS = (TIMELINE, SHUFFLED)
# The time scales a teacher may pick: every time limit is multiplied by one of these.
TIME_SCALES = (1.0, 1.5, 2.0)
TEAMS_OFF = 0
TEAMS_MIN = 2
TEAMS_MAX = 8
READING_MIN_S = 0
READING_MAX_S = 10
# No quiz is this long; a bound so no number is taken on trust.
QUESTIONS_MAX = 500
STARTER_QUESTIONS = 10

# The estimate of a live game's length: each question's time limit (times the time
# scale), its reading time, and the time around it: the reveal, the explanation read
# out, a scoreboard now and then, moving on. 25 s is what the seed quiz's games took
# between questions when the teacher read every explanation aloud.
BETWEEN_QUESTIONS_S = 25

# The switches a teacher can still change in the lobby (`set_options`); the setup gives
# their first values.
SWITCHES = ("accuracy_only", "generated_names_only", "join_gate")


class SetupError(ValueError):
    """A setup outside its bounds; `field` names the field, the message says why."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True)
class GameSetup:
    # How many questions; None: every question of the chosen periods.
    questions: int | None = None
    # The slugs of the chosen periods of the quiz's timeline; empty: every period.
    periods: tuple[str, ...] = ()
    order: str = TIMELINE
    time_scale: float = 1.0
    mode: str = LIVE
    # Homework only: after this moment (timezone-aware) no answers are taken.
    closes_at: datetime | None = None
    accuracy_only: bool = False
    # 0: no teams; else the number of teams, 2-8.
    teams: int = TEAMS_OFF
    # Seconds each question is shown before it can be answered, 0-10.
    reading_s: int = 0
    join_gate: bool = False
    generated_names_only: bool = False

    def __post_init__(self) -> None:
        for problem in _problems(self):
            raise SetupError(*problem)

    def as_stored(self) -> dict[str, Any]:
        """As `Game.setup` and a teacher's last choice store it (JSON)."""
        data = asdict(self)
        data["periods"] = list(self.periods)
        data["closes_at"] = self.closes_at.isoformat() if self.closes_at else None
        return data

    @classmethod
    def from_stored(cls, data: Mapping[str, Any] | None) -> GameSetup:
        """A stored setup back (a game started before setups existed: the defaults).
        A key this version does not know is ignored; a bad value raises SetupError."""
        data = dict(data or {})
        values = {key: value for key, value in data.items() if key in cls.__dataclass_fields__}
        if "periods" in values:
            values["periods"] = tuple(values["periods"] or ())
        if values.get("closes_at"):
            try:
                values["closes_at"] = datetime.fromisoformat(values["closes_at"])
            except (TypeError, ValueError) as exc:
                raise SetupError("closes_at", "closes_at is not a date and time") from exc
        if "time_scale" in values and isinstance(values["time_scale"], int | float):
            values["time_scale"] = float(values["time_scale"])
        return cls(**values)

    def with_changes(self, **changes: Any) -> GameSetup:
        return replace(self, **changes)

    @property
    def switches(self) -> dict[str, bool]:
        """The lobby switches' first values (`Game.options`)."""
        return {name: bool(getattr(self, name)) for name in SWITCHES}


def _problems(setup: GameSetup) -> Iterable[tuple[str, str]]:
    def whole(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    if setup.questions is not None and not (
        whole(setup.questions) and 1 <= setup.questions <= QUESTIONS_MAX
    ):
        yield "questions", f"questions must be a whole number from 1 to {QUESTIONS_MAX}"
    if not isinstance(setup.periods, tuple) or not all(isinstance(p, str) for p in setup.periods):
        yield "periods", "periods must be a list of period names"
    elif len(set(setup.periods)) != len(setup.periods):
        yield "periods", "a period is listed twice"
    if setup.order not in ORDERS:
        yield "order", f"order must be one of {', '.join(ORDERS)}"
    if isinstance(setup.time_scale, bool) or setup.time_scale not in TIME_SCALES:
        yield "time_scale", "time_scale must be 1, 1.5 or 2"
    if setup.mode not in MODES:
        yield "mode", f"mode must be one of {', '.join(MODES)}"
    if setup.mode == SELF_PACED:
        if not isinstance(setup.closes_at, datetime) or setup.closes_at.tzinfo is None:
            yield "closes_at", "a homework game needs the date and time it closes"
    elif setup.closes_at is not None:
        yield "closes_at", "only a homework game closes at a set time"
    if not whole(setup.teams) or not (
        setup.teams == TEAMS_OFF or TEAMS_MIN <= setup.teams <= TEAMS_MAX
    ):
        yield "teams", f"teams must be 0 (no teams) or {TEAMS_MIN} to {TEAMS_MAX}"
    if not whole(setup.reading_s) or not READING_MIN_S <= setup.reading_s <= READING_MAX_S:
        yield "reading_s", f"reading_s must be from {READING_MIN_S} to {READING_MAX_S} seconds"
    for name in SWITCHES:
        if not isinstance(getattr(setup, name), bool):
            yield name, f"{name} must be true or false"


# -- How long it takes ------------------------------------------------------------------


def estimate_seconds(time_limits_s: Iterable[int], *, time_scale: float, reading_s: int) -> int:
    """About how long a live game of questions with these time limits takes: each
    question's limit times the scale, its reading time, and `BETWEEN_QUESTIONS_S`."""
    return round(
        sum(limit * time_scale + reading_s + BETWEEN_QUESTIONS_S for limit in time_limits_s)
    )


def estimate_minutes(seconds: int) -> int:
    """Whole minutes, half a minute and more rounded up; never 0 for a game."""
    if seconds <= 0:
        return 0
    return max(1, math.floor(seconds / 60 + 0.5))


# -- Presets ----------------------------------------------------------------------------


def gettext_noop(message: str) -> str:
    """Marks `message` for makemessages without importing Django: the setup page
    translates a preset's label when it shows it (classroom/views.py)."""
    return message


@dataclass(frozen=True)
class Preset:
    key: str
    # What the button says; `{minutes}` is filled in with the estimate for the quiz.
    label: str
    changes: Mapping[str, Any]


def presets(period_slugs: Sequence[str]) -> list[Preset]:
    """The presets of a quiz whose timeline has these periods: each sets the questions,
    the periods and the order, and keeps the rest of the form."""
    result = [
        Preset(
            "starter",
            gettext_noop("Starter: {count} questions, ~{minutes} min"),
            {"questions": STARTER_QUESTIONS, "periods": (), "order": TIMELINE},
        ),
        Preset(
            "full",
            gettext_noop("Full revision: all {count} questions, ~{minutes} min"),
            {"questions": None, "periods": (), "order": TIMELINE},
        ),
    ]
    result += [
        Preset(f"period-{slug}", "{title}", {"questions": None, "periods": (slug,)})
        for slug in period_slugs
    ]
    return result


def apply_preset(setup: GameSetup, preset: Preset) -> GameSetup:
    return setup.with_changes(**dict(preset.changes))


# -- In plain words ---------------------------------------------------------------------


class Words(Protocol):
    """What `describe` needs to say its words in a language: Django's
    django.utils.translation module is one; `ENGLISH` says them as written."""

    def gettext(self, message: str, /) -> str: ...

    def ngettext(self, singular: str, plural: str, number: int, /) -> str: ...


class _English:
    @staticmethod
    def gettext(message: str, /) -> str:
        return message

    @staticmethod
    def ngettext(singular: str, plural: str, number: int, /) -> str:
        return singular if number == 1 else plural


ENGLISH: Words = _English()


def describe(
    setup: GameSetup,
    *,
    count: int,
    seconds: int,
    period_years: Mapping[str, str],
    closes_at_text: str = "",
    say: Words | None = None,
) -> list[str]:
    """The setup in a teacher's words, part by part: "10 questions", "about 8 minutes",
    "1958–71", "shuffled", "4 teams", "reading time 5 s"...

    `period_years` maps each period of the timeline to its years ("1958–71"), in order;
    a game on every period does not list them. `closes_at_text` is the closing time
    as the teacher's clock shows it. `say` puts the words in a language (Django's
    translation module, from classroom/setups.py); English by default."""
    say = say or ENGLISH
    parts = [say.ngettext("%(n)s question", "%(n)s questions", count) % {"n": count}]
    minutes = estimate_minutes(seconds)
    if minutes:
        parts.append(
            say.ngettext("about %(n)s minute", "about %(n)s minutes", minutes) % {"n": minutes}
        )
    chosen = [slug for slug in period_years if slug in setup.periods]
    if chosen and len(chosen) < len(period_years):
        parts.append(", ".join(period_years[slug] for slug in chosen))
    if setup.order == SHUFFLED:
        parts.append(say.gettext("shuffled"))
    if setup.time_scale != 1:
        parts.append(say.gettext("time limits × %(scale)s") % {"scale": f"{setup.time_scale:g}"})
    if setup.mode == SELF_PACED:
        parts.append(
            say.gettext("homework until %(time)s") % {"time": closes_at_text}
            if closes_at_text
            else say.gettext("homework")
        )
    if setup.teams:
        parts.append(say.ngettext("%(n)s team", "%(n)s teams", setup.teams) % {"n": setup.teams})
    if setup.reading_s:
        parts.append(say.gettext("reading time %(n)s s") % {"n": setup.reading_s})
    if setup.accuracy_only:
        parts.append(say.gettext("accuracy only"))
    if setup.join_gate:
        parts.append(say.gettext("shapes to join"))
    if setup.generated_names_only:
        parts.append(say.gettext("generated names only"))
    return parts
