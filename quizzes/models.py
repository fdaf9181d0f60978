"""Quiz content: a timeline of events, and quizzes of questions built on it.

Rows are keyed by stable slugs so `load_seeds` can upsert them and
`export_quiz` can write them back to the same YAML.
"""

import secrets

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy

from quizzes import periods as timeline_periods
from quizzes.images import CONTENT_TYPES, Picture
from quizzes.kinds import KINDS
from quizzes.lint import unverified_from

# A picture's description for those who cannot see it (screen readers, a blurry
# projector): a sentence or two. quizzes/schema_fields.py holds the same number.
PICTURE_ALT_MAX = 250
PICTURE_FOLDER = "questions"

PICTURE_HELP = (
    "A map, photograph or drawing the question is about (optional). PNG, JPEG or WebP, at "
    "most 8 MB and 24 million pixels. The server turns it upright, removes what a photo "
    "hides (the place it was taken, the camera, the date, any description), scales it to at "
    "most 1920 pixels and stores it under a random name, so neither the file nor its address "
    "tells the class the answer. The projector shows it large beside the question; phones "
    "show it small, tap to enlarge."
)
PICTURE_ALT_HELP = (
    "Required with a picture, at most 250 characters. Say what a student needs from the "
    "picture to answer, as you would tell a student who cannot see it, e.g. “Map of "
    "Pakistan in 1947: West Pakistan and East Pakistan in green, India between them.” Do "
    "not begin with “Image of” or “Picture of” (a screen reader already says it is a "
    "picture), do not describe what does not matter, and do not give the answer away."
)


def picture_name(instance: object, filename: str) -> str:
    """Where a question's picture is stored: `questions/<32 random hex digits>.<ext>`.

    Nothing of the uploaded file's name, the question, its slug or its answer: the name
    becomes the URL every phone sees. The extension is the stored format's
    (quizzes/images.py names the cleaned file), never the upload's.
    """
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in CONTENT_TYPES:
        raise ValueError(f"a question's picture is stored as {', '.join(CONTENT_TYPES)}")
    return f"{PICTURE_FOLDER}/{secrets.token_hex(16)}.{extension}"


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


def picture_file_save(picture: Picture) -> str:
    """Write a cleaned picture under a new random name; return the name stored. The file
    is written before any row names it: a row never names a file that is not there."""
    field = Question._meta.get_field("image")
    name = picture_name(None, f"picture.{picture.extension}")
    return field.storage.save(name, ContentFile(picture.data))


def picture_file_bytes(name: str) -> bytes:
    """A stored picture's bytes (OSError if the file is gone)."""
    with Question._meta.get_field("image").storage.open(name, "rb") as file:
        return file.read()


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
        IMPROVED = "improved", gettext_lazy("Improved relations")
        WORSENED = "worsened", gettext_lazy("Worsened relations")
        NEUTRAL = "neutral", gettext_lazy("Neutral")

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
    # TRUE_FALSE, ORDER, YEAR_GUESS, VERDICT: one member per kind).
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
    # Required (`clean`); blank in forms only so a verdict question can take its event's
    # verdict_reason when the editor writes none (docs/yaml-schema.md, "verdict").
    explanation = models.TextField(blank=True)
    time_limit_s = models.PositiveSmallIntegerField(
        default=20, validators=[MinValueValidator(5), MaxValueValidator(240)]
    )
    # 1 for normal questions, 2 for Kahoot-style double points.
    points_multiplier = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(0), MaxValueValidator(2)]
    )
    # For year_guess questions: the true year (choices are not used).
    answer_year = models.PositiveSmallIntegerField(null=True, blank=True)
    # A picture, cleaned by quizzes/images.py before it is stored (the admin's
    # PictureField, or `picture_file_save` for a YAML load). A replaced file stays (a
    # game's copy may show it) until `manage.py purge_pictures` finds nothing using it.
    image = models.FileField(
        "picture", upload_to=picture_name, blank=True, max_length=100, help_text=PICTURE_HELP
    )
    image_alt = models.CharField(
        "alt text", max_length=PICTURE_ALT_MAX, blank=True, help_text=PICTURE_ALT_HELP
    )
    image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["quiz", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["quiz", "slug"], name="question_unique_slug_per_quiz"),
            # A picture nobody can read about is not allowed in, whoever writes the row.
            models.CheckConstraint(
                condition=models.Q(image="") | ~models.Q(image_alt=""),
                name="question_picture_has_alt",
                violation_error_message="A picture needs its alt text.",
            ),
        ]

    def __str__(self) -> str:
        return self.prompt[:80]

    def clean(self) -> None:
        super().clean()
        if not (self.explanation or "").strip():
            raise ValidationError(
                {"explanation": "Every question needs an explanation for the reveal."}
            )
        self.clean_picture()

    def clean_picture(self) -> None:
        """Alt text goes with a picture: required with one, meaningless without."""
        if self.image and not (self.image_alt or "").strip():
            raise ValidationError(
                {
                    "image_alt": "Describe the picture for students who cannot see it: a "
                    "picture needs its alt text."
                }
            )
        if not self.image and (self.image_alt or "").strip():
            raise ValidationError(
                {"image_alt": "There is no picture to describe: add one, or clear this text."}
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
