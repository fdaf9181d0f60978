"""Quiz content: a timeline of events, and quizzes of questions built on it.

Rows are keyed by stable slugs so `load_seeds` can upsert them and
`export_quiz` can write them back to the same YAML.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from quizzes import periods as timeline_periods
from quizzes.kinds import KINDS
from quizzes.lint import unverified_from

PERIODS_EXAMPLE = (
    '[{"slug": "1947-58", "title": "1947–58: Neutral, then the Western alliances", '
    '"start": 1947, "end": 1958}, {"slug": "1958-71", ...}]'
)


def validate_unverified(value: object) -> None:
    """The timeline's unverified claims must be what the linter can read."""
    try:
        unverified_from(value)
    except ValueError as exc:
        raise ValidationError(
            f'{exc}. Use [{{"claim": "...", "match": ["..."], "event": "slug"}}, ...].'
        ) from exc


def validate_periods(value: object) -> None:
    """The timeline's periods must be what quizzes/periods.py reads, in order and
    contiguous (that they lie inside the timeline's period is `Timeline.clean`'s)."""
    try:
        periods = timeline_periods.from_stored(value)
    except ValueError as exc:
        raise ValidationError(f"{exc}. Use {PERIODS_EXAMPLE}.") from exc
    messages = [
        f"period {index + 1}: {message}" if index is not None else message
        for index, _key, message in timeline_periods.order_problems(periods)
    ]
    if messages:
        raise ValidationError(messages)


class Timeline(models.Model):
    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    period_start = models.PositiveSmallIntegerField(help_text="First year of the period studied.")
    period_end = models.PositiveSmallIntegerField(help_text="Last year of the period studied.")
    # The source's overall judgement, e.g. "not successful: good periods were short-lived".
    overall_verdict = models.TextField(blank=True)
    # Claims the fact check could not confirm: [{"claim", "match": [...], "event"?}].
    # The quiz linter refuses a question whose keyed statement contains a `match` text.
    unverified = models.JSONField(default=list, blank=True, validators=[validate_unverified])
    # The parts the period is taught in, in order: [{"slug", "title", "start", "end"}]
    # (quizzes/periods.py). A JSON list rather than a model of its own: the list is
    # read and written whole (YAML, export, the admin), its rule is about the whole list
    # (contiguous, in order), and nothing links to one period (a game copies them).
    periods = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_periods],
        help_text=(
            "The parts of the period a teacher can choose when starting a game, in order, "
            "each starting the year the one before ends (the last includes its end year). "
            f"Leave [] for none. Example: {PERIODS_EXAMPLE}"
        ),
    )

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        try:
            periods = timeline_periods.from_stored(self.periods)
        except ValueError:
            return  # the field's own validator reports it
        if self.period_start is None or self.period_end is None:
            return
        messages = [
            f"period {index + 1}: {message}"
            for index, _key, message in timeline_periods.outside(
                periods, timeline_start=self.period_start, timeline_end=self.period_end
            )
        ]
        if messages:
            raise ValidationError({"periods": messages})

    def period_list(self) -> tuple[timeline_periods.Period, ...]:
        """The periods as `Period`s (an unreadable stored list reads as none)."""
        try:
            return timeline_periods.from_stored(self.periods)
        except ValueError:
            return ()


class Event(models.Model):
    class Effect(models.TextChoices):
        IMPROVED = "improved", "Improved relations"
        WORSENED = "worsened", "Worsened relations"
        NEUTRAL = "neutral", "Neutral"

    class Verdict(models.TextChoices):
        SUCCESS = "success", "Success"
        FAILURE = "failure", "Failure"
        NEUTRAL = "neutral", "Neutral"

    timeline = models.ForeignKey(Timeline, on_delete=models.CASCADE, related_name="events")
    slug = models.SlugField(max_length=100)
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    day = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    title = models.CharField(max_length=200)
    summary = models.TextField()
    actors = models.JSONField(default=list, blank=True)
    effect = models.CharField(max_length=10, choices=Effect.choices)
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    # Why the seed's verdict is what it is, in a sentence a student can read at the reveal.
    verdict_reason = models.TextField(blank=True)
    # Where the seed text is wrong and what the sources say instead.
    correction = models.TextField(blank=True)
    # False for the post-1991 epilogue: kept for context, never asked about.
    in_period = models.BooleanField(default=True)
    sources = models.JSONField(default=list, blank=True)
    # Which generated question kinds may use this event; empty means every kind.
    generate_kinds = models.JSONField(default=list, blank=True)
    # The "who" question's material: {"name", "prompt", "distractors"}; empty for none.
    # Stored so the admin's "regenerate" and the exporter see what the YAML said.
    key_actor = models.JSONField(default=dict, blank=True)
    exclude_from_generation = models.BooleanField(default=False)
    # Shown instead of the date built from year/month/day when that date is uncertain
    # (e.g. "mid-1980s"); the year still places the event on the timeline.
    date_text = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["timeline", "year", models.F("month").asc(nulls_first=True), "day", "slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["timeline", "slug"], name="event_unique_slug_per_timeline"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.title}"

    @property
    def date_label(self) -> str:
        if self.date_text:
            return self.date_text
        months = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ]
        if self.month and self.day:
            return f"{self.day} {months[self.month - 1]} {self.year}"
        if self.month:
            return f"{months[self.month - 1]} {self.year}"
        return str(self.year)


class Quiz(models.Model):
    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    timeline = models.ForeignKey(
        Timeline, on_delete=models.PROTECT, related_name="quizzes", null=True, blank=True
    )
    # How generated questions are made: {"seed": int, "kinds": {...}, "count": int}.
    generator = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "quizzes"

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    # The kinds and their names are declared once, in quizzes/kinds.py (CHOICE,
    # TRUE_FALSE, ORDER, YEAR_GUESS, ...: one member per kind).
    Kind = models.TextChoices(
        "Kind", [(kind.name.upper(), (kind.name, kind.label)) for kind in KINDS.values()]
    )

    class Source(models.TextChoices):
        HAND = "hand", "Hand-written"
        GENERATED = "generated", "Generated"

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    slug = models.SlugField(max_length=120)
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.CHOICE)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.HAND)
    # For generated questions: which generator made it (year_of_event, event_in_year, ...).
    generator_kind = models.CharField(max_length=30, blank=True)
    event = models.ForeignKey(
        Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="questions"
    )
    prompt = models.TextField()
    explanation = models.TextField()
    time_limit_s = models.PositiveSmallIntegerField(
        default=20, validators=[MinValueValidator(5), MaxValueValidator(240)]
    )
    # 1 for normal questions, 2 for Kahoot-style double points.
    points_multiplier = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(0), MaxValueValidator(2)]
    )
    # For year_guess questions: the true year (choices are not used).
    answer_year = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["quiz", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["quiz", "slug"], name="question_unique_slug_per_quiz"),
        ]

    def __str__(self) -> str:
        return self.prompt[:80]

    def clean(self) -> None:
        super().clean()
        if not (self.explanation or "").strip():
            raise ValidationError(
                {"explanation": "Every question needs an explanation for the reveal."}
            )


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=200)
    is_correct = models.BooleanField(default=False)
    # Why this distractor is wrong (a real date or person of another event).
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["question", "position", "id"]

    def __str__(self) -> str:
        return self.text
