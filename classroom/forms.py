"""The game setup form (docs/protocol.md, "Game setup"): the page a teacher fills in
before the lobby, and what `POST /host/start/` accepts.

Every field is declared here with its type and bounds (the numbers are
classroom/game_setup.py's, which a `GameSetup` checks again). A value outside them
is refused alone, with a message next to its field, and nothing starts. What the
form accepts becomes a `GameSetup` (`SetupForm.setup`); a field left out of the
request takes its default, so `POST /host/start/` with only `quiz` (the protocol's
original form) still starts a live game of every question.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy, ngettext_lazy

from classroom import game_setup
from classroom.game_setup import GameSetup

# A homework game closes at most this far ahead: unended games are deleted after a
# month by the retention job (README, "Student data and retention").
CLOSES_AT_MAX_DAYS = 28

# What a checkbox may send: checked ("on", or an API client's "1" or "true"), or
# nothing / "0" / "false" for unchecked.
CHECKED = {"on": True, "1": True, "true": True, "": False, "0": False, "false": False}

# Fields that take one value: the same name twice is a mistake to point out, not a
# choice for the server to make silently.
SINGLE = (
    "quiz",
    "questions",
    "order",
    "time_scale",
    "mode",
    "closes_at",
    "timezone",
    "accuracy_only",
    "teams",
    "reading_s",
    "join_gate",
    "generated_names_only",
)


def _ticked(value: Any) -> bool:
    if isinstance(value, str):
        return CHECKED.get(value.strip().lower(), False)
    return bool(value)


class RawCheckbox(forms.CheckboxInput):
    """A checkbox whose sent value reaches the field as it was sent (Django's maps any
    text it does not know to "checked", so "maybe" would tick the box), shown ticked
    only for a value that means ticked."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, check_test=_ticked)

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name, "")

    def format_value(self, value: Any) -> str | None:
        # The box sends "on" when ticked, whatever was sent before.
        return None


class StrictBooleanField(forms.Field):
    widget = RawCheckbox

    def __init__(self, *, words: str, **kwargs: Any) -> None:
        self.words = words
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        text = str(value if value is not None else "").strip().lower()
        if text not in CHECKED:
            raise forms.ValidationError(
                gettext("“%(words)s” must be ticked or not.") % {"words": self.words},
                code="invalid_checkbox",
            )
        return CHECKED[text]

    def validate(self, value: Any) -> None:
        # False is a value here, not a missing one.
        return


