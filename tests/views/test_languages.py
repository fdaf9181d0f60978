"""The interface's language: which one a page is shown in, the switch that changes it,
and the Urdu catalogue itself (complete, compiled, and true to its placeholders).

A phone follows its browser (Accept-Language) until the switch on the join page sets
the language cookie; the teacher's dashboard carries the same switch, and the
projector, opened from that browser, follows it (docs/translating.md).
"""

from __future__ import annotations

import ast
import gettext
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from classroom.models import Game

LOCALE = Path(settings.BASE_DIR) / "locale" / "ur" / "LC_MESSAGES"
DOMAINS = ("django", "djangojs")
COOKIE = settings.LANGUAGE_COOKIE_NAME


# ------------------------------------------------------------------ the .po files


def po_entries(path: Path) -> list[dict[str, object]]:
    """The entries of a .po file: msgid, msgid_plural, msgstr (a list), flags. Enough
    of the format for the files makemessages writes."""
    entries: list[dict[str, object]] = []
    current: dict[str, object] = {}
    key = ""
    flags: list[str] = []

    def flush() -> None:
        nonlocal current, flags
        if "msgid" in current:
            current["flags"] = flags
            entries.append(current)
        current, flags = {}, []

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            flush()
            continue
        if line.startswith("#,"):
            flags = [flag.strip() for flag in line[2:].split(",")]
            continue
        if line.startswith("#"):
            continue
        match = re.match(r"(msgid_plural|msgid|msgstr\[\d+\]|msgstr|msgctxt) (\".*\")$", line)
        if match:
            key = match.group(1)
            value = ast.literal_eval(match.group(2))
            if key.startswith("msgstr"):
                current.setdefault("msgstr", []).append(value)  # type: ignore[union-attr]
            else:
                current[key] = value
        else:
            value = ast.literal_eval(line)
            if key.startswith("msgstr"):
                current["msgstr"][-1] += value  # type: ignore[index]
            else:
                current[key] += value  # type: ignore[operator]
    flush()
    return [entry for entry in entries if entry["msgid"]]


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\(\w+\)s", text))


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_interface_string_has_an_urdu_translation(domain):
    entries = po_entries(LOCALE / f"{domain}.po")
    assert entries
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"])]
    assert untranslated == []
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert fuzzy == [], "a fuzzy translation is a guess: check it and drop the flag"


