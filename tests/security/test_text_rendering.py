"""Nicknames (and every other frame field) reach the page only as text.

The projector runs in the teacher's logged-in, maybe staff, session in front of the
class, so a nickname like `<img src=x onerror=alert(1)>` must show literally. The
scripts build the DOM with createElement/textContent (static/js/common.js `el`,
`setText`); these tests fail if an HTML-parsing sink or an event-handler attribute
appears in a script, or if a template switches autoescaping off. The report page's
escaping is tested in tests/views/test_reports.py; the real-browser check (no dialog,
text shown literally) belongs to the browser tests.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings

JS_DIR = Path(settings.BASE_DIR) / "static" / "js"
TEMPLATE_DIR = Path(settings.BASE_DIR) / "templates"

# Sinks that parse a string as HTML or run it as code.
SINKS = {
    "innerHTML": re.compile(r"\.\s*innerHTML\b"),
    "outerHTML": re.compile(r"\.\s*outerHTML\b"),
    "insertAdjacentHTML": re.compile(r"\binsertAdjacentHTML\b"),
    "document.write": re.compile(r"\bdocument\s*\.\s*write(ln)?\s*\("),
    "srcdoc": re.compile(r"\bsrcdoc\b"),
    "createContextualFragment": re.compile(r"\bcreateContextualFragment\b"),
    "DOMParser": re.compile(r"\bDOMParser\b"),
    "eval": re.compile(r"(?<![\w.])eval\s*\("),
    "new Function": re.compile(r"\bnew\s+Function\s*\("),
    "string timer": re.compile(r"\bset(Timeout|Interval)\s*\(\s*[\"'`]"),
    "jQuery html": re.compile(r"\.\s*html\s*\("),
}
SET_ATTRIBUTE = re.compile(r"\.setAttribute\s*\(\s*([^,]+),")
EVENT_ATTRIBUTE_KEY = re.compile(r"""[{,]\s*["']?on[a-z]+["']?\s*:""")
UNSAFE_TEMPLATE = re.compile(r"\|\s*safe\b|\{%\s*autoescape\s+off|\{%\s*filter\s+[^%]*safe")


def _without_comments(source: str) -> str:
    source = re.sub(r"/\*.*?\*/", "", source, flags=re.DOTALL)
    return re.sub(r"(?m)(^|[^:\"'\\])//.*$", r"\1", source)


def _scripts() -> list[Path]:
    return sorted(JS_DIR.glob("*.js"))


def test_the_projector_and_phone_scripts_are_scanned():
    names = {p.name for p in _scripts()}
    assert {"common.js", "projector.js", "phone.js"} <= names


@pytest.mark.parametrize("path", _scripts(), ids=lambda p: p.name)
def test_no_script_parses_strings_as_html_or_code(path):
    source = _without_comments(path.read_text())
    found = [name for name, pattern in SINKS.items() if pattern.search(source)]
    assert not found, f"{path.name} uses {found}: build nodes and set textContent instead"


@pytest.mark.parametrize("path", _scripts(), ids=lambda p: p.name)
def test_no_script_sets_an_event_handler_or_computed_attribute_name(path):
    source = _without_comments(path.read_text())
    # The one computed name allowed: `el` sets the keys of its literal attrs objects,
    # which the EVENT_ATTRIBUTE_KEY scan below checks at every call site.
    source = re.sub(r"function el\(.*?\n  \}\n", "", source, count=1, flags=re.DOTALL)
    for match in SET_ATTRIBUTE.finditer(source):
        name = match.group(1).strip()
        assert re.fullmatch(r"""(["'])[\w:-]+\1""", name), (
            f"{path.name}: setAttribute with a computed name {name}"
        )
        bare = name.strip("\"'").lower()
        assert not bare.startswith("on"), f"{path.name}: event handler attribute {bare}"
        assert bare not in {"style", "srcdoc"}, f"{path.name}: {bare} attribute"
    assert not EVENT_ATTRIBUTE_KEY.search(source), f"{path.name}: event handler in attributes"


def test_the_dom_helper_writes_text_with_text_content():
    source = _without_comments((JS_DIR / "common.js").read_text())
    el = source[source.index("function el(") : source.index("function append(")]
    assert 'if (key === "text") node.textContent = String(value);' in el
    append = source[source.index("function append(") : source.index("function clear(")]
    assert "document.createTextNode(String(child))" in append


def test_the_sink_patterns_catch_what_they_are_meant_to():
    # Guards the guard: a regex typo would make the scan above pass vacuously.
    samples = {
        "innerHTML": "node.innerHTML = nick;",
        "outerHTML": "node.outerHTML = nick;",
        "insertAdjacentHTML": 'node.insertAdjacentHTML("beforeend", nick);',
        "document.write": "document.write(nick);",
        "eval": "eval(frame.code);",
        "new Function": "new Function(body)();",
        "string timer": 'setTimeout("go()", 1);',
    }
    for name, sample in samples.items():
        assert SINKS[name].search(sample), name
    assert not SINKS["eval"].search("retrieval(x); node.evaluate(x);")
    assert EVENT_ATTRIBUTE_KEY.search('Q.el("img", {onerror: nick})')
    assert not EVENT_ATTRIBUTE_KEY.search("{ onOpen: f, onFrame: g }")
    assert UNSAFE_TEMPLATE.search("{{ player.nickname|safe }}")


def _templates() -> list[Path]:
    return sorted(TEMPLATE_DIR.rglob("*.html"))


@pytest.mark.parametrize("path", _templates(), ids=lambda p: p.relative_to(TEMPLATE_DIR).as_posix())
def test_no_template_turns_autoescaping_off(path):
    assert not UNSAFE_TEMPLATE.search(path.read_text()), path
