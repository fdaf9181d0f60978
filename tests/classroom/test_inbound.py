"""Every client frame's declaration (classroom/inbound.py): strict types, bounds,
lengths, and a `bad_field` naming the field for anything outside. Pure: no database."""

import json
import math

import pytest

from classroom import inbound
from classroom.errors import ClientError

# The protocol's client frames (docs/protocol.md, parts 1 and 2).
PHONE_TYPES = {"join", "resume", "answer", "ping", "sync"}
HOST_TYPES = {
    "start",
    "next",
    "close_question",
    "scoreboard",
    "kick",
    "lock",
    "unlock",
    "end",
    "set_options",
    "extra_time",
    "ping",
    "sync",
}

# Values no integer field accepts: a bool is not an int, nor a float or a numeric
# string; a number past the bounds; something nested where a scalar belongs.
NOT_AN_ID = [
    True,
    False,
    1.0,
    1.5,
    math.nan,
    math.inf,
    "1",
    "NaN",
    None,
    10**400,
    -(10**400),
    2**53,
    -1,
    [1],
    {"id": 1},
    [[[[1]]]],
]


NICKNAME = "nickname must be text of at most 120 characters."
TOKEN = "token must be the resume token (text of 1 to 200 characters)."
REF = "ref must be a whole number, text of at most 64 characters, or null."
SECONDS = "seconds must be a whole number from 0 to 120."


def phone(frame):
    return inbound.phone_frame(frame)


def host(frame):
    return inbound.host_frame(frame)


def refused(parse, frame) -> ClientError:
    with pytest.raises(ClientError) as caught:
        parse(frame)
    return caught.value


def test_every_client_frame_type_has_exactly_one_declaration():
    assert set(inbound.PHONE_FRAMES) == PHONE_TYPES
    assert set(inbound.HOST_FRAMES) == HOST_TYPES
    for frames in (inbound.PHONE_FRAMES, inbound.HOST_FRAMES):
        for kind, model in frames.items():
            assert model.model_fields["type"].annotation.__args__ == (kind,)


@pytest.mark.parametrize(
    ("parse", "frame"),
    [
        (phone, {"type": "join", "nickname": "Ayesha"}),
        (phone, {"type": "join", "nickname": "Ayesha", "gate": ["circle", "square"]}),
        (phone, {"type": "resume", "token": "abc"}),
        (phone, {"type": "answer", "question_id": 1, "choice_id": 123456789}),
        (phone, {"type": "answer", "question_id": 1, "choice_ids": [3, 1, 2]}),
        (phone, {"type": "answer", "question_id": 1, "year": 1966}),
        (phone, {"type": "answer", "question_id": 1, "choice_id": 5, "year": None}),
        (phone, {"type": "ping"}),
        (phone, {"type": "ping", "ref": 7}),
        (phone, {"type": "ping", "ref": "still-here"}),
        (phone, {"type": "sync"}),
        (host, {"type": "start"}),
        (host, {"type": "next"}),
        (host, {"type": "close_question"}),
        (host, {"type": "scoreboard"}),
        (host, {"type": "lock"}),
        (host, {"type": "unlock"}),
        (host, {"type": "end"}),
        (host, {"type": "kick", "player_id": 12}),
        (host, {"type": "extra_time", "player_id": 12, "seconds": 120}),
        (host, {"type": "set_options", "accuracy_only": True}),
        (host, {"type": "set_options", "generated_names_only": False}),
        (host, {"type": "ping", "ref": 1}),
        (host, {"type": "sync"}),
    ],
)
def test_well_formed_frames_pass_with_their_values(parse, frame):
    parsed = parse(frame)
    assert parsed.type == frame["type"]
    for key, value in frame.items():
        assert getattr(parsed, key) == value


def test_fields_a_frame_does_not_declare_are_ignored():
    parsed = phone({"type": "sync", "client_version": {"deep": [1, 2]}})
    assert isinstance(parsed, inbound.Sync)


def test_the_join_gate_passes_through_untouched():
    parsed = phone({"type": "join", "nickname": "Ayesha", "gate": ["triangle"] * 8})
    assert parsed.gate == ["triangle"] * 8
    assert phone({"type": "join", "nickname": "Ayesha"}).gate is None


@pytest.mark.parametrize("value", NOT_AN_ID)
@pytest.mark.parametrize(
    ("parse", "frame", "field"),
    [
        (phone, {"type": "answer", "choice_id": 1}, "question_id"),
        (phone, {"type": "answer", "question_id": 1}, "choice_id"),
        (host, {"type": "kick"}, "player_id"),
        (host, {"type": "extra_time", "seconds": 5}, "player_id"),
    ],
)
def test_an_id_must_be_a_whole_number_in_bounds(parse, frame, field, value):
    error = refused(parse, {**frame, field: value})
    assert error.code == "bad_field" and error.close_code is None
    if value is None and field == "choice_id":
        assert "choice_id, choice_ids or year" in error.message
    elif value is None:
        assert error.message.startswith(field)
    else:
        assert error.message == f"{field} must be {inbound.ID_RULE}."


@pytest.mark.parametrize(
    "year", [10**400, -(10**400), 10_000, -10_000, 1966.0, "1966", True, [1966]]
)
def test_a_year_is_a_whole_number_of_at_most_four_digits(year):
    error = refused(phone, {"type": "answer", "question_id": 1, "year": year})
    assert (error.code, error.message) == (
        "bad_field",
        "year must be a whole number from -9999 to 9999.",
    )


