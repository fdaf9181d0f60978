"""A game socket's language and its error messages in it (classroom/languages.py).

The unit tests read the language from a handshake's cookie and Accept-Language as the
page's middleware does; the socket tests show that an `error` frame's message arrives
in the phone's or the projector's language while its `code` stays the protocol's.
"""

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import translation

from classroom import join_gate, languages, machine, nicknames, selectors, teams
from classroom.services import phases, players
from tests.classroom.conftest import ORIGIN, Socket, session_cookie

URDU_NO_GAME = "اس پن کا کوئی گیم نہیں ہے۔"


def scope(*, cookie: str = "", accept: str | bytes = "", parsed: dict[str, str] | None = None):
    headers = []
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    if accept:
        headers.append((b"accept-language", accept.encode() if isinstance(accept, str) else accept))
    built = {"headers": headers}
    if parsed is not None:
        built["cookies"] = parsed
    return built


# ------------------------------------------------------------------ socket_language


def test_a_socket_without_cookie_or_header_speaks_the_default_language():
    assert languages.socket_language(scope()) == "en"


def test_accept_language_picks_urdu_with_or_without_a_region():
    assert languages.socket_language(scope(accept="ur")) == "ur"
    assert languages.socket_language(scope(accept="ur-PK,ur;q=0.9,en;q=0.8")) == "ur"


def test_accept_language_takes_the_first_language_the_server_has():
    assert languages.socket_language(scope(accept="fr-FR,fr;q=0.9,ur;q=0.5")) == "ur"
    assert languages.socket_language(scope(accept="fr, de")) == "en"


def test_the_switchs_cookie_wins_over_the_browsers_language():
    cookie = f"{settings.LANGUAGE_COOKIE_NAME}=ur"
    assert languages.socket_language(scope(cookie=cookie, accept="en-GB,en")) == "ur"
    cookie = f"{settings.LANGUAGE_COOKIE_NAME}=en"
    assert languages.socket_language(scope(cookie=cookie, accept="ur")) == "en"


def test_the_cookie_channels_parsed_is_read_before_the_raw_header():
    parsed = {settings.LANGUAGE_COOKIE_NAME: "ur"}
    assert languages.socket_language(scope(parsed=parsed)) == "ur"


@pytest.mark.parametrize(
    "value",
    ["xx", "../../etc", "", "zh-Hant-TW-extra", "u" * 5000, "ur\x00", "*", "<script>"],
)
def test_an_unknown_or_malformed_cookie_is_passed_over_for_the_header(value):
    cookie = f"{settings.LANGUAGE_COOKIE_NAME}={value}"
    assert languages.socket_language(scope(cookie=cookie, accept="ur")) == "ur"
    assert languages.socket_language(scope(cookie=cookie)) == "en"


@pytest.mark.parametrize(
    "accept",
    ["*", "xx-YY", ";;;,,,q=", "ur;q=abc", "ur;q=2", "a" * 600, "ur" + ",en" * 400, b"\xff\xfe;ur"],
)
def test_a_malformed_or_huge_accept_language_never_fails(accept):
    assert languages.socket_language(scope(accept=accept)) in {"en", "ur"}


# ------------------------------------------------------------------ translated


def test_an_error_message_is_translated_for_an_urdu_socket_and_kept_for_english():
    message = "There is no game with that PIN."
    assert languages.translated(message, "ur") == URDU_NO_GAME
    assert languages.translated(message, "en") == message


def test_a_message_the_catalogue_lacks_is_sent_as_it_is():
    assert languages.translated("seconds must be between 0 and 60.", "ur") == (
        "seconds must be between 0 and 60."
    )


@pytest.mark.parametrize(
    "message",
    [
        join_gate.GATE_MISSING,
        join_gate.GATE_WRONG,
        players.KICKED_MESSAGE,
        players.NICKNAME_TAKEN_MESSAGE,
        nicknames.LENGTH_MESSAGE,
        nicknames.ALNUM_MESSAGE,
        nicknames.OFFENSIVE_MESSAGE,
        *machine._REFUSALS.values(),
        *machine._REFUSALS_IN_PHASE.values(),
    ],
)
def test_every_named_error_message_has_an_urdu_translation(message):
    urdu = languages.translated(message, "ur")
    assert urdu != message
    assert any("\u0600" <= ch <= "\u06ff" for ch in urdu)


