"""The browser's strings (static/js/common.js: Q.gettext, Q.ngettext, Q.fill), run in
Node when present: with Django's JavaScript catalogue loaded they speak its language,
without it they stay English, and every string the scripts ask for is catalogued."""

import json
import re
from pathlib import Path

from django.conf import settings

from .node_js import JS, needs_node, run_js
from .test_languages import po_entries

# A stand-in for /jsi18n/: the two entries the tests look up, in Urdu.
CATALOGUE = """
global.window = {};
window.django = {
  gettext: (s) => ({"Question %(n)s of %(count)s": "سوال %(n)s از %(count)s"}[s] || s),
  ngettext: (one, many, n) => (one === "%(n)s player" ? "%(n)s کھلاڑی" : (n === 1 ? one : many)),
};
"""


def run_with_catalogue(body: str):
    # run_js sets a bare window first; this body installs the catalogue, then loads
    # common.js again so that it sees window.django as it would after /jsi18n/.
    common = (JS / "common.js").read_text()
    script = CATALOGUE + common + "\nconst Q = window.Quiz;\n" + body
    return run_js(f"{script}")


@needs_node
def test_without_a_catalogue_the_strings_stay_english_and_values_are_filled():
    out = run_js(
        """return [
          Q.gettext("Answer received"),
          Q.fill(Q.gettext("Question %(n)s of %(count)s"), {n: 2, count: 8}),
          Q.plural(1, Q.ngettext("%(n)s player", "%(n)s players", 1)),
          Q.plural(3, Q.ngettext("%(n)s player", "%(n)s players", 3)),
          Q.fill("%(known)s and %(unknown)s", {known: "<b>"}),
          [1, 2, 3, 11, 22].map(Q.ordinal),
          Q.shapeLabel("diamond"),
        ];"""
    )
    assert out == [
        "Answer received",
        "Question 2 of 8",
        "1 player",
        "3 players",
        # A value goes in as text (the page sets it with textContent); a name without a
        # value is left as it is rather than becoming "undefined".
        "<b> and %(unknown)s",
        ["1st", "2nd", "3rd", "11th", "22nd"],
        "Diamond",
    ]


@needs_node
def test_with_the_catalogue_the_strings_are_the_pages_language():
    out = run_with_catalogue(
        """return [
          Q.fill(Q.gettext("Question %(n)s of %(count)s"), {n: 2, count: 8}),
          Q.plural(3, Q.ngettext("%(n)s player", "%(n)s players", 3)),
          Q.gettext("Not in the stand-in catalogue"),
        ];"""
    )
    assert out == ["سوال 2 از 8", "3 کھلاڑی", "Not in the stand-in catalogue"]


def js_strings() -> set[str]:
    """Every literal the scripts pass to Q.gettext / Q.ngettext / gettext."""
    found: set[str] = set()
    call = re.compile(r'\bgettext\(\s*"((?:[^"\\]|\\.)*)"')
    plural = re.compile(r'\bngettext\(\s*"((?:[^"\\]|\\.)*)",\s*"((?:[^"\\]|\\.)*)"')
    for path in sorted(Path(JS).glob("*.js")):
        # Comments show the calls with made-up strings: not the scripts' own.
        text = re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.S)
        text = re.sub(r"^\s*//.*$", "", text, flags=re.M)
        # "a " + "b" inside one call is one string, as xgettext reads it.
        text = re.sub(r'"\s*\+\s*\n\s*"', "", text)
        found.update(json.loads(f'"{m}"') for m in call.findall(text))
        for one, many in plural.findall(text):
            found.update({json.loads(f'"{one}"'), json.loads(f'"{many}"')})
    return found


def test_every_string_the_scripts_ask_for_is_in_the_catalogue():
    # A string added to a script without `makemessages -d djangojs` stays English.
    locale = Path(settings.BASE_DIR) / "locale" / "ur" / "LC_MESSAGES" / "djangojs.po"
    catalogued = set()
    for entry in po_entries(locale):
        catalogued.add(entry["msgid"])
        if "msgid_plural" in entry:
            catalogued.add(entry["msgid_plural"])
    asked = js_strings()
    assert "Answer received" in asked and "%(n)s players" in asked
    assert sorted(asked - catalogued) == []


@needs_node
def test_team_names_arrive_in_english_and_are_shown_in_the_pages_language():
    catalogue = CATALOGUE.replace(
        '{"Question %(n)s of %(count)s": "سوال %(n)s از %(count)s"}',
        '{"Blue": "نیلی", "Teal": "فیروزی"}',
    )
    common = (JS / "common.js").read_text()
    script = catalogue + common + "\nconst Q = window.Quiz;\n"
    out = run_js(script + 'return [Q.teamName("Blue"), Q.teamName("Teal"), Q.teamName("Zebra")];')
    # A name the page does not know (a newer server's) is shown as it came.
    assert out == ["نیلی", "فیروزی", "Zebra"]
