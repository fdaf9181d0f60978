"""Every frame a client may send, declared once (docs/protocol.md, "Inbound frames").

One pydantic model per frame type, looked up by the frame's `"type"`. The consumers
parse each frame here before anything else happens to it, so no service and no group
of answers or joins ever sees a value outside its declared type and bounds.

Types are strict, as JSON means them: a whole number is an int (not a bool, not
`3.0`, not `"3"`), text is a string, a list is a list, and nothing nested stands where
a scalar belongs. Numbers have bounds (an id fits a JavaScript number exactly, a year
has at most four digits), lists and strings have lengths. Fields a frame does not
declare are ignored: the protocol lets clients and servers add fields.

A frame outside its declaration raises `ClientError("bad_field", ...)` with a message
naming the field; the socket stays open and nothing changes. A type the role does not
have is `unknown_type`, a host type from a phone is `not_host`.

Rules that need the game (is this choice one of the question's? is this year within the
question's `year_min`..`year_max`?) are the question kind's (quizzes/kinds.py, `check`),
asked by services, where the question is known.

Why pydantic (v2) and not msgspec: docs/architecture.md, "Inbound frames".

Pure: pydantic and quizzes/kinds.py only (no Django, no Channels).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from classroom import gate
from classroom.errors import ClientError
from classroom.nicknames import MAX_RAW_LENGTH
from quizzes.kinds import YEAR_MAX, YEAR_MIN

# The largest whole number a JavaScript client holds exactly (Number.MAX_SAFE_INTEGER):
# every id a client may echo back (question, choice, player) is within 0..ID_MAX.
ID_MAX = 2**53 - 1
MAX_ORDER_CHOICES = 10
MAX_TOKEN_LENGTH = 200
MAX_REF_LENGTH = 64
MAX_EXTRA_TIME_S = 120
MAX_GATE_SHAPES = gate.MAX_SENT
SHAPES = gate.SHAPES
MAX_TYPE_IN_MESSAGE = 40

ID_RULE = "a whole number (an id from the server)"

Id = Annotated[int, Field(strict=True, ge=0, le=ID_MAX)]
Year = Annotated[int, Field(strict=True, ge=YEAR_MIN, le=YEAR_MAX)]
Token = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_TOKEN_LENGTH,
        description=f"the resume token (text of 1 to {MAX_TOKEN_LENGTH} characters)",
    ),
]
Shape = Literal["triangle", "diamond", "circle", "square"]
PingRef = (
    Annotated[int, Field(strict=True, ge=-ID_MAX, le=ID_MAX)]
    | Annotated[str, Field(strict=True, max_length=MAX_REF_LENGTH)]
    | None
)


class InboundFrame(BaseModel):
    """What every client frame shares: its `type`, and strict, immutable fields."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)
    # The frame types of docs/protocol.md this model declares (one, as a rule).
    type: str

    def arguments(self) -> dict[str, Any]:
        """The frame's own fields, those it sets (a host command's service takes them
        as keyword arguments: classroom/consumers.py, HOST_COMMANDS)."""
        return self.model_dump(exclude={"type"}, exclude_none=True)


# --- frames both roles send ------------------------------------------------------------


class Ping(InboundFrame):
    type: Literal["ping"]
    ref: PingRef = Field(
        default=None,
        description=f"a whole number, text of at most {MAX_REF_LENGTH} characters, or null",
    )


class Sync(InboundFrame):
    type: Literal["sync"]


# --- the phone -------------------------------------------------------------------------


class Join(InboundFrame):
    type: Literal["join"]
    nickname: str = Field(
        max_length=MAX_RAW_LENGTH,
        description=f"text of at most {MAX_RAW_LENGTH} characters",
    )
    # The join gate's shape sequence (docs/protocol.md, "Join gate"); checked against
    # the game by whoever implements the gate, passed through untouched here.
    gate: list[Shape] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_GATE_SHAPES,
        description=f"a list of 1 to {MAX_GATE_SHAPES} shape names ({', '.join(SHAPES)})",
    )


class Resume(InboundFrame):
    type: Literal["resume"]
    token: Token


class _OneAnswer(InboundFrame):
    """`choice_id` (choice, true_false), `choice_ids` (order) or `year` (year_guess),
    exactly one of them: an answer in a game (`Answer`) or in a practice round."""

    choice_id: Id | None = Field(default=None, description=ID_RULE)
    choice_ids: list[Id] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_ORDER_CHOICES,
        description=f"a list of 1 to {MAX_ORDER_CHOICES} choice ids",
    )
    year: Year | None = Field(
        default=None, description=f"a whole number from {YEAR_MIN} to {YEAR_MAX}"
    )

    @model_validator(mode="after")
    def _one_answer(self) -> _OneAnswer:
        given = [v for v in (self.choice_id, self.choice_ids, self.year) if v is not None]
        if not given:
            raise ValueError("An answer needs choice_id, choice_ids or year.")
        if len(given) > 1:
            raise ValueError("Send only one of choice_id, choice_ids or year.")
        return self


class Answer(_OneAnswer):
    """An answer to the game's question `question_id`."""

    type: Literal["answer"]
    question_id: Id = Field(description=ID_RULE)


# --- "Practise what you missed" (classroom/practice.py, over HTTP, not the socket) -------

MAX_PRACTICE_INDEX = 50


class PracticeRound(InboundFrame):
    """A phone asks for its practice round's questions."""

    type: Literal["practice_round"]
    token: Token


