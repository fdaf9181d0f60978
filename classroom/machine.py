"""The phases of a live game and the host actions that move between them.

The legal moves are declared as data (`TRANSITIONS`), not spread over `if`s, so the
server, the projector's buttons (`allowed_actions`) and the tests read one table.

Decisions where the protocol is silent:

- `next` while a question is open is illegal: the host closes it first
  (`close_question`), so every question gets a reveal and no answer is cut off
  without the class seeing the result.
- `start` and `next` both go to the next question when there is one, else to
  `finished`: a quiz with no questions left simply ends.
- `end` is legal from every phase except `finished` (ending twice is a mistake the
  host should hear about, not a silent no-op).
- `scoreboard` is only legal from `reveal`: the scoreboard summarises a revealed
  question.

Pure: no Django, no Channels, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Phase(StrEnum):
    # Same values as classroom.models.Game.Phase: the database stores these strings.
    LOBBY = "lobby"
    QUESTION = "question"
    REVEAL = "reveal"
    SCOREBOARD = "scoreboard"
    FINISHED = "finished"


class Action(StrEnum):
    START = "start"
    NEXT = "next"
    CLOSE_QUESTION = "close_question"
    SCOREBOARD = "scoreboard"
    END = "end"


@dataclass(frozen=True)
class IfNextQuestion:
    """A target that depends on whether the quiz has another question."""

    then: Phase
    otherwise: Phase


_NEXT_OR_FINISH = IfNextQuestion(then=Phase.QUESTION, otherwise=Phase.FINISHED)

TRANSITIONS: dict[tuple[Phase, Action], Phase | IfNextQuestion] = {
    (Phase.LOBBY, Action.START): _NEXT_OR_FINISH,
    (Phase.LOBBY, Action.END): Phase.FINISHED,
    (Phase.QUESTION, Action.CLOSE_QUESTION): Phase.REVEAL,
    (Phase.QUESTION, Action.END): Phase.FINISHED,
    (Phase.REVEAL, Action.SCOREBOARD): Phase.SCOREBOARD,
    (Phase.REVEAL, Action.NEXT): _NEXT_OR_FINISH,
    (Phase.REVEAL, Action.END): Phase.FINISHED,
    (Phase.SCOREBOARD, Action.NEXT): _NEXT_OR_FINISH,
    (Phase.SCOREBOARD, Action.END): Phase.FINISHED,
}


def gettext_noop(message: str) -> str:
    """Marks `message` for makemessages without importing Django: it is translated when
    an error frame is sent (classroom/languages.py)."""
    return message


# Why an action is refused, in words a teacher understands: specific cases first,
# then one sentence per action.
_REFUSALS_IN_PHASE: dict[tuple[Phase, Action], str] = {
    (Phase.LOBBY, Action.NEXT): gettext_noop("Start the game first."),
    (Phase.LOBBY, Action.SCOREBOARD): gettext_noop("Start the game first."),
    (Phase.QUESTION, Action.NEXT): gettext_noop("Close the question before moving on."),
    (Phase.QUESTION, Action.SCOREBOARD): gettext_noop(
        "Close the question before showing the scoreboard."
    ),
    (Phase.SCOREBOARD, Action.SCOREBOARD): gettext_noop("The scoreboard is already showing."),
}
_REFUSALS: dict[Action, str] = {
    Action.START: gettext_noop("The game has already started."),
    Action.NEXT: gettext_noop("There is nothing to move on from."),
    Action.CLOSE_QUESTION: gettext_noop("There is no open question to close."),
    Action.SCOREBOARD: gettext_noop(
        "The scoreboard can only be shown after a question's answer is revealed."
    ),
    Action.END: gettext_noop("The game has already ended."),
}


class IllegalTransition(Exception):
    """A host action that does not apply in the game's current phase."""

    code = "wrong_phase"

    def __init__(self, phase: Phase, action: Action, message: str) -> None:
        super().__init__(message)
        self.phase = phase
        self.action = action
        self.message = message


def _phase(value: Phase | str) -> Phase:
    try:
        return Phase(value)
    except ValueError:
        raise ValueError(f"Unknown game phase: {value!r}.") from None


def _action(value: Action | str) -> Action:
    try:
        return Action(value)
    except ValueError:
        raise ValueError(f"Unknown host action: {value!r}.") from None


def transition(phase: Phase | str, action: Action | str, *, has_next_question: bool) -> Phase:
    """The phase after `action` in `phase`, or IllegalTransition (code `wrong_phase`).

    `has_next_question` says whether the quiz has a question after the current one
    (for `start`: whether it has any question). Unknown phase or action strings raise
    ValueError: they are programming errors, not host mistakes.
    """
    current = _phase(phase)
    act = _action(action)
    target = TRANSITIONS.get((current, act))
    if target is None:
        if current is Phase.FINISHED:
            message = gettext_noop("The game has already ended.")
        else:
            message = _REFUSALS_IN_PHASE.get((current, act), _REFUSALS[act])
        raise IllegalTransition(current, act, message)
    if isinstance(target, IfNextQuestion):
        return target.then if has_next_question else target.otherwise
    return target


def allowed_actions(phase: Phase | str) -> frozenset[Action]:
    """The host actions legal in `phase` (the projector enables these buttons)."""
    current = _phase(phase)
    return frozenset(act for (ph, act) in TRANSITIONS if ph is current)


def is_terminal(phase: Phase | str) -> bool:
    return not allowed_actions(phase)
