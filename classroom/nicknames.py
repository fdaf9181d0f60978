"""Nicknames: clean and validate what a student types, refuse rude ones, make friendly ones.

A nickname is shown on the projector to the whole class, so:

- `clean_nickname` is the one gate. It refuses anything that is not text, refuses raw
  input over 4 x MAX_NICKNAME_LENGTH characters *before* normalising (NFKC can turn one
  character into 18, so normalising attacker-sized input first would be wasted work),
  applies NFKC, removes invisible characters (controls, bidi overrides and isolates,
  zero-width characters, the BOM, Hangul fillers...), keeps at most three combining
  marks on one letter (no "Zalgo" text), collapses whitespace, and then
  requires 1-30 characters with at least one letter or digit. It does *not* judge
  taste: what to do with a name `is_offensive` flags (refuse it, or hand out a
  generated name instead) is the caller's policy.
- HTML in a nickname is *not* refused or altered: `<img src=x onerror=alert(1)>` is a
  (strange) nickname like any other text. Escaping is the renderer's job, everywhere.
- `nickname_key` and `nickname_skeleton` say when two names are one: see "Look-alike
  names" below.
- `is_offensive` is a small English blocklist (classroom/data/blocklist.txt, ROT13 so
  the file reads cleanly), matched against folded forms of the name: leetspeak undone
  (0→o 1→i 3→e 4→a 5→s 7→t @→a $→s !→i), then the Unicode TS #39 skeleton (so a
  Cyrillic "с" or a mathematical "𝐬" is a Latin one; see classroom/confusables.py),
  casefolded, accents dropped, a few more Cyrillic/Greek letters the standard does not
  map (such as "н" for "h") mapped anyway, and each letter of a blocked word allowed to
  repeat ("fuuuck"). The blocked words are folded the same way, also as written in
  capitals, so "SHlT" with a small L is caught like "SHIT". Long words (5+ letters,
  or marked `*`) match anywhere, even across spaces and punctuation; short words only
  as a whole word, so towns and names that contain one (Scunthorpe, Dickens, Hancock,
  Cassandra, Essex, Pakistan, Therapist) are allowed. It is a speed bump for a
  classroom, not a moderation system: the host can still kick.
- `generated_nickname` makes "Adjective Animal" names from fixed friendly word lists
  (for games where the teacher allows only generated names).

Look-alike names (docs/protocol.md, "Nicknames"). Two names are one name in a game
when either of these keys is equal (each is unique per game in the database):

- `nickname_key`: the skeleton compared whatever the case. The name is casefolded,
  then skeletonised, then casefolded again (the skeleton maps some characters to
  capitals: "0" to "O"), repeated until nothing changes (two rounds are enough for any
  character). So "ALI" is "Ali", "Mаllory" (Cyrillic а) and "mаllory" are "Mallory",
  "B0B" is "Bob", and the full-width "Ａｌｉ" is "Ali" (NFKC, already in clean_nickname).
- `nickname_skeleton`: the TS #39 skeleton of the name as typed, case and all. Folding
  case first turns a capital I into "i", but on a projector "AIex" (capital i) is
  "Alex" (small L): the standard's table says so ("I" → "l"), and only the skeleton of
  the name as typed sees it. One key cannot do both without also making "Ali" and
  "All" one name, which they are not.

Accents stay: "Alí" and "Ali" are two names, as the standard has it. The accent is
visible on the projector, and both spellings are real names a class can have together.

Pure: stdlib only.
"""

from __future__ import annotations

import codecs
import random
import re
import unicodedata
from collections.abc import Collection
from itertools import count
from pathlib import Path

from classroom.confusables import skeleton

# Long enough for a playful name (and for `<img src=x onerror=alert(1)>`, which must show
# literally rather than be refused), short enough to fit a projector's roster tile.
MAX_NICKNAME_LENGTH = 30
# Raw input longer than this is refused before any normalisation.
MAX_RAW_LENGTH = 4 * MAX_NICKNAME_LENGTH
# Room for both look-alike keys of the longest name: no character of a cleaned name
# folds to more than 7 (tests/classroom/test_nicknames.py measures it), 30 x 7 = 210.
MAX_KEY_LENGTH = 255


def gettext_noop(message: str) -> str:
    """Marks `message` for makemessages without importing Django: it is translated when
    an error frame is sent (classroom/languages.py)."""
    return message


# A literal, so makemessages finds it: tests/classroom/test_nicknames.py checks that it
# names MAX_NICKNAME_LENGTH.
LENGTH_MESSAGE = gettext_noop("Choose a nickname of 1–30 characters.")
ALNUM_MESSAGE = gettext_noop("Use at least one letter or number in your nickname.")
# For callers that refuse a name is_offensive flags.
OFFENSIVE_MESSAGE = gettext_noop("Please choose a different nickname.")