@pytest.mark.parametrize("domain", DOMAINS)
def test_each_translation_keeps_its_placeholders_and_markup(domain):
    for entry in po_entries(LOCALE / f"{domain}.po"):
        sources = [entry["msgid"], entry.get("msgid_plural", entry["msgid"])]
        for index, translated in enumerate(entry["msgstr"]):  # type: ignore[arg-type]
            source = sources[min(index, 1)]
            assert placeholders(translated) == placeholders(source), (source, translated)
            assert re.findall(r"<[^>]+>", translated) == re.findall(r"<[^>]+>", source), source


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_compiled_catalogue_is_up_to_date_with_its_po_file(domain):
    # CI may have no gettext tools: the .mo files are committed, so they must say what
    # the .po files say (docs/translating.md: run compilemessages after every edit).
    with (LOCALE / f"{domain}.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in po_entries(LOCALE / f"{domain}.po"):
        msgid = str(entry["msgid"])
        if "msgid_plural" in entry:
            forms = [compiled.ngettext(msgid, str(entry["msgid_plural"]), n) for n in (1, 2)]
            assert forms == entry["msgstr"], msgid
        else:
            assert compiled.gettext(msgid) == entry["msgstr"][0], msgid  # type: ignore[index]


# ------------------------------------------------------------------ which language


def lang_and_dir(html: str) -> tuple[str, str]:
    match = re.search(r'<html lang="([^"]*)" dir="([^"]*)">', html)
    assert match, html[:300]
    return match.group(1), match.group(2)


@pytest.mark.django_db
def test_a_phone_follows_its_browsers_language():
    urdu = Client(HTTP_ACCEPT_LANGUAGE="ur-PK,ur;q=0.9,en;q=0.8").get("/play/")
    assert lang_and_dir(urdu.content.decode()) == ("ur", "rtl")
    assert urdu.headers["Content-Language"] == "ur"
    assert "Accept-Language" in urdu.headers["Vary"]
    english = Client(HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").get("/play/")
    assert lang_and_dir(english.content.decode()) == ("en", "ltr")
    unknown = Client(HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9").get("/play/")
    assert lang_and_dir(unknown.content.decode()) == ("en", "ltr")


@pytest.mark.django_db
def test_the_language_cookie_wins_over_the_browsers_language():
    client = Client(HTTP_ACCEPT_LANGUAGE="en-GB,en")
    client.cookies[COOKIE] = "ur"
    assert lang_and_dir(client.get("/play/").content.decode()) == ("ur", "rtl")


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["xx", "../../etc/passwd", "ur" * 300, "<script>", ""])
def test_an_unknown_language_cookie_is_ignored(value):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies[COOKIE] = value
    response = client.get("/play/")
    assert response.status_code == 200
    assert lang_and_dir(response.content.decode()) == ("en", "ltr")


@pytest.mark.django_db
def test_the_switch_remembers_urdu_in_a_cookie_and_goes_back_to_the_page():
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "ur", "next": "/play/123456/"})
    assert response.status_code == 302
    assert response["Location"] == "/play/123456/"
    cookie = response.cookies[COOKIE]
    assert cookie.value == "ur"
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 365 * 24 * 60 * 60
    page = client.get("/play/123456/", HTTP_ACCEPT_LANGUAGE="en")
    assert lang_and_dir(page.content.decode()) == ("ur", "rtl")
    # And back to English.
    client.post("/i18n/setlang/", {"language": "en", "next": "/play/"})
    assert lang_and_dir(client.get("/play/").content.decode()) == ("en", "ltr")


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["xx", "fr", "ur-../x", "", "ur\r\nSet-Cookie: a=b", "u" * 1000])
def test_an_unknown_code_in_the_switch_is_ignored_and_sets_no_cookie(code):
    client = Client()
    response = client.post("/i18n/setlang/", {"language": code, "next": "/play/"})
    assert response.status_code == 302
    assert COOKIE not in response.cookies
    assert lang_and_dir(client.get("/play/").content.decode()) == ("en", "ltr")


@pytest.mark.django_db
def test_the_switch_never_sends_the_browser_to_another_site():
    response = Client().post(
        "/i18n/setlang/", {"language": "ur", "next": "https://evil.example/phish"}
    )
    assert response.status_code == 302
    assert not response["Location"].startswith("https://evil.example")


