import pytest

from classroom.machine import (
    TRANSITIONS,
    Action,
    IllegalTransition,
    Phase,
    allowed_actions,
    is_terminal,
    transition,
)


def test_phase_values_match_the_game_model_choices():
    assert [p.value for p in Phase] == ["lobby", "question", "reveal", "scoreboard", "finished"]


def test_start_opens_the_first_question():
    assert transition(Phase.LOBBY, Action.START, has_next_question=True) is Phase.QUESTION


def test_start_with_no_questions_finishes_the_game():
    assert transition("lobby", "start", has_next_question=False) is Phase.FINISHED


def test_close_question_reveals():
    assert transition("question", "close_question", has_next_question=True) is Phase.REVEAL


def test_scoreboard_follows_a_reveal():
    assert transition("reveal", "scoreboard", has_next_question=False) is Phase.SCOREBOARD


@pytest.mark.parametrize("phase", [Phase.REVEAL, Phase.SCOREBOARD])
def test_next_goes_to_the_next_question_when_there_is_one(phase):
    assert transition(phase, Action.NEXT, has_next_question=True) is Phase.QUESTION


@pytest.mark.parametrize("phase", [Phase.REVEAL, Phase.SCOREBOARD])
def test_next_after_the_last_question_finishes(phase):
    assert transition(phase, Action.NEXT, has_next_question=False) is Phase.FINISHED


@pytest.mark.parametrize("phase", ["lobby", "question", "reveal", "scoreboard"])
def test_end_finishes_from_any_running_phase(phase):
    assert transition(phase, "end", has_next_question=True) is Phase.FINISHED


def test_next_while_a_question_is_open_is_refused_with_wrong_phase():
    with pytest.raises(IllegalTransition) as caught:
        transition(Phase.QUESTION, Action.NEXT, has_next_question=True)
    assert caught.value.code == "wrong_phase"
    assert "Close the question" in caught.value.message


def test_scoreboard_while_a_question_is_open_is_refused():
    with pytest.raises(IllegalTransition, match="Close the question"):
        transition(Phase.QUESTION, Action.SCOREBOARD, has_next_question=True)


@pytest.mark.parametrize("action", list(Action))
def test_nothing_is_allowed_after_the_game_has_finished(action):
    with pytest.raises(IllegalTransition) as caught:
        transition(Phase.FINISHED, action, has_next_question=True)
    assert caught.value.message == "The game has already ended."


def test_start_twice_is_refused():
    with pytest.raises(IllegalTransition, match="already started"):
        transition(Phase.REVEAL, Action.START, has_next_question=True)


def test_close_question_without_an_open_question_is_refused():
    with pytest.raises(IllegalTransition, match="no open question"):
        transition(Phase.LOBBY, Action.CLOSE_QUESTION, has_next_question=True)


@pytest.mark.parametrize("action", [Action.NEXT, Action.SCOREBOARD])
def test_moving_on_in_the_lobby_asks_the_host_to_start(action):
    with pytest.raises(IllegalTransition, match="Start the game first"):
        transition(Phase.LOBBY, action, has_next_question=True)


def test_every_refusal_has_a_message_that_ends_a_sentence():
    for phase in Phase:
        for action in Action:
            if action not in allowed_actions(phase):
                with pytest.raises(IllegalTransition) as caught:
                    transition(phase, action, has_next_question=True)
                assert caught.value.message.endswith(".")
                assert str(caught.value) == caught.value.message


def test_unknown_phase_or_action_strings_are_programming_errors():
    with pytest.raises(ValueError, match="phase"):
        transition("paused", "start", has_next_question=True)
    with pytest.raises(ValueError, match="action"):
        transition("lobby", "kick", has_next_question=True)


def test_allowed_actions_per_phase():
    assert allowed_actions("lobby") == {Action.START, Action.END}
    assert allowed_actions(Phase.QUESTION) == {Action.CLOSE_QUESTION, Action.END}
    assert allowed_actions(Phase.REVEAL) == {Action.NEXT, Action.SCOREBOARD, Action.END}
    assert allowed_actions(Phase.SCOREBOARD) == {Action.NEXT, Action.END}
    assert allowed_actions(Phase.FINISHED) == frozenset()
    assert is_terminal("finished") and not is_terminal("lobby")


def test_allowed_actions_and_transition_agree_for_every_pair():
    for phase in Phase:
        for action in Action:
            if action in allowed_actions(phase):
                transition(phase, action, has_next_question=True)
            else:
                with pytest.raises(IllegalTransition):
                    transition(phase, action, has_next_question=True)


def test_every_phase_except_finished_can_reach_finished():
    for phase in Phase:
        reachable, frontier = {phase}, [phase]
        while frontier:
            current = frontier.pop()
            for (source, action), _ in TRANSITIONS.items():
                if source is current:
                    for more in (True, False):
                        nxt = transition(source, action, has_next_question=more)
                        if nxt not in reachable:
                            reachable.add(nxt)
                            frontier.append(nxt)
        assert Phase.FINISHED in reachable