class NicknameError(ValueError):
    code = "nickname_invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# Categories removed outright: controls (Cc), format characters (Cf: bidi overrides
# U+202A-202E, isolates U+2066-2069, zero-width U+200B-200D, U+FEFF, soft hyphen...),
# lone surrogates (Cs, which JSON can carry but no database column should) and
# private-use characters (Co, invisible or meaningless on other devices).
_REMOVED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co"})
# Characters that render as nothing but are classed as letters or marks, the usual
# ways to make an "empty" or look-alike name.
_INVISIBLE = frozenset(
    "\u034f"  # combining grapheme joiner
    "\u115f\u1160\u3164\uffa0"  # Hangul fillers
    "\u17b4\u17b5"  # Khmer inherent vowels
    "\u2800"  # Braille blank
)


def _strip_invisible(text: str) -> str:
    return "".join(
        ch
        for ch in text
        if ch not in _INVISIBLE and unicodedata.category(ch) not in _REMOVED_CATEGORIES
    )


# Scripts stack up to about three marks on a letter (Arabic shadda + vowel, Thai tone
# marks); more is "Zalgo" text that spills over the names around it on the projector.
MAX_STACKED_MARKS = 3


def _limit_stacked_marks(text: str) -> str:
    kept: list[str] = []
    stacked = 0
    for ch in text:
        if unicodedata.category(ch) in ("Mn", "Me"):
            stacked += 1
            if stacked > MAX_STACKED_MARKS:
                continue
        else:
            stacked = 0
        kept.append(ch)
    return "".join(kept)


def clean_nickname(raw: object) -> str:
    """The nickname to store and show, or NicknameError (code `nickname_invalid`)."""
    if not isinstance(raw, str):
        raise NicknameError(LENGTH_MESSAGE)
    if len(raw) > MAX_RAW_LENGTH:
        raise NicknameError(LENGTH_MESSAGE)
    text = unicodedata.normalize("NFKC", raw)
    # Whitespace controls (tab, newline) become spaces before the controls go, so
    # "Ali\tKhan" stays two words.
    text = "".join(" " if ch.isspace() else ch for ch in text)
    text = " ".join(_limit_stacked_marks(_strip_invisible(text)).split())
    if not 1 <= len(text) <= MAX_NICKNAME_LENGTH:
        raise NicknameError(LENGTH_MESSAGE)
    if not any(ch.isalnum() for ch in text):
        raise NicknameError(ALNUM_MESSAGE)
    return text


# Enough for every single character (measured over all of Unicode in the tests).
_KEY_ROUNDS = 4


def _fold_round(text: str) -> str:
    return skeleton(unicodedata.normalize("NFKC", text).casefold()).casefold()


def nickname_key(nickname: str) -> str:
    """The case-blind look-alike key: unique within a game ("ALI", "Ali", "Аli" are one)."""
    key = nickname
    for _ in range(_KEY_ROUNDS):
        folded = _fold_round(key)
        if folded == key:
            break
        key = folded
    return key


def nickname_skeleton(nickname: str) -> str:
    """The TS #39 skeleton of the name as typed: unique within a game ("AIex" is "Alex")."""
    return skeleton(unicodedata.normalize("NFKC", nickname))


def nickname_keys(nickname: str) -> tuple[str, str]:
    """(nickname_key, nickname_skeleton): a name is taken if either is."""
    return nickname_key(nickname), nickname_skeleton(nickname)


# --- the blocklist ------------------------------------------------------------------

_BLOCKLIST_PATH = Path(__file__).with_name("data") / "blocklist.txt"
# Words shorter than this only match as a whole word unless marked "*".
_ANYWHERE_MIN_LENGTH = 5

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t",
                       "@": "a", "$": "s", "!": "i"})  # fmt: skip
# Cyrillic and Greek letters that look like Latin ones, lower case (after casefold).
_LOOKALIKES = str.maketrans({"а": "a", "в": "b", "е": "e", "ё": "e", "і": "i", "ј": "j",
                             "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
                             "т": "t", "у": "y", "х": "x", "ѕ": "s", "α": "a", "ε": "e",
                             "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
                             "υ": "u", "χ": "x"})  # fmt: skip
_NON_LETTERS = re.compile(r"[^a-z]+")


def _word_pattern(word: str) -> str:
    """'ass' -> 'a+s{2,}': each run of a letter may repeat, but not shrink."""
    return "".join(
        re.escape(letter) + ("+" if len(run) == 1 else f"{{{len(run)},}}")
        for run, letter in ((m.group(0), m.group(1)) for m in re.finditer(r"(.)\1*", word))
    )