class PracticeAnswer(_OneAnswer):
    """A practice answer: the question's place in the round and the answer, as `Answer`."""

    type: Literal["practice_answer"]
    token: Token
    index: int = Field(
        strict=True,
        ge=0,
        le=MAX_PRACTICE_INDEX,
        description=f"a whole number from 0 to {MAX_PRACTICE_INDEX}",
    )


PRACTICE_FRAMES: Mapping[str, type[InboundFrame]] = {
    "practice_round": PracticeRound,
    "practice_answer": PracticeAnswer,
}


def practice_frame(data: Any) -> InboundFrame:
    """A practice request as its declared model; ClientError if it is not one."""
    if not isinstance(data, Mapping):
        raise ClientError("bad_field", 'A request is a JSON object with a "type" string.')
    return _parse(PRACTICE_FRAMES, data)


# --- the projector ---------------------------------------------------------------------


class Start(InboundFrame):
    type: Literal["start"]


class Next(InboundFrame):
    type: Literal["next"]


class CloseQuestion(InboundFrame):
    type: Literal["close_question"]


class Scoreboard(InboundFrame):
    type: Literal["scoreboard"]


class Lock(InboundFrame):
    type: Literal["lock"]


class Unlock(InboundFrame):
    type: Literal["unlock"]


class End(InboundFrame):
    type: Literal["end"]


class Kick(InboundFrame):
    type: Literal["kick"]
    player_id: Id = Field(description=ID_RULE)


class ExtraTime(InboundFrame):
    type: Literal["extra_time"]
    player_id: Id = Field(description=ID_RULE)
    seconds: int = Field(
        ge=0,
        le=MAX_EXTRA_TIME_S,
        description=f"a whole number from 0 to {MAX_EXTRA_TIME_S}",
    )


class SetOptions(InboundFrame):
    type: Literal["set_options"]
    accuracy_only: bool | None = Field(default=None, description="true or false")
    generated_names_only: bool | None = Field(default=None, description="true or false")
    join_gate: bool | None = Field(default=None, description="true or false")

    # The option names, in the order phases.game_set_options takes them (and the one list
    # of them: selectors.OPTION_KEYS).
    OPTIONS: ClassVar[tuple[str, ...]] = ("accuracy_only", "generated_names_only", "join_gate")

    @model_validator(mode="after")
    def _some_option(self) -> SetOptions:
        if all(getattr(self, name) is None for name in self.OPTIONS):
            raise ValueError("set_options needs accuracy_only, generated_names_only or join_gate.")
        return self


def _by_type(*models: type[InboundFrame]) -> dict[str, type[InboundFrame]]:
    return {model.model_fields["type"].annotation.__args__[0]: model for model in models}


PHONE_FRAMES: Mapping[str, type[InboundFrame]] = _by_type(Join, Resume, Answer, Ping, Sync)
HOST_FRAMES: Mapping[str, type[InboundFrame]] = _by_type(
    Start,
    Next,
    CloseQuestion,
    Scoreboard,
    Kick,
    Lock,
    Unlock,
    End,
    SetOptions,
    ExtraTime,
    Ping,
    Sync,
)
# The host's commands: the frames that change a game (ping and sync only read).
HOST_COMMANDS = frozenset(HOST_FRAMES) - {"ping", "sync"}


# --- parsing -----------------------------------------------------------------------------


def _message(model: type[InboundFrame], error: ValidationError) -> str:
    """One plain sentence naming the first field that is wrong."""
    first = error.errors(include_url=False, include_input=False)[0]
    location = first.get("loc") or ()
    if not location:
        # A rule over several fields (model_validator): its own sentence.
        cause = (first.get("ctx") or {}).get("error")
        return str(cause) if cause is not None else "This frame's fields do not fit together."
    name = str(location[0])
    if first.get("type") == "missing":
        return f"{name} is missing."
    field = model.model_fields.get(name)
    rule = field.description if field is not None and field.description else "something else"
    return f"{name} must be {rule}."


def _parse(frames: Mapping[str, type[InboundFrame]], data: Mapping[str, Any]) -> InboundFrame:
    kind = data.get("type")
    if not isinstance(kind, str):
        raise ClientError("bad_field", 'A frame is a JSON object with a "type" string.')
    model = frames.get(kind)
    if model is None:
        shown = kind if len(kind) <= MAX_TYPE_IN_MESSAGE else kind[:MAX_TYPE_IN_MESSAGE] + "…"
        raise ClientError("unknown_type", f"Unknown frame type {shown!r}.")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ClientError("bad_field", _message(model, error)) from None


# A homework player paces their own game: `next` is theirs (docs/protocol.md,
# "Self-paced games").
SELF_PACED_PHONE_FRAMES: Mapping[str, type[InboundFrame]] = {**PHONE_FRAMES, "next": Next}


def phone_frame(data: Mapping[str, Any], *, self_paced: bool = False) -> InboundFrame:
    """A phone's frame as its declared model; ClientError if it is not one. In a
    homework game (`self_paced`) a phone may also send `next`."""
    if self_paced and data.get("type") == "next":
        return _parse(SELF_PACED_PHONE_FRAMES, data)
    if data.get("type") in HOST_COMMANDS:
        raise ClientError("not_host", "Only the game's host can do that.")
    return _parse(PHONE_FRAMES, data)


def host_frame(data: Mapping[str, Any]) -> InboundFrame:
    """A projector's frame as its declared model; ClientError if it is not one."""
    return _parse(HOST_FRAMES, data)