@pytest.mark.parametrize(
    "choice_ids",
    [[], list(range(11)), [1, 2.0], [1, True], [1, "2"], [[1, 2]], "1,2,3", {"0": 1}, 10**400],
)
def test_an_order_answer_is_a_list_of_one_to_ten_ids(choice_ids):
    error = refused(phone, {"type": "answer", "question_id": 1, "choice_ids": choice_ids})
    assert (error.code, error.message) == (
        "bad_field",
        "choice_ids must be a list of 1 to 10 choice ids.",
    )


def test_an_answer_carries_exactly_one_answer():
    none = refused(phone, {"type": "answer", "question_id": 1})
    assert (none.code, none.message) == (
        "bad_field",
        "An answer needs choice_id, choice_ids or year.",
    )
    both = refused(phone, {"type": "answer", "question_id": 1, "choice_id": 2, "year": 1966})
    assert (both.code, both.message) == (
        "bad_field",
        "Send only one of choice_id, choice_ids or year.",
    )


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        ({"type": "join"}, "nickname is missing."),
        ({"type": "join", "nickname": 5}, NICKNAME),
        ({"type": "join", "nickname": None}, NICKNAME),
        ({"type": "join", "nickname": ["A"]}, NICKNAME),
        ({"type": "join", "nickname": "x" * 121}, NICKNAME),
        ({"type": "resume"}, "token is missing."),
        ({"type": "resume", "token": ""}, TOKEN),
        ({"type": "resume", "token": "t" * 201}, TOKEN),
        ({"type": "resume", "token": {"$ne": 1}}, TOKEN),
        ({"type": "ping", "ref": 1.5}, REF),
        ({"type": "ping", "ref": "r" * 65}, REF),
        ({"type": "ping", "ref": {"a": 1}}, REF),
        ({"type": "ping", "ref": 10**400}, REF),
    ],
)
def test_phone_fields_out_of_their_declaration_are_bad_field_naming_the_field(frame, message):
    error = refused(phone, frame)
    assert (error.code, error.message, error.close_code) == ("bad_field", message, None)


@pytest.mark.parametrize(
    "gate",
    [[], ["circle"] * 9, ["hexagon"], ["Circle"], "circle", [1], [["circle"]], {"0": "circle"}],
)
def test_a_join_gate_is_one_to_eight_shape_names(gate):
    error = refused(phone, {"type": "join", "nickname": "Ayesha", "gate": gate})
    assert error.code == "bad_field" and error.message.startswith("gate must be a list of 1 to 8")


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        ({"type": "extra_time", "player_id": 1, "seconds": 121}, SECONDS),
        ({"type": "extra_time", "player_id": 1, "seconds": -1}, SECONDS),
        ({"type": "extra_time", "player_id": 1, "seconds": 1.5}, SECONDS),
        ({"type": "extra_time", "player_id": 1, "seconds": "30"}, SECONDS),
        ({"type": "extra_time", "player_id": 1}, "seconds is missing."),
        (
            {"type": "set_options"},
            "set_options needs accuracy_only, generated_names_only or join_gate.",
        ),
        ({"type": "set_options", "accuracy_only": 1}, "accuracy_only must be true or false."),
        ({"type": "set_options", "accuracy_only": "true"}, "accuracy_only must be true or false."),
        (
            {"type": "set_options", "generated_names_only": [True]},
            "generated_names_only must be true or false.",
        ),
    ],
)
def test_host_fields_out_of_their_declaration_are_bad_field_naming_the_field(frame, message):
    error = refused(host, frame)
    assert (error.code, error.message, error.close_code) == ("bad_field", message, None)


def test_set_options_hands_on_only_the_options_it_sets():
    assert host({"type": "set_options", "accuracy_only": False}).arguments() == {
        "accuracy_only": False
    }


def test_a_host_command_hands_its_service_its_own_fields():
    assert host({"type": "start"}).arguments() == {}
    assert host({"type": "kick", "player_id": 7, "extra": 1}).arguments() == {"player_id": 7}
    assert host({"type": "extra_time", "player_id": 7, "seconds": 20}).arguments() == {
        "player_id": 7,
        "seconds": 20,
    }


@pytest.mark.parametrize("kind", sorted(HOST_TYPES - {"ping", "sync"}))
def test_a_host_command_from_a_phone_is_not_host(kind):
    error = refused(phone, {"type": kind, "player_id": 1})
    assert (error.code, error.close_code) == ("not_host", None)


@pytest.mark.parametrize(
    ("parse", "kind"), [(phone, "dance"), (phone, "lobby"), (host, "answer"), (host, "join")]
)
def test_a_type_the_role_does_not_have_is_unknown_type(parse, kind):
    error = refused(parse, {"type": kind})
    assert (error.code, error.message) == ("unknown_type", f"Unknown frame type {kind!r}.")


def test_an_unknown_types_name_is_cut_short_in_the_message():
    error = refused(phone, {"type": "x" * 3000})
    assert error.code == "unknown_type" and len(error.message) < 80


def test_a_frame_from_json_with_nan_parses_to_a_refusal_not_a_value():
    # json.loads reads NaN as a float: the declaration refuses it wherever it stands.
    frame = json.loads('{"type": "answer", "question_id": 1, "year": NaN}')
    assert refused(phone, frame).code == "bad_field"