@pytest.mark.django_db
def test_the_switch_only_changes_on_a_post_with_the_pages_csrf_token():
    client = Client(enforce_csrf_checks=True)
    refused = client.post("/i18n/setlang/", {"language": "ur", "next": "/play/"})
    assert refused.status_code == 403
    assert COOKIE not in refused.cookies
    # A GET (a link, an image tag on another site) changes nothing either.
    got = client.get("/i18n/setlang/?language=ur&next=/play/")
    assert COOKIE not in got.cookies
    # The join page's own form carries the token.
    page = client.get("/play/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token
    done = client.post(
        "/i18n/setlang/",
        {"language": "ur", "next": "/play/", "csrfmiddlewaretoken": token.group(1)},
    )
    assert done.cookies[COOKIE].value == "ur"


@pytest.mark.django_db
def test_the_switch_is_on_the_join_page_the_dashboard_and_the_login_page(client, teacher):
    for path in ("/play/", "/accounts/login/"):
        html = client.get(path).content.decode()
        assert 'action="/i18n/setlang/"' in html and 'value="ur"' in html, path
    client.force_login(teacher)
    html = client.get("/").content.decode()
    assert 'action="/i18n/setlang/"' in html
    assert 'name="next" value="/"' in html


@pytest.mark.django_db
def test_the_browser_strings_come_in_the_pages_language():
    urdu = Client(HTTP_ACCEPT_LANGUAGE="ur").get("/jsi18n/?l=ur")
    assert urdu.status_code == 200
    # The catalogue is JSON inside the script, with non-ASCII letters escaped.
    reconnecting = json.dumps("دوبارہ رابطہ ہو رہا ہے")[1:-1]
    assert reconnecting in urdu.content.decode()
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/jsi18n/?l=en")
    assert reconnecting not in english.content.decode()
    # Each page asks for its own language's catalogue, so a cached one never mixes them.
    page = Client(HTTP_ACCEPT_LANGUAGE="ur").get("/play/").content.decode()
    assert '<script src="/jsi18n/?l=ur"></script>' in page


# ------------------------------------------------------------------ no English left


def english_sentences() -> list[str]:
    """Every catalogued interface sentence in English (pieces of two words or more
    between placeholders and markup)."""
    found: set[str] = set()
    for domain in ("django",):
        for entry in po_entries(LOCALE / f"{domain}.po"):
            for source in (entry["msgid"], entry.get("msgid_plural", "")):
                for piece in re.split(r"%\(\w+\)s|<[^>]+>", str(source)):
                    piece = piece.strip(" .,:;!?…()")
                    if len(piece.split()) >= 2 and "manage.py" not in piece:
                        found.add(piece)
    return sorted(found)


def visible_text(html: str) -> str:
    html = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    attributes = " ".join(re.findall(r'(?:aria-label|title|alt)="([^"]*)"', html))
    return re.sub(r"<[^>]+>", " ", html) + " " + attributes


@pytest.fixture
def urdu_teacher(client, teacher):
    client.force_login(teacher)
    client.cookies[COOKIE] = "ur"
    return client


@pytest.mark.django_db
def test_the_main_pages_in_urdu_leave_no_english_interface_text(urdu_teacher, game, quiz):
    ended = Game.objects.get(pk=game.pk)
    pages = {
        "setup": f"/host/start/?quiz={quiz.slug}",
        "report": f"/host/{game.pin}/report/",
        "timeline": f"/timeline/{quiz.slug}/",
        "join": "/play/",
        "join with a PIN": f"/play/{game.pin}/",
        "dashboard": "/",
        "projector": f"/host/{game.pin}/",
        "delete": f"/games/{ended.pk}/delete/",
        "not found": "/play/000000/x/",
    }
    sentences = english_sentences()
    assert "Waiting for players… Scan the code or type the address on a phone" in sentences
    for name, path in pages.items():
        response = urdu_teacher.get(path)
        html = response.content.decode()
        assert lang_and_dir(html) == ("ur", "rtl"), name
        text = visible_text(html)
        left = [sentence for sentence in sentences if sentence in text]
        assert left == [], f"{name}: English interface text {left}"
        assert re.search("[\u0600-\u06ff]", text), name


@pytest.mark.django_db
def test_the_quiz_content_stays_in_the_language_it_was_written_in(urdu_teacher, game, quiz):
    html = urdu_teacher.get(f"/host/{game.pin}/").content.decode()
    assert quiz.title in html
    dashboard = urdu_teacher.get("/").content.decode()
    assert quiz.title in dashboard


@pytest.mark.django_db
def test_the_login_page_and_the_server_error_page_speak_urdu(client):
    client.cookies[COOKIE] = "ur"
    html = client.get("/accounts/login/").content.decode()
    assert lang_and_dir(html) == ("ur", "rtl")
    assert "استاد کا لاگ اِن" in html
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("ur"):
        error = render_to_string("500.html")
    assert lang_and_dir(error) == ("ur", "rtl")
    assert "کچھ غلط ہو گیا" in error