def test_the_nickname_length_message_names_the_real_bound():
    # The message is a literal so makemessages finds it; it must follow the bound.
    assert f"1–{nicknames.MAX_NICKNAME_LENGTH} " in nicknames.LENGTH_MESSAGE


# ------------------------------------------------------------------ over the wire


async def phone(pin: str, *extra: tuple[bytes, bytes]) -> Socket:
    socket = Socket(f"/ws/play/{pin}/", [(b"host", b"localhost"), (b"origin", ORIGIN), *extra])
    socket.comm.scope["client"] = ("10.0.0.7", 50000)
    assert await socket.connect()
    return socket


@pytest.mark.django_db(transaction=True)
async def test_an_urdu_phone_reads_its_error_in_urdu_with_the_same_code(game):
    await database_sync_to_async(phases.game_lock)(game_id=game.pk)
    urdu = await phone(game.pin, (b"accept-language", b"ur-PK,ur;q=0.9"))
    await urdu.send({"type": "join", "nickname": "Ayesha"})
    error = await urdu.expect("error")
    assert error["code"] == "game_locked"
    assert error["message"] == "استاد نے اس گیم پر تالا لگا دیا ہے۔"
    await urdu.disconnect()

    english = await phone(game.pin, (b"accept-language", b"en-GB,en"))
    await english.send({"type": "join", "nickname": "Bilal"})
    error = await english.expect("error")
    assert (error["code"], error["message"]) == ("game_locked", "The teacher has locked this game.")
    await english.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_the_switchs_cookie_decides_a_phones_language_over_its_browser(game):
    cookie = f"{settings.LANGUAGE_COOKIE_NAME}=ur".encode()
    socket = await phone(game.pin, (b"cookie", cookie), (b"accept-language", b"en"))
    await socket.send({"type": "join", "nickname": ""})
    error = await socket.expect("error")
    assert error["code"] == "nickname_invalid"
    assert error["message"] == languages.translated(nicknames.LENGTH_MESSAGE, "ur")
    assert error["message"] != nicknames.LENGTH_MESSAGE
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_an_unknown_language_cookie_leaves_the_phone_in_english(game):
    cookie = f"{settings.LANGUAGE_COOKIE_NAME}=klingon".encode()
    socket = await phone(game.pin, (b"cookie", cookie))
    await socket.send({"type": "answer", "question_id": 1, "choice_id": 1})
    error = await socket.expect("error")
    assert error["code"] == "not_joined"
    assert error["message"] == "The first frame must be join or resume."


@pytest.mark.django_db(transaction=True)
async def test_a_kicked_phone_is_told_in_urdu_when_the_hub_closes_it(game, teacher):
    urdu = await phone(game.pin, (b"accept-language", b"ur"))
    await urdu.send({"type": "join", "nickname": "Ayesha"})
    joined = await urdu.expect("joined")
    host_cookie = await database_sync_to_async(session_cookie)(teacher)
    host = Socket(
        f"/ws/host/{game.pin}/",
        [(b"host", b"localhost"), (b"origin", ORIGIN), (b"cookie", host_cookie)],
    )
    assert await host.connect()
    await host.until("lobby")
    await host.send({"type": "kick", "player_id": joined["player"]["id"]})
    error = await urdu.until("error")
    assert error["code"] == "kicked"
    assert error["message"] == "استاد نے آپ کو اس گیم سے نکال دیا ہے۔"
    await host.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_the_teachers_projector_reads_a_refusal_in_the_teachers_language(game, teacher):
    host_cookie = await database_sync_to_async(session_cookie)(teacher)
    cookie = host_cookie + f"; {settings.LANGUAGE_COOKIE_NAME}=ur".encode()
    host = Socket(
        f"/ws/host/{game.pin}/", [(b"host", b"localhost"), (b"origin", ORIGIN), (b"cookie", cookie)]
    )
    assert await host.connect()
    await host.until("lobby")
    await host.send({"type": "next"})
    error = await host.until("error")
    assert error["code"] == "wrong_phase"
    assert error["message"] == "پہلے گیم شروع کریں۔"
    await host.disconnect()


def test_team_names_go_out_in_english_whatever_language_is_active():
    # One broadcast reaches pages of every language: each page translates the name.
    with translation.override("ur"):
        assert selectors.team_public(1)["name"] == "Blue"
        board = selectors.team_board([teams.Member(team_id=6, score=10, previous_score=0)])
    assert [entry["name"] for entry in board] == ["Teal"]