def _time_zone(name: str) -> zoneinfo.ZoneInfo | None:
    """The IANA zone called `name`, or None (a made-up or malformed name)."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None


class SetupForm(forms.Form):
    """The setup of one game of `quiz` (its periods and question count are the bounds)."""

    quiz = forms.CharField(widget=forms.HiddenInput, max_length=100)
    questions = forms.IntegerField(
        label=gettext_lazy("Number of questions"),
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1}),
        error_messages={"invalid": gettext_lazy("Give a whole number, or leave empty for all.")},
    )
    periods = forms.MultipleChoiceField(
        label=gettext_lazy("Periods"), required=False, widget=forms.CheckboxSelectMultiple
    )
    # The HTML form sends this with the period boxes, so that unticking every box is
    # told apart from an API client that leaves `periods` out (which means all).
    periods_shown = forms.CharField(widget=forms.HiddenInput, required=False, max_length=1)
    order = forms.ChoiceField(
        label=gettext_lazy("Order"),
        required=False,
        choices=[
            (game_setup.TIMELINE, gettext_lazy("In timeline order")),
            (game_setup.SHUFFLED, gettext_lazy("Shuffled")),
        ],
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": gettext_lazy("Choose timeline order or shuffled.")},
    )
    time_scale = forms.ChoiceField(
        label=gettext_lazy("Time to answer"),
        required=False,
        choices=[
            ("1", gettext_lazy("Normal")),
            ("1.5", gettext_lazy("1.5 × longer")),
            ("2", gettext_lazy("Twice as long")),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": gettext_lazy("Choose normal time, 1.5 × or twice as long.")
        },
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("How it is played"),
        required=False,
        choices=[
            (game_setup.LIVE, gettext_lazy("Live, in class (you move the game on)")),
            (game_setup.SELF_PACED, gettext_lazy("Homework (each student at their own pace)")),
        ],
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": gettext_lazy("Choose live or homework.")},
    )
    closes_at = forms.DateTimeField(
        label=gettext_lazy("Homework closes at"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": gettext_lazy("Give a date and time, e.g. 2025-03-14T18:00.")},
    )
    # The teacher's browser's time zone (filled in by the page), so that "18:00" is
    # their 18:00; without it, the server's.
    timezone = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    accuracy_only = StrictBooleanField(
        label=gettext_lazy("Accuracy only"), words=gettext_lazy("Accuracy only")
    )
    teams = forms.TypedChoiceField(
        label=gettext_lazy("Teams"),
        required=False,
        coerce=int,
        empty_value=game_setup.TEAMS_OFF,
        choices=[("0", gettext_lazy("No teams"))]
        + [
            (str(n), ngettext_lazy("%(n)s team", "%(n)s teams", "n") % {"n": n})
            for n in range(game_setup.TEAMS_MIN, game_setup.TEAMS_MAX + 1)
        ],
        error_messages={
            "invalid_choice": format_lazy(
                gettext_lazy("Choose no teams or {low} to {high} teams."),
                low=game_setup.TEAMS_MIN,
                high=game_setup.TEAMS_MAX,
            )
        },
    )
    reading_s = forms.IntegerField(
        label=gettext_lazy("Reading time (seconds)"),
        required=False,
        widget=forms.NumberInput(
            attrs={
                "inputmode": "numeric",
                "min": game_setup.READING_MIN_S,
                "max": game_setup.READING_MAX_S,
            }
        ),
        error_messages={"invalid": gettext_lazy("Give a whole number of seconds.")},
    )
    join_gate = StrictBooleanField(
        label=gettext_lazy("Shapes to join"), words=gettext_lazy("Shapes to join")
    )
    generated_names_only = StrictBooleanField(
        label=gettext_lazy("Generated names only"), words=gettext_lazy("Generated names only")
    )

    def __init__(
        self, *args: Any, period_choices: list[tuple[str, str]], question_count: int, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.question_count = question_count
        self.fields["periods"].choices = period_choices
        self.fields["periods"].error_messages["invalid_choice"] = gettext(
            "“%(value)s” is not a period of this quiz."
        )
        questions = self.fields["questions"]
        questions.validators = [
            _bounds(
                1,
                question_count,
                gettext("Ask for 1 to %(n)s questions, or leave empty.") % {"n": question_count},
            )
        ]
        questions.widget.attrs["max"] = question_count
        low, high = game_setup.READING_MIN_S, game_setup.READING_MAX_S
        self.fields["reading_s"].validators = [
            _bounds(
                low,
                high,
                gettext("Reading time is %(low)s to %(high)s seconds.")
                % {"low": low, "high": high},
            )
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if hasattr(self.data, "getlist"):
            for name in SINGLE:
                if len(self.data.getlist(name)) > 1 and name not in self.errors:
                    self.add_error(name, gettext("Give one value only."))
        mode = data.get("mode") or game_setup.LIVE
        if mode == game_setup.SELF_PACED:
            self._clean_closes_at(data)
            if data.get("teams"):
                self.add_error(
                    "teams", gettext("Teams play together in class: a homework has no teams.")
                )
            if data.get("reading_s"):
                self.add_error(
                    "reading_s",
                    gettext("At home each student reads at their own pace: set no reading time."),
                )
        else:
            # The field stays on the page when live is picked; it means nothing then.
            data["closes_at"] = None
        if self.data.get("periods_shown") and not data.get("periods") and self.period_slugs:
            self.add_error("periods", gettext("Tick at least one period."))
        return data

    @property
    def period_slugs(self) -> list[str]:
        return [slug for slug, _title in self.fields["periods"].choices]

    def _clean_closes_at(self, data: dict[str, Any]) -> None:
        closes_at = data.get("closes_at")
        if "closes_at" in self.errors:
            return
        if closes_at is None:
            self.add_error("closes_at", gettext("Homework needs the date and time it closes."))
            return
        zone_name = (data.get("timezone") or "").strip()
        if zone_name:
            zone = _time_zone(zone_name)
            if zone is None:
                self.add_error(
                    "timezone", gettext("“%(zone)s” is not a time zone.") % {"zone": zone_name}
                )
                return
            sent = parse_datetime(str(self.data.get("closes_at", "")).strip())
            if sent is not None and sent.tzinfo is None:
                # A local time without an offset (what the page sends): the teacher's.
                closes_at = timezone.make_aware(sent, zone)
        now = timezone.now()
        if closes_at <= now:
            self.add_error("closes_at", gettext("Pick a time in the future."))
        elif closes_at > now + timedelta(days=CLOSES_AT_MAX_DAYS):
            self.add_error(
                "closes_at",
                gettext("Homework can stay open for at most %(n)s days.")
                % {"n": CLOSES_AT_MAX_DAYS},
            )
        else:
            data["closes_at"] = closes_at

    def mark_errors(self) -> None:
        """Tie each message to its field for a screen reader: the field is invalid and
        described by the message shown next to it (`err-<name>` in the template)."""
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"err-{name}"

    def setup(self) -> GameSetup:
        """The accepted setup (call after `is_valid()`)."""
        data = self.cleaned_data
        periods = tuple(dict.fromkeys(data.get("periods") or ()))
        if set(periods) == set(self.period_slugs):
            periods = ()
        return GameSetup(
            questions=data.get("questions"),
            periods=periods,
            order=data.get("order") or game_setup.TIMELINE,
            time_scale=float(data.get("time_scale") or 1),
            mode=data.get("mode") or game_setup.LIVE,
            closes_at=data.get("closes_at"),
            accuracy_only=data.get("accuracy_only") or False,
            teams=data.get("teams") or game_setup.TEAMS_OFF,
            reading_s=data.get("reading_s") or 0,
            join_gate=data.get("join_gate") or False,
            generated_names_only=data.get("generated_names_only") or False,
        )


def _bounds(low: int, high: int, message: str) -> Any:
    def check(value: int | None) -> None:
        if value is not None and not low <= value <= high:
            raise forms.ValidationError(message, code="out_of_range")

    return check


def initial_for(setup: GameSetup, *, period_slugs: list[str]) -> dict[str, Any]:
    """The form's values showing `setup` (the teacher's last choice, a preset)."""
    closes_at = setup.closes_at
    return {
        "questions": setup.questions,
        "periods": list(setup.periods) or list(period_slugs),
        "periods_shown": "1",
        "order": setup.order,
        "time_scale": f"{setup.time_scale:g}",
        "mode": setup.mode,
        "closes_at": closes_at.replace(tzinfo=None) if isinstance(closes_at, datetime) else None,
        "accuracy_only": setup.accuracy_only,
        "teams": str(setup.teams),
        "reading_s": setup.reading_s,
        "join_gate": setup.join_gate,
        "generated_names_only": setup.generated_names_only,
    }