def _load_blocklist(path: Path) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    anywhere: list[str] = []
    whole: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        mark, encoded = (line[0], line[1:]) if line[0] in "*=" else ("", line)
        word = codecs.decode(encoded, "rot13").casefold()
        long_word = mark == "*" or (not mark and len(word) >= _ANYWHERE_MIN_LENGTH)
        into = anywhere if long_word else whole
        # The word as the name's folds see it, typed in small letters or in capitals.
        forms = {_letters(_fold(word)), _letters(_fold_as_typed(word.upper()))}
        into.extend(_word_pattern(form) for form in sorted(forms) if form)
    return (
        re.compile("|".join(anywhere)) if anywhere else None,
        re.compile("(?:" + "|".join(whole) + ")") if whole else None,
    )


def _finish(text: str) -> str:
    text = "".join(ch for ch in text.casefold() if not unicodedata.combining(ch))
    return text.translate(_LOOKALIKES)


def _fold(text: str) -> str:
    """Case first: "SHPX" and "shpx" are one word, Cyrillic capitals become small ones."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_LEET)
    return _finish(skeleton(text))


def _fold_as_typed(text: str) -> str:
    """Skeleton first: a capital I is a small L, as it looks ("SHlT")."""
    text = unicodedata.normalize("NFKC", text).translate(_LEET)
    return _finish(skeleton(text))


def _letters(text: str) -> str:
    return "".join(_NON_LETTERS.split(text))


_ANYWHERE, _WHOLE_WORD = _load_blocklist(_BLOCKLIST_PATH)


def _contains_blocked_word(folded: str) -> bool:
    tokens = [t for t in _NON_LETTERS.split(folded) if t]
    letters = "".join(tokens)
    if _ANYWHERE is not None and _ANYWHERE.search(letters):
        return True
    if _WHOLE_WORD is not None:
        # Each word on its own, and all letters run together ("a.s.s", "A S S").
        return any(_WHOLE_WORD.fullmatch(token) for token in [*tokens, letters])
    return False


def is_offensive(nickname: str) -> bool:
    """Whether the name contains a blocked word (see the module docstring for how)."""
    visible = _strip_invisible(nickname)
    return _contains_blocked_word(_fold(visible)) or _contains_blocked_word(_fold_as_typed(visible))


# --- generated names ----------------------------------------------------------------

# Short, friendly, unambiguous words: "Adjective Animal" is at most 15 characters,
# leaving room for " 9999" within MAX_NICKNAME_LENGTH.
ADJECTIVES: tuple[str, ...] = (
    "Brave", "Bright", "Calm", "Clever", "Cosmic", "Daring", "Eager", "Gentle", "Golden",
    "Grand", "Happy", "Jolly", "Keen", "Kind", "Lively", "Lucky", "Merry", "Mighty",
    "Nimble", "Noble", "Plucky", "Proud", "Quick", "Quiet", "Rapid", "Silver", "Smart",
    "Steady", "Sunny", "Swift", "Witty", "Zesty", "Breezy", "Cheery", "Dapper", "Curious",
)  # fmt: skip
ANIMALS: tuple[str, ...] = (
    "Badger", "Beaver", "Bison", "Camel", "Cheetah", "Crane", "Dolphin", "Eagle", "Falcon",
    "Fox", "Gecko", "Heron", "Ibex", "Jaguar", "Kestrel", "Koala", "Lemur", "Lion", "Llama",
    "Lynx", "Magpie", "Meerkat", "Moose", "Narwhal", "Otter", "Owl", "Panda", "Parrot",
    "Pelican", "Penguin", "Puffin", "Quokka", "Rabbit", "Raven", "Robin", "Seal", "Sparrow",
    "Swan", "Tiger", "Toucan", "Turtle", "Walrus", "Wombat", "Yak", "Zebra",
)  # fmt: skip
# Numbers a class would giggle at are skipped.
_SKIPPED_NUMBERS = frozenset({69, 420})
# Plain names tried before numbering one: with 1,600 combinations, numbers are rare.
_PLAIN_TRIES = 30


def generated_nickname(rng: random.Random, *, taken: Collection[str] = ()) -> str:
    """A friendly "Adjective Animal" name none of whose keys is in `taken`.

    `taken` holds keys (`nickname_keys` of the names in the game), not names: a class
    joining at once asks for many names, and folding every taken name for each would
    cost more than the join itself. Tries a few random plain names, then numbers one
    ("Brave Falcon 2"). Deterministic for a given `rng` state.
    """

    def free(name: str) -> bool:
        return not any(key in taken for key in nickname_keys(name))

    for _ in range(_PLAIN_TRIES):
        name = f"{rng.choice(ADJECTIVES)} {rng.choice(ANIMALS)}"
        if free(name):
            return name
    base = f"{rng.choice(ADJECTIVES)} {rng.choice(ANIMALS)}"
    # Terminates: at most len(taken) numbers can be taken.
    for number in count(2):
        if number in _SKIPPED_NUMBERS:
            continue
        name = f"{base} {number}"
        if free(name):
            return name
    raise AssertionError("unreachable")  # pragma: no cover
